// Host entry points of the Tucker code for the bindings: the templates of
// tensor/ instantiated for the host context, float and double
// (src/tensor/api.cpp).
#pragma once
#include <vector>

#include "linalg/core/tensor_view.hpp"
#include "linalg/tensor/tucker.hpp"

namespace linalg {

template <class T>
tensor::TuckerFactors<T> tucker(TensorView<const T> X, const tensor::TuckerOptions& opt, tensor::TuckerReport& rep);

template <class T>
Tensor<T> tucker_to_tensor(TensorView<const T> G, const std::vector<DenseView<const T>>& U);

// Y = X x_n A for a logical J x I_n matrix A.
template <class T>
Tensor<T> mode_product(TensorView<const T> X, int n, DenseView<const T> A);

}  // namespace linalg
