#include "linalg/host/context.hpp"
#include "linalg/sketch/test_matrix.hpp"

#include <algorithm>
#include <climits>
#include <limits>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "linalg/core/errors.hpp"
#include "linalg/host/blas.hpp"
#include "linalg/rng/draws.hpp"

namespace linalg::host {

namespace {

template <class T>
const BlasTable<T>& table() {
  const BlasTable<T>& t = blas_table<T>();
  if (!t.gemm) throw backend_error("BLAS/LAPACK table is empty: import linalg (it fills it from SciPy) before calling the core");
  return t;
}

int as_int(index_t v, const char* what) {
  if (v < 0 || v > INT_MAX) throw invalid_argument(std::string(what) + " exceeds the 32-bit BLAS index range");
  return static_cast<int>(v);
}

void check_info(int info, const char* routine) {
  if (info < 0) throw std::logic_error(std::string(routine) + ": illegal argument " + std::to_string(-info));
  if (info > 0) throw not_converged(std::string(routine) + " did not converge (info=" + std::to_string(info) + ")");
}

// LAPACK syevd on the upper triangle: eigenvectors into A when jobz is 'V'.
template <class T>
void syevd(DenseView<T> A, T* w, char jobz) {
  require(!A.trans && A.rows == A.cols, "eigh/eigvalsh: need a square non-transposed view");
  int n = as_int(A.rows, "rows"), lda = as_int(std::max<index_t>(A.ld, 1), "lda");
  if (n == 0) return;
  const char uplo = 'U';
  int info = 0, lwork = -1, liwork = -1, qi = 0;
  T q = 0;
  table<T>().syevd(&jobz, &uplo, &n, A.data, &lda, w, &q, &lwork, &qi, &liwork, &info);
  lwork = static_cast<int>(q) + 1;
  liwork = qi + 1;
  std::vector<T> work(lwork);
  std::vector<int> iwork(liwork);
  table<T>().syevd(&jobz, &uplo, &n, A.data, &lda, w, work.data(), &lwork, iwork.data(), &liwork, &info);
  check_info(info, "syevd");
}

}  // namespace

namespace {

// SciPy's float32 OpenBLAS (SkylakeX kernels) runs a tall, narrow C = A B
// with A untransposed and a long inner dimension far below its rate; the
// transposed product C^T = B^T A^T reads the same data at numpy's rate.
// Measured on P1's 20000 x 4000 A with 110 columns, two threads (SciPy's
// sgemm called directly): A^T Y for C-ordered A 215 -> 129 ms, A Z for
// F-ordered A 181 -> 134 ms; through rsvd (float32, "full", interleaved
// A/B) subspace p=2 1.25 -> 1.14 s, krylov p=4 1.40 -> 1.19 s. float64's
// kernels are the other way round (A^T Y: 276 ms as is, 369 transposed).
template <class T>
bool transposed_is_faster(const DenseView<const T>& A, const DenseView<T>& C, double beta) {
  return std::is_same_v<T, float> && !A.trans && beta == 0.0 && C.rows >= 4 * C.cols && C.cols <= 512 &&
         A.cols >= 1024;
}

}  // namespace

template <class T>
void Host::gemm(T alpha, DenseView<const T> A, DenseView<const T> B, T beta, DenseView<T> C) const {
  require(!C.trans, "gemm: output view must not be transposed");
  require(A.rows == C.rows && B.cols == C.cols && A.cols == B.rows, "gemm: shape mismatch");
  if (C.rows == 0 || C.cols == 0) return;
  if (transposed_is_faster(A, C, static_cast<double>(beta))) {
    const index_t m = C.rows, n = C.cols;
    std::vector<T> ct(static_cast<std::size_t>(m * n));
    gemm(alpha, B.t(), A.t(), T(0), DenseView<T>{ct.data(), n, m, n, false});  // C^T, n x m
#pragma omp parallel for schedule(static) if (m * n > 65536)
    for (index_t i0 = 0; i0 < m; i0 += 64)  // C = (C^T)^T, 64 rows at a time
      for (index_t j = 0; j < n; ++j)
        for (index_t i = i0; i < std::min(m, i0 + 64); ++i) C.data[i + j * C.ld] = ct[static_cast<std::size_t>(j + i * n)];
    return;
  }
  const char ta = A.trans ? 'T' : 'N', tb = B.trans ? 'T' : 'N';
  int m = as_int(C.rows, "rows"), n = as_int(C.cols, "cols"), k = as_int(A.cols, "inner dimension");
  int lda = as_int(std::max<index_t>(A.ld, 1), "lda"), ldb = as_int(std::max<index_t>(B.ld, 1), "ldb"),
      ldc = as_int(std::max<index_t>(C.ld, 1), "ldc");
  if (k == 0) {  // BLAS with k = 0 only scales C, which it does; keep it explicit
    T zero = T(0);
    table<T>().gemm(&ta, &tb, &m, &n, &k, &zero, A.data, &lda, B.data, &ldb, &beta, C.data, &ldc);
    return;
  }
  table<T>().gemm(&ta, &tb, &m, &n, &k, &alpha, A.data, &lda, B.data, &ldb, &beta, C.data, &ldc);
}

template <class T>
void Host::gram(DenseView<const T> A, DenseView<T> C) const {
  require(C.rows == A.cols && C.cols == A.cols && !C.trans, "gram: shape mismatch");
  const char uplo = 'U', tr = A.trans ? 'N' : 'T';
  int n = as_int(A.cols, "cols"), k = as_int(A.rows, "rows");
  int lda = as_int(std::max<index_t>(A.ld, 1), "lda"), ldc = as_int(std::max<index_t>(C.ld, 1), "ldc");
  T one = T(1), zero = T(0);
  table<T>().syrk(&uplo, &tr, &n, &k, &one, A.data, &lda, &zero, C.data, &ldc);
}

template <class T>
int Host::cholesky_upper(DenseView<T> C) const {
  const char uplo = 'U';
  int n = as_int(C.rows, "rows"), ld = as_int(std::max<index_t>(C.ld, 1), "ld"), info = 0;
  table<T>().potrf(&uplo, &n, C.data, &ld, &info);
  return info;
}

template <class T>
void Host::solve_upper_right(DenseView<const T> R, DenseView<T> B) const {
  require(!B.trans && !R.trans && R.rows == B.cols && R.cols == B.cols, "solve_upper_right: shape mismatch");
  const char side = 'R', uplo = 'U', tr = 'N', diag = 'N';
  int m = as_int(B.rows, "rows"), n = as_int(B.cols, "cols");
  int ldr = as_int(std::max<index_t>(R.ld, 1), "ldr"), ldb = as_int(std::max<index_t>(B.ld, 1), "ldb");
  T one = T(1);
  if (m == 0 || n == 0) return;
  if (m >= 4 * n) {
    // Tall B (every CholeskyQR round): B (R^{-1}) with the n x n inverse
    // (trtri) and an in-place triangular product runs about twice OpenBLAS's
    // trsm (11008 x 522 float32: 16 + 1 ms against 36 ms). The inverse adds
    // an error ~ kappa(R) u, so only where LAPACK's estimate says
    // kappa(R) <= u^{-1/2} (what CholeskyQR's second round absorbs anyway).
    std::vector<T> inv(static_cast<std::size_t>(n) * n);
    for (index_t j = 0; j < n; ++j)
      std::memcpy(inv.data() + j * n, R.data + j * R.ld, sizeof(T) * static_cast<std::size_t>(j + 1));
    const char norm = '1';
    T rcond = 0;
    std::vector<T> work(3 * static_cast<std::size_t>(n));
    std::vector<int> iwork(static_cast<std::size_t>(n));
    int info = 0;
    table<T>().trcon(&norm, &uplo, &diag, &n, inv.data(), &n, &rcond, work.data(), iwork.data(), &info);
    const double u = static_cast<double>(std::numeric_limits<T>::epsilon()) / 2;
    if (info == 0 && static_cast<double>(rcond) >= std::sqrt(u)) {
      table<T>().trtri(&uplo, &diag, &n, inv.data(), &n, &info);
      if (info == 0) {
        table<T>().trmm(&side, &uplo, &tr, &diag, &m, &n, &one, inv.data(), &n, B.data, &ldb);
        return;
      }
    }
  }
  table<T>().trsm(&side, &uplo, &tr, &diag, &m, &n, &one, R.data, &ldr, B.data, &ldb);
}

template <class T>
void Host::qr_thin(DenseView<T> A) const {
  require(!A.trans && A.rows >= A.cols, "qr_thin: need a non-transposed m x k view with m >= k");
  int m = as_int(A.rows, "rows"), n = as_int(A.cols, "cols"), lda = as_int(std::max<index_t>(A.ld, 1), "lda");
  if (n == 0) return;
  const auto& t = table<T>();
  std::vector<T> tau(n);
  int info = 0, lwork = -1;
  T q1 = 0, q2 = 0;
  t.geqrf(&m, &n, A.data, &lda, tau.data(), &q1, &lwork, &info);
  t.orgqr(&m, &n, &n, A.data, &lda, tau.data(), &q2, &lwork, &info);
  lwork = static_cast<int>(std::max(q1, q2)) + 1;
  std::vector<T> work(lwork);
  t.geqrf(&m, &n, A.data, &lda, tau.data(), work.data(), &lwork, &info);
  check_info(info, "geqrf");
  t.orgqr(&m, &n, &n, A.data, &lda, tau.data(), work.data(), &lwork, &info);
  check_info(info, "orgqr");
}

template <class T>
void Host::qr_pivoted(DenseView<T> A, std::vector<int>& perm, std::vector<T>& tau) const {
  require(!A.trans, "qr_pivoted: view must not be transposed");
  int m = as_int(A.rows, "rows"), n = as_int(A.cols, "cols"), lda = as_int(std::max<index_t>(A.ld, 1), "lda");
  perm.assign(n, 0);  // 0 = free column for geqp3
  tau.assign(std::min(m, n), T(0));
  int info = 0, lwork = -1;
  T q = 0;
  table<T>().geqp3(&m, &n, A.data, &lda, perm.data(), tau.data(), &q, &lwork, &info);
  lwork = static_cast<int>(q) + 1;
  std::vector<T> work(lwork);
  table<T>().geqp3(&m, &n, A.data, &lda, perm.data(), tau.data(), work.data(), &lwork, &info);
  check_info(info, "geqp3");
  for (int& p : perm) --p;
}

template <class T>
void Host::svd(DenseView<T> A, T* s, DenseView<T> U, DenseView<T> Vt) const {
  require(!A.trans && !U.trans && !Vt.trans, "svd: views must not be transposed");
  int m = as_int(A.rows, "rows"), n = as_int(A.cols, "cols"), r = std::min(m, n);
  require(U.rows == m && U.cols == r && Vt.rows == r && Vt.cols == n, "svd: output shape mismatch");
  if (r == 0) return;
  int lda = as_int(std::max<index_t>(A.ld, 1), "lda"), ldu = as_int(std::max<index_t>(U.ld, 1), "ldu"),
      ldvt = as_int(std::max<index_t>(Vt.ld, 1), "ldvt");
  const char jobz = 'S';
  std::vector<int> iwork(8 * static_cast<std::size_t>(r));
  int info = 0, lwork = -1;
  T q = 0;
  table<T>().gesdd(&jobz, &m, &n, A.data, &lda, s, U.data, &ldu, Vt.data, &ldvt, &q, &lwork, iwork.data(), &info);
  lwork = static_cast<int>(q) + 1;
  std::vector<T> work(lwork);
  table<T>().gesdd(&jobz, &m, &n, A.data, &lda, s, U.data, &ldu, Vt.data, &ldvt, work.data(), &lwork, iwork.data(), &info);
  check_info(info, "gesdd");
}

template <class T>
void Host::eigh(DenseView<T> A, T* w) const {
  syevd(A, w, 'V');
}

template <class T>
void Host::eigvalsh(DenseView<T> A, T* w) const {
  syevd(A, w, 'N');
}

template <class T>
void Host::eigh_top(DenseView<T> A, index_t r, T* w, DenseView<T> V) const {
  require(!A.trans && A.rows == A.cols, "eigh_top: need a square non-transposed view");
  require(!V.trans && V.rows == A.rows && V.cols == r && r >= 0 && r <= A.rows, "eigh_top: V must be n x r");
  int n = as_int(A.rows, "rows"), lda = as_int(std::max<index_t>(A.ld, 1), "lda");
  if (n == 0 || r == 0) return;
  const char jobz = 'V', range = 'I', uplo = 'U';
  int il = n - static_cast<int>(r) + 1, iu = n, found = 0, info = 0, lwork = -1, liwork = -1, qi = 0;
  const T vl = 0, vu = 0, abstol = 0;  // abstol 0: LAPACK's default accuracy
  std::vector<T> wall(n), Z(static_cast<std::size_t>(n) * static_cast<std::size_t>(r));
  std::vector<int> isuppz(2 * static_cast<std::size_t>(r));
  T q = 0;
  table<T>().syevr(&jobz, &range, &uplo, &n, A.data, &lda, &vl, &vu, &il, &iu, &abstol, &found, wall.data(),
                   Z.data(), &n, isuppz.data(), &q, &lwork, &qi, &liwork, &info);
  lwork = static_cast<int>(q) + 1;
  liwork = qi + 1;
  std::vector<T> work(lwork);
  std::vector<int> iwork(liwork);
  table<T>().syevr(&jobz, &range, &uplo, &n, A.data, &lda, &vl, &vu, &il, &iu, &abstol, &found, wall.data(),
                   Z.data(), &n, isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
  check_info(info, "syevr");
  if (found != static_cast<int>(r)) throw not_converged("syevr found " + std::to_string(found) + " of " +
                                                        std::to_string(r) + " eigenpairs");
  // syevr returns them ascending; the caller wants the largest first.
  for (index_t j = 0; j < r; ++j) {
    const index_t src = r - 1 - j;
    w[j] = wall[src];
    std::copy_n(Z.data() + src * n, n, &V(0, j));
  }
}

template <class T>
void Host::fill_gaussian(DenseView<T> X, std::uint64_t seed, std::uint32_t stream, index_t row0, index_t col0) const {
  const index_t m = X.rows, n = X.cols;
#pragma omp parallel for schedule(static)
  for (index_t j = 0; j < n; ++j) {
    const auto col = static_cast<std::uint64_t>(col0 + j);
    auto one = [&](index_t i) {
      X(i, j) = static_cast<T>(rng::normal_at(seed, stream, static_cast<std::uint64_t>(row0 + i), col));
    };
    // Whole groups of four rows share a draw (rng::normals4_at); the
    // partial groups at either end take the entries one at a time.
    index_t i = 0;
    for (; i < m && (row0 + i) % 4 != 0; ++i) one(i);
    double v[4];
    for (; i + 4 <= m; i += 4) {
      rng::normals4_at(seed, stream, static_cast<std::uint64_t>(row0 + i) >> 2, col, v);
      for (index_t q = 0; q < 4; ++q) X(i + q, j) = static_cast<T>(v[q]);
    }
    for (; i < m; ++i) one(i);
  }
}

template <class T>
void Host::fill_sparse_sign(DenseView<T> X, int zeta, std::uint64_t seed, std::uint32_t stream,
                            std::uint32_t block) const {
  const index_t n = X.rows, l = X.cols;
  const int z = static_cast<int>(std::min<index_t>(std::max(zeta, 1), l));
  const T v = static_cast<T>(1.0 / std::sqrt(static_cast<double>(z)));
  require(l < (index_t(1) << 31), "sparse sign: too many columns");
#pragma omp parallel for schedule(static)
  for (index_t j = 0; j < l; ++j)
    for (index_t i = 0; i < n; ++i) X(i, j) = T(0);
#pragma omp parallel
  {
    std::vector<std::uint32_t> cols(static_cast<std::size_t>(z));
#pragma omp for schedule(static)
    for (index_t i = 0; i < n; ++i) {
      sketch::sparse_sign_row(seed, stream, block, static_cast<std::uint64_t>(i), static_cast<std::uint32_t>(l), z,
                              cols.data());
      for (int h = 0; h < z; ++h) X(i, cols[h] & 0x7FFFFFFFu) = (cols[h] >> 31) ? -v : v;
    }
  }
}

template <class T>
void Host::copy(DenseView<const T> src, DenseView<T> dst) const {
  require(src.rows == dst.rows && src.cols == dst.cols, "copy: shape mismatch");
  const index_t m = src.rows, n = src.cols;
  if (!src.trans && !dst.trans) {
#pragma omp parallel for schedule(static) if (m * n > 65536)
    for (index_t j = 0; j < n; ++j) std::copy(src.data + j * src.ld, src.data + j * src.ld + m, dst.data + j * dst.ld);
    return;
  }
#pragma omp parallel for schedule(static) if (m * n > 65536)
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < m; ++i) dst(i, j) = src.trans ? src.data[j + i * src.ld] : src.data[i + j * src.ld];
}

template <class T>
void Host::scale_columns(DenseView<T> X, const T* d) const {
  const index_t m = X.rows, n = X.cols;
#pragma omp parallel for schedule(static) if (m * n > 65536)
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < m; ++i) X(i, j) *= d[j];
}

