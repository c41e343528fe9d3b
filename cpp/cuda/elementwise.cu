// Elementwise kernels, reductions, random fills and host transfers of the
// CUDA context. Every kernel reads logical views through at(), so the
// transpose flag costs nothing but coalescing.
#include <algorithm>
#include <cmath>
#include <vector>

#include "detail.cuh"
#include "linalg/rng/draws.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::cuda {

namespace {

constexpr unsigned kThreads = 256;

// Loop over the rows x cols entries of a logical view in the order of its
// storage (`tr`: the view is transposed, storage cols x rows): blockIdx.y
// strides over stored columns, threads over the stored rows, so neighbouring
// threads touch neighbouring addresses and no 64-bit division is needed
// (it made a 4 GB reduction run at a sixth of the memory bandwidth).
#define LINALG_FOR_ENTRIES_OF(tr, rows, cols, i, j)                                                     \
  for (index_t c_ = blockIdx.y, nc_ = (tr) ? (rows) : (cols), nr_ = (tr) ? (cols) : (rows); c_ < nc_;   \
       c_ += gridDim.y)                                                                                 \
    for (index_t r_ = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; r_ < nr_;            \
         r_ += static_cast<index_t>(gridDim.x) * blockDim.x)                                            \
      for (index_t i = (tr) ? c_ : r_, j = (tr) ? r_ : c_, once_ = 0; once_ < 1; ++once_)

// The grid for LINALG_FOR_ENTRIES_OF: at most 32 x 2048 blocks, so that
// per-block atomics of the reductions stay few.
dim3 grid_of(bool tr, index_t rows, index_t cols) {
  const index_t nr = tr ? cols : rows, nc = tr ? rows : cols;
  const index_t bx = std::min<index_t>(std::max<index_t>((nr + 255) / 256, 1), 32);
  const index_t by = std::min<index_t>(std::max<index_t>(nc, 1), 2048);
  return dim3(static_cast<unsigned>(bx), static_cast<unsigned>(by));
}
#define LINALG_FOR_ENTRIES(rows, cols, i, j) LINALG_FOR_ENTRIES_OF(false, rows, cols, i, j)

template <class S, class D>
__global__ void copy_kernel(DenseView<const S> src, DenseView<D> dst) {
  LINALG_FOR_ENTRIES_OF(dst.trans, dst.rows, dst.cols, i, j) at(dst, i, j) = static_cast<D>(at(src, i, j));
}

// Block sum of doubles into *out (atomic; order-dependent only in rounding).
__device__ void block_sum_to(double v, double* out) {
  __shared__ double part[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
  __syncthreads();
  if (threadIdx.x < 32) {
    v = threadIdx.x < blockDim.x / 32 ? part[threadIdx.x] : 0.0;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    if (threadIdx.x == 0) atomicAdd(out, v);
  }
}

template <class S, class D>
__global__ void convert_kernel(DenseView<const S> src, DenseView<D> dst, double* sumsq) {
  double acc = 0.0;
  LINALG_FOR_ENTRIES_OF(src.trans, dst.rows, dst.cols, i, j) {
    const S v = at(src, i, j);
    at(dst, i, j) = static_cast<D>(v);
    acc += static_cast<double>(v) * static_cast<double>(v);
  }
  block_sum_to(acc, sumsq);
}

// Contiguous storage read as a flat vector, 16 bytes per load where the
// pointer allows: a whole-matrix reduction then runs near memory speed.
template <class T>
struct Vec16;
template <>
struct Vec16<float> { using type = float4; static constexpr int n = 4; };
template <>
struct Vec16<double> { using type = double2; static constexpr int n = 2; };

template <class T, class Op>
__device__ void for_flat(const T* x, index_t n, Op op) {
  using V = typename Vec16<T>::type;
  constexpr int w = Vec16<T>::n;
  const index_t tid = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x;
  const index_t stride = static_cast<index_t>(gridDim.x) * blockDim.x;
  index_t head = 0;
  if ((reinterpret_cast<std::uintptr_t>(x) & 15u) == 0) {
    const index_t nv = n / w;
    const V* xv = reinterpret_cast<const V*>(x);
#pragma unroll 4
    for (index_t t = tid; t < nv; t += stride) {
      const V v = xv[t];
      if constexpr (w == 4) { op(v.x); op(v.y); op(v.z); op(v.w); }
      else { op(v.x); op(v.y); }
    }
    head = nv * w;
  }
  for (index_t t = head + tid; t < n; t += stride) op(x[t]);
}

template <class T>
__global__ void flat_sumsq_kernel(const T* x, index_t n, double* out) {
  double acc = 0.0;
  for_flat(x, n, [&](T v) { acc += static_cast<double>(v) * static_cast<double>(v); });
  block_sum_to(acc, out);
}

template <class T>
__global__ void flat_nonfinite_kernel(const T* x, index_t n, int* flag) {
  bool bad = false;
  for_flat(x, n, [&](T v) { bad |= !isfinite(v); });
  if (__syncthreads_or(bad) && threadIdx.x == 0) atomicOr(flag, 1);
}

template <class T>
bool contiguous(const DenseView<T>& X) {
  return X.ld == X.stored_rows() || X.stored_cols() == 1;
}

unsigned flat_blocks(index_t n) {
  return static_cast<unsigned>(std::min<index_t>(std::max<index_t>((n / 4 + 255) / 256, 1), 4096));
}

template <class T>
__global__ void sumsq_kernel(DenseView<const T> X, double* out) {
  double acc = 0.0;
  LINALG_FOR_ENTRIES_OF(X.trans, X.rows, X.cols, i, j) {
    const double v = static_cast<double>(at(X, i, j));
    acc += v * v;
  }
  block_sum_to(acc, out);
}

// One block per column.
template <class T>
__global__ void column_sumsq_kernel(DenseView<const T> X, double* out) {
  const index_t j = blockIdx.x;
  double acc = 0.0;
  for (index_t i = threadIdx.x; i < X.rows; i += blockDim.x) {
    const double v = static_cast<double>(at(X, i, j));
    acc += v * v;
  }
  block_sum_to(acc, out + j);
}

template <class T>
__global__ void nonfinite_kernel(DenseView<const T> X, int* flag) {
  bool bad = false;
  LINALG_FOR_ENTRIES_OF(X.trans, X.rows, X.cols, i, j) bad |= !isfinite(at(X, i, j));
  if (__syncthreads_or(bad) && threadIdx.x == 0) atomicOr(flag, 1);
}

template <class T>
__global__ void scale_kernel(DenseView<T> X, const T* d, bool by_column) {
  LINALG_FOR_ENTRIES_OF(X.trans, X.rows, X.cols, i, j) at(X, i, j) *= d[by_column ? j : i];
}

template <class T>
__global__ void diagonal_kernel(DenseView<const T> X, double* out, index_t n) {
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    out[i] = static_cast<double>(at(X, i, i));
}

template <class T>
__global__ void add_diagonal_kernel(DenseView<T> X, T value, index_t n) {
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    at(X, i, i) += value;
}

template <class T>
__global__ void add_scaled_kernel(T alpha, DenseView<const T> X, DenseView<T> Y) {
  LINALG_FOR_ENTRIES_OF(X.trans, Y.rows, Y.cols, i, j) at(Y, i, j) += alpha * at(X, i, j);
}

template <class T>
__global__ void scatter_kernel(DenseView<const T> src, const index_t* cols, DenseView<T> dst) {
  LINALG_FOR_ENTRIES(src.rows, src.cols, i, j) at(dst, i, cols[j]) = at(src, i, j);
}

template <class T>
__global__ void gaussian_kernel(DenseView<T> X, std::uint64_t seed, std::uint32_t stream, index_t row0, index_t col0) {
  LINALG_FOR_ENTRIES_OF(X.trans, X.rows, X.cols, i, j)
  at(X, i, j) = static_cast<T>(rng::normal_at(seed, stream, static_cast<std::uint64_t>(row0 + i),
                                               static_cast<std::uint64_t>(col0 + j)));
}

constexpr int kMaxZeta = 256;

template <class T>
__global__ void sparse_sign_kernel(DenseView<T> X, int z, T v, std::uint64_t seed, std::uint32_t stream,
                                   std::uint32_t block) {
  std::uint32_t cols[kMaxZeta];
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < X.rows;
       i += static_cast<index_t>(gridDim.x) * blockDim.x) {
    sketch::sparse_sign_row(seed, stream, block, static_cast<std::uint64_t>(i), static_cast<std::uint32_t>(X.cols), z,
                            cols);
    for (int h = 0; h < z; ++h) at(X, i, static_cast<index_t>(cols[h] & 0x7FFFFFFFu)) = (cols[h] >> 31) ? -v : v;
  }
}

template <class T>
void launch_zero(const Handles& h, DenseView<T> X) {
  if (X.rows == 0 || X.cols == 0) return;
  LINALG_CUDA(cudaMemset2DAsync(X.data, sizeof(T) * std::max<index_t>(X.ld, 1), 0, sizeof(T) * X.stored_rows(),
                                X.stored_cols(), h.stream));
}

// A device copy of a short host vector (kernels cannot read host memory).
template <class T>
struct DeviceVector {
  Scratch mem;
  DeviceVector(const Handles& h, const T* src, index_t n) : mem(h.stream, sizeof(T) * std::max<index_t>(n, 1)) {
    if (n > 0) LINALG_CUDA(cudaMemcpyAsync(mem.as<T>(), src, sizeof(T) * n, cudaMemcpyHostToDevice, h.stream));
  }
  T* get() const { return mem.as<T>(); }
};

}  // namespace

