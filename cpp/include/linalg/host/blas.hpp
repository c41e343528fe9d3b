// The BLAS/LAPACK dispatch table of the host context. It is filled at import
// from the function-pointer capsules of scipy.linalg.cython_blas and
// cython_lapack (ARCHITECTURE decision 2), so the core links no BLAS of its
// own and shares SciPy's thread pool. The signatures are the Fortran ones
// (all arguments by pointer, 32-bit integers) that those capsules export.
#pragma once
#include <string>
#include <vector>

namespace linalg::host {

template <class T>
struct BlasTable {
  using gemm_t = void (*)(const char*, const char*, const int*, const int*, const int*, const T*,
                          const T*, const int*, const T*, const int*, const T*, T*, const int*);
  using syrk_t = void (*)(const char*, const char*, const int*, const int*, const T*, const T*,
                          const int*, const T*, T*, const int*);
  using trsm_t = void (*)(const char*, const char*, const char*, const char*, const int*,
                          const int*, const T*, const T*, const int*, T*, const int*);
  using geqrf_t = void (*)(const int*, const int*, T*, const int*, T*, T*, const int*, int*);
  using orgqr_t = void (*)(const int*, const int*, const int*, T*, const int*, const T*, T*,
                           const int*, int*);
  using geqp3_t = void (*)(const int*, const int*, T*, const int*, int*, T*, T*, const int*, int*);
  using gesdd_t = void (*)(const char*, const int*, const int*, T*, const int*, T*, T*,
                           const int*, T*, const int*, T*, const int*, int*, int*);
  using syevd_t = void (*)(const char*, const char*, const int*, T*, const int*, T*, T*,
                           const int*, int*, const int*, int*);
  // dsyevr: eigenpairs by index range (MRRR), for the top few of a Gram.
  using syevr_t = void (*)(const char*, const char*, const char*, const int*, T*, const int*, const T*,
                           const T*, const int*, const int*, const T*, int*, T*, T*, const int*, int*, T*,
                           const int*, int*, const int*, int*);
  using potrf_t = void (*)(const char*, const int*, T*, const int*, int*);
  // Triangular inverse, its condition estimate, and the in-place triangular
  // product: B R^{-1} as B (R^{-1}) (Host::solve_upper_right).
  using trtri_t = void (*)(const char*, const char*, const int*, T*, const int*, int*);
  using trcon_t = void (*)(const char*, const char*, const char*, const int*, const T*, const int*, T*, T*, int*,
                           int*);
  using trmm_t = trsm_t;
  // --- selection: one blocked step of column-pivoted QR (geqp3's kernel) ---
  using laqps_t = void (*)(const int*, const int*, const int*, const int*, int*, T*, const int*, int*, T*, T*,
                           T*, T*, T*, const int*);

  gemm_t gemm = nullptr;
  syrk_t syrk = nullptr;
  trsm_t trsm = nullptr;
  geqrf_t geqrf = nullptr;
  orgqr_t orgqr = nullptr;
  geqp3_t geqp3 = nullptr;
  gesdd_t gesdd = nullptr;
  syevd_t syevd = nullptr;
  syevr_t syevr = nullptr;
  potrf_t potrf = nullptr;
  trtri_t trtri = nullptr;
  trcon_t trcon = nullptr;
  trmm_t trmm = nullptr;
  laqps_t laqps = nullptr;
};

template <class T>
BlasTable<T>& blas_table();

// The routine names the table needs, without the s/d prefix.
const std::vector<std::string>& blas_routines();

// Stores one routine: name is the LAPACK name with its s/d prefix
// ("dgemm", "sgeqrf", ...). Throws invalid_argument for an unknown name.
void set_blas_routine(const std::string& name, void* fn);

// Names (with prefix) still missing; empty once the table is complete.
std::vector<std::string> missing_blas_routines();

}  // namespace linalg::host
