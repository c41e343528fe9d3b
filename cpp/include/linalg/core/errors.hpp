// Typed errors of the core. The bindings map them to Python exceptions:
// invalid_argument -> ValueError, not_converged -> numpy.linalg.LinAlgError.
#pragma once
#include <stdexcept>
#include <string>

namespace linalg {

// A precondition on an argument does not hold (shape, rank, option).
struct invalid_argument : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A factorization or iteration did not converge (LAPACK info > 0, ...).
struct not_converged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The BLAS/LAPACK dispatch table was not filled before a call needed it.
struct backend_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void require(bool ok, const std::string& what) {
  if (!ok) throw invalid_argument(what);
}

}  // namespace linalg
