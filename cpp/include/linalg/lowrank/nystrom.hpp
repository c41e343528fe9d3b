// Randomized Nyström approximation of a symmetric PSD A (n x n):
// A ~ U diag(lam) U^T with U orthonormal (n x k), lam descending.
//
// Stable form (Tropp, Yurtsever, Udell & Cevher 2017, "Fixed-rank
// approximation of a positive-semidefinite matrix from streaming data",
// Alg. 3): for an orthonormal test matrix Omega (n x l) and Y = A Omega,
//   nu = sqrt(n) u ||Y||_F            (u: unit roundoff; ||Y||_F >= ||Y||_2)
//   Y_nu = Y + nu Omega,  B = Omega^T Y_nu = R^T R  (Cholesky)
//   F = Y_nu R^{-1} = U_F Sigma V_F^T, lam = max(0, Sigma^2 - nu).
// Then U diag(lam) U^T = A Omega (Omega^T A Omega)^+ Omega^T A up to the
// shift, and 0 <= A_hat <= A in the Loewner order.
// Power steps replace Omega by orth(A^q Omega) (Halko, Martinsson & Tropp
// 2011, sec. 4.5), one more product each.
//
// Fixed accuracy (tol > 0; Frangella, Tropp & Udell 2023, "Randomized
// Nyström preconditioning", Alg. 5.4): the sketch doubles (earlier products
// are kept: the new block is orthonormalised against the old one) until a
// randomized power estimate of ||A - A_hat||_2 (A - A_hat is PSD, so the
// power method approaches it from below) is at most tol * lam_1 / 2; the
// answer keeps the eigenpairs above tol * lam_1 / 2.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/lowrank/svd_from_basis.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::lowrank {

// Philox streams of this file (draws.hpp keeps 1-3 for the range finders).
constexpr std::uint32_t kNystromSketch = 16;
constexpr std::uint32_t kNystromProbe = 17;

struct NystromOptions {
  index_t rank = 0;        // k; with tol > 0 the largest rank allowed (0: n)
  index_t oversample = 10;
  int power_iters = 0;
  double tol = 0.0;        // > 0: fixed accuracy, relative spectral error
  int error_iters = 10;    // power steps of the error estimator
  index_t block = 32;      // first sketch size in fixed-accuracy mode
  sketch::TestMatrix test_matrix;
};

struct NystromReport {
  index_t sketch_size = 0;
  index_t rank = 0;
  int passes = 0;
  double shift = 0.0;
  double error_estimate = -1.0;  // fixed accuracy: estimate of ||A - A_hat||_2
  bool converged = true;
  double asymmetry = 0.0;        // ||B - B^T||_F / (sqrt(l) ||Y||_F), B = Omega^T A Omega
};

template <class T>
struct EighFactors {
  std::vector<T> w;  // k, descending, >= 0
  Matrix<T> V;       // n x k, orthonormal
};

