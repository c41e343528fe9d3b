// CUDA entry points of the sampling area (cpp/cuda/sampling_api.cpp): the
// templates of sampling/ and sketch/ on the CUDA context. Inputs are device
// views; results are device matrices (vectors as n x 1), reports on the host.
#pragma once
#include <cstdint>

#include "linalg/core/buffer.hpp"
#include "linalg/core/view.hpp"
#include "linalg/sampling/leverage.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg::cuda {

template <class T>
Matrix<double> leverage_scores(std::uintptr_t stream, DenseView<const T> A, const sampling::LeverageOptions& opt,
                               sampling::LeverageReport& rep);

template <class T>
Matrix<double> lewis_weights(std::uintptr_t stream, DenseView<const T> A, double p, int max_iter, double tol,
                             const sampling::LeverageOptions& opt, sampling::LeverageReport& rep);

// Y (s x d) = S A (linalg.sketch, stream kUserSketch), dense A.
template <class T>
Matrix<T> row_sketch(std::uintptr_t stream, DenseView<const T> A, sketch::RowSketch kind, index_t s, int zeta,
                     std::uint64_t seed);

// Y (s x d) = S A for a device CSR A (trans: CSC).
template <class T, class I>
Matrix<T> row_sketch(std::uintptr_t stream, const CsrView<T, I>& A, sketch::RowSketch kind, index_t s, int zeta,
                     std::uint64_t seed);

// The n uniforms of the row samplers (the host's sampling_uniforms), n x 1.
Matrix<double> sampling_uniforms(std::uintptr_t stream, std::uint64_t seed, std::uint32_t salt, index_t n);

}  // namespace linalg::cuda
