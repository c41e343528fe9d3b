// A-posteriori error estimation with Gaussian probes, one pass over A.
// For E = A - U diag(S) V^T and standard Gaussian g, E||E g||^2 = ||E||_F^2,
// so the mean over r probes estimates ||E||_F^2 with relative standard
// deviation at most sqrt(2 / r). Halko, Martinsson & Tropp 2011, eq. (4.3):
// ||E||_2 <= 10 sqrt(2/pi) max_i ||E g_i|| with probability >= 1 - 10^-r.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "linalg/lowrank/operator.hpp"
#include "linalg/rng/draws.hpp"

namespace linalg::lowrank {

struct ErrorEstimate {
  double frobenius = 0.0;       // estimate of ||E||_F
  double spectral_bound = 0.0;  // probabilistic upper bound on ||E||_2
  double frob_norm_a = 0.0;     // ||A||_F, for the relative error
  int probes = 0;
};

template <class Ctx, class T>
ErrorEstimate estimate_error(const Ctx& ctx, const Operator<T>& A, DenseView<const T> U, const T* S,
                             DenseView<const T> Vt, int probes, std::uint64_t seed) {
  const index_t m = A.rows(), n = A.cols(), k = U.cols;
  require(probes >= 1, "estimate_error: probes must be >= 1");
  require(U.rows == m && Vt.cols == n && Vt.rows == k, "estimate_error: factor shapes do not match A");
  Matrix<T> G(n, probes), E(m, probes), C(k, probes);
  ctx.fill_gaussian(G.view(), seed, rng::kErrorProbe);
  A.apply(ctx, DenseView<const T>(G.view()), E.view());
  ctx.gemm(T(1), Vt, DenseView<const T>(G.view()), T(0), C.view());
  ctx.scale_rows(C.view(), S);  // C = diag(S) V^T G
  ctx.gemm(T(-1), U, DenseView<const T>(C.view()), T(1), E.view());
  std::vector<double> norms(static_cast<std::size_t>(probes));
  ctx.column_norms_sq(DenseView<const T>(E.view()), norms.data());
  ErrorEstimate out;
  double mean = 0.0, mx = 0.0;
  for (double v : norms) {
    mean += v;
    mx = std::max(mx, v);
  }
  out.frobenius = std::sqrt(mean / probes);
  out.spectral_bound = 10.0 * std::sqrt(2.0 / 3.141592653589793) * std::sqrt(mx);
  out.frob_norm_a = std::sqrt(A.frobenius_sq(ctx));
  out.probes = probes;
  return out;
}

}  // namespace linalg::lowrank
