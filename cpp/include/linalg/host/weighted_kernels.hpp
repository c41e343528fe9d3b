// Host kernels of the weighted low-rank solvers (lowrank/weighted_*.hpp):
// one-pass elementwise updates over A and the weights, and the per-column
// small SPD solves of weighted alternating least squares. All loops are
// OpenMP over stored columns with a fixed summation order inside each
// column; sums across columns are added serially afterwards, so every
// result is independent of the thread count. No BLAS is called here.
#pragma once
#include <cstdint>

#include "linalg/core/view.hpp"

namespace linalg::host {

// Sums gathered by one pass of em_fill / weighted_residual.
struct WeightedSums {
  double objective = 0.0;  // sum w (a - x)^2
  double b_sq = 0.0;       // em_fill: sum b^2 of the filled matrix
  double gap_sq = 0.0;     // em_fill: sum (winv w (a - x))^2 = ||B - X||_F^2
};

// min, max of the weights and whether all are finite (one pass).
struct WeightStats {
  double min = 0.0, max = 0.0;
  bool finite = true;
  std::int64_t positive = 0;
};

template <class T>
WeightStats weight_stats(DenseView<const T> W);

// B holds X on entry (same stored layout as A and W); on exit
// B = X + winv * W .* (A - X). With `write` false B is only read (the
// objective of X).
template <class T>
WeightedSums em_fill(DenseView<const T> A, DenseView<const T> W, T winv, DenseView<T> B, bool write);

// out = diag(r) A diag(c) (r or c may be null: ones); same layouts.
template <class T>
void scale_dense(DenseView<const T> A, const T* r, const T* c, DenseView<T> out);

// vout[p] = r[row] * v[p] * c[col] over the stored CSR S (r, c by stored
// rows / stored columns; either may be null).
template <class T, class I>
void scale_csr(const CsrView<T, I>& S, const T* r, const T* c, T* vout);

// out = W .* A (same layouts).
template <class T>
void hadamard(DenseView<const T> W, DenseView<const T> A, DenseView<T> out);

// K (rows x k(k+1)/2, not transposed): K(i, pack(a, b)) = F(i, a) F(i, b)
// for a <= b, pack(a, b) = b (b + 1) / 2 + a (column-major upper packing).
template <class T>
void sym_outer_rows(DenseView<const T> F, DenseView<T> K);

// For each column c of G (k(k+1)/2 x nc, packed upper Gram) and R (k x nc):
// solve G_c x = R(:, c) by Cholesky and write x into row c of X (nc x k).
// A Gram that is not numerically positive definite (a pivot below
// 1e-13 * its largest diagonal) is solved with the ridge 1e-10 * trace / k
// added. Returns the number of such columns.
template <class T>
std::int64_t batched_spd_solve(DenseView<const T> G, DenseView<const T> R, DenseView<T> X, index_t k);

}  // namespace linalg::host
