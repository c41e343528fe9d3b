// Test matrices of the range finders: Gaussian, or the transpose of a
// sparse sign embedding. Either way entry (i, j) depends only on the seed,
// the stream, the block and the position (ARCHITECTURE decision 5).
#pragma once
#include <cstdint>

#include "linalg/core/view.hpp"
#include "linalg/rng/draws.hpp"

namespace linalg::sketch {

// Row i of the sparse sign test matrix with l columns: z = min(zeta, l)
// distinct columns (rejection sampling on counters (block << 20) | t) and
// their signs (bit h of the words at counter (block << 20) | (0xFFFFF -
// h / 128)), sign in bit 31 of out[h]. One definition for the host and the
// device fills, so both draw the same matrix.
LINALG_HD void sparse_sign_row(std::uint64_t seed, std::uint32_t stream, std::uint32_t block, std::uint64_t row,
                               std::uint32_t l, int z, std::uint32_t* out) {
  int have = 0;
  if (static_cast<std::uint32_t>(z) == l) {
    for (int h = 0; h < z; ++h) out[h] = static_cast<std::uint32_t>(h);
    have = z;
  }
  for (std::uint32_t t = 0; have < z; ++t) {
    rng::Philox4x32 w = rng::draw(seed, row, (block << 20) | t, stream);
    for (int q = 0; q < 4 && have < z; ++q) {
      const std::uint32_t c = rng::bounded(w.v[q], l);
      bool dup = false;
      for (int h = 0; h < have; ++h) dup |= (out[h] == c);
      if (!dup) out[have++] = c;
    }
  }
  for (int h = 0; h < z; ++h) {
    rng::Philox4x32 sgn = rng::draw(seed, row, (block << 20) | (0xFFFFFu - static_cast<std::uint32_t>(h >> 7)), stream);
    if ((sgn.v[(h >> 5) & 3] >> (h & 31)) & 1u) out[h] |= 0x80000000u;
  }
}

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
