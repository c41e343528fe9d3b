// The range finder on its own: an orthonormal Q (m x l) with A ~ Q Q^T A,
// from subspace iteration with q power steps (Halko, Martinsson & Tropp
// 2011, Alg. 4.4 with re-orthonormalisation after every product).
#pragma once
#include "linalg/lowrank/subspace_iteration.hpp"

namespace linalg::lowrank {

template <class Ctx, class T>
Matrix<T> range_finder(const Ctx& ctx, const Operator<T>& A, index_t size, int power_iters,
                       const sketch::TestMatrix& tm, double nnz, PassCount& count) {
  const index_t m = A.rows(), n = A.cols();
  require(size >= 1 && size <= std::min(m, n), "range_finder: size must be in [1, min(m, n)]");
  require(power_iters >= 0, "range_finder: power_iters must be >= 0");
  SubspaceOptions so;
  so.rank = size;
  so.size = size;
  so.power_iters = power_iters;
  SubspaceReport rep;
  if (m < n) {
    // Row basis of A^T = column basis of A.
    RowBasis<T> b = subspace_iteration(ctx, A.t(), tm, so, count, rep, nnz);
    return std::move(b.Z);
  }
  RowBasis<T> b = subspace_iteration(ctx, A, tm, so, count, rep, nnz);
  orthonormalize(ctx, b.Y.view());
  return std::move(b.Y);
}

}  // namespace linalg::lowrank
