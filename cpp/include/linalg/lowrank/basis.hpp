// What every range finder here produces, for the oriented (m >= n) A: a
// block Y = A Z whose range is the basis (Z orthonormal, Z spanning
// (A^T A)^q Omega or a Krylov space of it), and W = A^T Y from the same
// step. With Q = orth(Y), Q Q^T A = Q (W R^{-1})^T where Y = Q R:
// the Halko-Martinsson-Tropp approximation, with no further pass over A.
// Plus the bookkeeping callers report.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/lowrank/operator.hpp"

namespace linalg::lowrank {

struct PassCount {
  int passes = 0;          // reads of A (products with A or A^T)
  double gemm_flops = 0;   // flops of the products with A
  void add(double per_column, index_t cols, int reads = 1) {
    passes += reads;
    gemm_flops += per_column * static_cast<double>(cols);
  }
};

// Flops of one product of A with one column: 2 mn dense, 2 nnz sparse.
template <class Op>
double flops_per_column(const Op& A, double nnz) {
  return A.is_dense() ? 2.0 * static_cast<double>(A.rows()) * static_cast<double>(A.cols()) : 2.0 * nnz;
}

template <class T>
struct RowBasis {
  Matrix<T> Y;  // m x s: A Z, or an orthonormal Q when y_orthonormal
  Matrix<T> W;  // n x s: A^T Y
  index_t size = 0;
  bool y_orthonormal = false;
  // Subspace iteration with separate steps only: the eigenvectors of the
  // last step's W^T W (ascending eigenvalues in ritz_values), the right
  // singular vectors of Q^T A in W's coordinates.
  Matrix<T> ritz;
  std::vector<double> ritz_values;
};

// The adaptive stopping rule shared by the range finders. E_j, the energy
// the rank-k answer keeps after read j, grows towards its limit about
// geometrically; with rho = (E_j - E_{j-1}) / (E_{j-1} - E_{j-2}) the gain
// still to come is ~ (E_j - E_{j-1}) rho / (1 - rho) (Aitken's estimate).
// Stop once that is at most rtol of the energy still missing, F - E_j.
// E_j is the energy of A Z Z^T, which lags the Q Q^T A answer by half a
// step, so the answer is better than the estimate: with rtol = 0.1 the
// measured error ratios on BENCHMARKS.md's P1/P2 are 1.004 and 1.001.
class EnergyStop {
 public:
  EnergyStop(double frob_sq, double rtol) : f_(frob_sq), rtol_(rtol) {}
  bool converged(double e) {
    const double g = e - last_;
    bool stop = false;
    if (n_ >= 1 && f_ > 0.0) {
      // With one gain only, assume rho = 1/2 (remaining gain ~ the last one).
      const double rho = n_ == 1 ? 0.5 : gain_ > 0.0 ? std::min(0.9, std::max(0.0, g / gain_)) : 0.0;
      stop = std::max(0.0, g) * rho / (1.0 - rho) <= rtol_ * std::max(0.0, f_ - e) || g <= 0.0;
    }
    if (n_ >= 1) gain_ = g;
    last_ = e;
    ++n_;
    return stop;
  }

 private:
  double f_, rtol_, last_ = 0.0, gain_ = 0.0;
  int n_ = 0;
};

// Optional progress callback: (step, total or 0 if unknown, message).
using Progress = std::function<void(int, int, const char*)>;

// Sum of the k largest eigenvalues of the small symmetric G (overwritten):
// the energy a rank-k truncation keeps; `ratio` gets lambda_k / lambda_1.
// With `vectors`, G keeps its eigenvectors (ascending eigenvalues, also in
// *values); without, only eigenvalues are computed (a third of the time).
template <class Ctx, class T>
double top_energy(const Ctx& ctx, DenseView<T> G, index_t k, double* ratio = nullptr,
                  std::vector<double>* values = nullptr, bool vectors = false) {
  const index_t l = G.rows;
  std::vector<T> w(static_cast<std::size_t>(l));
  if (vectors) ctx.eigh(G, w.data());
  else ctx.eigvalsh(G, w.data());
  if (values) values->assign(w.begin(), w.end());
  const index_t kk = std::min(k, l);
  double cap = 0.0;
  for (index_t i = 0; i < kk; ++i) cap += std::max<double>(0.0, w[l - 1 - i]);
  if (ratio) {
    const double lam1 = std::max<double>(w[l - 1], 0.0);
    *ratio = lam1 > 0 ? std::max<double>(w[l - kk], 0.0) / lam1 : 0.0;
  }
  return cap;
}

}  // namespace linalg::lowrank
