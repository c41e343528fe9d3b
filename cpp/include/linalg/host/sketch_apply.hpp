// Host kernels applying an oblivious row sketch S (s x n) to a tall A
// (n x d): Y = S A, dense or CSR A. Every entry of Y is summed over the
// rows of A in increasing order by one thread, so Y does not depend on the
// thread count (threads own columns of Y, never rows of A).
#pragma once
#include <cstdint>

#include "linalg/core/view.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg::host {

// Y (s x d, not transposed) = S diag(w) A for dense A (any transpose flag);
// w (length n) may be null (all ones). zeta is ignored for Gaussian and
// CountSketch (1).
template <class T>
void row_sketch_dense(DenseView<const T> A, const T* w, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                      std::uint32_t stream, DenseView<T> Y);

// Y (s x d) = S A for a CSR A (logical n x d; trans = CSC input).
template <class T, class I>
void row_sketch_csr(const CsrView<T, I>& A, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                    std::uint32_t stream, DenseView<T> Y);

}  // namespace linalg::host
