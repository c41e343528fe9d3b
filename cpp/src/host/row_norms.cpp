#include "linalg/host/row_norms.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"
#include "linalg/host/context.hpp"

namespace linalg::host {

template <class T>
void row_norms_pass(DenseView<const T> A, DenseView<const T> P, double* q, double gamma, double* H) {
  const bool identity = P.data == nullptr;
  const index_t n = A.rows, k = identity ? A.cols : P.cols;
  require(identity || P.rows == A.cols, "row_norms_pass: shape mismatch");
  if (k == 0 || n == 0) {
    if (q) std::fill(q, q + n, 0.0);
    if (H) std::fill(H, H + k * k, 0.0);
    return;
  }
  // About 1 MiB of Y per block: it stays in the core's cache between the
  // GEMM that writes it and the norms and Gram that read it.
  const index_t chunk = std::min(n, std::max<index_t>(256, (index_t(1) << 20) / (static_cast<index_t>(sizeof(T)) * k)));
  const index_t nblocks = (n + chunk - 1) / chunk;
  std::vector<double> parts(H ? static_cast<std::size_t>(nblocks * k * k) : 0);
  const Host ctx;
#pragma omp parallel if (nblocks > 1)
  {
    Matrix<T> Y(identity ? 0 : chunk, identity ? 0 : k), G(k, k), S(identity && H && q ? chunk : 0, k);
    std::vector<T> scale(static_cast<std::size_t>(chunk));
#pragma omp for schedule(dynamic, 1)
    for (index_t b = 0; b < nblocks; ++b) {
      const index_t i0 = b * chunk, nb = std::min(chunk, n - i0);
      DenseView<const T> Ab = A.row_block(i0, nb);
      DenseView<T> Yb{Y.data(), nb, k, chunk, false};
      if (!identity) ctx.gemm(T(1), Ab, P, T(0), Yb);
      DenseView<const T> Yc = identity ? Ab : DenseView<const T>(Yb);
      if (q) {
        double* qb = q + i0;
        std::fill(qb, qb + nb, 0.0);
        for (index_t j = 0; j < k; ++j)
          for (index_t i = 0; i < nb; ++i) {
            const double v = static_cast<double>(Yc(i, j));
            qb[i] += v * v;
          }
      }
      if (!H) continue;
      if (q && gamma != 0.0) {
        for (index_t i = 0; i < nb; ++i) {
          const double qi = q[i0 + i];
          scale[i] = qi > 0.0 ? static_cast<T>(std::pow(qi, 0.5 * gamma)) : T(0);
        }
        if (identity) {  // scaled copy of the block
          DenseView<T> Sb{S.data(), nb, k, chunk, false};
          for (index_t j = 0; j < k; ++j)
            for (index_t i = 0; i < nb; ++i) Sb(i, j) = scale[i] * Ab(i, j);
          Yc = Sb;
        } else {
          for (index_t j = 0; j < k; ++j)
            for (index_t i = 0; i < nb; ++i) Yb(i, j) *= scale[i];
        }
      }
      ctx.gram(Yc, G.view());
      double* hb = parts.data() + b * k * k;
      for (index_t j = 0; j < k; ++j)
        for (index_t i = 0; i <= j; ++i) hb[i + j * k] = static_cast<double>(G.data()[i + j * k]);
    }
  }
  if (!H) return;
  std::fill(H, H + k * k, 0.0);
  for (index_t b = 0; b < nblocks; ++b) {
    const double* hb = parts.data() + b * k * k;
    for (index_t j = 0; j < k; ++j)
      for (index_t i = 0; i <= j; ++i) H[i + j * k] += hb[i + j * k];
  }
}

template void row_norms_pass<float>(DenseView<const float>, DenseView<const float>, double*, double, double*);
template void row_norms_pass<double>(DenseView<const double>, DenseView<const double>, double*, double, double*);

}  // namespace linalg::host
