// Orthonormal bases of the leading left singular vectors of a mode-n
// unfolding X_(n) (I_n x P, P = |X| / I_n), by one of two routes:
//
//   exact       eigen-decomposition of the Gram matrix X_(n) X_(n)^T when
//               I_n <= P (short and fat: one syrk pass, I_n^2 P flops, no
//               I_n x P temporaries), or the SVD of a copy of X_(n) when it
//               is tall. Gives every squared singular value, which the
//               tolerance mode needs to choose the rank.
//   randomized  the randomized range finder on X_(n) (Halko, Martinsson &
//               Tropp 2011, Alg. 4.4): Q = orth(X_(n) Omega) with l = r + p
//               Gaussian columns and q power steps, then the top r left
//               singular vectors of Q^T X_(n) from the l x l Gram matrix
//               Z^T Z, Z = X_(n)^T Q: U = Q W. 2 I_n P (l (2q + 2)) flops.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/tensor_view.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/tensor/mode_product.hpp"

namespace linalg::tensor {

// Philox streams of the Tucker sketches: one per mode, apart from the
// streams of lowrank/ (rng/draws.hpp uses 1-3).
constexpr std::uint32_t kModeSketchStream = 0x7100;

template <class T>
struct ModeBasis {
  Matrix<T> U;                 // I_n x r, orthonormal columns
  std::vector<double> sq;      // squared singular values found, descending (gram, fixed rank: the top r)
  double kept = 0.0;           // ||U^T X_(n)||_F^2
  std::string route;           // "gram", "svd", "randomized", "identity"; "nonfinite" (below)
  // Gram route: trace(X_(n) X_(n)^T) = ||X||_F^2, read before the
  // eigensolver; not finite: route "nonfinite" and no U (eigh would fail).
  double trace = -1.0;
  // Randomized route: Z = X_(n)^T Q (P x l) and W (l x r) with U = Q W, so
  // that U^T X_(n) = W^T Z^T needs no further pass over X.
  Matrix<T> Z, W;
};

// Columns of the eigenvector matrix V (n x n, eigenvalues ascending) for the
// top r eigenvalues, in descending order.
template <class Ctx, class T>
Matrix<T> top_columns(const Ctx& ctx, DenseView<const T> V, index_t r) {
  const index_t n = V.cols;
  Matrix<T> U(V.rows, r);
  for (index_t j = 0; j < r; ++j) ctx.copy(V.col_block(n - 1 - j, 1), U.view().col_block(j, 1));
  return U;
}

// Rank r: the given one, or (rank <= 0) the smallest r whose discarded
// energy sum_{j >= r} sq_j is at most `target`.
inline index_t choose_rank(const std::vector<double>& sq, index_t rank, double target) {
  if (rank > 0) return rank;
  double tail = 0.0;
  index_t r = static_cast<index_t>(sq.size());
  while (r > 1 && tail + sq[r - 1] <= target) tail += sq[--r];
  return r;
}

// The exact route. `full` is the mode size I_n; with rank <= 0 the rank
// comes from `target` (choose_rank). Ranks above the number of singular
// values (I_n > P) get arbitrary orthonormal completions from the SVD's U.
template <class Ctx, class T>
ModeBasis<T> exact_basis(const Ctx& ctx, TensorView<const T> X, int n, index_t rank, double target) {
  const index_t I = X.shape[n], P = X.size() / std::max<index_t>(I, 1);
  ModeBasis<T> b;
  if (I <= P) {
    Matrix<T> G(I, I);
    mode_gram(ctx, X, n, G.view());
    std::vector<double> d(static_cast<std::size_t>(I));
    ctx.diagonal(DenseView<const T>(G.view()), d.data());
    b.trace = 0.0;
    for (double v : d) b.trace += v;
    if (!std::isfinite(b.trace)) {
      b.route = "nonfinite";
      return b;
    }
    std::vector<T> w(static_cast<std::size_t>(I));
    b.route = "gram";
    if (rank > 0 && rank < I) {
      // A fixed rank needs only the top pairs (sq then holds those alone).
      b.U = Matrix<T>(I, rank);
      ctx.eigh_top(G.view(), rank, w.data(), b.U.view());
      b.sq.resize(rank);
      for (index_t j = 0; j < rank; ++j) b.kept += b.sq[j] = std::max(0.0, static_cast<double>(w[j]));
      return b;
    }
    ctx.eigh(G.view(), w.data());
    b.sq.resize(I);
    for (index_t j = 0; j < I; ++j) b.sq[j] = std::max(0.0, static_cast<double>(w[I - 1 - j]));
    const index_t r = choose_rank(b.sq, rank, target);
    b.U = top_columns(ctx, DenseView<const T>(G.view()), r);
    for (index_t j = 0; j < r; ++j) b.kept += b.sq[j];
    return b;
  }
  // Tall unfolding: the SVD of an I x P copy (P < I, so the copy is at most
  // the tensor's size and the U factor I x P).
  Matrix<T> A = unfold_copy(ctx, X, n);
  Matrix<T> Uf(I, P), Vt(P, P);
  std::vector<T> s(static_cast<std::size_t>(P));
  ctx.svd(A.view(), s.data(), Uf.view(), Vt.view());
  b.sq.resize(P);
  for (index_t j = 0; j < P; ++j) b.sq[j] = static_cast<double>(s[j]) * s[j];
  const index_t r = choose_rank(b.sq, rank, target);
  b.U = Matrix<T>(I, r);
  const index_t have = std::min(r, P);
  ctx.copy(DenseView<const T>(Uf.view()).col_block(0, have), b.U.view().col_block(0, have));
  if (r > have) {
    // Complete the basis: orthonormalise random columns against U.
    DenseView<T> extra = b.U.view().col_block(have, r - have);
    ctx.fill_gaussian(extra, 0x5eed, kModeSketchStream - 1, 0, 0);
    lowrank::orthonormalize_against(ctx, DenseView<const T>(b.U.view().col_block(0, have)), extra);
  }
  for (index_t j = 0; j < have; ++j) b.kept += b.sq[j];
  b.route = "svd";
  return b;
}

// The randomized route with basis size l (r < l <= min(I_n, P)): the
// algorithm of lowrank::range_finder (HMT Alg. 4.4, same orthonormalize),
// written against the unfolding products of mode_product.hpp because
// lowrank::Operator holds one dense view and a middle-mode unfolding is a
// batch of strided slices.
template <class Ctx, class T>
ModeBasis<T> randomized_basis(const Ctx& ctx, TensorView<const T> X, int n, index_t r, index_t l, int q,
                              std::uint64_t seed, int stream) {
  const index_t I = X.shape[n], P = X.size() / I;
  Matrix<T> Om(P, l), Q(I, l);
  ctx.fill_gaussian(Om.view(), seed, kModeSketchStream + static_cast<std::uint32_t>(stream), 0, 0);
  unfold_apply(ctx, X, n, DenseView<const T>(Om.view()), Q.view());
  lowrank::orthonormalize(ctx, Q.view());
  for (int i = 0; i < q; ++i) {
    unfold_apply_t(ctx, X, n, DenseView<const T>(Q.view()), Om.view());
    lowrank::orthonormalize(ctx, Om.view());
    unfold_apply(ctx, X, n, DenseView<const T>(Om.view()), Q.view());
    lowrank::orthonormalize(ctx, Q.view());
  }
  // Q^T X_(n) = Z^T: its left singular vectors are the eigenvectors of Z^T Z.
  unfold_apply_t(ctx, X, n, DenseView<const T>(Q.view()), Om.view());
  Matrix<T> G(l, l);
  ctx.gram(DenseView<const T>(Om.view()), G.view());
  std::vector<T> w(static_cast<std::size_t>(l));
  ctx.eigh(G.view(), w.data());
  ModeBasis<T> b;
  b.sq.resize(l);
  for (index_t j = 0; j < l; ++j) b.sq[j] = std::max(0.0, static_cast<double>(w[l - 1 - j]));
  b.W = top_columns(ctx, DenseView<const T>(G.view()), r);
  b.U = Matrix<T>(I, r);
  ctx.gemm(T(1), DenseView<const T>(Q.view()), DenseView<const T>(b.W.view()), T(0), b.U.view());
  for (index_t j = 0; j < r; ++j) b.kept += b.sq[j];
  b.route = "randomized";
  b.Z = std::move(Om);
  return b;
}

// Y = X x_n U^T for a randomized basis, from its sketch: Y_(n) = W^T Z^T
// (an r x l x P GEMM instead of a pass over X), then the (r, L, R) result
// is put in the tensor's (L, r, R) order.
template <class Ctx, class T>
void project_from_sketch(const Ctx& ctx, const ModeBasis<T>& b, index_t L, index_t R, TensorView<T> Y) {
  const index_t r = b.W.cols();
  if (L == 1) {
    ctx.gemm(T(1), DenseView<const T>(b.W.view()).t(), DenseView<const T>(b.Z.view()).t(), T(0),
             DenseView<T>{Y.data, r, R, r, false});
    return;
  }
  Matrix<T> Yp(r, L * R);
  ctx.gemm(T(1), DenseView<const T>(b.W.view()).t(), DenseView<const T>(b.Z.view()).t(), T(0), Yp.view());
  mode_first_back(ctx, Yp.data(), L, r, R, Y.data);
}

// The n x n identity, in the context's memory.
template <class Ctx, class T>
Matrix<T> identity(const Ctx& ctx, index_t n) {
  Matrix<T> E(n, n);
  E.zero();
  ctx.add_to_diagonal(E.view(), T(1));
  return E;
}

}  // namespace linalg::tensor
