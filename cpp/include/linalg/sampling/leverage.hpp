// Leverage scores of a tall A (n x d): tau_i = a_i^T (A^T A + ridge I)^+ a_i,
// exactly or by sketching (Drineas, Magdon-Ismail, Mahoney & Woodruff,
// "Fast approximation of matrix coherence and statistical leverage", JMLR
// 13, 2012).
//
// Both methods reduce to the same shape: find a d x r "preconditioner" P
// with A P (nearly) orthonormal and spanning range(A), then stream A once
// in row blocks, computing Y_b = A_b P (one GEMM) and the squared row norms
// of Y_b. A P is never stored whole; the memory besides A is O(d^2) plus
// one row block.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/core/view.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg::sampling {

struct LeverageOptions {
  bool sketch = false;       // false: exact (Cholesky QR / Householder)
  double eps = 0.1;          // sketch: target relative error of every score
  double ridge = 0.0;        // lambda >= 0
  double delta = 0.01;       // sketch: failure probability the sizes are set for
  index_t sketch_rows = 0;   // sketch: rows of the sparse embedding (0 = from eps)
  index_t jl_cols = -1;      // sketch: JL columns (-1 = from eps and n, 0 = never)
  int zeta = 4;              // sketch: nonzeros per column of the embedding
  std::uint64_t seed = 0;
};

struct LeverageReport {
  std::string path;          // "cholqr", "cholqr2", "householder", "sketch", "sketch+jl"
  index_t rank = 0;          // numerical rank used (columns of P)
  int passes = 0;            // reads of A
  index_t sketch_rows = 0;
  index_t jl_cols = 0;
  double cond = 0.0;         // condition estimate of the first triangular factor (exact path)
  int iterations = 0;        // Lewis weights
  double change = 0.0;       // Lewis weights: last max relative change
};

namespace detail {

template <class T>
constexpr double unit_roundoff() { return static_cast<double>(std::numeric_limits<T>::epsilon()) / 2; }

// Sum of x[0..n) in a fixed order (blocks of 4096 in parallel, then the
// block sums in order): the same for any thread count.
inline double fixed_sum(const double* x, index_t n) {
  constexpr index_t B = 4096;
  const index_t nb = (n + B - 1) / B;
  std::vector<double> part(static_cast<std::size_t>(nb));
#pragma omp parallel for schedule(static) if (nb > 16)
  for (index_t b = 0; b < nb; ++b) {
    double s = 0.0;
    for (index_t i = b * B; i < std::min(n, (b + 1) * B); ++i) s += x[i];
    part[b] = s;
  }
  double s = 0.0;
  for (double v : part) s += v;
  return s;
}

// Matrices are context memory (device memory on the CUDA context): their
// entries are never touched here, only through ctx; the small k x k pieces
// built entry by entry are assembled in host vectors and copied in.

// Inverse of the upper-triangular r x r R (R^{-1} = I R^{-1}).
template <class Ctx, class T>
Matrix<T> upper_inverse(const Ctx& ctx, DenseView<const T> R) {
  const index_t r = R.rows;
  Matrix<T> X(r, r);
  X.zero();
  ctx.add_to_diagonal(X.view(), T(1));
  ctx.solve_upper_right(R, X.view());
  return X;
}

// The upper triangle of a small r x r matrix, from the host: upper(i, j)
// for i <= j, zeros below (so no later zeroing of the lower part).
template <class Ctx, class T, class F>
void fill_upper(const Ctx& ctx, DenseView<T> R, F upper) {
  const index_t r = R.rows;
  std::vector<T> h(static_cast<std::size_t>(r * R.cols), T(0));
  for (index_t j = 0; j < R.cols; ++j)
    for (index_t i = 0; i <= std::min(j, r - 1); ++i) h[i + j * r] = static_cast<T>(upper(i, j));
  ctx.from_host(h.data(), R);
}

// Rows [row0, row0 + extra) of the d-column C (not transposed): sqrt(ridge) I.
template <class Ctx, class T>
void put_ridge_rows(const Ctx& ctx, DenseView<T> C, index_t row0, index_t extra, double ridge) {
  if (extra == 0) return;
  const index_t d = C.cols;
  std::vector<T> h(static_cast<std::size_t>(extra * d), T(0));
  for (index_t i = 0; i < std::min(extra, d); ++i) h[i + i * extra] = static_cast<T>(std::sqrt(ridge));
  ctx.from_host(h.data(), C.row_block(row0, extra));
}

// 2-norm condition number of a small upper-triangular R (from its SVD).
template <class Ctx, class T>
double condition(const Ctx& ctx, DenseView<const T> R) {
  const index_t r = R.rows;
  if (r == 0) return 1.0;
  Matrix<T> C(r, r), U(r, r), Vt(r, r);
  ctx.copy(R, C.view());
  std::vector<T> s(static_cast<std::size_t>(r));
  ctx.svd(C.view(), s.data(), U.view(), Vt.view());
  const double lo = static_cast<double>(s[r - 1]), hi = static_cast<double>(s[0]);
  return lo > 0.0 ? hi / lo : std::numeric_limits<double>::infinity();
}

}  // namespace detail

