// Threaded per-row kernels of alternating minimisation for matrix
// completion (completion/altmin.hpp): every row of the side being updated
// solves its own small regularised least-squares problem over its observed
// entries. Rows are independent, each is solved by one thread in a fixed
// order, and the small dense algebra is ours (no BLAS inside the OpenMP
// region, ARCHITECTURE decision 8), so results do not depend on the thread
// count. The kernels are compiled twice (AVX2+FMA and baseline) and picked
// at run time.
#pragma once
#include <cstdint>

#include "linalg/core/view.hpp"

namespace linalg::host {

enum class RowSolver {
  Cholesky,  // exact normal equations: Gram by rank-1 updates, our Cholesky
  CG,        // warm-started conjugate gradients on the normal equations (also on whitened designs)
};

// Observations stored by the rows of the side being updated (CSR of the
// observed matrix, or CSR of its transpose). Through an execution context
// (Host::als_solve_rows, cuda::Cuda::als_solve_rows) the arrays are context
// memory: host memory for the host context, device memory for CUDA.
template <class T>
struct ObsRows {
  index_t rows = 0;
  const std::int32_t* ptr = nullptr;    // rows + 1 offsets
  const std::int32_t* idx = nullptr;    // index on the other side
  const T* val = nullptr;
  const T* wt = nullptr;                // per-entry weights, or null (all 1)
  const std::uint16_t* subset = nullptr;  // subset id of each entry, or null
};

// What a half-step's row solves add up to: the weighted squared residual
// of every row after its update and the sum of the active weights.
struct RowTotals {
  double loss = 0.0;
  double weight = 0.0;
};

// One half-step: for every row i, with a_j the design rows of its observed
// entries j, b_j = val - mean - offset[j] and weights w_j,
//   z_i = argmin  sum_j w_j (b_j - a_j . z)^2 + sum_c reg[c] z_c^2
// (warm start z_i from Z). Rows with no active entry get z_i = 0.
template <class T>
struct RowSolveArgs {
  ObsRows<T> obs;
  int active_subset = -1;   // >= 0: use only entries of that subset
  const T* design = nullptr;  // row j of the other side at design + j * ld (kw used, zero padded to ld)
  const T* offset = nullptr;  // per other-side index (a long vector: context memory), or null
  T mean = T(0);
  index_t kw = 0, ld = 0;
  T* Z = nullptr;             // own row i at Z + i * ld; pad entries stay 0
  const T* reg = nullptr;     // kw diagonal regulariser (host memory, as every short vector)
  RowSolver solver = RowSolver::Cholesky;
  int steps = 3;              // CG steps per row
  double* row_loss = nullptr;   // weighted squared residual of row i after its update, or null
  double* row_weight = nullptr;  // sum of weights of row i's active entries, or null
};

template <class T>
void solve_rows(const RowSolveArgs<T>& a);

// The design of a half-step from the other side's padded rows (n rows at
// other + j * ld): D (ld x n, column-major) gets column j = [other_j[0..k),
// 1 if biases, 0 ...], and offset[j] = other_j[k] (the other side's bias)
// when biases (offset may then not be null).
template <class T>
void design_rows(const T* other, index_t n, index_t k, index_t ld, bool biases, T* D, T* offset);

// Sparse sign sketch of the rows of D (n rows at D + j * ld, kw used):
// out (s x kw, column-major, ld s) = S D where column j of S holds
// min(zeta, s) entries +-1/sqrt(min(zeta, s)) drawn from (seed, j) alone.
// Summed in a fixed number of chunks, in a fixed order (thread-count free).
template <class T>
void sketch_rows(const T* D, index_t n, index_t kw, index_t ld, index_t s, int zeta, std::uint64_t seed, T* out);

// out[t] = mean + x_{r_t} . y_{c_t} (k entries, rows at X + r * ldx) plus
// xb[r_t] and yb[c_t] when given.
template <class T>
void predict_entries(const T* X, index_t ldx, const T* Y, index_t ldy, index_t k, const T* xb, index_t xb_stride,
                     const T* yb, index_t yb_stride, T mean, const std::int64_t* r, const std::int64_t* c, index_t len,
                     T* out);

}  // namespace linalg::host