template <class T>
double Host::frobenius_sq(DenseView<const T> X) const {
  // Frobenius norm ignores the transpose flag: walk the storage.
  const index_t m = X.stored_rows(), n = X.stored_cols();
  double total = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : total)
  for (index_t j = 0; j < n; ++j) {
    const T* c = X.data + j * X.ld;
    double acc = 0.0;
    for (index_t i = 0; i < m; ++i) acc += static_cast<double>(c[i]) * c[i];
    total += acc;
  }
  return total;
}

template <class T>
void Host::column_norms_sq(DenseView<const T> X, double* out) const {
  const index_t m = X.rows, n = X.cols;
  if (!X.trans) {
#pragma omp parallel for schedule(static) if (m * n > 65536)
    for (index_t j = 0; j < n; ++j) {
      const T* c = X.data + j * X.ld;
      double acc = 0.0;
      for (index_t i = 0; i < m; ++i) acc += static_cast<double>(c[i]) * c[i];
      out[j] = acc;
    }
    return;
  }
  for (index_t j = 0; j < n; ++j) out[j] = 0.0;
  for (index_t i = 0; i < m; ++i) {  // stored rows of a transposed view are contiguous
    const T* r = X.data + i * X.ld;
    for (index_t j = 0; j < n; ++j) out[j] += static_cast<double>(r[j]) * r[j];
  }
}

