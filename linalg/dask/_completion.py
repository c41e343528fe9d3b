"""Matrix completion from distributed observations (Dask).

The distributed form of :func:`linalg.complete`: the observed entries stay
partitioned on the workers (by blocks of rows for the row half-steps and by
blocks of columns for the column half-steps), each half-step broadcasts the
fixed factor once and every partition updates its own rows with the core
(``completion::solve_side``, the body of the single-machine half-step), so
the factors are the single-machine ones for the same seed and solver.

>>> import numpy as np, dask, dask.array as da, linalg, linalg.dask
>>> rng = np.random.default_rng(0)
>>> M = rng.standard_normal((120, 3)) @ rng.standard_normal((3, 90))
>>> r, c = np.nonzero(rng.random(M.shape) < 0.4)
>>> obs = da.from_array(np.column_stack([r, c, M[r, c]]), chunks=(1000, 3))
>>> with dask.config.set(scheduler="threads"):
...     fit = linalg.dask.complete(obs, 3, shape=M.shape, solver="cholesky", seed=0)
>>> bool(np.linalg.norm(fit.to_dense() - M) < 1e-6 * np.linalg.norm(M))
True
"""
from __future__ import annotations

import contextlib
import math
import threading
import time

import numpy as np
from threadpoolctl import ThreadpoolController

from .. import _core
from .._validate import as_seed
from ..completion import _INT_MAX, CompletionResult, _check_options, _check_shape

_COLUMNS = ("row", "col", "value")
_BLAS_LOCK = threading.Lock()
_BLAS_STATE = {"depth": 0, "limiter": None, "controller": None}


@contextlib.contextmanager
def _blas_one_thread():
    """One BLAS thread while any task of this module runs in this process
    (the core's OpenMP kernels do the work, as in linalg.complete); counted,
    so concurrent tasks of the threaded scheduler restore the user's setting
    only when the last one leaves."""
    with _BLAS_LOCK:
        if _BLAS_STATE["depth"] == 0:
            if _BLAS_STATE["controller"] is None:
                _BLAS_STATE["controller"] = ThreadpoolController()
            _BLAS_STATE["limiter"] = _BLAS_STATE["controller"].limit(limits=1, user_api="blas")
        _BLAS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["depth"] -= 1
            if _BLAS_STATE["depth"] == 0:
                _BLAS_STATE["limiter"].restore_original_limits()
                _BLAS_STATE["limiter"] = None


# --------------------------------------------------------------------------
# input: partitions of (rows, cols, values)
# --------------------------------------------------------------------------

def _partitions(observed):
    """Delayed (rows, cols, values) NumPy triples, one per input partition."""
    import dask
    import dask.array as da

    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dataframe extra missing
        dd = None
    if dd is not None and isinstance(observed, dd.DataFrame):
        missing = [c for c in _COLUMNS if c not in observed.columns]
        if missing:
            raise ValueError(f"observed: a Dask DataFrame needs the columns {_COLUMNS}; missing {missing}")
        parts = observed[list(_COLUMNS)].to_delayed()
        f = dask.delayed(lambda df: (df["row"].to_numpy(), df["col"].to_numpy(), df["value"].to_numpy()), pure=True)
        return [f(p) for p in parts]
    if isinstance(observed, da.Array):
        if observed.ndim != 2 or observed.shape[1] != 3:
            raise ValueError(f"observed: a Dask array must have shape (nnz, 3) (columns row, col, value), "
                             f"got {observed.shape}")
        if observed.numblocks[1] > 1:
            observed = observed.rechunk({1: 3})
        f = dask.delayed(lambda a: (a[:, 0], a[:, 1], a[:, 2]), pure=True)
        return [f(p) for p in observed.to_delayed().ravel()]
    if isinstance(observed, (tuple, list)) and len(observed) == 3 and all(isinstance(x, da.Array) for x in observed):
        r, c, v = observed
        if not (r.ndim == c.ndim == v.ndim == 1):
            raise ValueError("observed: rows, cols and values must be 1-D Dask arrays")
        if not (r.shape == c.shape == v.shape):
            raise ValueError(f"observed: rows, cols and values must have the same length, got "
                             f"{r.shape}, {c.shape}, {v.shape}")
        r, c = r.rechunk(v.chunks), c.rechunk(v.chunks)
        f = dask.delayed(lambda a, b, x: (a, b, x), pure=True)
        return [f(a, b, x) for a, b, x in zip(r.to_delayed(), c.to_delayed(), v.to_delayed())]
    raise TypeError(f"observed must be a Dask DataFrame with columns {_COLUMNS}, a Dask array of shape (nnz, 3) "
                    f"or three Dask arrays (rows, cols, values); got {type(observed).__name__}. For in-memory data "
                    f"use linalg.complete")


