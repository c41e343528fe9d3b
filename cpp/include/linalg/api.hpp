// The host entry points the Python bindings call: the algorithm templates
// instantiated for the host context, float and double (src/lowrank/*.cpp).
#pragma once
#include "linalg/host/context.hpp"
#include "linalg/lowrank/error_estimate.hpp"
#include "linalg/lowrank/mixed_precision.hpp"
#include "linalg/lowrank/range_finder.hpp"
#include "linalg/lowrank/rsvd.hpp"

namespace linalg {

// lowrank::rsvd on the host, with the factors of A^T when m < n
// (`transposed`; the caller presents them transposed, no copy).
template <class T>
lowrank::SvdFactors<T> rsvd_as_computed(const lowrank::Operator<T>& A, const lowrank::RsvdOptions& opt,
                                        lowrank::RsvdReport& rep, double nnz, bool& transposed,
                                        const lowrank::Progress& progress);

// Float64 dense rsvd with the basis found in float32; `used` is false (and
// the result empty) when the answer would be too accurate for float32.
// check_finite: NaN/Inf in A (seen in the float32 copy's norm) throw
// invalid_argument before the float32 run.
lowrank::SvdFactors<double> rsvd_mixed(DenseView<const double> A, const lowrank::RsvdOptions& opt,
                                       lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                                       const lowrank::Progress& progress, bool check_finite = false);

// Dense rsvd whose range finder runs on a bfloat16 copy of A on the CPU's
// AMX units (host/bf16_operator.hpp; one power step unless
// opt.power_iters says otherwise) followed by one exact pass in A's type;
// `used` is false (result empty) without AMX, or when the answer would be
// too accurate for bfloat16's products. SciPy's BLAS must be held to one
// thread around the call (host/split_host.hpp). check_finite: NaN/Inf in A
// (seen while it is copied) throw invalid_argument before any other work.
lowrank::SvdFactors<float> rsvd_fast(DenseView<const float> A, const lowrank::RsvdOptions& opt,
                                     lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                                     const lowrank::Progress& progress, bool check_finite = false);
lowrank::SvdFactors<double> rsvd_fast(DenseView<const double> A, const lowrank::RsvdOptions& opt,
                                      lowrank::RsvdReport& rep, double min_rel_error, bool& used,
                                      const lowrank::Progress& progress, bool check_finite = false);

// op(A) X through a bfloat16 copy of A on the AMX units (for tests and
// benchmarks of host/bf16_operator.hpp), the product made `repeats` times
// on one copy (a benchmark's rate without the packing); `available` false
// without AMX.
Matrix<float> bf16_product(DenseView<const float> A, DenseView<const float> X, bool transpose, int repeats,
                           bool& available);

template <class T>
bool all_finite(DenseView<const T> A);

// op(A) X (op: A^T when `transpose`) with the operator's own GEMM, so that
// linalg.dask's per-block products have the shape rsvd's passes have.
template <class T>
Matrix<T> dense_product(DenseView<const T> A, DenseView<const T> X, bool transpose, bool split = false);

template <class T>
Matrix<T> range_finder(const lowrank::Operator<T>& A, index_t size, int power_iters,
                       const sketch::TestMatrix& tm, double nnz, lowrank::PassCount& count);

template <class T>
lowrank::ErrorEstimate estimate_error(const lowrank::Operator<T>& A, DenseView<const T> U, const T* S,
                                      DenseView<const T> Vt, int probes, std::uint64_t seed);

}  // namespace linalg
