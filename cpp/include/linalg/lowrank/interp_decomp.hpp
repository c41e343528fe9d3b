// Column interpolative decomposition A ~ A[:, J] X (A is m x n, |J| = k,
// X is k x n with X[:, J] = I).
//
// From a column-pivoted QR Y P = Q [R11 R12] of a matrix Y whose columns
// relate like A's: J = the first k pivots and X P = [I, R11^{-1} R12]
// (Cheng, Gimbutas, Martinsson & Rokhlin 2005). Deterministic: Y = A.
// Randomized (Halko, Martinsson & Tropp 2011, sec. 5.2; Martinsson, Rokhlin
// & Tygert 2011): Y = T A with T = orthonormalised Omega^T (A A^T)^q, l =
// k + p rows, so Y[:, J] X = Y exactly on the sketch and A[:, J] X ~ A
// up to the sketch's error; q power steps sharpen it for slowly decaying
// spectra. Any invertible row mixing (the orthonormalisations) leaves J and
// X unchanged in exact arithmetic, which is why T may orthonormalise.
// Fixed accuracy: k = #{j : |R_jj| > tol |R_11|}; the randomized sketch
// doubles (b, 2b, ...) until k <= l - p or l = min(m, n).
// Default p = max(10, k), l = 2k: on P8 (benchmarks/selection.py) l = k + 10
// and one power step gives 1.8x the deterministic ID's error, l = 2k
// matches it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::lowrank {

constexpr std::uint32_t kIdSketch = 18;

struct IdOptions {
  index_t rank = 0;     // k; with tol > 0 the largest rank allowed (0: min(m, n))
  double tol = 0.0;     // > 0: fixed accuracy
  bool randomized = true;
  index_t oversample = -1;  // < 0: automatic, max(10, k) (l = 2k rows for k >= 10)
  int power_iters = 1;
  index_t block = 32;   // first sketch size in randomized fixed-accuracy mode
  sketch::TestMatrix test_matrix;
};

struct IdReport {
  index_t rank = 0;
  index_t sketch_rows = 0;  // l (randomized) or m (deterministic)
  int passes = 0;
  double max_coef = 0.0;    // f = max |X_ij|
  double r_ratio = 0.0;     // |R_{k+1,k+1}| / |R_11| (0 when k = min(l, n))
};

template <class T>
struct IdFactors {
  std::vector<index_t> idx;  // k column indices, in pivot order
  Matrix<T> X;               // k x n
};

// Y (l x n, not transposed) is overwritten by its (partial) pivoted QR:
// only the first k (fixed rank) or about k (tol) steps are computed,
// O(l n k) flops instead of O(l n min(l, n)).
template <class Ctx, class T>
IdFactors<T> id_from_matrix(const Ctx& ctx, DenseView<T> Y, index_t k, double tol, index_t kmax, IdReport& rep) {
  const index_t l = Y.rows, n = Y.cols, d = std::min(l, n);
  std::vector<int> perm;
  if (tol > 0) k = ctx.qr_pivoted_partial(Y, std::min(kmax, d), tol, perm);
  else {
    require(k >= 1 && k <= d, "interp_decomp: rank exceeds the sketch");
    ctx.qr_pivoted_partial(Y, k, 0.0, perm);
  }
  rep.rank = k;
  // Otherwise |R_{k+1,k+1}| = the largest column norm of the (untouched)
  // residual block A[k:, k:].
  // Entries of Y are read through the context (Y may be device memory).
  auto entry = [&](index_t i) {
    double v = 0.0;
    ctx.diagonal(DenseView<const T>(Y).row_block(i, 1).col_block(i, 1), &v);
    return v;
  };
  const double r11 = std::fabs(entry(0));
  if (tol > 0 && k < std::min(kmax, d) && r11 > 0) {
    // stopped inside a block: step k was computed, its pivot is |R_{k+1,k+1}|
    rep.r_ratio = std::fabs(entry(k)) / r11;
  } else if (k < d && r11 > 0) {
    std::vector<double> nrm(static_cast<std::size_t>(n - k));
    ctx.column_norms_sq(DenseView<const T>(Y).row_block(k, l - k).col_block(k, n - k), nrm.data());
    rep.r_ratio = std::sqrt(*std::max_element(nrm.begin(), nrm.end())) / r11;
  } else {
    rep.r_ratio = 0.0;
  }
  IdFactors<T> out;
  out.idx.assign(perm.begin(), perm.begin() + k);
  out.X = Matrix<T>(k, n);
  out.X.zero();
  Matrix<T> I(k, k);  // the identity block X[:, J]
  I.zero();
  ctx.add_to_diagonal(I.view(), T(1));
  ctx.scatter_columns(DenseView<const T>(I.view()), out.idx.data(), out.X.view());
  if (n > k) {
    // T = R11^{-1} R12, a triangular solve (no inverse formed).
    Matrix<T> Tm(k, n - k);
    ctx.copy(DenseView<const T>(Y).row_block(0, k).col_block(k, n - k), Tm.view());
    DenseView<const T> R11 = DenseView<const T>(Y).row_block(0, k).col_block(0, k);
    ctx.solve_upper_left(R11, Tm.view());
    std::vector<index_t> rest(perm.begin() + k, perm.end());
    ctx.scatter_columns(DenseView<const T>(Tm.view()), rest.data(), out.X.view());
    // f = max |T_ij|, for the ID error bound sqrt(1 + f^2 k (n - k)) sigma_{k+1}.
    rep.max_coef = std::max(1.0, ctx.max_abs(DenseView<const T>(Tm.view())));
  } else {
    rep.max_coef = 1.0;
  }
  return out;
}

// Y = T A (l x n) for the randomized ID, with q power steps.
template <class Ctx, class T>
Matrix<T> id_sketch(const Ctx& ctx, const Operator<T>& A, index_t l, const IdOptions& o, PassCount& count,
                    double fpc, std::uint32_t blk) {
  const index_t m = A.rows(), n = A.cols();
  Matrix<T> G(m, l), Z(n, l);
  sketch::draw(ctx, o.test_matrix, kIdSketch, blk, G.view());
  A.apply_t(ctx, DenseView<const T>(G.view()), Z.view());  // Z = A^T G
  count.add(fpc, l);
  for (int i = 0; i < o.power_iters; ++i) {
    orthonormalize(ctx, Z.view());
    A.apply(ctx, DenseView<const T>(Z.view()), G.view());
    orthonormalize(ctx, G.view());
    A.apply_t(ctx, DenseView<const T>(G.view()), Z.view());
    count.add(fpc, l, 2);
  }
  Matrix<T> Y(l, n);
  ctx.copy(DenseView<const T>(Z.view()).t(), Y.view());
  return Y;
}

template <class Ctx, class T>
IdFactors<T> interp_decomp(const Ctx& ctx, const Operator<T>& A, const IdOptions& o, IdReport& rep, double nnz,
                           DenseView<const T> dense) {
  const index_t m = A.rows(), n = A.cols(), d = std::min(m, n);
  require(m > 0 && n > 0, "interp_decomp: empty matrix");
  require(o.tol > 0 || (o.rank >= 1 && o.rank <= d), "interp_decomp: rank must be in [1, min(m, n)]");
  require(o.tol == 0 || (o.tol > 0 && o.tol < 1), "interp_decomp: tol must be in (0, 1)");
  require(o.power_iters >= 0, "interp_decomp: power_iters must be >= 0");
  auto over = [&](index_t k) { return o.oversample >= 0 ? o.oversample : std::max<index_t>(10, k); };
  const index_t kmax = o.rank > 0 ? o.rank : d;
  if (!o.randomized) {
    require(dense.data != nullptr && dense.rows == m && dense.cols == n,
            "interp_decomp: method 'qr' needs a dense matrix");
    Matrix<T> Y(m, n);
    ctx.copy(dense, Y.view());
    rep.sketch_rows = m;
    return id_from_matrix(ctx, Y.view(), o.rank, o.tol, kmax, rep);
  }
  const double fpc = flops_per_column(A, nnz);
  PassCount count;
  if (o.tol == 0) {
    const index_t l = std::min(d, o.rank + over(o.rank));
    Matrix<T> Y = id_sketch(ctx, A, l, o, count, fpc, 0);
    rep.sketch_rows = l;
    IdFactors<T> f = id_from_matrix(ctx, Y.view(), o.rank, 0.0, kmax, rep);
    rep.passes = count.passes;
    return f;
  }
  const index_t cap = std::min(d, kmax + over(kmax));
  index_t l = std::min(cap, std::max<index_t>(1, o.block));
  for (std::uint32_t round = 0;; ++round) {
    Matrix<T> Y = id_sketch(ctx, A, l, o, count, fpc, round);
    rep.sketch_rows = l;
    IdFactors<T> f = id_from_matrix(ctx, Y.view(), 0, o.tol, kmax, rep);
    if (rep.rank + over(rep.rank) <= l || l >= cap) {
      rep.passes = count.passes;
      return f;
    }
    l = std::min(cap, 2 * l);
  }
}

}  // namespace linalg::lowrank
