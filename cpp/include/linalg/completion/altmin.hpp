// Matrix completion by alternating minimisation (AltMin):
//
//   min_{X, Y, b, c}  sum_{(i,j) in Omega} w_ij (M_ij - mu - b_i - c_j - x_i . y_j)^2
//                     + reg (||X||_F^2 + ||Y||_F^2 + ||b||^2 + ||c||^2)
//
// (biases b, c and the mean mu only when asked). Initialisation (Jain,
// Netrapalli & Sanghavi 2013): the top-k SVD of (1/p) P_Omega(M - mu - b - c)
// by the core's randomized SVD (fixed-depth subspace iteration, run in float32),
// rows of U above the incoherence threshold
// clip * sqrt(k/m) scaled down to it, U re-orthonormalised; X = U S^{1/2},
// Y = V S^{1/2}. Each iteration updates Y given X (one small least-squares
// problem per column), then X given Y (one per row). The per-row solvers:
//
//   Cholesky - exact normal equations, O(n_i k^2 + k^3) per row: classical ALS.
//   CG       - `steps` warm-started conjugate-gradient steps on the normal
//              equations, O(n_i k) per step (Takacs, Pilaszy & Tikk 2011,
//              as in the `implicit` library).
//   Sketch   - sketch-and-precondition after Gu, Song, Yin & Zhang (ICLR
//              2024): the fixed factor's design [F 1] is sketched with a
//              sparse sign embedding (s = 40 kw rows, 8 nonzeros per
//              column: a subspace embedding with distortion about
//              sqrt(kw / s) = 0.16), the eigendecomposition
//              of the sketch's Gram, V diag(l) V^T, whitens it: T = V l^{-1/2}.
//              Every row's design is a uniform sample of the rows of [F 1]
//              (the paper's sampling model), so one sketch preconditions all
//              rows at once; each row then runs `steps` warm-started
//              CG steps on its whitened problem
//              (reg becomes the diagonal reg / l), O(n_i k) per step and no
//              k x k matrix per row. (The paper sketches each row's design
//              separately, which costs O(k^3) per row; with n_i comparable to
//              k, as on the benchmark problem, that is no cheaper than
//              Cholesky.)
//
// Memory: the observations are built and kept on the host (Observations,
// O(nnz) integer work done once); the factors, designs and sketches are
// context matrices. When the context's memory is not host memory (the CUDA
// context), the constructor copies both layouts into context memory once,
// so every half-step's O(|Omega| k) work runs where the factors live; only
// the initialisation's biases and residual values are computed on the host
// (once) and copied over. No entry of a context matrix is read or written
// here except through the context's primitives.
//
// Over-relaxation (successive over-relaxation of the block Gauss-Seidel
// sweep that ALS is, as in SOR-accelerated CP-ALS): from the second
// iteration on, the column half-step (h even, h >= 2) moves omega times its
// own step, Y <- old + omega (new - old). For a fixed X the objective is a
// convex quadratic in Y, so any omega in (0, 2) still lowers it (exactly,
// for exact row solves). The row half-step stays exact, so X is always the
// least-squares solution given Y (what fold_in reproduces). The first
// iteration is never relaxed: it moves away from the spectral start, whose
// error an extrapolation amplifies (measured: slower convergence). omega =
// 1.3 cut the iterations to a given held-out error by a sixth to a third on
// the benchmark problems (P5: 5 instead of 6).
//
// Sample splitting (the paper's theory mode): Omega is split into 2T + 1
// disjoint random subsets; the initialisation uses subset 0 and half-step h
// uses subset 1 + h mod 2T. Otherwise every step uses all of Omega.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "linalg/completion/observations.hpp"
#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/lowrank/operator.hpp"
#include "linalg/lowrank/rsvd.hpp"