template <class T>
void Cuda::copy(DenseView<const T> src, DenseView<T> dst) const {
  require(src.rows == dst.rows && src.cols == dst.cols, "copy: shape mismatch");
  if (dst.rows == 0 || dst.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "copy");
  if (!src.trans && !dst.trans) {  // a strided 2-D memcpy
    LINALG_CUDA(cudaMemcpy2DAsync(dst.data, sizeof(T) * std::max<index_t>(dst.ld, 1), src.data,
                                  sizeof(T) * std::max<index_t>(src.ld, 1), sizeof(T) * dst.rows, dst.cols,
                                  cudaMemcpyDeviceToDevice, h.stream));
    return;
  }
  copy_kernel<T, T><<<grid_of(dst.trans, dst.rows, dst.cols), kThreads, 0, h.stream>>>(src, dst);
  LINALG_LAUNCHED();
}

template <class S, class D>
double Cuda::convert(DenseView<const S> src, DenseView<D> dst) const {
  require(src.rows == dst.rows && src.cols == dst.cols, "convert: shape mismatch");
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "convert");
  Scratch sum(h.stream, sizeof(double));
  LINALG_CUDA(cudaMemsetAsync(sum.as<double>(), 0, sizeof(double), h.stream));
  if (dst.rows > 0 && dst.cols > 0) {
    convert_kernel<S, D><<<grid_of(src.trans, dst.rows, dst.cols), kThreads, 0, h.stream>>>(src, dst, sum.as<double>());
    LINALG_LAUNCHED();
  }
  double out = 0.0;
  LINALG_CUDA(cudaMemcpyAsync(&out, sum.as<double>(), sizeof(double), cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  return out;
}

template <class T>
bool Cuda::all_finite(DenseView<const T> X) const {
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "all_finite");
  if (X.rows == 0 || X.cols == 0) return true;
  Scratch flag(h.stream, sizeof(int));
  LINALG_CUDA(cudaMemsetAsync(flag.as<int>(), 0, sizeof(int), h.stream));
  if (contiguous(X))
    flat_nonfinite_kernel<T><<<flat_blocks(X.rows * X.cols), kThreads, 0, h.stream>>>(X.data, X.rows * X.cols,
                                                                                       flag.as<int>());
  else
    nonfinite_kernel<T><<<grid_of(X.trans, X.rows, X.cols), kThreads, 0, h.stream>>>(X, flag.as<int>());
  LINALG_LAUNCHED();
  int bad = 0;
  LINALG_CUDA(cudaMemcpyAsync(&bad, flag.as<int>(), sizeof(int), cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  return bad == 0;
}

template <class T>
void Cuda::scale_columns(DenseView<T> X, const T* d) const {
  if (X.rows == 0 || X.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "scale_columns");
  DeviceVector<T> dd(h, d, X.cols);
  scale_kernel<T><<<grid_of(X.trans, X.rows, X.cols), kThreads, 0, h.stream>>>(X, dd.get(), true);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::scale_rows(DenseView<T> X, const T* d) const {
  if (X.rows == 0 || X.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "scale_rows");
  DeviceVector<T> dd(h, d, X.rows);
  scale_kernel<T><<<grid_of(X.trans, X.rows, X.cols), kThreads, 0, h.stream>>>(X, dd.get(), false);
  LINALG_LAUNCHED();
}

template <class T>
double Cuda::frobenius_sq(DenseView<const T> X) const {
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "frobenius_sq");
  if (X.rows == 0 || X.cols == 0) return 0.0;
  Scratch sum(h.stream, sizeof(double));
  LINALG_CUDA(cudaMemsetAsync(sum.as<double>(), 0, sizeof(double), h.stream));
  if (contiguous(X))
    flat_sumsq_kernel<T><<<flat_blocks(X.rows * X.cols), kThreads, 0, h.stream>>>(X.data, X.rows * X.cols,
                                                                                   sum.as<double>());
  else
    sumsq_kernel<T><<<grid_of(X.trans, X.rows, X.cols), kThreads, 0, h.stream>>>(X, sum.as<double>());
  LINALG_LAUNCHED();
  double out = 0.0;
  LINALG_CUDA(cudaMemcpyAsync(&out, sum.as<double>(), sizeof(double), cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  return out;
}

template <class T>
void Cuda::column_norms_sq(DenseView<const T> X, double* out) const {
  if (X.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "column_norms_sq");
  Scratch sums(h.stream, sizeof(double) * X.cols);
  LINALG_CUDA(cudaMemsetAsync(sums.as<double>(), 0, sizeof(double) * X.cols, h.stream));
  column_sumsq_kernel<T><<<as_int(X.cols, "cols"), kThreads, 0, h.stream>>>(X, sums.as<double>());
  LINALG_LAUNCHED();
  LINALG_CUDA(cudaMemcpyAsync(out, sums.as<double>(), sizeof(double) * X.cols, cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
}

template <class T>
void Cuda::diagonal(DenseView<const T> X, double* out) const {
  const index_t n = std::min(X.rows, X.cols);
  if (n == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "diagonal");
  Scratch d(h.stream, sizeof(double) * n);
  diagonal_kernel<T><<<blocks_for(n), kThreads, 0, h.stream>>>(X, d.as<double>(), n);
  LINALG_LAUNCHED();
  LINALG_CUDA(cudaMemcpyAsync(out, d.as<double>(), sizeof(double) * n, cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
}

template <class T>
void Cuda::add_to_diagonal(DenseView<T> X, T value) const {
  const index_t n = std::min(X.rows, X.cols);
  if (n == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "add_to_diagonal");
  add_diagonal_kernel<T><<<blocks_for(n), kThreads, 0, h.stream>>>(X, value, n);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::add_scaled(T alpha, DenseView<const T> X, DenseView<T> Y) const {
  require(!Y.trans && X.rows == Y.rows && X.cols == Y.cols, "add_scaled: shape mismatch");
  if (Y.rows == 0 || Y.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "add_scaled");
  add_scaled_kernel<T><<<grid_of(X.trans, Y.rows, Y.cols), kThreads, 0, h.stream>>>(alpha, X, Y);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::scatter_columns(DenseView<const T> src, const index_t* cols, DenseView<T> dst) const {
  require(!dst.trans && src.rows == dst.rows, "scatter_columns: shape mismatch");
  for (index_t j = 0; j < src.cols; ++j)
    require(cols[j] >= 0 && cols[j] < dst.cols, "scatter_columns: index out of range");
  if (src.rows == 0 || src.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "scatter_columns");
  DeviceVector<index_t> dc(h, cols, src.cols);
  scatter_kernel<T><<<grid_of(false, src.rows, src.cols), kThreads, 0, h.stream>>>(src, dc.get(), dst);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::fill_gaussian(DenseView<T> X, std::uint64_t seed, std::uint32_t stream, index_t row0, index_t col0) const {
  if (X.rows == 0 || X.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "fill_gaussian");
  gaussian_kernel<T><<<grid_of(X.trans, X.rows, X.cols), kThreads, 0, h.stream>>>(X, seed, stream, row0, col0);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::fill_sparse_sign(DenseView<T> X, int zeta, std::uint64_t seed, std::uint32_t stream,
                            std::uint32_t block) const {
  const index_t n = X.rows, l = X.cols;
  require(l < (index_t(1) << 31), "sparse sign: too many columns");
  const int z = static_cast<int>(std::min<index_t>(std::max(zeta, 1), l));
  require(z <= kMaxZeta, "sparse sign on the GPU: zeta must be <= 256");
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "fill_sparse_sign");
  launch_zero(h, X);
  if (n == 0 || l == 0) return;
  const T v = static_cast<T>(1.0 / std::sqrt(static_cast<double>(z)));
  sparse_sign_kernel<T><<<blocks_for(n, 128), 128, 0, h.stream>>>(X, z, v, seed, stream, block);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::to_host(DenseView<const T> X, T* out) const {
  if (X.rows == 0 || X.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "to_host");
  if (X.trans) {  // gather into a contiguous device block first
    Scratch tmp(h.stream, sizeof(T) * X.rows * X.cols);
    DenseView<T> c{tmp.as<T>(), X.rows, X.cols, X.rows, false};
    copy(X, c);
    LINALG_CUDA(cudaMemcpyAsync(out, c.data, sizeof(T) * X.rows * X.cols, cudaMemcpyDeviceToHost, h.stream));
  } else {
    LINALG_CUDA(cudaMemcpy2DAsync(out, sizeof(T) * X.rows, X.data, sizeof(T) * std::max<index_t>(X.ld, 1),
                                  sizeof(T) * X.rows, X.cols, cudaMemcpyDeviceToHost, h.stream));
  }
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
}

template <class T>
void Cuda::from_host(const T* in, DenseView<T> X) const {
  if (X.rows == 0 || X.cols == 0) return;
  const Handles& h = handles_of(*this);
  Profile prof_(stream_, "from_host");
  if (X.trans) {
    Scratch tmp(h.stream, sizeof(T) * X.rows * X.cols);
    LINALG_CUDA(cudaMemcpyAsync(tmp.as<T>(), in, sizeof(T) * X.rows * X.cols, cudaMemcpyHostToDevice, h.stream));
    copy(DenseView<const T>{tmp.as<T>(), X.rows, X.cols, X.rows, false}, X);
  } else {
    LINALG_CUDA(cudaMemcpy2DAsync(X.data, sizeof(T) * std::max<index_t>(X.ld, 1), in, sizeof(T) * X.rows,
                                  sizeof(T) * X.rows, X.cols, cudaMemcpyHostToDevice, h.stream));
  }
  // The source may be freed as soon as we return.
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
}

#define LINALG_INSTANTIATE(T)                                                                        \
  template void Cuda::copy<T>(DenseView<const T>, DenseView<T>) const;                               \
  template bool Cuda::all_finite<T>(DenseView<const T>) const;                                       \
  template void Cuda::scale_columns<T>(DenseView<T>, const T*) const;                                \
  template void Cuda::scale_rows<T>(DenseView<T>, const T*) const;                                   \
  template double Cuda::frobenius_sq<T>(DenseView<const T>) const;                                   \
  template void Cuda::column_norms_sq<T>(DenseView<const T>, double*) const;                         \
  template void Cuda::diagonal<T>(DenseView<const T>, double*) const;                                \
  template void Cuda::add_to_diagonal<T>(DenseView<T>, T) const;                                     \
  template void Cuda::add_scaled<T>(T, DenseView<const T>, DenseView<T>) const;                      \
  template void Cuda::scatter_columns<T>(DenseView<const T>, const index_t*, DenseView<T>) const;    \
  template void Cuda::fill_gaussian<T>(DenseView<T>, std::uint64_t, std::uint32_t, index_t, index_t) const; \
  template void Cuda::fill_sparse_sign<T>(DenseView<T>, int, std::uint64_t, std::uint32_t, std::uint32_t) const; \
  template void Cuda::to_host<T>(DenseView<const T>, T*) const;                                      \
  template void Cuda::from_host<T>(const T*, DenseView<T>) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE
template double Cuda::convert<float, float>(DenseView<const float>, DenseView<float>) const;
template double Cuda::convert<float, double>(DenseView<const float>, DenseView<double>) const;
template double Cuda::convert<double, float>(DenseView<const double>, DenseView<float>) const;
template double Cuda::convert<double, double>(DenseView<const double>, DenseView<double>) const;

}  // namespace linalg::cuda
