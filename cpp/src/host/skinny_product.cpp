// Large dense matrix times a narrow block with AVX-512 register blocking
// (linalg/host/skinny_product.hpp says when and why).
//
// A's storage is read as a row-major M (r x s): a C-ordered A is M, an
// F-ordered A is M^T. The narrow block X goes into a zero-padded row-major
// copy Xp (cp = its columns rounded up to whole vectors), so that a row of
// X is NV aligned-width loads.
// - C = M X: each thread takes blocks of R rows of M and keeps R x NV
//   accumulators over the whole row (Xp stays in L2).
// - C = M^T X: each thread owns a range of M's columns, i.e. of C's rows,
//   held as a row-major Ct; it walks M's rows in blocks of kRows (their Xp
//   rows in L1) and J of its columns at a time, J x NV accumulators.
#include "linalg/host/skinny_product.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "linalg/core/buffer.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LINALG_HAVE_AVX512_KERNELS 1
#else
#define LINALG_HAVE_AVX512_KERNELS 0
#endif

namespace linalg::host {

#if LINALG_HAVE_AVX512_KERNELS
namespace {

#define LINALG_AVX512 __attribute__((target("avx512f"), always_inline)) inline

template <class T>
struct Simd;
template <>
struct Simd<float> {
  using V = __m512;
  static constexpr int W = 16;
  static LINALG_AVX512 V zero() { return _mm512_setzero_ps(); }
  static LINALG_AVX512 V load(const float* p) { return _mm512_loadu_ps(p); }
  static LINALG_AVX512 void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static LINALG_AVX512 V splat(const float* p) { return _mm512_set1_ps(*p); }
  static LINALG_AVX512 V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
};
template <>
struct Simd<double> {
  using V = __m512d;
  static constexpr int W = 8;
  static LINALG_AVX512 V zero() { return _mm512_setzero_pd(); }
  static LINALG_AVX512 V load(const double* p) { return _mm512_loadu_pd(p); }
  static LINALG_AVX512 void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static LINALG_AVX512 V splat(const double* p) { return _mm512_set1_pd(*p); }
  static LINALG_AVX512 V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
};

// Rows [i, i + R) of M X into out (R x cp, row-major).
template <class T, int R, int NV>
__attribute__((target("avx512f"))) void rows_times_block(const T* M, index_t ldm, index_t s, const T* Xp,
                                                          index_t cp, T* out) {
  using S = Simd<T>;
  typename S::V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = S::zero();
  constexpr index_t ahead = 1024 / sizeof(T);  // R streams: prefetch 1 KB ahead in each
  for (index_t k = 0; k < s; ++k) {
    if (k % S::W == 0)
      for (int r = 0; r < R; ++r) _mm_prefetch(reinterpret_cast<const char*>(M + r * ldm + k + ahead), _MM_HINT_T0);
    typename S::V x[NV];
    for (int v = 0; v < NV; ++v) x[v] = S::load(Xp + k * cp + v * S::W);
    for (int r = 0; r < R; ++r) {
      const typename S::V a = S::splat(M + r * ldm + k);
      for (int v = 0; v < NV; ++v) acc[r][v] = S::fma(a, x[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) S::store(out + r * cp + v * S::W, acc[r][v]);
}

// Ct rows [j, j + J) += M[i0:i1, j:j+J]^T Xp[i0:i1] (Ct: row-major, cp wide).
template <class T, int J, int NV>
__attribute__((target("avx512f"))) void columns_times_block(const T* M, index_t ldm, index_t i0, index_t i1,
                                                             index_t j, const T* Xp, index_t cp, T* Ct) {
  using S = Simd<T>;
  typename S::V acc[J][NV];
  for (int jj = 0; jj < J; ++jj)
    for (int v = 0; v < NV; ++v) acc[jj][v] = S::load(Ct + (j + jj) * cp + v * S::W);
  for (index_t i = i0; i < i1; ++i) {
    typename S::V x[NV];
    for (int v = 0; v < NV; ++v) x[v] = S::load(Xp + i * cp + v * S::W);
    const T* m = M + i * ldm + j;
    // The block walks kRows rows across: more streams than the hardware
    // prefetcher follows (measured 100-180 -> 37-47 ms on P1's shape).
    _mm_prefetch(reinterpret_cast<const char*>(m + 64), _MM_HINT_T0);
    for (int jj = 0; jj < J; ++jj) {
      const typename S::V a = S::splat(m + jj);
      for (int v = 0; v < NV; ++v) acc[jj][v] = S::fma(a, x[v], acc[jj][v]);
    }
  }
  for (int jj = 0; jj < J; ++jj)
    for (int v = 0; v < NV; ++v) S::store(Ct + (j + jj) * cp + v * S::W, acc[jj][v]);
}

// Registers: R x NV accumulators, NV loads and one broadcast within the 32.
constexpr int rows_per_block(int nv) { return nv <= 2 ? 8 : nv <= 4 ? 6 : 4; }

template <class T, int NV>
void product_m(const T* M, index_t r, index_t s, index_t ldm, const T* Xp, index_t cp, T alpha, DenseView<T> C) {
  constexpr int R = rows_per_block(NV);
  const index_t blocks = (r + R - 1) / R, c = C.cols;
#pragma omp parallel
  {
    alignas(64) T out[R * 6 * 16];
#pragma omp for schedule(static)
    for (index_t b = 0; b < blocks; ++b) {
      const index_t i = b * R, rows = std::min<index_t>(R, r - i);
      if (rows == R) {
        rows_times_block<T, R, NV>(M + i * ldm, ldm, s, Xp, cp, out);
      } else {
        for (index_t q = 0; q < rows; ++q) rows_times_block<T, 1, NV>(M + (i + q) * ldm, ldm, s, Xp, cp, out + q * cp);
      }
      for (index_t j = 0; j < c; ++j)
        for (index_t q = 0; q < rows; ++q) C.data[(i + q) + j * C.ld] = alpha * out[q * cp + j];
    }
  }
}

template <class T, int NV>
void product_mt(const T* M, index_t r, index_t s, index_t ldm, const T* Xp, index_t cp, T alpha, DenseView<T> C) {
  constexpr int J = NV <= 3 ? 8 : 4;
  // M's rows per block: their Xp rows stay in L1, and the block's stretch
  // of M (kRows x the thread's columns) in L2 while the J-column groups
  // walk it.
  constexpr index_t kRows = 32;
  Buffer<T> ct_buf(s * cp);
  T* Ct = ct_buf.data();
  const index_t c = C.cols;
#pragma omp parallel
  {
#ifdef _OPENMP
    const index_t t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
    const index_t t = 0, nt = 1;
#endif
    // Whole groups of J columns per thread.
    const index_t groups = (s + J - 1) / J;
    const index_t g0 = groups * t / nt, g1 = groups * (t + 1) / nt;
    const index_t j0 = g0 * J, j1 = std::min(s, g1 * J);
    std::fill(Ct + j0 * cp, Ct + j1 * cp, T(0));
    for (index_t i0 = 0; i0 < r; i0 += kRows) {
      const index_t i1 = std::min(r, i0 + kRows);
      index_t j = j0;
      for (; j + J <= j1; j += J) columns_times_block<T, J, NV>(M, ldm, i0, i1, j, Xp, cp, Ct);
      for (; j < j1; ++j) columns_times_block<T, 1, NV>(M, ldm, i0, i1, j, Xp, cp, Ct);
    }
    for (index_t q = 0; q < c; ++q)
      for (index_t jj = j0; jj < j1; ++jj) C.data[jj + q * C.ld] = alpha * Ct[jj * cp + q];
  }
}

template <class T, int NV>
void dispatch(bool transpose_m, const T* M, index_t r, index_t s, index_t ldm, const T* Xp, index_t cp, T alpha,
              DenseView<T> C) {
  if (transpose_m) product_mt<T, NV>(M, r, s, ldm, Xp, cp, alpha, C);
  else product_m<T, NV>(M, r, s, ldm, Xp, cp, alpha, C);
}

}  // namespace
#endif

bool skinny_product_applies(index_t rows, index_t cols) {
#if LINALG_HAVE_AVX512_KERNELS
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  // Below ~4M entries A's reads are cheap and BLAS's own calls are fine.
  return avx512 && static_cast<double>(rows) * cols >= 4194304.0 && rows >= 64 && cols >= 64;
#else
  (void)rows, (void)cols;
  return false;
#endif
}

template <class T>
bool skinny_product(T alpha, DenseView<const T> A, DenseView<const T> B, DenseView<T> C) {
#if LINALG_HAVE_AVX512_KERNELS
  constexpr int W = Simd<T>::W;
  const index_t c = C.cols;
  if (C.trans || c == 0 || c > 6 * W || !skinny_product_applies(A.rows, A.cols)) return false;
  // A's storage as a row-major M (r x s): A itself when it is stored
  // transposed (C-ordered), else A^T.
  const bool transpose_m = !A.trans;
  const index_t r = A.trans ? A.rows : A.cols, s = A.trans ? A.cols : A.rows;
  const index_t nv = (c + W - 1) / W, cp = nv * W, xr = B.rows;
  Buffer<T> xp_buf(xr * cp);
  T* Xp = xp_buf.data();
#pragma omp parallel for schedule(static) if (xr * cp > 65536)
  for (index_t i = 0; i < xr; ++i)
    for (index_t j = 0; j < cp; ++j) Xp[i * cp + j] = j < c ? B(i, j) : T(0);
  switch (nv) {
    case 1: dispatch<T, 1>(transpose_m, A.data, r, s, A.ld, Xp, cp, alpha, C); break;
    case 2: dispatch<T, 2>(transpose_m, A.data, r, s, A.ld, Xp, cp, alpha, C); break;
    case 3: dispatch<T, 3>(transpose_m, A.data, r, s, A.ld, Xp, cp, alpha, C); break;
    case 4: dispatch<T, 4>(transpose_m, A.data, r, s, A.ld, Xp, cp, alpha, C); break;
    case 5: dispatch<T, 5>(transpose_m, A.data, r, s, A.ld, Xp, cp, alpha, C); break;
    default: dispatch<T, 6>(transpose_m, A.data, r, s, A.ld, Xp, cp, alpha, C); break;
  }
  return true;
#else
  (void)alpha, (void)A, (void)B, (void)C;
  return false;
#endif
}

template bool skinny_product<float>(float, DenseView<const float>, DenseView<const float>, DenseView<float>);
template bool skinny_product<double>(double, DenseView<const double>, DenseView<const double>, DenseView<double>);

}  // namespace linalg::host
