#include "linalg/api.hpp"

#include <algorithm>
#include "linalg/host/bf16_operator.hpp"
#include "linalg/host/split_host.hpp"

namespace linalg {

template <class T>
lowrank::SvdFactors<T> rsvd_as_computed(const lowrank::Operator<T>& A, const lowrank::RsvdOptions& opt,
                                        lowrank::RsvdReport& rep, double nnz, bool& transposed,
                                        const lowrank::Progress& progress) {
  // SciPy's BLAS holds one thread (linalg/rsvd.py) and the work runs on the
  // OpenMP threads: the CSR products are our kernels, a dense A's narrow
  // products too (host/skinny_product.hpp), and the BLAS calls on tall
  // blocks are split over the threads (host/split_host.hpp). Measured on
  // P1/P2 (median of 5, interleaved with the former whole-matrix BLAS
  // calls on BLAS threads): float64 auto (Krylov) 1.29 -> 1.08 s and
  // 1.19 -> 0.83 s, float32 auto (subspace) 0.86 -> 0.77 s, 0.91 -> 0.82 s.
  return lowrank::rsvd_as_computed(host::SplitHost{}, A, opt, rep, nnz, transposed, progress);
}

constexpr const char* kNotFinite = "A contains NaN or Inf (pass check_finite=False to skip this check)";

lowrank::SvdFactors<double> rsvd_mixed(DenseView<const double> A, const lowrank::RsvdOptions& opt,
                                       lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                                       const lowrank::Progress& progress, bool check_finite) {
  // A NaN/Inf makes the float32 copy's norm non-finite, which stops the
  // mixed run right after the copy (float32_safe_norm): only then is A
  // scanned, to tell NaN/Inf from entries beyond float32's range.
  lowrank::SvdFactors<double> f = lowrank::rsvd_mixed(host::Host{}, A, opt, rep, min_rel_error, used, progress);
  if (!used && check_finite && !host::Host{}.all_finite(A)) throw invalid_argument(kNotFinite);
  return f;
}

namespace {

template <class T>
lowrank::SvdFactors<T> rsvd_on_bf16(DenseView<const T> A, const lowrank::RsvdOptions& opt, lowrank::RsvdReport& rep,
                                    double min_rel_error, bool& used, const lowrank::Progress& progress,
                                    bool check_finite) {
  used = false;
  // The copy (empty without AMX) reads A once; the finiteness check rides on
  // that read, and A is scanned only where the copy is missing or not finite
  // (NaN/Inf, or float64 entries beyond float32's range: not for bfloat16).
  const host::Bf16Operator fast_A = host::Bf16Operator::copy_of(A);
  if (!fast_A.ok() || !fast_A.finite()) {
    if (check_finite && !host::Host{}.all_finite(A)) throw invalid_argument(kNotFinite);
    return {};
  }
  if (!lowrank::float32_safe_norm(fast_A.frobenius_sq(host::Host{}))) return {};
  // One power step unless asked: the bfloat16 passes are cheap and the wider
  // basis (k/4 extra columns) makes up for a second step (RESULTS.md, weights).
  lowrank::RsvdOptions o = opt;
  if (o.power_iters < 0) o.power_iters = 1;
  // SciPy's BLAS runs one thread here (linalg/rsvd.py): see split_host.hpp.
  lowrank::SvdFactors<T> f = lowrank::rsvd_refined(host::SplitHost{}, host::Bf16Host{}, lowrank::Operator<T>(A),
                                                   fast_A, o, rep, min_rel_error, used, progress, /*extra_div=*/4);
  if (used) rep.fast_products = "bfloat16";
  return f;
}

}  // namespace

lowrank::SvdFactors<float> rsvd_fast(DenseView<const float> A, const lowrank::RsvdOptions& opt,
                                     lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                                     const lowrank::Progress& progress, bool check_finite) {
  return rsvd_on_bf16(A, opt, rep, min_rel_error, used, progress, check_finite);
}

lowrank::SvdFactors<double> rsvd_fast(DenseView<const double> A, const lowrank::RsvdOptions& opt,
                                      lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                                      const lowrank::Progress& progress, bool check_finite) {
  return rsvd_on_bf16(A, opt, rep, min_rel_error, used, progress, check_finite);
}

Matrix<float> bf16_product(DenseView<const float> A, DenseView<const float> X, bool transpose, int repeats,
                           bool& available) {
  const host::Bf16Operator op = host::Bf16Operator::copy_of(A);
  available = op.ok();
  if (!available) return {};
  Matrix<float> Y(transpose ? A.cols : A.rows, X.cols);
  for (int r = 0; r < std::max(repeats, 1); ++r) {
    if (transpose) op.apply_t(host::Host{}, X, Y.view());
    else op.apply(host::Host{}, X, Y.view());
  }
  return Y;
}

template <class T>
bool all_finite(DenseView<const T> A) {
  return host::Host{}.all_finite(A);
}

template <class T>
Matrix<T> dense_product(DenseView<const T> A, DenseView<const T> X, bool transpose, bool split) {
  const lowrank::Operator<T> op(A);
  Matrix<T> Y(transpose ? A.cols : A.rows, X.cols);
  auto run = [&](const auto& ctx) {
    if (transpose) op.apply_t(ctx, X, Y.view());
    else op.apply(ctx, X, Y.view());
  };
  if (split) run(host::SplitHost{});
  else run(host::Host{});
  return Y;
}

template <class T>
Matrix<T> range_finder(const lowrank::Operator<T>& A, index_t size, int power_iters,
                       const sketch::TestMatrix& tm, double nnz, lowrank::PassCount& count) {
  return lowrank::range_finder(host::SplitHost{}, A, size, power_iters, tm, nnz, count);  // as rsvd
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
  template Matrix<T> dense_product<T>(DenseView<const T>, DenseView<const T>, bool, bool);               \
  template lowrank::ErrorEstimate estimate_error<T>(const lowrank::Operator<T>&, DenseView<const T>,     \
                                                    const T*, DenseView<const T>, int, std::uint64_t);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg
