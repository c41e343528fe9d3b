"""Leverage scores, Lewis weights, lp sensitivities and row sampling.

Sensitivity sampling shrinks a tall A (n x d) to m weighted rows whose
lp geometry matches the whole: for every x, the sampled and reweighted
rows estimate :math:`\\|Ax\\|_p^p` without bias, and with enough samples
within :math:`1 \\pm \\epsilon` for all x at once (Cohen & Peng 2015;
Woodruff & Yasuda 2023; Chen & Derezinski 2021).

>>> import numpy as np, linalg
>>> A = np.random.default_rng(0).standard_normal((2000, 10))
>>> tau = linalg.leverage_scores(A)
>>> round(float(tau.sum()), 6)
10.0
>>> idx, w = linalg.sample_rows(A, 500, seed=0)
>>> idx.shape == w.shape
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _core, _device
from ._blas import one_blas_thread as _one_blas_thread
from ._validate import as_matrix, as_seed, check_choice, check_int
from ._results import Unpacks

METHODS = ("exact", "sketch")
SCORES = ("leverage", "root_leverage", "lewis", "sensitivity", "uniform")
SCHEMES = ("poisson", "iid")
#: Largest n for ``lp_sensitivities(method="exact")`` (n linear programs of
#: n + d variables each).
EXACT_MAX_ROWS = 5000


@dataclass(frozen=True)
class RowSample(Unpacks):
    """Sampled row indices and their weights; unpacks as ``(idx, weights)``.

    ``weights[j]`` multiplies row ``idx[j]``:
    :math:`\\sum_j |w_j\\, a_{idx_j}^T x|^p` estimates :math:`\\|Ax\\|_p^p`
    without bias. ``probabilities`` holds each kept row's inclusion
    probability (Poisson) or per-draw probability (i.i.d.).
    """

    idx: Any
    weights: Any
    probabilities: Any = field(repr=False, default=None)
    info: dict = field(default_factory=dict, repr=False, compare=False)

    _unpack = ("idx", "weights")


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------

def _xp(A):
    """CuPy for a device array, else NumPy."""
    if _device.is_device(A):
        import cupy

        return cupy
    return np


def _dense(A, check_finite):
    """A as a 2-D float array (C or F order, no copy); sparse A densified once.
    A CuPy array (or cupyx sparse matrix) stays on its device."""
    import scipy.sparse as sp

    if _device.is_device(A):
        import cupyx.scipy.sparse as csp

        if csp.issparse(A):
            _device.as_device_matrix(A, "A", check_finite)  # dtype and finiteness checks
            A = A.toarray()
            check_finite = False
        return _device.as_device_matrix(A, "A", check_finite)[1]
    if sp.issparse(A):
        if A.ndim != 2:
            raise ValueError(f"A must be 2-D, got shape {A.shape}")
        A = A.toarray()  # the scores need A's column space: d is small
    A = as_matrix(A, "A", False)[1]
    if check_finite and not _finite(A):
        raise ValueError("A contains NaN or Inf (pass check_finite=False to skip this check)")
    return A


def _finite(A):
    # Small arrays: NumPy. Waking the core's OpenMP team costs more than the
    # check itself there (measured ~15 ms for 2000 x 4 on a busy machine).
    if A.size < 65536:
        return bool(np.isfinite(A).all())
    return bool(_core.all_finite(A))


def _check_real(value, name, low=None, high=None, low_open=True, high_open=True):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {value:g}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high:g}, got {value:g}")
    return value


def _check_p(p):
    return _check_real(p, "p", 0.0)


def _out(values, A):
    """Scores in A's precision (float32 stays float32)."""
    return values.astype(A.dtype, copy=False) if A.dtype == np.float32 else values


# --------------------------------------------------------------------------
# leverage scores
# --------------------------------------------------------------------------