def _scan(part):
    """Checks and small statistics of one input partition."""
    r, c, v = (np.asarray(x) for x in part)
    out = {"len": len(v), "bad_index": None, "nan": False, "max_r": -1, "max_c": -1, "min": 0,
           "sumsq": 0.0, "dtype": v.dtype}
    for name, x in (("row", r), ("col", c)):
        if len(x) and not np.issubdtype(x.dtype, np.integer):
            if not (np.issubdtype(x.dtype, np.floating) and np.all(np.isfinite(x)) and np.all(x == np.round(x))):
                out["bad_index"] = f"{name} indices must be integers"
    if np.issubdtype(v.dtype, np.complexfloating) or not (np.issubdtype(v.dtype, np.number) or v.dtype == np.bool_):
        out["bad_index"] = f"values must be real numbers, got dtype {v.dtype}"
    if out["bad_index"] is None and len(v):
        out["max_r"], out["max_c"] = int(r.max()), int(c.max())
        out["min"] = int(min(r.min(), c.min()))
        vf = v.astype(np.float64)
        out["nan"] = not bool(np.all(np.isfinite(vf)))
        out["sumsq"] = float(np.sum(np.square(vf)))
    return out


def _split(part, bounds, by):
    """The entries of one input partition, split by blocks of rows (by=0) or
    columns (by=1): a list of (own, other, values) per block."""
    r, c, v = (np.asarray(x) for x in part)
    own, other = (r, c) if by == 0 else (c, r)
    own = own.astype(np.int64)
    other = other.astype(np.int64)
    block = np.searchsorted(bounds, own, side="right") - 1
    order = np.argsort(block, kind="stable")
    cuts = np.searchsorted(block[order], np.arange(len(bounds)))
    return [(own[order[a:b]], other[order[a:b]], v[order[a:b]]) for a, b in zip(cuts[:-1], cuts[1:])]


def _layout(lo, hi, dtype, what, *pieces):
    """CSR of one block (rows lo..hi-1 of the side): entries sorted by
    (row, other index) as the core's Observations; duplicates rejected."""
    own = np.concatenate([p[0] for p in pieces]) if pieces else np.empty(0, np.int64)
    other = np.concatenate([p[1] for p in pieces]) if pieces else np.empty(0, np.int64)
    val = np.concatenate([np.asarray(p[2]) for p in pieces]).astype(dtype) if pieces else np.empty(0, dtype)
    order = np.lexsort((other, own))
    own, other, val = own[order], other[order], val[order]
    dup = np.flatnonzero((own[1:] == own[:-1]) & (other[1:] == other[:-1]))
    if len(dup):
        i, j = (own[dup[0]], other[dup[0]]) if what == "rows" else (other[dup[0]], own[dup[0]])
        raise ValueError(f"observed: duplicate entry ({i}, {j}); sum duplicates first")
    ptr = np.zeros(hi - lo + 1, np.int64)
    np.cumsum(np.bincount(own - lo, minlength=hi - lo), out=ptr[1:])
    return ptr.astype(np.int32), other.astype(np.int32), np.ascontiguousarray(val)


# --------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------

