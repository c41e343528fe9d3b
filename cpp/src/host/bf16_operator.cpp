// The bfloat16 copy of a float32 (or float64) matrix and its products on
// the AMX tile units (linalg/host/bf16_operator.hpp says why and how it is
// laid out).
//
// A tile product C += L B takes L as 16 rows x 32 bfloat16 (row-major, one
// kilobyte) and B as 16 pairs of rows x 16 columns, each pair interleaved
// ("VNNI": B(2r, c), B(2r+1, c) adjacent), accumulating into 16 x 16
// float32 (Intel SDM, TDPBF16PS). Both kernels keep a 2 x 2 block of C
// tiles with two L and two B tiles in the eight tile registers (block_2x2)
// and walk K in blocks: A X streams the copy's row tiles through a B block
// (~1 MB) kept in L2; A^T X = (X^T A)^T keeps a block of X^T in L2 and
// interleaves the copy's row pairs into B per K block (tile_product_t).
// Without AMX (other CPUs, other compilers) nothing here is built but the
// availability check: copy_of returns an empty operator.
#include "linalg/host/bf16_operator.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define LINALG_HAVE_AMX 1
#else
#define LINALG_HAVE_AMX 0
#endif

namespace linalg::host {

namespace {

struct AlignedFree {
  void operator()(std::uint16_t* p) const { std::free(p); }
};
using Bf16Array = std::unique_ptr<std::uint16_t[], AlignedFree>;

#if LINALG_HAVE_AMX
constexpr index_t kTile = 512;  // bfloat16 entries per tile (1 KB)

index_t round32(index_t v) { return (v + 31) / 32 * 32; }

// float32 -> bfloat16, round to nearest even; NaN stays NaN.
inline std::uint16_t to_bf16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

// core's host_allocate: transparent huge pages for large blocks, which made
// packing a 20000 x 4000 A 5x faster.
Bf16Array allocate(index_t count) {
  auto* p = static_cast<std::uint16_t*>(
      host_allocate(sizeof(std::uint16_t) * static_cast<std::size_t>(std::max<index_t>(count, 1))));
  if (!p) throw std::bad_alloc();
  return Bf16Array(p);
}

// Logical entry (i, j) of a column-major view with a transpose flag.
inline float at(const DenseView<const float>& v, index_t i, index_t j) {
  return v.trans ? v.data[j + i * v.ld] : v.data[i + j * v.ld];
}

// 32 float32 -> bfloat16 (round to nearest even) in one instruction; every
// AMX-BF16 CPU has AVX512-BF16.
__attribute__((target("avx512f,avx512bf16"))) inline void convert32(const float* f, std::uint16_t* h) {
  const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(f + 16), _mm512_loadu_ps(f));
  _mm512_storeu_si512(h, (__m512i)v);
}

// out (16 x 16, rows of stride ldo) = in^T (rows of stride ldi), float32:
// four rounds of two-source permutes, each swapping the off-diagonal
// b x b blocks of every 2b x 2b block (b = 8, 4, 2, 1).
__attribute__((target("avx512f"))) inline void transpose16(const float* in, index_t ldi, float* out, index_t ldo) {
  __m512 r[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(in + i * ldi);
  for (int b = 8; b >= 1; b /= 2) {
    alignas(64) int lo[16], hi[16];
    for (int j = 0; j < 16; ++j) {
      lo[j] = (j & b) ? 16 + j - b : j;  // row i: its own left part, row i+b's left part on the right
      hi[j] = (j & b) ? 16 + j : j + b;  // row i+b: row i's right part on the left, its own right part
    }
    const __m512i ilo = _mm512_load_si512(lo), ihi = _mm512_load_si512(hi);
    for (int i = 0; i < 16; ++i) {
      if (i & b) continue;
      const __m512 a = r[i], c = r[i + b];
      r[i] = _mm512_permutex2var_ps(a, ilo, c);
      r[i + b] = _mm512_permutex2var_ps(a, ihi, c);
    }
  }
  for (int i = 0; i < 16; ++i) _mm512_storeu_ps(out + i * ldo, r[i]);
}

// One stored row (or column) of a 32 x 32 block: `count` <= 32 entries
// from p into out (float32, zero beyond count), their squares (of the
// entries as given: float64 stays float64) added to acc.
__attribute__((target("avx512f,avx512vl"))) inline void load_line(const float* p, index_t count, float* out,
                                                                  __m512d& acc) {
  for (index_t c = 0; c < 32; c += 8) {
    const index_t left = std::clamp<index_t>(count - c, 0, 8);
    const __m256 v = _mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << left) - 1u), p + c);
    _mm256_store_ps(out + c, v);
    const __m512d d = _mm512_maskz_cvtps_pd(0xff, v);  // (maskz: GCC 12 warns on the unmasked form)
    acc = _mm512_fmadd_pd(d, d, acc);
  }
}
__attribute__((target("avx512f,avx512vl"))) inline void load_line(const double* p, index_t count, float* out,
                                                                  __m512d& acc) {
  for (index_t c = 0; c < 32; c += 8) {
    const index_t left = std::clamp<index_t>(count - c, 0, 8);
    const __m512d d = _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << left) - 1u), p + c);
    acc = _mm512_fmadd_pd(d, d, acc);
    _mm256_store_ps(out + c, _mm512_maskz_cvtpd_ps(0xff, d));
  }
}

