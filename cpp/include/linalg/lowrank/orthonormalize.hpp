// Orthonormal bases of tall blocks, the step every range finder repeats.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/core/view.hpp"

namespace linalg::lowrank {

// CholeskyQR's reach in T: one round leaves kappa ~ 1 + u kappa(X)^2, so
// kappa(X) up to ~0.05 eps^{-1/2} lets a second round finish.
template <class T>
double cholesky_qr_limit() {
  return 0.05 / std::sqrt(static_cast<double>(std::numeric_limits<T>::epsilon()));
}

// G (k x k, holding X^T X) <- its upper Cholesky factor R; true where that
// succeeded and kappa(X D), D scaling X's columns to unit norm, is below
// `limit` by R's diagonal: max / min of r_jj / ||x_j||. CholeskyQR's error
// depends on kappa(X D) only - the Gram's rounding is relative to the
// columns' norms and Cholesky is invariant under diagonal scaling (exactly
// so for powers of two) - so graded blocks (Y = A Z for a basis Z of A's top
// right singular space: columns nearly orthogonal, norms sigma_j) pass
// where R's own diagonal ratio ~ sigma_1 / sigma_k would refuse them
// (P2's second power step in float32: kappa(X) 3.7e3, kappa(X D) 6.7).
template <class Ctx, class T>
bool cholesky_reaches(const Ctx& ctx, DenseView<T> G, double limit) {
  const index_t k = G.cols;
  std::vector<double> norm_sq(static_cast<std::size_t>(k)), diag(static_cast<std::size_t>(k));
  ctx.diagonal(DenseView<const T>(G), norm_sq.data());
  if (ctx.cholesky_upper(G) != 0) return false;
  ctx.diagonal(DenseView<const T>(G), diag.data());
  double dmax = 0.0, dmin = std::numeric_limits<double>::infinity();
  for (index_t j = 0; j < k; ++j) {
    // Norms far below T's normal range would lose bits in the solve, and an
    // overflowed Gram (Inf/NaN) says nothing: refuse both.
    if (!(norm_sq[j] > static_cast<double>(std::numeric_limits<T>::min()) / std::numeric_limits<T>::epsilon()) ||
        !std::isfinite(norm_sq[j]) || !std::isfinite(diag[j]))
      return false;
    const double d = std::fabs(diag[j]) / std::sqrt(norm_sq[j]);
    dmax = std::max(dmax, d);
    dmin = std::min(dmin, d);
  }
  return dmin > 0.0 && dmax / dmin < limit;
}

// Replaces the m x k block X (m >= k) by an orthonormal basis of its range.
//
// CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto 2014): two rounds
// of G = X^T X, G = R^T R, X = X R^{-1}, all BLAS-3. It is as accurate as
// Householder QR while kappa(X) < eps^{-1/2} (estimated from R's diagonal).
// Beyond that a first round with the shift s = 11 (m k + k (k+1)) u ||X||^2
// (shifted CholeskyQR3, Fukaya, Nakatsukasa, Yanagisawa & Yamamoto 2020)
// brings kappa down to ~u^{-1/2} for the two rounds that follow; where it
// does not (float32 with large m), an SVQB step does. Float32 blocks try a
// round in float64 first (float64_round below). Only an all-zero block
// (nothing to orthonormalise) goes to Householder QR.
// One SVQB step (Stathopoulos & Wu, SIAM J. Sci. Comput. 2002): with
// X^T X = V diag(w) V^T, X <- X V diag(w)^{-1/2}, eigenvalues clamped at
// u w_max. Never fails; leaves kappa ~ 1 + u kappa(X)^2, which CholeskyQR2
// then finishes.
template <class Ctx, class T>
void svqb(const Ctx& ctx, DenseView<T> X) {
  const index_t m = X.rows, k = X.cols;
  Matrix<T> G(k, k);
  ctx.gram(DenseView<const T>(X), G.view());
  std::vector<T> w(static_cast<std::size_t>(k));
  ctx.eigh(G.view(), w.data());
  const double wmax = std::max<double>(w[k - 1], 0.0);
  const double floor = wmax * static_cast<double>(std::numeric_limits<T>::epsilon());
  if (!(wmax > 0.0) || !std::isfinite(wmax)) return;  // the caller falls back to Householder
  std::vector<T> d(static_cast<std::size_t>(k));
  for (index_t j = 0; j < k; ++j) d[j] = static_cast<T>(1.0 / std::sqrt(std::max<double>(w[j], floor)));
  ctx.scale_columns(G.view(), d.data());
  Matrix<T> Y(m, k);
  ctx.gemm(T(1), DenseView<const T>(X), DenseView<const T>(G.view()), T(0), Y.view());
  ctx.copy(DenseView<const T>(Y.view()), X);
}

// Float32 X beyond CholeskyQR2's reach: one CholeskyQR round whose Gram
// matrix, Cholesky factor and solve are in float64 (mixed-precision
// CholeskyQR, Yamazaki, Tomov & Dongarra 2015). The Gram matrix of float32
// data is then right to ~u64, so the round leaves kappa ~ 1 + u64 kappa(X)^2
// for one float32 round to finish - where the float32 path needs a shifted
// round or an SVQB eigenproblem and up to three more rounds. Rows go
// through float64 in blocks of at most 2^24 entries (128 MB), so a large X
// costs no float64 copy of itself. False, X untouched, where the float64
// factor is itself beyond CholeskyQR's reach (kappa(X) ~ 1/u32: columns
// dependent at float32's rounding, which SVQB's clamping handles).
// float32_solve (loose bases, below): the float64 factor is rounded to
// float32 and applied in float32 - no float64 pass over X for the solve,
// orthonormal to ~u32 kappa(X) rather than u64 kappa(X)^2.
template <class Ctx>
bool float64_round(const Ctx& ctx, DenseView<float> X, bool float32_solve = false) {
  const index_t m = X.rows, k = X.cols;
  const index_t chunk = std::min(m, std::max<index_t>(k, (index_t(1) << 24) / k));
  Matrix<double> Xd(chunk, k), G(k, k);
  const DenseView<double> xd_all = Xd.view();
  for (index_t i0 = 0; i0 < m; i0 += chunk) {
    const index_t r = std::min(chunk, m - i0);
    const DenseView<double> xd = xd_all.row_block(0, r);
    ctx.convert(DenseView<const float>(X.row_block(i0, r)), xd);
    if (r == m) {  // one chunk: the symmetric product, half gemm's flops (cholesky reads the upper triangle)
      ctx.gram(DenseView<const double>(xd), G.view());
    } else {
      ctx.gemm(1.0, DenseView<const double>(xd).t(), DenseView<const double>(xd), i0 == 0 ? 0.0 : 1.0, G.view());
    }
  }
  // kappa(X D) within float64 CholeskyQR's reach (~3e6).
  if (!cholesky_reaches(ctx, G.view(), cholesky_qr_limit<double>())) return false;
  if (float32_solve) {
    Matrix<float> R(k, k);
    ctx.convert(DenseView<const double>(G.view()), R.view());
    ctx.solve_upper_right(DenseView<const float>(R.view()), X);
    return true;
  }
  for (index_t i0 = 0; i0 < m; i0 += chunk) {
    const index_t r = std::min(chunk, m - i0);
    const DenseView<double> xd = xd_all.row_block(0, r);
    if (i0 > 0 || r < m) ctx.convert(DenseView<const float>(X.row_block(i0, r)), xd);
    ctx.solve_upper_right(DenseView<const double>(G.view()), xd);
    ctx.convert(DenseView<const double>(xd), X.row_block(i0, r));
  }
  return true;
}

// Contexts whose products round far above float32 (the host's bfloat16
// context) may say kLooseBasis: their range finder's blocks then get one
// CholeskyQR round (float32 where R's diagonal puts kappa within
// CholeskyQR2's first-round limit, else the float64 Gram with a float32
// solve), orthonormal to ~1e-3 at worst - the products' own rounding -
// instead of to float32's.
template <class Ctx, class = void>
struct loose_basis : std::false_type {};
template <class Ctx>
struct loose_basis<Ctx, std::void_t<decltype(Ctx::kLooseBasis)>> : std::bool_constant<Ctx::kLooseBasis> {};

template <class Ctx, class T>
void orthonormalize(const Ctx& ctx, DenseView<T> X) {
  const index_t m = X.rows, k = X.cols;
  if (k == 0) return;
  Matrix<T> G(k, k);
  const double u = static_cast<double>(std::numeric_limits<T>::epsilon()) / 2;
  const double limit = cholesky_qr_limit<T>();
  std::vector<double> diag(static_cast<std::size_t>(k));
  if constexpr (loose_basis<Ctx>::value && std::is_same_v<T, float>) {
    ctx.gram(DenseView<const T>(X), G.view());
    if (cholesky_reaches(ctx, G.view(), limit)) {
      ctx.solve_upper_right(DenseView<const T>(G.view()), X);
      return;
    }
    if (float64_round(ctx, X, /*float32_solve=*/true)) return;
  }
  for (int round = 0; round < 3; ++round) {
    ctx.gram(DenseView<const T>(X), G.view());
    if (round == 0) {
      // Decide on the shift from an unshifted attempt's conditioning.
      Matrix<T> H(k, k);
      ctx.copy(DenseView<const T>(G.view()), H.view());
      const bool ok = cholesky_reaches(ctx, G.view(), limit);
      if (ok) {
        ctx.solve_upper_right(DenseView<const T>(G.view()), X);
        round = 1;  // plain CholeskyQR2: one more round
        continue;
      }
      if constexpr (std::is_same_v<T, float>) {
        if (float64_round(ctx, X)) {
          round = 1;  // one float32 round finishes
          continue;
        }
      }
      ctx.diagonal(DenseView<const T>(H.view()), diag.data());
      double trace = 0.0;
      for (index_t j = 0; j < k; ++j) trace += diag[j];
      if (!(trace > 0.0) || !std::isfinite(trace)) {
        // NaN/Inf entries (A's products overflowed, or A holds them and its
        // check was skipped): there is no basis to return - say so rather
        // than hand back an arbitrary one. Finite X whose Gram overflowed,
        // or an all-zero X, goes to Householder.
        if (!ctx.all_finite(DenseView<const T>(X)))
          throw not_converged("orthonormalize: the block holds NaN or Inf (the products with A overflowed, or A "
                              "holds NaN/Inf)");
        ctx.qr_thin(X);
        return;
      }
      const double shift = 11.0 * (static_cast<double>(m) * k + static_cast<double>(k) * (k + 1)) * u * trace;
      ctx.add_to_diagonal(H.view(), static_cast<T>(shift));
      ctx.copy(DenseView<const T>(H.view()), G.view());
    }
    if (ctx.cholesky_upper(G.view()) != 0) {
      // In float32 with m k u ~ 0.1 the shift above is about ||X||^2 itself
      // and barely lowers kappa, so the next round can fail: precondition
      // by SVQB instead, then CholeskyQR2 (Householder only as a last resort:
      // on the GPU it costs more than all the other steps together).
      svqb(ctx, X);
      for (int r = 0; r < 2; ++r) {
        ctx.gram(DenseView<const T>(X), G.view());
        if (ctx.cholesky_upper(G.view()) != 0) {
          ctx.qr_thin(X);
          return;
        }
        ctx.solve_upper_right(DenseView<const T>(G.view()), X);
      }
      return;
    }
    ctx.solve_upper_right(DenseView<const T>(G.view()), X);
  }
}

// X -= B (B^T X) twice ("twice is enough", Giraud et al. 2005), then an
// orthonormal basis of what is left; one more projection guards the case
// where little is left and normalising amplified the remaining overlap.
template <class Ctx, class T>
void orthonormalize_against(const Ctx& ctx, DenseView<const T> B, DenseView<T> X) {
  if (B.cols > 0) {
    Matrix<T> C(B.cols, X.cols);
    for (int pass = 0; pass < 2; ++pass) {
      ctx.gemm(T(1), B.t(), DenseView<const T>(X), T(0), C.view());
      ctx.gemm(T(-1), B, DenseView<const T>(C.view()), T(1), X);
    }
    orthonormalize(ctx, X);
    ctx.gemm(T(1), B.t(), DenseView<const T>(X), T(0), C.view());
    ctx.gemm(T(-1), B, DenseView<const T>(C.view()), T(1), X);
  }
  orthonormalize(ctx, X);
}

}  // namespace linalg::lowrank