template <class S, class D>
double Host::convert(DenseView<const S> src, DenseView<D> dst) const {
  require(src.rows == dst.rows && src.cols == dst.cols && src.trans == dst.trans, "convert: layouts differ");
  const index_t m = src.stored_rows(), n = src.stored_cols();
  double total = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : total)
  for (index_t j = 0; j < n; ++j) {
    const S* a = src.data + j * src.ld;
    D* b = dst.data + j * dst.ld;
    double acc = 0.0;
    for (index_t i = 0; i < m; ++i) {
      acc += static_cast<double>(a[i]) * a[i];
      b[i] = static_cast<D>(a[i]);
    }
    total += acc;
  }
  return total;
}
template double Host::convert<double, float>(DenseView<const double>, DenseView<float>) const;
template double Host::convert<float, double>(DenseView<const float>, DenseView<double>) const;

namespace {

// Whether any of a[0..m) has all exponent bits set (NaN or Inf): an integer
// test over the bits vectorises, a floating-point one does not. Built for
// AVX2 too (picked at load time): with SSE2 alone the scan of a float64 A
// ran at half the memory bandwidth (20000 x 4000: 66 ms).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LINALG_SCAN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LINALG_SCAN_CLONES
#endif
template <class T, class Bits>
inline bool any_exponent_all_ones(const T* a, index_t m, Bits expo) {
  static_assert(sizeof(T) == sizeof(Bits));
  Bits hit = 0;
  for (index_t i = 0; i < m; ++i) {
    Bits b;
    std::memcpy(&b, a + i, sizeof(T));
    hit |= static_cast<Bits>((b & expo) == expo);
  }
  return hit != 0;
}
LINALG_SCAN_CLONES bool any_nonfinite(const float* a, index_t m) {
  return any_exponent_all_ones(a, m, std::uint32_t(0x7f800000u));
}
LINALG_SCAN_CLONES bool any_nonfinite(const double* a, index_t m) {
  return any_exponent_all_ones(a, m, std::uint64_t(0x7ff0000000000000ull));
}
#undef LINALG_SCAN_CLONES

}  // namespace

