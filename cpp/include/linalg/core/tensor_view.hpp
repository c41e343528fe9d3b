// Dense N-d tensors for the Tucker code: contiguous, first index fastest
// (column-major). A C-ordered array is the same memory read with its axes
// reversed, so both NumPy orders go in without a copy (tensor_from_strides).
//
// Mode n splits the tensor into L x I_n x R with L = prod_{k<n} I_k and
// R = prod_{k>n} I_k: entry (l, i, r) sits at l + L (i + I_n r). Slice r is
// the column-major L x I_n matrix with leading dimension L, so the mode-n
// unfolding X_(n) = [X_0^T, ..., X_{R-1}^T] (I_n x LR) is a batch of strided
// matrices: BLAS works on it with no unfolding copy.
#pragma once
#include <string>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/core/view.hpp"

namespace linalg {

template <class T>
struct TensorView {
  T* data = nullptr;
  std::vector<index_t> shape;

  int ndim() const { return static_cast<int>(shape.size()); }
  index_t size() const {
    index_t s = 1;
    for (index_t d : shape) s *= d;
    return s;
  }
  index_t left(int n) const {
    index_t s = 1;
    for (int k = 0; k < n; ++k) s *= shape[k];
    return s;
  }
  index_t right(int n) const {
    index_t s = 1;
    for (int k = n + 1; k < ndim(); ++k) s *= shape[k];
    return s;
  }
  // Slice r of mode n: the L x I_n matrix X(:, :, r) of the L x I_n x R split.
  DenseView<T> slice(int n, index_t r) const {
    const index_t L = left(n), I = shape[n];
    return {data + r * L * I, L, I, L > 0 ? L : 1, false};
  }
  // The whole tensor as the column-major shape[0] x (rest) matrix: X_(0).
  DenseView<T> unfold0() const {
    const index_t I = shape.empty() ? 1 : shape[0];
    return {data, I, I > 0 ? size() / I : 0, I > 0 ? I : 1, false};
  }
  // X_(n) as one column-major I_n x R matrix; valid when left(n) == 1.
  DenseView<T> lead(int n) const {
    const index_t I = shape[n];
    return {data, I, right(n), I > 0 ? I : 1, false};
  }
  operator TensorView<const T>() const { return {data, shape}; }
};

// An owning tensor in the same layout.
template <class T>
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::vector<index_t> shape) : shape_(std::move(shape)) {
    index_t s = 1;
    for (index_t d : shape_) s *= d;
    buf_ = Buffer<T>(s);
  }
  TensorView<T> view() const { return {buf_.data(), shape_}; }
  TensorView<const T> cview() const { return {buf_.data(), shape_}; }
  const std::vector<index_t>& shape() const { return shape_; }
  T* data() const { return buf_.data(); }
  index_t size() const { return buf_.size(); }
  const MemorySpace* space() const { return buf_.space(); }
  // Gives up ownership of the storage (freed by the caller through space()).
  T* release() { return buf_.release(); }

 private:
  Buffer<T> buf_;
  std::vector<index_t> shape_;
};

// The first-index-fastest view of an array given by its shape and strides
// (in elements). `reversed` is set when the array is C-ordered, and the view
// then has the axes in reverse order. Other layouts throw.
template <class T>
TensorView<T> tensor_from_strides(T* data, const std::vector<index_t>& shape, const std::vector<index_t>& strides,
                                  bool& reversed) {
  const int N = static_cast<int>(shape.size());
  require(static_cast<int>(strides.size()) == N, "tensor: shape and strides differ in length");
  auto contiguous = [&](bool c_order) {
    index_t expect = 1;
    for (int j = 0; j < N; ++j) {
      const int k = c_order ? N - 1 - j : j;
      if (shape[k] != 1 && strides[k] != expect) return false;
      expect *= shape[k];
    }
    return true;
  };
  if (contiguous(false)) {
    reversed = false;
    return {data, shape};
  }
  if (contiguous(true)) {
    reversed = true;
    return {data, std::vector<index_t>(shape.rbegin(), shape.rend())};
  }
  throw invalid_argument("tensor must be C- or F-contiguous");
}

}  // namespace linalg
