// Owning, 64-byte aligned, uninitialised column-major storage.
#pragma once
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "linalg/core/view.hpp"

namespace linalg {

template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(index_t n) : n_(n) {
    if (n <= 0) return;
    std::size_t bytes = ((static_cast<std::size_t>(n) * sizeof(T) + 63) / 64) * 64;
    p_.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
    if (!p_) throw std::bad_alloc();
  }
  T* data() const { return p_.get(); }
  index_t size() const { return n_; }
  void zero() { if (n_) std::memset(p_.get(), 0, sizeof(T) * n_); }

 private:
  struct Free { void operator()(T* p) const { std::free(p); } };
  std::unique_ptr<T, Free> p_;
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

 private:
  Buffer<T> buf_;
  index_t rows_ = 0, cols_ = 0;
};

}  // namespace linalg
