// Philox4x32-10 counter-based generator (Salmon, Moraes, Dror & Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC 2011). Header-only and
// usable from host and device code: every draw is a pure function of
// (key, counter), which is what makes sketches identical for any thread
// count and on CPU and GPU.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define LINALG_HD __host__ __device__ __forceinline__
#else
#define LINALG_HD inline
#endif

namespace linalg::rng {

struct Philox4x32 {
  std::uint32_t v[4];
};

namespace detail {
// Multipliers and Weyl key increments from the paper (Random123 defaults).
constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

LINALG_HD void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}
}  // namespace detail

// Ten rounds of Philox4x32 on counter c with key (k0, k1).
LINALG_HD Philox4x32 philox4x32_10(Philox4x32 c, std::uint32_t k0, std::uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) { k0 += detail::kW0; k1 += detail::kW1; }
    std::uint32_t hi0, lo0, hi1, lo1;
    detail::mulhilo(detail::kM0, c.v[0], hi0, lo0);
    detail::mulhilo(detail::kM1, c.v[2], hi1, lo1);
    c = {{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
  }
  return c;
}

}  // namespace linalg::rng
