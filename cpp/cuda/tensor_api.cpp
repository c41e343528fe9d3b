// The Tucker algorithms on the CUDA context: each entry point opens the
// device memory scope and runs the same template as the host build
// (src/tensor/api.cpp).
#include "linalg/cuda/tensor_api.hpp"

#include "linalg/cuda/context.hpp"

namespace linalg::cuda {

template <class T>
tensor::TuckerFactors<T> tucker(std::uintptr_t stream, TensorView<const T> X, const tensor::TuckerOptions& opt,
                                tensor::TuckerReport& rep) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  return tensor::tucker(ctx, X, opt, rep);
}

template <class T>
Tensor<T> tucker_to_tensor(std::uintptr_t stream, TensorView<const T> G, const std::vector<DenseView<const T>>& U) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  return tensor::tucker_to_tensor(ctx, G, U);
}

template <class T>
Tensor<T> mode_product(std::uintptr_t stream, TensorView<const T> X, int n, DenseView<const T> A) {
  require(n >= 0 && n < X.ndim(), "mode_product: mode out of range");
  require(A.cols == X.shape[n], "mode_product: the matrix needs as many columns as the mode's size");
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  std::vector<index_t> shape = X.shape;
  shape[n] = A.rows;
  Tensor<T> Y(shape);
  tensor::mode_product(ctx, X, n, A, Y.view());
  return Y;
}

#define LINALG_INSTANTIATE(T)                                                                                    \
  template tensor::TuckerFactors<T> tucker<T>(std::uintptr_t, TensorView<const T>, const tensor::TuckerOptions&, \
                                              tensor::TuckerReport&);                                            \
  template Tensor<T> tucker_to_tensor<T>(std::uintptr_t, TensorView<const T>,                                    \
                                         const std::vector<DenseView<const T>>&);                                \
  template Tensor<T> mode_product<T>(std::uintptr_t, TensorView<const T>, int, DenseView<const T>);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
