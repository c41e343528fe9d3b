// Matrix completion on the CUDA context: the alternating-minimisation state
// of completion/altmin.hpp instantiated with cuda::Cuda, behind a small
// interface (no CUDA or context headers), driven step by step from Python
// like the host state. The observations are built on the host (O(nnz)
// gathers, done once: completion/observations.hpp, from entries that
// linalg.completion sorted on the device) and copied to the device once;
// the factors and every half-step's work live on the device.
#pragma once
#include <cstdint>
#include <memory>

#include "linalg/completion/altmin.hpp"
#include "linalg/core/buffer.hpp"

namespace linalg::cuda {

template <class T>
class CompletionState {
 public:
  // stream: the caller's cudaStream_t as an integer; all work runs on it.
  CompletionState(std::uintptr_t stream, completion::Observations<T>&& obs, const completion::AltMinOptions& o);
  ~CompletionState();
  CompletionState(const CompletionState&) = delete;
  CompletionState& operator=(const CompletionState&) = delete;

  void initialize();
  completion::StepStats iterate(int iteration);

  // Device copies (count x (m or n), column-major: the row-major
  // (m or n) x count block) of entries [offset, offset + count) of every
  // padded row of X (rows_side) or Y.
  Matrix<T> rows_of(bool rows_side, index_t count, index_t offset) const;
  // Predictions at device (rows, cols) from the current factors, into the
  // device vector out.
  void predict(const std::int64_t* rows, const std::int64_t* cols, index_t len, T* out) const;

  index_t m() const;
  index_t n() const;
  index_t rank() const;
  bool biases() const;
  T mean() const;
  const completion::Observations<T>& observations() const;
  const lowrank::RsvdReport& init_report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// out[t] = mean + U[r_t] . V[c_t] (+ bu[r_t] + bv[c_t]) for row-major U
// (m x k), V (n x k) and vectors bu, bv (may be null); all device memory.
template <class T>
void completion_predict(std::uintptr_t stream, const T* U, const T* V, index_t k, const T* bu, const T* bv, T mean,
                        const std::int64_t* rows, const std::int64_t* cols, index_t len, T* out);

}  // namespace linalg::cuda
