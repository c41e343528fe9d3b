// Row-blocked BLAS calls on the core's OpenMP threads (split_host.hpp says why).
#include "linalg/host/split_host.hpp"
#include "linalg/host/skinny_product.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include "linalg/core/errors.hpp"

namespace linalg::host {

namespace {

// Below this many multiply-adds one call is cheaper than waking threads.
constexpr double kMinSplitWork = double(1 << 24);

// Even blocks of about kSplitRows: their number depends on `total` only.
struct Blocks {
  index_t count, size;
  explicit Blocks(index_t total)
      : count((total + SplitHost::kSplitRows - 1) / SplitHost::kSplitRows),
        size(count > 0 ? (total + count - 1) / count : 0) {}
  index_t start(index_t b) const { return b * size; }
  index_t rows(index_t b, index_t total) const { return std::min(size, total - b * size); }
};

// fn(b) for every block on the OpenMP threads; the first exception thrown
// in a block is rethrown here (none may leave an OpenMP region).
template <class Fn>
void for_blocks(index_t count, const Fn& fn) {
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1)
  for (index_t b = 0; b < count; ++b) {
    try {
      fn(b);
    } catch (...) {
#pragma omp critical(linalg_split_host_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace

bool SplitHost::fast_narrow_products(index_t m, index_t n) { return skinny_product_applies(m, n); }

template <class T>
void SplitHost::gemm(T alpha, DenseView<const T> A, DenseView<const T> B, T beta, DenseView<T> C) const {
  const Host& one = *this;
  require(!C.trans, "gemm: output view must not be transposed");
  require(A.rows == C.rows && B.cols == C.cols && A.cols == B.rows, "gemm: shape mismatch");
  const index_t m = C.rows, n = C.cols, k = A.cols;
  // Narrow products of a large A: register-blocked kernels on the OpenMP
  // threads (skinny_product.hpp); they split the work themselves.
  if (beta == T(0) && skinny_product(alpha, A, B, C)) return;
  if (static_cast<double>(m) * n * k < kMinSplitWork) return one.gemm(alpha, A, B, beta, C);
  if (m >= 2 * kSplitRows) {
    const Blocks bl(m);
    for_blocks(bl.count, [&](index_t b) {
      const index_t i0 = bl.start(b), r = bl.rows(b, m);
      one.gemm(alpha, A.row_block(i0, r), B, beta, C.row_block(i0, r));
    });
    return;
  }
  if (k >= 2 * kSplitRows && beta == T(0)) {  // C small: partial products over blocks of k
    const Blocks bl(k);
    const std::size_t size = static_cast<std::size_t>(m) * static_cast<std::size_t>(n);
    std::vector<T> part(size * static_cast<std::size_t>(bl.count));
    for_blocks(bl.count, [&](index_t b) {
      const index_t k0 = bl.start(b), r = bl.rows(b, k);
      one.gemm(T(1), A.col_block(k0, r), B.row_block(k0, r), T(0),
               DenseView<T>{part.data() + size * b, m, n, std::max<index_t>(m, 1), false});
    });
#pragma omp parallel for schedule(static)
    for (index_t j = 0; j < n; ++j)
      for (index_t i = 0; i < m; ++i) {
        T acc = T(0);
        for (index_t b = 0; b < bl.count; ++b) acc += part[size * b + i + j * m];
        C(i, j) = alpha * acc;
      }
    return;
  }
  one.gemm(alpha, A, B, beta, C);
}

template <class T>
void SplitHost::gram(DenseView<const T> A, DenseView<T> C) const {
  const Host& one = *this;
  require(C.rows == A.cols && C.cols == A.cols && !C.trans, "gram: shape mismatch");
  const index_t m = A.rows, k = A.cols;
  if (m < 2 * kSplitRows || static_cast<double>(m) * k * k / 2 < kMinSplitWork) return one.gram(A, C);
  const Blocks bl(m);
  const std::size_t size = static_cast<std::size_t>(k) * static_cast<std::size_t>(k);
  std::vector<T> part(size * static_cast<std::size_t>(bl.count));
  for_blocks(bl.count, [&](index_t b) {
    one.gram(A.row_block(bl.start(b), bl.rows(b, m)), DenseView<T>{part.data() + size * b, k, k, k, false});
  });
#pragma omp parallel for schedule(dynamic, 8)
  for (index_t j = 0; j < k; ++j)
    for (index_t i = 0; i <= j; ++i) {  // the upper triangle, as syrk writes
      T acc = T(0);
      for (index_t b = 0; b < bl.count; ++b) acc += part[size * b + i + j * k];
      C(i, j) = acc;
    }
}

template <class T>
void SplitHost::solve_upper_right(DenseView<const T> R, DenseView<T> B) const {
  const Host& one = *this;
  require(!B.trans && !R.trans && R.rows == B.cols && R.cols == B.cols, "solve_upper_right: shape mismatch");
  const index_t m = B.rows, n = B.cols;
  if (m < 2 * kSplitRows || static_cast<double>(m) * n * n / 2 < kMinSplitWork) return one.solve_upper_right(R, B);
  const Blocks bl(m);
  for_blocks(bl.count, [&](index_t b) { one.solve_upper_right(R, B.row_block(bl.start(b), bl.rows(b, m))); });
}

#define LINALG_INSTANTIATE(T)                                                                  \
  template void SplitHost::gemm<T>(T, DenseView<const T>, DenseView<const T>, T, DenseView<T>) const; \
  template void SplitHost::gram<T>(DenseView<const T>, DenseView<T>) const;                           \
  template void SplitHost::solve_upper_right<T>(DenseView<const T>, DenseView<T>) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::host
