#include "linalg/completion/api.hpp"

namespace linalg::completion {

template class AltMin<host::Host, float>;
template class AltMin<host::Host, double>;

}  // namespace linalg::completion
