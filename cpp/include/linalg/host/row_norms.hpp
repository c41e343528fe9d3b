// Threaded streaming pass over the rows of a tall A (n x d) for the
// leverage-score family: q_i = ||a_i^T P||^2 and a weighted Gram matrix
// H = sum_i c_i y_i y_i^T (y_i = P^T a_i, c_i = q_i^gamma), in fixed row
// blocks. Each OpenMP thread runs single-threaded BLAS on its own blocks
// (the caller limits BLAS to one thread: many small multithreaded GEMMs in
// a row spend their time in OpenBLAS's thread handoffs, measured 20x slower
// on a busy 2-core machine); the blocks' Gram matrices are summed in block
// order, so nothing depends on the thread count.
#pragma once
#include "linalg/core/view.hpp"

namespace linalg::host {

// P may be empty (data == nullptr): then y_i = a_i (P = I). q may be null
// (no norms; then c_i = 1). H (k x k, column-major, double, upper triangle
// written) may be null.
template <class T>
void row_norms_pass(DenseView<const T> A, DenseView<const T> P, double* q, double gamma, double* H);

}  // namespace linalg::host
