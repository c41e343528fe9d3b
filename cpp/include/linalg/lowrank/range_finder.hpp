// The range finder on its own: an orthonormal Q (m x l) with A ~ Q Q^T A,
// by randomized subspace iteration with an orthonormalisation after every
// product (Halko, Martinsson & Tropp 2011, Alg. 4.4):
// Q = orth(A Omega); q times: Z = orth(A^T Q), Q = orth(A Z).
#pragma once
#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/rng/draws.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::lowrank {

template <class Ctx, class T>
Matrix<T> range_finder(const Ctx& ctx, const Operator<T>& A, index_t size, int power_iters,
                       const sketch::TestMatrix& tm, double nnz, PassCount& count) {
  const index_t m = A.rows(), n = A.cols();
  require(size >= 1 && size <= std::min(m, n), "range_finder: size must be in [1, min(m, n)]");
  require(power_iters >= 0, "range_finder: power_iters must be >= 0");
  const double fpc = flops_per_column(A, nnz);
  Matrix<T> Omega(n, size), Q(m, size);
  sketch::draw(ctx, tm, rng::kRangeSketch, 0, Omega.view());
  A.apply(ctx, DenseView<const T>(Omega.view()), Q.view());
  count.add(fpc, size);
  orthonormalize(ctx, Q.view());
  for (int i = 0; i < power_iters; ++i) {
    A.apply_t(ctx, DenseView<const T>(Q.view()), Omega.view());
    orthonormalize(ctx, Omega.view());
    A.apply(ctx, DenseView<const T>(Omega.view()), Q.view());
    orthonormalize(ctx, Q.view());
    count.add(2 * fpc, size, 2);
  }
  return Q;
}

}  // namespace linalg::lowrank
