// Where the storage of Buffer/Matrix lives while an algorithm runs.
//
// Algorithms are written once for every execution context (ARCHITECTURE
// decision 1) and allocate their work matrices as plain Matrix<T>. The entry
// point of a context that keeps data elsewhere (the CUDA context: device
// memory, stream-ordered) opens a MemoryScope for the duration of the call;
// every Buffer created on that thread meanwhile takes its storage from that
// space and gives it back to the same space, wherever it is destroyed. No
// scope open means 64-byte aligned host memory.
#pragma once
#include <cstddef>

namespace linalg {

struct MemorySpace {
  void* (*allocate)(void* state, std::size_t bytes) = nullptr;  // throws std::bad_alloc on failure
  void (*release)(void* state, void* p) = nullptr;
  void (*zero)(void* state, void* p, std::size_t bytes) = nullptr;
  void* state = nullptr;
  bool host_accessible = false;  // may host code read the storage directly?
};

// The space of the calling thread (nullptr: host memory).
const MemorySpace* current_memory_space();

// Sets the calling thread's space for its lifetime (nullptr: host memory).
class MemoryScope {
 public:
  explicit MemoryScope(const MemorySpace* space);
  ~MemoryScope();
  MemoryScope(const MemoryScope&) = delete;
  MemoryScope& operator=(const MemoryScope&) = delete;

 private:
  const MemorySpace* saved_;
};

}  // namespace linalg
