// CUDA entry points of the Tucker code: the templates of tensor/
// instantiated with the CUDA context (cpp/cuda/tensor_api.cpp). Tensors and
// factor matrices in and out are device memory, stream-ordered on `stream`.
#pragma once
#include <cstdint>
#include <vector>

#include "linalg/core/tensor_view.hpp"
#include "linalg/tensor/tucker.hpp"

namespace linalg::cuda {

template <class T>
tensor::TuckerFactors<T> tucker(std::uintptr_t stream, TensorView<const T> X, const tensor::TuckerOptions& opt,
                                tensor::TuckerReport& rep);

template <class T>
Tensor<T> tucker_to_tensor(std::uintptr_t stream, TensorView<const T> G, const std::vector<DenseView<const T>>& U);

// Y = X x_n A for a logical J x I_n matrix A.
template <class T>
Tensor<T> mode_product(std::uintptr_t stream, TensorView<const T> X, int n, DenseView<const T> A);

}  // namespace linalg::cuda
