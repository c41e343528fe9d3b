// A std::vector allocator for large host buffers written in random order
// (the CSR transpose's scatter): core's host_allocate (2 MB-aligned blocks
// marked for transparent huge pages from 4 MB on). With 4 KB pages a
// scatter over tens of MB misses the TLB on nearly every write (P3's
// transpose, 5e6 nonzeros: 77-127 -> 69-77 ms on two threads).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

#include "linalg/core/buffer.hpp"

namespace linalg::host {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    void* p = host_allocate(sizeof(T) * n);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  // resize() leaves arithmetic entries uninitialised (they are all written
  // next): no serial zero-fill pass before the threads write them.
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <class T, class U>
bool operator==(const HugePageAllocator<T>&, const HugePageAllocator<U>&) { return true; }
template <class T, class U>
bool operator!=(const HugePageAllocator<T>&, const HugePageAllocator<U>&) { return false; }

}  // namespace linalg::host
