// Host entry points of the sampling area (cpp/src/sampling/api.cpp): the
// templates of sampling/ and sketch/ instantiated for the host context.
#pragma once
#include <cstdint>

#include "linalg/core/buffer.hpp"
#include "linalg/core/view.hpp"
#include "linalg/sampling/leverage.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg {

template <class T>
void leverage_scores(DenseView<const T> A, const sampling::LeverageOptions& opt, double* out,
                     sampling::LeverageReport& rep);

template <class T>
void lewis_weights(DenseView<const T> A, double p, int max_iter, double tol, const sampling::LeverageOptions& opt,
                   double* out, sampling::LeverageReport& rep);

// Y (s x d) = S A (dense A, any transpose flag).
template <class T>
void row_sketch(DenseView<const T> A, sketch::RowSketch kind, int zeta, std::uint64_t seed, DenseView<T> Y);

// Y (s x d) = S A (CSR A; trans = CSC).
template <class T, class I>
void row_sketch(const CsrView<T, I>& A, sketch::RowSketch kind, int zeta, std::uint64_t seed, DenseView<T> Y);

// n uniforms in (0, 1): out[i] from Philox at (seed, first + i, stream
// kRowSampling). `first` lets a block of rows draw its own uniforms (the
// same values as the whole array's entries first .. first + n - 1).
void sampling_uniforms(std::uint64_t seed, std::uint32_t salt, index_t n, double* out, std::uint64_t first = 0);

}  // namespace linalg
