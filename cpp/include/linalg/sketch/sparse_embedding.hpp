// Oblivious row sketches S (s x n) applied as S A: the column draws of the
// sparse sign embedding (zeta nonzeros +-1/sqrt(zeta) per column; zeta = 1
// is the CountSketch of Charikar, Chen & Farach-Colton 2002 / Clarkson &
// Woodruff 2013) and the Gaussian one (entries N(0, 1/s)). E[S^T S] = I for
// every kind, so E||S x||^2 = ||x||^2.
//
// Column i of the sparse sign S is drawn from (seed, stream, i) alone, with
// the same draws as row i of Host::fill_sparse_sign (block 0): S is the
// transpose of that test matrix, whichever thread computes it.
#pragma once
#include <cstdint>

#include "linalg/rng/draws.hpp"

namespace linalg::sketch {

enum class RowSketch { Gaussian, SparseSign, CountSketch };

// Streams of the sampling area (kept apart from rng::Stream's 1..3).
enum SamplingStream : std::uint32_t {
  kUserSketch = 16,       // linalg.sketch
  kLeverageSketch = 17,   // the embedding of the sketched leverage scores
  kLeverageJL = 18,       // the Johnson-Lindenstrauss matrix after it
  kRowSampling = 19,      // uniforms of the row samplers
};

// The z nonzero rows of column i of an s-row sparse sign embedding, with
// the sign in bit 31 (s < 2^31). z <= s distinct rows, by rejection.
LINALG_HD void sparse_sign_column(std::uint64_t seed, std::uint32_t stream, std::uint64_t i, std::uint32_t s,
                                  int z, std::uint32_t* out) {
  int have = 0;
  if (static_cast<std::uint32_t>(z) == s) {
    for (int h = 0; h < z; ++h) out[h] = static_cast<std::uint32_t>(h);
    have = z;
  }
  for (std::uint32_t t = 0; have < z; ++t) {
    rng::Philox4x32 w = rng::draw(seed, i, t, stream);
    for (int q = 0; q < 4 && have < z; ++q) {
      const std::uint32_t c = rng::bounded(w.v[q], s);
      bool dup = false;
      for (int h = 0; h < have; ++h) dup |= (out[h] == c);
      if (!dup) out[have++] = c;
    }
  }
  for (int h = 0; h < z; ++h) {
    rng::Philox4x32 sgn = rng::draw(seed, i, 0xFFFFFu - static_cast<std::uint32_t>(h >> 7), stream);
    if ((sgn.v[(h >> 5) & 3] >> (h & 31)) & 1u) out[h] |= 0x80000000u;
  }
}

}  // namespace linalg::sketch
