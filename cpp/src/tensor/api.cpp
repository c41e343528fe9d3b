#include "linalg/tensor/api.hpp"

#include "linalg/host/context.hpp"

namespace linalg {

template <class T>
tensor::TuckerFactors<T> tucker(TensorView<const T> X, const tensor::TuckerOptions& opt, tensor::TuckerReport& rep) {
  return tensor::tucker(host::Host{}, X, opt, rep);
}

template <class T>
Tensor<T> tucker_to_tensor(TensorView<const T> G, const std::vector<DenseView<const T>>& U) {
  return tensor::tucker_to_tensor(host::Host{}, G, U);
}

template <class T>
Tensor<T> mode_product(TensorView<const T> X, int n, DenseView<const T> A) {
  require(n >= 0 && n < X.ndim(), "mode_product: mode out of range");
  require(A.cols == X.shape[n], "mode_product: the matrix needs as many columns as the mode's size");
  std::vector<index_t> shape = X.shape;
  shape[n] = A.rows;
  Tensor<T> Y(shape);
  tensor::mode_product(host::Host{}, X, n, A, Y.view());
  return Y;
}

#define LINALG_INSTANTIATE(T)                                                                               \
  template tensor::TuckerFactors<T> tucker<T>(TensorView<const T>, const tensor::TuckerOptions&,            \
                                              tensor::TuckerReport&);                                       \
  template Tensor<T> tucker_to_tensor<T>(TensorView<const T>, const std::vector<DenseView<const T>>&);      \
  template Tensor<T> mode_product<T>(TensorView<const T>, int, DenseView<const T>);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg
