// Turning Philox words into the draws the sketches need. Each function maps
// a position to its value, with no state, so any entry can be computed by
// any thread (or GPU lane) in any order.
#pragma once
#include <cmath>
#include <cstdint>

#include "linalg/rng/philox.hpp"

namespace linalg::rng {

// Streams keep the draws of different uses of one seed apart.
enum Stream : std::uint32_t {
  kRangeSketch = 1,   // test matrix of the range finder
  kErrorProbe = 2,    // Gaussian probes of the a-posteriori error estimator
  kGrowSketch = 3,    // later blocks of the fixed-accuracy range finder
};

LINALG_HD Philox4x32 draw(std::uint64_t seed, std::uint64_t a, std::uint32_t b, std::uint32_t stream) {
  Philox4x32 c{{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32), b, stream}};
  return philox4x32_10(c, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

// Uniform in (0, 1), never 0 or 1, from one 32-bit word.
LINALG_HD double uniform_open(std::uint32_t x) { return (static_cast<double>(x) + 0.5) * 2.3283064365386963e-10; }

// Box–Muller on the word pair (a, b): radius sqrt(-2 log u1) and angle
// 2 pi u2 of the pair of normals (r cos t, r sin t).
LINALG_HD double box_muller_radius(std::uint32_t a) { return std::sqrt(-2.0 * std::log(uniform_open(a))); }
LINALG_HD double box_muller_angle(std::uint32_t b) { return 6.283185307179586 * uniform_open(b); }

// Standard normal entry (i, j) of a test matrix with the given seed and
// stream: counter (i / 4, j, stream) gives four words, Box–Muller turns
// words (0,1) and (2,3) into two normals each, and entry i takes the
// (i mod 4)-th of them.
LINALG_HD double normal_at(std::uint64_t seed, std::uint32_t stream, std::uint64_t i, std::uint64_t j) {
  Philox4x32 w = draw(seed, i >> 2, static_cast<std::uint32_t>(j), stream);
  unsigned q = static_cast<unsigned>(i & 3u);
  double r = box_muller_radius(w.v[q & 2u]);
  double t = box_muller_angle(w.v[(q & 2u) + 1]);
  return (q & 1u) ? r * std::sin(t) : r * std::cos(t);
}

// The four normals of counter (g, j, stream): entries 4g .. 4g + 3 of
// column j, exactly as normal_at gives them one at a time (one Philox draw
// and two logarithms for four entries instead of four and four).
LINALG_HD void normals4_at(std::uint64_t seed, std::uint32_t stream, std::uint64_t g, std::uint64_t j, double* out) {
  Philox4x32 w = draw(seed, g, static_cast<std::uint32_t>(j), stream);
  for (unsigned p = 0; p < 4; p += 2) {
    double r = box_muller_radius(w.v[p]);
    double t = box_muller_angle(w.v[p + 1]);
    out[p] = r * std::cos(t);
    out[p + 1] = r * std::sin(t);
  }
}

// Index in [0, n) from a 32-bit word (Lemire's multiply-shift; the bias is
// below n / 2^32, immaterial for sketching).
LINALG_HD std::uint32_t bounded(std::uint32_t x, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) * n) >> 32);
}

}  // namespace linalg::rng