// The whole Nyström eigendecomposition from an orthonormal Omega and
// Y = A Omega (l columns each): all l pairs. Y is consumed.
template <class Ctx, class T>
EighFactors<T> nystrom_from_sketch(const Ctx& ctx, DenseView<const T> Omega, DenseView<T> Y, NystromReport& rep) {
  const index_t n = Y.rows, l = Y.cols;
  const double u = static_cast<double>(std::numeric_limits<T>::epsilon()) / 2;
  const double normY = std::sqrt(ctx.frobenius_sq(DenseView<const T>(Y)));
  EighFactors<T> out;
  out.V = Matrix<T>(n, l);
  if (!(normY > 0.0)) {  // A Omega = 0: the approximation is zero
    out.w.assign(static_cast<std::size_t>(l), T(0));
    ctx.copy(Omega, out.V.view());
    return out;
  }
  const double nu = std::sqrt(static_cast<double>(n)) * u * normY;
  rep.shift = nu;
  ctx.add_scaled(static_cast<T>(nu), Omega, Y);
  Matrix<T> B(l, l);
  ctx.gemm(T(1), Omega.t(), DenseView<const T>(Y), T(0), B.view());
  // A symmetric A gives a symmetric B up to rounding of the products, whose
  // size is about sqrt(n) u per entry of Omega^T and A Omega; a
  // non-symmetric A gives Omega^T (A - A^T) Omega != 0 almost surely.
  // B is l x l: checked and symmetrised in a host copy (B may be device memory).
  std::vector<T> bh(static_cast<std::size_t>(l * l));
  ctx.to_host(DenseView<const T>(B.view()), bh.data());
  T* b = bh.data();
  double asym = 0.0;
  for (index_t j = 0; j < l; ++j)
    for (index_t i = 0; i < j; ++i) {
      const double d = static_cast<double>(b[i + j * l]) - b[j + i * l];
      asym += 2 * d * d;
    }
  asym = std::sqrt(asym) / (std::sqrt(static_cast<double>(l)) * normY);
  rep.asymmetry = asym;
  const double limit = 100.0 * std::sqrt(static_cast<double>(n)) * u;
  if (asym > limit)
    throw invalid_argument("nystrom: A is not symmetric (relative asymmetry of the sketch Omega^T A Omega is " +
                           std::to_string(asym) + " > " + std::to_string(limit) + ")");
  for (index_t j = 0; j < l; ++j)
    for (index_t i = 0; i < j; ++i) b[i + j * l] = static_cast<T>(0.5 * (static_cast<double>(b[i + j * l]) + b[j + i * l]));
  ctx.from_host(b, B.view());
  if (ctx.cholesky_upper(B.view()) != 0)
    throw invalid_argument(
        "nystrom: A is not positive semidefinite (Omega^T A Omega + nu I has a negative eigenvalue beyond the "
        "stabilising shift nu = " + std::to_string(nu) + ")");
  ctx.solve_upper_right(DenseView<const T>(B.view()), Y);
  Matrix<T> Q, Ux, Vxt;
  std::vector<T> sv;
  tall_svd(ctx, DenseView<const T>(Y), Q, Ux, sv, Vxt);
  ctx.gemm(T(1), DenseView<const T>(Q.view()), DenseView<const T>(Ux.view()), T(0), out.V.view());
  out.w.resize(static_cast<std::size_t>(l));
  for (index_t j = 0; j < l; ++j) {
    const double s = static_cast<double>(sv[j]);
    out.w[j] = static_cast<T>(std::max(0.0, s * s - nu));
  }
  return out;
}

// Keeps the first k pairs.
template <class Ctx, class T>
EighFactors<T> truncate_eigh(const Ctx& ctx, EighFactors<T>&& f, index_t k) {
  if (k >= static_cast<index_t>(f.w.size())) return std::move(f);
  EighFactors<T> out;
  out.w.assign(f.w.begin(), f.w.begin() + k);
  out.V = Matrix<T>(f.V.rows(), k);
  ctx.copy(DenseView<const T>(f.V.view()).col_block(0, k), out.V.view());
  return out;
}

// Randomized estimate of ||A - V diag(w) V^T||_2 by block power iteration
// on the PSD error with `probes` columns; a lower estimate that converges
// from below.
template <class Ctx, class T>
double nystrom_error_estimate(const Ctx& ctx, const Operator<T>& A, const EighFactors<T>& f, int iters,
                              std::uint64_t seed, std::uint32_t round, PassCount& count, double fpc) {
  const index_t n = A.rows(), k = static_cast<index_t>(f.w.size()), p = 4;
  Matrix<T> X(n, p), Z(n, p), C(k, p);
  ctx.fill_gaussian(X.view(), seed, kNystromProbe, 0, static_cast<index_t>(round) * p);
  orthonormalize(ctx, X.view());
  double est = 0.0;
  for (int it = 0; it < iters; ++it) {
    A.apply(ctx, DenseView<const T>(X.view()), Z.view());
    count.add(fpc, p);
    ctx.gemm(T(1), DenseView<const T>(f.V.view()).t(), DenseView<const T>(X.view()), T(0), C.view());
    ctx.scale_columns(C.view().t(), f.w.data());  // C = diag(w) V^T X
    ctx.gemm(T(-1), DenseView<const T>(f.V.view()), DenseView<const T>(C.view()), T(1), Z.view());
    std::vector<double> nrm(static_cast<std::size_t>(p));
    ctx.column_norms_sq(DenseView<const T>(Z.view()), nrm.data());
    est = 0.0;
    for (double v : nrm) est = std::max(est, std::sqrt(v));  // ||E x|| for unit x
    if (!(est > 0.0)) return 0.0;
    ctx.copy(DenseView<const T>(Z.view()), X.view());
    orthonormalize(ctx, X.view());
  }
  return est;
}