// One 32 x 32 block of A at (i0, j0) into the copy (see pack_rows);
// returns the sum of its squares. The block is loaded by rows where A's
// rows are contiguous, else by columns and transposed. float64 entries are
// rounded to float32, then to bfloat16. `finite` is false where an entry
// is NaN or Inf - or, from float64, beyond float32's range.
template <class S>
__attribute__((target("avx512f,avx512vl,avx512bf16"))) double pack_block(const DenseView<const S>& A, index_t i0,
                                                                         index_t j0, index_t bj,
                                                                         std::uint16_t* rows_of_a, bool& finite) {
  alignas(64) float f[32][32], ft[32][32];  // f[r][c] = ft[c][r] = A(i0 + r, j0 + c)
  alignas(64) std::uint16_t h[32][32];
  const index_t rn = std::min<index_t>(32, A.rows - i0), cn = std::min<index_t>(32, A.cols - j0);
  float(&src)[32][32] = A.trans ? f : ft;  // rows of A contiguous: f; columns: ft
  const index_t outer = A.trans ? rn : cn, inner = A.trans ? cn : rn;
  const S* base = A.trans ? A.data + i0 * A.ld + j0 : A.data + i0 + j0 * A.ld;
  __m512d acc = _mm512_setzero_pd();
  for (index_t r = 0; r < outer; ++r) load_line(base + r * A.ld, inner, src[r], acc);
  for (index_t r = outer; r < 32; ++r) std::memset(src[r], 0, sizeof(src[r]));
  const __m512i expo = _mm512_set1_epi32(0x7f800000);
  __mmask16 bad = 0;
  for (index_t r = 0; r < 32; ++r)
    for (int c = 0; c < 32; c += 16) {
      const __m512i bits = _mm512_and_si512(_mm512_load_si512(&src[r][c]), expo);
      bad |= _mm512_cmpeq_epi32_mask(bits, expo);
    }
  finite = bad == 0;
  if (!A.trans)
    for (int bi16 = 0; bi16 < 2; ++bi16)
      for (int bj16 = 0; bj16 < 2; ++bj16) transpose16(&ft[16 * bi16][16 * bj16], 32, &f[16 * bj16][16 * bi16], 32);
  // tiles (i0/16 + t, j0/32), t = 0, 1: row r of the tile is row 16 t + r of the block.
  for (index_t r = 0; r < 32; ++r) convert32(f[r], h[r]);
  std::memcpy(rows_of_a + ((i0 / 16) * bj + j0 / 32) * kTile, h[0], sizeof(std::uint16_t) * kTile);
  std::memcpy(rows_of_a + ((i0 / 16 + 1) * bj + j0 / 32) * kTile, h[16], sizeof(std::uint16_t) * kTile);
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, acc);
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

