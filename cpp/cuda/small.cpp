// The small dense factorizations of the CUDA context done on the host by
// LAPACK (see cuda/context.hpp for why): copy in, factor, copy back.
#include <vector>

#include "linalg/cuda/context.hpp"
#include "linalg/host/context.hpp"
#include "profile.hpp"

namespace linalg::cuda {

namespace {

// A host copy of a device matrix (column-major, ld = rows).
template <class T>
struct HostCopy {
  std::vector<T> data;
  DenseView<T> view;
  HostCopy(const Cuda& ctx, DenseView<const T> X)
      : data(static_cast<std::size_t>(X.rows * X.cols)), view{data.data(), X.rows, X.cols, X.rows > 0 ? X.rows : 1, false} {
    ctx.to_host(X, data.data());
  }
  HostCopy(index_t rows, index_t cols)
      : data(static_cast<std::size_t>(rows * cols)), view{data.data(), rows, cols, rows > 0 ? rows : 1, false} {}
};

}  // namespace

template <class T>
void Cuda::svd(DenseView<T> A, T* s, DenseView<T> U, DenseView<T> Vt) const {
  Profile prof_(stream_, "svd");
  HostCopy<T> a(*this, A);
  HostCopy<T> u(U.rows, U.cols), vt(Vt.rows, Vt.cols);
  {
    MemoryScope host_memory(nullptr);
    host::Host{}.svd(a.view, s, u.view, vt.view);
  }
  from_host(u.data.data(), U);
  from_host(vt.data.data(), Vt);
}

template <class T>
void Cuda::eigh(DenseView<T> A, T* w) const {
  Profile prof_(stream_, "eigh");
  HostCopy<T> a(*this, A);
  {
    MemoryScope host_memory(nullptr);
    host::Host{}.eigh(a.view, w);
  }
  from_host(a.data.data(), A);
}

template <class T>
void Cuda::eigvalsh(DenseView<T> A, T* w) const {
  Profile prof_(stream_, "eigvalsh");
  HostCopy<T> a(*this, A);
  MemoryScope host_memory(nullptr);
  host::Host{}.eigvalsh(a.view, w);
}

template <class T>
void Cuda::eigh_top(DenseView<T> A, index_t r, T* w, DenseView<T> V) const {
  Profile prof_(stream_, "eigh_top");
  HostCopy<T> a(*this, A);
  HostCopy<T> v(V.rows, V.cols);
  {
    MemoryScope host_memory(nullptr);
    host::Host{}.eigh_top(a.view, r, w, v.view);
  }
  from_host(v.data.data(), V);
}

template <class T>
void Cuda::qr_pivoted(DenseView<T> A, std::vector<int>& perm, std::vector<T>& tau) const {
  Profile prof_(stream_, "qr_pivoted");
  HostCopy<T> a(*this, A);
  {
    MemoryScope host_memory(nullptr);
    host::Host{}.qr_pivoted(a.view, perm, tau);
  }
  from_host(a.data.data(), A);
}

template <class T>
index_t Cuda::qr_pivoted_partial(DenseView<T> A, index_t kmax, double tol, std::vector<int>& perm) const {
  Profile prof_(stream_, "qr_pivoted_partial");
  HostCopy<T> a(*this, A);
  index_t k = 0;
  {
    MemoryScope host_memory(nullptr);
    k = host::Host{}.qr_pivoted_partial(a.view, kmax, tol, perm);
  }
  from_host(a.data.data(), A);
  return k;
}

#define LINALG_INSTANTIATE(T)                                                             \
  template void Cuda::svd<T>(DenseView<T>, T*, DenseView<T>, DenseView<T>) const;         \
  template void Cuda::eigh<T>(DenseView<T>, T*) const;                                    \
  template void Cuda::eigvalsh<T>(DenseView<T>, T*) const;                                \
  template void Cuda::eigh_top<T>(DenseView<T>, index_t, T*, DenseView<T>) const;        \
  template void Cuda::qr_pivoted<T>(DenseView<T>, std::vector<int>&, std::vector<T>&) const; \
  template index_t Cuda::qr_pivoted_partial<T>(DenseView<T>, index_t, double, std::vector<int>&) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