def leverage_scores(A, *, method="exact", eps=0.1, ridge=0.0, seed=None, check_finite=True, return_info=False):
    r"""Statistical leverage scores :math:`\tau_i = a_i^T (A^TA + \lambda I)^{+} a_i` of the rows of A.

    With ``ridge = 0`` and A of full column rank these are the squared row
    norms of any orthonormal basis Q of range(A), :math:`\tau_i =
    \|e_i^TQ\|^2 \in [0, 1]`, :math:`\sum_i\tau_i = d`. With ``ridge =
    lambda > 0`` they are the ridge leverage scores, :math:`\sum_i\tau_i =
    \mathrm{tr}(A^TA(A^TA+\lambda I)^{-1})` (the effective dimension).

    ``method="exact"``: Cholesky QR. :math:`G = A^TA + \lambda I` in one
    threaded pass (blockwise SYRK), :math:`R = \mathrm{chol}(G)`, then one
    pass computing the row norms of :math:`AR^{-1}` block by block (never
    stored whole). Cholesky QR loses accuracy as :math:`\kappa(A)^2u`, so
    for :math:`\kappa(R) > u^{-1/4}/10` one more pass re-orthonormalises
    (CholeskyQR2, Fukaya et al. 2014), and for :math:`\kappa(R) >
    u^{-1/2}/20` or a failed Cholesky (rank-deficient A) the factor comes
    from Householder QR with column pivoting on a copy of A instead.
    Cost: :math:`2nd^2` to :math:`4nd^2` flops in 2-3 passes over A
    (Householder: :math:`O(nd^2)` more, and n x d extra memory).

    ``method="sketch"`` (Drineas, Magdon-Ismail, Mahoney & Woodruff, JMLR
    2012): R from :math:`SA`, S a sparse sign embedding (4 nonzeros per
    column) with :math:`s = \lceil 4(\sqrt d + 2)^2/\epsilon^2 \rceil` rows,
    then the row norms of :math:`AR^{-1}`. Their second step multiplies
    :math:`R^{-1}` by a JL matrix with :math:`k = O(\log n/\epsilon^2)`
    columns; here k (:math:`8\ln(200n)/(\epsilon/3)^2`) is used only when
    it is below d, since otherwise the product costs more than it saves and
    only adds error: then the row norms of :math:`AR^{-1}` are computed
    directly (blockwise, threaded, never stored), and the error is the
    embedding's alone. For a Gaussian S that s puts the singular values of
    :math:`SU` (U an orthonormal basis of range(A)) within
    :math:`1 \pm \epsilon/2` with probability :math:`\ge 1 - 2e^{-2}`
    (Davidson & Szarek 2001, t = 2), so every score is within about
    :math:`(1 \pm \epsilon)` of exact; rows are not extreme directions,
    and the largest error over all rows stays below eps on P6 and on the
    seed lists of the tests (the sparse sign embedding was measured to
    track the Gaussian there).
    When :math:`s \ge n` the exact method runs instead (cheaper).
    Cost: :math:`O(\mathrm{nnz}(A) + sd^2 + nd^2)`, two passes over A.

    Rank-deficient A (``ridge = 0``): the scores are those of the column
    space found by column-pivoted QR (numerical rank
    :math:`r = \#\{|R_{jj}| > \max(n, d)\,u\,|R_{11}|\}`); they sum to r,
    and ``info["rank"]`` reports it.

    Parameters
    ----------
    A : (n, d) array_like (sparse input is densified)
        float32 stays float32 (the Gram matrix is summed in float64);
        integers become float64. A CuPy array runs the same algorithm on
        its GPU (CUDA build, current CuPy stream) and returns a CuPy array:
        the CPU scores for the same seed, to rounding.
    method : {"exact", "sketch"}
    eps : float in (0, 1), default 0.1
        Target relative error of every score (``"sketch"``).
    ridge : float >= 0
    seed : None, int or numpy.random.Generator (``"sketch"``)
    return_info : bool
        Also return a dict: ``path`` (``"cholqr"``, ``"cholqr2"``,
        ``"householder"``, ``"sketch"``, ``"sketch+jl"``), ``rank``,
        ``passes`` over A, ``sketch_rows``, ``cond`` (estimate of
        :math:`\kappa(A)` on the Cholesky path).

    Returns
    -------
    (n,) ndarray in A's floating dtype (and the info dict)

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(1)
    >>> A = rng.standard_normal((5000, 8)) * rng.standard_t(2, 5000)[:, None]
    >>> exact = linalg.leverage_scores(A)
    >>> fast = linalg.leverage_scores(A, method="sketch", eps=0.5, seed=0)
    >>> bool(np.max(np.abs(fast / exact - 1)) < 0.5)
    True
    >>> linalg.leverage_scores(np.ones((4, 2)), return_info=True)[1]["rank"]
    1
    """
    check_choice(method, "method", METHODS)
    eps = _check_real(eps, "eps", 0.0, 1.0)
    ridge = _check_real(ridge, "ridge", 0.0, low_open=False)
    A = _dense(A, check_finite)
    s = as_seed(seed) if method == "sketch" else 0
    if _device.is_device(A):
        stream, dev = _device.stream_and_device(A)
        with _one_blas_thread():  # the host LAPACK gets the d x d problems only
            q, info = _core.cuda_leverage_scores(A, stream, dev, method == "sketch", eps, ridge, seed=s)
    else:
        with _one_blas_thread():
            q, info = _core.leverage_scores(A, method == "sketch", eps, ridge, seed=s)
    q = _out(q, A)
    return (q, info) if return_info else q