// The copy of A in one pass over it, 32 x 32 blocks at a time: A (mp x np)
// as 16 x 32 tiles, tile (ib, kb) at (ib * np / 32 + kb) * kTile with entry
// (r, c) at r * 32 + c; padding is zero. Returns ||A||_F^2 (of the entries
// as given), summed per block and then in block order: the same sum
// whatever the thread count; `finite` as pack_block's, for all of A.
template <class S>
double pack_rows(const DenseView<const S>& A, index_t mp, index_t np, std::uint16_t* rows_of_a, bool& finite) {
  const index_t bi = mp / 32, bj = np / 32;
  std::vector<double> block_sq(static_cast<std::size_t>(bi * bj));
  int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
  for (index_t b = 0; b < bi * bj; ++b) {
    bool ok = true;
    block_sq[b] = pack_block(A, (b / bj) * 32, (b % bj) * 32, bj, rows_of_a, ok);
    bad |= ok ? 0 : 1;
  }
  finite = bad == 0;
  double total = 0.0;
  for (double v : block_sq) total += v;
  return total;
}

// X^T (Np x kp, X is K x N logical, any layout) as left-operand tiles,
// padded with zeros: tile (i, k) at (i * kp / 32 + k) * kTile, row r =
// X(32 k .. 32 k + 31, 16 i + r) - contiguous in a column-major X.
void pack_left_t(std::uint16_t* out, DenseView<const float> X, index_t kp, index_t Np) {
  const index_t kt = kp / 32, it = Np / 16, K = X.rows, N = X.cols;
#pragma omp parallel for schedule(static)
  for (index_t i = 0; i < it; ++i)
    for (index_t k = 0; k < kt; ++k) {
      std::uint16_t* t = out + (i * kt + k) * kTile;
      for (index_t r = 0; r < 16; ++r) {
        const index_t j = 16 * i + r;
        if (!X.trans && j < N && 32 * k + 32 <= K) {
          convert32(X.data + 32 * k + j * X.ld, t + r * 32);
          continue;
        }
        for (index_t c = 0; c < 32; ++c)
          t[r * 32 + c] = (j < N && 32 * k + c < K) ? to_bf16(at(X, 32 * k + c, j)) : std::uint16_t(0);
      }
    }
}

// A full VNNI tile from 16 columns of a column-major X (x: the first
// entry, ld: its column stride): each column's 32 entries are contiguous;
// converted they are row c of a 16 x 16 matrix of bfloat16 pairs, whose
// transpose is the tile.
__attribute__((target("avx512f,avx512bf16"))) void vnni_tile(const float* x, index_t ld, std::uint16_t* t) {
  alignas(64) std::uint16_t cols[16][32];
  for (int c = 0; c < 16; ++c) convert32(x + c * ld, cols[c]);
  transpose16(reinterpret_cast<const float*>(cols), 16, reinterpret_cast<float*>(t), 16);
}

// The right operand X (K x N logical, any layout) as VNNI tiles, padded to
// kp x np: tile (kb, jb) at (kb * np / 16 + jb) * kTile, entry (r, c, e) =
// X(kb * 32 + 2 r + e, jb * 16 + c) at r * 32 + 2 c + e.
void pack_right(std::uint16_t* out, DenseView<const float> X, index_t kp, index_t np) {
  const index_t kt = kp / 32, nt = np / 16, K = X.rows, N = X.cols;
#pragma omp parallel for schedule(static)
  for (index_t kb = 0; kb < kt; ++kb)
    for (index_t jb = 0; jb < nt; ++jb) {
      std::uint16_t* t = out + (kb * nt + jb) * kTile;
      if (!X.trans && kb * 32 + 32 <= K && jb * 16 + 16 <= N) {  // the common case, vectorised
        vnni_tile(X.data + kb * 32 + jb * 16 * X.ld, X.ld, t);
        continue;
      }
      for (index_t r = 0; r < 16; ++r)
        for (index_t c = 0; c < 16; ++c)
          for (index_t e = 0; e < 2; ++e) {
            const index_t k = kb * 32 + 2 * r + e, j = jb * 16 + c;
            t[r * 32 + 2 * c + e] = (k < K && j < N) ? to_bf16(at(X, k, j)) : std::uint16_t(0);
          }
    }
}

constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

// Palette 1, tiles 0-7 all 16 rows x 64 bytes (a constant: GCC 12 may drop
// stores to a local configuration ahead of ldtilecfg).
alignas(64) const unsigned char kTileConfig[64] = {
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,            // palette, start row, reserved
    64, 0, 64, 0, 64, 0, 64, 0, 64, 0, 64, 0, 64, 0, 64, 0,    // bytes per row, tiles 0-7
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,            // tiles 8-15
    16, 16, 16, 16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0};   // rows, tiles 0-15

bool cpu_has_amx_bf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return ((d >> 22) & 1u) && ((d >> 24) & 1u);  // AMX-BF16, AMX-TILE
}

// C's 2 x 2 block of 16 x 16 tiles at c (rows ldc floats apart) += the
// sum over K steps k in [k0, k1) of the left tiles L0, L1 (the block's two
// tile rows) times the right tiles B0, B1 (its two tile columns), where
// tiles(k, t) gives L0, L1, B0, B1 for t = 0..3: four tile loads and four
// products per step; from zero when `fresh`. The next step's tiles go to
// L1 while a step's products run (the tile loads, not the products,
// stalled the loop).
template <class Tiles>
__attribute__((target("amx-tile,amx-bf16"))) inline void block_2x2(float* c, index_t ldc, bool fresh, index_t k0,
                                                                  index_t k1, const Tiles& tiles) {
  const long stride = static_cast<long>(ldc) * 4;
  if (fresh) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  } else {
    _tile_loadd(0, c, stride);
    _tile_loadd(1, c + 16, stride);
    _tile_loadd(2, c + 16 * ldc, stride);
    _tile_loadd(3, c + 16 * ldc + 16, stride);
  }
  for (index_t k = k0; k < k1; ++k) {
    if (k + 1 < k1)
      for (int t = 0; t < 4; ++t) {
        const char* next = reinterpret_cast<const char*>(tiles(k + 1, t));
        for (int line = 0; line < 1024; line += 64) _mm_prefetch(next + line, _MM_HINT_T0);
      }
    _tile_loadd(4, tiles(k, 0), 64);
    _tile_loadd(5, tiles(k, 1), 64);
    _tile_loadd(6, tiles(k, 2), 64);
    _tile_loadd(7, tiles(k, 3), 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, c, stride);
  _tile_stored(1, c + 16, stride);
  _tile_stored(2, c + 16 * ldc, stride);
  _tile_stored(3, c + 16 * ldc + 16, stride);
}

// C (rp x np, row-major, float32) = L (rp x kp tiles) B (kp x np VNNI tiles).
__attribute__((target("amx-tile,amx-bf16"))) void tile_product(const std::uint16_t* L, const std::uint16_t* B,
                                                               float* C, index_t rp, index_t kp, index_t np) {
  const index_t rt = rp / 16, kt = kp / 32, nt = np / 16;
  // K tiles per block: the B block (kBlock x 32 rows x np columns) ~1 MB.
  const index_t kBlock = std::max<index_t>(16, (index_t(1) << 20) / (64 * np));
  for (index_t k0 = 0; k0 < kt; k0 += kBlock) {
    const index_t k1 = std::min(kt, k0 + kBlock);
#pragma omp parallel
    {
      _tile_loadconfig(kTileConfig);
#pragma omp for schedule(static)
      for (index_t ib = 0; ib < rt; ib += 2)
        for (index_t jb = 0; jb < nt; jb += 2)
          block_2x2(C + ib * 16 * np + jb * 16, np, k0 == 0, k0, k1, [&](index_t k, int t) {
            return t < 2 ? L + ((ib + t) * kt + k) * kTile : B + (k * nt + jb + t - 2) * kTile;
          });
      _tile_release();
    }
  }
}

