// The completion primitives of the CUDA context (completion/altmin.hpp):
// per-row regularised least squares, the sparse sign sketch of a design,
// the design itself, predictions, and the upload of the observation
// layouts. Same meaning as the host kernels (host/als_kernels.hpp); sums
// run in another order, so results agree to rounding.
//
// Layout of the row solves: one warp per row (several rows per block).
// The row's observed entries are walked in chunks of 32: lane t loads
// entry t of the chunk (column index, value, weight; an entry outside the
// active subset gets weight 0 and a zero design row), the warp gathers the
// chunk's design rows into shared memory (coalesced along each row), then
//   CG        - lane t forms a_t . x, and lane c sums column c of
//               A^T W (b - A x) or A^T W A x over the chunk; each CG step
//               is one such pass (the design rows come from L2: the other
//               factor is (m or n) x ld, a few MB);
//   Cholesky  - the lanes own the kw (kw + 1) / 2 + kw entries of the
//               lower Gram and right-hand side and add the chunk's
//               products; the warp then factors the kw x kw matrix in
//               shared memory (lane-owned rows, right-looking) and solves.
// Each row's loss is recomputed by one more pass with the final z (the
// host kernel updates the residual by recurrence: same value, other
// rounding). Per-row losses and weights go to device vectors, summed by
// one block in a fixed order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "detail.cuh"
#include "linalg/rng/draws.hpp"

namespace linalg::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kChunk = 32;          // entries per chunk (one per lane)
constexpr int kMaxWarpsPerBlock = 4;
constexpr std::size_t kDefaultSmem = 48 * 1024;

// Shared-memory row stride of a chunk's design: odd, so that lanes reading
// one column of different rows hit different banks.
__host__ __device__ inline int padded(int kw) { return kw % 2 == 0 ? kw + 1 : kw; }

__device__ __forceinline__ double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ int warp_sum(int v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// One warp's shared memory: the chunk (design rows A, right-hand sides b,
// weights w, other-side indices j) and `vec` further T scalars.
template <class T>
struct WarpSmem {
  T* A;   // kChunk x kwp
  T* b;   // kChunk
  T* w;   // kChunk
  int* j;  // kChunk
  T* vec;
};

template <class T>
__host__ __device__ inline std::size_t warp_scalars(int kw, int extra) {
  return static_cast<std::size_t>(kChunk) * padded(kw) + 2 * kChunk + extra;
}

template <class T>
__device__ WarpSmem<T> warp_smem(int kw, int extra) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const int warp = threadIdx.x / kWarp, nw = blockDim.x / kWarp;
  const std::size_t per = warp_scalars<T>(kw, extra);
  T* base = reinterpret_cast<T*>(smem_raw) + per * warp;
  int* ints = reinterpret_cast<int*>(reinterpret_cast<T*>(smem_raw) + per * nw) + kChunk * warp;
  WarpSmem<T> s;
  s.A = base;
  s.b = base + static_cast<std::size_t>(kChunk) * padded(kw);
  s.w = s.b + kChunk;
  s.vec = s.w + kChunk;
  s.j = ints;
  return s;
}

// Loads entries [e0, e0 + nch) of a row into the chunk and gathers their
// design rows. Counts the active entries and their weight (lane-partial).
template <class T>
__device__ void load_chunk(const host::RowSolveArgs<T>& a, int e0, int nch, const WarpSmem<T>& s, int kw, int kwp,
                           int lane, double& wsum, int& cnt) {
  __syncwarp();  // the previous chunk is no longer read
  if (lane < nch) {
    const int e = e0 + lane;
    const bool act = a.obs.subset == nullptr || static_cast<int>(a.obs.subset[e]) == a.active_subset;
    const int j = a.obs.idx[e];
    T wt = T(0), bv = T(0);
    if (act) {
      wt = a.obs.wt ? a.obs.wt[e] : T(1);
      bv = a.obs.val[e] - a.mean - (a.offset ? a.offset[j] : T(0));
      wsum += static_cast<double>(wt);
      ++cnt;
    }
    s.j[lane] = act ? j : -1;
    s.b[lane] = bv;
    s.w[lane] = wt;
  }
  __syncwarp();
  for (int id = lane; id < nch * kw; id += kWarp) {
    const int t = id / kw, c = id - t * kw;
    const int j = s.j[t];
    s.A[t * kwp + c] = j >= 0 ? a.design[static_cast<index_t>(j) * a.ld + c] : T(0);
  }
  __syncwarp();
}

// One pass over row i: v_t = sb b_t + sv (a_t . x); loss += w_t v_t^2;
// out[c] = sum_t a_tc w_t v_t (when out), diag[c] = sum_t w_t a_tc^2 (when
// diag). x, out and diag are shared kw-vectors; the lanes own components
// c = lane + 32 m of out and diag.
template <class T>
__device__ void row_pass(const host::RowSolveArgs<T>& a, index_t i, const WarpSmem<T>& s, int kw, int kwp, int lane,
                         const T* x, T sb, T sv, T* out, T* diag, double& loss, double& wsum, int& cnt) {
  for (int c = lane; c < kw; c += kWarp) {
    if (out) out[c] = T(0);
    if (diag) diag[c] = T(0);
  }
  const int beg = a.obs.ptr[i], end = a.obs.ptr[i + 1];
  for (int e0 = beg; e0 < end; e0 += kChunk) {
    const int nch = min(kChunk, end - e0);
    load_chunk(a, e0, nch, s, kw, kwp, lane, wsum, cnt);
    T v = T(0);
    if (lane < nch) {
      const T* at = s.A + lane * kwp;
      T dot = T(0);
      for (int c = 0; c < kw; ++c) dot += at[c] * x[c];
      v = sb * s.b[lane] + sv * dot;
      loss += static_cast<double>(s.w[lane]) * static_cast<double>(v) * static_cast<double>(v);
    }
    __syncwarp();
    if (lane < nch) s.b[lane] = s.w[lane] * v;  // b is not needed again in this chunk
    __syncwarp();
    if (out || diag) {
      for (int c = lane; c < kw; c += kWarp) {
        T acc = T(0), dg = T(0);
        for (int t = 0; t < nch; ++t) {
          const T atc = s.A[t * kwp + c];
          acc += atc * s.b[t];
          dg += s.w[t] * atc * atc;
        }
        if (out) out[c] += acc;
        if (diag) diag[c] += dg;
      }
    }
  }
  __syncwarp();
}

