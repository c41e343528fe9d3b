"""Leverage scores and row sampling of a row-chunked Dask array.

The distributed form of :func:`linalg.leverage_scores` and
:func:`linalg.sample_rows`: the passes over A run block by block on the
workers (through the core's ``row_norms_pass`` and the sparse sign columns
of the block's global rows), only d x d pieces come back and are combined on
the client, and the same seed gives the single-machine answer to rounding.

>>> import numpy as np, dask, dask.array as da, linalg, linalg.dask
>>> A = np.random.default_rng(0).standard_normal((2000, 6))
>>> X = da.from_array(A, chunks=(500, 6))
>>> with dask.config.set(scheduler="threads"):
...     tau = linalg.dask.leverage_scores(X).compute()
>>> bool(np.allclose(tau, linalg.leverage_scores(A)))
True
"""
from __future__ import annotations

import contextlib
import math
import threading
import warnings

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .. import _core
from .._validate import as_seed, check_choice, check_int
from ..sampling import METHODS, SCHEMES, RowSample, _check_p, _check_real, _one_blas_thread

#: Streams of the core (cpp/include/linalg/sketch/sparse_embedding.hpp).
_LEVERAGE_SKETCH, _LEVERAGE_JL = 17, 18
_DELTA, _ZETA = 0.01, 4  # the single-machine defaults (sampling::LeverageOptions)
_SCORES = ("leverage", "root_leverage", "uniform")


# --------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------

