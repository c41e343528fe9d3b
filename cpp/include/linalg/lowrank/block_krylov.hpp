// Randomized block Krylov iteration on the row side, in the form of Tropp &
// Webber 2023 ("Randomized algorithms for low-rank matrix approximation:
// design, analysis, and applications", arXiv 2306.12418, §5) that reuses
// every product: the basis Z = [Q_0, ..., Q_{d-1}] of the Krylov space
// span{Omega, (A^T A) Omega, ..., (A^T A)^{d-1} Omega} is built one block at
// a time, and the products A Q_j computed on the way are kept, so that
// A Z and A^T A Z are known without a final pass: with Y = A Z = Q R,
// Q Q^T A = Q (A^T A Z R^{-1})^T is the Musco & Musco approximation from
// the space A [Omega, ..., (A^T A)^{d-1} Omega] (svd_from_basis.hpp). Musco & Musco 2015 show such spaces
// reach (1+eps) accuracy with O(log n / sqrt(eps)) blocks, against
// O(log n / eps) power steps for subspace iteration.
//
// Each block costs two products (Y_j = A Q_j, W = A^T Y_j). The
// projected Gram matrix Z^T A^T A Z comes free from the orthogonalisation
// coefficients; its top-k eigenvalues are the energy the rank-k answer
// keeps, which drives the adaptive depth.
#pragma once
#include <cmath>

#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/rng/draws.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::lowrank {

struct KrylovOptions {
  index_t rank = 0;      // k
  index_t block = 0;     // b, columns per block
  int depth = -1;        // d blocks (polynomial degree d - 1); -1: adaptive
  index_t min_size = 0;  // adaptive mode keeps going until d b >= min_size
  int max_depth = 64;
  double energy_rtol = 0.1;
  double frob_sq = -1.0;
};

struct KrylovReport {
  int depth = 0;
};

template <class Ctx, class T>
RowBasis<T> block_krylov(const Ctx& ctx, const Operator<T>& A, const sketch::TestMatrix& tm,
                         const KrylovOptions& opt, PassCount& count, KrylovReport& rep, double nnz,
                         const Progress& progress = nullptr) {
  const index_t m = A.rows(), n = A.cols(), b = opt.block, k = opt.rank;
  const double fpc = flops_per_column(A, nnz);
  const bool adaptive = opt.depth < 0;
  // The space cannot outgrow n.
  const int dmax = static_cast<int>(std::max<index_t>(1, std::min<index_t>(adaptive ? opt.max_depth : opt.depth, n / b)));

  const index_t cap_cols = dmax * b;
  Matrix<T> Z(n, cap_cols), Y(m, cap_cols), W(n, cap_cols);
  Matrix<T> G(cap_cols, cap_cols);  // projected Gram matrix Z^T A^T A Z, upper part
  sketch::draw(ctx, tm, rng::kRangeSketch, 0, Z.view().col_block(0, b));
  orthonormalize(ctx, Z.view().col_block(0, b));

  EnergyStop stop(opt.frob_sq, opt.energy_rtol);
  int d = 0;
  for (int j = 0; j < dmax; ++j) {
    if (progress) progress(j + 1, adaptive ? 0 : dmax, "Krylov block");
    const index_t s = (j + 1) * b;  // basis size including block j
    DenseView<T> Wj = W.view().col_block(j * b, b);
    A.apply_gram(ctx, DenseView<const T>(Z.view()).col_block(j * b, b), Y.view().col_block(j * b, b), Wj);
    count.add(2 * fpc, b, 2);
    d = j + 1;
    // Column block j of Z^T A^T A Z (rows 0..s-1) = Z_{0..j}^T W_j.
    DenseView<const T> Zs = DenseView<const T>(Z.view()).col_block(0, s);
    DenseView<T> Gj{G.data() + j * b * cap_cols, s, b, cap_cols, false};
    ctx.gemm(T(1), Zs.t(), DenseView<const T>(Wj), T(0), Gj);
    if (adaptive && s >= std::max(opt.min_size, k)) {
      Matrix<T> H(s, s);
      ctx.copy(DenseView<const T>{G.data(), s, s, cap_cols, false}, H.view());
      const double cap = top_energy(ctx, H.view(), k);
      if (stop.converged(cap)) break;
    }
    if (j == dmax - 1 || s + b > n) break;
    DenseView<T> Qn = Z.view().col_block(s, b);
    ctx.copy(DenseView<const T>(Wj), Qn);
    orthonormalize_against(ctx, Zs, Qn);
  }
  rep.depth = d;
  RowBasis<T> out;
  out.size = d * b;
  Y.keep_cols(out.size);
  W.keep_cols(out.size);
  out.Y = std::move(Y);
  out.W = std::move(W);
  return out;
}

}  // namespace linalg::lowrank
