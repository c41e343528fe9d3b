// The host execution context: the fixed set of primitives every algorithm
// is written against (ARCHITECTURE decision 1), implemented with the
// BLAS/LAPACK dispatch table and OpenMP kernels. Algorithm code never calls
// BLAS itself; a CUDA context offers the same member functions.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/view.hpp"
#include "linalg/host/csr_kernels.hpp"
#include "linalg/host/row_norms.hpp"
#include "linalg/host/sketch_apply.hpp"
#include "linalg/host/weighted_kernels.hpp"
#include "linalg/host/als_kernels.hpp"

namespace linalg::host {

struct Host {
  template <class T>
  using matrix = Matrix<T>;

  // C = alpha * A * B + beta * C for logical views (transpose flags of A and
  // B are honoured; C must not be transposed).
  template <class T>
  void gemm(T alpha, DenseView<const T> A, DenseView<const T> B, T beta, DenseView<T> C) const;

  // Relative precision of the products (gemm): the dtype's epsilon here.
  template <class T>
  static constexpr double product_epsilon() { return std::numeric_limits<T>::epsilon(); }

  // C (upper triangle) = A^T A for a logical m x k view A; C is k x k.
  template <class T>
  void gram(DenseView<const T> A, DenseView<T> C) const;

  // Cholesky of the upper triangle of C in place; returns LAPACK's info
  // (0 on success, j > 0 when the leading j x j minor is not positive).
  template <class T>
  int cholesky_upper(DenseView<T> C) const;

  // B = B * R^{-1} for an upper-triangular k x k R (B is m x k). Tall B with
  // a well-conditioned R: through R's inverse and trmm (context.cpp says why).
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

  // Eigenvalues only (ascending in w; A destroyed): a third of eigh's time
  // at n = 522 (float32, no back-transformation).
  template <class T>
  void eigvalsh(DenseView<T> A, T* w) const;

  // The r largest eigenpairs of the symmetric n x n A (upper triangle used,
  // A destroyed), descending: w[0] >= ... >= w[r-1], V (n x r) their
  // eigenvectors. About a third of eigh's time for r << n (no full back-
  // transformation: LAPACK syevr, MRRR on the tridiagonal form).
  template <class T>
  void eigh_top(DenseView<T> A, index_t r, T* w, DenseView<T> V) const;

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

