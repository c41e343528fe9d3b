// Glue for the CUDA bindings: CuPy arrays (DLPack, nb::device::cuda) to core
// views without a copy (py::dense_view, convert.hpp), and device matrices back to CuPy arrays that own
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
#include "../convert.hpp"  // dense_view: the same layout rules for device arrays

namespace linalg::py {

namespace nb = nanobind;

template <class T>
using Dev2 = nb::ndarray<const T, nb::ndim<2>, nb::device::cuda>;
template <class T>
using Dev1 = nb::ndarray<const T, nb::ndim<1>, nb::device::cuda>;
template <class T>
using DevOut = nb::ndarray<nb::cupy, T>;

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
