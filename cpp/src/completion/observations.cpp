#include "linalg/completion/observations.hpp"

#include <omp.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "linalg/core/errors.hpp"
#include "linalg/rng/draws.hpp"

namespace linalg::completion {

namespace {

constexpr std::uint32_t kSplitStream = 0x53504c;  // draws of the sample split

// Threads for the counting sorts below: one per core when there is enough
// to do and the per-thread counters (threads x buckets) stay smaller than
// the entries themselves.
int sort_threads(index_t len, index_t buckets) {
  const int p = omp_get_max_threads();
  if (p <= 1 || len < (index_t(1) << 18)) return 1;
  return static_cast<double>(p - 1) * static_cast<double>(buckets) <= 4.0 * static_cast<double>(len) ? p : 1;
}

// A stable counting sort of items [0, len) by key(item) in [0, buckets),
// by `threads` threads on contiguous item ranges: ptr gets the bucket
// offsets (buckets + 1) and place(item, slot) is called once per item with
// its slot. Items keep their order within a bucket (thread t's range comes
// before thread t+1's), so the result is the sequential one.
template <class Key, class Place>
void counting_sort(index_t len, index_t buckets, int threads, std::vector<std::int32_t>& ptr, Key key, Place place) {
  std::vector<std::int32_t> count(static_cast<std::size_t>(threads) * static_cast<std::size_t>(buckets), 0);
  auto range = [&](int t) {
    return std::pair<index_t, index_t>(len * t / threads, len * (t + 1) / threads);
  };
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = threads > 1 ? omp_get_thread_num() : 0;
    std::int32_t* c = count.data() + static_cast<std::size_t>(t) * buckets;
    const auto [b, f] = range(t);
    for (index_t i = b; i < f; ++i) ++c[key(i)];
  }
  ptr.assign(static_cast<std::size_t>(buckets + 1), 0);
  std::int32_t run = 0;
  for (index_t k = 0; k < buckets; ++k) {
    ptr[k] = run;
    for (int t = 0; t < threads; ++t) {
      std::int32_t& c = count[static_cast<std::size_t>(t) * buckets + k];
      const std::int32_t here = c;
      c = run;  // becomes thread t's next slot in bucket k
      run += here;
    }
  }
  ptr[buckets] = run;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = threads > 1 ? omp_get_thread_num() : 0;
    std::int32_t* next = count.data() + static_cast<std::size_t>(t) * buckets;
    const auto [b, f] = range(t);
    for (index_t i = b; i < f; ++i) place(i, next[key(i)]++);
  }
}

// CSR of the transpose: scanning rows in order keeps each column sorted by
// row. The entries are walked in storage order (entry e of row r).
template <class T>
Layout<T> transpose_layout(const Layout<T>& a) {
  Layout<T> t;
  t.rows = a.cols;
  t.cols = a.rows;
  const index_t nnz = a.nnz();
  std::vector<std::int32_t> row_of(static_cast<std::size_t>(nnz));
#pragma omp parallel for schedule(static) if (nnz > (1 << 18))
  for (index_t r = 0; r < a.rows; ++r)
    for (std::int32_t e = a.ptr[r]; e < a.ptr[r + 1]; ++e) row_of[e] = static_cast<std::int32_t>(r);
  t.idx.resize(nnz);
  t.val.resize(nnz);
  if (!a.wt.empty()) t.wt.resize(nnz);
  if (!a.subset.empty()) t.subset.resize(nnz);
  counting_sort(nnz, a.cols, sort_threads(nnz, a.cols), t.ptr, [&](index_t e) { return a.idx[e]; },
                [&](index_t e, std::int32_t d) {
                  t.idx[d] = row_of[e];
                  t.val[d] = a.val[e];
                  if (!a.wt.empty()) t.wt[d] = a.wt[e];
                  if (!a.subset.empty()) t.subset[d] = a.subset[e];
                });
  return t;
}

}  // namespace

template <class T>
Observations<T> build_observations(index_t m, index_t n, const std::int64_t* rows, const std::int64_t* cols,
                                   const T* vals, const T* weights, index_t len, int subsets, std::uint64_t seed) {
  constexpr index_t kMax = std::numeric_limits<std::int32_t>::max();
  require(m >= 1 && n >= 1, "shape must be positive");
  require(m <= kMax && n <= kMax, "shape: each side must be below 2^31");
  require(len >= 1, "observed is empty: no entries");
  require(len <= kMax, "observed: at most 2^31 - 1 entries are supported");
  require(subsets >= 0 && subsets <= 65535, "subsets must be in [0, 65535]");
  Observations<T> o;
  o.m = m;
  o.n = n;
  o.subsets = subsets;
  Layout<T>& a = o.by_row;
  a.rows = m;
  a.cols = n;
  // The first entry out of range, if any (the smallest e, for a stable message).
  index_t bad = len;
#pragma omp parallel for schedule(static) reduction(min : bad) if (len > (1 << 18))
  for (index_t e = 0; e < len; ++e) {
    const std::int64_t r = rows[e], c = cols[e];
    if ((r < 0 || r >= m || c < 0 || c >= n) && e < bad) bad = e;
  }
  if (bad < len)
    throw invalid_argument("observed: entry " + std::to_string(bad) + " has index (" + std::to_string(rows[bad]) +
                           ", " + std::to_string(cols[bad]) + ") outside the shape (" + std::to_string(m) + ", " +
                           std::to_string(n) + ")");
  // Two stable counting sorts, least significant key first: by column,
  // then by row, so each row comes out sorted by column with no comparison
  // sort. The first carries the row of each entry, so that the second reads
  // its keys in order; the input is read at random only for the values.
  std::vector<std::int32_t> src(static_cast<std::size_t>(len));
  {
    std::vector<std::int32_t> by_col(src.size()), row_of(src.size()), col_ptr;
    counting_sort(len, n, sort_threads(len, n), col_ptr, [&](index_t e) { return static_cast<index_t>(cols[e]); },
                  [&](index_t e, std::int32_t d) {
                    by_col[d] = static_cast<std::int32_t>(e);
                    row_of[d] = static_cast<std::int32_t>(rows[e]);
                  });
    std::vector<std::int32_t> col_of(src.size());
#pragma omp parallel for schedule(static) if (len > (1 << 16))
    for (index_t j = 0; j < n; ++j)
      for (std::int32_t i = col_ptr[j]; i < col_ptr[j + 1]; ++i) col_of[i] = static_cast<std::int32_t>(j);
    a.idx.resize(len);
    counting_sort(len, m, sort_threads(len, m), a.ptr, [&](index_t i) { return static_cast<index_t>(row_of[i]); },
                  [&](index_t i, std::int32_t d) {
                    a.idx[d] = col_of[i];
                    src[d] = by_col[i];
                  });
  }
  a.val.resize(len);
  if (weights) a.wt.resize(len);
  if (subsets > 0) a.subset.resize(len);
  // Values in row order; duplicates sit side by side in a row (the one in
  // the smallest row is reported).
  index_t dup_row = m;
#pragma omp parallel for schedule(static) reduction(min : dup_row) if (len > (1 << 16))
  for (index_t r = 0; r < m; ++r)
    for (std::int32_t e = a.ptr[r]; e < a.ptr[r + 1]; ++e) {
      a.val[e] = vals[src[e]];
      if (weights) a.wt[e] = weights[src[e]];
      if (subsets > 0) {
        rng::Philox4x32 w = rng::draw(seed, static_cast<std::uint64_t>(r), static_cast<std::uint32_t>(a.idx[e]),
                                      kSplitStream);
        a.subset[e] = static_cast<std::uint16_t>(rng::bounded(w.v[0], static_cast<std::uint32_t>(subsets)));
      }
      if (e > a.ptr[r] && a.idx[e] == a.idx[e - 1] && r < dup_row) dup_row = r;
    }
  if (dup_row < m) {
    std::int32_t dup_col = 0;
    for (std::int32_t e = a.ptr[dup_row] + 1; e < a.ptr[dup_row + 1]; ++e)
      if (a.idx[e] == a.idx[e - 1]) {
        dup_col = a.idx[e];
        break;
      }
    throw invalid_argument("observed: duplicate (row, col) pair (" + std::to_string(dup_row) + ", " +
                           std::to_string(dup_col) + "); sum or drop duplicates first");
  }
  o.by_col = transpose_layout(a);
  return o;
}

