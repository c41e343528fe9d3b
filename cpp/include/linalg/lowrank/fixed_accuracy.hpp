// Fixed-accuracy range finder: grow a row basis block by block until the
// relative Frobenius error of the projection meets tol (the blocked scheme
// of Martinsson & Voronin 2016 and Yu, Gu & Li 2018, on the row side).
// Because Z stays orthonormal, ||A - A Z Z^T||_F^2 = ||A||_F^2 - ||A Z||_F^2
// is known exactly after each block, with no update of A (the input is
// never modified).
#pragma once
#include <cmath>

#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/rng/draws.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::lowrank {

struct FixedAccuracyOptions {
  double tol = 0.1;       // target ||A - A Z Z^T||_F / ||A||_F
  index_t block = 32;
  index_t max_size = 0;   // basis cap (<= n)
  int power_iters = 1;    // per block
  double frob_sq = 0.0;
};

struct FixedAccuracyReport {
  double residual_sq = 0.0;  // ||A - A Z Z^T||_F^2 of the final basis
  int blocks = 0;
};

template <class Ctx, class T>
RowBasis<T> fixed_accuracy_basis(const Ctx& ctx, const Operator<T>& A, const sketch::TestMatrix& tm,
                                 const FixedAccuracyOptions& opt, PassCount& count, FixedAccuracyReport& rep,
                                 double nnz, const Progress& progress = nullptr) {
  const index_t m = A.rows(), n = A.cols();
  const index_t cap = std::min(opt.max_size > 0 ? opt.max_size : n, n);
  const double fpc = flops_per_column(A, nnz);
  const double target = opt.tol * opt.tol * opt.frob_sq;
  Matrix<T> Z(n, cap), Y(m, cap), W(n, cap);
  double captured = 0.0;
  index_t s = 0;
  int blk = 0;
  while (s < cap) {
    const index_t b = std::min(opt.block, cap - s);
    if (progress) progress(blk + 1, 0, "basis block");
    DenseView<const T> Zs = DenseView<const T>(Z.view()).col_block(0, s);
    DenseView<T> Zb = Z.view().col_block(s, b);
    sketch::draw(ctx, tm, rng::kGrowSketch, static_cast<std::uint32_t>(blk), Zb);
    orthonormalize_against(ctx, Zs, Zb);
    DenseView<T> Wb = W.view().col_block(s, b);
    DenseView<T> Yb = Y.view().col_block(s, b);
    for (int t = 0;; ++t) {  // power steps, then the block's final read
      A.apply_gram(ctx, DenseView<const T>(Zb), Yb, Wb);
      count.add(2 * fpc, b, 2);
      if (t == opt.power_iters) break;
      ctx.copy(DenseView<const T>(Wb), Zb);
      orthonormalize_against(ctx, Zs, Zb);
    }
    captured += ctx.template frobenius_sq<T>(DenseView<const T>(Yb));
    s += b;
    ++blk;
    if (opt.frob_sq - captured <= target) break;
  }
  rep.residual_sq = std::max(0.0, opt.frob_sq - captured);
  rep.blocks = blk;
  RowBasis<T> out;
  out.size = s;
  Y.keep_cols(s);
  W.keep_cols(s);
  out.Y = std::move(Y);
  out.W = std::move(W);
  return out;
}

}  // namespace linalg::lowrank
