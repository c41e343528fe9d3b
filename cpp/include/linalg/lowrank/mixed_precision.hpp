// rsvd of a dense float64 A with the basis found in float32.
//
// The range finder only has to find a subspace; where the error it is after
// is far above float32 rounding, float32 passes (twice the GEMM rate, half
// the memory traffic) find the same subspace. One float64 pass then gives
// the exact float64 truncated SVD of A V V^T for the float32-found
// orthonormal V (n x k): Y = A V, Y = Qy Uy diag(s) Wy^T, U = Qy Uy,
// V <- V Wy. (BENCHMARKS.md records the measured fact behind this: a
// float32 range finder with a float64 projection keeps the accuracy.)
//
// Guard: when the float32 run says the relative error of the rank-k answer
// is below `min_rel_error`, float32's rounding could matter, and the caller
// is told to run in float64 instead (`used` = false).
#pragma once
#include <cmath>
#include <type_traits>
#include <vector>

#include "linalg/lowrank/rsvd.hpp"

namespace linalg::lowrank {

// The exact truncated SVD of A V V^T for a found V (n x k, any precision
// and layout) with one pass over A in T: V is made exactly orthonormal,
// then Y = A V = Qy Uy diag(s) Wy^T gives U = Qy Uy, V <- V Wy.
template <class Ctx, class T, class F>
SvdFactors<T> exact_projection(const Ctx& ctx, const Operator<T>& A, DenseView<const F> V_found,
                               const Progress& progress) {
  const index_t m = A.rows(), n = A.cols(), k = V_found.cols;
  Matrix<T> V(n, k);
  if constexpr (std::is_same_v<F, T>) {
    ctx.copy(V_found, V.view());
  } else if (!V_found.trans) {
    ctx.convert(V_found, V.view());
  } else {  // convert keeps the layout: convert the stored k x n, then transpose
    Matrix<T> Vt(k, n);
    ctx.convert(V_found.t(), Vt.view());
    ctx.copy(DenseView<const T>(Vt.view()).t(), V.view());
  }
  orthonormalize(ctx, V.view());  // exact orthonormality in T
  if (progress) progress(1, 1, "exact pass");
  Matrix<T> Y(m, k);
  A.apply(ctx, DenseView<const T>(V.view()), Y.view());
  Matrix<T> Qy, Uy, Wyt;
  std::vector<T> s;
  tall_svd(ctx, std::move(Y), Qy, Uy, s, Wyt);
  SvdFactors<T> out;
  out.S = s;
  out.U = Matrix<T>(m, k);
  ctx.gemm(T(1), DenseView<const T>(Qy.view()), DenseView<const T>(Uy.view()), T(0), out.U.view());
  out.Vt = Matrix<T>(k, n);
  ctx.gemm(T(1), DenseView<const T>(Wyt.view()), DenseView<const T>(V.view()).t(), T(0), out.Vt.view());
  return out;
}

// Whether float32 arithmetic on A (||A||_F^2 = frob_sq) stays clear of
// overflow and underflow: the range finder's Gram matrices reach
// ||A||_F^2, which must fit float32 with room (2^-120 .. 2^120). Outside
// that (entries near or beyond float32's range) the callers work in float64.
inline bool float32_safe_norm(double frob_sq) { return frob_sq > 0x1p-120 && frob_sq < 0x1p120; }

template <class Ctx>
SvdFactors<double> rsvd_mixed(const Ctx& ctx, DenseView<const double> A, const RsvdOptions& o, RsvdReport& rep,
                              double min_rel_error, bool& used, const Progress& progress = nullptr) {
  used = false;
  Matrix<float> store(A.stored_rows(), A.stored_cols());
  DenseView<float> a32{store.data(), A.rows, A.cols, std::max<index_t>(store.rows(), 1), A.trans};
  const double frob_sq = ctx.convert(A, a32);
  if (!float32_safe_norm(frob_sq)) return {};
  Operator<float> op32{DenseView<const float>(a32)};
  RsvdReport rep32;
  SvdFactors<float> f = rsvd(ctx, op32, o, rep32, 0.0, progress);
  double kept = 0.0;
  for (float s : f.S) kept += static_cast<double>(s) * s;
  const double rel = frob_sq > 0 ? std::sqrt(std::max(0.0, frob_sq - kept) / frob_sq) : 0.0;
  if (!(rel >= min_rel_error)) return {};  // NaN too: an overflowed or non-finite copy
  store = Matrix<float>();  // release the float32 copy before the float64 pass

  const index_t m = A.rows, n = A.cols, k = static_cast<index_t>(f.S.size());
  SvdFactors<double> out =
      exact_projection(ctx, Operator<double>(A), DenseView<const float>(f.Vt.view()).t(), progress);
  rep = rep32;
  rep.method += "+float64";
  rep.fast_passes = rep.passes;
  rep.fast_products = "float32";
  rep.passes += 1;
  rep.gemm_flops += 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  rep.frob_sq = frob_sq;
  rep.mixed = true;
  used = true;
  return out;
}

// The fast range finder's basis size L for rank k and exact basis l = k + p.
// Products on the fast units are bound by the bytes of A they read, not by
// their columns, up to a couple of hundred columns (H100, 50000 x 20000:
// float16 products with 160 columns take 0.8 ms, with 110 columns 1.15 ms),
// while oversampling is what buys accuracy cheaply (HMT 2011, Thm 10.7):
// take at least k/2 extra columns, rounded up to a multiple of 32 (tensor
// core tiles). On the CPU's AMX units the products are bound by their
// flops, which grow with the columns: there k/4 (extra_div = 4; measured on
// a 4096 x 11008 rank-512 weight matrix, one power step: k/2 extra 800
// columns, 1.9 s; k/4, 672 columns, 1.55 s at error 0.4536 against 0.4512).
inline index_t fast_basis_size(index_t k, index_t l, index_t n, index_t extra_div = 2) {
  const index_t wide = ((l + std::max(l - k, k / extra_div) + 31) / 32) * 32;
  return std::min(n, std::max(l, wide));
}

// Fixed-rank rsvd of A in T whose range finder runs on `fast`, a context
// with cheaper, less precise products, through `fast_A`, the operator those
// products read (A itself with the CUDA context's TF32 tensor-core GEMMs,
// or its float16 copy, cuda/half_operator.hpp; ~2^-11 relative rounding),
// followed by one exact pass:
// 1. subspace iteration on `fast` with L = fast_basis_size(k, l, n) columns
//    (separate power steps, see subspace_iteration.hpp) gives W = A^T Q;
// 2. Rayleigh-Ritz: the top l eigenvectors of W^T W (computed by the last
//    step anyway) give V = W G_l diag(lambda)^{-1/2}, the leading right
//    singular directions of Q Q^T A;
// 3. exact_projection returns the exact SVD of A V V^T truncated to k -
//    HMT's approximation with the last product in T.
// Measured on P1 (BENCHMARKS.md, sigma_i = 1/i, k = 100): one power step
// with L = 160 reaches error ratio 1.001, against 1.015 with L = 110.
// Guard as rsvd_mixed: used = false when the exact pass's singular values
// put the relative error below min_rel_error, where the fast rounding could
// show (the caller then reruns in T).
template <class Ctx, class FastCtx, class FastOp, class T>
SvdFactors<T> rsvd_refined(const Ctx& ctx, const FastCtx& fast, const Operator<T>& A0, const FastOp& fast_A0,
                           const RsvdOptions& o, RsvdReport& rep, double min_rel_error, bool& used,
                           const Progress& progress = nullptr, index_t extra_div = 2) {
  used = false;
  require(o.tol == 0 && o.rank >= 1 && o.rank <= std::min(A0.rows(), A0.cols()),
          "rsvd_refined: fixed rank in [1, min(m, n)] only");
  const bool wide = A0.rows() < A0.cols();
  const Operator<T> A = wide ? A0.t() : A0;  // m >= n
  const FastOp FA = wide ? fast_A0.t() : fast_A0;
  const index_t m = A.rows(), n = A.cols(), k = o.rank, l = std::min(n, k + o.oversample);
  const index_t L = fast_basis_size(k, l, n, extra_div);
  const double frob_sq = FA.frobenius_sq(fast);
  SubspaceOptions so;
  so.rank = k;
  so.size = L;
  so.power_iters = o.power_iters;
  so.energy_rtol = o.energy_rtol;
  so.frob_sq = frob_sq;
  SubspaceReport sr;
  PassCount count;
  // The range finder works in the fast operator's type F (float32 for the
  // GPU's float16/TF32 and the CPU's bfloat16 products, also when A is
  // float64); exact_projection takes V to T.
  using F = typename FastOp::value_type;
  RowBasis<F> b = subspace_iteration(fast, FA, o.test_matrix, so, count, sr, 0.0, progress);
  b.Y = Matrix<F>();
  Matrix<F> V;
  if (L > l && b.ritz.rows() == L && static_cast<index_t>(b.ritz_values.size()) == L) {
    V = Matrix<F>(n, l);
    ctx.gemm(F(1), DenseView<const F>(b.W.view()), DenseView<const F>(b.ritz.view()).col_block(L - l, l), F(0),
             V.view());
    const double top = std::max(b.ritz_values[L - 1], 0.0);
    std::vector<F> d(static_cast<std::size_t>(l));
    for (index_t j = 0; j < l; ++j) {
      const double lam = b.ritz_values[L - l + j];
      d[j] = static_cast<F>(lam > 1e-30 * top && lam > 0.0 ? 1.0 / std::sqrt(lam) : 1.0);
    }
    ctx.scale_columns(V.view(), d.data());
  } else {
    V = std::move(b.W);
  }
  b = RowBasis<F>();
  SvdFactors<T> f = exact_projection(ctx, A, DenseView<const F>(V.view()), progress);
  V = Matrix<F>();
  // The guard reads the exact pass's singular values: the energy the fast
  // products capture is itself only good to their ~1e-3 relative rounding,
  // which would blur relative errors below ~3e-2.
  double kept = 0.0;
  for (index_t i = 0; i < k; ++i) kept += static_cast<double>(f.S[i]) * static_cast<double>(f.S[i]);
  const double rel = frob_sq > 0 ? std::sqrt(std::max(0.0, frob_sq - kept) / frob_sq) : 0.0;
  if (!(rel >= min_rel_error)) return {};  // NaN too: an overflowed or non-finite copy
  SvdFactors<T> out;
  out.S.assign(f.S.begin(), f.S.begin() + k);
  if (!wide) {
    out.U = Matrix<T>(m, k);
    ctx.copy(DenseView<const T>(f.U.view()).col_block(0, k), out.U.view());
    out.Vt = Matrix<T>(k, n);
    ctx.copy(DenseView<const T>(f.Vt.view()).row_block(0, k), out.Vt.view());
  } else {  // A0 = A^T = V S U^T
    out.U = Matrix<T>(n, k);
    ctx.copy(DenseView<const T>(f.Vt.view()).row_block(0, k).t(), out.U.view());
    out.Vt = Matrix<T>(k, m);
    ctx.copy(DenseView<const T>(f.U.view()).col_block(0, k).t(), out.Vt.view());
  }
  rep = RsvdReport{};
  rep.method = "subspace+exact";
  rep.power_iters = sr.power_iters;
  rep.basis_size = L;
  rep.rank = k;
  rep.fused = sr.fused;
  rep.passes = count.passes + 1;
  rep.fast_passes = count.passes;
  rep.gemm_flops = count.gemm_flops + 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(l);
  rep.frob_sq = frob_sq;
  rep.mixed = true;
  used = true;
  return out;
}

}  // namespace linalg::lowrank