// One streaming pass over A (the context's threaded row_norms_pass):
// q_i = ||a_i^T P||^2 for every row (q may be null; context memory, n
// entries), and, when H is given,
// H = sum_i c_i y_i y_i^T (upper triangle, accumulated in double) with
// y_i = P^T a_i and c_i = q_i^gamma (0 where q_i = 0): the Gram matrix of
// the next iterate, in the coordinates where it is well conditioned.
template <class Ctx, class T>
void row_norm_pass(const Ctx& ctx, DenseView<const T> A, DenseView<const T> P, double* q, double gamma,
                   std::vector<double>* H) {
  if (H) H->assign(static_cast<std::size_t>(P.cols * P.cols), 0.0);
  ctx.row_norms_pass(A, P, q, gamma, H ? H->data() : nullptr);
}

// P <- P R^{-1} for the Cholesky factor R of the r x r Gram matrix H (upper
// triangle, double) times `factor`, plus `ridge` P^T P when ridge > 0.
// Returns false when H is not numerically positive definite.
template <class Ctx, class T>
bool apply_gram(const Ctx& ctx, Matrix<T>& P, const std::vector<double>& H, double factor, double ridge) {
  const index_t r = P.cols();
  Matrix<T> R(r, r);
  std::vector<T> PtP;
  if (ridge > 0.0) {
    Matrix<T> M(r, r);
    ctx.gram(DenseView<const T>(P.view()), M.view());
    PtP.resize(static_cast<std::size_t>(r * r));
    ctx.to_host(DenseView<const T>(M.view()), PtP.data());
  }
  detail::fill_upper(ctx, R.view(), [&](index_t i, index_t j) {
    double v = factor * H[i + j * r];
    if (ridge > 0.0) v += ridge * static_cast<double>(PtP[i + j * r]);
    return v;
  });
  // The lower triangle is zero and stays so (the factorization reads and
  // writes the upper one only).
  if (ctx.cholesky_upper(R.view()) != 0) return false;
  ctx.solve_upper_right(DenseView<const T>(R.view()), P.view());
  return true;
}

// d x r preconditioner from the pivoted QR held in C (R in its upper
// triangle, columns permuted by perm): numerical rank r = #{|R_jj| >
// max(rows, d) u |R_00|} (LAPACK's default for rank decisions), and
// P = E_J R_11^{-1}, E_J the first r pivot columns of the identity.
template <class Ctx, class T>
Matrix<T> pivoted_preconditioner(const Ctx& ctx, DenseView<const T> C, const std::vector<int>& perm) {
  const index_t d = C.cols, rows = C.rows, t = std::min(rows, d);
  // The t x d R factor, on the host (small).
  std::vector<T> top(static_cast<std::size_t>(t * d));
  ctx.to_host(C.row_block(0, t), top.data());
  auto Rf = [&](index_t i, index_t j) { return top[i + j * t]; };
  const double r00 = t > 0 ? std::fabs(static_cast<double>(Rf(0, 0))) : 0.0;
  const double tol = static_cast<double>(std::max(rows, d)) * detail::unit_roundoff<T>() * r00;
  index_t r = 0;
  while (r < t && r00 > 0.0 && std::fabs(static_cast<double>(Rf(r, r))) > tol) ++r;
  Matrix<T> R11(r, r);
  detail::fill_upper(ctx, R11.view(), Rf);
  Matrix<T> inv = detail::upper_inverse(ctx, DenseView<const T>(R11.view()));
  std::vector<T> invh(static_cast<std::size_t>(r * r)), Ph(static_cast<std::size_t>(d * r), T(0));
  ctx.to_host(DenseView<const T>(inv.view()), invh.data());
  for (index_t j = 0; j < r; ++j)
    for (index_t c = 0; c < r; ++c) Ph[perm[j] + c * d] = invh[j + c * r];
  Matrix<T> P(d, r);
  ctx.from_host(Ph.data(), P.view());
  return P;
}

