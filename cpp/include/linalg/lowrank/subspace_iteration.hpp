// Randomized subspace iteration (Halko, Martinsson & Tropp 2011, Alg. 4.4),
// organised around paired products: with Z_0 = orth(Omega) and, for
// i = 0..q, Y_i = A Z_i and W_i = A^T Y_i; between
// reads Z_{i+1} = orth(W_i). The last pair (Y_q, W_q) is the answer:
// range(Y_q) = range(A (A^T A)^q Omega) exactly as in HMT with q power
// steps, and W_q gives Q^T A without another pass (svd_from_basis.hpp).
// So q power steps cost 2q + 2 products and one orthonormalisation each,
// on the small side.
//
// Forming A^T (A Z) in one go squares the spread of singular values and
// loses directions below sqrt(eps) sigma_1 (eps of the products). When the projected Gram matrix
// Z^T A^T A Z of the first read shows the target rank that small
// (lambda_k < 10 eps lambda_1), the iteration switches to separate
// products with an orthonormalisation between them, as HMT prescribe.
// Products coarser than float32's (TF32, float16: eps ~ 1e-3) start with
// separate steps: fused, they would resolve only sigma_k > 0.1 sigma_1.
//
// A is any operator with rows(), cols(), is_dense(), apply, apply_t and
// apply_gram (lowrank::Operator; cuda::HalfOperator).
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
  int power_iters = -1;   // q; -1: adaptive (see rsvd.hpp)
  int max_power_iters = 12;
  double energy_rtol = 0.1;
  double frob_sq = -1.0;  // ||A||_F^2, needed by the adaptive mode
};

struct SubspaceReport {
  int power_iters = 0;
  bool fused = true;
};

template <class Ctx, class Op, class T = typename Op::value_type>
RowBasis<T> subspace_iteration(const Ctx& ctx, const Op& A, const sketch::TestMatrix& tm,
                               const SubspaceOptions& opt, PassCount& count, SubspaceReport& rep,
                               double nnz, const Progress& progress = nullptr) {
  const index_t m = A.rows(), n = A.cols(), l = opt.size, k = opt.rank;
  const double fpc = flops_per_column(A, nnz);
  const bool adaptive = opt.power_iters < 0;
  const int qmax = adaptive ? opt.max_power_iters : opt.power_iters;
  // The precision of the context's products (TF32 on the CUDA context's
  // fast mode is far coarser than float32's epsilon).
  const double eps = ctx.template product_epsilon<T>();

  RowBasis<T> b;
  b.size = l;
  b.Y = Matrix<T>(m, l);
  b.W = Matrix<T>(n, l);
  Matrix<T> Z(n, l), G(l, l);
  sketch::draw(ctx, tm, rng::kRangeSketch, 0, Z.view());
  rep.fused = !(eps > 1e-5);
  // The fused first step reads energies off Z^T A^T A Z, which needs an
  // orthonormal Z; separate steps orthonormalise A Z itself, and a Gaussian
  // Omega is well conditioned anyway (HMT 2011, Alg. 4.4 takes it as is).
  if (rep.fused) orthonormalize(ctx, Z.view());

  EnergyStop stop(opt.frob_sq, opt.energy_rtol);
  int q = 0;
  for (;; ++q) {
    if (progress) progress(q + 1, adaptive ? 0 : qmax + 1, "pass over A");
    double cap = 0.0, ratio = 1.0;
    if (rep.fused) {
      A.apply_gram(ctx, DenseView<const T>(Z.view()), b.Y.view(), b.W.view());
      count.add(2 * fpc, l, 2);
      // Z^T A^T A Z: its top-k eigenvalues are the energy A Z Z^T keeps.
      // With q fixed only the first step needs them (to choose fused or
      // separate products); svd_from_basis gives the final energy exactly.
      if (adaptive || q == 0) {
        ctx.gemm(T(1), DenseView<const T>(Z.view()).t(), DenseView<const T>(b.W.view()), T(0), G.view());
        cap = top_energy(ctx, G.view(), k, &ratio);
        if (q == 0 && ratio < 10.0 * eps) rep.fused = false;
      }
    }
    if (!rep.fused) {  // separate products, orthonormalised in between
      A.apply(ctx, DenseView<const T>(Z.view()), b.Y.view());
      orthonormalize(ctx, b.Y.view());
      A.apply_t(ctx, DenseView<const T>(b.Y.view()), b.W.view());
      count.add(2 * fpc, l, 2);
      // With q fixed only the last step's energy is reported: skip the
      // small eigenproblem before.
      if (adaptive || q >= qmax) {
        ctx.gram(DenseView<const T>(b.W.view()), G.view());  // W^T W = Q^T A A^T Q
        cap = top_energy(ctx, G.view(), k, &ratio, &b.ritz_values, /*vectors=*/true);  // b.ritz below
      }
    }
    const bool done = adaptive ? (stop.converged(cap) || q >= qmax) : q >= qmax;
    if (done) break;
    ctx.copy(DenseView<const T>(b.W.view()), Z.view());
    orthonormalize(ctx, Z.view());
  }
  rep.power_iters = q;
  b.y_orthonormal = !rep.fused;
  if (!rep.fused) b.ritz = std::move(G);
  return b;
}

}  // namespace linalg::lowrank
