// Entry points of the CUDA build: the algorithm templates instantiated with
// the CUDA context (cpp/cuda/*_api.cpp). Inputs are device views; matrices
// returned live in device memory (stream-ordered on `stream`), vectors of
// singular values are returned as device matrices too.
#pragma once
#include <cstdint>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/lowrank/error_estimate.hpp"
#include "linalg/lowrank/rsvd.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace linalg::cuda {

// The rsvd factors with S on the device as a k x 1 matrix.
template <class T>
struct DeviceSvd {
  Matrix<T> U, S, Vt;
};

template <class T>
DeviceSvd<T> rsvd(std::uintptr_t stream, const lowrank::Operator<T>& A, const lowrank::RsvdOptions& opt,
                  lowrank::RsvdReport& rep, double nnz, const lowrank::Progress& progress);

// Float64 rsvd with the basis found in float32 (lowrank/mixed_precision.hpp).
DeviceSvd<double> rsvd_mixed(std::uintptr_t stream, DenseView<const double> A, const lowrank::RsvdOptions& opt,
                             lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                             const lowrank::Progress& progress);

// Float32 rsvd with the basis found by float16 tensor-core products on a
// scaled float16 copy of A (TF32 products on A where the copy cannot be
// made) and one exact float32 pass (lowrank::rsvd_refined); used = false:
// run rsvd.
DeviceSvd<float> rsvd_fast(std::uintptr_t stream, DenseView<const float> A, const lowrank::RsvdOptions& opt,
                           lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                           const lowrank::Progress& progress);

template <class T>
Matrix<T> range_finder(std::uintptr_t stream, const lowrank::Operator<T>& A, index_t size, int power_iters,
                       const sketch::TestMatrix& tm, double nnz, lowrank::PassCount& count);

template <class T>
lowrank::ErrorEstimate estimate_error(std::uintptr_t stream, const lowrank::Operator<T>& A, DenseView<const T> U,
                                      const T* S_device, DenseView<const T> Vt, int probes, std::uint64_t seed);

template <class T>
bool all_finite(std::uintptr_t stream, DenseView<const T> A);

// The test matrix the range finders draw (for the identical-sketch tests).
template <class T>
Matrix<T> test_matrix(std::uintptr_t stream, index_t rows, index_t cols, const sketch::TestMatrix& tm,
                      std::uint32_t rng_stream, std::uint32_t block);

// Frees storage returned to Python (cudaFree: safe whatever became of the
// stream it was allocated on; it waits for the device).
void free_returned(void* p);

}  // namespace linalg::cuda