// Ct (Np x np, row-major, float32) = X^T A for the left tiles XT of X^T
// (pack_left_t; Np x mp) and A in its one copy (rows_of_a; mp x np): that
// is A^T X, transposed. The right operand needs A's rows in VNNI pairs,
// which the copy does not hold: for each block of kBlock K tiles (32 rows
// of A each) and each pair of 16-column tiles, a thread interleaves rows
// 2r and 2r+1 of the copy's tiles into its own scratch (one two-source permute
// per 32 entries, from L2) and runs every row tile pair of X^T against it.
__attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw"))) void tile_product_t(const std::uint16_t* XT,
                                                                                 const std::uint16_t* Arows, float* Ct,
                                                                                 index_t Np, index_t mp, index_t np) {
  const index_t it = Np / 16, kt = mp / 32, jt = np / 16, bjA = np / 32;
  constexpr index_t kBlock = 64;  // right block 128 KB per thread, left block it x 64 KB
  alignas(64) std::uint16_t lo[32], hi[32];
  for (int c = 0; c < 16; ++c)
    for (int e = 0; e < 2; ++e) {
      lo[2 * c + e] = static_cast<std::uint16_t>(32 * e + c);       // column c of row 2r + e (32+: the odd row)
      hi[2 * c + e] = static_cast<std::uint16_t>(32 * e + 16 + c);  // column 16 + c
    }
  const __m512i ilo = _mm512_load_si512(lo), ihi = _mm512_load_si512(hi);
#ifdef _OPENMP
  const int threads = omp_get_max_threads();
#else
  const int threads = 1;
#endif
  Bf16Array scratch = allocate(static_cast<index_t>(threads) * 2 * kBlock * kTile);
  for (index_t k0 = 0; k0 < kt; k0 += kBlock) {
    const index_t k1 = std::min(kt, k0 + kBlock);
#pragma omp parallel
    {
#ifdef _OPENMP
      std::uint16_t* sc = scratch.get() + static_cast<index_t>(omp_get_thread_num()) * 2 * kBlock * kTile;
#else
      std::uint16_t* sc = scratch.get();
#endif
      _tile_loadconfig(kTileConfig);
#pragma omp for schedule(static)
      for (index_t jb = 0; jb < jt; jb += 2) {
        // VNNI tiles (k, jb) and (k, jb + 1) for k in [k0, k1): 32 columns
        // of A = one column tile of the copy.
        for (index_t k = k0; k < k1; ++k)
          for (index_t half = 0; half < 2; ++half) {
            const std::uint16_t* tile = Arows + ((2 * k + half) * bjA + jb / 2) * kTile;
            std::uint16_t* d0 = sc + ((k - k0) * 2) * kTile + 8 * half * 32;
            std::uint16_t* d1 = d0 + kTile;
            for (index_t rr = 0; rr < 8; ++rr) {
              const __m512i even = _mm512_load_si512(tile + 2 * rr * 32);  // row 2 rr: 32 entries
              const __m512i odd = _mm512_load_si512(tile + (2 * rr + 1) * 32);
              _mm512_store_si512(d0 + rr * 32, _mm512_permutex2var_epi16(even, ilo, odd));
              _mm512_store_si512(d1 + rr * 32, _mm512_permutex2var_epi16(even, ihi, odd));
            }
          }
        for (index_t ib = 0; ib < it; ib += 2)
          block_2x2(Ct + ib * 16 * np + jb * 16, np, k0 == 0, k0, k1, [&](index_t k, int t) {
            return t < 2 ? XT + ((ib + t) * kt + k) * kTile : sc + ((k - k0) * 2 + t - 2) * kTile;
          });
      }
      _tile_release();
    }
  }
}
#endif

}  // namespace

