// A float32 matrix on the GPU held, for the range finder only, as a
// float16 copy scaled by a power of two (precision="mixed", rsvd_refined in
// lowrank/mixed_precision.hpp).
//
// Why: the range finder's skinny products A Z are bound by the bytes of A
// they read. Float16 halves them and runs on the tensor cores with float32
// accumulation; its 11 significant bits round each entry as TF32 does
// (2^-11 relative), so the subspace found is as good as with TF32 products
// (cuBLAS alone on the H100, 50000 x 20000 by 110-160 columns: 0.8-1.2 ms
// per product against 1.6-2.4 ms for TF32 and 5-6 ms for float32; inside
// rsvd on the H200 the same cuBLAS kernel takes 0.54 ms, as through CuPy's
// handle: benchmarks/gpu_trace.py).
// Range: entries are scaled by 2^e with 2^e ||A||_F <= 2^14, so no entry
// overflows float16's 65504; entries below 2^-14 of the scaled norm's
// 2^14 / sqrt(mn) typical size lose relative precision as subnormals,
// an absolute error under 2^-25 each, far below the rounding of the rest.
// Products scale X the same way from its Frobenius norm.
// Cost: one read of A and a write of half its bytes; memory: half of A's.
#pragma once
#include <memory>

#include "linalg/core/view.hpp"
#include "linalg/cuda/context.hpp"

namespace linalg::cuda {

struct HalfStorage;  // the device float16 array (cpp/cuda/half.cu)

class HalfOperator {
 public:
  using value_type = float;

  // The float16 copy of A (device float32, any layout) given its squared
  // Frobenius norm; an empty operator (ok() false) where A's norm is out of
  // the range a power-of-two scale can bring under float16's, or the copy
  // does not fit in device memory.
  static HalfOperator copy_of(const Cuda& ctx, DenseView<const float> A, double frob_sq);

  bool ok() const { return static_cast<bool>(s_); }
  index_t rows() const;
  index_t cols() const;
  bool is_dense() const { return true; }
  HalfOperator t() const {
    HalfOperator o = *this;
    o.transposed_ = !transposed_;
    return o;
  }
  double frobenius_sq(const Cuda&) const { return frob_sq_; }

  // Y = A X and Y = A^T X (Y float32, untransposed), float32 accumulation.
  void apply(const Cuda& ctx, DenseView<const float> X, DenseView<float> Y) const {
    apply_oriented(ctx, transposed_, X, Y);
  }
  void apply_t(const Cuda& ctx, DenseView<const float> X, DenseView<float> Y) const {
    apply_oriented(ctx, !transposed_, X, Y);
  }
  void apply_gram(const Cuda& ctx, DenseView<const float> X, DenseView<float> Y, DenseView<float> W) const {
    apply(ctx, X, Y);
    apply_t(ctx, DenseView<const float>(Y), W);
  }

 private:
  void apply_oriented(const Cuda& ctx, bool tr, DenseView<const float> X, DenseView<float> Y) const;

  std::shared_ptr<HalfStorage> s_;
  double frob_sq_ = 0.0;
  bool transposed_ = false;
};

}  // namespace linalg::cuda
