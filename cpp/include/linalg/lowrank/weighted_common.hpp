// Shared pieces of the weighted low-rank solvers: options, the report, and
// two small factor manipulations (the SVD of a product L R^T, and writing
// X = L R^T into a dense buffer of any layout).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/lowrank/orthonormalize.hpp"
#include "linalg/lowrank/svd_from_basis.hpp"

namespace linalg::lowrank {

struct WeightedOptions {
  index_t rank = 0;
  index_t oversample = 10;  // EM: basis columns beyond k
  int power_iters = 1;      // EM: power steps per SVD from the previous basis
  int max_iter = 100;
  double tol = 1e-6;        // stop when (f_{t-1} - f_t) <= tol f_{t-1}
  std::uint64_t seed = 0;
};

struct WeightedReport {
  std::string method;
  std::vector<double> history;       // objective f(X_t), t = 0, 1, ...
  std::vector<double> half_history;  // ALS: objective after every half-step
  int iterations = 0;
  bool converged = false;
  int passes = 0;                    // products with the filled matrix (EM)
  int fallbacks = 0;                 // EM: steps finished from the previous basis
  std::int64_t ridged = 0;           // ALS: small solves that needed a ridge
  index_t basis_size = 0;
};

// The thin SVD of L R^T (L m x k, R n x k) through thin QRs of both:
// L = Ql Rl, R = Qr Rr, Rl Rr^T = Us S Vs^T, so L R^T = (Ql Us) S (Qr Vs)^T.
// Cost O((m + n) k^2). L and R are consumed.
template <class Ctx, class T>
SvdFactors<T> product_svd(const Ctx& ctx, Matrix<T>& L, Matrix<T>& R) {
  const index_t m = L.rows(), n = R.rows(), k = L.cols();
  Matrix<T> Ql(m, k), Qr(n, k), Rl(k, k), Rr(k, k), M(k, k), Us(k, k), Vst(k, k);
  ctx.copy(DenseView<const T>(L.view()), Ql.view());
  orthonormalize(ctx, Ql.view());
  ctx.gemm(T(1), DenseView<const T>(Ql.view()).t(), DenseView<const T>(L.view()), T(0), Rl.view());
  ctx.copy(DenseView<const T>(R.view()), Qr.view());
  orthonormalize(ctx, Qr.view());
  ctx.gemm(T(1), DenseView<const T>(Qr.view()).t(), DenseView<const T>(R.view()), T(0), Rr.view());
  ctx.gemm(T(1), DenseView<const T>(Rl.view()), DenseView<const T>(Rr.view()).t(), T(0), M.view());
  SvdFactors<T> out;
  out.S.assign(static_cast<std::size_t>(k), T(0));
  ctx.svd(M.view(), out.S.data(), Us.view(), Vst.view());
  out.U = Matrix<T>(m, k);
  ctx.gemm(T(1), DenseView<const T>(Ql.view()), DenseView<const T>(Us.view()), T(0), out.U.view());
  out.Vt = Matrix<T>(k, n);
  ctx.gemm(T(1), DenseView<const T>(Vst.view()), DenseView<const T>(Qr.view()).t(), T(0), out.Vt.view());
  L = Matrix<T>();
  R = Matrix<T>();
  return out;
}

// B = L R^T for a logical m x n view B of either layout (L m x k, R n x k).
template <class Ctx, class T>
void write_product(const Ctx& ctx, DenseView<const T> L, DenseView<const T> R, DenseView<T> B) {
  if (!B.trans)
    ctx.gemm(T(1), L, R.t(), T(0), B);
  else
    ctx.gemm(T(1), R, L.t(), T(0), B.t());
}

// A dense m x n buffer stored like `like` (transposed storage when it is),
// so that elementwise passes over both walk memory in the same order.
template <class T>
struct DenseLike {
  Matrix<T> storage;
  DenseView<T> view;
  template <class V>
  explicit DenseLike(const DenseView<V>& like)
      : storage(like.stored_rows(), like.stored_cols()),
        view(like.trans ? storage.view().t() : storage.view()) {}
};

// U diag(S) (m x k) and V (n x k) of factors, the form write_product takes.
template <class Ctx, class T>
void split_factors(const Ctx& ctx, const SvdFactors<T>& f, Matrix<T>& US, Matrix<T>& V) {
  const index_t k = static_cast<index_t>(f.S.size());
  US = Matrix<T>(f.U.rows(), k);
  ctx.copy(DenseView<const T>(f.U.view()), US.view());
  ctx.scale_columns(US.view(), f.S.data());
  V = Matrix<T>(f.Vt.cols(), k);
  ctx.copy(DenseView<const T>(f.Vt.view()).t(), V.view());
}

}  // namespace linalg::lowrank
