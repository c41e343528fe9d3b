// The low-rank algorithms on the CUDA context: each entry point opens the
// device memory scope and runs the same template as the host build.
#include "linalg/cuda/api.hpp"
#include "linalg/cuda/context.hpp"
#include "device_svd.hpp"
#include "linalg/cuda/half_operator.hpp"
#include "linalg/lowrank/mixed_precision.hpp"
#include "linalg/lowrank/range_finder.hpp"

namespace linalg::cuda {

template <class T>
DeviceSvd<T> rsvd(std::uintptr_t stream, const lowrank::Operator<T>& A, const lowrank::RsvdOptions& opt,
                  lowrank::RsvdReport& rep, double nnz, const lowrank::Progress& progress) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  return to_device(ctx, lowrank::rsvd(ctx, A, opt, rep, nnz, progress));
}

DeviceSvd<double> rsvd_mixed(std::uintptr_t stream, DenseView<const double> A, const lowrank::RsvdOptions& opt,
                             lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                             const lowrank::Progress& progress) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  auto f = lowrank::rsvd_mixed(ctx, A, opt, rep, min_rel_error, used, progress);
  if (!used) return {};
  return to_device(ctx, std::move(f));
}

DeviceSvd<float> rsvd_fast(std::uintptr_t stream, DenseView<const float> A, const lowrank::RsvdOptions& opt,
                           lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                           const lowrank::Progress& progress) {
  Cuda ctx(stream), fast(stream, true);
  MemoryScope scope(ctx.memory_space());
  const lowrank::Operator<float> op(A);
  lowrank::SvdFactors<float> f;
  std::string products = "float16";
  {
    // The float16 copy (half of A's memory); where it cannot be made, the
    // TF32 products read A itself.
    const HalfOperator half = HalfOperator::copy_of(ctx, A, ctx.frobenius_sq(A));
    if (half.ok()) {
      f = lowrank::rsvd_refined(ctx, fast, op, half, opt, rep, min_rel_error, used, progress);
    } else {
      products = "tf32";
      f = lowrank::rsvd_refined(ctx, fast, op, op, opt, rep, min_rel_error, used, progress);
    }
  }
  if (!used) return {};
  rep.fast_products = products;
  return to_device(ctx, std::move(f));
}

template <class T>
Matrix<T> range_finder(std::uintptr_t stream, const lowrank::Operator<T>& A, index_t size, int power_iters,
                       const sketch::TestMatrix& tm, double nnz, lowrank::PassCount& count) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  return lowrank::range_finder(ctx, A, size, power_iters, tm, nnz, count);
}

template <class T>
lowrank::ErrorEstimate estimate_error(std::uintptr_t stream, const lowrank::Operator<T>& A, DenseView<const T> U,
                                      const T* S_device, DenseView<const T> Vt, int probes, std::uint64_t seed) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  std::vector<T> s(static_cast<std::size_t>(U.cols));
  ctx.to_host(DenseView<const T>{S_device, U.cols, 1, U.cols > 0 ? U.cols : 1, false}, s.data());
  return lowrank::estimate_error(ctx, A, U, s.data(), Vt, probes, seed);
}

template <class T>
bool all_finite(std::uintptr_t stream, DenseView<const T> A) {
  return Cuda(stream).all_finite(A);
}

template <class T>
Matrix<T> test_matrix(std::uintptr_t stream, index_t rows, index_t cols, const sketch::TestMatrix& tm,
                      std::uint32_t rng_stream, std::uint32_t block) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  Matrix<T> M(rows, cols);
  sketch::draw(ctx, tm, rng_stream, block, M.view());
  return M;
}

#define LINALG_INSTANTIATE(T)                                                                               \
  template DeviceSvd<T> rsvd<T>(std::uintptr_t, const lowrank::Operator<T>&, const lowrank::RsvdOptions&,   \
                                lowrank::RsvdReport&, double, const lowrank::Progress&);                    \
  template Matrix<T> range_finder<T>(std::uintptr_t, const lowrank::Operator<T>&, index_t, int,             \
                                     const sketch::TestMatrix&, double, lowrank::PassCount&);               \
  template lowrank::ErrorEstimate estimate_error<T>(std::uintptr_t, const lowrank::Operator<T>&,            \
                                                    DenseView<const T>, const T*, DenseView<const T>, int,  \
                                                    std::uint64_t);                                         \
  template bool all_finite<T>(std::uintptr_t, DenseView<const T>);                                          \
  template Matrix<T> test_matrix<T>(std::uintptr_t, index_t, index_t, const sketch::TestMatrix&, std::uint32_t, \
                                    std::uint32_t);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
