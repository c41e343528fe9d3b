// The matrix an algorithm works on, as a linear operator: a dense view or a
// CSR view (either possibly transposed), applied through the execution
// context. Algorithms only ever ask for A X, A^T X, and the pair
// (Y, W) = (A X, A^T A X).
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <variant>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/core/view.hpp"
#include "linalg/host/csr_kernels.hpp"

namespace linalg::lowrank {

template <class T>
class Operator {
 public:
  using value_type = T;
  using Csr32 = CsrView<T, std::int32_t>;
  using Csr64 = CsrView<T, std::int64_t>;

  explicit Operator(DenseView<const T> a) : a_(a) {}
  explicit Operator(Csr32 a) : a_(a) { build_transpose<std::int32_t>(); }
  explicit Operator(Csr64 a) : a_(a) { build_transpose<std::int64_t>(); }
  // A host CSR with its transpose already built by the caller: `transposed`
  // is the CSR of the stored S^T (the CSC of the same entries, values
  // included), viewed, not copied; `keep` holds whatever it points into.
  Operator(Csr32 a, Csr32 transposed, std::shared_ptr<void> keep) : a_(a), transpose_(std::move(keep)) {
    transposed_view_ = transposed;
  }
  // CSR arrays in device memory: no host-built transpose; products with the
  // transpose go to ctx.csr_mm_transposed.
  struct OnDevice {};
  Operator(Csr32 a, OnDevice) : a_(a) {}
  Operator(Csr64 a, OnDevice) : a_(a) {}

  index_t rows() const { return transposed_ ? stored_cols() : stored_rows(); }
  index_t cols() const { return transposed_ ? stored_rows() : stored_cols(); }
  bool is_dense() const { return std::holds_alternative<DenseView<const T>>(a_); }
  // The operator of A^T, sharing storage.
  Operator t() const {
    Operator o = *this;
    o.transposed_ = !transposed_;
    return o;
  }

  // Y = A X (Y is rows() x k, overwritten).
  template <class Ctx>
  void apply(const Ctx& ctx, DenseView<const T> X, DenseView<T> Y) const {
    apply_oriented(ctx, transposed_, X, Y);
  }
  // Y = A^T X.
  template <class Ctx>
  void apply_t(const Ctx& ctx, DenseView<const T> X, DenseView<T> Y) const {
    apply_oriented(ctx, !transposed_, X, Y);
  }

  // Y = A X and W = A^T Y, as two whole-matrix products. (Walking A in
  // row blocks so that each block is read from memory once was measured
  // 2x slower with OpenBLAS: every small GEMM repacks X and synchronises
  // its threads. Whole-matrix calls let BLAS block for the cache itself.)
  template <class Ctx>
  void apply_gram(const Ctx& ctx, DenseView<const T> X, DenseView<T> Y, DenseView<T> W) const {
    apply(ctx, X, Y);
    apply_t(ctx, DenseView<const T>(Y), W);
  }

  // Sum of squares of all entries, in double.
  template <class Ctx>
  double frobenius_sq(const Ctx& ctx) const {
    if (const auto* d = std::get_if<DenseView<const T>>(&a_)) return ctx.template frobenius_sq<T>(*d);
    const T* v = std::visit([](const auto& a) -> const T* {
      if constexpr (std::is_same_v<std::decay_t<decltype(a)>, DenseView<const T>>) return nullptr;
      else return a.values;
    }, a_);
    const index_t nnz = std::visit([](const auto& a) -> index_t {
      if constexpr (std::is_same_v<std::decay_t<decltype(a)>, DenseView<const T>>) return 0;
      else return a.nnz();
    }, a_);
    // The nonzeros are one contiguous vector: a 1 x nnz dense view.
    return ctx.template frobenius_sq<T>(DenseView<const T>{v, 1, nnz, 1, false});
  }

 private:
  index_t stored_rows() const { return std::visit([](const auto& a) { return rows_of(a); }, a_); }
  index_t stored_cols() const { return std::visit([](const auto& a) { return cols_of(a); }, a_); }
  static index_t rows_of(const DenseView<const T>& a) { return a.rows; }
  template <class I>
  static index_t rows_of(const CsrView<T, I>& a) { return a.rows(); }
  static index_t cols_of(const DenseView<const T>& a) { return a.cols; }
  template <class I>
  static index_t cols_of(const CsrView<T, I>& a) { return a.cols(); }

  template <class I>
  void build_transpose() {
    const auto& a = std::get<CsrView<T, I>>(a_);
    auto tr = std::make_shared<host::CsrTranspose<T, I>>(host::transpose_structure(a));
    transposed_view_ = tr->view(a.stored_cols, a.stored_rows);
    transpose_ = tr;
  }

  // Y = op(A) X with op the transpose when `tr`.
  template <class Ctx>
  void apply_oriented(const Ctx& ctx, bool tr, DenseView<const T> X, DenseView<T> Y) const {
    if (const auto* d = std::get_if<DenseView<const T>>(&a_)) {
      ctx.gemm(T(1), tr ? d->t() : *d, X, T(0), Y);
      return;
    }
    std::visit(
        [&](const auto& a) {
          using V = std::decay_t<decltype(a)>;
          if constexpr (!std::is_same_v<V, DenseView<const T>>) {
            using I = std::remove_cv_t<std::remove_pointer_t<decltype(a.indices)>>;
            // The logical matrix is the stored CSR S (a.trans false) or S^T.
            const bool use_stored = (a.trans == tr);
            const CsrView<T, I> stored{a.values, a.indices, a.indptr, a.stored_rows, a.stored_cols, false, a.stored_nnz};
            if (use_stored) {
              ctx.csr_mm(stored, X, Y);
            } else if (const auto* st = std::get_if<CsrView<T, I>>(&transposed_view_)) {
              ctx.csr_mm(*st, X, Y);
            } else {
              ctx.csr_mm_transposed(stored, X, Y);
            }
          }
        },
        a_);
  }

  std::variant<DenseView<const T>, Csr32, Csr64> a_;
  std::shared_ptr<void> transpose_;  // owns what transposed_view_ points into
  std::variant<std::monostate, Csr32, Csr64> transposed_view_;  // CSR of the stored S^T, built once
  bool transposed_ = false;
};

}  // namespace linalg::lowrank
