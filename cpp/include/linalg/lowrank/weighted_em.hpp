// Weighted low-rank approximation with elementwise weights W >= 0
// (zeros: unobserved entries), minimising f(X) = sum_ij W_ij (A - X)_ij^2
// over rank-k X by the EM iteration of Srebro & Jaakkola (ICML 2003):
//   W~ = W / max W,  B_t = X_t + W~ .* (A - X_t),  X_{t+1} = [[B_t]]_k.
// Why f never increases: with g_t(X) = ||B_t - X||_F^2 + c_t one has
// f~(X) <= g_t(X) for all X and f~(X_t) = g_t(X_t) (f~ = f / max W;
// expand the squares, W~ in [0, 1]), so f~(X_{t+1}) <= g_t(X_{t+1}) <=
// g_t(X_t) = f~(X_t) as soon as ||B_t - X_{t+1}|| <= ||B_t - X_t||.
//
// Each step: one threaded pass writes B_t over X_t (X_t = U S V^T formed
// by one GEMM into the same buffer) and returns f(X_t), ||B_t||^2 and
// ||B_t - X_t||^2 = ||W~ .* (A - X_t)||^2. The truncated SVD of B_t is
// warm-started (warm_subspace.hpp): Z_0 is the previous step's l right
// singular vectors, then `power_iters` power steps. X_{t+1} keeps the
// energy E = sum_{i<k} s_i^2 and ||B_t - X_{t+1}||^2 = ||B_t||^2 - E, so
// the step is monotone iff E >= ||B_t||^2 - ||B_t - X_t||^2; warm_svd falls
// back to the Z_0 answer, which satisfies it by construction (X_t's row
// space lies in span(Z_0)), whenever the power-stepped one does not.
#pragma once
#include <algorithm>
#include <cmath>

#include "linalg/lowrank/warm_subspace.hpp"
#include "linalg/lowrank/weighted_common.hpp"

namespace linalg::lowrank {

namespace detail {

// The first iterate: X_1 = [[W~ .* A]]_k (X_0 = 0), Gaussian start with
// two extra power steps. B must be stored like A; on return it holds W~ .* A.
template <class Ctx, class T>
SvdFactors<T> em_first_step(const Ctx& ctx, DenseView<const T> A, DenseView<const T> W, T winv, DenseLike<T>& B,
                            const WeightedOptions& o, Matrix<T>& Z, PassCount& count, host::WeightedSums& s0,
                            WarmReport& wr) {
  const index_t m = A.rows, n = A.cols;
  const index_t l = std::min(std::min(m, n), o.rank + o.oversample);
  // X_0 = 0: zero the buffer (context memory), then the fill pass gives B_0 = W~ .* A.
  B.storage.zero();
  s0 = ctx.em_fill(A, W, winv, B.view, true);
  Z = gaussian_start<Ctx, T>(ctx, std::min(m, n), l, o.seed);
  return warm_svd(ctx, Operator<T>(DenseView<const T>(B.view)), Z, o.rank, o.power_iters + 2, 0.0, count, wr);
}

}  // namespace detail

template <class Ctx, class T>
SvdFactors<T> weighted_em(const Ctx& ctx, DenseView<const T> A, DenseView<const T> W, const WeightedOptions& o,
                          WeightedReport& rep) {
  const index_t m = A.rows, n = A.cols, k = o.rank;
  require(k >= 1 && k <= std::min(m, n), "weighted_svd: rank must be in [1, min(m, n)]");
  require(W.rows == m && W.cols == n && W.trans == A.trans, "weighted_svd: weights must have A's shape and layout");
  require(o.max_iter >= 1 && o.power_iters >= 0, "weighted_svd: max_iter >= 1 and power_iters >= 0 required");
  const host::WeightStats ws = ctx.weight_stats(W);
  require(ws.finite && ws.min >= 0.0, "weighted_svd: weights must be finite and non-negative");
  require(ws.max > 0.0, "weighted_svd: weights are all zero");
  const T winv = static_cast<T>(1.0 / ws.max);

  DenseLike<T> B(A);
  Matrix<T> Z, L, R;
  PassCount count;
  WarmReport wr;
  host::WeightedSums s;
  rep.method = "em";
  rep.history.clear();
  SvdFactors<T> X = detail::em_first_step(ctx, A, W, winv, B, o, Z, count, s, wr);
  rep.history.push_back(s.objective);  // f(0)
  rep.basis_size = Z.cols();
  int t = 1;
  for (;; ++t) {
    split_factors(ctx, X, L, R);
    write_product(ctx, DenseView<const T>(L.view()), DenseView<const T>(R.view()), B.view);
    s = ctx.em_fill(A, W, winv, B.view, true);
    const double prev = rep.history.back();
    rep.history.push_back(s.objective);
    if (prev - s.objective <= o.tol * prev) {
      rep.converged = true;
      break;
    }
    if (t >= o.max_iter) break;
    X = warm_svd(ctx, Operator<T>(DenseView<const T>(B.view)), Z, k, o.power_iters, s.b_sq - s.gap_sq, count, wr);
    rep.fallbacks += wr.fell_back ? 1 : 0;
  }
  rep.iterations = t;
  rep.passes = count.passes;
  return X;
}

}  // namespace linalg::lowrank