// Exact preconditioner: R from the Cholesky factor of G = A^T A + ridge I
// (one SYRK pass). Cholesky QR is as accurate as Householder while
// kappa(A)^2 u is small; so
//   kappa(R) <= u^{-1/4}/10            one factor (score errors ~ kappa^2 u <= 1e-2 u^{1/2}),
//   kappa(R) <= u^{-1/2}/20            CholeskyQR2: one more pass re-orthonormalises
//                                      (Fukaya et al. 2014; Yamamoto et al. 2015),
//   otherwise, or Cholesky fails       Householder QR with column pivoting on a copy of A
//                                      (rank-revealing; one refining pass after it).
// Rank-deficient A (ridge = 0) therefore takes the pivoted path, and the
// scores are those of range(A) as found by it (they sum to its rank).
template <class Ctx, class T>
Matrix<T> precondition_exact(const Ctx& ctx, DenseView<const T> A, double ridge, LeverageReport& rep) {
  const index_t n = A.rows, d = A.cols;
  const double u = detail::unit_roundoff<T>();
  Matrix<T> G(d, d);
  {
    std::vector<double> Gd(static_cast<std::size_t>(d * d));
    ctx.row_norms_pass(A, DenseView<const T>{}, static_cast<double*>(nullptr), 0.0, Gd.data());
    detail::fill_upper(ctx, G.view(), [&](index_t i, index_t j) { return Gd[i + j * d] + (i == j ? ridge : 0.0); });
  }
  rep.passes += 1;
  const int info = ctx.cholesky_upper(G.view());
  double kappa = std::numeric_limits<double>::infinity();
  if (info == 0) kappa = detail::condition(ctx, DenseView<const T>(G.view()));
  rep.cond = kappa;
  const double one_round = 0.1 * std::pow(u, -0.25), two_rounds = 0.05 / std::sqrt(u);
  if (kappa <= two_rounds) {
    Matrix<T> P = detail::upper_inverse(ctx, DenseView<const T>(G.view()));
    rep.rank = d;
    rep.path = "cholqr";
    if (kappa > one_round) {
      std::vector<double> H;
      row_norm_pass(ctx, A, DenseView<const T>(P.view()), static_cast<double*>(nullptr), 0.0, &H);
      rep.passes += 1;
      rep.path = "cholqr2";
      if (apply_gram(ctx, P, H, 1.0, ridge)) return P;
      P = Matrix<T>();  // not positive definite after all: Householder below
    } else {
      return P;
    }
  }
  // Householder route (a copy of A, plus d rows sqrt(ridge) I when ridge > 0).
  rep.path = "householder";
  const index_t extra = ridge > 0.0 ? d : 0;
  Matrix<T> C(n + extra, d);
  ctx.copy(A, C.view().row_block(0, n));
  detail::put_ridge_rows(ctx, C.view(), n, extra, ridge);
  std::vector<int> perm;
  std::vector<T> tau;
  ctx.qr_pivoted(C.view(), perm, tau);
  rep.passes += 1;
  Matrix<T> P = pivoted_preconditioner(ctx, DenseView<const T>(C.view()), perm);
  rep.rank = P.cols();
  if (P.cols() > 0) {
    // One CholeskyQR round on A P (kappa ~ 1) removes the O(kappa(A) u)
    // error of the triangular factor.
    std::vector<double> H;
    row_norm_pass(ctx, A, DenseView<const T>(P.view()), static_cast<double*>(nullptr), 0.0, &H);
    rep.passes += 1;
    if (!apply_gram(ctx, P, H, 1.0, ridge)) throw not_converged("leverage scores: refinement after pivoted QR failed");
  }
  return P;
}