# --------------------------------------------------------------------------
# Lewis weights
# --------------------------------------------------------------------------

def lewis_weights(A, p, *, max_iter=100, tol=1e-8, method="exact", eps=0.1, seed=None, check_finite=True,
                  return_info=False):
    r"""The :math:`\ell_p` Lewis weights of the rows of A, for :math:`0 < p < 4`.

    The unique w > 0 with :math:`w_i^{2/p} = a_i^T(A^TW^{1-2/p}A)^{-1}a_i`:
    the leverage scores of :math:`W^{1/2-1/p}A`, :math:`\sum_i w_i = d`;
    ``p = 2`` gives the leverage scores. Computed by the fixed-point
    iteration of Cohen & Peng ("lp row sampling by Lewis weights", STOC
    2015), :math:`w \leftarrow (a_i^T(A^TW^{1-2/p}A)^{-1}a_i)^{p/2}`, a
    contraction by :math:`|1-p/2|` for :math:`p < 4`, started from the
    leverage scores and rescaled to :math:`\sum w = d` every step (the
    fixed point's sum; it removes the slowest mode). It stops when the
    largest relative change of a weight is at most ``tol``.

    ``method="exact"``: each step is one threaded pass over A that computes
    the weighted leverage scores and, from the same read of A, the next
    weighted Gram matrix in the current well-conditioned coordinates: cost
    about :math:`3nd^2` flops per step. ``method="sketch"``: each step
    sketches :math:`W^{1/2-1/p}A` with the same sparse sign embedding (as in
    :func:`leverage_scores`), so the weights are those of a fixed map,
    within about the sketch's :math:`(1 \pm \epsilon)` of the exact ones.

    For :math:`p \ge 4` the iteration need not converge; a ``ValueError``
    says so (Lee's convex-programming methods cover that range).

    Parameters
    ----------
    A : (n, d) array_like
        A CuPy array runs on its GPU (the passes over A there; the
        elementwise update of the n weights on the host) and gives a CuPy
        array.
    p : float in (0, 4)
    max_iter : int >= 1
    tol : float > 0
    method : {"exact", "sketch"}
    eps, seed : as for :func:`leverage_scores` (``"sketch"``)
    return_info : bool
        Also return ``{"iterations", "change", "passes", "rank", ...}``.

    Returns
    -------
    (n,) ndarray in A's floating dtype

    Examples
    --------
    >>> import numpy as np, linalg
    >>> A = np.random.default_rng(0).standard_normal((3000, 6))
    >>> w = linalg.lewis_weights(A, 1.0)
    >>> round(float(w.sum()), 6)
    6.0
    >>> bool(np.allclose(linalg.lewis_weights(A, 2.0), linalg.leverage_scores(A)))
    True
    """
    p = _check_p(p)
    if p >= 4.0:
        raise ValueError(f"p must be in (0, 4) for the Lewis-weight fixed-point iteration "
                         f"(Cohen & Peng 2015), got p={p:g}")
    max_iter = check_int(max_iter, "max_iter", 1)
    tol = _check_real(tol, "tol", 0.0)
    check_choice(method, "method", METHODS)
    eps = _check_real(eps, "eps", 0.0, 1.0)
    A = _dense(A, check_finite)
    s = as_seed(seed) if method == "sketch" else 0
    if _device.is_device(A):
        stream, dev = _device.stream_and_device(A)
        with _one_blas_thread():
            w, info = _core.cuda_lewis_weights(A, stream, dev, p, max_iter, tol, method == "sketch", eps, seed=s)
    else:
        with _one_blas_thread():
            w, info = _core.lewis_weights(A, p, max_iter, tol, method == "sketch", eps, seed=s)
    w = _out(w, A)
    return (w, info) if return_info else w


