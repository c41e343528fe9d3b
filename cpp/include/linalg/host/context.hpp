// The host execution context: the fixed set of primitives every algorithm
// is written against (ARCHITECTURE decision 1), implemented with the
// BLAS/LAPACK dispatch table and OpenMP kernels. Algorithm code never calls
// BLAS itself; a CUDA context offers the same member functions.
#pragma once
#include <cstdint>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/view.hpp"
#include "linalg/host/csr_kernels.hpp"
#include "linalg/host/weighted_kernels.hpp"

namespace linalg::host {

struct Host {
  template <class T>
  using matrix = Matrix<T>;

  // C = alpha * A * B + beta * C for logical views (transpose flags of A and
  // B are honoured; C must not be transposed).
  template <class T>
  void gemm(T alpha, DenseView<const T> A, DenseView<const T> B, T beta, DenseView<T> C) const;

  // C (upper triangle) = A^T A for a logical m x k view A; C is k x k.
  template <class T>
  void gram(DenseView<const T> A, DenseView<T> C) const;

  // Cholesky of the upper triangle of C in place; returns LAPACK's info
  // (0 on success, j > 0 when the leading j x j minor is not positive).
  template <class T>
  int cholesky_upper(DenseView<T> C) const;

  // B = B * R^{-1} for an upper-triangular k x k R (B is m x k).
  template <class T>
  void solve_upper_right(DenseView<const T> R, DenseView<T> B) const;

  // Householder thin QR: A (m x k, m >= k) is overwritten by Q.
  template <class T>
  void qr_thin(DenseView<T> A) const;

  // Column-pivoted QR of A (m x n) in place (R in the upper triangle);
  // perm receives the 0-based column order, tau the reflector scalars.
  template <class T>
  void qr_pivoted(DenseView<T> A, std::vector<int>& perm, std::vector<T>& tau) const;

  // Thin SVD A = U diag(s) Vt of an m x n A (destroyed); U m x r, Vt r x n,
  // r = min(m, n). Throws not_converged if LAPACK does not converge.
  template <class T>
  void svd(DenseView<T> A, T* s, DenseView<T> U, DenseView<T> Vt) const;

  // Eigen-decomposition of the symmetric n x n A (upper triangle used):
  // ascending eigenvalues in w, eigenvectors overwrite A.
  template <class T>
  void eigh(DenseView<T> A, T* w) const;

  // Fill a logical view with the standard-normal test-matrix entries
  // (row0 + i, col0 + j) of (seed, stream); see rng/draws.hpp.
  template <class T>
  void fill_gaussian(DenseView<T> X, std::uint64_t seed, std::uint32_t stream,
                     index_t row0 = 0, index_t col0 = 0) const;

  // Y = S X for a stored (untransposed) CSR S.
  template <class T, class I>
  void csr_mm(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) const {
    csr_times_dense(S, X, Y);
  }

  // Fill X (n x l) with the transpose of a sparse sign embedding: row i
  // holds min(zeta, l) nonzeros +-1/sqrt(min(zeta, l)) at distinct columns,
  // drawn from (seed, stream, block, i) alone.
  template <class T>
  void fill_sparse_sign(DenseView<T> X, int zeta, std::uint64_t seed, std::uint32_t stream,
                        std::uint32_t block = 0) const;

  // dst = src entry by entry, converting the scalar type; both views must
  // have the same shape and transpose flag. Returns the sum of squares of
  // src (in double), which callers would otherwise need another pass for.
  template <class S, class D>
  double convert(DenseView<const S> src, DenseView<D> dst) const;

  // True when no entry is NaN or +-Inf (one threaded pass).
  template <class T>
  bool all_finite(DenseView<const T> X) const;

  // Elementwise helpers.
  template <class T>
  void copy(DenseView<const T> src, DenseView<T> dst) const;
  template <class T>
  void scale_columns(DenseView<T> X, const T* d) const;   // X[:, j] *= d[j]
  template <class T>
  double frobenius_sq(DenseView<const T> X) const;        // sum of squares, in double
  template <class T>
  void column_norms_sq(DenseView<const T> X, double* out) const;

  // Small matrices live in host memory already; the CUDA context copies.
  template <class T>
  void to_host(DenseView<const T> X, T* out) const { copy<T>(X, {out, X.rows, X.cols, X.rows > 0 ? X.rows : 1, false}); }

  // --- weighted --- (kernels in host/weighted_kernels.hpp)
  template <class T>
  WeightStats weight_stats(DenseView<const T> W) const { return host::weight_stats(W); }
  template <class T>
  WeightedSums em_fill(DenseView<const T> A, DenseView<const T> W, T winv, DenseView<T> B, bool write) const {
    return host::em_fill(A, W, winv, B, write);
  }
  template <class T>
  void scale_dense(DenseView<const T> A, const T* r, const T* c, DenseView<T> out) const {
    host::scale_dense(A, r, c, out);
  }
  template <class T, class I>
  void scale_csr(const CsrView<T, I>& S, const T* r, const T* c, T* vout) const { host::scale_csr(S, r, c, vout); }
  template <class T>
  void hadamard(DenseView<const T> W, DenseView<const T> A, DenseView<T> out) const { host::hadamard(W, A, out); }
  template <class T>
  void sym_outer_rows(DenseView<const T> F, DenseView<T> K) const { host::sym_outer_rows(F, K); }
  template <class T>
  std::int64_t batched_spd_solve(DenseView<const T> G, DenseView<const T> R, DenseView<T> X, index_t k) const {
    return host::batched_spd_solve(G, R, X, k);
  }
};

}  // namespace linalg::host