// Warm-started CG on row i's normal equations, as host/als_kernels_impl.inc.
template <class T>
__global__ void cg_rows_kernel(host::RowSolveArgs<T> a, const T* reg, double* row_loss, double* row_weight, T eps2) {
  const int lane = threadIdx.x % kWarp;
  const index_t i = static_cast<index_t>(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp;
  if (i >= a.obs.rows) return;  // the whole warp
  const int kw = static_cast<int>(a.kw), kwp = padded(kw);
  const WarpSmem<T> s = warp_smem<T>(kw, 4 * kw);
  T* z = s.vec;
  T* r = z + kw;
  T* p = r + kw;
  T* q = p + kw;
  T* Zi = a.Z + i * a.ld;
  for (int c = lane; c < kw; c += kWarp) z[c] = Zi[c];
  __syncwarp();
  double loss = 0.0, wsum = 0.0, dummy_loss = 0.0, dummy_w = 0.0;
  int cnt = 0, dummy_cnt = 0;
  // e = b - A z, r = A^T W e.
  row_pass(a, i, s, kw, kwp, lane, z, T(1), T(-1), r, static_cast<T*>(nullptr), dummy_loss, wsum, cnt);
  wsum = warp_sum(wsum);
  cnt = warp_sum(cnt);
  if (cnt == 0 || !(wsum > 0)) {
    for (int c = lane; c < kw; c += kWarp) Zi[c] = T(0);
    if (lane == 0) {
      row_loss[i] = 0.0;
      row_weight[i] = 0.0;
    }
    return;
  }
  T part = T(0);
  for (int c = lane; c < kw; c += kWarp) {
    r[c] -= reg[c] * z[c];
    p[c] = r[c];
    part += r[c] * r[c];
  }
  T rs = warp_sum(part);
  const T rs_floor = eps2 * rs;
  for (int it = 0; it < a.steps && rs > rs_floor; ++it) {
    __syncwarp();  // p complete
    row_pass(a, i, s, kw, kwp, lane, p, T(0), T(1), q, static_cast<T*>(nullptr), dummy_loss, dummy_w, dummy_cnt);
    part = T(0);
    for (int c = lane; c < kw; c += kWarp) {
      q[c] += reg[c] * p[c];
      part += p[c] * q[c];
    }
    const T pq = warp_sum(part);
    if (!(pq > T(0))) break;
    const T alpha = rs / pq;
    part = T(0);
    for (int c = lane; c < kw; c += kWarp) {
      z[c] += alpha * p[c];
      r[c] -= alpha * q[c];
      part += r[c] * r[c];
    }
    const T rs_new = warp_sum(part);
    const T beta = rs_new / rs;
    for (int c = lane; c < kw; c += kWarp) p[c] = r[c] + beta * p[c];
    rs = rs_new;
  }
  __syncwarp();  // z complete
  double dw = 0.0;
  int dc = 0;
  row_pass(a, i, s, kw, kwp, lane, z, T(1), T(-1), static_cast<T*>(nullptr), static_cast<T*>(nullptr), loss, dw, dc);
  loss = warp_sum(loss);
  for (int c = lane; c < kw; c += kWarp) Zi[c] = z[c];
  if (lane == 0) {
    row_loss[i] = loss;
    row_weight[i] = wsum;
  }
}

// Lower Cholesky of the kw x kw matrix M (row-major, stride kw) in place by
// one warp: lane l owns rows i = l + 32 m. False when a pivot is not
// positive (the same answer in every lane).
template <class T>
__device__ bool warp_cholesky(T* M, int kw, int lane) {
  for (int j = 0; j < kw; ++j) {
    const T d = M[j * kw + j];
    if (!(d > T(0))) return false;
    const T l = sqrt(d), inv = T(1) / l;
    __syncwarp();  // every lane has read the pivot
    if (lane == 0) M[j * kw + j] = l;
    for (int i = j + 1 + lane; i < kw; i += kWarp) M[i * kw + j] *= inv;
    __syncwarp();
    for (int i = j + 1 + lane; i < kw; i += kWarp) {
      const T lij = M[i * kw + j];
      for (int c = j + 1; c <= i; ++c) M[i * kw + c] -= lij * M[c * kw + j];
    }
    __syncwarp();
  }
  return true;
}

// y = (L L^T)^{-1} y for the lower factor in M; lane l owns y[l + 32 m].
template <class T>
__device__ void warp_cholesky_solve(const T* M, int kw, int lane, T* y) {
  for (int i = 0; i < kw; ++i) {
    const T yi = y[i] / M[i * kw + i];
    __syncwarp();  // every lane has read y[i]
    if (lane == i % kWarp) y[i] = yi;
    for (int l = lane; l < kw; l += kWarp)
      if (l > i) y[l] -= M[l * kw + i] * yi;
    __syncwarp();
  }
  for (int i = kw - 1; i >= 0; --i) {
    const T zi = y[i] / M[i * kw + i];
    __syncwarp();
    if (lane == i % kWarp) y[i] = zi;
    for (int l = lane; l < i; l += kWarp) y[l] -= M[i * kw + l] * zi;
    __syncwarp();
  }
}

// Exact normal equations per row (classical ALS), as the host kernel:
// factor G + diag(reg); if that fails, once more with a jitter of
// eps^(2/3) of the mean diagonal; if that fails too, z = 0.
template <class T>
__global__ void cholesky_rows_kernel(host::RowSolveArgs<T> a, const T* reg, double* row_loss, double* row_weight,
                                     T jitter, T tiny) {
  const int lane = threadIdx.x % kWarp;
  const index_t i = static_cast<index_t>(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp;
  if (i >= a.obs.rows) return;
  const int kw = static_cast<int>(a.kw), kwp = padded(kw);
  const WarpSmem<T> s = warp_smem<T>(kw, kw * kw + 2 * kw);
  T* M = s.vec;           // kw x kw: lower = Gram (then its factor), upper = a copy of the Gram
  T* gd = M + kw * kw;    // the Gram's diagonal
  T* y = gd + kw;         // right-hand side, then the solution
  for (int id = lane; id < kw * kw; id += kWarp) M[id] = T(0);
  for (int c = lane; c < kw; c += kWarp) y[c] = T(0);
  const int npairs = kw * (kw + 1) / 2;
  double wsum = 0.0;
  int cnt = 0;
  const int beg = a.obs.ptr[i], end = a.obs.ptr[i + 1];
  for (int e0 = beg; e0 < end; e0 += kChunk) {
    const int nch = min(kChunk, end - e0);
    load_chunk(a, e0, nch, s, kw, kwp, lane, wsum, cnt);
    // Item p < npairs: Gram entry (c, d), d <= c; item npairs + c: rhs c.
    // The same lane owns an item in every chunk.
    for (int it = lane; it < npairs + kw; it += kWarp) {
      if (it < npairs) {
        int c = static_cast<int>((sqrt(8.0 * it + 1.0) - 1.0) * 0.5);
        while (c * (c + 1) / 2 > it) --c;
        while ((c + 1) * (c + 2) / 2 <= it) ++c;
        const int d = it - c * (c + 1) / 2;
        T acc = T(0);
        for (int t = 0; t < nch; ++t) acc += (s.w[t] * s.A[t * kwp + c]) * s.A[t * kwp + d];
        M[c * kw + d] += acc;
      } else {
        const int c = it - npairs;
        T acc = T(0);
        for (int t = 0; t < nch; ++t) acc += (s.w[t] * s.A[t * kwp + c]) * s.b[t];
        y[c] += acc;
      }
    }
  }
  __syncwarp();
  wsum = warp_sum(wsum);
  cnt = warp_sum(cnt);
  T* Zi = a.Z + i * a.ld;
  if (cnt == 0 || !(wsum > 0)) {
    for (int c = lane; c < kw; c += kWarp) Zi[c] = T(0);
    if (lane == 0) {
      row_loss[i] = 0.0;
      row_weight[i] = 0.0;
    }
    return;
  }
  // Keep the Gram in the upper triangle and gd, to restart from it.
  for (int id = lane; id < kw * kw; id += kWarp) {
    const int c = id / kw, d = id - c * kw;
    if (d < c) M[d * kw + c] = M[c * kw + d];
    else if (d == c) gd[c] = M[c * kw + c];
  }
  __syncwarp();
  // The right-hand side, kept for a second attempt (lane-owned entries).
  constexpr int kMaxOwned = 8;  // kw <= 256
  T rhs[kMaxOwned];
  for (int m = 0; m < kMaxOwned; ++m) {
    const int c = lane + m * kWarp;
    rhs[m] = c < kw ? y[c] : T(0);
  }
  bool solved = false;
  for (int attempt = 0; attempt < 2 && !solved; ++attempt) {
    T bump = T(0);
    if (attempt > 0) {
      T tr = T(0);
      for (int c = 0; c < kw; ++c) tr += gd[c];
      bump = jitter * (tr / T(kw) + tiny);
    }
    __syncwarp();
    for (int id = lane; id < kw * kw; id += kWarp) {
      const int c = id / kw, d = id - c * kw;
      if (d < c) M[c * kw + d] = M[d * kw + c];
      else if (d == c) M[c * kw + c] = gd[c] + (reg[c] + bump);
    }
    for (int m = 0; m < kMaxOwned; ++m) {
      const int c = lane + m * kWarp;
      if (c < kw) y[c] = rhs[m];
    }
    __syncwarp();
    if (warp_cholesky(M, kw, lane)) {
      warp_cholesky_solve(M, kw, lane, y);
      solved = true;
    }
  }
  if (!solved) {
    __syncwarp();
    for (int c = lane; c < kw; c += kWarp) y[c] = T(0);
  }
  __syncwarp();
  double loss = 0.0, dw = 0.0;
  int dc = 0;
  if (row_loss) {
    row_pass(a, i, s, kw, kwp, lane, y, T(1), T(-1), static_cast<T*>(nullptr), static_cast<T*>(nullptr), loss, dw,
             dc);
    loss = warp_sum(loss);
  }
  for (int c = lane; c < kw; c += kWarp) Zi[c] = y[c];
  if (lane == 0) {
    row_loss[i] = loss;
    row_weight[i] = wsum;
  }
}

// Sums of the per-row losses and weights by one block, in a fixed order.
__global__ void totals_kernel(const double* loss, const double* weight, index_t n, double* out) {
  __shared__ double sl[1024], sw[1024];
  double l = 0.0, w = 0.0;
  for (index_t i = threadIdx.x; i < n; i += blockDim.x) {
    l += loss[i];
    w += weight[i];
  }
  sl[threadIdx.x] = l;
  sw[threadIdx.x] = w;
  __syncthreads();
  for (unsigned o = blockDim.x / 2; o > 0; o >>= 1) {
    if (threadIdx.x < o) {
      sl[threadIdx.x] += sl[threadIdx.x + o];
      sw[threadIdx.x] += sw[threadIdx.x + o];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out[0] = sl[0];
    out[1] = sw[0];
  }
}

// The sparse sign sketch, as host sketch_rows_impl: column j of S holds z
// entries +-v at distinct rows drawn from (seed, j). Block b adds the rows
// of its range of j into its own partial sum (shared memory when it fits,
// else its slice of `part`); a second kernel adds the partials in order.
constexpr std::uint32_t kSketchStream = 0x434d50;  // = the host kernel's
constexpr int kSketchBlocks = 128;

template <class T>
__global__ void sketch_kernel(const T* D, index_t n, int kw, index_t ld, int s, int z, T v, std::uint64_t seed,
                              T* part, bool in_shared) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const index_t size = static_cast<index_t>(s) * kw;
  T* acc = in_shared ? reinterpret_cast<T*>(smem_raw) : part + static_cast<index_t>(blockIdx.x) * size;
  if (in_shared) {
    for (index_t e = threadIdx.x; e < size; e += blockDim.x) acc[e] = T(0);
    __syncthreads();
  }
  const index_t j0 = n * blockIdx.x / gridDim.x, j1 = n * (blockIdx.x + 1) / gridDim.x;
  for (index_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) {
    std::uint32_t rows[32];
    std::uint32_t signs = 0;
    int have = 0;
    for (std::uint32_t t = 0; have < z; ++t) {
      const rng::Philox4x32 wd = rng::draw(seed, static_cast<std::uint64_t>(j), t, kSketchStream);
      if (t == 0) signs = wd.v[0];
      for (int qq = (t == 0 ? 1 : 0); qq < 4 && have < z; ++qq) {
        const std::uint32_t row = rng::bounded(wd.v[qq], static_cast<std::uint32_t>(s));
        bool dup = false;
        for (int h = 0; h < have; ++h) dup |= (rows[h] == row);
        if (!dup) rows[have++] = row;
      }
    }
    const T* dj = D + j * ld;
    for (int h = 0; h < z; ++h) {
      const T sg = ((signs >> h) & 1u) ? v : -v;
      for (int c = 0; c < kw; ++c) atomicAdd(acc + rows[h] + static_cast<index_t>(c) * s, sg * dj[c]);
    }
  }
  if (in_shared) {
    __syncthreads();
    T* mine = part + static_cast<index_t>(blockIdx.x) * size;
    for (index_t e = threadIdx.x; e < size; e += blockDim.x) mine[e] = acc[e];
  }
}

template <class T>
__global__ void sum_parts_kernel(const T* part, index_t size, int parts, T* out) {
  for (index_t e = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; e < size;
       e += static_cast<index_t>(gridDim.x) * blockDim.x) {
    T acc = T(0);
    for (int b = 0; b < parts; ++b) acc += part[static_cast<index_t>(b) * size + e];
    out[e] = acc;
  }
}

template <class T>
__global__ void design_kernel(const T* other, index_t n, index_t k, index_t ld, bool biases, T* D, T* offset) {
  for (index_t t = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x, total = n * ld; t < total;
       t += static_cast<index_t>(gridDim.x) * blockDim.x) {
    const index_t j = t / ld, c = t - j * ld;
    T v = c < k ? other[t] : T(0);
    if (biases && c == k) {
      v = T(1);
      offset[j] = other[t];
    }
    D[t] = v;
  }
}

template <class T>
__global__ void predict_kernel(const T* X, index_t ldx, const T* Y, index_t ldy, index_t k, const T* xb, index_t xbs,
                               const T* yb, index_t ybs, T mean, const std::int64_t* r, const std::int64_t* c,
                               index_t len, T* out) {
  for (index_t t = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; t < len;
       t += static_cast<index_t>(gridDim.x) * blockDim.x) {
    const T* x = X + r[t] * ldx;
    const T* y = Y + c[t] * ldy;
    T v = T(0);
    for (index_t q = 0; q < k; ++q) v += x[q] * y[q];
    v += mean;
    if (xb) v += xb[r[t] * xbs];
    if (yb) v += yb[c[t] * ybs];
    out[t] = v;
  }
}

// Shared memory of a launch: opt in above the default 48 KiB, or refuse.
template <class K>
void allow_smem(K kernel, std::size_t bytes, int device, const char* what) {
  if (bytes <= kDefaultSmem) return;
  int optin = 0;
  LINALG_CUDA(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (bytes > static_cast<std::size_t>(optin))
    throw invalid_argument(std::string(what) + ": rank too large for the GPU kernel (needs " + std::to_string(bytes) +
                           " bytes of shared memory per row, the device has " + std::to_string(optin) + ")");
  LINALG_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
}

}  // namespace

template <class T>
host::RowTotals Cuda::als_solve_rows(const host::RowSolveArgs<T>& a) const {
  require(a.kw >= 1 && a.ld >= a.kw, "solve_rows: need 1 <= kw <= ld");
  require(a.kw <= 256, "solve_rows on the GPU: at most 256 unknowns per row");
  host::RowTotals tot;
  const index_t rows = a.obs.rows;
  if (rows == 0) return tot;
  Handles& h = handles_of(*this);
  const int kw = static_cast<int>(a.kw);
  Scratch reg(h.stream, sizeof(T) * kw), sums(h.stream, sizeof(double) * (2 * rows + 2));
  LINALG_CUDA(cudaMemcpyAsync(reg.as<T>(), a.reg, sizeof(T) * kw, cudaMemcpyHostToDevice, h.stream));
  double* loss = sums.as<double>();
  double* weight = loss + rows;
  double* out = weight + rows;
  host::RowSolveArgs<T> d = a;
  d.reg = nullptr;  // host memory: the kernels read the device copy
  d.row_loss = nullptr;
  d.row_weight = nullptr;
  const bool chol = a.solver == host::RowSolver::Cholesky;
  const int extra = chol ? kw * kw + 2 * kw : 4 * kw;
  const std::size_t per_warp = sizeof(T) * warp_scalars<T>(kw, extra) + sizeof(int) * kChunk;
  const int warps = static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(kMaxWarpsPerBlock,
                                                                                      kDefaultSmem / per_warp)));
  const std::size_t bytes = per_warp * warps;
  const index_t blocks = (rows + warps - 1) / warps;
  require(blocks <= 2147483647, "solve_rows on the GPU: too many rows");
  if (chol) {
    const T jitter = std::pow(std::numeric_limits<T>::epsilon(), T(2) / T(3));
    allow_smem(cholesky_rows_kernel<T>, bytes, h.device, "solver='cholesky'");
    cholesky_rows_kernel<T><<<static_cast<unsigned>(blocks), warps * kWarp, bytes, h.stream>>>(
        d, reg.as<T>(), loss, weight, jitter, std::numeric_limits<T>::min());
  } else {
    const T eps = std::numeric_limits<T>::epsilon();
    allow_smem(cg_rows_kernel<T>, bytes, h.device, "solver='cg'");
    cg_rows_kernel<T><<<static_cast<unsigned>(blocks), warps * kWarp, bytes, h.stream>>>(
        d, reg.as<T>(), loss, weight, eps * eps);
  }
  LINALG_LAUNCHED();
  totals_kernel<<<1, 1024, 0, h.stream>>>(loss, weight, rows, out);
  LINALG_LAUNCHED();
  double host_out[2] = {0.0, 0.0};
  LINALG_CUDA(cudaMemcpyAsync(host_out, out, sizeof(host_out), cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  tot.loss = host_out[0];
  tot.weight = host_out[1];
  return tot;
}

template <class T>
void Cuda::als_sketch_rows(const T* D, index_t n, index_t kw, index_t ld, index_t s, int zeta, std::uint64_t seed,
                           T* out) const {
  require(s >= 1 && zeta >= 1 && zeta <= 31, "sketch_rows: need s >= 1 and 1 <= zeta <= 31");
  require(s < (index_t(1) << 31) && kw >= 1, "sketch_rows: sketch too large");
  Handles& h = handles_of(*this);
  const index_t size = s * kw;
  if (n == 0) {
    LINALG_CUDA(cudaMemsetAsync(out, 0, sizeof(T) * size, h.stream));
    return;
  }
  const int z = static_cast<int>(std::min<index_t>(std::max(zeta, 1), s));
  const T v = static_cast<T>(1.0 / std::sqrt(static_cast<double>(z)));
  const int parts = static_cast<int>(std::max<index_t>(1, std::min<index_t>(kSketchBlocks, (n + 255) / 256)));
  const bool in_shared = sizeof(T) * static_cast<std::size_t>(size) <= kDefaultSmem;
  Scratch part(h.stream, sizeof(T) * static_cast<std::size_t>(size) * parts);
  if (!in_shared)
    LINALG_CUDA(cudaMemsetAsync(part.as<T>(), 0, sizeof(T) * static_cast<std::size_t>(size) * parts, h.stream));
  sketch_kernel<T><<<parts, 256, in_shared ? sizeof(T) * size : 0, h.stream>>>(D, n, static_cast<int>(kw), ld,
                                                                               static_cast<int>(s), z, v, seed,
                                                                               part.as<T>(), in_shared);
  LINALG_LAUNCHED();
  sum_parts_kernel<T><<<blocks_for(size), 256, 0, h.stream>>>(part.as<T>(), size, parts, out);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::als_design(const T* other, index_t n, index_t k, index_t ld, bool biases, T* D, T* offset) const {
  require(k >= 1 && ld >= k + (biases ? 1 : 0), "design_rows: need 1 <= k and k (+1 with biases) <= ld");
  if (n == 0) return;
  Handles& h = handles_of(*this);
  design_kernel<T><<<blocks_for(n * ld), 256, 0, h.stream>>>(other, n, k, ld, biases, D, offset);
  LINALG_LAUNCHED();
}

void Cuda::als_upload(const void* src, void* dst, std::size_t bytes) const {
  if (bytes == 0) return;
  Handles& h = handles_of(*this);
  LINALG_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));  // the source may be freed on return
}

template <class T>
void Cuda::als_predict(const T* X, index_t ldx, const T* Y, index_t ldy, index_t k, const T* xb, index_t xbs,
                       const T* yb, index_t ybs, T mean, const std::int64_t* r, const std::int64_t* c, index_t len,
                       T* out) const {
  if (len == 0) return;
  Handles& h = handles_of(*this);
  predict_kernel<T><<<blocks_for(len), 256, 0, h.stream>>>(X, ldx, Y, ldy, k, xb, xbs, yb, ybs, mean, r, c, len, out);
  LINALG_LAUNCHED();
}

#define LINALG_INSTANTIATE(T)                                                                                  \
  template host::RowTotals Cuda::als_solve_rows<T>(const host::RowSolveArgs<T>&) const;                        \
  template void Cuda::als_sketch_rows<T>(const T*, index_t, index_t, index_t, index_t, int, std::uint64_t, T*) \
      const;                                                                                                   \
  template void Cuda::als_design<T>(const T*, index_t, index_t, index_t, bool, T*, T*) const;                  \
  template void Cuda::als_predict<T>(const T*, index_t, const T*, index_t, index_t, const T*, index_t,          \
                                     const T*, index_t, T, const std::int64_t*, const std::int64_t*, index_t,  \
                                     T*) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