# --------------------------------------------------------------------------
# lp sensitivities
# --------------------------------------------------------------------------

def lp_sensitivities(A, p, *, method="bound", check_finite=True):
    r"""The :math:`\ell_p` sensitivities :math:`s_i = \sup_x |a_i^Tx|^p / \|Ax\|_p^p`, or upper bounds.

    ``method="bound"`` (fast: one leverage computation, plus Lewis weights
    for p < 4), elementwise the smallest of these valid upper bounds, and 1:

    * :math:`p = 2`: :math:`s_i = \tau_i` exactly (leverage scores).
    * :math:`p < 2`: :math:`s_i \le \tau_i^{p/2}` (as
      :math:`\|Ax\|_2 \le \|Ax\|_p`) and :math:`s_i \le w_i`, the Lewis
      weights (Cauchy-Schwarz in the norm :math:`x^TA^TW^{1-2/p}Ax`, then
      Hoelder; the standard argument of Cohen & Peng 2015 and Woodruff &
      Yasuda 2023).
    * :math:`2 < p < 4`: :math:`s_i \le d^{p/2-1}w_i` (Hoelder) and
      :math:`s_i \le n^{p/2-1}\tau_i^{p/2}`.
    * :math:`p \ge 4`: :math:`s_i \le n^{p/2-1}\tau_i^{p/2}` only.

    Their sum (the "total sensitivity" the sample size scales with) is at
    most d for p <= 2 and :math:`d^{p/2}` for 2 < p < 4.

    ``method="exact"``: p = 1 solves, per row, the linear program
    :math:`s_i = \max\{a_i^Tx : \|Ax\|_1 \le 1\}` with SciPy's HiGHS
    (variables x and t >= |Ax|; n LPs of n + d variables and 2n + 1
    constraints each, so roughly :math:`O(n^2 d)` work or more: small
    problems only, n <= 5000 enforced); p = 2 returns the exact leverage
    scores. Other p: ``ValueError``.

    A CuPy A gives a CuPy result (the bounds on its GPU; the p = 1 linear
    programs of ``method="exact"`` run on the host, on a copy of A).

    Returns
    -------
    (n,) float64 ndarray

    Examples
    --------
    >>> import numpy as np, linalg
    >>> A = np.random.default_rng(0).standard_normal((60, 3))
    >>> exact = linalg.lp_sensitivities(A, 1.0, method="exact")
    >>> bound = linalg.lp_sensitivities(A, 1.0)
    >>> bool(np.all(exact <= bound * (1 + 1e-7)))
    True
    """
    p = _check_p(p)
    check_choice(method, "method", ("bound", "exact"))
    A = _dense(A, check_finite)
    xp = _xp(A)
    n, d = A.shape
    if method == "exact":
        if p == 2.0:
            return xp.asarray(leverage_scores(A, check_finite=False), dtype=np.float64)
        if p != 1.0:
            raise ValueError(f"method='exact' supports p = 1 (linear programs) and p = 2 (leverage scores), got p={p:g}")
        if n > EXACT_MAX_ROWS:
            raise ValueError(f"method='exact' solves n linear programs of n + d variables: n={n} exceeds "
                             f"{EXACT_MAX_ROWS}; use method='bound'")
        if xp is not np:  # HiGHS runs on the host
            return xp.asarray(_l1_sensitivities_lp(xp.asnumpy(A).astype(np.float64)))
        return _l1_sensitivities_lp(np.asarray(A, dtype=np.float64))
    tau, info = leverage_scores(A, check_finite=False, return_info=True)
    tau = xp.clip(xp.asarray(tau, dtype=np.float64), 0.0, 1.0)
    r = max(int(info["rank"]), 1)
    if p == 2.0:
        return tau
    if p < 2.0:
        bound = xp.minimum(tau ** (p / 2.0), xp.asarray(lewis_weights(A, p, check_finite=False), np.float64))
    elif p < 4.0:
        w = xp.asarray(lewis_weights(A, p, check_finite=False), np.float64)
        bound = xp.minimum(r ** (p / 2.0 - 1.0) * w, n ** (p / 2.0 - 1.0) * tau ** (p / 2.0))
    else:
        bound = n ** (p / 2.0 - 1.0) * tau ** (p / 2.0)
    return xp.minimum(bound, 1.0)