template <class T>
bool Host::all_finite(DenseView<const T> X) const {
  const index_t m = X.stored_rows(), n = X.stored_cols();
  int bad = 0;
  // Small arrays: waking the thread team costs more than the scan.
#pragma omp parallel for schedule(static) reduction(| : bad) if (m * n > 65536)
  for (index_t j = 0; j < n; ++j) bad |= any_nonfinite(X.data + j * X.ld, m) ? 1 : 0;
  return bad == 0;
}

#define LINALG_INSTANTIATE(T)                                                                      \
  template void Host::gemm<T>(T, DenseView<const T>, DenseView<const T>, T, DenseView<T>) const;   \
  template void Host::gram<T>(DenseView<const T>, DenseView<T>) const;                             \
  template int Host::cholesky_upper<T>(DenseView<T>) const;                                        \
  template void Host::solve_upper_right<T>(DenseView<const T>, DenseView<T>) const;                \
  template void Host::qr_thin<T>(DenseView<T>) const;                                              \
  template void Host::qr_pivoted<T>(DenseView<T>, std::vector<int>&, std::vector<T>&) const;       \
  template void Host::svd<T>(DenseView<T>, T*, DenseView<T>, DenseView<T>) const;                  \
  template void Host::eigh<T>(DenseView<T>, T*) const;                                             \
  template void Host::eigvalsh<T>(DenseView<T>, T*) const;                                         \
  template void Host::eigh_top<T>(DenseView<T>, index_t, T*, DenseView<T>) const;                 \
  template void Host::fill_gaussian<T>(DenseView<T>, std::uint64_t, std::uint32_t, index_t, index_t) const; \
  template void Host::fill_sparse_sign<T>(DenseView<T>, int, std::uint64_t, std::uint32_t, std::uint32_t) const; \
  template bool Host::all_finite<T>(DenseView<const T>) const;                                     \
  template void Host::copy<T>(DenseView<const T>, DenseView<T>) const;                             \
  template void Host::scale_columns<T>(DenseView<T>, const T*) const;                              \
  template double Host::frobenius_sq<T>(DenseView<const T>) const;                                 \
  template void Host::column_norms_sq<T>(DenseView<const T>, double*) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