namespace {

// One layout from entries sorted by (major, minor): major indexes the
// layout's rows. Returns false when the order, a range or a length is
// wrong. The subset of an entry is drawn from (seed, row, col) alone, so
// both layouts agree (by_col passes transposed = true).
template <class T>
bool fill_sorted(Layout<T>& L, index_t nmajor, index_t nminor, const std::int32_t* major, const std::int32_t* minor,
                 const T* vals, const T* weights, index_t len, int subsets, std::uint64_t seed, bool transposed) {
  L.rows = nmajor;
  L.cols = nminor;
  L.ptr.assign(static_cast<std::size_t>(nmajor + 1), 0);
  L.idx.assign(minor, minor + len);
  L.val.assign(vals, vals + len);
  if (weights) L.wt.assign(weights, weights + len);
  if (subsets > 0) L.subset.resize(len);
  int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) if (len > (1 << 16))
  for (index_t e = 0; e < len; ++e) {
    const std::int32_t r = major[e], c = minor[e];
    bool ok = r >= 0 && r < nmajor && c >= 0 && c < nminor;
    if (ok && e > 0) ok = major[e - 1] < r || (major[e - 1] == r && minor[e - 1] < c);
    if (!ok) {
      bad = 1;
      continue;
    }
    // ptr[q] = the first entry with major >= q (each q written once).
    if (e == 0 || major[e - 1] != r)
      for (std::int32_t q = e == 0 ? 0 : major[e - 1] + 1; q <= r; ++q) L.ptr[q] = static_cast<std::int32_t>(e);
    if (e == len - 1)
      for (index_t q = r + 1; q <= nmajor; ++q) L.ptr[q] = static_cast<std::int32_t>(len);
    if (subsets > 0) {
      const std::int32_t row = transposed ? c : r, col = transposed ? r : c;
      rng::Philox4x32 w = rng::draw(seed, static_cast<std::uint64_t>(row), static_cast<std::uint32_t>(col),
                                    kSplitStream);
      L.subset[e] = static_cast<std::uint16_t>(rng::bounded(w.v[0], static_cast<std::uint32_t>(subsets)));
    }
  }
  return bad == 0;
}

}  // namespace

template <class T>
Observations<T> build_observations_sorted(index_t m, index_t n, const std::int32_t* rows, const std::int32_t* cols,
                                          const T* vals, const T* weights, const std::int32_t* rows_c,
                                          const std::int32_t* cols_c, const T* vals_c, const T* weights_c,
                                          index_t len, int subsets, std::uint64_t seed) {
  constexpr index_t kMax = std::numeric_limits<std::int32_t>::max();
  require(m >= 1 && n >= 1, "shape must be positive");
  require(m <= kMax && n <= kMax, "shape: each side must be below 2^31");
  require(len >= 1, "observed is empty: no entries");
  require(len <= kMax, "observed: at most 2^31 - 1 entries are supported");
  require(subsets >= 0 && subsets <= 65535, "subsets must be in [0, 65535]");
  require((weights == nullptr) == (weights_c == nullptr), "weights: give both orders or neither");
  Observations<T> o;
  o.m = m;
  o.n = n;
  o.subsets = subsets;
  const bool ok = fill_sorted(o.by_row, m, n, rows, cols, vals, weights, len, subsets, seed, false) &&
                  fill_sorted(o.by_col, n, m, cols_c, rows_c, vals_c, weights_c, len, subsets, seed, true);
  require(ok, "observed: entries not sorted by (row, col) and (col, row) without duplicates, or out of range "
              "(internal error)");
  return o;
}

#define LINALG_INSTANTIATE(T)                                                                                  \
  template Observations<T> build_observations_sorted<T>(index_t, index_t, const std::int32_t*, const std::int32_t*, \
                                                        const T*, const T*, const std::int32_t*, const std::int32_t*, \
                                                        const T*, const T*, index_t, int, std::uint64_t);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

template Observations<float> build_observations<float>(index_t, index_t, const std::int64_t*, const std::int64_t*,
                                                       const float*, const float*, index_t, int, std::uint64_t);
template Observations<double> build_observations<double>(index_t, index_t, const std::int64_t*, const std::int64_t*,
                                                         const double*, const double*, index_t, int, std::uint64_t);

}  // namespace linalg::completion
