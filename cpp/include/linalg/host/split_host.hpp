// The host context for work whose heavy products run on the core's own
// OpenMP threads (the AMX range finder, bf16_operator.hpp; sparse products;
// a dense A's narrow products, skinny_product.hpp - rsvd and range_finder
// run on it for every input): the caller holds
// SciPy's BLAS to one thread (Python: linalg._blas.one_blas_thread) and the
// large BLAS calls here are cut into row blocks that the OpenMP threads run
// side by side, one single-threaded BLAS call per block.
//
// Why: after every call OpenBLAS's idle workers spin for ~2^28 cycles
// (its THREAD_TIMEOUT, ~0.1 s) and take a core from the OpenMP kernel that
// follows; on this 2-core machine that was 20 % of the bfloat16 rsvd's
// profile (OPENBLAS_THREAD_TIMEOUT=4 in the environment took P1 from
// 1.07 s to 0.68 s). With one BLAS thread nothing spins, and the blocks
// keep both cores busy in the BLAS calls too.
//
// Blocks are fixed (kSplitRows rows) whatever the thread count, and partial
// sums are added in block order: results do not depend on the threads.
#pragma once
#include "linalg/host/context.hpp"

namespace linalg::host {

struct SplitHost : Host {
  // Rows per block: big enough that a block's BLAS call runs at full rate
  // (OpenBLAS re-packs the small operand per call), small enough to balance
  // two threads on a 20000-row A.
  static constexpr index_t kSplitRows = 2048;

  // As Host::gemm. A large dense A times a narrow block (beta = 0): the
  // core's kernels (skinny_product.hpp). Tall C: row blocks of C and
  // op(A). Small C with a long inner dimension (Q^T X) and beta = 0:
  // partial products over blocks of it, summed.
  template <class T>
  void gemm(T alpha, DenseView<const T> A, DenseView<const T> B, T beta, DenseView<T> C) const;

  // As Host::gram (upper triangle of A^T A): partial Grams over row blocks.
  template <class T>
  void gram(DenseView<const T> A, DenseView<T> C) const;

  // Whether a dense m x n A's narrow products run on the core's kernels
  // (skinny_product.hpp: AVX-512, A large enough): rsvd's method="auto"
  // may then take block Krylov in float32 too.
  static bool fast_narrow_products(index_t m, index_t n);

  // As Host::solve_upper_right: the rows of B are independent.
  template <class T>
  void solve_upper_right(DenseView<const T> R, DenseView<T> B) const;
};

}  // namespace linalg::host
