// Randomized truncated SVD: A ~ U diag(S) V^T of rank k.
//
// The work happens on the orientation with m >= n (a wide A is handled as
// A^T, free with the transpose flag), so every basis lives in the smaller
// dimension. Three range finders feed one finishing step (svd_from_basis):
//   subspace  - subspace iteration (subspace_iteration.hpp)
//   krylov    - block Krylov reusing all products (block_krylov.hpp)
//   tol > 0   - fixed accuracy, basis grown block by block (fixed_accuracy.hpp)
//
// method = auto (the rule, also in the Python docstring):
//   * the depth is adaptive: after every pass the energy the rank-k answer
//     keeps, E_j, is known from the projected Gram matrix; iteration stops
//     once the gain still to come, extrapolated from the last two gains
//     (EnergyStop in basis.hpp), is at most energy_rtol (10 %) of the energy
//     still missing, ||A||_F^2 - E_j.
//   * block Krylov is used when the basis can grow well past k+p within n
//     (n >= 4 (k+p)) - large matrices, where Krylov needs far fewer products
//     - for float64, and for float32 where the context runs the narrow
//     products itself (fast_narrow_products below; OpenBLAS's sgemm runs
//     them far below its rate) and the result keeps S[k-1] >= 1e-3 S[0]
//     (kKrylovFloat32MinRatio; else subspace reruns); otherwise subspace
//     iteration with l = min(k+p, n) columns.
#pragma once
#include <algorithm>
#include <string>
#include <type_traits>

#include "linalg/lowrank/block_krylov.hpp"
#include "linalg/lowrank/fixed_accuracy.hpp"
#include "linalg/lowrank/subspace_iteration.hpp"
#include "linalg/lowrank/svd_from_basis.hpp"

