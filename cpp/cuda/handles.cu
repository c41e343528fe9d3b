// Handles, memory space and device queries of the CUDA context.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <tuple>
#include <utility>

#include "detail.cuh"

namespace linalg::cuda {

void fail(const char* what, const char* call, long code, const char* file, int line) {
  throw backend_error(std::string("CUDA context: ") + what + " (code " + std::to_string(code) + ") in " + call +
                      " at " + file + ":" + std::to_string(line));
}

namespace {

void* pool_allocate(void* state, std::size_t bytes) {
  auto* h = static_cast<Handles*>(state);
  void* p = nullptr;
  if (cudaMallocAsync(&p, bytes, h->stream) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error state
    throw std::bad_alloc();
  }
  return p;
}
void pool_release(void* state, void* p) {
  auto* h = static_cast<Handles*>(state);
  cudaFreeAsync(p, h->stream);  // a destructor: errors cannot be thrown here
}
void pool_zero(void* state, void* p, std::size_t bytes) {
  auto* h = static_cast<Handles*>(state);
  LINALG_CUDA(cudaMemsetAsync(p, 0, bytes, h->stream));
}

std::mutex g_mutex;
// Handles are made once per (device, stream) and kept for the process: a
// cuBLAS handle costs milliseconds to create, and matrices returned to the
// caller still name the memory space inside.
std::map<std::tuple<int, std::uintptr_t, bool>, Handles*> g_handles;

Handles* make_handles(int device, std::uintptr_t stream, bool fast) {
  auto* h = new Handles;
  h->device = device;
  h->stream = reinterpret_cast<cudaStream_t>(stream);
  LINALG_CUBLAS(cublasCreate(&h->blas));
  LINALG_CUBLAS(cublasSetStream(h->blas, h->stream));
  // Full-precision float32 products (no TF32) unless asked: results must
  // match the CPU engine to float32 rounding.
  LINALG_CUBLAS(cublasSetMathMode(h->blas, fast ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  LINALG_CUSOLVER(cusolverDnCreate(&h->solver));
  LINALG_CUSOLVER(cusolverDnSetStream(h->solver, h->stream));
  LINALG_CUSPARSE(cusparseCreate(&h->sparse));
  LINALG_CUSPARSE(cusparseSetStream(h->sparse, h->stream));
  h->space.allocate = pool_allocate;
  h->space.release = pool_release;
  h->space.zero = pool_zero;
  h->space.state = h;
  h->space.host_accessible = false;
  // Keep freed blocks in the device's default pool between calls instead of
  // returning them to the driver at every synchronisation.
  cudaMemPool_t pool;
  LINALG_CUDA(cudaDeviceGetDefaultMemPool(&pool, device));
  std::uint64_t keep = ~std::uint64_t(0);
  LINALG_CUDA(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
  return h;
}

}  // namespace

Cuda::Cuda(std::uintptr_t stream, bool fast_float32) : stream_(stream), fast_(fast_float32) {
  int device = 0;
  LINALG_CUDA(cudaGetDevice(&device));
  std::lock_guard<std::mutex> lock(g_mutex);
  auto& slot = g_handles[{device, stream, fast_float32}];
  if (!slot) slot = make_handles(device, stream, fast_float32);
  h_ = slot;
}

Handles& handles_of(const Cuda& ctx) { return *ctx.h_; }

const MemorySpace* Cuda::memory_space() const { return &h_->space; }

void Cuda::synchronize() const { LINALG_CUDA(cudaStreamSynchronize(h_->stream)); }

namespace {
struct ProfileTotals {
  std::mutex mu;
  std::map<std::string, std::pair<double, long>> totals;
  bool enabled = false;
  ProfileTotals() {
    const char* e = std::getenv("LINALG_CUDA_PROFILE");
    enabled = e && *e && std::string(e) != "0";
  }
  ~ProfileTotals() {
    if (!enabled || totals.empty()) return;
    std::fprintf(stderr, "linalg CUDA profile (synchronised per primitive):\n");
    for (const auto& kv : totals)
      std::fprintf(stderr, "  %-22s %10.3f ms  %8ld calls\n", kv.first.c_str(), kv.second.first * 1e3, kv.second.second);
  }
};
ProfileTotals& profile_totals() {
  static ProfileTotals t;
  return t;
}
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Profile::Profile(std::uintptr_t stream, const char* name) : stream_(stream), name_(name) {
  if (!profile_totals().enabled) return;
  cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(stream_));
  t0_ = now_s();
}
Profile::~Profile() {
  if (t0_ < 0) return;
  cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(stream_));
  const double dt = now_s() - t0_;
  auto& p = profile_totals();
  std::lock_guard<std::mutex> lock(p.mu);
  auto& e = p.totals[name_];
  e.first += dt;
  e.second += 1;
}

Scratch::Scratch(cudaStream_t s, std::size_t bytes) : s_(s) {
  if (bytes == 0) return;
  if (cudaMallocAsync(&p_, bytes, s) != cudaSuccess) {
    cudaGetLastError();
    throw std::bad_alloc();
  }
}
Scratch::~Scratch() {
  if (p_) cudaFreeAsync(p_, s_);
}

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

std::string device_description() {
  if (device_count() == 0) return "no CUDA device visible";
  int d = 0;
  cudaDeviceProp p;
  if (cudaGetDevice(&d) != cudaSuccess || cudaGetDeviceProperties(&p, d) != cudaSuccess) return "CUDA device query failed";
  return std::string(p.name) + " (device " + std::to_string(d) + ", compute capability " + std::to_string(p.major) +
         "." + std::to_string(p.minor) + ", " + std::to_string(p.totalGlobalMem >> 20) + " MiB)";
}

}  // namespace linalg::cuda

namespace linalg::cuda {
void free_returned(void* p) {
  if (p) cudaFree(p);
}
}  // namespace linalg::cuda
