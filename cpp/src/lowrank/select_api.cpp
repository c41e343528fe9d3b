#include "linalg/select_api.hpp"

namespace linalg {

template <class T>
lowrank::EighFactors<T> nystrom(const lowrank::Operator<T>& A, const lowrank::NystromOptions& opt,
                                lowrank::NystromReport& rep, double nnz, DenseView<const T> omega) {
  return lowrank::nystrom(host::Host{}, A, opt, rep, nnz, omega);
}

template <class T>
lowrank::IdFactors<T> interp_decomp(const lowrank::Operator<T>& A, const lowrank::IdOptions& opt,
                                    lowrank::IdReport& rep, double nnz, DenseView<const T> dense) {
  return lowrank::interp_decomp(host::Host{}, A, opt, rep, nnz, dense);
}

#define LINALG_INSTANTIATE(T)                                                                              \
  template lowrank::EighFactors<T> nystrom<T>(const lowrank::Operator<T>&, const lowrank::NystromOptions&, \
                                              lowrank::NystromReport&, double, DenseView<const T>);                            \
  template lowrank::IdFactors<T> interp_decomp<T>(const lowrank::Operator<T>&, const lowrank::IdOptions&,  \
                                                  lowrank::IdReport&, double, DenseView<const T>);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg
