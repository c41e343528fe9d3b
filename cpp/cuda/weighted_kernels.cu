// Kernels of the weighted low-rank solvers on the CUDA context: the device
// versions of host/weighted_kernels.cpp (same meaning, same arithmetic per
// entry; sums in double, added across blocks by atomics, so they differ
// from the host's fixed-order sums in rounding only).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <math_constants.h>

#include "detail.cuh"

namespace linalg::cuda {

namespace {

constexpr unsigned kThreads = 256;

// Products and sums rounded one at a time, never fused into an FMA: the
// host build (baseline x86-64) does not fuse them either, so each entry
// comes out bitwise as on the host.
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }

// Loop over the m x n stored entries (i the stored row, j the stored
// column): blockIdx.y strides over columns, threads over rows, so that
// neighbouring threads read neighbouring addresses and no 64-bit division
// is needed (as elementwise.cu). Grid from stored_grid.
#define LINALG_FOR_STORED(m, n, i, j)                                                   \
  for (index_t j = blockIdx.y; j < (n); j += gridDim.y)                                 \
    for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < (m); \
         i += static_cast<index_t>(gridDim.x) * blockDim.x)

// At most 32 x 2048 blocks of kThreads (few per-block atomics in the sums).
dim3 stored_grid(index_t m, index_t n) {
  const index_t bx = std::min<index_t>(std::max<index_t>((m + kThreads - 1) / kThreads, 1), 32);
  const index_t by = std::min<index_t>(std::max<index_t>(n, 1), 2048);
  return dim3(static_cast<unsigned>(bx), static_cast<unsigned>(by));
}

// Sums of N doubles over the block, added atomically into out[0..N).
// blockDim.x must be kThreads.
template <int N>
__device__ void block_sums_to(double (&v)[N], double* out) {
  __shared__ double part[N][kThreads / 32];
  for (int c = 0; c < N; ++c)
    for (int o = 16; o > 0; o >>= 1) v[c] += __shfl_down_sync(0xffffffffu, v[c], o);
  if ((threadIdx.x & 31) == 0)
    for (int c = 0; c < N; ++c) part[c][threadIdx.x >> 5] = v[c];
  __syncthreads();
  if (threadIdx.x < 32) {
    for (int c = 0; c < N; ++c) {
      double x = threadIdx.x < blockDim.x / 32 ? part[c][threadIdx.x] : 0.0;
      for (int o = 16; o > 0; o >>= 1) x += __shfl_down_sync(0xffffffffu, x, o);
      if (threadIdx.x == 0) atomicAdd(out + c, x);
    }
  }
}

// A device copy of a short host vector (null stays null).
template <class T>
struct DeviceCopy {
  Scratch mem;
  const T* ptr = nullptr;
  DeviceCopy(const Handles& h, const T* src, index_t n) : mem(h.stream, src && n > 0 ? sizeof(T) * n : 0) {
    if (!src || n <= 0) return;
    LINALG_CUDA(cudaMemcpyAsync(mem.as<T>(), src, sizeof(T) * n, cudaMemcpyHostToDevice, h.stream));
    ptr = mem.as<T>();
  }
};

template <class T, class U>
void check_pair(const DenseView<T>& a, const DenseView<U>& b, const char* what) {
  require(a.rows == b.rows && a.cols == b.cols && a.trans == b.trans, std::string(what) + ": shapes or layouts differ");
}

// ---- weight_stats: per-block min, max, count of positives, non-finite flag.
template <class T>
__global__ void weight_stats_kernel(DenseView<const T> W, index_t m, index_t n, double* lo, double* hi,
                                    unsigned long long* pos, int* bad) {
  double l = CUDART_INF, h = -CUDART_INF;
  unsigned long long p = 0;
  int b = 0;
  LINALG_FOR_STORED(m, n, i, j) {
    const double x = static_cast<double>(W.data[i + j * W.ld]);
    b |= !isfinite(x);
    l = fmin(l, x);
    h = fmax(h, x);
    p += x > 0.0;
  }
  __shared__ double sl[kThreads / 32], sh[kThreads / 32];
  __shared__ unsigned long long sp[kThreads / 32];
  __shared__ int sb[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) {
    l = fmin(l, __shfl_down_sync(0xffffffffu, l, o));
    h = fmax(h, __shfl_down_sync(0xffffffffu, h, o));
    p += __shfl_down_sync(0xffffffffu, p, o);
    b |= __shfl_down_sync(0xffffffffu, b, o);
  }
  const int w = threadIdx.x >> 5;
  if ((threadIdx.x & 31) == 0) {
    sl[w] = l;
    sh[w] = h;
    sp[w] = p;
    sb[w] = b;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int q = 1; q < static_cast<int>(blockDim.x / 32); ++q) {
      l = fmin(l, sl[q]);
      h = fmax(h, sh[q]);
      p += sp[q];
      b |= sb[q];
    }
    const unsigned blk = blockIdx.x + blockIdx.y * gridDim.x;
    lo[blk] = l;
    hi[blk] = h;
    pos[blk] = p;
    bad[blk] = b;
  }
}

template <class T>
__global__ void em_fill_kernel(DenseView<const T> A, DenseView<const T> W, T winv, DenseView<T> B, bool write,
                               index_t m, index_t n, double* sums) {
  double v[3] = {0.0, 0.0, 0.0};  // objective, b_sq, gap_sq
  LINALG_FOR_STORED(m, n, i, j) {
    T* bp = B.data + i + j * B.ld;
    const T b = *bp;
    const T r = sub_rn(A.data[i + j * A.ld], b);
    const T wr = mul_rn(W.data[i + j * W.ld], r);
    v[0] += static_cast<double>(wr) * static_cast<double>(r);
    const T d = mul_rn(winv, wr);  // B - X
    v[2] += static_cast<double>(d) * static_cast<double>(d);
    if (write) {
      const T nb = add_rn(b, d);
      v[1] += static_cast<double>(nb) * static_cast<double>(nb);
      *bp = nb;
    }
  }
  block_sums_to<3>(v, sums);
}

// out = diag(rs) A diag(cs) over stored rows/columns (either may be null).
template <class T>
__global__ void scale_dense_kernel(DenseView<const T> A, const T* rs, const T* cs, DenseView<T> out, index_t m,
                                   index_t n) {
  LINALG_FOR_STORED(m, n, i, j) {
    const T a = A.data[i + j * A.ld];
    const T cj = cs ? cs[j] : T(1);
    out.data[i + j * out.ld] = rs ? mul_rn(mul_rn(rs[i], a), cj) : mul_rn(a, cj);
  }
}

template <class T, class I>
__global__ void scale_csr_kernel(CsrView<T, I> S, const T* r, const T* c, T* vout) {
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < S.stored_rows;
       i += static_cast<index_t>(gridDim.x) * blockDim.x) {
    const T ri = r ? r[i] : T(1);
    for (I p = S.indptr[i]; p < S.indptr[i + 1]; ++p)
      vout[p] = mul_rn(mul_rn(ri, S.values[p]), c ? c[S.indices[p]] : T(1));
  }
}

template <class T>
__global__ void hadamard_kernel(DenseView<const T> W, DenseView<const T> A, DenseView<T> out, index_t m, index_t n) {
  LINALG_FOR_STORED(m, n, i, j) out.data[i + j * out.ld] = mul_rn(W.data[i + j * W.ld], A.data[i + j * A.ld]);
}

// K(i, pack(a, b)) = F(i, a) F(i, b), pack(a, b) = b (b + 1) / 2 + a, a <= b.
template <class T>
__global__ void sym_outer_kernel(DenseView<const T> F, DenseView<T> K, index_t kk) {
  for (index_t p = blockIdx.y; p < kk; p += gridDim.y) {
    index_t b = static_cast<index_t>((sqrt(8.0 * static_cast<double>(p) + 1.0) - 1.0) / 2.0);
    while (b > 0 && b * (b + 1) / 2 > p) --b;
    while ((b + 1) * (b + 2) / 2 <= p) ++b;
    const index_t a = p - b * (b + 1) / 2;
    for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < F.rows;
         i += static_cast<index_t>(gridDim.x) * blockDim.x)
      K.data[i + p * K.ld] = mul_rn(at(F, i, a), at(F, i, b));
  }
}

// One block per column c (grid-stride): Cholesky G_c = U^T U (upper, in
// double, right-looking), the host's pivot test and ridge fallback, then
// U^T y = r, U x = y. L is the block's k x k matrix plus k for x: dynamic
// shared memory, or the block's slice of global scratch when too large.
constexpr int kSolveThreads = 128;

template <class T>
__global__ void __launch_bounds__(kSolveThreads)
    spd_solve_kernel(DenseView<const T> G, DenseView<const T> R, DenseView<T> X, int k, double* scratch,
                     unsigned long long* ridged) {
  extern __shared__ double smem[];
  double* L = scratch ? scratch + static_cast<std::size_t>(blockIdx.x) * (static_cast<std::size_t>(k) * k + k) : smem;
  double* x = L + static_cast<std::size_t>(k) * k;
  __shared__ int ok;
  __shared__ double dmax, trace;
  const int tid = threadIdx.x, nt = blockDim.x;
  for (index_t c = blockIdx.x; c < G.cols; c += gridDim.x) {
    if (tid == 0) {
      double m = 0.0, s = 0.0;
      for (int a = 0; a < k; ++a) {
        const double d = static_cast<double>(at(G, static_cast<index_t>(a) * (a + 1) / 2 + a, c));
        m = fmax(m, d);
        s += d;
      }
      dmax = m;
      trace = s;
    }
    __syncthreads();
    bool solved = false;
    for (int attempt = 0; attempt < 2 && !solved; ++attempt) {
      if (attempt == 0 && !(dmax > 0.0)) continue;  // uniform: dmax is shared
      // The second attempt runs exactly when the host counts a ridged solve.
      if (attempt == 1 && tid == 0) atomicAdd(ridged, 1ull);
      const double ridge = attempt == 0 ? 0.0 : (trace > 0.0 ? 1e-10 * trace / static_cast<double>(k) : 1.0);
      const double floor = attempt == 0 ? 1e-13 * dmax : 0.0;
      for (int e = tid; e < k * k; e += nt) {
        const int a = e % k, b = e / k;
        if (a <= b)
          L[a + b * k] = static_cast<double>(at(G, static_cast<index_t>(b) * (b + 1) / 2 + a, c)) + (a == b ? ridge : 0.0);
      }
      if (tid == 0) ok = 1;
      __syncthreads();
      for (int j = 0; j < k; ++j) {
        if (tid == 0) {
          const double d = L[j + j * k];
          if (d > floor) L[j + j * k] = sqrt(d);
          else ok = 0;
        }
        __syncthreads();
        if (!ok) break;  // uniform: read after the barrier, written before the next one
        const double piv = L[j + j * k];
        for (int i = j + 1 + tid; i < k; i += nt) L[j + i * k] /= piv;
        __syncthreads();
        const int t = k - j - 1;
        for (int e = tid; e < t * t; e += nt) {
          const int a = j + 1 + e % t, b = j + 1 + e / t;
          if (a <= b) L[a + b * k] -= L[j + a * k] * L[j + b * k];
        }
        __syncthreads();
      }
      solved = ok;
      __syncthreads();  // everyone has read ok before it is set again
    }
    if (!solved) {
      // Not reachable for a finite Gram plus a positive ridge: zeros, as on the host.
      for (int a = tid; a < k; a += nt) at(X, c, static_cast<index_t>(a)) = T(0);
      __syncthreads();
      continue;
    }
    for (int a = tid; a < k; a += nt) x[a] = static_cast<double>(at(R, static_cast<index_t>(a), c));
    __syncthreads();
    for (int i = 0; i < k; ++i) {  // U^T y = r, column by column
      if (tid == 0) x[i] /= L[i + i * k];
      __syncthreads();
      const double xi = x[i];
      for (int q = i + 1 + tid; q < k; q += nt) x[q] -= L[i + q * k] * xi;
      __syncthreads();
    }
    for (int i = k - 1; i >= 0; --i) {  // U x = y
      if (tid == 0) x[i] /= L[i + i * k];
      __syncthreads();
      const double xi = x[i];
      for (int q = tid; q < i; q += nt) x[q] -= L[q + i * k] * xi;
      __syncthreads();
    }
    for (int a = tid; a < k; a += nt) at(X, c, static_cast<index_t>(a)) = static_cast<T>(x[a]);
    __syncthreads();
  }
}

}  // namespace

