// Weighted low-rank approximation by alternating weighted least squares:
// X = P Q^T (P m x k, Q n x k); with P fixed, column j of the objective
// sum_i W_ij (A_ij - p_i^T q_j)^2 is minimised by the k x k normal
// equations G_j q_j = r_j, G_j = sum_i W_ij p_i p_i^T, r_j = P^T (W .* A)_j
// (e.g. Srebro & Jaakkola 2003, sec. 3; Gabriel & Zamir 1979, "criss-cross
// regression"); then the same for P with Q fixed. Each half-step solves its
// problem exactly, so the objective never increases.
//
// All n Grams come from one GEMM: with K (m x k(k+1)/2) the rows' packed
// outer products, K(i, (a,b)) = P_ia P_ib, the packed G_j are the columns
// of K^T W: 2 m n k(k+1)/2 flops at BLAS speed instead of n small
// products. The n solves are our own small Cholesky inside an OpenMP loop
// (no BLAS there), one column per iteration, so the result does not
// depend on the thread count. K and the Grams are formed in chunks of at
// most ~8M entries each.
#pragma once
#include <algorithm>

#include "linalg/lowrank/weighted_em.hpp"

namespace linalg::lowrank {

namespace detail {

constexpr index_t kAlsChunk = index_t(8) << 20;

// Out (c x k): the rows solving the weighted least squares of the logical
// r x c weights Wl and WAl = Wl .* Al with the fixed factor F (r x k).
template <class Ctx, class T>
std::int64_t als_half_step(const Ctx& ctx, DenseView<const T> Wl, DenseView<const T> WAl, DenseView<const T> F,
                           DenseView<T> Out) {
  const index_t r = Wl.rows, c = Wl.cols, k = F.cols, kk = k * (k + 1) / 2;
  const index_t rb = std::max<index_t>(1, std::min(r, kAlsChunk / kk));
  const index_t cb = std::max<index_t>(1, std::min(c, kAlsChunk / kk));
  Matrix<T> K(rb, kk), G(kk, cb), Rhs(k, cb);
  const bool one_row_chunk = rb >= r;
  if (one_row_chunk) ctx.sym_outer_rows(F, K.view());
  std::int64_t ridged = 0;
  for (index_t c0 = 0; c0 < c; c0 += cb) {
    const index_t nc = std::min(cb, c - c0);
    DenseView<T> Gv = G.view().col_block(0, nc), Rv = Rhs.view().col_block(0, nc);
    for (index_t r0 = 0; r0 < r; r0 += rb) {
      const index_t nr = std::min(rb, r - r0);
      DenseView<T> Kv{K.data(), nr, kk, K.rows(), false};
      if (!one_row_chunk) ctx.sym_outer_rows(F.row_block(r0, nr), Kv);
      ctx.gemm(T(1), DenseView<const T>(Kv).t(), Wl.row_block(r0, nr).col_block(c0, nc), r0 == 0 ? T(0) : T(1), Gv);
    }
    ctx.gemm(T(1), F.t(), WAl.col_block(c0, nc), T(0), Rv);
    ridged += ctx.batched_spd_solve(DenseView<const T>(Gv), DenseView<const T>(Rv), Out.row_block(c0, nc), k);
  }
  return ridged;
}

// f(P Q^T), with X formed into the scratch buffer Xb (stored like A).
template <class Ctx, class T>
double als_objective(const Ctx& ctx, DenseView<const T> A, DenseView<const T> W, const Matrix<T>& P,
                     const Matrix<T>& Q, DenseView<T> Xb) {
  write_product(ctx, DenseView<const T>(P.view()), DenseView<const T>(Q.view()), Xb);
  return ctx.em_fill(A, W, T(1), Xb, false).objective;
}

}  // namespace detail

// Starts from the first EM iterate X_1 = [[W~ .* A]]_k (P = U S, Q = V).
template <class Ctx, class T>
SvdFactors<T> weighted_als(const Ctx& ctx, DenseView<const T> A, DenseView<const T> W, const WeightedOptions& o,
                           WeightedReport& rep) {
  const index_t m = A.rows, n = A.cols, k = o.rank;
  require(k >= 1 && k <= std::min(m, n), "weighted_svd: rank must be in [1, min(m, n)]");
  require(W.rows == m && W.cols == n && W.trans == A.trans, "weighted_svd: weights must have A's shape and layout");
  require(o.max_iter >= 1, "weighted_svd: max_iter >= 1 required");
  const host::WeightStats ws = ctx.weight_stats(W);
  require(ws.finite && ws.min >= 0.0, "weighted_svd: weights must be finite and non-negative");
  require(ws.max > 0.0, "weighted_svd: weights are all zero");
  const T winv = static_cast<T>(1.0 / ws.max);

  DenseLike<T> buf(A);  // B_0 = W~ .* A for the start, then X scratch
  Matrix<T> Z, P, Q;
  PassCount count;
  WarmReport wr;
  host::WeightedSums s0;
  SvdFactors<T> X1 = detail::em_first_step(ctx, A, W, winv, buf, o, Z, count, s0, wr);
  Z = Matrix<T>();
  split_factors(ctx, X1, P, Q);
  X1 = SvdFactors<T>();
  // W .* A, the right-hand sides of every half-step (formed once).
  DenseLike<T> WA(A);
  ctx.hadamard(W, A, WA.view);
  const DenseView<const T> Wc(W), WAc(WA.view);

  rep.method = "als";
  rep.history.assign(1, s0.objective);  // f(0), as for EM
  rep.half_history.clear();
  rep.history.push_back(detail::als_objective(ctx, A, W, P, Q, buf.view));
  rep.half_history.push_back(rep.history.back());
  int t = 0;
  for (t = 1;; ++t) {
    rep.ridged += detail::als_half_step(ctx, Wc, WAc, DenseView<const T>(P.view()), Q.view());
    rep.half_history.push_back(detail::als_objective(ctx, A, W, P, Q, buf.view));
    rep.ridged += detail::als_half_step(ctx, Wc.t(), WAc.t(), DenseView<const T>(Q.view()), P.view());
    const double f = detail::als_objective(ctx, A, W, P, Q, buf.view);
    rep.half_history.push_back(f);
    const double prev = rep.history.back();
    rep.history.push_back(f);
    if (prev - f <= o.tol * prev) {
      rep.converged = true;
      break;
    }
    if (t >= o.max_iter) break;
  }
  rep.iterations = t;
  rep.passes = count.passes;
  return product_svd(ctx, P, Q);
}

}  // namespace linalg::lowrank
