"""Low-rank matrix completion by alternating minimisation.

:func:`complete` fits ``M ~ mu + b 1^T + 1 c^T + U V^T`` to the observed
entries of a partially known matrix; :class:`CompletionResult` predicts,
folds in new rows or columns and keeps the fit's history.

>>> import numpy as np, linalg
>>> rng = np.random.default_rng(0)
>>> M = rng.standard_normal((300, 3)) @ rng.standard_normal((3, 200))
>>> mask = rng.random(M.shape) < 0.3
>>> rows, cols = np.nonzero(mask)
>>> fit = linalg.complete((rows, cols, M[rows, cols]), 3, shape=M.shape, seed=0)
>>> bool(np.linalg.norm(fit.to_dense() - M) < 1e-6 * np.linalg.norm(M))
True

CuPy inputs (a triple of CuPy arrays or a ``cupyx.scipy.sparse`` matrix)
run the same algorithm on the GPU and return CuPy factors; see
:func:`complete`.
"""
from __future__ import annotations

import math
import numbers
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from . import _core
from ._blas import one_blas_thread
from ._validate import as_seed, check_choice, check_int
from ._results import Unpacks

SOLVERS = ("sketch", "cg", "cholesky")
#: ``to_dense`` refuses outputs with more entries than this unless ``force=True``.
DENSE_LIMIT = 10**8
_INT_MAX = 2**31 - 1


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------

def _as_index(a, name, xp=np):
    """1-D int64 contiguous indices; ``xp`` is numpy, or cupy for device input."""
    a = xp.asarray(a)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, got dtype {a.dtype}")
    a = xp.ascontiguousarray(a.astype(np.int64, copy=False))
    if a.size and int(a.min()) < 0:
        raise ValueError(f"{name} has a negative index ({int(a.min())})")
    return a


def _as_values(a, name, dtype=None, xp=np):
    """1-D finite float values (float32 stays float32); ``xp`` as _as_index."""
    a = xp.asarray(a)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if np.issubdtype(a.dtype, np.complexfloating):
        raise TypeError(f"{name}: complex values are not supported (dtype {a.dtype})")
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise TypeError(f"{name} must be real numbers, got dtype {a.dtype}")
    if dtype is None:
        dtype = np.float32 if a.dtype in (np.float32, np.float16) else np.float64
    a = xp.ascontiguousarray(a.astype(dtype, copy=False))
    if a.size and not bool(xp.isfinite(a).all()):
        raise ValueError(f"{name} contains NaN or Inf")
    return a


def _triple(obj, name, shape=None, dtype=None, xp=np):
    """``(rows, cols, values, shape)`` from a sparse matrix or a triple, as
    checked vectors of ``xp`` (int64, int64, float32/float64): NumPy and
    ``scipy.sparse``, or CuPy and ``cupyx.scipy.sparse``."""
    kind = "scipy.sparse" if xp is np else "cupyx.scipy.sparse"
    if not isinstance(obj, (tuple, list)):
        if xp is np:
            issparse = sp.issparse
        else:
            import cupyx.scipy.sparse as csp

            issparse = csp.issparse
        if not issparse(obj):
            raise TypeError(f"{name} must be a {kind} matrix or a (rows, cols, values) triple")
        if obj.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {obj.shape}")
        if shape is not None and tuple(shape) != tuple(obj.shape):
            raise ValueError(f"shape {tuple(shape)} differs from {name}.shape {obj.shape}")
        coo = obj.tocoo()
        return (_as_index(coo.row, f"{name} rows", xp), _as_index(coo.col, f"{name} cols", xp),
                _as_values(coo.data, f"{name} values", dtype, xp), tuple(int(s) for s in obj.shape))
    if len(obj) != 3:
        raise TypeError(f"{name} must be a {kind} matrix or a (rows, cols, values) triple")
    r = _as_index(obj[0], f"{name} rows", xp)
    c = _as_index(obj[1], f"{name} cols", xp)
    v = _as_values(obj[2], f"{name} values", dtype, xp)
    if not (len(r) == len(c) == len(v)):
        raise ValueError(f"{name}: rows, cols and values must have the same length, "
                         f"got {len(r)}, {len(c)} and {len(v)}")
    if shape is None:
        if len(r) == 0:
            raise ValueError(f"{name} is empty: no observed entries")
        shape = (int(r.max()) + 1, int(c.max()) + 1)
    return r, c, v, shape


def _check_shape(shape):
    if len(shape) != 2 or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in shape):
        raise TypeError(f"shape must be a pair of integers, got {shape!r}")
    m, n = int(shape[0]), int(shape[1])
    if m < 1 or n < 1:
        raise ValueError(f"shape must be positive, got {(m, n)}")
    if m > _INT_MAX or n > _INT_MAX:
        raise ValueError(f"shape: each side must be below 2**31, got {(m, n)}")
    return m, n


def _check_in_range(r, c, m, n, name):
    if len(r) and (r.max() >= m or c.max() >= n):
        bad = int(np.flatnonzero((r >= m) | (c >= n))[0])
        raise ValueError(f"{name}: entry {bad} has index ({int(r[bad])}, {int(c[bad])}) "
                         f"outside the shape ({m}, {n})")


def _check_float(value, name, low=0.0):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value >= low):
        raise ValueError(f"{name} must be finite and >= {low}, got {value}")
    return value


def _is_device(x) -> bool:
    from . import _device

    return _device.is_device(x)


def _observed_on_device(observed, name="observed") -> bool:
    """True for a cupyx.scipy.sparse matrix or a triple of CuPy arrays;
    TypeError for a triple mixing host and device arrays."""
    if sp.issparse(observed):
        return False
    if _is_device(observed):
        return True
    if isinstance(observed, (tuple, list)) and len(observed) == 3:
        flags = [_is_device(x) for x in observed]
        if any(flags) and not all(flags):
            raise TypeError(f"{name}: rows, cols and values mix CuPy (GPU) and host arrays; "
                            "linalg does not move data between host and device: convert them first")
        return all(flags)
    return False


def _dev_index(a, name):
    import cupy as cp

    return _as_index(a, name, cp)


def _dev_values(a, name, dtype=None):
    import cupy as cp

    return _as_values(a, name, dtype, cp)


def _device_triple(obj, name, shape=None, dtype=None):
    """:func:`_triple` for CuPy input."""
    import cupy as cp

    return _triple(obj, name, shape, dtype, cp)


def _dev_check_in_range(r, c, m, n, name):
    import cupy as cp

    if len(r) and (int(r.max()) >= m or int(c.max()) >= n):
        bad = int(cp.flatnonzero((r >= m) | (c >= n))[0])
        raise ValueError(f"{name}: entry {bad} has index ({int(r[bad])}, {int(c[bad])}) "
                         f"outside the shape ({m}, {n})")


def _device_sorted(r, c, v, w, m, n):
    """Host copies of the observed entries sorted by (row, col) and by
    (col, row), sorted on the device (CuPy radix sorts and gathers);
    duplicates are refused here. The state fills its row and column layouts
    from these with O(nnz) copies on the host
    (completion/observations.hpp: build_observations_sorted) and copies them
    to the device once."""
    import cupy as cp

    key = r * n + c
    o1 = cp.argsort(key)
    ks = key[o1]
    dup = cp.flatnonzero(ks[1:] == ks[:-1])
    if dup.size:
        kd = int(ks[int(dup[0])])
        raise ValueError(f"observed: duplicate (row, col) pair ({kd // n}, {kd % n}); sum or drop duplicates first")
    rs = (ks // n).astype(cp.int32)
    cs = (ks % n).astype(cp.int32)
    vs = v[o1]
    ws = None if w is None else w[o1]
    o2 = cp.argsort(cs.astype(cp.int64) * m + rs)
    by_row = (rs, cs, vs, ws)
    by_col = (rs[o2], cs[o2], vs[o2], None if ws is None else ws[o2])
    return tuple(None if x is None else cp.asnumpy(x) for x in by_row + by_col)


# --------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class CompletionResult(Unpacks):
    """A fitted completion ``M[i, j] ~ mean + row_bias[i] + col_bias[j] + U[i] . V[j]``.

    Unpacks like a tuple: ``U, V = linalg.complete(...)``. ``row_bias`` and
    ``col_bias`` are None (and ``mean`` 0) without ``biases=True``. A row or
    column with no observed entry has a zero factor and a zero bias, so its
    predictions are ``mean + col_bias[j]`` (or ``mean + row_bias[i]``): 0
    without biases.

    ``history`` holds one entry per iteration: ``train_rmse`` (weighted RMSE
    over the observed entries the last half-step used), ``val_rmse`` (on
    ``validation``, or None), ``objective`` (the regularised loss) and
    ``time`` (seconds). ``info`` says how the fit went: solver, iterations,
    ``stop`` reason, ``best_iteration``, ``init_time``, ``reg``.
    """

    U: Any
    V: Any
    row_bias: Any = None
    col_bias: Any = None
    mean: float = 0.0
    history: dict = field(default_factory=dict, repr=False, compare=False)
    info: dict = field(default_factory=dict, repr=False, compare=False)

    _unpack = ("U", "V")

    @property
    def shape(self) -> tuple[int, int]:
        return (self.U.shape[0], self.V.shape[0])

    def predict(self, rows, cols):
        """Predicted entries ``M[rows[t], cols[t]]`` (threaded, O(len * k)).

        >>> import numpy as np, linalg
        >>> rng = np.random.default_rng(1)
        >>> M = rng.standard_normal((60, 2)) @ rng.standard_normal((2, 50))
        >>> r, c = np.nonzero(rng.random(M.shape) < 0.5)
        >>> fit = linalg.complete((r, c, M[r, c]), 2, shape=M.shape, seed=0)
        >>> bool(np.allclose(fit.predict([0, 5], [1, 7]), M[[0, 5], [1, 7]]))
        True
        """
        m, n = self.shape
        if _is_device(self.U):
            return self._predict_device(rows, cols)
        from . import _device

        _device.check_same_kind(False, rows, "rows")
        _device.check_same_kind(False, cols, "cols")
        r = _as_index(rows, "rows")
        c = _as_index(cols, "cols")
        if len(r) != len(c):
            raise ValueError(f"rows and cols must have the same length, got {len(r)} and {len(c)}")
        _check_in_range(r, c, m, n, "predict")
        return _core.completion_predict(self.U, self.V, self.row_bias, self.col_bias, float(self.mean), r, c)

    def _predict_device(self, rows, cols):
        import cupy as cp

        from . import _device

        m, n = self.shape
        _device.check_same_kind(True, rows, "rows")
        _device.check_same_kind(True, cols, "cols")
        r = _dev_index(rows, "rows")
        c = _dev_index(cols, "cols")
        if len(r) != len(c):
            raise ValueError(f"rows and cols must have the same length, got {len(r)} and {len(c)}")
        if len(r) == 0:
            return cp.empty(0, dtype=self.U.dtype)
        _dev_check_in_range(r, c, m, n, "predict")
        stream, dev = _device.stream_and_device(self.U)
        return _core.cuda_completion_predict(cp.ascontiguousarray(self.U), cp.ascontiguousarray(self.V),
                                             self.row_bias, self.col_bias, float(self.mean), r, c, stream, dev)

    def to_dense(self, force: bool = False):
        """The full completed matrix (m x n). Refuses more than ``DENSE_LIMIT``
        (1e8) entries unless ``force=True``."""
        m, n = self.shape
        if m * n > DENSE_LIMIT and not force:
            raise ValueError(f"to_dense: {m} x {n} = {m * n} entries exceeds DENSE_LIMIT = {DENSE_LIMIT}; "
                             "use predict(), or pass force=True")
        out = self.U @ self.V.T
        if self.mean:
            out += self.mean
        if self.row_bias is not None:
            out += self.row_bias[:, None]
        if self.col_bias is not None:
            out += self.col_bias[None, :]
        return out

    def _fold(self, F, fb, own_bias, idx, values, weights, reg, name):
        if _is_device(F):
            return self._fold_device(F, fb, own_bias, idx, values, weights, reg, name)
        from . import _device

        for x, nm in ((idx, "indices"), (values, "values"), (weights, "weights")):
            _device.check_same_kind(False, x, f"{name} {nm}")
        idx = _as_index(idx, f"{name} indices")
        vals = _as_values(values, f"{name} values", F.dtype)
        if len(idx) != len(vals):
            raise ValueError(f"{name}: indices and values must have the same length, got {len(idx)} and {len(vals)}")
        if len(idx) and idx.max() >= F.shape[0]:
            raise ValueError(f"{name}: index {int(idx.max())} is out of range for {F.shape[0]} entries")
        if len(np.unique(idx)) != len(idx):
            raise ValueError(f"{name}: duplicate indices")
        w = np.ones(len(idx)) if weights is None else _as_values(weights, f"{name} weights").astype(np.float64)
        if len(w) != len(idx):
            raise ValueError(f"{name}: weights must have one entry per value")
        reg = self.info.get("reg", 0.0) if reg is None else _check_float(reg, "reg")
        k = F.shape[1]
        A = F[idx].astype(np.float64)
        b = vals.astype(np.float64) - float(self.mean)
        if fb is not None:
            A = np.hstack([A, np.ones((len(idx), 1))])
            b = b - fb[idx]
        kw = A.shape[1]
        if len(idx) == 0:
            x = np.zeros(kw)
        else:
            G = A.T @ (A * w[:, None]) + reg * np.eye(kw)
            x = np.linalg.lstsq(G, A.T @ (w * b), rcond=None)[0] if reg == 0 else np.linalg.solve(G, A.T @ (w * b))
        f = x[:k].astype(F.dtype)
        return (f, F.dtype.type(x[k])) if own_bias else f

    def _fold_device(self, F, fb, own_bias, idx, values, weights, reg, name):
        # The same small solve with CuPy; the index and value vectors are
        # validated on host copies (they are short).
        import cupy as cp

        from . import _device

        for x, nm in ((idx, "indices"), (values, "values"), (weights, "weights")):
            _device.check_same_kind(True, x, f"{name} {nm}")
        idx_h = _as_index(cp.asnumpy(cp.asarray(idx)), f"{name} indices")
        vals_h = _as_values(cp.asnumpy(cp.asarray(values)), f"{name} values", F.dtype)
        if len(idx_h) != len(vals_h):
            raise ValueError(f"{name}: indices and values must have the same length, got {len(idx_h)} and {len(vals_h)}")
        if len(idx_h) and idx_h.max() >= F.shape[0]:
            raise ValueError(f"{name}: index {int(idx_h.max())} is out of range for {F.shape[0]} entries")
        if len(np.unique(idx_h)) != len(idx_h):
            raise ValueError(f"{name}: duplicate indices")
        if weights is None:
            w = cp.ones(len(idx_h))
        else:
            w_h = _as_values(cp.asnumpy(cp.asarray(weights)), f"{name} weights").astype(np.float64)
            if len(w_h) != len(idx_h):
                raise ValueError(f"{name}: weights must have one entry per value")
            w = cp.asarray(w_h)
        reg = self.info.get("reg", 0.0) if reg is None else _check_float(reg, "reg")
        k = F.shape[1]
        ix = cp.asarray(idx_h)
        A = F[ix].astype(cp.float64)
        b = cp.asarray(vals_h, dtype=cp.float64) - float(self.mean)
        if fb is not None:
            A = cp.hstack([A, cp.ones((len(idx_h), 1))])
            b = b - fb[ix]
        kw = A.shape[1]
        if len(idx_h) == 0:
            x = cp.zeros(kw)
        else:
            G = A.T @ (A * w[:, None]) + reg * cp.eye(kw)
            rhs = A.T @ (w * b)
            x = cp.linalg.lstsq(G, rhs, rcond=None)[0] if reg == 0 else cp.linalg.solve(G, rhs)
        f = x[:k].astype(F.dtype)
        return (f, F.dtype.type(float(x[k]))) if own_bias else f

    def fold_in(self, cols, values, weights=None, reg=None):
        """Factor of a new row observed at ``cols``: one exact row half-step.

        Solves :math:`\\min_u \\sum_t w_t (v_t - \\mu - c_{j_t} - b - u \\cdot V_{j_t})^2
        + \\mathrm{reg}(\\|u\\|^2 + b^2)` with V and the column biases fixed (``b``
        only with biases). Returns ``u`` (k,), or ``(u, b)`` with biases.
        Cost O(len * k^2 + k^3).

        >>> import numpy as np, linalg
        >>> rng = np.random.default_rng(2)
        >>> M = rng.standard_normal((80, 2)) @ rng.standard_normal((2, 40))
        >>> r, c = np.nonzero(rng.random(M.shape) < 0.5)
        >>> fit = linalg.complete((r, c, M[r, c]), 2, shape=M.shape, seed=0)
        >>> u = fit.fold_in([0, 3, 9], M[5, [0, 3, 9]])
        >>> bool(np.allclose(u, fit.U[5], atol=1e-6))
        True
        """
        return self._fold(self.V, self.col_bias, self.row_bias is not None, cols, values, weights, reg,
                          "fold_in")

    def fold_in_column(self, rows, values, weights=None, reg=None):
        """Factor of a new column observed at ``rows`` (the counterpart of
        :meth:`fold_in`, with U and the row biases fixed)."""
        return self._fold(self.U, self.row_bias, self.col_bias is not None, rows, values, weights, reg,
                          "fold_in_column")


# --------------------------------------------------------------------------
# the solver
# --------------------------------------------------------------------------

def _progress_line(it, max_iter, train, val):
    v = f"  val RMSE {val:.4g}" if val is not None else ""
    print(f"\rlinalg.complete: iteration {it}/{max_iter}  train RMSE {train:.4g}{v}   ",
          end="", file=sys.stderr, flush=True)


def complete(observed, rank, *, shape=None, reg=0.0, solver="sketch", max_iter=50, tol=1e-5, biases=False,
             weights=None, split_samples=False, validation=None, patience=3, seed=None,
             callback: Callable | None = None, progress=False, inner_steps=None, clip=3.0,
             init_power_iters=4, relaxation=1.3) -> CompletionResult:
    r"""Complete a partially observed matrix with a rank-k model, by alternating minimisation.

    Fits, over the observed set :math:`\Omega`,

    .. math::
        \min_{U, V, b, c}\; \sum_{(i,j)\in\Omega} w_{ij}
        (M_{ij} - \mu - b_i - c_j - u_i^T v_j)^2
        + \mathrm{reg}\,(\|U\|_F^2 + \|V\|_F^2 + \|b\|^2 + \|c\|^2)

    (:math:`\mu, b, c` only with ``biases=True``; :math:`\mu` is then the mean
    observed value). Initialisation (Jain, Netrapalli & Sanghavi 2013): the
    top-k SVD of :math:`\frac1p P_\Omega(M - \mu - b - c)`, p = |Ω|/(mn), by
    :func:`linalg.rsvd`; rows of the left factor longer than
    ``clip * sqrt(k/m)`` (the incoherence threshold) are scaled down to it and
    the factor is re-orthonormalised. Each iteration then solves for V given
    U (one regularised least-squares problem per column over its observed
    entries) and for U given V (one per row), with

    * ``solver="sketch"`` (default): sketch-and-precondition (Gu, Song, Yin &
      Zhang, ICLR 2024). The fixed factor's design is sketched by a sparse
      sign embedding (40 rows per unknown, 8 nonzeros per column); the
      eigendecomposition of the sketch's Gram whitens it, which
      preconditions every row at once (each
      row's design is a uniform sample of the fixed factor's rows); each row
      then takes ``inner_steps`` warm-started CG steps on its whitened problem.
      O(|Ω| k) per iteration, no k x k matrix per row. The paper sketches
      each row's design separately (O(k^3) per row); see the C++ header
      ``completion/altmin.hpp`` for why one shared sketch is used here.
    * ``solver="cg"``: ``inner_steps`` warm-started conjugate-gradient steps
      on each row's normal equations (Takács, Pilászy & Tikk 2011; what the
      ``implicit`` library does). O(|Ω| k) per iteration.
    * ``solver="cholesky"``: the exact normal equations (classical ALS),
      O(|Ω| k^2 + (m + n) k^3) per iteration; the objective never increases.

    From the second iteration on, the column half-step is over-relaxed
    (successive over-relaxation of the alternating sweep): with
    ω = ``relaxation``, :math:`V \leftarrow V_{old} + ω\,(V_{new} - V_{old})`.
    For a fixed U the objective is a convex quadratic in V, so any ω in
    (0, 2) still lowers it; ω = 1.3 reached a given held-out error in a sixth
    to a third fewer iterations on the benchmark problems. The row half-step
    stays exact: U is the least-squares solution given V (what
    :meth:`CompletionResult.fold_in` reproduces). ``relaxation=1`` is plain
    alternating minimisation.

    Rows are solved in parallel (OpenMP) with per-thread workspaces; every
    row is solved by one thread in a fixed order, so the factors do not
    depend on the number of threads.

    **GPU.** With CuPy input (a triple of CuPy arrays or a
    ``cupyx.scipy.sparse`` matrix; ``weights`` and ``validation`` then CuPy
    too, mixing host and device arrays is a ``TypeError``) the same
    algorithm runs on the CUDA context, on the current CuPy stream, and
    ``U``, ``V`` and the biases come back as CuPy arrays; the result's
    ``predict`` then takes CuPy indices. The observed indices and values are
    copied to the host once to build the row and column layouts (an O(|Ω|)
    integer pass, with the checks above) and then to the device; every
    iteration runs there (one warp per row). The factors agree with the
    CPU's for the same seed to rounding.

    Parameters
    ----------
    observed : scipy.sparse matrix or (rows, cols, values)
        The observed entries. Every stored entry of a sparse matrix counts as
        observed (explicit zeros too). Duplicate (row, col) pairs are
        rejected (sum them first, e.g. ``A.sum_duplicates()``). float32 values
        are fitted in float32; anything else in float64.
    rank : int
        k, with ``1 <= k < min(shape)``.
    shape : (m, n), optional
        Needed with a triple unless the largest indices give it.
    reg : float, default 0
        Ridge weight ``reg`` above (0 is fine where every row and column has
        at least k observed entries; otherwise a jitter of eps^(2/3) of the
        Gram's mean diagonal keeps the exact solver defined).
    solver : {"sketch", "cg", "cholesky"}
    max_iter : int, default 50
    tol : float, default 1e-5
        Stop when the training RMSE changes by less than ``tol`` relative
        (or reaches rounding level). With ``validation``, early stopping
        replaces this test.
    biases : bool, default False
        Fit the global mean and row/column biases.
    weights : array, optional
        Positive per-entry weights ``w_ij``, in the order of the observed
        entries (the triple's order, or that of ``observed.tocoo()``).
    split_samples : bool, default False
        The paper's theory mode: Ω is split at random into ``2 max_iter + 1``
        disjoint subsets; the initialisation uses the first and each
        half-step a fresh one. Far less accurate in practice; the default
        reuses all of Ω. The paper's algorithm exactly also needs
        ``relaxation=1``.
    validation : (rows, cols, values), optional
        Held-out entries: their RMSE is recorded every iteration, the fit
        stops once it has not improved for ``patience`` iterations, and the
        best iterate is returned.
    patience : int, default 3
    seed : None, int or numpy.random.Generator
        Keys the SVD's test matrix, the sketches and the sample split.
    callback : callable, optional
        ``callback(iteration, entry)`` after each iteration with the history
        entry (a dict); returning True stops the fit.
    progress : bool, default False
        Show a progress line with the current RMSE on stderr.
    inner_steps : int, optional
        CG steps per row and half-step: default 2 for ``cg``, 3 for
        ``sketch`` (on P5 these reach exact ALS's held-out RMSE in as many
        iterations as exact ALS; the whitened solver with 2 steps needs one
        iteration more). Ignored by ``cholesky``.
    clip : float, default 3
        Incoherence threshold of the initialisation, in units of sqrt(k/m).
    init_power_iters : int, default 4
        Power steps of the initial SVD (subspace iteration,
        ``linalg.rsvd(..., method="subspace", power_iters=...)``). Not
        adaptive: most of the energy of the sampled matrix is noise, and the
        adaptive rule would stop before the top-k subspace is found.
    relaxation : float, default 1.3
        ω in (0, 2), above; 1 turns the over-relaxation off.

    Returns
    -------
    CompletionResult

    Notes
    -----
    Cost per iteration: ``sketch``/``cg`` about ``2 (inner_steps + 2) |Ω| k``
    multiply-adds, ``cholesky`` about ``|Ω| k^2 + (m + n) k^3 / 3``; the
    initialisation costs ``2 init_power_iters + 2`` sparse products with
    k + 10 columns (in float32: it only seeds the iterations). Memory:
    the observed entries twice (by rows and by columns) and O((m + n) k).
    Limits: fewer than 2^31 observed entries, sides below 2^31.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, linalg
    >>> rng = np.random.default_rng(0)
    >>> M = rng.standard_normal((400, 4)) @ rng.standard_normal((4, 300))
    >>> r, c = np.nonzero(rng.random(M.shape) < 0.2)
    >>> A = sp.csr_matrix((M[r, c], (r, c)), shape=M.shape)
    >>> fit = linalg.complete(A, 4, solver="cholesky", seed=0)
    >>> U, V = fit
    >>> U.shape, V.shape
    ((400, 4), (300, 4))
    >>> bool(np.abs(fit.predict([0], [0]) - M[0, 0]) < 1e-8)
    True
    """
    on_device = _observed_on_device(observed)
    if on_device:
        return _complete_device(observed, rank, shape, reg, solver, max_iter, tol, biases, weights, split_samples,
                                validation, patience, seed, callback, progress, inner_steps, clip, init_power_iters,
                                relaxation)
    from . import _device

    _device.check_same_kind(False, weights, "weights")
    if validation is not None and _observed_on_device(validation, "validation"):
        raise TypeError("validation is on the GPU (CuPy), but observed is a host array or triple; "
                        "linalg does not move data between host and device: convert it first")
    rows, cols, vals, shape = _triple(observed, "observed", shape)
    m, n = _check_shape(shape)
    if len(vals) == 0:
        raise ValueError("observed is empty: no observed entries")
    _check_in_range(rows, cols, m, n, "observed")
    rank, reg, max_iter, tol, patience, inner_steps, clip, init_power_iters, relaxation = _check_options(
        m, n, rank, reg, solver, max_iter, tol, patience, inner_steps, clip, init_power_iters, relaxation)
    if len(vals) > _INT_MAX:
        raise ValueError("observed: at most 2**31 - 1 entries are supported")
    w = None
    if weights is not None:
        w = _as_values(weights, "weights", vals.dtype)
        if len(w) != len(vals):
            raise ValueError(f"weights must have one entry per observed value: got {len(w)} for {len(vals)}")
        if (w <= 0).any():
            raise ValueError("weights must be positive")
    val = None
    if validation is not None:
        vr, vc, vv, _ = _triple(validation, "validation", (m, n), np.float64)
        _check_in_range(vr, vc, m, n, "validation")
        if len(vv) == 0:
            raise ValueError("validation is empty")
        val = (vr, vc, vv)
    key = as_seed(seed)
    state_cls = _core.CompletionState32 if vals.dtype == np.float32 else _core.CompletionState64

    # Our OpenMP kernels do the work and the BLAS calls are small: one BLAS
    # thread keeps OpenBLAS's idle workers from spinning on the cores the
    # kernels need (as in linalg.rsvd for sparse input).
    with one_blas_thread():
        return _fit(rows, cols, vals, w, m, n, rank, biases, reg, solver, inner_steps, clip, key, split_samples,
                    max_iter, tol, patience, val, callback, progress, state_cls, init_power_iters, relaxation)


def _check_options(m, n, rank, reg, solver, max_iter, tol, patience, inner_steps, clip, init_power_iters,
                   relaxation):
    rank = check_int(rank, "rank", 1)
    if rank >= min(m, n):
        raise ValueError(f"rank must be < min(shape) = {min(m, n)}, got {rank}")
    reg = _check_float(reg, "reg")
    check_choice(solver, "solver", SOLVERS)
    max_iter = check_int(max_iter, "max_iter", 1, 32767)
    tol = _check_float(tol, "tol")
    patience = check_int(patience, "patience", 1)
    if inner_steps is None:
        inner_steps = 3 if solver == "sketch" else 2
    inner_steps = check_int(inner_steps, "inner_steps", 1)
    clip = _check_float(clip, "clip")
    init_power_iters = check_int(init_power_iters, "init_power_iters", 0)
    if clip == 0:
        raise ValueError("clip must be > 0")
    relaxation = _check_float(relaxation, "relaxation")
    if not 0 < relaxation < 2:
        raise ValueError(f"relaxation must be in (0, 2), got {relaxation}")
    return rank, reg, max_iter, tol, patience, inner_steps, clip, init_power_iters, relaxation


def _complete_device(observed, rank, shape, reg, solver, max_iter, tol, biases, weights, split_samples, validation,
                     patience, seed, callback, progress, inner_steps, clip, init_power_iters, relaxation):
    """:func:`complete` on CuPy input: the same checks (on the device), the
    same iterations on the CUDA context, CuPy factors."""
    import cupy as cp

    from . import _device

    _device._require_build("observed")
    _device.check_same_kind(True, weights, "weights")
    if validation is not None and not _observed_on_device(validation, "validation"):
        raise TypeError("validation is a host array or triple, but observed is on the GPU (CuPy); "
                        "linalg does not move data between host and device: convert it first")
    rows, cols, vals, shape = _device_triple(observed, "observed", shape)
    m, n = _check_shape(shape)
    if len(vals) == 0:
        raise ValueError("observed is empty: no observed entries")
    _dev_check_in_range(rows, cols, m, n, "observed")
    rank, reg, max_iter, tol, patience, inner_steps, clip, init_power_iters, relaxation = _check_options(
        m, n, rank, reg, solver, max_iter, tol, patience, inner_steps, clip, init_power_iters, relaxation)
    if len(vals) > _INT_MAX:
        raise ValueError("observed: at most 2**31 - 1 entries are supported")
    w = None
    if weights is not None:
        w = _dev_values(weights, "weights", vals.dtype)
        if len(w) != len(vals):
            raise ValueError(f"weights must have one entry per observed value: got {len(w)} for {len(vals)}")
        if bool((w <= 0).any()):
            raise ValueError("weights must be positive")
    val = None
    if validation is not None:
        vr, vc, vv, _ = _device_triple(validation, "validation", (m, n), np.float64)
        _dev_check_in_range(vr, vc, m, n, "validation")
        if len(vv) == 0:
            raise ValueError("validation is empty")
        val = (vr, vc, vv)
    key = as_seed(seed)
    stream, dev = _device.stream_and_device(vals)
    rs, cs, vs, ws, rc, cc, vc, wc = _device_sorted(rows, cols, vals, w, m, n)
    cls = _core.CudaCompletionState32 if vals.dtype == np.float32 else _core.CudaCompletionState64

    def state_cls(rows_, cols_, vals_, w_, *options):
        return cls(rs, cs, vs, ws, rc, cc, vc, wc, *options, stream, dev)

    with one_blas_thread():
        return _fit(rs, cs, vs, ws, m, n, rank, biases, reg, solver, inner_steps, clip, key, split_samples,
                    max_iter, tol, patience, val, callback, progress, state_cls, init_power_iters, relaxation)


def _factors(state):
    U, V, bu, bv, mu = state.factors()
    if bu is not None:  # (m, 1) -> (m,), a view
        bu, bv = bu.reshape(-1), bv.reshape(-1)
    return U, V, bu, bv, mu


def _fit(rows, cols, vals, w, m, n, rank, biases, reg, solver, inner_steps, clip, key, split_samples, max_iter, tol,
         patience, val, callback, progress, state_cls, init_power_iters, relaxation):
    subsets = 2 * max_iter + 1 if split_samples else 0
    t_start = time.perf_counter()
    state = state_cls(rows, cols, vals, w, m, n, rank, bool(biases), reg, solver, inner_steps, clip, key, subsets,
                      init_power_iters, relaxation)
    state.initialize()
    init_time = time.perf_counter() - t_start
    v64 = vals if vals.dtype == np.float64 else vals.astype(np.float64)
    rms = float(np.sqrt(float(v64 @ v64) / max(v64.size, 1)))
    history = {"train_rmse": [], "val_rmse": [], "objective": [], "time": []}
    best, best_val, best_it, bad = None, np.inf, -1, 0
    prev = None
    val_time = 0.0
    stop = "max_iter"
    for it in range(max_iter):
        t0 = time.perf_counter()
        loss, wsum, obj = state.iterate(it)
        dt = time.perf_counter() - t0
        train = math.sqrt(loss / wsum) if wsum > 0 else 0.0
        v_rmse = None
        factors = None
        if val is not None:
            tv = time.perf_counter()
            factors = _factors(state)
            U, V, bu, bv, mu = factors
            if isinstance(val[2], np.ndarray):
                pred = _core.completion_predict(U, V, bu, bv, mu, val[0], val[1])
                v_rmse = float(np.sqrt(np.mean((pred.astype(np.float64) - val[2]) ** 2)))
            else:  # on the device: predictions from the state's current factors (= factors)
                import cupy as cp

                pred = state.predict(val[0], val[1])
                v_rmse = float(cp.sqrt(cp.mean((pred.astype(cp.float64) - val[2]) ** 2)))
            val_time += time.perf_counter() - tv
        entry = {"iteration": it, "train_rmse": train, "val_rmse": v_rmse, "objective": obj, "time": dt}
        for key_ in ("train_rmse", "val_rmse", "objective", "time"):
            history[key_].append(entry[key_])
        if progress:
            _progress_line(it + 1, max_iter, train, v_rmse)
        if val is not None:
            if v_rmse < best_val:
                best, best_val, best_it, bad = factors, v_rmse, it, 0
            else:
                bad += 1
                if bad >= patience:
                    stop = "patience"
                    break
        if callback is not None and callback(it, entry):
            stop = "callback"
            break
        if val is None:
            eps = np.finfo(vals.dtype).eps
            if train <= 10 * eps * rms:
                stop = "converged"
                break
            if prev is not None and abs(prev - train) <= tol * max(prev, 1e-300):
                stop = "tol"
                break
        prev = train
    if progress:
        print(file=sys.stderr)
    if best is None:
        best = _factors(state)
        best_it = len(history["time"]) - 1
    U, V, bu, bv, mu = best
    info = {"solver": solver, "iterations": len(history["time"]), "stop": stop, "best_iteration": best_it,
            "init_time": init_time, "reg": reg, "rank": rank, "inner_steps": inner_steps,
            "split_samples": bool(split_samples), "relaxation": relaxation, "init": state.init_info(),
            "validation_time": val_time}
    return CompletionResult(U, V, bu, bv, float(mu), history, info)