// --- nystrom / selection ---
template <class T>
void Host::add_scaled(T alpha, DenseView<const T> X, DenseView<T> Y) const {
  require(!Y.trans && X.rows == Y.rows && X.cols == Y.cols, "add_scaled: shape mismatch");
  const index_t m = Y.rows, n = Y.cols;
#pragma omp parallel for schedule(static) if (m * n > 65536)
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < m; ++i) Y.data[i + j * Y.ld] += alpha * X(i, j);
}

template <class T>
void Host::solve_upper_left(DenseView<const T> R, DenseView<T> B) const {
  require(!B.trans && !R.trans && R.rows == B.rows && R.cols == B.rows, "solve_upper_left: shape mismatch");
  if (B.rows == 0 || B.cols == 0) return;
  const char side = 'L', uplo = 'U', tr = 'N', diag = 'N';
  int m = as_int(B.rows, "rows"), n = as_int(B.cols, "cols");
  int ldr = as_int(std::max<index_t>(R.ld, 1), "ldr"), ldb = as_int(std::max<index_t>(B.ld, 1), "ldb");
  T one = T(1);
  table<T>().trsm(&side, &uplo, &tr, &diag, &m, &n, &one, R.data, &ldr, B.data, &ldb);
}

template <class T>
void Host::scatter_columns(DenseView<const T> src, const index_t* cols, DenseView<T> dst) const {
  require(!dst.trans && src.rows == dst.rows, "scatter_columns: shape mismatch");
  const index_t m = src.rows, n = src.cols;
  for (index_t j = 0; j < n; ++j) require(cols[j] >= 0 && cols[j] < dst.cols, "scatter_columns: index out of range");
#pragma omp parallel for schedule(static) if (m * n > 65536)
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < m; ++i) dst.data[i + cols[j] * dst.ld] = src(i, j);
}