  // Y = S^T X for a stored CSR S (builds the transpose; Operator normally
  // keeps one built, so this is only the device-style fallback).
  template <class T, class I>
  void csr_mm_transposed(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) const {
    const auto tr = transpose_structure(S);
    csr_times_dense(tr.view(S.stored_cols, S.stored_rows), X, Y);
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
  template <class T>
  void scale_rows(DenseView<T> X, const T* d) const {     // X[i, :] *= d[i]
    for (index_t j = 0; j < X.cols; ++j)
      for (index_t i = 0; i < X.rows; ++i) X(i, j) *= d[i];
  }
  // out[i] = X(i, i) for i < min(rows, cols); X += value * I. Algorithms
  // use these rather than touching entries, which a device context's
  // matrices do not allow.
  template <class T>
  void diagonal(DenseView<const T> X, double* out) const {
    for (index_t i = 0; i < std::min(X.rows, X.cols); ++i) out[i] = static_cast<double>(X(i, i));
  }
  template <class T>
  void add_to_diagonal(DenseView<T> X, T value) const {
    for (index_t i = 0; i < std::min(X.rows, X.cols); ++i) X(i, i) += value;
  }

  // --- nystrom / selection ---
  // Y += alpha X (same logical shape; Y not transposed).
  template <class T>
  void add_scaled(T alpha, DenseView<const T> X, DenseView<T> Y) const;
  // B = R^{-1} B for an upper-triangular k x k R (B is k x n).
  template <class T>
  void solve_upper_left(DenseView<const T> R, DenseView<T> B) const;
  // dst[:, cols[j]] = src[:, j] for j < src.cols (dst not transposed).
  template <class T>
  void scatter_columns(DenseView<const T> src, const index_t* cols, DenseView<T> dst) const;
  // The first steps of column-pivoted QR of A (m x n, in place): geqp3's
  // blocked algorithm, stopped after kmax columns or, with tol > 0, after
  // the first block in which |R_jj| <= tol |R_11|. Returns k = the number of
  // leading pivots with |R_jj| > tol |R_11| (kmax when tol = 0); the first
  // k rows of A then hold [R11 R12] and perm the 0-based column order.
  template <class T>
  index_t qr_pivoted_partial(DenseView<T> A, index_t kmax, double tol, std::vector<int>& perm) const;

  // Small matrices live in host memory already; the CUDA context copies.
  template <class T>
  void to_host(DenseView<const T> X, T* out) const { copy<T>(X, {out, X.rows, X.cols, X.rows > 0 ? X.rows : 1, false}); }
  template <class T>
  void from_host(const T* in, DenseView<T> X) const {
    copy<T>(DenseView<const T>{in, X.rows, X.cols, X.rows > 0 ? X.rows : 1, false}, X);
  }

  // --- sampling ---
  // Y (s x d) = S diag(w) A for an oblivious sparse row sketch S (sparse
  // sign or CountSketch, columns drawn from (seed, stream, row of A)); w may
  // be null. See sketch/sparse_embedding.hpp.
  template <class T>
  void row_sketch(DenseView<const T> A, const T* w, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                  std::uint32_t stream, DenseView<T> Y) const {
    row_sketch_dense(A, w, kind, zeta, seed, stream, Y);
  }

  // Streaming pass over the rows of A: q_i = ||a_i^T P||^2 and H = sum_i
  // q_i^gamma (P^T a_i)(P^T a_i)^T (upper triangle, double); P empty means
  // the identity, q or H null skips them. See host/row_norms.hpp.
  template <class T>
  void row_norms_pass(DenseView<const T> A, DenseView<const T> P, double* q, double gamma, double* H) const {
    host::row_norms_pass(A, P, q, gamma, H);
  }

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

  // --- completion ---
  // Per-row regularised least squares of one alternating-minimisation
  // half-step (host/als_kernels.hpp); the context fills a.row_loss /
  // a.row_weight itself and returns their sums (in row order).
  template <class T>
  RowTotals als_solve_rows(const RowSolveArgs<T>& a) const {
    std::vector<double> loss(static_cast<std::size_t>(a.obs.rows)), weight(loss.size());
    RowSolveArgs<T> b = a;
    b.row_loss = loss.data();
    b.row_weight = weight.data();
    solve_rows(b);
    RowTotals t;
    for (std::size_t i = 0; i < loss.size(); ++i) {
      t.loss += loss[i];
      t.weight += weight[i];
    }
    return t;
  }
  // out (s x kw) = sparse sign sketch of the n rows of D (row j at D + j ld).
  template <class T>
  void als_sketch_rows(const T* D, index_t n, index_t kw, index_t ld, index_t s, int zeta, std::uint64_t seed,
                       T* out) const {
    sketch_rows(D, n, kw, ld, s, zeta, seed, out);
  }

  // --- tucker --- (and max_abs for the selection code)
  // Strided batches of logical views: batch b of X is X with its data
  // pointer moved by b * stride entries (stride 0: the same matrix for all).
  // C_b = alpha op(A_b) op(B_b) + beta C_b for b < count.
  template <class T>
  void gemm_batched(T alpha, DenseView<const T> A, index_t sa, DenseView<const T> B, index_t sb, T beta,
                    DenseView<T> C, index_t sc, index_t count) const {
    for (index_t b = 0; b < count; ++b)
      gemm(alpha, shifted(A, b * sa), shifted(B, b * sb), beta, shifted(C, b * sc));
  }
  // C = alpha sum_b op(A_b) op(B_b) + beta C (in the order b = 0, 1, ...).
  template <class T>
  void gemm_batched_sum(T alpha, DenseView<const T> A, index_t sa, DenseView<const T> B, index_t sb, T beta,
                        DenseView<T> C, index_t count) const {
    if (count == 0) {
      if (beta == T(0)) {
        for (index_t j = 0; j < C.cols; ++j)
          for (index_t i = 0; i < C.rows; ++i) C(i, j) = T(0);
      } else if (beta != T(1)) {
        for (index_t j = 0; j < C.cols; ++j)
          for (index_t i = 0; i < C.rows; ++i) C(i, j) *= beta;
      }
      return;
    }
    for (index_t b = 0; b < count; ++b) gemm(alpha, shifted(A, b * sa), shifted(B, b * sb), b == 0 ? beta : T(1), C);
  }
  // dst_b = src_b for b < count (same logical shapes; the transpose flags
  // may differ: this is also the batched transpose of the tensor code).
  template <class T>
  void copy_batched(DenseView<const T> src, index_t ss, DenseView<T> dst, index_t sd, index_t count) const {
    require(src.rows == dst.rows && src.cols == dst.cols, "copy_batched: shape mismatch");
    const index_t m = dst.rows, n = dst.cols;
#pragma omp parallel for collapse(2) schedule(static) if (count * m * n > 65536)
    for (index_t b = 0; b < count; ++b)
      for (index_t j = 0; j < n; ++j) {
        const DenseView<const T> s = shifted(src, b * ss);
        const DenseView<T> d = shifted(dst, b * sd);
        for (index_t i = 0; i < m; ++i) d(i, j) = s(i, j);
      }
  }
  // max |X_ij| in double (0 for an empty X).
  template <class T>
  double max_abs(DenseView<const T> X) const {
    double f = 0.0;
    for (index_t j = 0; j < X.cols; ++j)
      for (index_t i = 0; i < X.rows; ++i) f = std::max(f, std::fabs(static_cast<double>(X(i, j))));
    return f;
  }

  template <class V>
  static V shifted(V v, index_t by) {
    v.data += by;
    return v;
  }

  // The half-step design and the other side's biases (host/als_kernels.hpp).
  template <class T>
  void als_design(const T* other, index_t n, index_t k, index_t ld, bool biases, T* D, T* offset) const {
    design_rows(other, n, k, ld, biases, D, offset);
  }
  // Copy host bytes into context memory (the observation layouts).
  void als_upload(const void* src, void* dst, std::size_t bytes) const {
    if (bytes) std::memcpy(dst, src, bytes);
  }
};

}  // namespace linalg::host