template <class T>
host::WeightStats Cuda::weight_stats(DenseView<const T> W) const {
  Profile prof_(stream_, "weight_stats");
  const index_t m = W.stored_rows(), n = W.stored_cols();
  host::WeightStats s;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -s.min;
  if (m == 0 || n == 0) return s;
  const Handles& h = handles_of(*this);
  const dim3 grid = stored_grid(m, n);
  const unsigned nb = grid.x * grid.y;
  Scratch lo(h.stream, sizeof(double) * nb), hi(h.stream, sizeof(double) * nb),
      pos(h.stream, sizeof(unsigned long long) * nb), bad(h.stream, sizeof(int) * nb);
  weight_stats_kernel<T><<<grid, kThreads, 0, h.stream>>>(W, m, n, lo.as<double>(), hi.as<double>(),
                                                        pos.as<unsigned long long>(), bad.as<int>());
  LINALG_LAUNCHED();
  std::vector<double> l(nb), u(nb);
  std::vector<unsigned long long> p(nb);
  std::vector<int> b(nb);
  LINALG_CUDA(cudaMemcpyAsync(l.data(), lo.as<double>(), sizeof(double) * nb, cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaMemcpyAsync(u.data(), hi.as<double>(), sizeof(double) * nb, cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaMemcpyAsync(p.data(), pos.as<unsigned long long>(), sizeof(unsigned long long) * nb,
                              cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaMemcpyAsync(b.data(), bad.as<int>(), sizeof(int) * nb, cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  for (unsigned q = 0; q < nb; ++q) {
    s.min = std::min(s.min, l[q]);
    s.max = std::max(s.max, u[q]);
    s.positive += static_cast<std::int64_t>(p[q]);
    s.finite = s.finite && !b[q];
  }
  return s;
}

template <class T>
host::WeightedSums Cuda::em_fill(DenseView<const T> A, DenseView<const T> W, T winv, DenseView<T> B, bool write) const {
  Profile prof_(stream_, "em_fill");
  check_pair(A, W, "em_fill");
  check_pair(A, B, "em_fill");
  const index_t m = A.stored_rows(), n = A.stored_cols();
  host::WeightedSums out;
  if (m == 0 || n == 0) return out;
  const Handles& h = handles_of(*this);
  Scratch sums(h.stream, 3 * sizeof(double));
  LINALG_CUDA(cudaMemsetAsync(sums.as<double>(), 0, 3 * sizeof(double), h.stream));
  em_fill_kernel<T><<<stored_grid(m, n), kThreads, 0, h.stream>>>(A, W, winv, B, write, m, n,
                                                                            sums.as<double>());
  LINALG_LAUNCHED();
  double v[3];
  LINALG_CUDA(cudaMemcpyAsync(v, sums.as<double>(), 3 * sizeof(double), cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  out.objective = v[0];
  out.b_sq = v[1];
  out.gap_sq = v[2];
  return out;
}

template <class T>
void Cuda::scale_dense(DenseView<const T> A, const T* r, const T* c, DenseView<T> out) const {
  Profile prof_(stream_, "scale_dense");
  check_pair(A, out, "scale_dense");
  const index_t m = A.stored_rows(), n = A.stored_cols();
  if (m == 0 || n == 0) return;
  const Handles& h = handles_of(*this);
  // Stored rows are logical columns when transposed.
  DeviceCopy<T> rs(h, A.trans ? c : r, m), cs(h, A.trans ? r : c, n);
  scale_dense_kernel<T><<<stored_grid(m, n), kThreads, 0, h.stream>>>(A, rs.ptr, cs.ptr, out, m, n);
  LINALG_LAUNCHED();
}

template <class T, class I>
void Cuda::scale_csr(const CsrView<T, I>& S, const T* r, const T* c, T* vout) const {
  Profile prof_(stream_, "scale_csr");
  require(S.stored_nnz >= 0, "scale_csr: device CSR views carry their nonzero count");
  if (S.stored_rows == 0 || S.stored_nnz == 0) return;
  const Handles& h = handles_of(*this);
  DeviceCopy<T> rd(h, r, S.stored_rows), cd(h, c, S.stored_cols);
  scale_csr_kernel<T, I><<<blocks_for(S.stored_rows, kThreads), kThreads, 0, h.stream>>>(S, rd.ptr, cd.ptr, vout);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::hadamard(DenseView<const T> W, DenseView<const T> A, DenseView<T> out) const {
  Profile prof_(stream_, "hadamard");
  check_pair(A, W, "hadamard");
  check_pair(A, out, "hadamard");
  const index_t m = A.stored_rows(), n = A.stored_cols();
  if (m == 0 || n == 0) return;
  const Handles& h = handles_of(*this);
  hadamard_kernel<T><<<stored_grid(m, n), kThreads, 0, h.stream>>>(W, A, out, m, n);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::sym_outer_rows(DenseView<const T> F, DenseView<T> K) const {
  Profile prof_(stream_, "sym_outer_rows");
  const index_t rows = F.rows, k = F.cols, kk = k * (k + 1) / 2;
  require(!K.trans && K.rows == rows && K.cols == kk, "sym_outer_rows: shape mismatch");
  if (rows == 0 || kk == 0) return;
  const Handles& h = handles_of(*this);
  dim3 grid(std::min<unsigned>(blocks_for(rows, kThreads), 64u), static_cast<unsigned>(std::min<index_t>(kk, 65535)));
  sym_outer_kernel<T><<<grid, kThreads, 0, h.stream>>>(F, K, kk);
  LINALG_LAUNCHED();
}

template <class T>
std::int64_t Cuda::batched_spd_solve(DenseView<const T> G, DenseView<const T> R, DenseView<T> X, index_t k) const {
  Profile prof_(stream_, "batched_spd_solve");
  const index_t nc = G.cols, kk = k * (k + 1) / 2;
  require(G.rows == kk && R.rows == k && R.cols == nc && X.rows == nc && X.cols == k, "batched_spd_solve: shapes");
  if (nc == 0 || k == 0) return 0;
  require(k <= 46340, "batched_spd_solve: k too large");
  const Handles& h = handles_of(*this);
  const std::size_t bytes = sizeof(double) * static_cast<std::size_t>(k * k + k);
  int optin = 0;
  LINALG_CUDA(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, h.device));
  // Static shared memory of the kernel (ok, dmax, trace) besides the dynamic part.
  const std::size_t reserve = 64;
  Scratch counter(h.stream, sizeof(unsigned long long));
  LINALG_CUDA(cudaMemsetAsync(counter.as<unsigned long long>(), 0, sizeof(unsigned long long), h.stream));
  const int ki = static_cast<int>(k);
  if (bytes + reserve <= static_cast<std::size_t>(optin)) {
    if (bytes + reserve > 48 * 1024)
      LINALG_CUDA(cudaFuncSetAttribute(spd_solve_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(bytes)));
    const unsigned grid = static_cast<unsigned>(std::min<index_t>(nc, 65535));
    spd_solve_kernel<T><<<grid, kSolveThreads, bytes, h.stream>>>(G, R, X, ki, nullptr,
                                                                  counter.as<unsigned long long>());
    LINALG_LAUNCHED();
  } else {
    // Large k: each block works in its own slice of global scratch (at most ~256 MiB in all).
    const index_t max_blocks = std::max<index_t>(1, (index_t(256) << 20) / static_cast<index_t>(bytes));
    const unsigned grid = static_cast<unsigned>(std::min<index_t>(std::min<index_t>(nc, max_blocks), 65535));
    Scratch work(h.stream, bytes * grid);
    spd_solve_kernel<T><<<grid, kSolveThreads, 0, h.stream>>>(G, R, X, ki, work.as<double>(),
                                                              counter.as<unsigned long long>());
    LINALG_LAUNCHED();
  }
  unsigned long long ridged = 0;
  LINALG_CUDA(cudaMemcpyAsync(&ridged, counter.as<unsigned long long>(), sizeof(ridged), cudaMemcpyDeviceToHost,
                              h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  return static_cast<std::int64_t>(ridged);
}

#define LINALG_INSTANTIATE(T)                                                                               \
  template host::WeightStats Cuda::weight_stats<T>(DenseView<const T>) const;                               \
  template host::WeightedSums Cuda::em_fill<T>(DenseView<const T>, DenseView<const T>, T, DenseView<T>, bool) \
      const;                                                                                                \
  template void Cuda::scale_dense<T>(DenseView<const T>, const T*, const T*, DenseView<T>) const;           \
  template void Cuda::scale_csr<T, std::int32_t>(const CsrView<T, std::int32_t>&, const T*, const T*, T*) const; \
  template void Cuda::scale_csr<T, std::int64_t>(const CsrView<T, std::int64_t>&, const T*, const T*, T*) const; \
  template void Cuda::hadamard<T>(DenseView<const T>, DenseView<const T>, DenseView<T>) const;              \
  template void Cuda::sym_outer_rows<T>(DenseView<const T>, DenseView<T>) const;                            \
  template std::int64_t Cuda::batched_spd_solve<T>(DenseView<const T>, DenseView<const T>, DenseView<T>, index_t) \
      const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
