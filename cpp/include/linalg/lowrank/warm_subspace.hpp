// Truncated SVD by subspace iteration started from a given row basis
// instead of a fresh Gaussian sketch: the step an iterative method needs
// when it takes the SVD of a slowly changing matrix (EM for weighted
// low-rank approximation, weighted_em.hpp). With Z_0 the previous step's
// right singular basis (l columns, l >= k), q power steps form
// Z_{i+1} = orth(M^T M Z_i); the last paired product (Y, W) = (M Z_q,
// M^T M Z_q) is finished by svd_from_basis (Halko, Martinsson & Tropp 2011,
// Alg. 4.4 and 5.1, with Z_0 in place of Omega).
//
// Guarantee for the caller: the answer of the products with Z_0 itself is
// the best rank-k approximation of M with row space in span(Z_0) or better
// (it is the rank-k truncation of Q Q^T M, Q = orth(M Z_0)), so its energy
// sum_{i<k} s_i^2 is at least that of any rank-k X with row space in
// span(Z_0). When the power-stepped answer keeps less energy than the
// caller's `min_energy`, the Z_0 answer is used instead (kept from the first
// read; no further pass).
#pragma once
#include <algorithm>
#include <vector>

#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/lowrank/svd_from_basis.hpp"
#include "linalg/rng/draws.hpp"

namespace linalg::lowrank {

struct WarmReport {
  double energy = 0.0;    // sum of the k largest s_i^2 of the answer
  bool fell_back = false; // the Z_0 answer was used (see above)
};

// M is oriented (rows >= cols); Z (cols x l, orthonormal) is replaced by the
// answer's l right singular vectors, the start of the next call.
template <class Ctx, class T>
SvdFactors<T> warm_svd_oriented(const Ctx& ctx, const Operator<T>& M, Matrix<T>& Z, index_t k, int q,
                                double min_energy, PassCount& count, WarmReport& rep) {
  const index_t m = M.rows(), n = M.cols(), l = Z.cols();
  require(Z.rows() == n && l >= k && k >= 1, "warm_svd: basis shape does not match");
  const double fpc = flops_per_column(M, 0.0);
  auto energy_of = [k](const SvdFactors<T>& f) {
    double e = 0.0;
    for (index_t i = 0; i < std::min<index_t>(k, static_cast<index_t>(f.S.size())); ++i)
      e += static_cast<double>(f.S[i]) * f.S[i];
    return e;
  };
  RowBasis<T> first;
  first.size = l;
  first.Y = Matrix<T>(m, l);
  first.W = Matrix<T>(n, l);
  M.apply_gram(ctx, DenseView<const T>(Z.view()), first.Y.view(), first.W.view());
  count.add(2 * fpc, l, 2);
  SvdFactors<T> full;
  rep.fell_back = false;
  if (q == 0) {
    full = svd_from_basis(ctx, M, first, l, count, 0.0);
    rep.energy = energy_of(full);
  } else {
    RowBasis<T> b;
    b.size = l;
    b.Y = Matrix<T>(m, l);
    b.W = Matrix<T>(n, l);
    ctx.copy(DenseView<const T>(first.W.view()), Z.view());
    orthonormalize(ctx, Z.view());
    for (int i = 0; i < q; ++i) {
      M.apply_gram(ctx, DenseView<const T>(Z.view()), b.Y.view(), b.W.view());
      count.add(2 * fpc, l, 2);
      if (i + 1 < q) {
        ctx.copy(DenseView<const T>(b.W.view()), Z.view());
        orthonormalize(ctx, Z.view());
      }
    }
    full = svd_from_basis(ctx, M, b, l, count, 0.0);
    rep.energy = energy_of(full);
    if (rep.energy < min_energy) {
      SvdFactors<T> alt = svd_from_basis(ctx, M, first, l, count, 0.0);
      const double e = energy_of(alt);
      rep.fell_back = true;
      if (e > rep.energy) {
        full = std::move(alt);
        rep.energy = e;
      }
    }
  }
  // The next start: all l right singular vectors (orthonormal to rounding;
  // one more orthonormalisation keeps it so over many calls).
  const index_t r = static_cast<index_t>(full.S.size());
  if (r == l) {
    ctx.copy(DenseView<const T>(full.Vt.view()).t(), Z.view());
    orthonormalize(ctx, Z.view());
  }
  const index_t kk = std::min(k, r);
  SvdFactors<T> out;
  out.S.assign(full.S.begin(), full.S.begin() + kk);
  out.U = Matrix<T>(m, kk);
  ctx.copy(DenseView<const T>(full.U.view()).col_block(0, kk), out.U.view());
  out.Vt = Matrix<T>(kk, n);
  ctx.copy(DenseView<const T>(full.Vt.view()).row_block(0, kk), out.Vt.view());
  return out;
}

// Any orientation: Z lives in the smaller dimension, min(m, n) x l.
template <class Ctx, class T>
SvdFactors<T> warm_svd(const Ctx& ctx, const Operator<T>& M, Matrix<T>& Z, index_t k, int q, double min_energy,
                       PassCount& count, WarmReport& rep) {
  if (M.rows() >= M.cols()) return warm_svd_oriented(ctx, M, Z, k, q, min_energy, count, rep);
  SvdFactors<T> f = warm_svd_oriented(ctx, M.t(), Z, k, q, min_energy, count, rep);
  const index_t kk = static_cast<index_t>(f.S.size());
  SvdFactors<T> out;
  out.S = std::move(f.S);
  out.U = Matrix<T>(M.rows(), kk);
  ctx.copy(DenseView<const T>(f.Vt.view()).t(), out.U.view());
  out.Vt = Matrix<T>(kk, M.cols());
  ctx.copy(DenseView<const T>(f.U.view()).t(), out.Vt.view());
  return out;
}

// An orthonormal Gaussian start for warm_svd: min(m, n) x l.
template <class Ctx, class T>
Matrix<T> gaussian_start(const Ctx& ctx, index_t n, index_t l, std::uint64_t seed) {
  Matrix<T> Z(n, l);
  ctx.fill_gaussian(Z.view(), seed, rng::kRangeSketch, 0, 0);
  orthonormalize(ctx, Z.view());
  return Z;
}

}  // namespace linalg::lowrank
