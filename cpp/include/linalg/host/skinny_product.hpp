// Products of a large dense matrix with a narrow block (up to 6 AVX-512
// vectors of columns: 96 in float32, 48 in float64), the shape of block
// Krylov's and the fixed-accuracy range finder's passes.
//
// Why: SciPy's OpenBLAS runs them far below its rate - on P1's 20000 x 4000
// A with 37 columns, two threads, 50-70 GFLOP/s, 3-4x the time of reading A
// once - while a register-blocked loop over A's rows, the narrow block
// kept in cache, comes near A's bytes: float32, 37 columns, 35-49 ms for
// A X and 37-47 ms for A^T X against OpenBLAS's 73-87 and 90-120 ms
// (float64: 52-90 against 95-117 ms). Used by SplitHost (SciPy's BLAS on
// one thread): next to a many-threaded BLAS call, OpenBLAS's spinning
// workers would take the cores these kernels run on. Threads split C's rows (C = M X)
// or M's columns (C = M^T X); each entry of C is one thread's sum in a
// fixed order: results do not depend on the thread count.
#pragma once
#include "linalg/core/view.hpp"

namespace linalg::host {

// C = alpha op(A) B for a dense A (any layout) with at least 2^22 entries
// and B, C with at most 96 (float32) / 48 (float64) columns, on a CPU with
// AVX-512; false (C untouched) for any other case.
template <class T>
bool skinny_product(T alpha, DenseView<const T> A, DenseView<const T> B, DenseView<T> C);

// Whether skinny_product takes a rows x cols A (AVX-512 here, A large).
bool skinny_product_applies(index_t rows, index_t cols);

}  // namespace linalg::host