namespace linalg::completion {

enum class Solver { Sketch, CG, Cholesky };

struct AltMinOptions {
  index_t rank = 1;
  bool biases = false;
  double reg = 0.0;
  Solver solver = Solver::Sketch;
  int steps = 3;              // CG steps per row and half-step (cg, sketch)
  double clip = 3.0;          // incoherence threshold, in units of sqrt(k / m)
  std::uint64_t seed = 0;
  int sketch_factor = 40;     // sketch rows per unknown
  int zeta = 8;               // nonzeros per column of the sparse sign sketch
  int init_power_iters = 4;   // power steps of the initial (subspace-iteration) SVD
  double relaxation = 1.0;    // omega: over-relaxed column half-steps from the second iteration on
};

struct StepStats {
  double loss = 0.0;       // sum of w r^2 over the entries the step used
  double weight = 0.0;     // sum of their weights
  double objective = 0.0;  // loss + reg * (squared norms of all factors and biases)
};

// Factors in row-major storage padded to `ld` entries per row (matrices of
// ld x count, column-major): row i of X is [x_i (k), b_i (if biases), 0...].
template <class T>
struct Factors {
  index_t m = 0, n = 0, k = 0, kw = 0, ld = 0;
  bool biases = false;
  T mean = T(0);
  Matrix<T> X, Y;
};

// One half-step on one side: every row of `own` (the ld x count padded
// storage of the side being updated, rows of `obs`) solves its regularised
// least-squares problem given `other` (the fixed side, all of it): the
// design, the shared sketch-and-whiten of the "sketch" solver (from `other`,
// the seed and the half-step number h alone), and the row solves. Rows are
// independent, so any subset of own's rows with their observations gives
// those rows' result of the whole half-step (linalg.dask runs it per
// partition of the rows).
template <class Ctx, class T>
host::RowTotals solve_side(const Ctx& ctx, const AltMinOptions& o, index_t k, index_t kw, index_t ld, T mean,
                           Matrix<T>& own, const Matrix<T>& other, const host::ObsRows<T>& obs, int active_subset,
                           int h) {
  const index_t n_own = own.cols(), n_o = other.cols();
  // The step before this half-step, for the over-relaxation at the end.
  const bool relax = h >= 2 && h % 2 == 0 && o.relaxation != 1.0;
  Matrix<T> before;
  if (relax) {
    before = Matrix<T>(own.rows(), own.cols());
    ctx.copy(DenseView<const T>(own.view()), before.view());
  }
  // Design rows [f_j, 1 (biases), 0 pad] and the other side's bias.
  Matrix<T> D(ld, n_o);
  Matrix<T> offset(o.biases ? n_o : 0, 1);
  ctx.als_design(other.data(), n_o, k, ld, o.biases, D.data(), o.biases ? offset.data() : nullptr);
  std::vector<T> reg(kw, static_cast<T>(o.reg));
  host::RowSolveArgs<T> a;
  a.obs = obs;
  a.active_subset = active_subset;
  a.offset = o.biases ? offset.data() : nullptr;
  a.mean = mean;
  a.kw = kw;
  a.ld = ld;
  a.steps = o.steps;
  const auto view_of = [&](const Matrix<T>& M) { return DenseView<T>{M.data(), kw, M.cols(), ld, false}; };
  bool whitened = false;
  host::RowTotals totals;
  if (o.solver == Solver::Sketch) {
    // Gram of a sparse sign sketch of D (of D itself when the sketch
    // would not be shorter), eigendecomposed.
    const index_t s = std::max<index_t>(o.sketch_factor * kw, kw + 16);
    Matrix<T> G(kw, kw);
    if (s < n_o) {
      Matrix<T> SD(s, kw);
      const std::uint64_t seed = o.seed ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(h + 1));
      ctx.als_sketch_rows(D.data(), n_o, kw, ld, s, o.zeta, seed, SD.data());
      ctx.gram(DenseView<const T>(SD.view()), G.view());
    } else {
      ctx.gram(DenseView<const T>(view_of(D)).t(), G.view());
    }
    std::vector<T> lam(kw), vec(static_cast<std::size_t>(kw * kw));
    ctx.eigh(G.view(), lam.data());
    ctx.to_host(DenseView<const T>(G.view()), vec.data());  // the eigenvectors (kw x kw, small)
    const T top = lam[kw - 1];
    if (top > T(0) && std::isfinite(top)) {
      whitened = true;
      const T fl = top * std::numeric_limits<T>::epsilon() * T(16);
      // T = V l^{-1/2}, T^{-1} = l^{1/2} V^T, built on the host (kw x kw).
      std::vector<T> tm(vec.size()), ti(vec.size());
      for (index_t c = 0; c < kw; ++c) {
        lam[c] = std::max(lam[c], fl);
        const T sq = std::sqrt(lam[c]);
        for (index_t r = 0; r < kw; ++r) {
          tm[r + c * kw] = vec[r + c * kw] / sq;
          ti[c + r * kw] = vec[r + c * kw] * sq;
        }
        reg[c] = static_cast<T>(o.reg) / lam[c];
      }
      Matrix<T> Tm(kw, kw), Ti(kw, kw);
      ctx.from_host(tm.data(), Tm.view());
      ctx.from_host(ti.data(), Ti.view());
      // Whitened design (rows D_j T) and warm start z_i = T^{-1} x_i, in
      // the transposed storage: D_w^T = T^T D^T, Z^T = T^{-1} X^T.
      Matrix<T> Dw(ld, n_o), Z(ld, n_own);
      Dw.zero();
      Z.zero();
      ctx.gemm(T(1), DenseView<const T>(Tm.view()).t(), DenseView<const T>(view_of(D)), T(0), view_of(Dw));
      ctx.gemm(T(1), DenseView<const T>(Ti.view()), DenseView<const T>(view_of(own)), T(0), view_of(Z));
      a.design = Dw.data();
      a.Z = Z.data();
      a.reg = reg.data();
      // Plain CG on the whitened rows: a Jacobi preconditioner on top (tried)
      // stalled P5 from a weaker start (held-out RMSE/sigma 2.45 instead of
      // 0.575) and slowed a sparser problem (10 iterations: 0.90 vs 0.89,
      // with biases 2.23 vs 0.98), equal elsewhere.
      a.solver = host::RowSolver::CG;
      totals = ctx.als_solve_rows(a);
      ctx.gemm(T(1), DenseView<const T>(Tm.view()), DenseView<const T>(view_of(Z)), T(0), view_of(own));
    }
  }
  if (!whitened) {
    a.design = D.data();
    a.Z = own.data();
    a.reg = reg.data();
    a.solver = o.solver == Solver::Cholesky ? host::RowSolver::Cholesky : host::RowSolver::CG;
    totals = ctx.als_solve_rows(a);
  }
  if (relax) {  // own <- new + (omega - 1) (new - before); the totals stay those of new
    ctx.add_scaled(T(-1), DenseView<const T>(own.view()), before.view());
    ctx.add_scaled(static_cast<T>(1.0 - o.relaxation), DenseView<const T>(before.view()), own.view());
  }
  return totals;
}

