#include "linalg/api.hpp"

namespace linalg {

template <class T>
lowrank::SvdFactors<T> rsvd_as_computed(const lowrank::Operator<T>& A, const lowrank::RsvdOptions& opt,
                                        lowrank::RsvdReport& rep, double nnz, bool& transposed,
                                        const lowrank::Progress& progress) {
  return lowrank::rsvd_as_computed(host::Host{}, A, opt, rep, nnz, transposed, progress);
}

lowrank::SvdFactors<double> rsvd_mixed(DenseView<const double> A, const lowrank::RsvdOptions& opt,
                                       lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                                       const lowrank::Progress& progress) {
  return lowrank::rsvd_mixed(host::Host{}, A, opt, rep, min_rel_error, used, progress);
}

template <class T>
bool all_finite(DenseView<const T> A) {
  return host::Host{}.all_finite(A);
}

template <class T>
Matrix<T> dense_product(DenseView<const T> A, DenseView<const T> X, bool transpose) {
  const lowrank::Operator<T> op(A);
  Matrix<T> Y(transpose ? A.cols : A.rows, X.cols);
  if (transpose) op.apply_t(host::Host{}, X, Y.view());
  else op.apply(host::Host{}, X, Y.view());
  return Y;
}

template <class T>
Matrix<T> range_finder(const lowrank::Operator<T>& A, index_t size, int power_iters,
                       const sketch::TestMatrix& tm, double nnz, lowrank::PassCount& count) {
  return lowrank::range_finder(host::Host{}, A, size, power_iters, tm, nnz, count);
}

template <class T>
lowrank::ErrorEstimate estimate_error(const lowrank::Operator<T>& A, DenseView<const T> U, const T* S,
                                      DenseView<const T> Vt, int probes, std::uint64_t seed) {
  return lowrank::estimate_error(host::Host{}, A, U, S, Vt, probes, seed);
}

#define LINALG_INSTANTIATE(T)                                                                            \
  template lowrank::SvdFactors<T> rsvd_as_computed<T>(const lowrank::Operator<T>&, const lowrank::RsvdOptions&, \
                                                      lowrank::RsvdReport&, double, bool&, const lowrank::Progress&); \
  template Matrix<T> range_finder<T>(const lowrank::Operator<T>&, index_t, int, const sketch::TestMatrix&, \
                                     double, lowrank::PassCount&);                                       \
  template bool all_finite<T>(DenseView<const T>);                                                      \
  template Matrix<T> dense_product<T>(DenseView<const T>, DenseView<const T>, bool);                     \
  template lowrank::ErrorEstimate estimate_error<T>(const lowrank::Operator<T>&, DenseView<const T>,     \
                                                    const T*, DenseView<const T>, int, std::uint64_t);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg
