#include "linalg/host/blas.hpp"

#include "linalg/core/errors.hpp"

namespace linalg::host {

template <class T>
BlasTable<T>& blas_table() {
  static BlasTable<T> table;
  return table;
}
template BlasTable<float>& blas_table<float>();
template BlasTable<double>& blas_table<double>();

const std::vector<std::string>& blas_routines() {
  static const std::vector<std::string> names = {"gemm",  "syrk",  "trsm",  "geqrf", "orgqr",
                                                 "geqp3", "gesdd", "syevd", "syevr", "potrf",
                                                 "trtri", "trcon", "trmm",  "laqps"};
  return names;
}

namespace {
template <class T>
void** slot(BlasTable<T>& t, const std::string& base) {
  // The table holds plain function pointers; store through void* slots.
  if (base == "gemm") return reinterpret_cast<void**>(&t.gemm);
  if (base == "syrk") return reinterpret_cast<void**>(&t.syrk);
  if (base == "trsm") return reinterpret_cast<void**>(&t.trsm);
  if (base == "geqrf") return reinterpret_cast<void**>(&t.geqrf);
  if (base == "orgqr") return reinterpret_cast<void**>(&t.orgqr);
  if (base == "geqp3") return reinterpret_cast<void**>(&t.geqp3);
  if (base == "gesdd") return reinterpret_cast<void**>(&t.gesdd);
  if (base == "syevd") return reinterpret_cast<void**>(&t.syevd);
  if (base == "syevr") return reinterpret_cast<void**>(&t.syevr);
  if (base == "potrf") return reinterpret_cast<void**>(&t.potrf);
  if (base == "trtri") return reinterpret_cast<void**>(&t.trtri);
  if (base == "trcon") return reinterpret_cast<void**>(&t.trcon);
  if (base == "trmm") return reinterpret_cast<void**>(&t.trmm);
  if (base == "laqps") return reinterpret_cast<void**>(&t.laqps);
  return nullptr;
}
}  // namespace

void set_blas_routine(const std::string& name, void* fn) {
  void** p = nullptr;
  if (name.size() > 1 && name[0] == 's') p = slot(blas_table<float>(), name.substr(1));
  if (name.size() > 1 && name[0] == 'd') p = slot(blas_table<double>(), name.substr(1));
  if (!p) throw invalid_argument("unknown BLAS/LAPACK routine '" + name + "'");
  if (!fn) throw invalid_argument("null function pointer for '" + name + "'");
  *p = fn;
}

std::vector<std::string> missing_blas_routines() {
  std::vector<std::string> out;
  for (const auto& base : blas_routines()) {
    if (!*slot(blas_table<float>(), base)) out.push_back("s" + base);
    if (!*slot(blas_table<double>(), base)) out.push_back("d" + base);
  }
  return out;
}

}  // namespace linalg::host
