// Mode-n products and the other products with a mode-n unfolding, as GEMMs
// on strided views of the tensor (tensor_view.hpp): never an unfolding copy.
// With the L x I_n x R split, mode 0 (L = 1) and the last mode (R = 1) are
// one GEMM each; a middle mode is a strided batch of R GEMMs over the slices
// (ctx.gemm_batched: a loop of GEMMs on the host, one cuBLAS strided-batched
// call on the GPU), or a sum of such products (ctx.gemm_batched_sum).
// Everything goes through context primitives: the tensors may live in
// device memory.
#pragma once
#include <algorithm>

#include "linalg/core/buffer.hpp"
#include "linalg/core/tensor_view.hpp"

namespace linalg::tensor {

// A middle mode whose slices have fewer rows than this is handled through
// one permuting copy and one GEMM instead of R thin GEMMs (each BLAS call
// wakes its thread pool; hundreds of calls on 20-row slices cost more than
// the copy).
constexpr index_t kLoopMinRows = 128;

inline bool use_loop(index_t L, index_t R) { return L == 1 || R == 1 || L >= kLoopMinRows; }

// The L x I x R split of mode n reordered to I x L x R (mode n first, the
// others in order): its mode-0 unfolding is X_(n), columns in the same order.
// Slice r (L x I) is transposed into columns [r L, (r + 1) L) of the
// I x LR result: one batched copy (context memory, any context).
template <class Ctx, class T>
Tensor<T> mode_first(const Ctx& ctx, TensorView<const T> X, int n) {
  const index_t L = X.left(n), I = X.shape[n], R = X.right(n);
  Tensor<T> Y({I, L * R});
  ctx.copy_batched(DenseView<const T>(X.slice(n, 0)).t(), L * I, DenseView<T>{Y.data(), I, L, I > 0 ? I : 1, false},
                   I * L, R);
  return Y;
}

// Inverse of mode_first for a J x (L R) matrix yp (ld J): writes the
// L x J x R tensor y.
template <class Ctx, class T>
void mode_first_back(const Ctx& ctx, const T* yp, index_t L, index_t J, index_t R, T* y) {
  ctx.copy_batched(DenseView<const T>{yp, J, L, J > 0 ? J : 1, false}.t(), J * L,
                   DenseView<T>{y, L, J, L > 0 ? L : 1, false}, L * J, R);
}

// Entries between row blocks [r L, (r + 1) L) of a logical view.
template <class T>
index_t row_block_stride(DenseView<T> B, index_t L) {
  return B.trans ? L * B.ld : L;
}

// Y = X x_n A for a logical J x I_n matrix A: Y_(n) = A X_(n); Y has
// shape[n] = J. Cost 2 J |X| flops.
template <class Ctx, class T>
void mode_product(const Ctx& ctx, TensorView<const T> X, int n, DenseView<const T> A, TensorView<T> Y) {
  const index_t L = X.left(n), I = X.shape[n], R = X.right(n), J = A.rows;
  require(A.cols == I && Y.shape[n] == J && Y.size() == L * J * R, "mode_product: shape mismatch");
  if (L == 1) {
    ctx.gemm(T(1), A, DenseView<const T>(X.lead(n)), T(0), Y.lead(n));
    return;
  }
  if (!use_loop(L, R)) {
    Tensor<T> Xp = mode_first(ctx, X, n);
    Matrix<T> Yp(J, L * R);
    ctx.gemm(T(1), A, DenseView<const T>(Xp.view().unfold0()), T(0), Yp.view());
    mode_first_back(ctx, Yp.data(), L, J, R, Y.data);
    return;
  }
  // Y_r (L x J) = X_r (L x I) A^T, one GEMM per slice (a strided batch).
  ctx.gemm_batched(T(1), X.slice(n, 0), L * I, A.t(), 0, T(0), Y.slice(n, 0), L * J, R);
}

// Y (I_n x k) = X_(n) B for B (LR x k); the columns of X_(n) are ordered
// l + L r, as in memory.
template <class Ctx, class T>
void unfold_apply(const Ctx& ctx, TensorView<const T> X, int n, DenseView<const T> B, DenseView<T> Y) {
  const index_t L = X.left(n), R = X.right(n);
  if (L == 1) {
    ctx.gemm(T(1), X.lead(n), B, T(0), Y);
    return;
  }
  // Y = sum_r X_r^T B_r.
  ctx.gemm_batched_sum(T(1), X.slice(n, 0).t(), L * X.shape[n], B.row_block(0, L), row_block_stride(B, L), T(0), Y,
                       R);
}

// Z (LR x k) = X_(n)^T Q for Q (I_n x k).
template <class Ctx, class T>
void unfold_apply_t(const Ctx& ctx, TensorView<const T> X, int n, DenseView<const T> Q, DenseView<T> Z) {
  const index_t L = X.left(n), R = X.right(n);
  if (L == 1) {
    ctx.gemm(T(1), X.lead(n).t(), Q, T(0), Z);
    return;
  }
  require(!Z.trans, "unfold_apply_t: Z must not be transposed");
  ctx.gemm_batched(T(1), X.slice(n, 0), L * X.shape[n], Q, 0, T(0), Z.row_block(0, L), L, R);
}

// G = X_(n) X_(n)^T (I_n x I_n; the upper triangle always, the whole matrix
// for a middle mode). Cost I_n^2 |X| / I_n flops (syrk) or twice that.
template <class Ctx, class T>
void mode_gram(const Ctx& ctx, TensorView<const T> X, int n, DenseView<T> G) {
  const index_t L = X.left(n), R = X.right(n);
  if (L == 1) {
    ctx.gram(X.lead(n).t(), G);
    return;
  }
  if (R == 1) {
    ctx.gram(X.slice(n, 0), G);
    return;
  }
  if (!use_loop(L, R)) {
    Tensor<T> Xp = mode_first(ctx, X, n);
    ctx.gram(DenseView<const T>(Xp.view().unfold0()).t(), G);
    return;
  }
  DenseView<const T> s = X.slice(n, 0);
  ctx.gemm_batched_sum(T(1), s.t(), L * X.shape[n], s, L * X.shape[n], T(0), G, R);
}

// The unfolding X_(n) copied into a column-major I_n x LR matrix (for the
// exact SVD of small or tall unfoldings only).
template <class Ctx, class T>
Matrix<T> unfold_copy(const Ctx& ctx, TensorView<const T> X, int n) {
  const index_t L = X.left(n), I = X.shape[n], R = X.right(n);
  Matrix<T> U(I, L * R);
  if (L == 1) {
    ctx.copy(DenseView<const T>(X.lead(n)), U.view());
    return U;
  }
  ctx.copy_batched(DenseView<const T>(X.slice(n, 0)).t(), L * I, U.view().col_block(0, L), I * L, R);
  return U;
}

// Sum of squares of all entries, in double.
template <class Ctx, class T>
double tensor_frobenius_sq(const Ctx& ctx, TensorView<const T> X) {
  if (X.size() == 0) return 0.0;
  return ctx.template frobenius_sq<T>(DenseView<const T>(X.unfold0()));
}

}  // namespace linalg::tensor