// Rows of the sparse sign embedding for relative score error eps. The
// scores of A R^{-1} are within [(1+e)^{-2}, (1-e)^{-2}] of the exact ones
// when the singular values of S U lie in [1-e, 1+e] (U an orthonormal basis
// of range(A)). For a Gaussian S with s rows they lie in
// 1 -+ (sqrt(d) + t)/sqrt(s) with probability >= 1 - 2 exp(-t^2/2)
// (Davidson & Szarek 2001, Thm II.13). s = 4 (sqrt(d) + 2)^2 / eps^2 (t = 2)
// puts them within 1 -+ eps/2, i.e. scores within (1 - eps/2)^{-2} ~
// 1 + eps + 3eps^2/4 and (1 + eps/2)^{-2} ~ 1 - eps. Rows are not extreme
// directions, so the largest error over the rows stays below eps: measured
// on P6 (1e6 x 50, Student-t rows; max error 0.046 at eps = 0.1, seed 0, see
// benchmarks/RESULTS.md) and on the 24 seeds of tests/test_sampling.py
// (d = 8, 20; eps = 0.5, 0.2: worst 0.34, 0.13), with the sparse sign
// embedding at zeta = 4, which tracked the Gaussian as closely as zeta = 8
// there at half the scatter cost (zeta = 1, CountSketch, did not: heavy
// rows that collide spoil it). 4 d / eps^2 alone (t = 0) was not enough
// for small d (worst 1.07 at d = 8, eps = 0.5).
inline index_t embedding_rows(index_t d, double eps, double /*delta*/) {
  const double root = std::sqrt(static_cast<double>(std::max<index_t>(d, 1))) + 2.0;
  return static_cast<index_t>(std::ceil(4.0 * root * root / (eps * eps)));
}

// JL columns so that every one of n squared norms is within (1 +- t) with
// probability 1 - delta: k = ceil(8 ln(2n/delta) / t^2) (chi-square tail
// P(|X/k - 1| > t) <= 2 exp(-k t^2 / 8), union bound over the rows).
inline index_t jl_columns(index_t n, double t, double delta) {
  return static_cast<index_t>(std::ceil(8.0 * std::log(2.0 * static_cast<double>(n) / delta) / (t * t)));
}

// Sketched preconditioner: R from the pivoted QR of S A (plus sqrt(ridge) I
// rows), S a sparse sign embedding with `rows` rows; one pass over A.
// w (row scaling of A, n entries, may be null) is context memory.
template <class Ctx, class T>
Matrix<T> precondition_sketch(const Ctx& ctx, DenseView<const T> A, const T* w, double ridge, index_t rows, int zeta,
                              std::uint64_t seed, LeverageReport& rep) {
  const index_t d = A.cols;
  const index_t extra = ridge > 0.0 ? d : 0;
  Matrix<T> SA(rows + extra, d);
  ctx.row_sketch(A, w, sketch::RowSketch::SparseSign, zeta, seed, sketch::kLeverageSketch,
                 DenseView<T>{SA.data(), rows, d, rows + extra, false});
  rep.passes += 1;
  detail::put_ridge_rows(ctx, SA.view(), rows, extra, ridge);
  // R of S A: Cholesky of its Gram matrix when S A is well conditioned
  // (kappa^2 u <= 1e-2 u^{1/2}, far below eps: BLAS-3 and cheap), else
  // Householder with column pivoting (also decides the numerical rank).
  {
    Matrix<T> G(d, d);
    G.zero();  // gram and Cholesky write the upper triangle only
    ctx.gram(DenseView<const T>(SA.view()), G.view());
    if (ctx.cholesky_upper(G.view()) == 0) {
      const double kappa = detail::condition(ctx, DenseView<const T>(G.view()));
      if (kappa <= 0.1 * std::pow(detail::unit_roundoff<T>(), -0.25)) {
        rep.rank = d;
        return detail::upper_inverse(ctx, DenseView<const T>(G.view()));
      }
    }
  }
  std::vector<int> perm;
  std::vector<T> tau;
  ctx.qr_pivoted(SA.view(), perm, tau);
  Matrix<T> P = pivoted_preconditioner(ctx, DenseView<const T>(SA.view()), perm);
  rep.rank = P.cols();
  return P;
}

