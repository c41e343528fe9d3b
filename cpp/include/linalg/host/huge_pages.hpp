// An allocator for large host buffers written in random order (the CSR
// transpose's scatter): 2 MB-aligned blocks marked for transparent huge
// pages (madvise; these machines run THP in "madvise" mode). With 4 KB
// pages a scatter over tens of MB misses the TLB on nearly every write
// (P3's transpose, 5e6 nonzeros: 77-127 -> 69-77 ms on two threads).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace linalg::host {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t want = sizeof(T) * (n > 0 ? n : 1);
    const std::size_t align = want >= (std::size_t(4) << 20) ? (std::size_t(2) << 20) : alignof(std::max_align_t);
    const std::size_t bytes = (want + align - 1) / align * align;
    void* p = std::aligned_alloc(align, bytes);
    if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align > alignof(std::max_align_t)) madvise(p, bytes, MADV_HUGEPAGE);
#endif
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
