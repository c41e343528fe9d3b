#include "linalg/core/memory.hpp"

namespace linalg {

namespace {
thread_local const MemorySpace* g_space = nullptr;
}

const MemorySpace* current_memory_space() { return g_space; }

MemoryScope::MemoryScope(const MemorySpace* space) : saved_(g_space) { g_space = space; }
MemoryScope::~MemoryScope() { g_space = saved_; }

}  // namespace linalg
