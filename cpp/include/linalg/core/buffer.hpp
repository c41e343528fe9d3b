// Owning, uninitialised column-major storage: 64-byte aligned host memory,
// or the memory space of the calling thread's context (core/memory.hpp).
#pragma once
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "linalg/core/memory.hpp"
#include "linalg/core/view.hpp"

namespace linalg {

// Host memory for `bytes`, 64-byte aligned (free with std::free). Blocks of
// 4 MB and more are 2 MB aligned and marked for transparent huge pages
// (madvise; these machines run THP in "madvise" mode): fresh memory is
// faulted in page by page on first write, and with 4 KB pages the faults of
// threads writing one buffer serialise in the kernel. Measured: P3's rsvd
// (CSR 200000 x 50000, block Krylov writing 128 MB blocks) 0.99 -> 0.79 s,
// median of 6 processes each; dense P1/P2 unchanged within noise.
inline void* host_allocate(std::size_t bytes) {
  const std::size_t want = bytes > 0 ? bytes : 1;
  const std::size_t align = want >= (std::size_t(4) << 20) ? (std::size_t(2) << 20) : 64;
  void* p = std::aligned_alloc(align, (want + align - 1) / align * align);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p && align > 64) madvise(p, (want + align - 1) / align * align, MADV_HUGEPAGE);
#endif
  return p;
}

template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(index_t n) : p_(nullptr, Free{current_memory_space()}), n_(n) {
    if (n <= 0) return;
    std::size_t bytes = ((static_cast<std::size_t>(n) * sizeof(T) + 63) / 64) * 64;
    const MemorySpace* s = p_.get_deleter().space;
    p_.reset(static_cast<T*>(s ? s->allocate(s->state, bytes) : host_allocate(bytes)));
    if (!p_) throw std::bad_alloc();
  }
  T* data() const { return p_.get(); }
  index_t size() const { return n_; }
  const MemorySpace* space() const { return p_.get_deleter().space; }
  void zero() {
    if (!n_) return;
    const MemorySpace* s = space();
    if (s) s->zero(s->state, p_.get(), sizeof(T) * n_);
    else std::memset(p_.get(), 0, sizeof(T) * n_);
  }
  // Gives up ownership (the caller frees the storage through space()).
  T* release() { n_ = 0; return p_.release(); }
  // Uses only the first n entries from now on (the storage stays).
  void shrink(index_t n) { n_ = std::min(n_, n); }

 private:
  struct Free {
    const MemorySpace* space = nullptr;
    void operator()(T* p) const {
      if (space) space->release(space->state, p);
      else std::free(p);
    }
  };
  std::unique_ptr<T, Free> p_{nullptr, Free{}};
  index_t n_ = 0;
};

// A column-major rows x cols matrix that owns its storage.
template <class T>
class Matrix {
 public:
  Matrix() = default;
  Matrix(index_t rows, index_t cols) : buf_(rows * cols), rows_(rows), cols_(cols) {}
  index_t rows() const { return rows_; }
  index_t cols() const { return cols_; }
  T* data() const { return buf_.data(); }
  DenseView<T> view() const { return {buf_.data(), rows_, cols_, rows_ > 0 ? rows_ : 1, false}; }
  operator DenseView<T>() const { return view(); }
  operator DenseView<const T>() const { return view(); }
  void zero() { buf_.zero(); }
  const MemorySpace* space() const { return buf_.space(); }
  // Gives up ownership of the storage (freed by the caller through space()).
  T* release() { rows_ = cols_ = 0; return buf_.release(); }
  // Keeps the first `cols` columns in place - column-major, they are the
  // storage's head: a matrix allocated for more columns than were filled
  // needs no copy (pages never written were never faulted in).
  void keep_cols(index_t cols) {
    cols_ = std::min(cols_, std::max<index_t>(cols, 0));
    buf_.shrink(rows_ * cols_);
  }

 private:
  Buffer<T> buf_;
  index_t rows_ = 0, cols_ = 0;
};

}  // namespace linalg
