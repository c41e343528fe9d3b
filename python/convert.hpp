// Glue shared by the bind_*.cpp files: NumPy arrays to core views (no copy)
// and core matrices back to NumPy arrays (no copy: the array owns them).
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/core/view.hpp"

namespace linalg::py {

namespace nb = nanobind;

template <class T>
using In2 = nb::ndarray<const T, nb::ndim<2>, nb::device::cpu>;
template <class T>
using In1 = nb::ndarray<const T, nb::ndim<1>, nb::device::cpu>;
template <class T>
using Out = nb::ndarray<nb::numpy, T>;

// A 2-D array with one unit stride as a view: F order directly, C order as
// the transpose of its column-major reading. Python copies other layouts.
// Any 2-D nanobind array of const T: host (In2) or CUDA (convert_cuda.hpp).
template <class T, class Array>
DenseView<const T> dense_view(const Array& a, const char* name) {
  const index_t m = static_cast<index_t>(a.shape(0)), n = static_cast<index_t>(a.shape(1));
  const auto s0 = a.stride(0), s1 = a.stride(1);
  if (s0 == 1 && (n == 1 || s1 >= m || m <= 1)) return {a.data(), m, n, std::max<index_t>(s1, std::max<index_t>(m, 1)), false};
  if (s1 == 1 && (m == 1 || s0 >= n || n <= 1)) return {a.data(), m, n, std::max<index_t>(s0, std::max<index_t>(n, 1)), true};
  if (m <= 1 || n <= 1) return {a.data(), m, n, std::max<index_t>(m, 1), false};
  throw invalid_argument(std::string(name) + ": needs a unit stride along one axis (C or F order)");
}

template <class T>
Out<T> to_numpy(Matrix<T>&& M) {
  auto* owned = new Matrix<T>(std::move(M));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Matrix<T>*>(p); });
  const std::size_t shape[2] = {static_cast<std::size_t>(owned->rows()), static_cast<std::size_t>(owned->cols())};
  const std::int64_t strides[2] = {1, static_cast<std::int64_t>(owned->rows())};
  return Out<T>(owned->data(), 2, shape, owner, strides);
}

template <class T>
Out<T> to_numpy(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  const std::size_t shape[1] = {owned->size()};
  return Out<T>(owned->data(), 1, shape, owner);
}

}  // namespace linalg::py