// Leverage scores into q (length n, context memory: device memory on the
// CUDA context). Sketch method (DMMW 2012, Alg. 2):
// R from the QR of S A with a sparse sign embedding S, then the squared row
// norms of A R^{-1} Pi for a Gaussian JL matrix Pi with k = O(log n/eps^2)
// columns. When k >= rank (always for d below a few thousand: k is ~1e5 at
// eps = 0.1, n = 1e6) the product with Pi would cost more than it saves and
// add error, so the row norms of A R^{-1} are computed directly, blockwise,
// and the error is that of the embedding alone (eps, see embedding_rows).
// With JL, eps is split in thirds between the embedding and Pi.
template <class Ctx, class T>
void leverage_scores(const Ctx& ctx, DenseView<const T> A, const LeverageOptions& opt, double* q,
                     LeverageReport& rep) {
  const index_t n = A.rows, d = A.cols;
  require(opt.ridge >= 0.0 && std::isfinite(opt.ridge), "ridge must be a finite number >= 0");
  Matrix<T> P;
  if (opt.sketch) {
    require(opt.eps > 0.0 && opt.eps < 1.0, "eps must be in (0, 1)");
    index_t k = opt.jl_cols;
    if (k < 0) k = jl_columns(n, opt.eps / 3.0, opt.delta);
    const bool jl = k > 0 && k < d;
    index_t rows = opt.sketch_rows > 0 ? opt.sketch_rows : embedding_rows(d, jl ? opt.eps / 3.0 : opt.eps, opt.delta);
    if (rows >= n) {
      // The embedding would not be smaller than A: the exact route is cheaper.
      P = precondition_exact(ctx, A, opt.ridge, rep);
      rep.path = "exact (sketch not smaller than A): " + rep.path;
    } else {
      P = precondition_sketch(ctx, A, static_cast<const T*>(nullptr), opt.ridge, rows, opt.zeta, opt.seed, rep);
      rep.sketch_rows = rows;
      rep.path = "sketch";
      if (jl && k < P.cols()) {
        Matrix<T> Pi(P.cols(), k), PPi(d, k);
        ctx.fill_gaussian(Pi.view(), opt.seed, sketch::kLeverageJL);
        ctx.gemm(static_cast<T>(1.0 / std::sqrt(static_cast<double>(k))), DenseView<const T>(P.view()),
                 DenseView<const T>(Pi.view()), T(0), PPi.view());
        P = std::move(PPi);
        rep.jl_cols = k;
        rep.path = "sketch+jl";
      }
    }
  } else {
    P = precondition_exact(ctx, A, opt.ridge, rep);
  }
  row_norm_pass(ctx, A, DenseView<const T>(P.view()), q, 0.0, static_cast<std::vector<double>*>(nullptr));
  rep.passes += 1;
}