def _dask_matrix(A, func, name="A"):
    """A 2-D float32/float64 Dask array with the columns in one chunk."""
    try:
        import dask.array as da
    except ImportError as e:  # pragma: no cover - the extra is not installed
        raise ImportError("linalg.dask needs dask: pip install 'linalg[dask]'") from e
    if not isinstance(A, da.Array):
        raise TypeError(f"{name} must be a dask.array.Array, got {type(A).__name__}; for an in-memory array use "
                        f"linalg.{func}, or wrap it with "
                        f"dask.array.from_array(A, chunks=(rows_per_block, -1))")
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {A.shape}")
    if any(math.isnan(c) for c in A.shape):
        raise ValueError(f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first")
    dt = A.dtype
    if np.issubdtype(dt, np.complexfloating):
        raise TypeError(f"{name}: complex input is not supported (dtype {dt}); pass real data")
    if not (np.issubdtype(dt, np.number) or dt == np.bool_):
        raise TypeError(f"{name}: expected a real numeric array, got dtype {dt}")
    if dt == np.float16:
        A = A.astype(np.float32)
    elif dt not in (np.float32, np.float64):
        A = A.astype(np.float64)
    if A.numblocks[1] > 1:
        warnings.warn(f"{name} is chunked along its columns ({A.numblocks[1]} column chunks); rechunking to one "
                      f"column chunk per row block (pass {name}.rechunk({{1: -1}}) to avoid this warning)",
                      stacklevel=3)
        A = A.rechunk({1: -1})
    return A


_BLAS_LOCK = threading.Lock()
_BLAS_STATE = {"depth": 0, "limiter": None}


@contextlib.contextmanager
def _blas_one_thread():
    """One BLAS thread while any block function of this process runs (the
    core's passes run single-threaded BLAS from OpenMP threads). Counted, so
    concurrent tasks of the threaded scheduler restore the user's setting
    only when the last one leaves."""
    with _BLAS_LOCK:
        if _BLAS_STATE["depth"] == 0:
            _BLAS_STATE["limiter"] = _one_blas_thread()
        _BLAS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["depth"] -= 1
            if _BLAS_STATE["depth"] == 0:
                _BLAS_STATE["limiter"].restore_original_limits()
                _BLAS_STATE["limiter"] = None


def _tree_sum(parts):
    """Pairwise sum of delayed (array, finite) results on the workers: one
    result reaches the client, never one per block."""
    import dask

    add = dask.delayed(_add, pure=True)
    parts = list(parts)
    while len(parts) > 1:
        parts = [add(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    return parts[0]


def _add(a, b):
    return a[0] + b[0], a[1] and b[1]


def _offsets(chunks):
    return np.concatenate([[0], np.cumsum(chunks)]).astype(np.int64)


def _core_block(a):
    """A block as the core takes it (float C/F-contiguous, no copy if possible)."""
    a = np.asarray(a)
    if not (a.flags.c_contiguous or a.flags.f_contiguous):
        a = np.ascontiguousarray(a)
    return a


def _finite(a):
    return bool(np.isfinite(a).all()) if a.size < 65536 else bool(_core.all_finite(a))


# --------------------------------------------------------------------------
# block functions (run on the workers)
# --------------------------------------------------------------------------

def _block_gram(a, check_finite):
    """(A_b^T A_b (upper, double), finite?) of one row block: one core pass."""
    a = _core_block(a)
    ok = _finite(a) if check_finite else True
    d = a.shape[1]
    if not ok:
        return np.zeros((d, d)), False
    with _blas_one_thread():
        _, h = _core.row_norms_pass(a, None, False, True)
    return h.reshape(d, d).T, True


def _block_pgram(a, P):
    """(A_b P)^T (A_b P) (upper, double)."""
    r = P.shape[1]
    with _blas_one_thread():
        _, h = _core.row_norms_pass(_core_block(a), P, False, True)
    return h.reshape(r, r).T, True


def _block_scores(a, P):
    """||a_i^T P||^2 for the rows of one block (double)."""
    with _blas_one_thread():
        q, _ = _core.row_norms_pass(_core_block(a), P, True, False)
    return q


def _block_sketch(a, first, s, zeta, seed, check_finite):
    """(S_b A_b, finite?): the columns first .. first + n_b - 1 of the sparse
    sign embedding S (s rows, stream 17: the leverage sketch's) times A_b."""
    a = _core_block(a)
    nb, d = a.shape
    ok = _finite(a) if check_finite else True
    if not ok or nb == 0:
        return np.zeros((s, d), a.dtype), ok
    z = min(zeta, s)
    h = _core.sparse_sign_columns(seed, _LEVERAGE_SKETCH, int(first), nb, s, zeta).reshape(nb, z)
    rows = (h & np.uint32(0x7FFFFFFF)).astype(np.int64).ravel()
    signs = np.where(h >> np.uint32(31), -1.0, 1.0).ravel() / math.sqrt(z)
    cols = np.repeat(np.arange(nb, dtype=np.int64), z)
    S = sp.csc_matrix((signs.astype(a.dtype), (rows, cols)), shape=(s, nb))
    return np.asarray(S @ a, dtype=a.dtype), True


# --------------------------------------------------------------------------
# the small central algebra (mirrors cpp/include/linalg/sampling/leverage.hpp)
# --------------------------------------------------------------------------

def _u(dtype):
    return float(np.finfo(dtype).eps) / 2


def _upper_chol(G):
    """Upper Cholesky factor in G's dtype, or None when not positive definite."""
    try:
        return sla.cholesky(G, lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        return None


def _cond(R):
    if R.shape[0] == 0:
        return 1.0
    s = np.linalg.svd(R, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else math.inf


def _upper_inverse(R):
    return sla.solve_triangular(R, np.eye(R.shape[0], dtype=R.dtype), lower=False)


def _sym(H):
    """The symmetric matrix from an upper triangle."""
    return np.triu(H) + np.triu(H, 1).T


def _apply_gram(P, H, ridge):
    """P R^{-1}, R = chol(H + ridge P^T P) in P's dtype (None if not PD)."""
    G = _sym(H)
    if ridge > 0:
        G = G + ridge * (P.T.astype(np.float64) @ P.astype(np.float64))
    R = _upper_chol(G.astype(P.dtype))
    if R is None or not np.all(np.isfinite(R)):
        return None
    return sla.solve_triangular(R, P.T, lower=False, trans="T").T.astype(P.dtype)


def _pivoted_preconditioner(C, rows, d):
    """P = E_J R_11^{-1} from the pivoted QR of C (numerical rank as the core's)."""
    R, perm = sla.qr(C, mode="r", pivoting=True, check_finite=False)
    t = min(C.shape[0], d)
    R = R[:t]
    r00 = abs(float(R[0, 0])) if t > 0 else 0.0
    tol = max(rows, d) * _u(C.dtype) * r00
    diag = np.abs(np.diag(R).astype(np.float64))
    r = 0
    while r < t and r00 > 0 and diag[r] > tol:
        r += 1
    P = np.zeros((d, r), C.dtype)
    if r:
        P[perm[:r], :] = _upper_inverse(np.triu(R[:r, :r]))
    return P


class _Passes:
    """The distributed passes over A (each one reduction of small results)."""

    def __init__(self, A, check_finite):
        import dask

        self.A = A
        self.dask = dask
        self.blocks = A.to_delayed().ravel()
        self.first = _offsets(A.chunks[0])
        self.check_finite = check_finite
        self.count = 0

    def _finite_or_raise(self, flags):
        if not all(flags):
            raise ValueError("A contains NaN or Inf (pass check_finite=False to skip this check)")

    def gram(self):
        f = self.dask.delayed(_block_gram, pure=True)
        (G, ok), = self.dask.compute(_tree_sum([f(b, self.check_finite) for b in self.blocks]))
        self.count += 1
        self._finite_or_raise([ok])
        return G

    def pgram(self, P):
        f = self.dask.delayed(_block_pgram, pure=True)
        Pd = self.dask.delayed(P)
        (H, _), = self.dask.compute(_tree_sum([f(b, Pd) for b in self.blocks]))
        self.count += 1
        return H

    def sketch(self, s, zeta, seed):
        f = self.dask.delayed(_block_sketch, pure=True)
        (SA, ok), = self.dask.compute(_tree_sum([f(b, int(o), s, zeta, seed, self.check_finite)
                                                 for b, o in zip(self.blocks, self.first)]))
        self.count += 1
        self._finite_or_raise([ok])
        return SA

    def house_r(self, extra, ridge):
        """R (d x d) of the stacked per-block QR factors of [A; sqrt(ridge) I]:
        the R of A's QR up to the signs of its rows (NumPy's QR per block:
        this fallback, for rank-deficient or very ill-conditioned A, has no
        core entry point; the per-block R factors, d x d each, come to the
        client)."""
        f = self.dask.delayed(lambda a: np.linalg.qr(np.asarray(a), mode="r"), pure=True)
        parts = list(self.dask.compute(*[f(b) for b in self.blocks]))
        self.count += 1
        d = self.A.shape[1]
        if extra:
            parts.append(np.sqrt(ridge) * np.eye(d, dtype=self.A.dtype))
        return np.vstack(parts).astype(self.A.dtype)

    def scores(self, P):
        import dask.array as da

        return da.map_blocks(_block_scores, self.A, drop_axis=1, dtype=np.float64, meta=np.empty(0), P=P)


def _precondition_exact(passes, n, d, dtype, ridge, info):
    u = _u(dtype)
    G = passes.gram() + ridge * np.eye(d)
    R = _upper_chol(G.astype(dtype))
    kappa = _cond(R) if R is not None and np.all(np.isfinite(R)) else math.inf
    info["cond"] = kappa
    one_round, two_rounds = 0.1 * u ** -0.25, 0.05 / math.sqrt(u)
    if kappa <= two_rounds:
        P = _upper_inverse(R)
        info["rank"] = d
        info["path"] = "cholqr"
        if kappa <= one_round:
            return P
        info["path"] = "cholqr2"
        P2 = _apply_gram(P, passes.pgram(P), ridge)
        if P2 is not None:
            return P2
    info["path"] = "householder"
    extra = d if ridge > 0 else 0
    C = passes.house_r(extra, ridge)
    P = _pivoted_preconditioner(C, n + extra, d)
    info["rank"] = P.shape[1]
    if P.shape[1] > 0:
        P2 = _apply_gram(P, passes.pgram(P), ridge)
        if P2 is None:
            raise np.linalg.LinAlgError("leverage scores: refinement after pivoted QR failed")
        P = P2
    return P


def _precondition_sketch(passes, d, dtype, ridge, rows, seed, info):
    SA = passes.sketch(rows, _ZETA, seed)
    if ridge > 0:
        SA = np.vstack([SA, math.sqrt(ridge) * np.eye(d, dtype=dtype)]).astype(dtype)
    R = _upper_chol((SA.T @ SA).astype(dtype))
    if R is not None and np.all(np.isfinite(R)) and _cond(R) <= 0.1 * _u(dtype) ** -0.25:
        info["rank"] = d
        return _upper_inverse(R)
    P = _pivoted_preconditioner(SA, SA.shape[0], d)
    info["rank"] = P.shape[1]
    return P


def _embedding_rows(d, eps):
    root = math.sqrt(max(d, 1)) + 2.0
    return int(math.ceil(4.0 * root * root / (eps * eps)))


def _jl_columns(n, t, delta):
    return int(math.ceil(8.0 * math.log(2.0 * n / delta) / (t * t)))


# --------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------

def leverage_scores(A, *, method="exact", eps=0.1, ridge=0.0, seed=None, check_finite=True, return_info=False):
    r"""Leverage scores :math:`\tau_i = a_i^T (A^TA + \lambda I)^{+} a_i` of a row-chunked Dask array.

    The same scores as :func:`linalg.leverage_scores` (same method, options
    and seed: equal to rounding), computed in passes over the row blocks
    :math:`A_b` of A; only d x d matrices travel to the client.

    ``method="exact"``: :math:`G = \sum_b A_b^TA_b + \lambda I` (one pass,
    each block a core ``row_norms_pass``), :math:`R = \mathrm{chol}(G)` on
    the client, then the scores :math:`\|a_i^TR^{-1}\|^2` block by block.
    As on one machine, :math:`\kappa(R) > u^{-1/4}/10` adds a
    re-orthonormalising pass (CholeskyQR2) and :math:`\kappa(R) >
    u^{-1/2}/20` (or a failed Cholesky) takes the Householder route: here
    the pivoted QR of the stacked per-block R factors (TSQR: the same R, and
    the same pivots but for exact ties of column norms), then one refining
    pass. Cost: :math:`2nd^2` to :math:`4nd^2` flops on the workers in 2-3
    passes, :math:`O(d^3)` plus one d x d matrix per block on the client.

    ``method="sketch"``: :math:`SA = \sum_b S_bA_b` with the single-machine
    sparse sign embedding S (:math:`s = \lceil 4(\sqrt d + 2)^2/\epsilon^2
    \rceil` rows, 4 nonzeros per column); :math:`S_b`, the columns of S at the
    block's global row indices, is drawn on the worker from (seed, row)
    alone. R from the QR of SA on the client (plus the JL step where the
    single-machine method uses it, :math:`k = 8\ln(200n)/(\epsilon/3)^2 <
    d`), then the row norms of :math:`A_bR^{-1}`. One s x d matrix per block
    comes back. When :math:`s \ge n` the exact method runs (as on one
    machine). Cost: :math:`O(\mathrm{nnz}(A) + nd^2)` on the workers in two
    passes.

    Parameters
    ----------
    A : (n, d) dask.array.Array
        Chunked along rows; column chunks are merged (with a warning).
        float32 stays float32; integers become float64. Each pass reads A
        once: persist A first if it is expensive to compute.
    method, eps, ridge, seed, check_finite, return_info
        As for :func:`linalg.leverage_scores` (``check_finite`` is checked in
        the first pass, not in an extra one).

    Returns
    -------
    (n,) dask.array.Array in A's floating dtype, chunked as A's rows
        (and the info dict, with the same keys as the single-machine one).
        The small reductions run when this is called; the scores pass runs
        when the result is computed.

    Examples
    --------
    >>> import numpy as np, dask, dask.array as da, linalg, linalg.dask
    >>> A = np.random.default_rng(1).standard_normal((3000, 5))
    >>> X = da.from_array(A, chunks=(1000, 5))
    >>> with dask.config.set(scheduler="threads"):
    ...     fast = linalg.dask.leverage_scores(X, method="sketch", eps=0.5, seed=0).compute()
    >>> bool(np.allclose(fast, linalg.leverage_scores(A, method="sketch", eps=0.5, seed=0)))
    True
    """
    check_choice(method, "method", METHODS)
    eps = _check_real(eps, "eps", 0.0, 1.0)
    ridge = _check_real(ridge, "ridge", 0.0, low_open=False)
    A = _dask_matrix(A, "leverage_scores")
    s = as_seed(seed) if method == "sketch" else 0
    q, info = _leverage(A, method == "sketch", eps, ridge, s, check_finite)
    q = q.astype(A.dtype) if A.dtype == np.float32 else q
    return (q, info) if return_info else q


def _leverage(A, sketch, eps, ridge, seed, check_finite):
    n, d = A.shape
    dtype = A.dtype
    passes = _Passes(A, check_finite)
    info = {}
    if sketch:
        k = _jl_columns(n, eps / 3.0, _DELTA) if n > 0 else 0
        jl = 0 < k < d
        rows = _embedding_rows(d, eps / 3.0 if jl else eps)
        if rows >= n:
            P = _precondition_exact(passes, n, d, dtype, ridge, info)
            info["path"] = "exact (sketch not smaller than A): " + info["path"]
        else:
            P = _precondition_sketch(passes, d, dtype, ridge, rows, seed, info)
            info["sketch_rows"] = rows
            info["path"] = "sketch"
            if jl and k < P.shape[1]:
                tm = _core.test_matrix_f32 if dtype == np.float32 else _core.test_matrix_f64
                Pi = tm(P.shape[1], k, "gaussian", seed, stream=_LEVERAGE_JL)
                P = (P @ Pi * dtype.type(1.0 / math.sqrt(k))).astype(dtype)
                info["jl_cols"] = k
                info["path"] = "sketch+jl"
    else:
        P = _precondition_exact(passes, n, d, dtype, ridge, info)
    P = np.asarray(P, dtype=dtype)
    q = passes.scores(P)
    info["passes"] = passes.count + 1
    info = {key: info[key] for key in ("path", "rank", "passes", "sketch_rows", "jl_cols", "cond") if key in info}
    return q, info


def sample_rows(A, m, *, p=2, scores="leverage", scheme="poisson", seed=None, check_finite=True) -> RowSample:
    r"""Sample rows of a row-chunked Dask array in proportion to ``scores``: ``(idx, weights)``.

    The sample of :func:`linalg.sample_rows` (same scores, scheme and seed:
    the same rows, to ties within rounding), drawn block by block. With
    :math:`s_i` the scores and :math:`S = \sum_i s_i` (one small reduction):

    * ``scheme="poisson"``: row i is kept with probability :math:`\pi_i =
      \min(1, m s_i/S)` against the Philox uniform of its global index,
      weight :math:`\pi_i^{-1/p}`;
    * ``scheme="iid"``: m draws :math:`u_t S'` (:math:`u_t` the same
      uniforms, :math:`S'` the last prefix sum) located in the prefix sums
      of :math:`q_i = s_i/S`: each block holds its slice of the prefix sums
      (its own cumulative sum plus the block totals before it) and resolves
      the draws that fall in it; a row drawn :math:`c_i` times gets weight
      :math:`(c_i/(m q_i))^{1/p}`.

    Cost: the scores (:func:`leverage_scores`: 2-3 passes), then one pass
    computing the scores' block sums and one drawing the sample (O(n) on
    the workers, plus O(m) per block for ``"iid"``).

    Parameters
    ----------
    A : (n, d) dask.array.Array, chunked along rows
    m : int in [1, n]
    p : float > 0
    scores : {"leverage", "root_leverage", "uniform"} or (n,) array
        Precomputed nonnegative scores (NumPy or Dask) are used as they are.
        ``"lewis"`` and ``"sensitivity"`` are single-machine only.
    scheme : {"poisson", "iid"}
    seed : None, int or numpy.random.Generator

    Returns
    -------
    RowSample
        NumPy ``idx`` (sorted int64, global row indices), ``weights`` and
        ``probabilities`` (the sample is small; ``A[idx]`` gathers its rows).

    Examples
    --------
    >>> import numpy as np, dask, dask.array as da, linalg, linalg.dask
    >>> A = np.random.default_rng(0).standard_normal((4000, 5))
    >>> X = da.from_array(A, chunks=(1500, 5))
    >>> with dask.config.set(scheduler="threads"):
    ...     idx, w = linalg.dask.sample_rows(X, 400, seed=3)
    >>> ref = linalg.sample_rows(A, 400, seed=3)
    >>> bool(np.array_equal(idx, ref.idx) and np.allclose(w, ref.weights))
    True
    """
    import dask

    p = _check_p(p)
    check_choice(scheme, "scheme", SCHEMES)
    A = _dask_matrix(A, "sample_rows")
    n = A.shape[0]
    m = check_int(m, "m", 1, n)
    key = as_seed(seed)
    s = _scores_for(A, scores, n, check_finite).persist()  # read by two passes below
    first = _offsets(s.chunks[0])
    blocks = s.to_delayed().ravel()
    sums = np.array(dask.compute(*[dask.delayed(np.sum)(b) for b in blocks]), dtype=np.float64)
    if not np.all(np.isfinite(sums)):
        raise ValueError("scores must be finite and >= 0")
    total = float(sums.sum())
    if not total > 0:
        raise ValueError("scores must not all be zero")
    if scheme == "poisson":
        f = dask.delayed(_poisson_block, pure=True, nout=4)
        parts = [f(b, int(o), m, total, p, key) for b, o in zip(blocks, first)]
    else:
        # Block b's slice of the prefix sums starts at the total of q before it.
        base = np.concatenate([[0.0], np.cumsum(sums / total)])
        tail = max(i for i, size in enumerate(s.chunks[0]) if size > 0)  # the last non-empty block
        last = base[tail] + _last_cumsum(blocks[tail], total)
        u = _core.sampling_uniforms(key, 1, m) * last
        ud = dask.delayed(u)
        f = dask.delayed(_iid_block, pure=True, nout=4)
        parts = [f(b, int(o), m, total, p, ud, float(base[i]), float(base[i + 1]) if i < tail else math.inf)
                 for i, (b, o) in enumerate(zip(blocks, first))]
    out = dask.compute(*parts)
    idx = np.concatenate([o[0] for o in out]).astype(np.int64)
    weights = np.concatenate([o[1] for o in out])
    probs = np.concatenate([o[2] for o in out])
    expected = float(sum(o[3] for o in out)) if scheme == "poisson" else m
    return RowSample(idx, weights, probs, {"scheme": scheme, "p": p, "m": m, "expected_size": expected})


def _last_cumsum(block, total):
    import dask

    return float(dask.compute(dask.delayed(lambda b: np.cumsum(np.asarray(b, np.float64) / total)[-1]
                                           if len(b) else 0.0)(block))[0])


def _poisson_block(s, first, m, total, p, key):
    s = np.asarray(s, dtype=np.float64)
    pi = np.minimum(1.0, m * s / total)
    u = _core.sampling_uniforms(key, 0, len(s), first)
    local = np.flatnonzero(u < pi)
    probs = pi[local]
    return local + first, probs ** (-1.0 / p), probs, float(pi.sum())


def _iid_block(s, first, m, total, p, u, lo, hi):
    s = np.asarray(s, dtype=np.float64)
    n_b = len(s)
    if n_b == 0:
        e = np.empty(0)
        return e.astype(np.int64), e, e, 0.0
    q = s / total
    cdf = lo + np.cumsum(q)
    mine = u[(u >= lo) & (u < hi)]
    draws = np.minimum(np.searchsorted(cdf, mine, side="right"), n_b - 1)
    local, counts = np.unique(draws, return_counts=True)
    probs = q[local]
    return local + first, (counts / (m * probs)) ** (1.0 / p), probs, 0.0


def _scores_for(A, scores, n, check_finite):
    import dask.array as da

    if isinstance(scores, str):
        if scores in ("lewis", "sensitivity"):
            raise ValueError(f"scores={scores!r} is not available for Dask arrays (linalg.dask runs leverage "
                             f"scores only); compute the scores yourself and pass them as an (n,) array, or use "
                             f"scores='leverage'")
        check_choice(scores, "scores", _SCORES)
        if scores == "uniform":
            return da.ones(n, chunks=(A.chunks[0],), dtype=np.float64)
        tau = leverage_scores(A, check_finite=check_finite).astype(np.float64)
        return da.sqrt(tau) if scores == "root_leverage" else tau
    if isinstance(scores, da.Array):
        s = scores.astype(np.float64)
    else:
        s = np.asarray(scores, dtype=np.float64)
    if s.shape != (n,):
        raise ValueError(f"scores must be one of {_SCORES} or an array of shape ({n},), got shape {s.shape}")
    if isinstance(s, da.Array):
        s = s.rechunk((A.chunks[0],))
        bad = bool(da.any(~da.isfinite(s) | (s < 0)).compute())
        if bad:
            raise ValueError("scores must be finite and >= 0")
        return s
    if not bool(np.all(np.isfinite(s))) or bool(np.any(s < 0)):
        raise ValueError("scores must be finite and >= 0")
    return da.from_array(s, chunks=(A.chunks[0],))


__all__ = ["leverage_scores", "sample_rows"]
