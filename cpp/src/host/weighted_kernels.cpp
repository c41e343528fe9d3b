#include "linalg/host/weighted_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "linalg/core/errors.hpp"

namespace linalg::host {

namespace {

// Below this much work a parallel region costs more than it saves (and,
// on a loaded machine, spinning threads cost far more).
constexpr index_t kParallelMin = 65536;

template <class T, class U>
void check_pair(const DenseView<T>& a, const DenseView<U>& b, const char* what) {
  require(a.rows == b.rows && a.cols == b.cols && a.trans == b.trans, std::string(what) + ": shapes or layouts differ");
}

// Serial sum of per-column partial sums: the order is fixed.
double ordered_sum(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s;
}

}  // namespace

template <class T>
WeightStats weight_stats(DenseView<const T> W) {
  const index_t m = W.stored_rows(), n = W.stored_cols();
  std::vector<double> lo(n), hi(n);
  std::vector<std::int64_t> pos(n);
  std::vector<char> fin(n);
#pragma omp parallel for schedule(static) if (m * n > kParallelMin)
  for (index_t j = 0; j < n; ++j) {
    const T* w = W.data + j * W.ld;
    double l = std::numeric_limits<double>::infinity(), h = -l;
    std::int64_t p = 0;
    bool f = true;
    for (index_t i = 0; i < m; ++i) {
      const double x = static_cast<double>(w[i]);
      f &= std::isfinite(x);
      l = std::min(l, x);
      h = std::max(h, x);
      p += x > 0.0;
    }
    lo[j] = l;
    hi[j] = h;
    pos[j] = p;
    fin[j] = f;
  }
  WeightStats s;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -s.min;
  for (index_t j = 0; j < n; ++j) {
    s.min = std::min(s.min, lo[j]);
    s.max = std::max(s.max, hi[j]);
    s.positive += pos[j];
    s.finite = s.finite && fin[j];
  }
  return s;
}

template <class T>
WeightedSums em_fill(DenseView<const T> A, DenseView<const T> W, T winv, DenseView<T> B, bool write) {
  check_pair(A, W, "em_fill");
  check_pair(A, B, "em_fill");
  const index_t m = A.stored_rows(), n = A.stored_cols();
  std::vector<double> obj(n), bsq(n), gap(n);
#pragma omp parallel for schedule(static) if (m * n > kParallelMin)
  for (index_t j = 0; j < n; ++j) {
    const T* a = A.data + j * A.ld;
    const T* w = W.data + j * W.ld;
    T* b = B.data + j * B.ld;
    double o = 0.0, s = 0.0, g = 0.0;
    for (index_t i = 0; i < m; ++i) {
      const T r = a[i] - b[i];
      const T wr = w[i] * r;
      o += static_cast<double>(wr) * r;
      const T d = winv * wr;  // B - X
      g += static_cast<double>(d) * d;
      if (write) {
        const T nb = b[i] + d;
        s += static_cast<double>(nb) * nb;
        b[i] = nb;
      }
    }
    obj[j] = o;
    bsq[j] = s;
    gap[j] = g;
  }
  WeightedSums out;
  out.objective = ordered_sum(obj);
  out.b_sq = ordered_sum(bsq);
  out.gap_sq = ordered_sum(gap);
  return out;
}

template <class T>
void scale_dense(DenseView<const T> A, const T* r, const T* c, DenseView<T> out) {
  check_pair(A, out, "scale_dense");
  const index_t m = A.stored_rows(), n = A.stored_cols();
  // Stored rows are logical columns when transposed.
  const T* rs = A.trans ? c : r;
  const T* cs = A.trans ? r : c;
#pragma omp parallel for schedule(static) if (m * n > kParallelMin)
  for (index_t j = 0; j < n; ++j) {
    const T* a = A.data + j * A.ld;
    T* o = out.data + j * out.ld;
    const T cj = cs ? cs[j] : T(1);
    if (rs)
      for (index_t i = 0; i < m; ++i) o[i] = rs[i] * a[i] * cj;
    else
      for (index_t i = 0; i < m; ++i) o[i] = a[i] * cj;
  }
}

template <class T, class I>
void scale_csr(const CsrView<T, I>& S, const T* r, const T* c, T* vout) {
  const index_t rows = S.stored_rows;
#pragma omp parallel for schedule(static) if (S.nnz() > kParallelMin)
  for (index_t i = 0; i < rows; ++i) {
    const T ri = r ? r[i] : T(1);
    for (I p = S.indptr[i]; p < S.indptr[i + 1]; ++p) vout[p] = ri * S.values[p] * (c ? c[S.indices[p]] : T(1));
  }
}

template <class T>
void hadamard(DenseView<const T> W, DenseView<const T> A, DenseView<T> out) {
  check_pair(A, W, "hadamard");
  check_pair(A, out, "hadamard");
  const index_t m = A.stored_rows(), n = A.stored_cols();
#pragma omp parallel for schedule(static) if (m * n > kParallelMin)
  for (index_t j = 0; j < n; ++j) {
    const T* a = A.data + j * A.ld;
    const T* w = W.data + j * W.ld;
    T* o = out.data + j * out.ld;
    for (index_t i = 0; i < m; ++i) o[i] = w[i] * a[i];
  }
}

template <class T>
void sym_outer_rows(DenseView<const T> F, DenseView<T> K) {
  const index_t rows = F.rows, k = F.cols;
  require(!K.trans && K.rows == rows && K.cols == k * (k + 1) / 2, "sym_outer_rows: shape mismatch");
#pragma omp parallel for schedule(dynamic) if (rows * k * k > 2 * kParallelMin)
  for (index_t b = 0; b < k; ++b)
    for (index_t a = 0; a <= b; ++a) {
      T* o = K.data + (b * (b + 1) / 2 + a) * K.ld;
      for (index_t i = 0; i < rows; ++i) o[i] = F(i, a) * F(i, b);
    }
}

template <class T>
std::int64_t batched_spd_solve(DenseView<const T> G, DenseView<const T> R, DenseView<T> X, index_t k) {
  const index_t nc = G.cols, kk = k * (k + 1) / 2;
  require(G.rows == kk && R.rows == k && R.cols == nc && X.rows == nc && X.cols == k, "batched_spd_solve: shapes");
  std::int64_t ridged = 0;
#pragma omp parallel reduction(+ : ridged) if (nc * k * k * k > 6 * kParallelMin)
  {
    // Per-thread scratch: the Gram unpacked (upper, column-major) and the
    // right-hand side, in double whatever T is (k is small).
    std::vector<double> L(static_cast<std::size_t>(k * k)), x(static_cast<std::size_t>(k));
#pragma omp for schedule(static)
    for (index_t c = 0; c < nc; ++c) {
      auto load = [&](double ridge) {
        for (index_t b = 0; b < k; ++b)
          for (index_t a = 0; a <= b; ++a) L[a + b * k] = static_cast<double>(G(b * (b + 1) / 2 + a, c));
        for (index_t a = 0; a < k; ++a) L[a + a * k] += ridge;
      };
      // Upper Cholesky G = U^T U in place; false when a pivot is too small.
      auto factor = [&](double floor) {
        for (index_t j = 0; j < k; ++j) {
          for (index_t i = 0; i < j; ++i) {
            double s = L[i + j * k];
            for (index_t p = 0; p < i; ++p) s -= L[p + i * k] * L[p + j * k];
            L[i + j * k] = s / L[i + i * k];
          }
          double d = L[j + j * k];
          for (index_t p = 0; p < j; ++p) d -= L[p + j * k] * L[p + j * k];
          if (!(d > floor)) return false;
          L[j + j * k] = std::sqrt(d);
        }
        return true;
      };
      double dmax = 0.0, trace = 0.0;
      for (index_t a = 0; a < k; ++a) {
        const double d = static_cast<double>(G(a * (a + 1) / 2 + a, c));
        dmax = std::max(dmax, d);
        trace += d;
      }
      load(0.0);
      bool ok = dmax > 0.0 && factor(1e-13 * dmax);
      if (!ok) {
        ++ridged;
        const double ridge = trace > 0.0 ? 1e-10 * trace / static_cast<double>(k) : 1.0;
        load(ridge);
        ok = factor(0.0);
      }
      if (!ok) {  // not reachable for a finite Gram plus a positive ridge
        for (index_t a = 0; a < k; ++a) X(c, a) = T(0);
        continue;
      }
      for (index_t a = 0; a < k; ++a) x[a] = static_cast<double>(R(a, c));
      for (index_t i = 0; i < k; ++i) {  // U^T y = r
        double s = x[i];
        for (index_t p = 0; p < i; ++p) s -= L[p + i * k] * x[p];
        x[i] = s / L[i + i * k];
      }
      for (index_t i = k - 1; i >= 0; --i) {  // U x = y
        double s = x[i];
        for (index_t p = i + 1; p < k; ++p) s -= L[i + p * k] * x[p];
        x[i] = s / L[i + i * k];
      }
      for (index_t a = 0; a < k; ++a) X(c, a) = static_cast<T>(x[a]);
    }
  }
  return ridged;
}

#define LINALG_WEIGHTED_KERNELS(T)                                                                     \
  template WeightStats weight_stats<T>(DenseView<const T>);                                          \
  template WeightedSums em_fill<T>(DenseView<const T>, DenseView<const T>, T, DenseView<T>, bool);  \
  template void scale_dense<T>(DenseView<const T>, const T*, const T*, DenseView<T>);                \
  template void scale_csr<T, std::int32_t>(const CsrView<T, std::int32_t>&, const T*, const T*, T*); \
  template void scale_csr<T, std::int64_t>(const CsrView<T, std::int64_t>&, const T*, const T*, T*); \
  template void hadamard<T>(DenseView<const T>, DenseView<const T>, DenseView<T>);                   \
  template void sym_outer_rows<T>(DenseView<const T>, DenseView<T>);                                 \
  template std::int64_t batched_spd_solve<T>(DenseView<const T>, DenseView<const T>, DenseView<T>, index_t);
LINALG_WEIGHTED_KERNELS(float)
LINALG_WEIGHTED_KERNELS(double)
#undef LINALG_WEIGHTED_KERNELS

}  // namespace linalg::host
