// Matrix completion on the CUDA context (cuda/completion_api.hpp): every
// call opens the device memory scope, so the algorithm's matrices live on
// the device, and runs the same AltMin template as the host build.
#include "linalg/cuda/completion_api.hpp"

#include "linalg/cuda/context.hpp"

namespace linalg::cuda {

template <class T>
struct CompletionState<T>::Impl {
  Cuda ctx;
  std::unique_ptr<completion::AltMin<Cuda, T>> alg;
  explicit Impl(std::uintptr_t stream) : ctx(stream) {}
};

template <class T>
CompletionState<T>::CompletionState(std::uintptr_t stream, completion::Observations<T>&& obs,
                                    const completion::AltMinOptions& o)
    : impl_(std::make_unique<Impl>(stream)) {
  MemoryScope scope(impl_->ctx.memory_space());
  impl_->alg = std::make_unique<completion::AltMin<Cuda, T>>(impl_->ctx, std::move(obs), o);
}

template <class T>
CompletionState<T>::~CompletionState() = default;

template <class T>
void CompletionState<T>::initialize() {
  MemoryScope scope(impl_->ctx.memory_space());
  impl_->alg->initialize();
}

template <class T>
completion::StepStats CompletionState<T>::iterate(int iteration) {
  MemoryScope scope(impl_->ctx.memory_space());
  return impl_->alg->iterate(iteration);
}

template <class T>
Matrix<T> CompletionState<T>::rows_of(bool rows_side, index_t count, index_t offset) const {
  MemoryScope scope(impl_->ctx.memory_space());
  const auto& f = impl_->alg->factors();
  const Matrix<T>& F = rows_side ? f.X : f.Y;
  require(offset >= 0 && count >= 1 && offset + count <= f.ld, "rows_of: entries out of range");
  Matrix<T> out(count, F.cols());
  impl_->ctx.copy(DenseView<const T>{F.data() + offset, count, F.cols(), f.ld, false}, out.view());
  return out;
}

template <class T>
void CompletionState<T>::predict(const std::int64_t* rows, const std::int64_t* cols, index_t len, T* out) const {
  MemoryScope scope(impl_->ctx.memory_space());
  const auto& f = impl_->alg->factors();
  const T* xb = f.biases ? f.X.data() + f.k : nullptr;
  const T* yb = f.biases ? f.Y.data() + f.k : nullptr;
  impl_->ctx.als_predict(f.X.data(), f.ld, f.Y.data(), f.ld, f.k, xb, f.ld, yb, f.ld, f.mean, rows, cols, len, out);
}

template <class T>
index_t CompletionState<T>::m() const { return impl_->alg->factors().m; }
template <class T>
index_t CompletionState<T>::n() const { return impl_->alg->factors().n; }
template <class T>
index_t CompletionState<T>::rank() const { return impl_->alg->factors().k; }
template <class T>
bool CompletionState<T>::biases() const { return impl_->alg->factors().biases; }
template <class T>
T CompletionState<T>::mean() const { return impl_->alg->factors().mean; }
template <class T>
const completion::Observations<T>& CompletionState<T>::observations() const { return impl_->alg->observations(); }
template <class T>
const lowrank::RsvdReport& CompletionState<T>::init_report() const { return impl_->alg->init_report; }

template <class T>
void completion_predict(std::uintptr_t stream, const T* U, const T* V, index_t k, const T* bu, const T* bv, T mean,
                        const std::int64_t* rows, const std::int64_t* cols, index_t len, T* out) {
  Cuda ctx(stream);
  ctx.als_predict(U, k, V, k, k, bu, 1, bv, 1, mean, rows, cols, len, out);
}

template class CompletionState<float>;
template class CompletionState<double>;
template void completion_predict<float>(std::uintptr_t, const float*, const float*, index_t, const float*,
                                        const float*, float, const std::int64_t*, const std::int64_t*, index_t,
                                        float*);
template void completion_predict<double>(std::uintptr_t, const double*, const double*, index_t, const double*,
                                         const double*, double, const std::int64_t*, const std::int64_t*, index_t,
                                         double*);

}  // namespace linalg::cuda
