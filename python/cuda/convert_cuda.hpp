// Glue for the CUDA bindings: CuPy arrays (DLPack, nb::device::cuda) to core
// views without a copy, and device matrices back to CuPy arrays that own
// them. A host array never reaches these functions (nanobind rejects it),
// and nothing here copies between host and device.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <string>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/core/view.hpp"
#include "linalg/cuda/api.hpp"

namespace linalg::py {

namespace nb = nanobind;

template <class T>
using Dev2 = nb::ndarray<const T, nb::ndim<2>, nb::device::cuda>;
template <class T>
using Dev1 = nb::ndarray<const T, nb::ndim<1>, nb::device::cuda>;
template <class T>
using DevOut = nb::ndarray<nb::cupy, T>;

// Same layout rules as dense_view (convert.hpp): one unit stride.
template <class T>
DenseView<const T> device_view(const Dev2<T>& a, const char* name) {
  const index_t m = static_cast<index_t>(a.shape(0)), n = static_cast<index_t>(a.shape(1));
  const auto s0 = a.stride(0), s1 = a.stride(1);
  if (s0 == 1 && (n == 1 || s1 >= m || m <= 1)) return {a.data(), m, n, std::max<index_t>(s1, std::max<index_t>(m, 1)), false};
  if (s1 == 1 && (m == 1 || s0 >= n || n <= 1)) return {a.data(), m, n, std::max<index_t>(s0, std::max<index_t>(n, 1)), true};
  if (m <= 1 || n <= 1) return {a.data(), m, n, std::max<index_t>(m, 1), false};
  throw invalid_argument(std::string(name) + ": needs a unit stride along one axis (C or F order)");
}

// A device Matrix as a CuPy array (F order) that owns the storage.
template <class T>
DevOut<T> to_cupy(Matrix<T>&& M, int device_id, bool as_vector = false) {
  const std::size_t rows = static_cast<std::size_t>(M.rows()), cols = static_cast<std::size_t>(M.cols());
  T* p = M.release();
  nb::capsule owner(p, [](void* q) noexcept { cuda::free_returned(q); });
  if (as_vector) {
    const std::size_t shape[1] = {rows};
    return DevOut<T>(p, 1, shape, owner, nullptr, nb::dtype<T>(), nb::device::cuda::value, device_id);
  }
  const std::size_t shape[2] = {rows, cols};
  const std::int64_t strides[2] = {1, static_cast<std::int64_t>(std::max<std::size_t>(rows, 1))};
  return DevOut<T>(p, 2, shape, owner, strides, nb::dtype<T>(), nb::device::cuda::value, device_id);
}

}  // namespace linalg::py
