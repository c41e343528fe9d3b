#include "linalg/sampling/api.hpp"

#include "linalg/host/context.hpp"
#include "linalg/rng/draws.hpp"
#include "linalg/sketch/apply.hpp"

namespace linalg {

template <class T>
void leverage_scores(DenseView<const T> A, const sampling::LeverageOptions& opt, double* out,
                     sampling::LeverageReport& rep) {
  sampling::leverage_scores(host::Host{}, A, opt, out, rep);
}

template <class T>
void lewis_weights(DenseView<const T> A, double p, int max_iter, double tol, const sampling::LeverageOptions& opt,
                   double* out, sampling::LeverageReport& rep) {
  sampling::lewis_weights(host::Host{}, A, p, max_iter, tol, opt, out, rep);
}

template <class T>
void row_sketch(DenseView<const T> A, sketch::RowSketch kind, int zeta, std::uint64_t seed, DenseView<T> Y) {
  sketch::apply_row_sketch(host::Host{}, A, kind, zeta, seed, sketch::kUserSketch, Y);
}

template <class T, class I>
void row_sketch(const CsrView<T, I>& A, sketch::RowSketch kind, int zeta, std::uint64_t seed, DenseView<T> Y) {
  host::row_sketch_csr(A, kind, zeta, seed, sketch::kUserSketch, Y);
}

void sampling_uniforms(std::uint64_t seed, std::uint32_t salt, index_t n, double* out, std::uint64_t first) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (index_t i = 0; i < n; ++i)
    out[i] = rng::uniform_open(
        rng::draw(seed, first + static_cast<std::uint64_t>(i), salt, sketch::kRowSampling).v[0]);
}

#define LINALG_INSTANTIATE(T)                                                                               \
  template void leverage_scores<T>(DenseView<const T>, const sampling::LeverageOptions&, double*,           \
                                   sampling::LeverageReport&);                                              \
  template void lewis_weights<T>(DenseView<const T>, double, int, double, const sampling::LeverageOptions&, \
                                 double*, sampling::LeverageReport&);                                       \
  template void row_sketch<T>(DenseView<const T>, sketch::RowSketch, int, std::uint64_t, DenseView<T>);     \
  template void row_sketch<T, std::int32_t>(const CsrView<T, std::int32_t>&, sketch::RowSketch, int,        \
                                            std::uint64_t, DenseView<T>);                                   \
  template void row_sketch<T, std::int64_t>(const CsrView<T, std::int64_t>&, sketch::RowSketch, int,        \
                                            std::uint64_t, DenseView<T>);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg
