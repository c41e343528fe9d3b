// Nyström and the interpolative decomposition on the CUDA context: each
// entry point opens the device memory scope and runs the same template as
// the host build (src/lowrank/select_api.cpp).
#include "linalg/cuda/select_api.hpp"

#include "linalg/cuda/context.hpp"

namespace linalg::cuda {

template <class T>
DeviceEigh<T> nystrom(std::uintptr_t stream, const lowrank::Operator<T>& A, const lowrank::NystromOptions& opt,
                      lowrank::NystromReport& rep, double nnz, DenseView<const T> omega) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  lowrank::EighFactors<T> f = lowrank::nystrom(ctx, A, opt, rep, nnz, omega);
  DeviceEigh<T> out;
  out.V = std::move(f.V);
  out.w = Matrix<T>(static_cast<index_t>(f.w.size()), 1);
  ctx.from_host(f.w.data(), out.w.view());
  return out;
}

template <class T>
lowrank::IdFactors<T> interp_decomp(std::uintptr_t stream, const lowrank::Operator<T>& A, const lowrank::IdOptions& opt,
                                    lowrank::IdReport& rep, double nnz, DenseView<const T> dense) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  return lowrank::interp_decomp(ctx, A, opt, rep, nnz, dense);
}

#define LINALG_INSTANTIATE(T)                                                                                    \
  template DeviceEigh<T> nystrom<T>(std::uintptr_t, const lowrank::Operator<T>&, const lowrank::NystromOptions&, \
                                    lowrank::NystromReport&, double, DenseView<const T>);                       \
  template lowrank::IdFactors<T> interp_decomp<T>(std::uintptr_t, const lowrank::Operator<T>&,                   \
                                                  const lowrank::IdOptions&, lowrank::IdReport&, double,         \
                                                  DenseView<const T>);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
