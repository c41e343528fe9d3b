#include "linalg/host/als_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "linalg/core/errors.hpp"
#include "linalg/rng/draws.hpp"

// The per-row kernels are short k-wide loops: compiled for the baseline
// x86-64 ISA (SSE2) they run at a quarter of the AVX2+FMA rate, so they are
// built twice and chosen by a CPU check (the rest of the build stays
// baseline).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LINALG_ALS_DISPATCH 1
#endif

namespace linalg::host {

#ifdef LINALG_ALS_DISPATCH
namespace als_avx2 {
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "als_kernels_impl.inc"
#pragma GCC pop_options
}  // namespace als_avx2
#endif

namespace als_base {
#include "als_kernels_impl.inc"
}  // namespace als_base

namespace {
bool use_avx2() {
#ifdef LINALG_ALS_DISPATCH
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}
}  // namespace

#ifdef LINALG_ALS_DISPATCH
#define LINALG_ALS_CALL(fn, ...) (use_avx2() ? als_avx2::fn(__VA_ARGS__) : als_base::fn(__VA_ARGS__))
#else
#define LINALG_ALS_CALL(fn, ...) als_base::fn(__VA_ARGS__)
#endif

template <class T>
void solve_rows(const RowSolveArgs<T>& a) {
  require(a.kw >= 1 && a.ld >= a.kw, "solve_rows: need 1 <= kw <= ld");
  LINALG_ALS_CALL(solve_rows_impl<T>, a);
}

template <class T>
void design_rows(const T* other, index_t n, index_t k, index_t ld, bool biases, T* D, T* offset) {
  require(k >= 1 && ld >= k + (biases ? 1 : 0), "design_rows: need 1 <= k and k (+1 with biases) <= ld");
#pragma omp parallel for schedule(static) if (n * ld > (1 << 16))
  for (index_t j = 0; j < n; ++j) {
    const T* o = other + j * ld;
    T* d = D + j * ld;
    for (index_t c = 0; c < ld; ++c) d[c] = c < k ? o[c] : T(0);
    if (biases) {
      d[k] = T(1);
      offset[j] = o[k];
    }
  }
}

template <class T>
void sketch_rows(const T* D, index_t n, index_t kw, index_t ld, index_t s, int zeta, std::uint64_t seed, T* out) {
  require(s >= 1 && zeta >= 1 && zeta <= 31, "sketch_rows: need s >= 1 and 1 <= zeta <= 31");
  LINALG_ALS_CALL(sketch_rows_impl<T>, D, n, kw, ld, s, zeta, seed, out);
}

template <class T>
void predict_entries(const T* X, index_t ldx, const T* Y, index_t ldy, index_t k, const T* xb, index_t xbs,
                     const T* yb, index_t ybs, T mean, const std::int64_t* r, const std::int64_t* c, index_t len,
                     T* out) {
  LINALG_ALS_CALL(predict_impl<T>, X, ldx, Y, ldy, k, xb, xbs, yb, ybs, mean, r, c, len, out);
}

#define LINALG_INSTANTIATE(T)                                                                                \
  template void solve_rows<T>(const RowSolveArgs<T>&);                                                      \
  template void design_rows<T>(const T*, index_t, index_t, index_t, bool, T*, T*);                          \
  template void sketch_rows<T>(const T*, index_t, index_t, index_t, index_t, int, std::uint64_t, T*);       \
  template void predict_entries<T>(const T*, index_t, const T*, index_t, index_t, const T*, index_t, const T*, \
                                   index_t, T, const std::int64_t*, const std::int64_t*, index_t, T*);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::host