namespace linalg::lowrank {

enum class Method { Auto, Subspace, Krylov };

struct RsvdOptions {
  index_t rank = 0;        // k; with tol > 0, the largest rank allowed (0: min(m, n))
  double tol = 0.0;        // > 0: fixed-accuracy mode
  index_t oversample = 10;
  int power_iters = -1;    // subspace: q; krylov: blocks - 1; -1: adaptive
  Method method = Method::Auto;
  sketch::TestMatrix test_matrix;
  index_t block = 0;       // Krylov / fixed-accuracy block size (0: automatic)
  double energy_rtol = 0.1;
};

struct RsvdReport {
  std::string method;
  int power_iters = 0;
  index_t basis_size = 0;
  index_t rank = 0;
  int passes = 0;
  double gemm_flops = 0.0;
  bool fused = true;
  double frob_sq = -1.0;      // ||A||_F^2 when it was computed
  double residual_sq = -1.0;  // fixed-accuracy: ||A - U S V^T||_F^2
  bool mixed = false;         // basis found in lower precision (mixed_precision.hpp)
  int fast_passes = 0;        // mixed: the passes in lower precision
  std::string fast_products;  // mixed: "float32", "tf32" or "float16"
};

inline index_t krylov_block_size(index_t k, index_t p) {
  // About a third of k + p: the space then reaches k + p after three blocks
  // and grows in steps small enough for the adaptive stop to be economical.
  return std::max<index_t>(8, (k + p + 2) / 3);
}

// Contexts whose narrow products of a large dense A run near the rate of
// reading A, in float32 too, say so (host/split_host.hpp).
template <class Ctx, class = void>
struct has_fast_narrow_products : std::false_type {};
template <class Ctx>
struct has_fast_narrow_products<Ctx, std::void_t<decltype(Ctx::fast_narrow_products(index_t(), index_t()))>>
    : std::true_type {};
template <class Ctx>
bool fast_narrow_products(const Ctx&, index_t m, index_t n) {
  if constexpr (has_fast_narrow_products<Ctx>::value) return Ctx::fast_narrow_products(m, n);
  else return false;
}

// float32 block Krylov taken by method = auto is kept only where the
// result has S[k-1] >= this S[0]: each block after the first multiplies by
// A^T A, carrying (sigma_i / sigma_1)^2 of direction i - at 1e-3, 1e-6,
// 16x float32's rounding; below, the blocks hold little but rounding for
// the tail of the top k (measured, 4100 x 1100, k = 40: error ratio 2.28 at
// sigma_k / sigma_1 = 5.8e-5, 1.006 at 4.1e-4, 1.002 at 6.3e-4, 1.0002 at
// 1.5e-3; subspace iteration, re-orthonormalised every step, 1.0000-1.0005
// on all). Computed singular values are lower bounds of the true ones, so
// the test errs toward rerunning.
constexpr double kKrylovFloat32MinRatio = 1e-3;

template <class Ctx, class T>
SvdFactors<T> rsvd_oriented(const Ctx& ctx, const Operator<T>& A, const RsvdOptions& o, RsvdReport& rep,
                            double nnz, const Progress& progress) {
  const index_t n = A.cols();
  PassCount count;
  RowBasis<T> basis;
  index_t k = o.rank;
  const bool adaptive = o.power_iters < 0;
  if (adaptive || o.tol > 0) rep.frob_sq = A.frobenius_sq(ctx);

  if (o.tol > 0) {
    FixedAccuracyOptions fo;
    fo.tol = o.tol;
    fo.block = o.block > 0 ? o.block : 32;
    fo.max_size = k > 0 ? std::min(n, k + o.oversample) : n;
    fo.power_iters = adaptive ? 1 : o.power_iters;
    fo.frob_sq = rep.frob_sq;
    FixedAccuracyReport fr;
    basis = fixed_accuracy_basis(ctx, A, o.test_matrix, fo, count, fr, nnz, progress);
    rep.method = "fixed_accuracy";
    rep.power_iters = fo.power_iters;
    SvdFactors<T> full = svd_from_basis(ctx, A, basis, basis.size, count, nnz);
    // Smallest rank whose truncation still meets tol (the basis itself does,
    // unless it hit the cap).
    const double target = o.tol * o.tol * rep.frob_sq;
    double kept = 0.0;
    index_t r = 0;
    const index_t rmax = k > 0 ? std::min<index_t>(k, basis.size) : basis.size;
    while (r < rmax) {
      kept += static_cast<double>(full.S[r]) * full.S[r];
      ++r;
      if (rep.frob_sq - kept <= target) break;
    }
    rep.residual_sq = std::max(0.0, rep.frob_sq - kept);
    k = r;
    SvdFactors<T> out;
    out.S.assign(full.S.begin(), full.S.begin() + k);
    out.U = Matrix<T>(full.U.rows(), k);
    ctx.copy(DenseView<const T>(full.U.view()).col_block(0, k), out.U.view());
    out.Vt = Matrix<T>(k, n);
    ctx.copy(DenseView<const T>(full.Vt.view()).row_block(0, k), out.Vt.view());
    rep.basis_size = basis.size;
    rep.rank = k;
    rep.passes = count.passes;
    rep.gemm_flops = count.gemm_flops;
    return out;
  }

  const index_t l = std::min(n, k + o.oversample);
  Method method = o.method;
  // Krylov's narrow blocks only pay where they run near full speed: dgemm,
  // or the host's own kernels for a large dense A (float32 Krylov p=4 on P1
  // 0.56 s against subspace p=2 0.98 s, benchmarks/RESULTS.md); OpenBLAS's
  // sgemm ran them at 3.5-4.7x their GEMM floor.
  const bool float32_krylov = sizeof(T) == 4 && A.is_dense() && fast_narrow_products(ctx, A.rows(), n);
  if (method == Method::Auto)
    method = (n >= 4 * (k + o.oversample) && (sizeof(T) == 8 || float32_krylov)) ? Method::Krylov : Method::Subspace;
  // A Krylov space that must fill most of R^n is no better than subspace
  // iteration on l = min(n, k + p) columns, and could not reach k columns.
  if (method == Method::Krylov && 2 * (k + o.oversample) > n) method = Method::Subspace;
  if (method == Method::Krylov) {
    KrylovOptions ko;
    ko.rank = k;
    index_t bs = o.block > 0 ? o.block : krylov_block_size(k, o.oversample);
    if (!adaptive) bs = std::max(bs, (l + o.power_iters) / (o.power_iters + 1));  // d b >= k + p
    // At least two blocks must fit in n, or the space is mostly Omega.
    ko.block = std::max<index_t>(1, std::min(n / 2, bs));
    ko.depth = adaptive ? -1 : o.power_iters + 1;
    ko.min_size = l;
    ko.energy_rtol = o.energy_rtol;
    ko.frob_sq = rep.frob_sq;
    KrylovReport kr;
    basis = block_krylov(ctx, A, o.test_matrix, ko, count, kr, nnz, progress);
    rep.method = "krylov";
    rep.power_iters = kr.depth - 1;
  } else {
    SubspaceOptions so;
    so.rank = k;
    so.size = l;
    so.power_iters = o.power_iters;
    so.energy_rtol = o.energy_rtol;
    so.frob_sq = rep.frob_sq;
    SubspaceReport sr;
    basis = subspace_iteration(ctx, A, o.test_matrix, so, count, sr, nnz, progress);
    rep.method = "subspace";
    rep.power_iters = sr.power_iters;
    rep.fused = sr.fused;
  }
  rep.basis_size = basis.size;
  rep.rank = std::min(k, basis.size);
  SvdFactors<T> out = svd_from_basis(ctx, A, basis, rep.rank, count, nnz);
  rep.passes = count.passes;
  rep.gemm_flops = count.gemm_flops;
  if (o.method == Method::Auto && method == Method::Krylov && sizeof(T) == 4 && rep.rank > 0) {
    const double top = static_cast<double>(out.S[0]), last = static_cast<double>(out.S[rep.rank - 1]);
    if (top > 0.0 && !(last >= kKrylovFloat32MinRatio * top)) {
      RsvdOptions so = o;
      so.method = Method::Subspace;
      RsvdReport sub;
      SvdFactors<T> again = rsvd_oriented(ctx, A, so, sub, nnz, progress);
      sub.passes += rep.passes;  // the Krylov run's passes were made too
      sub.gemm_flops += rep.gemm_flops;
      sub.method = "subspace (after krylov)";
      rep = sub;
      return again;
    }
  }
  return out;
}

// Any orientation, without the final transposition: for m < n the factors
// are those of A^T (`transposed` set: f.U = V, f.Vt = U^T), so that a caller
// able to present them transposed (NumPy: C-ordered views) copies nothing.
template <class Ctx, class T>
SvdFactors<T> rsvd_as_computed(const Ctx& ctx, const Operator<T>& A, const RsvdOptions& o, RsvdReport& rep,
                               double nnz, bool& transposed, const Progress& progress = nullptr) {
  const index_t m = A.rows(), n = A.cols();
  require(m > 0 && n > 0, "rsvd: empty matrix");
  require(o.tol > 0 || (o.rank >= 1 && o.rank <= std::min(m, n)), "rsvd: rank must be in [1, min(m, n)]");
  require(o.tol == 0 || (o.tol > 0 && o.tol < 1), "rsvd: tol must be in (0, 1)");
  require(o.oversample >= 0, "rsvd: oversample must be >= 0");
  transposed = m < n;
  return transposed ? rsvd_oriented(ctx, A.t(), o, rep, nnz, progress) : rsvd_oriented(ctx, A, o, rep, nnz, progress);
}

// Entry point for any orientation.
template <class Ctx, class T>
SvdFactors<T> rsvd(const Ctx& ctx, const Operator<T>& A, const RsvdOptions& o, RsvdReport& rep, double nnz,
                   const Progress& progress = nullptr) {
  const index_t m = A.rows(), n = A.cols();
  bool transposed = false;
  SvdFactors<T> f = rsvd_as_computed(ctx, A, o, rep, nnz, transposed, progress);
  if (!transposed) return f;
  // A^T = U' S V'^T  =>  A = V' S U'^T.
  const index_t k = static_cast<index_t>(f.S.size());
  SvdFactors<T> out;
  out.S = std::move(f.S);
  out.U = Matrix<T>(m, k);
  ctx.copy(DenseView<const T>(f.Vt.view()).t(), out.U.view());
  out.Vt = Matrix<T>(k, n);
  ctx.copy(DenseView<const T>(f.U.view()).t(), out.Vt.view());
  return out;
}

}  // namespace linalg::lowrank