// `omega` (n x l, optional: data == nullptr for none) replaces the drawn
// test matrix in fixed-rank mode; only its range matters.
template <class Ctx, class T>
EighFactors<T> nystrom(const Ctx& ctx, const Operator<T>& A, const NystromOptions& o, NystromReport& rep,
                       double nnz, DenseView<const T> omega = {}) {
  const index_t n = A.rows();
  require(n > 0 && A.cols() == n, "nystrom: A must be square and non-empty");
  require(o.oversample >= 0, "nystrom: oversample must be >= 0");
  require(o.power_iters >= 0, "nystrom: power_iters must be >= 0");
  require(o.tol > 0 || (o.rank >= 1 && o.rank <= n), "nystrom: rank must be in [1, n]");
  require(o.tol == 0 || (o.tol > 0 && o.tol < 1), "nystrom: tol must be in (0, 1)");
  const double fpc = flops_per_column(A, nnz);
  PassCount count;

  // Omega = orth(A^q G) for a Gaussian (or sparse sign) G with `cols`
  // columns, drawn as block `blk`, orthonormalised against `prev`.
  auto sketch_block = [&](DenseView<const T> prev, DenseView<T> Om, DenseView<T> Y, std::uint32_t blk) {
    if (omega.data) ctx.copy(omega, Om);
    else sketch::draw(ctx, o.test_matrix, kNystromSketch, blk, Om);
    orthonormalize_against(ctx, prev, Om);
    for (int i = 0; i < o.power_iters; ++i) {
      A.apply(ctx, DenseView<const T>(Om), Y);
      count.add(fpc, Om.cols);
      ctx.copy(DenseView<const T>(Y), Om);
      orthonormalize_against(ctx, prev, Om);
    }
    A.apply(ctx, DenseView<const T>(Om), Y);
    count.add(fpc, Om.cols);
  };

  if (omega.data) {
    require(o.tol == 0, "nystrom: a given test matrix needs a fixed rank (no tol)");
    require(omega.rows == n && omega.cols >= o.rank && omega.cols <= n,
            "nystrom: the test matrix must be n x l with rank <= l <= n");
  }
  if (o.tol == 0) {
    const index_t l = omega.data ? omega.cols : std::min(n, o.rank + o.oversample);
    Matrix<T> Om(n, l), Y(n, l);
    sketch_block(DenseView<const T>{nullptr, n, 0, n, false}, Om.view(), Y.view(), 0);
    EighFactors<T> f = nystrom_from_sketch(ctx, DenseView<const T>(Om.view()), Y.view(), rep);
    rep.sketch_size = l;
    rep.rank = o.rank;
    rep.passes = count.passes;
    return truncate_eigh(ctx, std::move(f), o.rank);
  }

  // Fixed accuracy: sketch sizes b, 2b, 4b, ... capped at min(n, kmax + p).
  const index_t kmax = o.rank > 0 ? o.rank : n;
  const index_t cap = std::min(n, kmax + o.oversample);
  index_t l = 0, want = std::min(cap, std::max<index_t>(1, o.block));
  Matrix<T> Om, Y;
  EighFactors<T> f;
  std::uint32_t round = 0;
  double est = 0.0, thresh = 0.0;
  for (;; ++round) {
    // Grow the stored Omega and Y to `want` columns (copy, then add a block).
    Matrix<T> Om2(n, want), Y2(n, want);
    if (l > 0) {
      ctx.copy(DenseView<const T>(Om.view()), Om2.view().col_block(0, l));
      ctx.copy(DenseView<const T>(Y.view()), Y2.view().col_block(0, l));
    }
    Om = std::move(Om2);
    Y = std::move(Y2);
    sketch_block(DenseView<const T>(Om.view()).col_block(0, l), Om.view().col_block(l, want - l),
                 Y.view().col_block(l, want - l), round);
    l = want;
    Matrix<T> Yc(n, l);
    ctx.copy(DenseView<const T>(Y.view()), Yc.view());
    f = nystrom_from_sketch(ctx, DenseView<const T>(Om.view()), Yc.view(), rep);
    est = nystrom_error_estimate(ctx, A, f, o.error_iters, o.test_matrix.seed, round, count, fpc);
    thresh = 0.5 * o.tol * static_cast<double>(f.w[0]);
    if (est <= thresh) break;
    if (l >= cap) {
      rep.converged = false;
      break;
    }
    want = std::min(cap, 2 * l);
  }
  index_t r = 0;
  const index_t rmax = std::min<index_t>(kmax, l);
  while (r < rmax && static_cast<double>(f.w[r]) > thresh) ++r;
  r = std::max<index_t>(r, 1);
  rep.error_estimate = est + (r < l ? static_cast<double>(f.w[r]) : 0.0);
  rep.sketch_size = l;
  rep.rank = r;
  rep.passes = count.passes;
  return truncate_eigh(ctx, std::move(f), r);
}

}  // namespace linalg::lowrank
