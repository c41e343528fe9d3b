// Randomized subspace iteration on the row side (Halko, Martinsson & Tropp
// 2011, Alg. 4.4, applied to A^T so the basis lives in the smaller
// dimension): Z <- orth((A^T A)^q Omega), then Y = A Z.
//
// Each power step is one fused read of A (W = A^T (A Z)), re-orthonormalised
// every time. Forming A^T A Z squares the spread of singular values, which
// loses directions below sqrt(eps) * sigma_1 relative size; when the sketch
// shows target directions that small (lambda_k / lambda_1 < 10 eps of the
// projected Gram matrix) the iteration switches to separate products with
// an orthonormalisation between them.
#pragma once
#include <cmath>
#include <limits>

#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/rng/draws.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::lowrank {

struct SubspaceOptions {
  index_t rank = 0;       // k, the rank the caller will keep
  index_t size = 0;       // l = k + oversampling
  int power_iters = -1;   // q; -1: adaptive (see below)
  int max_power_iters = 12;
  double energy_rtol = 0.01;  // adaptive stop, see rsvd.hpp
  double frob_sq = -1.0;      // ||A||_F^2 when known (adaptive mode needs it)
};

struct SubspaceReport {
  int power_iters = 0;
  bool fused = true;
  double captured = 0.0;  // energy of the rank-k truncation, when computed
};

template <class Ctx, class T>
RowBasis<T> subspace_iteration(const Ctx& ctx, const Operator<T>& A, const sketch::TestMatrix& tm,
                               const SubspaceOptions& opt, PassCount& count, SubspaceReport& rep,
                               double nnz, const Progress& progress = nullptr) {
  const index_t m = A.rows(), n = A.cols(), l = opt.size, k = opt.rank;
  const double fpc = flops_per_column(A, nnz);
  const bool adaptive = opt.power_iters < 0;
  const int qmax = adaptive ? opt.max_power_iters : opt.power_iters;
  const double eps = std::numeric_limits<T>::epsilon();

  RowBasis<T> b;
  b.size = l;
  b.Z = Matrix<T>(n, l);
  b.Y = Matrix<T>(m, l);
  Matrix<T> W(n, l), G(l, l);
  sketch::draw(ctx, tm, rng::kRangeSketch, 0, b.Z.view());
  orthonormalize(ctx, b.Z.view());

  bool y_current = false;  // does Y hold A Z for the current Z?
  double prev = -1.0;
  rep.fused = true;
  int q = 0;
  for (; q < qmax; ++q) {
    if (progress) progress(q + 1, adaptive ? 0 : qmax, "power iteration");
    if (rep.fused) {
      A.apply_gram(ctx, DenseView<const T>(b.Z.view()), b.Y.view(), W.view());
      count.add(2 * fpc, l);
      // Z^T A^T A Z: its top-k eigenvalues are the energy A Z Z^T keeps.
      ctx.gemm(T(1), DenseView<const T>(b.Z.view()).t(), DenseView<const T>(W.view()), T(0), G.view());
      std::vector<T> w(static_cast<std::size_t>(l));
      ctx.eigh(G.view(), w.data());
      double cap = 0.0;
      for (index_t i = 0; i < std::min(k, l); ++i) cap += std::max<double>(0.0, w[l - 1 - i]);
      const double lam1 = std::max<double>(w[l - 1], 0.0), lamk = std::max<double>(w[l - std::min(k, l)], 0.0);
      if (q == 0 && lamk < 10.0 * eps * lam1) rep.fused = false;
      rep.captured = cap;
      if (adaptive && prev >= 0.0 && opt.frob_sq > 0.0 &&
          cap - prev <= opt.energy_rtol * std::max(0.0, opt.frob_sq - cap)) {
        y_current = true;  // Y = A Z for this Z: stop without another pass
        break;
      }
      prev = cap;
      ctx.copy(DenseView<const T>(W.view()), b.Z.view());
      orthonormalize(ctx, b.Z.view());
    } else {
      A.apply(ctx, DenseView<const T>(b.Z.view()), b.Y.view());
      orthonormalize(ctx, b.Y.view());
      A.apply_t(ctx, DenseView<const T>(b.Y.view()), W.view());
      count.add(2 * fpc, l, 2);
      // W = A^T Q with Q orthonormal: ||W||^2 spectrum is what Q Q^T A keeps.
      ctx.gram(DenseView<const T>(W.view()), G.view());
      for (index_t j = 0; j < l; ++j)
        for (index_t i = j + 1; i < l; ++i) G.data()[i + j * l] = G.data()[j + i * l];
      const double cap = top_energy(ctx, G.view(), k);
      rep.captured = cap;
      ctx.copy(DenseView<const T>(W.view()), b.Z.view());
      orthonormalize(ctx, b.Z.view());
      if (adaptive && prev >= 0.0 && opt.frob_sq > 0.0 &&
          cap - prev <= opt.energy_rtol * std::max(0.0, opt.frob_sq - cap)) {
        ++q;
        break;
      }
      prev = cap;
    }
  }
  rep.power_iters = q;
  if (!y_current) {
    A.apply(ctx, DenseView<const T>(b.Z.view()), b.Y.view());
    count.add(fpc, l);
  }
  return b;
}

}  // namespace linalg::lowrank
