// The host instantiations of the completion algorithm (src/completion/api.cpp).
#pragma once
#include "linalg/completion/altmin.hpp"
#include "linalg/host/context.hpp"

namespace linalg::completion {

extern template class AltMin<host::Host, float>;
extern template class AltMin<host::Host, double>;

}  // namespace linalg::completion