template <class T>
index_t Host::qr_pivoted_partial(DenseView<T> A, index_t kmax, double tol, std::vector<int>& perm) const {
  require(!A.trans, "qr_pivoted_partial: view must not be transposed");
  const int m = as_int(A.rows, "rows"), n = as_int(A.cols, "cols"), lda = as_int(std::max<index_t>(A.ld, 1), "lda");
  const int mn = std::min(m, n);
  require(kmax >= 1 && kmax <= mn, "qr_pivoted_partial: kmax must be in [1, min(m, n)]");
  const int kk = static_cast<int>(kmax);
  perm.resize(n);
  for (int j = 0; j < n; ++j) perm[j] = j + 1;
  // Column norms: vn1 (partial, downdated) and vn2 (exact at the last recompute).
  std::vector<double> nrm(n);
  column_norms_sq<T>(DenseView<const T>(A), nrm.data());
  std::vector<T> vn1(n), vn2(n), tau(mn);
  for (int j = 0; j < n; ++j) vn1[j] = vn2[j] = static_cast<T>(std::sqrt(nrm[j]));
  const int nb = 32;
  std::vector<T> auxv(nb), f(static_cast<std::size_t>(n) * nb);
  int j = 0;
  double r11 = 0.0;
  index_t k = -1;
  while (j < kk) {
    int jb = std::min(nb, kk - j), fjb = 0, nj = n - j, ldf = std::max(1, n - j);
    table<T>().laqps(&m, &nj, &j, &jb, &fjb, A.data + static_cast<index_t>(j) * A.ld, &lda, perm.data() + j,
                     tau.data() + j, vn1.data() + j, vn2.data() + j, auxv.data(), f.data(), &ldf);
    if (fjb <= 0) throw not_converged("laqps made no progress");
    if (j == 0) r11 = std::fabs(static_cast<double>(A(0, 0)));
    j += fjb;
    if (tol > 0) {
      index_t c = 0;
      while (c < j && std::fabs(static_cast<double>(A(c, c))) > tol * r11) ++c;
      if (c < j) {
        k = std::max<index_t>(c, 1);
        break;
      }
    }
  }
  if (k < 0) k = kk;
  for (int& p : perm) --p;
  return k;
}

#define LINALG_INSTANTIATE_SELECT(T)                                                           \
  template void Host::add_scaled<T>(T, DenseView<const T>, DenseView<T>) const;                 \
  template void Host::solve_upper_left<T>(DenseView<const T>, DenseView<T>) const;              \
  template void Host::scatter_columns<T>(DenseView<const T>, const index_t*, DenseView<T>) const; \
  template index_t Host::qr_pivoted_partial<T>(DenseView<T>, index_t, double, std::vector<int>&) const;
LINALG_INSTANTIATE_SELECT(float)
LINALG_INSTANTIATE_SELECT(double)
#undef LINALG_INSTANTIATE_SELECT

}  // namespace linalg::host