template <class Ctx, class T>
class AltMin {
 public:
  AltMin(const Ctx& ctx, Observations<T>&& obs, const AltMinOptions& o) : ctx_(ctx), obs_(std::move(obs)), o_(o) {
    const index_t m = obs_.m, n = obs_.n, k = o.rank;
    require(k >= 1 && k < std::min(m, n), "rank must be in [1, min(shape) - 1]");
    f_.m = m;
    f_.n = n;
    f_.k = k;
    f_.biases = o.biases;
    f_.kw = k + (o.biases ? 1 : 0);
    // Pad rows to whole 32-byte vectors (the AVX2 kernels' width).
    const index_t vec = static_cast<index_t>(32 / sizeof(T));
    f_.ld = (f_.kw + vec - 1) / vec * vec;
    f_.X = Matrix<T>(f_.ld, m);
    f_.Y = Matrix<T>(f_.ld, n);
    f_.X.zero();
    f_.Y.zero();
    // Where the context's matrices live: views of the host layouts, or
    // copies of them in context memory.
    const MemorySpace* space = f_.X.space();
    on_context_memory_ = space != nullptr && !space->host_accessible;
    row_view_ = context_layout(obs_.by_row, row_copy_);
    col_view_ = context_layout(obs_.by_col, col_copy_);
  }

  const Factors<T>& factors() const { return f_; }
  Factors<T>& factors() { return f_; }
  const Observations<T>& observations() const { return obs_; }
  AltMinOptions& options() { return o_; }
  lowrank::RsvdReport init_report;

