// The sampling area on the CUDA context: each entry point opens the device
// memory scope and runs the same template as the host build.
#include "linalg/cuda/sampling_api.hpp"

#include <algorithm>
#include <vector>

#include "linalg/cuda/context.hpp"
#include "linalg/sketch/apply.hpp"

namespace linalg::cuda {

template <class T>
Matrix<double> leverage_scores(std::uintptr_t stream, DenseView<const T> A, const sampling::LeverageOptions& opt,
                               sampling::LeverageReport& rep) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  Matrix<double> q(A.rows, 1);
  sampling::leverage_scores(ctx, A, opt, q.data(), rep);
  return q;
}

template <class T>
Matrix<double> lewis_weights(std::uintptr_t stream, DenseView<const T> A, double p, int max_iter, double tol,
                             const sampling::LeverageOptions& opt, sampling::LeverageReport& rep) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  std::vector<double> w(static_cast<std::size_t>(A.rows));  // the iteration's vector, on the host
  sampling::lewis_weights(ctx, A, p, max_iter, tol, opt, w.data(), rep);
  Matrix<double> out(A.rows, 1);
  ctx.from_host(w.data(), out.view());
  return out;
}

template <class T>
Matrix<T> row_sketch(std::uintptr_t stream, DenseView<const T> A, sketch::RowSketch kind, index_t s, int zeta,
                     std::uint64_t seed) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  Matrix<T> Y(s, A.cols);
  sketch::apply_row_sketch(ctx, A, kind, zeta, seed, sketch::kUserSketch, Y.view());
  return Y;
}

template <class T, class I>
Matrix<T> row_sketch(std::uintptr_t stream, const CsrView<T, I>& A, sketch::RowSketch kind, index_t s, int zeta,
                     std::uint64_t seed) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  Matrix<T> Y(s, A.cols());
  ctx.row_sketch_csr(A, kind, zeta, seed, sketch::kUserSketch, Y.view());
  return Y;
}

Matrix<double> sampling_uniforms(std::uintptr_t stream, std::uint64_t seed, std::uint32_t salt, index_t n) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  Matrix<double> u(n, 1);
  ctx.sampling_uniforms(seed, salt, n, u.data());
  return u;
}

#define LINALG_INSTANTIATE(T)                                                                                    \
  template Matrix<double> leverage_scores<T>(std::uintptr_t, DenseView<const T>, const sampling::LeverageOptions&, \
                                             sampling::LeverageReport&);                                         \
  template Matrix<double> lewis_weights<T>(std::uintptr_t, DenseView<const T>, double, int, double,              \
                                           const sampling::LeverageOptions&, sampling::LeverageReport&);         \
  template Matrix<T> row_sketch<T>(std::uintptr_t, DenseView<const T>, sketch::RowSketch, index_t, int,          \
                                   std::uint64_t);                                                               \
  template Matrix<T> row_sketch<T, std::int32_t>(std::uintptr_t, const CsrView<T, std::int32_t>&,                \
                                                 sketch::RowSketch, index_t, int, std::uint64_t);                \
  template Matrix<T> row_sketch<T, std::int64_t>(std::uintptr_t, const CsrView<T, std::int64_t>&,                \
                                                 sketch::RowSketch, index_t, int, std::uint64_t);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
