// Tucker decomposition X ~ G x_1 U_1 x_2 ... x_N U_N with orthonormal U_n:
//
//   HOSVD     U_n = leading left singular vectors of X_(n), G = X x_n U_n^T
//             (De Lathauwer, De Moor & Vandewalle 2000).
//   ST-HOSVD  sequentially truncated: mode n's basis comes from the tensor
//             already truncated in the modes before it (Vannieuwenhoven,
//             Vandebril & Meerbergen 2012), so only the first mode sees the
//             whole tensor. Modes go largest reduction I_n / r_n first.
//   HOOI      higher-order orthogonal iteration (De Lathauwer, De Moor &
//             Vandewalle 2000b; Kroonenberg & De Leeuw 1980) from the
//             ST-HOSVD: U_n = leading left singular vectors of
//             (X x_{k != n} U_k^T)_(n), sweeping until ||G|| stalls.
//
// Each mode's basis comes from mode_basis.hpp: the randomized range finder
// (Minster, Saibaba & Kilmer 2020 analyse randomized (ST-)HOSVD), or the
// exact Gram route when it costs fewer flops or the ranks are to be chosen
// from a tolerance. Modes kept whole (r_n = I_n) get the identity factor
// and no product. With orthonormal factors ||X - X^||^2 = ||X||^2 - ||G||^2.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "linalg/tensor/mode_basis.hpp"
#include "linalg/tensor/mode_product.hpp"

