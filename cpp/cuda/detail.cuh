// Internals of the CUDA context shared by its .cu files: error checks, the
// per-stream handles, scratch device memory, and the device-side reading
// of logical views.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>
#include <cusparse.h>

#include <cstddef>
#include <string>

#include "linalg/core/errors.hpp"
#include "linalg/core/memory.hpp"
#include "linalg/core/view.hpp"
#include "linalg/cuda/context.hpp"
#include "profile.hpp"

namespace linalg::cuda {

[[noreturn]] void fail(const char* what, const char* call, long code, const char* file, int line);

#define LINALG_CUDA(call)                                                                       \
  do {                                                                                          \
    cudaError_t e_ = (call);                                                                    \
    if (e_ != cudaSuccess) ::linalg::cuda::fail(cudaGetErrorString(e_), #call, e_, __FILE__, __LINE__); \
  } while (0)
#define LINALG_CUBLAS(call)                                                                     \
  do {                                                                                          \
    cublasStatus_t e_ = (call);                                                                 \
    if (e_ != CUBLAS_STATUS_SUCCESS) ::linalg::cuda::fail("cuBLAS error", #call, e_, __FILE__, __LINE__); \
  } while (0)
#define LINALG_CUSOLVER(call)                                                                   \
  do {                                                                                          \
    cusolverStatus_t e_ = (call);                                                               \
    if (e_ != CUSOLVER_STATUS_SUCCESS) ::linalg::cuda::fail("cuSOLVER error", #call, e_, __FILE__, __LINE__); \
  } while (0)
#define LINALG_CUSPARSE(call)                                                                   \
  do {                                                                                          \
    cusparseStatus_t e_ = (call);                                                               \
    if (e_ != CUSPARSE_STATUS_SUCCESS) ::linalg::cuda::fail(cusparseGetErrorString(e_), #call, e_, __FILE__, __LINE__); \
  } while (0)
// After a kernel launch: launch errors surface here, not at a later call.
#define LINALG_LAUNCHED() LINALG_CUDA(cudaGetLastError())

struct Handles {
  int device = 0;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  cusolverDnHandle_t solver = nullptr;
  cusparseHandle_t sparse = nullptr;
  MemorySpace space;
};

Handles& handles_of(const Cuda& ctx);

// Device scratch from the stream-ordered pool, freed on the same stream.
class Scratch {
 public:
  Scratch(cudaStream_t s, std::size_t bytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(p_); }

 private:
  cudaStream_t s_;
  void* p_ = nullptr;
};

inline int as_int(index_t v, const char* what) {
  require(v >= 0 && v <= 2147483647, std::string("CUDA context: ") + what + " exceeds 2^31 - 1");
  return static_cast<int>(v);
}

// Entry (i, j) of a logical view, on the device.
template <class T>
__device__ __forceinline__ T& at(const DenseView<T>& v, index_t i, index_t j) {
  return v.trans ? v.data[j + i * v.ld] : v.data[i + j * v.ld];
}

inline unsigned blocks_for(index_t n, unsigned threads = 256) {
  index_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

}  // namespace linalg::cuda
