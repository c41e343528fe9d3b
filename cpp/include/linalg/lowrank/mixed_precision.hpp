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
#include <vector>

#include "linalg/lowrank/rsvd.hpp"

namespace linalg::lowrank {

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
  Matrix<double> Vt64(k, n), V(n, k);
  ctx.convert(DenseView<const float>(f.Vt.view()), Vt64.view());
  ctx.copy(DenseView<const double>(Vt64.view()).t(), V.view());
  orthonormalize(ctx, V.view());  // exact float64 orthonormality
  if (progress) progress(1, 1, "float64 pass");
  Matrix<double> Y(m, k);
  Operator<double>(A).apply(ctx, DenseView<const double>(V.view()), Y.view());
  Matrix<double> Qy, Uy, Wyt;
  std::vector<double> s;
  tall_svd(ctx, DenseView<const double>(Y.view()), Qy, Uy, s, Wyt);
  SvdFactors<double> out;
  out.S = s;
  out.U = Matrix<double>(m, k);
  ctx.gemm(1.0, DenseView<const double>(Qy.view()), DenseView<const double>(Uy.view()), 0.0, out.U.view());
  out.Vt = Matrix<double>(k, n);
  ctx.gemm(1.0, DenseView<const double>(Wyt.view()), DenseView<const double>(V.view()).t(), 0.0, out.Vt.view());
  rep = rep32;
  rep.method += "+float64";
  rep.passes += 1;
  rep.gemm_flops += 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  rep.frob_sq = frob_sq;
  rep.mixed = true;
  used = true;
  return out;
}

}  // namespace linalg::lowrank