def _initialize(m, n, lo_rows, dtype, options, *layouts):
    """The single-machine initialisation (linalg.complete's, the same core
    call) from the row layouts: all observed entries on one worker, once."""
    rows = np.concatenate([np.repeat(np.arange(lo, lo + len(L[0]) - 1, dtype=np.int64), np.diff(L[0]))
                           for lo, L in zip(lo_rows, layouts)])
    cols = np.concatenate([L[1] for L in layouts]).astype(np.int64)
    vals = np.concatenate([L[2] for L in layouts])
    cls = _core.CompletionState32 if dtype == np.float32 else _core.CompletionState64
    rank, biases, reg, solver, steps, clip, seed, power, relaxation = options
    with _blas_one_thread():
        st = cls(rows, cols, vals, None, m, n, rank, biases, reg, solver, steps, clip, seed, 0, power, relaxation)
        st.initialize()
        U, V, bu, bv, mu = st.factors()
    if biases:
        U = np.hstack([U, bu])
        V = np.hstack([V, bv])
    return np.ascontiguousarray(U), np.ascontiguousarray(V), float(mu), st.init_info()


def _rows(F, lo, hi):
    return np.ascontiguousarray(F[lo:hi])


def _stack(*blocks):
    return np.ascontiguousarray(np.concatenate(blocks, axis=0))


def _half_step(own, other, layout, k, biases, mean, reg, solver, steps, seed, h, relaxation):
    """One partition's rows of the half-step (the core's solve_side)."""
    ptr, idx, val = layout
    with _blas_one_thread():
        new, loss, weight = _core.completion_half_step(own, other, ptr, idx, val, None, k, biases, mean, reg,
                                                       solver, steps, seed, h, relaxation)
    return new, loss, weight, float(np.sum(np.square(new, dtype=np.float64)))


# --------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------

