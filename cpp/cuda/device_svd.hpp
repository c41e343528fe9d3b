// An algorithm's SvdFactors (U, Vt already in device memory, S on the host)
// as the DeviceSvd an entry point returns: S copied to the device.
#pragma once
#include <utility>

#include "linalg/cuda/api.hpp"
#include "linalg/cuda/context.hpp"
#include "linalg/lowrank/svd_from_basis.hpp"

namespace linalg::cuda {

template <class T>
DeviceSvd<T> to_device(const Cuda& ctx, lowrank::SvdFactors<T>&& f) {
  DeviceSvd<T> out;
  out.U = std::move(f.U);
  out.Vt = std::move(f.Vt);
  out.S = Matrix<T>(static_cast<index_t>(f.S.size()), 1);
  ctx.from_host(f.S.data(), out.S.view());
  return out;
}

}  // namespace linalg::cuda
