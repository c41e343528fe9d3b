// Test matrices of the range finders: Gaussian, or the transpose of a
// sparse sign embedding. Either way entry (i, j) depends only on the seed,
// the stream, the block and the position (ARCHITECTURE decision 5).
#pragma once
#include <cstdint>

#include "linalg/core/view.hpp"

namespace linalg::sketch {

enum class Kind { Gaussian, SparseSign };

struct TestMatrix {
  Kind kind = Kind::Gaussian;
  int zeta = 8;  // nonzeros per row of Omega (= per column of the embedding)
  std::uint64_t seed = 0;
};

// Fills the n x l block `block` of the test matrix (columns start at
// col0 = block * l for the Gaussian kind).
template <class Ctx, class T>
void draw(const Ctx& ctx, const TestMatrix& tm, std::uint32_t stream, std::uint32_t block, DenseView<T> Omega) {
  if (tm.kind == Kind::Gaussian)
    ctx.fill_gaussian(Omega, tm.seed, stream, 0, static_cast<index_t>(block) * Omega.cols);
  else
    ctx.fill_sparse_sign(Omega, tm.zeta, tm.seed, stream, block);
}

}  // namespace linalg::sketch
