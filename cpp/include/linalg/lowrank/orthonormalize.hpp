// Orthonormal bases of tall blocks, the step every range finder repeats.
#pragma once
#include <cmath>
#include <limits>

#include "linalg/core/buffer.hpp"
#include "linalg/core/view.hpp"

namespace linalg::lowrank {

// Replaces the m x k block X (m >= k) by an orthonormal basis of its range.
//
// CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto 2014): two rounds
// of G = X^T X, G = R^T R, X = X R^{-1}. It runs on GEMM-speed BLAS-3 and is
// as accurate as Householder QR while kappa(X) < eps^{-1/2}; we estimate
// kappa from R's diagonal and fall back to Householder QR (geqrf/orgqr)
// beyond that, or when the Cholesky factorisation fails.
template <class Ctx, class T>
void orthonormalize(const Ctx& ctx, DenseView<T> X) {
  const index_t k = X.cols;
  if (k == 0) return;
  Matrix<T> G(k, k);
  const double limit = 0.05 / std::sqrt(static_cast<double>(std::numeric_limits<T>::epsilon()));
  for (int round = 0; round < 2; ++round) {
    ctx.gram(DenseView<const T>(X), G.view());
    bool ok = ctx.cholesky_upper(G.view()) == 0;
    if (ok) {
      double dmax = 0.0, dmin = std::numeric_limits<double>::infinity();
      for (index_t j = 0; j < k; ++j) {  // G is a small host matrix
        double d = std::fabs(static_cast<double>(G.data()[j + j * k]));
        dmax = std::max(dmax, d);
        dmin = std::min(dmin, d);
      }
      ok = dmin > 0.0 && dmax / dmin < limit;
    }
    if (!ok) {
      ctx.qr_thin(X);
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
