// Weighted low-rank approximation with separable weights W = u v^T
// (u, v > 0), in closed form: sum_ij u_i v_j (A - X)_ij^2 =
// ||D_u^{1/2} (A - X) D_v^{1/2}||_F^2, so the optimum of rank k is
//   X* = D_u^{-1/2} [[D_u^{1/2} A D_v^{1/2}]]_k D_v^{-1/2}
// (Eckart-Young after the change of variables; e.g. Srebro & Jaakkola 2003,
// sec. 2). The scaled matrix C is formed once (one pass; sparse input: only
// its values are scaled, the structure is shared), its truncated SVD comes
// from rsvd (or LAPACK when exact), and the factors are unscaled and
// re-orthonormalised (product_svd) so that the result is the thin SVD of X*.
// The objective is ||C||_F^2 - sum_{i<k} s_i^2 (exact for the truncation
// of Q Q^T C that both paths return).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "linalg/lowrank/rsvd.hpp"
#include "linalg/lowrank/weighted_common.hpp"

namespace linalg::lowrank {

namespace detail {

template <class T>
std::vector<T> sqrt_weights(const T* w, index_t n) {
  std::vector<T> s;
  if (!w) return s;
  s.resize(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) {
    require(w[i] > T(0) && std::isfinite(static_cast<double>(w[i])), "weighted_svd: row/column weights must be positive and finite");
    s[i] = std::sqrt(w[i]);
  }
  return s;
}

// X = D_u^{-1/2} U S Vt D_v^{-1/2} as its thin SVD.
template <class Ctx, class T>
SvdFactors<T> unscale(const Ctx& ctx, const SvdFactors<T>& f, const std::vector<T>& ru, const std::vector<T>& cv) {
  Matrix<T> L, R;
  split_factors(ctx, f, L, R);
  auto inv = [](const std::vector<T>& s) {
    std::vector<T> r(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) r[i] = T(1) / s[i];
    return r;
  };
  // Row i of L times 1/sqrt(u_i): columns of the transposed view.
  if (!ru.empty()) {
    std::vector<T> d = inv(ru);
    ctx.scale_columns(L.view().t(), d.data());
  }
  if (!cv.empty()) {
    std::vector<T> d = inv(cv);
    ctx.scale_columns(R.view().t(), d.data());
  }
  return product_svd(ctx, L, R);
}

template <class T>
double energy_k(const SvdFactors<T>& f) {
  double e = 0.0;
  for (T s : f.S) e += static_cast<double>(s) * s;
  return e;
}

}  // namespace detail

// Dense A (any layout). exact: LAPACK's SVD of C instead of rsvd.
template <class Ctx, class T>
SvdFactors<T> weighted_closed_form(const Ctx& ctx, DenseView<const T> A, const T* row_w, const T* col_w,
                                   const RsvdOptions& ro, bool exact, WeightedReport& rep, RsvdReport& rr) {
  const index_t m = A.rows, n = A.cols, k = ro.rank;
  require(k >= 1 && k <= std::min(m, n), "weighted_svd: rank must be in [1, min(m, n)]");
  const std::vector<T> ru = detail::sqrt_weights(row_w, m), cv = detail::sqrt_weights(col_w, n);
  DenseLike<T> C(A);
  ctx.scale_dense(A, ru.empty() ? nullptr : ru.data(), cv.empty() ? nullptr : cv.data(), C.view);
  const double frob = ctx.frobenius_sq(DenseView<const T>(C.view));
  SvdFactors<T> f;
  if (exact) {
    // gesdd on the stored (untransposed) matrix; C^T = U' S V'^T swaps roles.
    DenseView<T> S = C.view.trans ? C.view.t() : C.view;
    const index_t r = std::min(S.rows, S.cols);
    Matrix<T> U(S.rows, r), Vt(r, S.cols);
    std::vector<T> s(static_cast<std::size_t>(r));
    ctx.svd(S, s.data(), U.view(), Vt.view());
    C.storage = Matrix<T>();
    // Rank-k pieces in the logical orientation.
    f.S.assign(s.begin(), s.begin() + k);
    f.U = Matrix<T>(m, k);
    f.Vt = Matrix<T>(k, n);
    if (!C.view.trans) {
      ctx.copy(DenseView<const T>(U.view()).col_block(0, k), f.U.view());
      ctx.copy(DenseView<const T>(Vt.view()).row_block(0, k), f.Vt.view());
    } else {
      ctx.copy(DenseView<const T>(Vt.view()).row_block(0, k).t(), f.U.view());
      ctx.copy(DenseView<const T>(U.view()).col_block(0, k).t(), f.Vt.view());
    }
    rep.method = "closed_form_exact";
  } else {
    f = rsvd(ctx, Operator<T>(DenseView<const T>(C.view)), ro, rr, 0.0);
    C.storage = Matrix<T>();
    rep.method = "closed_form";
    rep.passes = rr.passes;
    rep.basis_size = rr.basis_size;
  }
  rep.history.assign(1, std::max(0.0, frob - detail::energy_k(f)));
  rep.iterations = 0;
  rep.converged = true;
  return detail::unscale(ctx, f, ru, cv);
}

// CSR A (either orientation): only the values are scaled.
template <class Ctx, class T, class I>
SvdFactors<T> weighted_closed_form(const Ctx& ctx, const CsrView<T, I>& A, const T* row_w, const T* col_w,
                                   const RsvdOptions& ro, WeightedReport& rep, RsvdReport& rr) {
  const index_t m = A.rows(), n = A.cols(), k = ro.rank;
  require(k >= 1 && k <= std::min(m, n), "weighted_svd: rank must be in [1, min(m, n)]");
  const std::vector<T> ru = detail::sqrt_weights(row_w, m), cv = detail::sqrt_weights(col_w, n);
  // Stored rows are logical columns when A is a transposed CSR (CSC input).
  const std::vector<T>& sr = A.trans ? cv : ru;
  const std::vector<T>& sc = A.trans ? ru : cv;
  // The scaled values live in context memory (device memory on the CUDA
  // context, where the structure arrays are too: then the operator takes
  // products with the transpose from the context instead of building it).
  Buffer<T> vals(A.nnz());
  ctx.scale_csr(A, sr.empty() ? nullptr : sr.data(), sc.empty() ? nullptr : sc.data(), vals.data());
  CsrView<T, I> C{vals.data(), A.indices, A.indptr, A.stored_rows, A.stored_cols, A.trans, A.stored_nnz};
  const MemorySpace* space = current_memory_space();
  Operator<T> op = space && !space->host_accessible ? Operator<T>(C, typename Operator<T>::OnDevice{})
                                                    : Operator<T>(C);
  const double frob = op.frobenius_sq(ctx);
  SvdFactors<T> f = rsvd(ctx, op, ro, rr, static_cast<double>(A.nnz()));
  rep.method = "closed_form";
  rep.passes = rr.passes;
  rep.basis_size = rr.basis_size;
  rep.history.assign(1, std::max(0.0, frob - detail::energy_k(f)));
  rep.converged = true;
  return detail::unscale(ctx, f, ru, cv);
}

}  // namespace linalg::lowrank