struct Bf16Tiles {
  index_t m = 0, n = 0;    // the logical A
  index_t mp = 0, np = 0;  // padded to multiples of 32
  Bf16Array rows_of_a;     // A (mp x np) as left-operand tiles (A^T X reads it too)
};

bool amx_bf16_available() {
  const char* off = std::getenv("LINALG_NO_AMX");
  if (off && *off && *off != '0') return false;
#if LINALG_HAVE_AMX
  static const bool granted = cpu_has_amx_bf16() && syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  return granted;
#else
  return false;
#endif
}

template <class S>
Bf16Operator Bf16Operator::packed(DenseView<const S> A) {
  Bf16Operator out;
  if (!amx_bf16_available() || A.rows == 0 || A.cols == 0) return out;
#if LINALG_HAVE_AMX
  auto s = std::make_shared<Bf16Tiles>();
  s->m = A.rows;
  s->n = A.cols;
  s->mp = round32(A.rows);
  s->np = round32(A.cols);
  s->rows_of_a = allocate(s->mp * s->np);
  out.frob_sq_ = pack_rows(A, s->mp, s->np, s->rows_of_a.get(), out.finite_);
  out.s_ = std::move(s);
#endif
  return out;
}

Bf16Operator Bf16Operator::copy_of(DenseView<const float> A) { return packed(A); }
Bf16Operator Bf16Operator::copy_of(DenseView<const double> A) { return packed(A); }

index_t Bf16Operator::rows() const { return transposed_ ? s_->n : s_->m; }
index_t Bf16Operator::cols() const { return transposed_ ? s_->m : s_->n; }

void Bf16Operator::apply_oriented(bool tr, DenseView<const float> X, DenseView<float> Y) const {
  require(!Y.trans, "Bf16Operator: Y must not be transposed");
  const index_t R = tr ? s_->n : s_->m, K = tr ? s_->m : s_->n;
  require(Y.rows == R && X.rows == K && Y.cols == X.cols, "Bf16Operator: shape mismatch");
  if (Y.rows == 0 || Y.cols == 0) return;
#if LINALG_HAVE_AMX
  const index_t N = X.cols, np = round32(N);
  if (tr) {  // A^T X = (X^T A)^T: its row-major result is Y's columns
    Bf16Array XT = allocate(np * s_->mp);
    pack_left_t(XT.get(), X, s_->mp, np);
    std::unique_ptr<float[]> Ct(new float[static_cast<std::size_t>(np * s_->np)]);
    tile_product_t(XT.get(), s_->rows_of_a.get(), Ct.get(), np, s_->mp, s_->np);
#pragma omp parallel for schedule(static)
    for (index_t j = 0; j < N; ++j)
      std::memcpy(Y.data + j * Y.ld, Ct.get() + j * s_->np, sizeof(float) * static_cast<std::size_t>(R));
    return;
  }
  const index_t rp = s_->mp, kp = s_->np;
  Bf16Array B = allocate(kp * np);
  pack_right(B.get(), X, kp, np);
  std::unique_ptr<float[]> C(new float[static_cast<std::size_t>(rp * np)]);
  tile_product(s_->rows_of_a.get(), B.get(), C.get(), rp, kp, np);
  // Row-major C -> column-major Y, 64 rows of C (in cache) at a time.
#pragma omp parallel for schedule(static)
  for (index_t i0 = 0; i0 < R; i0 += 64) {
    const index_t i1 = std::min(R, i0 + 64);
    for (index_t j = 0; j < N; ++j)
      for (index_t i = i0; i < i1; ++i) Y.data[i + j * Y.ld] = C[static_cast<std::size_t>(i * np + j)];
  }
#else
  require(false, "Bf16Operator: built without AMX support");  // copy_of made none
#endif
}

}  // namespace linalg::host
