// Y = S A for an oblivious row sketch S (s x n) of any kind, dense A:
// the Gaussian kind as GEMMs with blocks of S drawn on the fly (S is never
// stored whole), the sparse kinds through the context's row_sketch kernel.
#pragma once
#include <algorithm>
#include <cmath>

#include "linalg/core/buffer.hpp"
#include "linalg/core/view.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg::sketch {

template <class Ctx, class T>
void apply_row_sketch(const Ctx& ctx, DenseView<const T> A, RowSketch kind, int zeta, std::uint64_t seed,
                      std::uint32_t stream, DenseView<T> Y) {
  if (kind != RowSketch::Gaussian) {
    ctx.row_sketch(A, static_cast<const T*>(nullptr), kind, zeta, seed, stream, Y);
    return;
  }
  // S(r, i) = N(0,1)(seed, stream, r, i) / sqrt(s); blocks of 1024 columns.
  const index_t n = A.rows, s = Y.rows;
  const index_t b = std::min<index_t>(n, 1024);
  Matrix<T> G(s, b);
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(s)));
  for (index_t i0 = 0; i0 < n; i0 += b) {
    const index_t nb = std::min(b, n - i0);
    DenseView<T> Gb{G.data(), s, nb, s, false};
    ctx.fill_gaussian(Gb, seed, stream, 0, i0);
    ctx.gemm(scale, DenseView<const T>(Gb), A.row_block(i0, nb), i0 == 0 ? T(0) : T(1), Y);
  }
}

}  // namespace linalg::sketch