def _l1_sensitivities_lp(A):
    """s_i = max a_i^T x s.t. -t <= A x <= t, sum t <= 1 (HiGHS), one LP per row."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, d = A.shape
    eye = sp.identity(n, format="csr")
    A_ub = sp.vstack([sp.hstack([sp.csr_matrix(A), -eye]), sp.hstack([sp.csr_matrix(-A), -eye]),
                      sp.hstack([sp.csr_matrix((1, d)), sp.csr_matrix(np.ones((1, n)))])], format="csr")
    b_ub = np.concatenate([np.zeros(2 * n), [1.0]])
    bounds = [(None, None)] * d + [(0, None)] * n
    out = np.empty(n)
    for i in range(n):  # one LP per row: the method's stated cost
        c = np.concatenate([-A[i], np.zeros(n)])
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if res.status != 0:
            raise np.linalg.LinAlgError(f"lp_sensitivities: the LP of row {i} failed: {res.message}")
        out[i] = -res.fun
    return np.clip(out, 0.0, 1.0)


# --------------------------------------------------------------------------
# samplers
# --------------------------------------------------------------------------

def _scores_for(A, p, scores, n, check_finite):
    xp = _xp(A)
    if isinstance(scores, str):
        check_choice(scores, "scores", SCORES)
        if scores == "uniform":
            return xp.ones(n)
        if scores == "leverage":
            return xp.asarray(leverage_scores(A, check_finite=check_finite), np.float64)
        if scores == "root_leverage":
            return xp.sqrt(xp.asarray(leverage_scores(A, check_finite=check_finite), np.float64))
        if scores == "lewis":
            return xp.asarray(lewis_weights(A, p, check_finite=check_finite), np.float64)
        return lp_sensitivities(A, p, check_finite=check_finite)
    _device.check_same_kind(xp is not np, scores, "scores")
    s = xp.asarray(scores, dtype=np.float64)
    if s.shape != (n,):
        raise ValueError(f"scores must be one of {SCORES} or an array of shape ({n},), got shape {s.shape}")
    if not bool(xp.all(xp.isfinite(s))) or bool(xp.any(s < 0)):
        raise ValueError("scores must be finite and >= 0")
    if not bool(xp.any(s > 0)):
        raise ValueError("scores must not all be zero")
    return s


def sample_rows(A, m, *, p=2, scores="leverage", scheme="poisson", seed=None, check_finite=True) -> RowSample:
    r"""Sample rows of A in proportion to ``scores``: ``(idx, weights)`` with an unbiased lp estimate.

    With :math:`s_i` the scores and :math:`S = \sum_i s_i`:

    * ``scheme="poisson"``: row i is kept independently with probability
      :math:`\pi_i = \min(1, m s_i / S)` (expected sample size at most m)
      and weight :math:`\pi_i^{-1/p}`;
    * ``scheme="iid"``: m draws with replacement with probabilities
      :math:`q_i = s_i/S`; a row drawn :math:`c_i` times gets weight
      :math:`(c_i / (m q_i))^{1/p}` (duplicates merged).

    Either way :math:`E\sum_j |w_j a_{idx_j}^Tx|^p = \|Ax\|_p^p` for every x.
    With ``p = 2`` and leverage scores, :math:`m \ge 2(1 + \epsilon/3)\,d
    \ln(2d/\delta)/\epsilon^2` makes the reweighted rows a
    :math:`(1\pm\epsilon)` subspace embedding with probability
    :math:`1-\delta` (matrix Chernoff/Bernstein; Tropp 2015).

    Parameters
    ----------
    A : (n, d) array_like
    m : int in [1, n]
        Expected (Poisson) or exact (iid) number of draws.
    p : float > 0
        The lp norm the weights are for, and of the ``"lewis"`` and
        ``"sensitivity"`` scores.
    scores : {"leverage", "root_leverage", "lewis", "sensitivity", "uniform"} or (n,) array
        Precomputed nonnegative scores are accepted as they are.
    scheme : {"poisson", "iid"}
    seed : None, int or numpy.random.Generator
        The uniforms are Philox draws keyed by the seed (any thread count
        gives the same sample).

    A CuPy A (with CuPy ``scores``, if given as an array) samples on its
    GPU and returns CuPy arrays: the uniforms are the same Philox draws as
    on the host, so the sample is the CPU's (up to scores within rounding
    of a threshold).

    Returns
    -------
    RowSample
        ``idx`` (sorted int64) and ``weights`` (float64); also
        ``probabilities``.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> A = np.random.default_rng(0).standard_normal((4000, 5))
    >>> idx, w = linalg.sample_rows(A, 400, p=1, scores="lewis", seed=3)
    >>> x = np.ones(5)
    >>> est, full = np.sum(np.abs(w * (A[idx] @ x))), np.sum(np.abs(A @ x))
    >>> bool(abs(est / full - 1) < 0.2)
    True
    """
    p = _check_p(p)
    check_choice(scheme, "scheme", SCHEMES)
    mat = _dense(A, check_finite)
    n = mat.shape[0]
    m = check_int(m, "m", 1, n)
    s = _scores_for(mat, p, scores, n, check_finite=False)
    xp = _xp(mat)
    if xp is np:
        def uniforms(salt, count):
            return _core.sampling_uniforms(key, salt, count)
    else:
        stream, dev = _device.stream_and_device(mat)

        def uniforms(salt, count):
            return _core.cuda_sampling_uniforms(key, salt, count, stream, dev)
    total = float(s.sum())
    key = as_seed(seed)
    if scheme == "poisson":
        pi = xp.minimum(1.0, m * s / total)
        u = uniforms(0, n)
        idx = xp.flatnonzero(u < pi)
        probs = pi[idx]
        weights = probs ** (-1.0 / p)
    else:
        q = s / total
        cdf = xp.cumsum(q)
        u = uniforms(1, m) * cdf[-1]
        draws = xp.minimum(xp.searchsorted(cdf, u, side="right"), n - 1)
        idx, counts = xp.unique(draws, return_counts=True)
        probs = q[idx]
        weights = (counts / (m * probs)) ** (1.0 / p)
    return RowSample(idx.astype(np.int64), weights, probs, {"scheme": scheme, "p": p, "m": m,
                                                             "expected_size": float(xp.minimum(1.0, m * s / total).sum())
                                                             if scheme == "poisson" else m})


__all__ = ["leverage_scores", "lewis_weights", "lp_sensitivities", "sample_rows", "RowSample"]