namespace linalg::tensor {

enum class Method { Hooi, Sthosvd, Hosvd };
enum class BasisRule { Auto, Exact, Randomized };

struct TuckerOptions {
  std::vector<index_t> ranks;  // one per mode; all 0 with tol > 0
  double tol = 0.0;            // > 0: ranks from ||X - X^|| <= tol ||X||
  Method method = Method::Hooi;
  BasisRule basis = BasisRule::Auto;
  index_t oversample = 10;
  int power_iters = 1;
  int max_iter = 50;
  double rtol = 1e-6;
  std::uint64_t seed = 0;
  bool check_finite = false;  // reject NaN/Inf in X (checked_frobenius_sq)
};

struct TuckerReport {
  std::vector<index_t> ranks;
  std::vector<std::string> bases;  // route of each mode's (last) basis
  std::vector<int> order;          // modes in the order they were truncated
  int sweeps = 0;                  // HOOI sweeps done
  bool converged = true;
  double frob_sq = 0.0;            // ||X||^2
  double core_sq = 0.0;            // ||G||^2
  std::vector<double> core_sq_history;  // ||G||^2 of the start and after each sweep
};

template <class T>
struct TuckerFactors {
  Tensor<T> core;
  std::vector<Matrix<T>> factors;
};

// Cost model of the two routes for an I x P unfolding (comment at the top
// of mode_basis.hpp). In flops the Gram route wins while I <= 4 l (q + 1);
// but its syrk runs near the GEMM peak while the range finder's 2q + 2
// passes with l columns are memory-bound, draw P l Gaussians and call BLAS
// many times (measured on P4a, 300 x 90000, l = 30, q = 1, 2 cores: the
// Gram route took a third of the randomized one's CPU time), so the
// threshold is doubled: exact when I <= 8 l (q + 1) (short-fat) or
// P <= l (q + 1) (tall), and whenever the sketch would fill the space.
inline bool exact_is_cheaper(index_t I, index_t P, index_t l, int q) {
  if (l >= std::min(I, P)) return true;
  const double I_ = static_cast<double>(I), P_ = static_cast<double>(P), l_ = static_cast<double>(l);
  return I <= P ? I_ <= 8.0 * l_ * (q + 1) : P_ <= l_ * (q + 1);
}

namespace detail {

template <class Ctx, class T>
ModeBasis<T> basis_of(const Ctx& ctx, TensorView<const T> X, int n, index_t rank, double target,
                      const TuckerOptions& o, int stream) {
  const index_t I = X.shape[n], P = X.size() / I;
  if (!use_loop(X.left(n), X.right(n))) {
    // Thin slices: run on the mode-first copy, whose X_(0) is this X_(n).
    Tensor<T> Xp = mode_first(ctx, X, n);
    return basis_of(ctx, Xp.cview(), 0, rank, target, o, n);
  }
  if (rank <= 0 || o.basis == BasisRule::Exact) return exact_basis(ctx, X, n, rank, target);
  const index_t l = std::min({rank + o.oversample, I, P});
  if (l <= rank || (o.basis == BasisRule::Auto && exact_is_cheaper(I, P, l, o.power_iters)))
    return exact_basis(ctx, X, n, rank, target);
  return randomized_basis(ctx, X, n, rank, l, o.power_iters, o.seed, stream);
}

inline std::vector<index_t> with_dim(std::vector<index_t> s, int n, index_t d) {
  s[n] = d;
  return s;
}

// Modes with r_n < I_n, largest reduction I_n / r_n first (ties: the last mode
// and mode 0, then larger I_n, then the last mode); with unknown ranks (tol mode), larger I_n first.
inline std::vector<int> mode_order(const std::vector<index_t>& shape, const std::vector<index_t>& ranks) {
  std::vector<int> modes;
  for (int n = 0; n < static_cast<int>(shape.size()); ++n)
    if (ranks[n] <= 0 || ranks[n] < shape[n]) modes.push_back(n);
  std::stable_sort(modes.begin(), modes.end(), [&](int a, int b) {
    const double ra = ranks[a] > 0 ? double(shape[a]) / ranks[a] : double(shape[a]);
    const double rb = ranks[b] > 0 ? double(shape[b]) / ranks[b] : double(shape[b]);
    if (ra != rb) return ra > rb;
    // Mode 0 and the last mode are one GEMM on the whole tensor; a middle
    // mode is a loop over slices.
    const int last = static_cast<int>(shape.size()) - 1;
    const bool ca = a == 0 || a == last, cb = b == 0 || b == last;
    if (ca != cb) return ca;
    if (shape[a] != shape[b]) return shape[a] > shape[b];
    // Then the last mode before mode 0: its product X_(N)^T U is a GEMM
    // with the long side as M, which OpenBLAS runs about twice as fast as
    // mode 0's U^T X_(0) with it as N (300 x 90000, r = 20: 27 vs 65 ms).
    return a == last && b != last;
  });
  return modes;
}

// Y = X x_k U_k^T for the modes k in `modes`, in that order. Returns X
// copied when `modes` is empty.
template <class Ctx, class T>
Tensor<T> contract(const Ctx& ctx, TensorView<const T> X, const std::vector<Matrix<T>>& U,
                   const std::vector<int>& modes) {
  Tensor<T> cur;
  TensorView<const T> in = X;
  for (int k : modes) {
    Tensor<T> next(with_dim(in.shape, k, U[k].cols()));
    mode_product(ctx, in, k, DenseView<const T>(U[k].view()).t(), next.view());
    cur = std::move(next);
    in = cur.cview();
  }
  if (modes.empty()) {
    cur = Tensor<T>(X.shape);
    if (X.size() > 0) ctx.copy(DenseView<const T>(X.unfold0()), cur.view().unfold0());
  }
  return cur;
}

}  // namespace detail

inline void check_options(const std::vector<index_t>& shape, const TuckerOptions& o) {
  const int N = static_cast<int>(shape.size());
  require(N >= 2, "tucker: the tensor needs at least 2 modes");
  for (index_t d : shape) require(d >= 1, "tucker: empty tensor");
  require(static_cast<int>(o.ranks.size()) == N, "tucker: need one rank per mode");
  if (o.tol > 0) {
    require(o.tol < 1, "tucker: tol must be in (0, 1)");
  } else {
    for (int n = 0; n < N; ++n)
      require(o.ranks[n] >= 1 && o.ranks[n] <= shape[n], "tucker: rank of mode " + std::to_string(n) + " must be in [1, " +
                                                             std::to_string(shape[n]) + "]");
  }
  require(o.oversample >= 0 && o.power_iters >= 0 && o.max_iter >= 0 && o.rtol >= 0, "tucker: bad option");
}

// ||X||_F^2, with the NaN/Inf check of X folded into the same read when
// asked: a finite sum of squares means finite entries, so only a sum that
// is not finite (NaN/Inf, or squares of entries beyond ~1e154) needs the
// entry-wise check. Saves a pass over X (P4a: 8 % of the time).
template <class Ctx, class T>
double checked_frobenius_sq(const Ctx& ctx, TensorView<const T> X, bool check) {
  const double f = tensor_frobenius_sq(ctx, X);
  if (check && !std::isfinite(f) && !ctx.all_finite(DenseView<const T>(X.unfold0())))
    throw invalid_argument("X contains NaN or Inf (pass check_finite=False to skip this check)");
  return f;
}

// ST-HOSVD. Discarded energy of each truncation <= tol^2 ||X||^2 / N in
// tolerance mode, so ||X - X^|| <= tol ||X|| (the errors of the steps add:
// Vannieuwenhoven et al. 2012, Thm 5.1).
// With fixed ranks ||X||_F^2 is only reported, and when the first mode's
// basis comes from its Gram matrix, that matrix's trace is ||X||_F^2: no
// pass of its own (P4a: 9 % of the time). Float64 only: a float32 Gram's
// trace is good to ~1e-6, which would blur the reported error below 1e-3.
template <class Ctx, class T>
TuckerFactors<T> sthosvd(const Ctx& ctx, TensorView<const T> X, const TuckerOptions& o, TuckerReport& rep) {
  check_options(X.shape, o);
  const int N = X.ndim();
  const bool from_trace = !(o.tol > 0) && sizeof(T) == 8;
  rep.frob_sq = from_trace ? -1.0 : checked_frobenius_sq(ctx, X, o.check_finite);
  const double target = o.tol * o.tol * rep.frob_sq / N;
  TuckerFactors<T> out;
  out.factors.resize(N);
  rep.ranks = o.ranks;
  rep.bases.assign(N, "identity");
  rep.order.clear();
  Tensor<T> cur;
  TensorView<const T> in = X;
  for (int n : detail::mode_order(X.shape, o.ranks)) {
    ModeBasis<T> b;
    if (rep.frob_sq < 0) {  // the first mode, on X itself, ||X||_F not read yet
      try {
        b = detail::basis_of(ctx, in, n, o.ranks[n], target, o, n);
      } catch (const std::exception&) {
        // NaN/Inf in X may stop a factorization first: report them as such.
        checked_frobenius_sq(ctx, X, o.check_finite);
        throw;
      }
      // Other routes (a non-finite trace included) read ||X|| themselves.
      rep.frob_sq = b.route == "gram" ? b.trace : checked_frobenius_sq(ctx, X, o.check_finite);
      require(std::isfinite(rep.frob_sq) && b.route != "nonfinite",
              "X contains NaN or Inf, or entries whose squares overflow");
    } else {
      b = detail::basis_of(ctx, in, n, o.ranks[n], target, o, n);
    }
    const index_t r = b.U.cols();
    rep.ranks[n] = r;
    if (r == X.shape[n] && o.ranks[n] <= 0) continue;  // tol kept the whole mode
    rep.order.push_back(n);
    rep.bases[n] = b.route;
    Tensor<T> next(detail::with_dim(in.shape, n, r));
    if (b.Z.rows() > 0)
      project_from_sketch(ctx, b, in.left(n), in.right(n), next.view());
    else
      mode_product(ctx, in, n, DenseView<const T>(b.U.view()).t(), next.view());
    out.factors[n] = std::move(b.U);
    cur = std::move(next);
    in = cur.cview();
  }
  if (rep.frob_sq < 0) rep.frob_sq = checked_frobenius_sq(ctx, X, o.check_finite);  // no mode truncated
  for (int n = 0; n < N; ++n)
    if (out.factors[n].cols() == 0) out.factors[n] = identity<Ctx, T>(ctx, X.shape[n]);
  out.core = rep.order.empty() ? detail::contract(ctx, X, out.factors, {}) : std::move(cur);
  rep.core_sq = tensor_frobenius_sq(ctx, out.core.cview());
  rep.core_sq_history = {rep.core_sq};
  return out;
}

// HOSVD: every basis from X itself; tolerance mode bounds each mode's
// discarded energy by tol^2 ||X||^2 / N, and ||X - X^||^2 <= their sum.
template <class Ctx, class T>
TuckerFactors<T> hosvd(const Ctx& ctx, TensorView<const T> X, const TuckerOptions& o, TuckerReport& rep) {
  check_options(X.shape, o);
  const int N = X.ndim();
  rep.frob_sq = checked_frobenius_sq(ctx, X, o.check_finite);
  const double target = o.tol * o.tol * rep.frob_sq / N;
  TuckerFactors<T> out;
  out.factors.resize(N);
  rep.ranks = o.ranks;
  rep.bases.assign(N, "identity");
  std::vector<int> active;
  for (int n : detail::mode_order(X.shape, o.ranks)) {
    ModeBasis<T> b = detail::basis_of(ctx, X, n, o.ranks[n], target, o, n);
    rep.ranks[n] = b.U.cols();
    if (b.U.cols() == X.shape[n] && o.ranks[n] <= 0) continue;
    rep.bases[n] = b.route;
    out.factors[n] = std::move(b.U);
    active.push_back(n);
  }
  for (int n = 0; n < N; ++n)
    if (out.factors[n].cols() == 0) out.factors[n] = identity<Ctx, T>(ctx, X.shape[n]);
  // The core, largest reduction first (now that the ranks are known).
  rep.order = detail::mode_order(X.shape, rep.ranks);
  out.core = detail::contract(ctx, X, out.factors, rep.order);
  rep.core_sq = tensor_frobenius_sq(ctx, out.core.cview());
  rep.core_sq_history = {rep.core_sq};
  return out;
}

// HOOI from the ST-HOSVD. Each update maximises ||G||^2 over one factor
// with the others fixed, so ||G|| never decreases (up to rounding: a sweep
// that lowers it is undone and ends the iteration). Stops when
// | ||G_k|| - ||G_{k-1}|| | <= rtol ||G_k|| or after max_iter sweeps.
// Cost per sweep: two products with the whole tensor (the first mode's
// contraction, and X x_a U_a^T, reused by all other modes of the sweep)
// plus products with smaller tensors and an I_n^2 M Gram matrix per mode.
template <class Ctx, class T>
TuckerFactors<T> hooi(const Ctx& ctx, TensorView<const T> X, const TuckerOptions& o, TuckerReport& rep) {
  TuckerFactors<T> f = sthosvd(ctx, X, o, rep);
  const int N = X.ndim();
  std::vector<int> active = detail::mode_order(X.shape, rep.ranks);
  rep.sweeps = 0;
  rep.converged = true;
  if (active.empty() || o.max_iter == 0) {
    rep.converged = active.empty();
    return f;
  }
  double best = rep.core_sq;
  rep.converged = false;
  const double rtol = std::max(o.rtol, 10.0 * static_cast<double>(std::numeric_limits<T>::epsilon()));
  for (int sweep = 0; sweep < o.max_iter; ++sweep) {
    std::vector<Matrix<T>> saved(N);  // this sweep's starting factors (small)
    for (int n : active) {
      saved[n] = Matrix<T>(f.factors[n].rows(), f.factors[n].cols());
      ctx.copy(DenseView<const T>(f.factors[n].view()), saved[n].view());
    }
    Tensor<T> core;
    double core_sq = 0.0;
    Tensor<T> Xa;  // X x_a U_a^T for the sweep's first mode a
    std::vector<std::string> routes(N);
    for (std::size_t i = 0; i < active.size(); ++i) {
      const int n = active[i];
      std::vector<int> others;
      for (int k : active)
        if (k != n && !(i > 0 && k == active[0])) others.push_back(k);
      TensorView<const T> base = i == 0 ? X : Xa.cview();
      Tensor<T> Yt;
      if (!others.empty()) Yt = detail::contract(ctx, base, f.factors, others);
      TensorView<const T> Y = others.empty() ? base : Yt.cview();
      ModeBasis<T> b = exact_basis(ctx, Y, n, rep.ranks[n], 0.0);
      routes[n] = b.route;
      f.factors[n] = std::move(b.U);
      if (i == 0 && active.size() > 1) {
        Xa = Tensor<T>(detail::with_dim(X.shape, n, rep.ranks[n]));
        mode_product(ctx, X, n, DenseView<const T>(f.factors[n].view()).t(), Xa.view());
      }
      if (i + 1 == active.size()) {
        core = Tensor<T>(detail::with_dim(Y.shape, n, rep.ranks[n]));
        mode_product(ctx, Y, n, DenseView<const T>(f.factors[n].view()).t(), core.view());
        core_sq = tensor_frobenius_sq(ctx, core.cview());
      }
    }
    rep.sweeps = sweep + 1;
    rep.core_sq_history.push_back(core_sq);
    if (core_sq < best) {
      // Only rounding can lower ||G||: keep the sweep's starting point.
      for (int n : active) f.factors[n] = std::move(saved[n]);
      rep.converged = true;
      break;
    }
    const bool stop = std::sqrt(core_sq) - std::sqrt(best) <= rtol * std::sqrt(core_sq);
    best = core_sq;
    f.core = std::move(core);
    rep.core_sq = core_sq;
    for (int n : active) rep.bases[n] = routes[n];
    if (stop) {
      rep.converged = true;
      break;
    }
  }
  return f;
}

template <class Ctx, class T>
TuckerFactors<T> tucker(const Ctx& ctx, TensorView<const T> X, const TuckerOptions& o, TuckerReport& rep) {
  switch (o.method) {
    case Method::Hosvd: return hosvd(ctx, X, o, rep);
    case Method::Sthosvd: return sthosvd(ctx, X, o, rep);
    default: return hooi(ctx, X, o, rep);
  }
}

// X^ = G x_1 U_1 ... x_N U_N (U_n: I_n x r_n), smallest growth first.
template <class Ctx, class T>
Tensor<T> tucker_to_tensor(const Ctx& ctx, TensorView<const T> G, const std::vector<DenseView<const T>>& U) {
  const int N = G.ndim();
  require(static_cast<int>(U.size()) == N, "tucker_to_tensor: need one factor per mode");
  for (int n = 0; n < N; ++n)
    require(U[n].cols == G.shape[n], "tucker_to_tensor: factor " + std::to_string(n) + " has " +
                                         std::to_string(U[n].cols) + " columns, the core's mode has " +
                                         std::to_string(G.shape[n]));
  std::vector<int> order(N);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return double(U[a].rows) / std::max<index_t>(U[a].cols, 1) < double(U[b].rows) / std::max<index_t>(U[b].cols, 1);
  });
  Tensor<T> cur(G.shape);
  if (G.size() > 0) ctx.copy(DenseView<const T>(G.unfold0()), cur.view().unfold0());
  for (int n : order) {
    Tensor<T> next(detail::with_dim(cur.shape(), n, U[n].rows));
    mode_product(ctx, cur.cview(), n, U[n], next.view());
    cur = std::move(next);
  }
  return cur;
}

}  // namespace linalg::tensor