def complete(observed, rank, *, shape=None, reg=0.0, solver="sketch", max_iter=50, tol=1e-5, biases=False,
             seed=None, inner_steps=None, clip=3.0, init_power_iters=4, relaxation=1.3,
             blocks=None) -> CompletionResult:
    r"""Complete a matrix from distributed observations: :func:`linalg.complete` on Dask data.

    Fits the model of :func:`linalg.complete`,

    .. math::
        \min_{U, V, b, c}\; \sum_{(i,j)\in\Omega}
        (M_{ij} - \mu - b_i - c_j - u_i^T v_j)^2
        + \mathrm{reg}\,(\|U\|_F^2 + \|V\|_F^2 + \|b\|^2 + \|c\|^2),

    with the same initialisation and alternating half-steps, and returns the
    same :class:`linalg.CompletionResult` (for the same seed and ``solver``,
    the same factors to rounding). Layout:

    * the observations are shuffled once into ``blocks`` blocks of rows
      (CSR, for the row half-steps) and of columns (for the column
      half-steps), kept on the workers;
    * each half-step builds the fixed factor once from its blocks (one
      task: the broadcast) and every block solves its own rows against it
      with the core (``completion::solve_side``: design, the shared sketch
      and whitening of ``solver="sketch"`` from the broadcast factor and the
      seed alone, then the threaded per-row solves), so a block's rows get
      exactly the single-machine update; the losses are summed over blocks.
    * the initialisation (Jain, Netrapalli & Sanghavi 2013: biases and the
      top-k SVD of :math:`\frac1p P_\Omega(M - \mu - b - c)` by the core's
      subspace iteration) is the single-machine one, computed by one task
      that gathers the observed entries on one worker, once. **This is the
      exact difference from a fully distributed method:** that worker holds
      O(|Ω|) memory during the initialisation.

    Cost per iteration: the single-machine work (``sketch``/``cg`` about
    ``2 (inner_steps + 2) |Ω| k``, ``cholesky`` about ``|Ω| k^2 + (m + n) k^3/3``)
    spread over the blocks, plus per half-step one gather of the fixed
    factor (m or n rows of k) and its transfer to each worker; with
    ``solver="sketch"`` each block also re-forms the sketch of the fixed
    factor (``O(n k)`` per block). The training loss comes to the client each
    iteration for the stopping test (as ``tol`` in :func:`linalg.complete`).

    Parameters
    ----------
    observed : Dask DataFrame, Dask array or (rows, cols, values) of Dask arrays
        A DataFrame with columns ``row``, ``col``, ``value``; or an (nnz, 3)
        array with those columns (indices as integer-valued numbers); or
        three 1-D Dask arrays. float32 values are fitted in float32,
        anything else in float64. Duplicates are rejected.
    rank, shape, reg, solver, max_iter, tol, biases, seed, inner_steps, clip, init_power_iters, relaxation
        As for :func:`linalg.complete`. ``shape`` defaults to the largest
        indices + 1 (one pass).
    blocks : int, optional
        Blocks of rows (and of columns); default the number of input
        partitions (at most the side's length).

    Not supported here (single-machine only): ``weights``,
    ``split_samples``, ``validation``/``patience``, ``callback``, ``progress``.

    Returns
    -------
    CompletionResult
        NumPy factors (the output is O((m + n) k)), history and info as
        :func:`linalg.complete` (``info["blocks"]`` added).

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask, dask.dataframe as dd, linalg, linalg.dask
    >>> rng = np.random.default_rng(1)
    >>> M = rng.standard_normal((80, 2)) @ rng.standard_normal((2, 60))
    >>> r, c = np.nonzero(rng.random(M.shape) < 0.5)
    >>> df = dd.from_pandas(pd.DataFrame({"row": r, "col": c, "value": M[r, c]}), npartitions=3)
    >>> with dask.config.set(scheduler="threads"):
    ...     fit = linalg.dask.complete(df, 2, shape=M.shape, seed=0, max_iter=5)
    >>> ref = linalg.complete((r, c, M[r, c]), 2, shape=M.shape, seed=0, max_iter=5)
    >>> bool(np.allclose(fit.U, ref.U) and np.allclose(fit.V, ref.V))
    True
    """
    import dask

    parts = _partitions(observed)
    if not parts:
        raise ValueError("observed is empty: no observed entries")
    scans = dask.compute(*[dask.delayed(_scan, pure=True)(p) for p in parts])
    for s in scans:
        if s["bad_index"]:
            raise TypeError(f"observed: {s['bad_index']}")
    total = sum(s["len"] for s in scans)
    if total == 0:
        raise ValueError("observed is empty: no observed entries")
    if total > _INT_MAX:
        raise ValueError("observed: at most 2**31 - 1 entries are supported")
    if any(s["nan"] for s in scans):
        raise ValueError("observed contains NaN or Inf values")
    max_r = max(s["max_r"] for s in scans)
    max_c = max(s["max_c"] for s in scans)
    if min(s["min"] for s in scans) < 0:
        raise ValueError("observed: negative row or column index")
    if shape is None:
        shape = (max_r + 1, max_c + 1)
    m, n = _check_shape(shape)
    if max_r >= m or max_c >= n:
        raise ValueError(f"observed: index out of range for shape {(m, n)} (largest row {max_r}, col {max_c})")
    rank, reg, max_iter, tol, _, inner_steps, clip, init_power_iters, relaxation = _check_options(
        m, n, rank, reg, solver, max_iter, tol, 1, inner_steps, clip, init_power_iters, relaxation)
    dtypes = {np.dtype(s["dtype"]) for s in scans if s["len"]}
    dtype = np.float32 if dtypes == {np.dtype(np.float32)} else np.float64
    key = as_seed(seed)
    if blocks is None:
        blocks = len(parts)
    blocks = max(1, min(int(blocks), m, n))
    rb = np.linspace(0, m, blocks + 1).astype(np.int64)
    cb = np.linspace(0, n, blocks + 1).astype(np.int64)
    kw = rank + (1 if biases else 0)

    # The shuffle: each input partition split by row blocks and by column
    # blocks, then one CSR per block (persisted on the workers).
    split_r = [dask.delayed(_split, pure=True, nout=blocks)(p, rb, 0) for p in parts]
    split_c = [dask.delayed(_split, pure=True, nout=blocks)(p, cb, 1) for p in parts]
    lay = dask.delayed(_layout, pure=True)
    row_lay = [lay(int(rb[b]), int(rb[b + 1]), dtype, "rows", *[s[b] for s in split_r]) for b in range(blocks)]
    col_lay = [lay(int(cb[b]), int(cb[b + 1]), dtype, "cols", *[s[b] for s in split_c]) for b in range(blocks)]
    row_lay = list(dask.persist(*row_lay))
    col_lay = list(dask.persist(*col_lay))

    t_start = time.perf_counter()
    options = (rank, bool(biases), reg, solver, inner_steps, clip, key, init_power_iters, relaxation)
    init, = dask.persist(dask.delayed(_initialize, pure=True)(m, n, [int(x) for x in rb[:-1]], dtype, options,
                                                             *row_lay))  # once, on one worker
    take = dask.delayed(_rows, pure=True)
    X = [take(init[0], int(rb[b]), int(rb[b + 1])) for b in range(blocks)]
    Y = [take(init[1], int(cb[b]), int(cb[b + 1])) for b in range(blocks)]
    X = list(dask.persist(*X))
    Y = list(dask.persist(*Y))
    mean, init_info = dask.compute(init[2], init[3])
    init_time = time.perf_counter() - t_start

    rms = math.sqrt(sum(s["sumsq"] for s in scans) / total)
    eps = float(np.finfo(dtype).eps)
    step = dask.delayed(_half_step, pure=True)
    stack = dask.delayed(_stack, pure=True)
    history = {"train_rmse": [], "val_rmse": [], "objective": [], "time": []}
    prev, stop = None, "max_iter"
    for it in range(max_iter):
        t0 = time.perf_counter()
        res = {}
        for side, h in (("cols", 2 * it), ("rows", 2 * it + 1)):
            own, other, layouts = (Y, X, col_lay) if side == "cols" else (X, Y, row_lay)
            fixed = stack(*other)  # the broadcast: one task, fetched once per worker
            res[side] = dask.persist(*[step(own[b], fixed, layouts[b], rank, bool(biases), mean, reg, solver,
                                            inner_steps, key, h, relaxation) for b in range(blocks)])
            new = [r[0] for r in res[side]]
            if side == "cols":
                Y = new
            else:
                X = new
        # One round trip per iteration: the row half-step's loss (what
        # linalg.complete records) and the factors' squared norms.
        rows_, cols_ = dask.compute([(r[1], r[2], r[3]) for r in res["rows"]], [r[3] for r in res["cols"]])
        loss = sum(o[0] for o in rows_)
        wsum = sum(o[1] for o in rows_)
        norms = sum(o[2] for o in rows_) + sum(cols_)
        obj = loss + reg * norms
        dt = time.perf_counter() - t0
        train = math.sqrt(loss / wsum) if wsum > 0 else 0.0
        for key_, v in (("train_rmse", train), ("val_rmse", None), ("objective", obj), ("time", dt)):
            history[key_].append(v)
        if train <= 10 * eps * rms:
            stop = "converged"
            break
        if prev is not None and abs(prev - train) <= tol * max(prev, 1e-300):
            stop = "tol"
            break
        prev = train
    Xf, Yf = dask.compute(stack(*X), stack(*Y))
    U, V = np.ascontiguousarray(Xf[:, :rank]), np.ascontiguousarray(Yf[:, :rank])
    bu = Xf[:, rank].copy() if biases else None
    bv = Yf[:, rank].copy() if biases else None
    info = {"solver": solver, "iterations": len(history["time"]), "stop": stop,
            "best_iteration": len(history["time"]) - 1, "init_time": init_time, "reg": reg, "rank": rank,
            "inner_steps": inner_steps, "split_samples": False, "relaxation": relaxation, "init": init_info,
            "validation_time": 0.0,
            "blocks": blocks}
    return CompletionResult(U, V, bu, bv, float(mean), history, info)


__all__ = ["complete"]