  // Spectral initialisation (see the top of this file).
  void initialize() {
    const index_t m = f_.m, n = f_.n, k = f_.k, ld = f_.ld;
    const Layout<T>& R = obs_.by_row;
    const int act = obs_.subsets > 0 ? 0 : -1;
    auto active = [&](index_t e) { return act < 0 || R.subset[e] == act; };
    const index_t nnz = R.nnz();
    double count = 0.0, sum = 0.0;
    for (index_t e = 0; e < nnz; ++e)
      if (active(e)) {
        count += 1.0;
        sum += static_cast<double>(R.val[e]);
      }
    require(count > 0, "observed: no entries in the initialisation subset");
    std::vector<T> rb(m, T(0)), cb(n, T(0));
    f_.mean = o_.biases ? static_cast<T>(sum / count) : T(0);
    if (o_.biases) {
      // Shrunken row means of M - mu, then column means of M - mu - b.
      for (index_t i = 0; i < m; ++i) {
        double s = 0.0, c = 0.0;
        for (std::int32_t e = R.ptr[i]; e < R.ptr[i + 1]; ++e)
          if (active(e)) {
            s += R.val[e] - f_.mean;
            c += 1.0;
          }
        rb[i] = c > 0 ? static_cast<T>(s / (c + o_.reg)) : T(0);
      }
      std::vector<double> cs(n, 0.0), cc(n, 0.0);
      for (index_t i = 0; i < m; ++i)
        for (std::int32_t e = R.ptr[i]; e < R.ptr[i + 1]; ++e)
          if (active(e)) {
            cs[R.idx[e]] += R.val[e] - f_.mean - rb[i];
            cc[R.idx[e]] += 1.0;
          }
      for (index_t j = 0; j < n; ++j) cb[j] = cc[j] > 0 ? static_cast<T>(cs[j] / (cc[j] + o_.reg)) : T(0);
    }
    // (1/p) P_Omega(M - mu - b - c) with the CSR structure of Omega. The
    // SVD runs in float32 for float64 data: it only seeds the iterations
    // (its subspace error, set by the sampling noise, dwarfs float32
    // rounding) and its sparse products are bound by memory traffic, which
    // float32 halves.
    using S = float;
    const double p = count / (static_cast<double>(m) * static_cast<double>(n));
    std::vector<S> resid(static_cast<std::size_t>(nnz));
#pragma omp parallel for schedule(static) if (nnz > (1 << 16))
    for (index_t i = 0; i < m; ++i)
      for (std::int32_t e = R.ptr[i]; e < R.ptr[i + 1]; ++e)
        resid[e] = active(e) ? static_cast<S>((R.val[e] - f_.mean - rb[i] - cb[R.idx[e]]) / p) : S(0);
    Buffer<S> resid_ctx;
    auto make_operator = [&]() {
      if (!on_context_memory_) {
        // The products with the transpose run on the CSC layout built
        // already, with the same values in its order: no second transpose.
        const Layout<T>& Cl = obs_.by_col;
        auto vals_c = std::make_shared<std::vector<S>>(static_cast<std::size_t>(nnz));
        S* vc = vals_c->data();
#pragma omp parallel for schedule(static) if (nnz > (1 << 16))
        for (index_t j = 0; j < n; ++j)
          for (std::int32_t e = Cl.ptr[j]; e < Cl.ptr[j + 1]; ++e)
            vc[e] = (act < 0 || Cl.subset[e] == act)
                        ? static_cast<S>((Cl.val[e] - f_.mean - rb[Cl.idx[e]] - cb[j]) / p)
                        : S(0);
        return lowrank::Operator<S>(CsrView<S, std::int32_t>{resid.data(), R.idx.data(), R.ptr.data(), m, n, false},
                                    CsrView<S, std::int32_t>{vc, Cl.idx.data(), Cl.ptr.data(), n, m, false},
                                    std::move(vals_c));
      }
      resid_ctx = Buffer<S>(nnz);
      ctx_.als_upload(resid.data(), resid_ctx.data(), sizeof(S) * static_cast<std::size_t>(nnz));
      return lowrank::Operator<S>(
          CsrView<S, std::int32_t>{resid_ctx.data(), row_view_.idx, row_view_.ptr, m, n, false, nnz},
          typename lowrank::Operator<S>::OnDevice{});
    };
    lowrank::Operator<S> op = make_operator();
    lowrank::RsvdOptions ro;
    ro.rank = k;
    ro.test_matrix.seed = o_.seed;
    // A fixed-depth subspace-iteration SVD: the adaptive energy rule stops far too
    // early here, since most of ||(1/p) P_Omega(M)||_F^2 is sampling noise
    // (measured on P5: one of the ten directions missed entirely).
    ro.method = lowrank::Method::Subspace;
    ro.power_iters = o_.init_power_iters;
    lowrank::SvdFactors<S> svd = lowrank::rsvd(ctx_, op, ro, init_report, static_cast<double>(nnz));
    // Clip rows of U above the incoherence threshold, re-orthonormalise,
    // and keep each column's sign (Householder QR may flip it).
    Matrix<T> U(m, k);
    convert_into(svd.U, U.view());
    const T tau = static_cast<T>(o_.clip * std::sqrt(static_cast<double>(k) / static_cast<double>(m)));
    {
      std::vector<double> norms(static_cast<std::size_t>(m));
      ctx_.column_norms_sq(DenseView<const T>(U.view()).t(), norms.data());  // squared row norms
      std::vector<T> scale(static_cast<std::size_t>(m));
      for (index_t i = 0; i < m; ++i) {
        const T nr = static_cast<T>(std::sqrt(norms[i]));
        scale[i] = nr > tau ? tau / nr : T(1);
      }
      ctx_.scale_rows(U.view(), scale.data());
    }
    Matrix<T> Q(m, k);
    ctx_.copy(DenseView<const T>(U.view()), Q.view());
    ctx_.qr_thin(Q.view());
    std::vector<double> d(static_cast<std::size_t>(k));
    {
      Matrix<T> QU(k, k);  // diagonal: q_c . u_c
      ctx_.gemm(T(1), DenseView<const T>(Q.view()).t(), DenseView<const T>(U.view()), T(0), QU.view());
      ctx_.diagonal(DenseView<const T>(QU.view()), d.data());
    }
    std::vector<T> sx(static_cast<std::size_t>(k)), sy(static_cast<std::size_t>(k));
    for (index_t c = 0; c < k; ++c) {
      sx[c] = static_cast<T>((d[c] < 0 ? -1.0 : 1.0) * std::sqrt(std::max<double>(svd.S[c], 0.0)));
      sy[c] = static_cast<T>(std::sqrt(std::max<double>(svd.S[c], 0.0)));
    }
    // X's first k rows = (Q diag(sx))^T, Y's = diag(sy) Vt.
    ctx_.scale_columns(Q.view(), sx.data());
    ctx_.copy(DenseView<const T>(Q.view()).t(), DenseView<T>{f_.X.data(), k, m, ld, false});
    const DenseView<T> Yk{f_.Y.data(), k, n, ld, false};
    convert_into(svd.Vt, Yk);
    ctx_.scale_rows(Yk, sy.data());
    if (o_.biases) {
      ctx_.from_host(rb.data(), DenseView<T>{f_.X.data() + k, 1, m, ld, false});
      ctx_.from_host(cb.data(), DenseView<T>{f_.Y.data() + k, 1, n, ld, false});
    }
  }

