// The truncated SVD of A ~ Y Z^T given a row basis Z (orthonormal) and
// Y = A Z: Y = Q R (orthonormalise), R = U_r S W^T (small SVD), then
// U = Q U_r, V = Z W. Cost O(m s^2 + n s k) for a basis of size s.
#pragma once
#include <vector>

#include "linalg/lowrank/basis.hpp"
#include "linalg/lowrank/orthonormalize.hpp"

namespace linalg::lowrank {

template <class T>
struct SvdFactors {
  Matrix<T> U;        // m x k
  std::vector<T> S;   // k, descending
  Matrix<T> Vt;       // k x n
};

// Truncates to `k` columns (k <= basis size). Y is consumed.
template <class Ctx, class T>
SvdFactors<T> svd_from_basis(const Ctx& ctx, RowBasis<T>& b, index_t k) {
  const index_t m = b.Y.rows(), n = b.Z.rows(), s = b.size;
  Matrix<T> Q(m, s), R(s, s);
  ctx.copy(DenseView<const T>(b.Y.view()), Q.view());
  orthonormalize(ctx, Q.view());
  ctx.gemm(T(1), DenseView<const T>(Q.view()).t(), DenseView<const T>(b.Y.view()), T(0), R.view());
  b.Y = Matrix<T>();  // release m x s before allocating U
  Matrix<T> Ur(s, s), Wt(s, s);
  std::vector<T> sv(static_cast<std::size_t>(s));
  ctx.svd(R.view(), sv.data(), Ur.view(), Wt.view());
  SvdFactors<T> out;
  out.S.assign(sv.begin(), sv.begin() + k);
  out.U = Matrix<T>(m, k);
  ctx.gemm(T(1), DenseView<const T>(Q.view()), DenseView<const T>(Ur.view()).col_block(0, k), T(0), out.U.view());
  // V^T = W^T Z^T, so Vt = (first k rows of Wt) Z^T.
  out.Vt = Matrix<T>(k, n);
  ctx.gemm(T(1), DenseView<const T>(Wt.view()).row_block(0, k), DenseView<const T>(b.Z.view()).t(), T(0), out.Vt.view());
  return out;
}

}  // namespace linalg::lowrank