// l_p Lewis weights (p in (0, 4)): the w with w_i^{2/p} = a_i^T (A^T W^{1-2/p} A)^+ a_i,
// by the fixed-point iteration of Cohen & Peng ("l_p row sampling by Lewis
// weights", STOC 2015): w <- (a_i^T (A^T W^{1-2/p} A)^+ a_i)^{p/2}, a
// contraction by |1 - p/2| in log w, started from the leverage scores
// (the p = 2 answer). Each step is rescaled to sum(w) = rank, which the
// fixed point satisfies; that removes the slowest mode (uniform scaling),
// measured to cut the steps for p = 1 from ~27 to ~8 at 1e-8.
//
// Exact: each step is one streaming pass that computes q_i and, in the same
// read of A, the next Gram matrix in the current well-conditioned
// coordinates (H = sum c_i y_i y_i^T, P <- P chol(H)^{-1}). Sketch: each step
// sketches W^{1/2-1/p} A with the same embedding (so the map is fixed and
// converges) and computes q from its R: weights within the sketch's
// (1 +- eps) factors of the exact fixed point's.
//
// w (length n) is host memory whatever the context: the elementwise update
// runs on the host, so each pass's scores come back (n doubles) and, for
// the sketch, the row scaling goes to the context.
template <class Ctx, class T>
void lewis_weights(const Ctx& ctx, DenseView<const T> A, double p, int max_iter, double tol,
                   const LeverageOptions& opt, double* w, LeverageReport& rep) {
  require(p > 0.0 && p < 4.0, "p must be in (0, 4) for the Lewis-weight iteration");
  require(max_iter >= 1, "max_iter must be >= 1");
  const index_t n = A.rows, d = A.cols;
  std::vector<double> q(static_cast<std::size_t>(n));
  Buffer<double> qd(n);  // the pass's scores, in context memory
  auto fetch = [&](double* dst) {
    ctx.to_host(DenseView<const double>{qd.data(), n, 1, std::max<index_t>(n, 1), false}, dst);
  };
  auto update = [&](double r) {  // w <- r * q^{p/2} / sum; returns the max relative change
    double change = 0.0;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (index_t i = 0; i < n; ++i) q[i] = q[i] > 0.0 ? std::pow(q[i], 0.5 * p) : 0.0;
    const double total = detail::fixed_sum(q.data(), n);
    const double s = total > 0.0 ? r / total : 0.0;
#pragma omp parallel for schedule(static) reduction(max : change) if (n > 65536)
    for (index_t i = 0; i < n; ++i) {
      const double v = s * q[i];
      if (w[i] > 0.0) change = std::max(change, std::fabs(v - w[i]) / w[i]);
      else if (v > 0.0) change = std::max(change, 1.0);
      w[i] = v;
    }
    return std::make_pair(change, s);
  };
  if (!opt.sketch) {
    Matrix<T> P = precondition_exact(ctx, A, 0.0, rep);
    const double r = static_cast<double>(P.cols());
    std::vector<double> H;
    // Leverage pass: w = tau, and the Gram matrix of A^T W^{1-2/p} A.
    row_norm_pass(ctx, A, DenseView<const T>(P.view()), qd.data(), 1.0 - 2.0 / p, &H);
    fetch(w);
    rep.passes += 1;
    for (int it = 1; it <= max_iter; ++it) {
      if (!apply_gram(ctx, P, H, 1.0, 0.0)) throw not_converged("lewis_weights: weighted Gram matrix lost definiteness");
      row_norm_pass(ctx, A, DenseView<const T>(P.view()), qd.data(), 0.5 * p - 1.0, &H);
      fetch(q.data());
      rep.passes += 1;
      auto [change, s] = update(r);
      // H was accumulated with c_i = u_i^{1-2/p}, u unnormalised; w = s u.
      for (double& h : H) h *= std::pow(s, 1.0 - 2.0 / p);
      rep.iterations = it;
      rep.change = change;
      if (change <= tol) return;
    }
    return;
  }
  // Sketched iteration.
  require(opt.eps > 0.0 && opt.eps < 1.0, "eps must be in (0, 1)");
  const index_t rows = opt.sketch_rows > 0 ? opt.sketch_rows : embedding_rows(d, opt.eps, opt.delta);
  rep.sketch_rows = rows;
  std::vector<T> omega(static_cast<std::size_t>(n), T(1));
  Buffer<T> omega_ctx(n);  // omega in context memory, for the sketch
  std::fill(w, w + n, 0.0);
  for (int it = 0; it <= max_iter; ++it) {
    Matrix<T> P = precondition_sketch(ctx, A, it == 0 ? static_cast<const T*>(nullptr) : omega_ctx.data(), 0.0,
                                      rows, opt.zeta, opt.seed, rep);
    row_norm_pass(ctx, A, DenseView<const T>(P.view()), qd.data(), 0.0, static_cast<std::vector<double>*>(nullptr));
    fetch(q.data());
    rep.passes += 1;
    if (it == 0) {  // leverage scores as the start: q^{p/2} would be wrong here
      for (index_t i = 0; i < n; ++i) q[i] = q[i] > 0.0 ? std::pow(q[i], 2.0 / p) : 0.0;
    }
    auto [change, s] = update(static_cast<double>(P.cols()));
    (void)s;
    if (it > 0) {
      rep.iterations = it;
      rep.change = change;
      if (change <= tol) return;
    }
    // Next step's sketch is of W^{1/2-1/p} A: q_i = a_i^T (A^T W^{1-2/p} A)^{-1} a_i.
#pragma omp parallel for schedule(static) if (n > 65536)
    for (index_t i = 0; i < n; ++i) omega[i] = w[i] > 0.0 ? static_cast<T>(std::pow(w[i], 0.5 - 1.0 / p)) : T(0);
    ctx.from_host(omega.data(), DenseView<T>{omega_ctx.data(), n, 1, std::max<index_t>(n, 1), false});
  }
}

}  // namespace linalg::sampling
