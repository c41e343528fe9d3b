// LINALG_CUDA_PROFILE=1: each CUDA-context primitive synchronises its
// stream before and after and adds its wall time to a per-name total,
// printed to stderr at exit - to see where time goes. Off by default (then
// it costs one branch). No CUDA headers here: g++ sources use it too.
#pragma once
#include <cstdint>

namespace linalg::cuda {

class Profile {
 public:
  Profile(std::uintptr_t stream, const char* name);
  ~Profile();
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

 private:
  std::uintptr_t stream_ = 0;
  const char* name_;
  double t0_ = -1.0;
};

}  // namespace linalg::cuda
