// A float32 matrix held, for the range finder only, as bfloat16 tiles for
// the CPU's AMX matrix units (precision="mixed" on the host; rsvd_refined
// in lowrank/mixed_precision.hpp, as cuda/half_operator.hpp on the GPU).
//
// Why: on a CPU with AMX-BF16 (Intel Sapphire Rapids and later) a tile
// multiply does 16 x 16 x 32 bfloat16 multiply-adds with float32
// accumulation; a plain tiled kernel runs the range finder's skinny
// products at ~300 GFLOP/s per core, ~5x OpenBLAS's sgemm on the same
// core. bfloat16 keeps float32's exponent (no scaling, no overflow) and 8
// significant bits: each entry is rounded to 2^-9 relative, which a range
// finder tolerates where the error it is after is far above that (the
// caller's guard, min_rel_error, reruns in float32 otherwise), and the
// exact float32 pass that follows gives the factors.
// Layout: one copy, 32 x 32-padded and cut into 16 x 32 tiles of 1 KB
// stored contiguously (rows of A), so that every tile load reads one
// contiguous kilobyte; memory: half of A in float32. A X takes its tiles as
// the left operand; A^T X is computed as (X^T A)^T, the tiles' row pairs
// interleaved into the right operand's layout block by block on the way
// (a second, transposed copy cost more to write than the interleaving).
// Where the CPU or the OS offers no AMX (or LINALG_NO_AMX is set), copy_of
// returns an empty operator and the caller stays in float32.
#pragma once
#include <memory>

#include "linalg/core/view.hpp"
#include "linalg/host/split_host.hpp"

namespace linalg::host {

// AMX-BF16 present and its tile state granted to this process (asked once).
bool amx_bf16_available();

// The host context whose products are bfloat16's (2^-8 relative): the
// range finder then runs separate power steps (subspace_iteration.hpp).
// Its BLAS calls are split over the OpenMP threads (split_host.hpp): the
// AMX kernels run on those threads, between the range finder's BLAS calls.
struct Bf16Host : SplitHost {
  template <class T>
  static constexpr double product_epsilon() { return 0x1p-8; }
  // One CholeskyQR round per block of the range finder (orthonormalize.hpp):
  // the products' 2^-8 rounding is far above what a second round corrects.
  static constexpr bool kLooseBasis = true;
};

struct Bf16Tiles;  // the packed bfloat16 copy (bf16_operator.cpp)

class Bf16Operator {
 public:
  using value_type = float;

  // The bfloat16 copy of A (any layout), with the squared Frobenius norm of
  // the float32 A taken in the same read; empty (ok() false) where AMX is
  // not available.
  static Bf16Operator copy_of(DenseView<const float> A);
  // float64 A: each entry rounded to float32, then to bfloat16; the norm is
  // the float64 A's.
  static Bf16Operator copy_of(DenseView<const double> A);

  bool ok() const { return static_cast<bool>(s_); }
  // Every entry of the copy is finite: false where A holds NaN or Inf, or
  // float64 entries beyond float32's range (read while packing).
  bool finite() const { return finite_; }
  index_t rows() const;
  index_t cols() const;
  bool is_dense() const { return true; }
  Bf16Operator t() const {
    Bf16Operator o = *this;
    o.transposed_ = !transposed_;
    return o;
  }
  double frobenius_sq(const Host&) const { return frob_sq_; }

  // Y = A X and Y = A^T X (X float32, any layout, rounded to bfloat16; Y
  // float32, untransposed).
  void apply(const Host&, DenseView<const float> X, DenseView<float> Y) const { apply_oriented(transposed_, X, Y); }
  void apply_t(const Host&, DenseView<const float> X, DenseView<float> Y) const {
    apply_oriented(!transposed_, X, Y);
  }
  void apply_gram(const Host& ctx, DenseView<const float> X, DenseView<float> Y, DenseView<float> W) const {
    apply(ctx, X, Y);
    apply_t(ctx, DenseView<const float>(Y), W);
  }

 private:
  template <class S>
  static Bf16Operator packed(DenseView<const S> A);
  void apply_oriented(bool tr, DenseView<const float> X, DenseView<float> Y) const;

  std::shared_ptr<const Bf16Tiles> s_;
  double frob_sq_ = 0.0;
  bool finite_ = true;
  bool transposed_ = false;
};

}  // namespace linalg::host