  // One iteration: columns given rows, then rows given columns. `iter` is
  // the iteration number (it picks the subsets and the sketch seeds).
  StepStats iterate(int iter) {
    half_step(false, 2 * iter);
    return half_step(true, 2 * iter + 1);
  }

  // Update one side (rows when `rows`) given the other.
  StepStats half_step(bool rows, int h) {
    const int active = obs_.subsets > 0 ? 1 + h % (obs_.subsets - 1) : -1;
    const host::RowTotals totals = solve_side(ctx_, o_, f_.k, f_.kw, f_.ld, f_.mean, rows ? f_.X : f_.Y,
                                              rows ? f_.Y : f_.X, rows ? row_view_ : col_view_, active, h);
    StepStats st;
    st.loss = totals.loss;
    st.weight = totals.weight;
    // Pad entries are zero, so the squared norm of the padded storage is
    // that of the factors and biases.
    const double norms = ctx_.frobenius_sq(DenseView<const T>(f_.X.view())) +
                         ctx_.frobenius_sq(DenseView<const T>(f_.Y.view()));
    st.objective = st.loss + o_.reg * norms;
    return st;
  }

 private:
  // The storage of a layout copied into context memory.
  struct LayoutCopy {
    Buffer<std::int32_t> ptr, idx;
    Buffer<T> val, wt;
    Buffer<std::uint16_t> subset;
  };

  template <class E>
  const E* upload(const std::vector<E>& v, Buffer<E>& dst) const {
    if (v.empty()) return nullptr;
    dst = Buffer<E>(static_cast<index_t>(v.size()));
    ctx_.als_upload(v.data(), dst.data(), sizeof(E) * v.size());
    return dst.data();
  }

  host::ObsRows<T> context_layout(const Layout<T>& L, LayoutCopy& c) const {
    if (!on_context_memory_) return L.view();
    host::ObsRows<T> v;
    v.rows = L.rows;
    v.ptr = upload(L.ptr, c.ptr);
    v.idx = upload(L.idx, c.idx);
    v.val = upload(L.val, c.val);
    v.wt = upload(L.wt, c.wt);
    v.subset = upload(L.subset, c.subset);
    return v;
  }

  // dst = src, converting float to T where they differ.
  template <class S>
  void convert_into(const Matrix<S>& src, DenseView<T> dst) const {
    if constexpr (std::is_same_v<S, T>) ctx_.copy(DenseView<const T>(src.view()), dst);
    else ctx_.template convert<S, T>(DenseView<const S>(src.view()), dst);
  }

  Ctx ctx_;
  Observations<T> obs_;
  AltMinOptions o_;
  Factors<T> f_;
  bool on_context_memory_ = false;
  LayoutCopy row_copy_, col_copy_;
  host::ObsRows<T> row_view_, col_view_;
};

}  // namespace linalg::completion
