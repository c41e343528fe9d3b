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
  tall_svd(ctx, DenseView<const T>(Y.view()), Qy, Uy, s, Wyt);
  SvdFactors<T> out;
  out.S = s;
  out.U = Matrix<T>(m, k);
  ctx.gemm(T(1), DenseView<const T>(Qy.view()), DenseView<const T>(Uy.view()), T(0), out.U.view());
  out.Vt = Matrix<T>(k, n);
  ctx.gemm(T(1), DenseView<const T>(Wyt.view()), DenseView<const T>(V.view()).t(), T(0), out.Vt.view());
  return out;
}

template <class Ctx>
SvdFactors<double> rsvd_mixed(const Ctx& ctx, DenseView<const double> A, const RsvdOptions& o, RsvdReport& rep,
                              double min_rel_error, bool& used, const Progress& progress = nullptr) {
  used = false;
  Matrix<float> store(A.stored_rows(), A.stored_cols());
  DenseView<float> a32{store.data(), A.rows, A.cols, std::max<index_t>(store.rows(), 1), A.trans};
  const double frob_sq = ctx.convert(A, a32);
  Operator<float> op32{DenseView<const float>(a32)};
  RsvdReport rep32;
  SvdFactors<float> f = rsvd(ctx, op32, o, rep32, 0.0, progress);
  double kept = 0.0;
  for (float s : f.S) kept += static_cast<double>(s) * s;
  const double rel = frob_sq > 0 ? std::sqrt(std::max(0.0, frob_sq - kept) / frob_sq) : 0.0;
  if (rel < min_rel_error) return {};
  store = Matrix<float>();  // release the float32 copy before the float64 pass

  const index_t m = A.rows, n = A.cols, k = static_cast<index_t>(f.S.size());
  SvdFactors<double> out =
      exact_projection(ctx, Operator<double>(A), DenseView<const float>(f.Vt.view()).t(), progress);
  rep = rep32;
  rep.method += "+float64";
  rep.passes += 1;
  rep.gemm_flops += 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  rep.frob_sq = frob_sq;
  rep.mixed = true;
  used = true;
  return out;
}

// Fixed-rank rsvd of A in T whose range finder runs on `fast`, a context
// with cheaper, less precise products (the CUDA context's TF32 tensor-core
// GEMMs for float32: ~2^-11 relative rounding), followed by one exact pass:
// subspace iteration on `fast` gives the row basis W (n x l, l = k + p;
// its fused/separate rule uses the fast products' precision, see
// subspace_iteration.hpp), then exact_projection returns the exact SVD of
// A W W^T truncated to k - HMT's approximation with the last product in T.
// Guard as rsvd_mixed: used = false when the captured energy says the
// relative error is below min_rel_error, where the fast rounding could show.
template <class Ctx, class FastCtx, class T>
SvdFactors<T> rsvd_refined(const Ctx& ctx, const FastCtx& fast, const Operator<T>& A0, const RsvdOptions& o,
                           RsvdReport& rep, double min_rel_error, bool& used, const Progress& progress = nullptr) {
  used = false;
  require(o.tol == 0 && o.rank >= 1 && o.rank <= std::min(A0.rows(), A0.cols()),
          "rsvd_refined: fixed rank in [1, min(m, n)] only");
  const bool wide = A0.rows() < A0.cols();
  const Operator<T> A = wide ? A0.t() : A0;  // m >= n
  const index_t m = A.rows(), n = A.cols(), k = o.rank, l = std::min(n, k + o.oversample);
  const double frob_sq = A.frobenius_sq(ctx);
  SubspaceOptions so;
  so.rank = k;
  so.size = l;
  so.power_iters = o.power_iters;
  so.energy_rtol = o.energy_rtol;
  so.frob_sq = frob_sq;
  SubspaceReport sr;
  PassCount count;
  RowBasis<T> b = subspace_iteration(fast, A, o.test_matrix, so, count, sr, 0.0, progress);
  const double rel = frob_sq > 0 ? std::sqrt(std::max(0.0, frob_sq - sr.captured) / frob_sq) : 0.0;
  if (rel < min_rel_error) return {};
  b.Y = Matrix<T>();
  SvdFactors<T> f = exact_projection(ctx, A, DenseView<const T>(b.W.view()), progress);
  b.W = Matrix<T>();
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
  rep.basis_size = l;
  rep.rank = k;
  rep.fused = sr.fused;
  rep.passes = count.passes + 1;
  rep.gemm_flops = count.gemm_flops + 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(l);
  rep.frob_sq = frob_sq;
  rep.mixed = true;
  used = true;
  return out;
}

}  // namespace linalg::lowrank
