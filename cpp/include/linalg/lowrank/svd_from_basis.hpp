// The truncated SVD of Q Q^T A, Q = orth(Y), given Y and W = A^T Y.
//
// Y = Qy U_r diag(s_r) V_r^T (orthonormalise, small SVD). Directions with
// s_r below sqrt(eps) s_r[0] would divide rounding errors of W by a tiny
// number, so their columns of C = A^T Q are computed directly (one extra
// product with only those columns; none on well-conditioned problems, and
// exact-rank inputs stay exact). Elsewhere Q = Qy U_r and
// C = A^T Q = W V_r diag(1/s_r); then C = Q2 R2, R2 = U2 S V2^T gives
// Q Q^T A = (Q V2) S (Q2 U2)^T. Cost O(m s^2 + n s^2) for s columns.
#pragma once
#include <cmath>
#include <limits>
#include <utility>
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

// Thin SVD of the tall X (rows x s) as X = Qx Ux diag(sv) Vxt, consuming X
// (its storage becomes Qx: no copy of a block that can be hundreds of MB);
// Ux and Vxt are s x s; Qx Ux has orthonormal columns (Qx itself may be
// orthonormal only to ~u kappa(X)^2: every caller uses it through Qx Ux).
// Where plain CholeskyQR reaches (kappa(X) < ~0.05 u^{-1/2}) this is
// CholeskyQR2 with its second round folded into the small factors: Q1 =
// X R1^{-1}, Q1^T Q1 = R2^T R2, R = R2 R1 = Ur S Vr^T, Ux = R2^{-1} Ur - one
// tall solve and one Gram fewer than orthonormalising and then forming
// R = Q^T X (4 m s^2 flops of the 8, ~15 % of a float64 rsvd's exact pass).
// Elsewhere Qx = orth(X) and R = Qx^T X (from a copy kept for it).
template <class Ctx, class T>
void tall_svd(const Ctx& ctx, Matrix<T>&& X, Matrix<T>& Qx, Matrix<T>& Ux, std::vector<T>& sv, Matrix<T>& Vxt) {
  const index_t s = X.cols();
  Qx = std::move(X);
  Ux = Matrix<T>(s, s);
  Vxt = Matrix<T>(s, s);
  sv.assign(static_cast<std::size_t>(s), T(0));
  Matrix<T> R(s, s), R1(s, s), R2(s, s);
  auto zero_lower = [&](Matrix<T>& f) {  // a factor's strictly lower part holds the Gram's
    std::vector<T> h(static_cast<std::size_t>(s * s));
    ctx.to_host(DenseView<const T>(f.view()), h.data());
    for (index_t j = 0; j < s; ++j)
      for (index_t i = j + 1; i < s; ++i) h[i + j * s] = T(0);
    ctx.from_host(h.data(), f.view());
  };
  ctx.gram(DenseView<const T>(Qx.view()), R1.view());
  if (s > 0 && cholesky_reaches(ctx, R1.view(), cholesky_qr_limit<T>())) {
    ctx.solve_upper_right(DenseView<const T>(R1.view()), Qx.view());
    ctx.gram(DenseView<const T>(Qx.view()), R2.view());
    zero_lower(R1);
    // After one round kappa(Q1) ~ 1 + u kappa(X)^2: R2 is close to I.
    if (cholesky_reaches(ctx, R2.view(), 2.0)) {
      zero_lower(R2);
      ctx.gemm(T(1), DenseView<const T>(R2.view()), DenseView<const T>(R1.view()), T(0), R.view());
      ctx.svd(R.view(), sv.data(), Ux.view(), Vxt.view());
      ctx.solve_upper_left(DenseView<const T>(R2.view()), Ux.view());
      return;
    }
    // (not seen: CholeskyQR's first round reached) X = Q1 R1, Q1 = Qx R2'
    // for Qx = orth(Q1): R = (Qx^T Q1) R1.
    Matrix<T> Q1(Qx.rows(), s);
    ctx.copy(DenseView<const T>(Qx.view()), Q1.view());
    orthonormalize(ctx, Qx.view());
    ctx.gemm(T(1), DenseView<const T>(Qx.view()).t(), DenseView<const T>(Q1.view()), T(0), R2.view());
    ctx.gemm(T(1), DenseView<const T>(R2.view()), DenseView<const T>(R1.view()), T(0), R.view());
  } else {
    Matrix<T> Xc(Qx.rows(), s);
    ctx.copy(DenseView<const T>(Qx.view()), Xc.view());
    orthonormalize(ctx, Qx.view());
    ctx.gemm(T(1), DenseView<const T>(Qx.view()).t(), DenseView<const T>(Xc.view()), T(0), R.view());
  }
  ctx.svd(R.view(), sv.data(), Ux.view(), Vxt.view());
}

// As above for an X the caller keeps (copied first).
template <class Ctx, class T>
void tall_svd(const Ctx& ctx, DenseView<const T> X, Matrix<T>& Qx, Matrix<T>& Ux, std::vector<T>& sv,
              Matrix<T>& Vxt) {
  Matrix<T> c(X.rows, X.cols);
  ctx.copy(X, c.view());
  tall_svd(ctx, std::move(c), Qx, Ux, sv, Vxt);
}

// Truncates to k columns (k <= basis size); consumes b.
template <class Ctx, class T>
SvdFactors<T> svd_from_basis(const Ctx& ctx, const Operator<T>& A, RowBasis<T>& b, index_t k, PassCount& count,
                             double nnz) {
  const index_t m = b.Y.rows(), n = b.W.rows();
  // Q = Qy Ur (Ur = I when Y is orthonormal already) is never formed: the
  // m x r product would cost as much as the final U = Q V2 it feeds.
  Matrix<T> Qy, Ur, C;
  index_t r = b.size;
  if (b.y_orthonormal) {
    Qy = std::move(b.Y);
    C = std::move(b.W);
  } else {
    Matrix<T> Vrt;
    std::vector<T> sr;
    tall_svd(ctx, std::move(b.Y), Qy, Ur, sr, Vrt);
    b.Y = Matrix<T>();
    const double cut = std::sqrt(static_cast<double>(std::numeric_limits<T>::epsilon())) * sr[0];
    // C = W V_r diag(1/s_r), V_r = (first r rows of Vrt)^T.
    Matrix<T> V(b.size, r);
    ctx.copy(DenseView<const T>(Vrt.view()).row_block(0, r).t(), V.view());
    std::vector<T> inv(static_cast<std::size_t>(r));
    for (index_t j = 0; j < r; ++j) inv[j] = sr[j] > cut ? T(1) / sr[j] : T(0);  // small ones: see below
    ctx.scale_columns(V.view(), inv.data());
    C = Matrix<T>(n, r);
    ctx.gemm(T(1), DenseView<const T>(b.W.view()), DenseView<const T>(V.view()), T(0), C.view());
    index_t first_small = 0;  // s_r is descending
    while (first_small < r && sr[first_small] > cut) ++first_small;
    if (first_small < r) {
      const index_t nd = r - first_small;
      Matrix<T> Qs(m, nd);  // those columns of Q = Qy Ur
      ctx.gemm(T(1), DenseView<const T>(Qy.view()), DenseView<const T>(Ur.view()).col_block(first_small, nd), T(0),
               Qs.view());
      A.apply_t(ctx, DenseView<const T>(Qs.view()), C.view().col_block(first_small, nd));
      count.add(flops_per_column(A, nnz), nd);
    }
  }
  b.W = Matrix<T>();
  // Q Q^T A = Q C^T, C = Q2 U2 diag(S) V2t  =>  U = Q V2, V = Q2 U2.
  Matrix<T> Q2, U2, V2t;
  std::vector<T> S;
  tall_svd(ctx, std::move(C), Q2, U2, S, V2t);
  k = std::min(k, r);
  SvdFactors<T> out;
  out.S.assign(S.begin(), S.begin() + k);
  out.U = Matrix<T>(m, k);
  const DenseView<const T> V2k = DenseView<const T>(V2t.view()).row_block(0, k).t();
  if (b.y_orthonormal) {
    ctx.gemm(T(1), DenseView<const T>(Qy.view()), V2k, T(0), out.U.view());
  } else {  // U = Qy (Ur V2_k): an r x k product first
    Matrix<T> UrV(r, k);
    ctx.gemm(T(1), DenseView<const T>(Ur.view()), V2k, T(0), UrV.view());
    ctx.gemm(T(1), DenseView<const T>(Qy.view()), DenseView<const T>(UrV.view()), T(0), out.U.view());
  }
  // V^T = (Q2 U2)^T restricted to k: Vt = U2[:, :k]^T Q2^T.
  out.Vt = Matrix<T>(k, n);
  ctx.gemm(T(1), DenseView<const T>(U2.view()).col_block(0, k).t(), DenseView<const T>(Q2.view()).t(), T(0),
           out.Vt.view());
  return out;
}

}  // namespace linalg::lowrank
