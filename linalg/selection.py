"""Column/row decompositions: interpolative (ID), CUR, and the sampled CR matrix product."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from . import _core
from ._blas import one_blas_thread
from ._validate import as_matrix, as_seed, check_choice, check_int, shape_of
from ._results import Unpacks

ID_METHODS = ("randomized", "qr")
CUR_METHODS = ("id", "leverage")
CR_METHODS = ("sampled", "topk")
SKETCHES = ("gaussian", "sparse_sign")


@dataclass(frozen=True)
class IDResult(Unpacks):
    """An interpolative decomposition; unpacks as ``(idx, X)``.

    Column ID (``axis=1``): ``A ~ A[:, idx] @ X`` with X (k, n) and
    ``X[:, idx] = I``. Row ID (``axis=0``): ``A ~ X @ A[idx, :]`` with X
    (m, k). ``info`` has the rank, the sketch size, the products with A
    (``passes``), ``max_coef`` (f = max |X|) and ``r_ratio``
    (:math:`|R_{k+1,k+1}|/|R_{11}|` of the pivoted QR).
    """

    idx: Any
    X: Any
    info: dict = field(default_factory=dict, repr=False, compare=False)

    _unpack = ("idx", "X")


@dataclass(frozen=True)
class CURResult(Unpacks):
    """``A ~ A[:, cols] @ U @ A[rows, :]``; unpacks as ``(cols, U, rows)``."""

    cols: Any
    U: Any
    rows: Any

    _unpack = ("cols", "U", "rows")


@dataclass(frozen=True)
class CRResult(Unpacks):
    """``A @ B ~ product = (A[:, idx] * scale) @ B[idx, :]``; unpacks as ``(product, idx, scale)``."""

    product: Any
    idx: Any
    scale: Any

    _unpack = ("product", "idx", "scale")


def _check_tol(tol):
    if tol is None:
        return None
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)):
        raise TypeError(f"tol must be a float, got {type(tol).__name__}")
    tol = float(tol)
    if not 0.0 < tol < 1.0:
        raise ValueError(f"tol must be in (0, 1), got {tol}")
    return tol


def interp_decomp(A, rank=None, *, tol=None, axis=1, method="randomized", oversample=None, power_iters=1,
                  sketch="gaussian", seed=None, check_finite=True) -> IDResult:
    r"""Interpolative decomposition: ``A ~ A[:, idx] @ X`` (or ``X @ A[idx, :]``).

    From a column-pivoted QR :math:`YP = Q[R_{11}\ R_{12}]` the first k
    pivots J and :math:`XP = [I,\ R_{11}^{-1}R_{12}]` (a triangular solve)
    give the ID (Cheng, Gimbutas, Martinsson & Rokhlin 2005):

    * ``method="qr"``: Y = A (dense only). With :math:`f = \max|X_{ij}|`,
      :math:`\|A - A_{:,J}X\|_2 \le \sqrt{1 + f^2k(n-k)}\,\sigma_{k+1}`
      (Gu & Eisenstat 1996 for strong RRQR; ``info["max_coef"]`` reports f,
      which LAPACK's greedy pivoting keeps small in practice).
    * ``method="randomized"`` (default): Y = TA, l = k + ``oversample``
      rows (default ``max(10, k)``, i.e. l = 2k), :math:`T = \mathrm{orth}(\Omega^T(AA^T)^q)` with q =
      ``power_iters`` (Halko, Martinsson & Tropp 2011, sec. 5.2; Martinsson,
      Rokhlin & Tygert 2011). The sketch decides J and X; each power step
      brings the error closer to the deterministic one on slowly decaying
      spectra. Dense or scipy.sparse A.

    Fixed accuracy (``tol``): k is the number of pivots with
    :math:`|R_{jj}| > \mathrm{tol}\,|R_{11}|` (so roughly
    :math:`\sigma_{k+1} \lesssim \mathrm{tol}\,\sigma_1`); the randomized
    sketch doubles from 32 rows until ``k + oversample <= l``. ``rank`` caps k.

    Parameters
    ----------
    A : (m, n) ndarray or scipy.sparse matrix
    rank : int, optional
        ``1 <= rank <= min(m, n)``; required unless ``tol`` is given.
    tol : float in (0, 1), optional
    axis : {1, 0}
        1: column ID, X is (k, n); 0: row ID :math:`A \approx XA_{J,:}`, X is (m, k).
    method : {"randomized", "qr"}
    oversample : int, optional
        Extra sketch rows p; default ``max(10, k)``. On P8 of
        benchmarks/selection.py (σ_i = i⁻², k = 100) l = k + 10 gave 1.8 times
        the deterministic error, l = 2k matched it.
    power_iters : int, default 1
    sketch : {"gaussian", "sparse_sign"}
    seed : None, int or numpy.random.Generator
    check_finite : bool, default True

    Returns
    -------
    IDResult
        ``idx`` (k,) int64 (pivot order), ``X``, ``info``. A CuPy array or
        cupyx.scipy.sparse matrix A runs the same algorithm on the GPU (CUDA
        build, current CuPy stream; the pivoted QR of the small sketch is
        done on the host): ``X`` is then a CuPy array and ``idx`` a NumPy
        int64 array.

    Notes
    -----
    Cost: randomized, ``2q + 1`` products of A with l columns plus a pivoted
    QR of the l x n sketch stopped after k steps, :math:`O(mnl(2q+1) + nlk)`; "qr" the first k steps
    of LAPACK's blocked pivoted QR of A (``laqps``, as in ``geqp3``),
    :math:`O(mnk)`. If ``rank`` exceeds the numerical rank,
    :math:`R_{11}` is near-singular and X may have large entries.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((100, 8)) @ rng.standard_normal((8, 60))
    >>> idx, X = linalg.interp_decomp(A, 8, seed=0)
    >>> bool(np.allclose(A[:, idx] @ X, A))
    True
    >>> idx, X = linalg.interp_decomp(A, tol=1e-8, axis=0, method="qr")
    >>> len(idx), bool(np.allclose(X @ A[idx, :], A))
    (8, True)
    """
    mat = as_matrix(A, "A", check_finite, device=True)
    m, n = shape_of(mat)
    if rank is None and tol is None:
        raise ValueError("give rank, or tol for the fixed-accuracy mode")
    k = 0 if rank is None else check_int(rank, "rank", 1, min(m, n))
    tol = _check_tol(tol)
    if axis not in (0, 1) or isinstance(axis, bool):
        raise ValueError(f"axis must be 0 (rows) or 1 (columns), got {axis!r}")
    check_choice(method, "method", ID_METHODS)
    check_choice(sketch, "sketch", SKETCHES)
    p = -1 if oversample is None else check_int(oversample, "oversample", 0)
    q = check_int(power_iters, "power_iters", 0)
    opts = dict(rank=k, tol=0.0 if tol is None else tol, randomized=method == "randomized", oversample=p,
                power_iters=q, sketch=sketch, seed=as_seed(seed))
    transpose = axis == 0
    if mat[0].startswith("cuda"):
        from . import _device

        if mat[0] == "cuda-dense":
            stream, dev = _device.stream_and_device(mat[1])
            idx, X, info = _core.cuda_interp_decomp_dense(mat[1], transpose, stream, dev, **opts)
        else:
            if method == "qr":
                raise TypeError("method='qr' needs a dense A; use method='randomized' for sparse input")
            data, indices, indptr, stored = mat[1]
            stream, dev = _device.stream_and_device(data)
            idx, X, info = _core.cuda_interp_decomp_csr(data, indices, indptr, stored[0], stored[1],
                                                        mat[2] != transpose, stream, dev, **opts)
    elif mat[0] == "dense":
        idx, X, info = _core.interp_decomp_dense(mat[1], transpose, **opts)
    else:
        if method == "qr":
            raise TypeError("method='qr' needs a dense A; use method='randomized' for sparse input")
        data, indices, indptr, stored = mat[1]
        with one_blas_thread():  # our OpenMP kernels do the products (see rsvd)
            idx, X, info = _core.interp_decomp_csr(data, indices, indptr, stored[0], stored[1],
                                                   mat[2] != transpose, **opts)
    if transpose:
        X = X.T  # a view: the row ID's X is (m, k)
    return IDResult(idx, X, info)


def _cur_middle(A, C, R):
    # U = C^+ A R^+ without forming pseudo-inverses: C = Qc Rc, R^T = Qr Rr,
    # U = Rc^{-1} (Qc^T A Qr) Rr^{-T}, two triangular solves (backward stable;
    # C U R = Qc Qc^T A Qr Qr^T exactly when the solves are exact).
    Qc, Rc = np.linalg.qr(C)
    Qr, Rr = np.linalg.qr(R.T)
    M = Qc.T @ np.asarray(A @ Qr)
    U1 = sla.solve_triangular(Rc, M, check_finite=False)
    return sla.solve_triangular(Rr, U1.T, check_finite=False).T


def cur(A, rank, *, method="id", oversample=None, power_iters=1, seed=None, check_finite=True) -> CURResult:
    r"""CUR decomposition :math:`A \approx C U R`, C = A[:, cols], R = A[rows, :].

    * ``method="id"`` (default; Voronin & Martinsson 2017): the columns are a
      randomized column ID of A (:func:`interp_decomp`), the rows a
      deterministic row ID of C (m x k, cheap).
    * ``method="leverage"`` (Mahoney & Drineas 2009): rank-k leverage
      scores from :func:`linalg.rsvd`, :math:`\|V_k^T e_j\|^2/k` for columns
      and :math:`\|U_k^T e_i\|^2/k` for rows; ``rank`` columns and rows are
      drawn without replacement with these probabilities.

    Then :math:`U = C^+AR^+`, so :math:`CUR = P_CAP_R` and
    :math:`\|A - CUR\| \le \|A - P_CA\| + \|A - AP_R\|` in any unitarily
    invariant norm. U is computed from QR factors of C and Rᵀ with two
    triangular solves, never by explicit pseudo-inverses.

    Parameters
    ----------
    A : (m, n) ndarray or scipy.sparse matrix
    rank : int, 1 <= rank <= min(m, n)
    method : {"id", "leverage"}
    oversample, power_iters, seed
        Passed to the randomized ID or rsvd (``oversample=None``: the ID's
        default, 10 for rsvd).

    A CuPy array or cupyx.scipy.sparse matrix runs on the GPU (the ID or
    rsvd on the CUDA context, the QRs and solves with CuPy): ``U`` is a CuPy
    array, ``cols`` and ``rows`` are NumPy int64 arrays as on the CPU path.

    Notes
    -----
    Cost: the ID or rsvd of A, plus :math:`O(mk^2 + nk^2)` for the QRs and
    one product of A with k columns for U.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((80, 6)) @ rng.standard_normal((6, 50))
    >>> cols, U, rows = linalg.cur(A, 6, seed=0)
    >>> bool(np.allclose(A[:, cols] @ U @ A[rows, :], A))
    True
    """
    mat = as_matrix(A, "A", check_finite, device=True)
    m, n = shape_of(mat)
    k = check_int(rank, "rank", 1, min(m, n))
    check_choice(method, "method", CUR_METHODS)
    p = None if oversample is None else check_int(oversample, "oversample", 0)
    q = check_int(power_iters, "power_iters", 0)
    if mat[0].startswith("cuda"):
        return _cur_device(mat, k, method, p, q, seed)
    a = mat[1] if mat[0] == "dense" else sp.csr_matrix((mat[1][0], mat[1][1], mat[1][2]), shape=mat[1][3])
    if mat[0] != "dense" and mat[2]:
        a = a.T
    if method == "id":
        cols, _ = interp_decomp(a, k, oversample=p, power_iters=q, seed=seed, check_finite=False)
        C = a[:, cols]
        C = C.toarray() if sp.issparse(C) else np.asarray(C)
        rows, _ = interp_decomp(C, k, axis=0, method="qr", check_finite=False)
    else:
        from .rsvd import rsvd

        gen = np.random.default_rng(as_seed(seed))
        Uk, _, Vh = rsvd(a, k, oversample=10 if p is None else p, power_iters=q, seed=gen, check_finite=False)
        pc = np.einsum("ij,ij->j", Vh, Vh).astype(np.float64)
        pr = np.einsum("ij,ij->i", Uk, Uk).astype(np.float64)
        cols = np.sort(gen.choice(n, k, replace=False, p=pc / pc.sum())).astype(np.int64)
        rows = np.sort(gen.choice(m, k, replace=False, p=pr / pr.sum())).astype(np.int64)
        C = a[:, cols]
        C = C.toarray() if sp.issparse(C) else np.asarray(C)
    R = a[rows, :]
    R = R.toarray() if sp.issparse(R) else np.asarray(R)
    return CURResult(np.asarray(cols, dtype=np.int64), _cur_middle(a, C, R), np.asarray(rows, dtype=np.int64))


def _cr_inputs(A, B, check_finite):
    """(a, b, scores, xp): scores are host float64 (n,) on both paths, so
    that the selection and the sampling are the host's for the same seed."""
    from . import _device

    on_device = _device.is_device(A)
    _device.check_same_kind(on_device, B, "B")
    ma, mb = as_matrix(A, "A", check_finite, device=True), as_matrix(B, "B", check_finite, device=True)
    if ma[0] not in ("dense", "cuda-dense") or mb[0] not in ("dense", "cuda-dense"):
        raise TypeError("cr_product/cr_select take dense A and B")
    a, b = ma[1], mb[1]
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"A.shape[1] must equal B.shape[0], got A{a.shape} and B{b.shape}")
    if a.dtype != b.dtype:
        dt = np.promote_types(a.dtype, b.dtype)
        a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
    if on_device:
        cp = _device._cupy()
        _device.stream_and_device(a)
        scores = cp.asnumpy(cp.linalg.norm(a, axis=0).astype(np.float64) * cp.linalg.norm(b, axis=1).astype(np.float64))
        return a, b, scores, cp
    scores = np.linalg.norm(a, axis=0).astype(np.float64) * np.linalg.norm(b, axis=1).astype(np.float64)
    return a, b, scores, np


def cr_select(A, B, k, *, check_finite=True):
    r"""Indices of the k column/row pairs with the largest :math:`\|a_i\|\,\|b_i\|`.

    The deterministic CR selection (MoDeGPT type II, Lin et al. 2025): for
    :math:`AB = \sum_i a_ib_i^T` (:math:`a_i` the columns of A,
    :math:`b_i^T` the rows of B), keep the k outer products with the largest
    norm bound :math:`\|a_ib_i^T\|_F = \|a_i\|\|b_i\|`. Cost :math:`O(mn + np)`.

    Returns
    -------
    idx : (k,) int64, in decreasing score order: a NumPy array, also for
        CuPy A and B (the norms are then computed on the GPU).

    Examples
    --------
    >>> import numpy as np, linalg
    >>> A = np.diag([1.0, 5.0, 3.0]); B = np.eye(3)
    >>> linalg.cr_select(A, B, 2).tolist()
    [1, 2]
    """
    a, b, scores, _ = _cr_inputs(A, B, check_finite)
    k = check_int(k, "k", 1, a.shape[1])
    return np.argsort(-scores, kind="stable")[:k].astype(np.int64)


def cr_product(A, B, c, *, method="sampled", seed=None, check_finite=True) -> CRResult:
    r"""Approximate ``A @ B`` from c column/row pairs (CR multiplication).

    ``method="sampled"`` (Drineas, Kannan & Mahoney 2006): draw c indices
    i.i.d. with :math:`p_i = \|a_i\|\|b_i\|/\sum_j\|a_j\|\|b_j\|` and return
    :math:`\frac1c\sum_t a_{i_t}b_{i_t}^T/p_{i_t}`, an unbiased estimate of
    AB with the smallest possible variance among such estimators,

    .. math:: E\|AB - CR\|_F^2 = \frac1c\Big(\big(\textstyle\sum_i\|a_i\|\|b_i\|\big)^2 - \|AB\|_F^2\Big).

    ``method="topk"``: the c pairs of :func:`cr_select`, unscaled (biased,
    deterministic; ``c`` at most n).

    Returns
    -------
    CRResult
        ``product`` (m, p), ``idx`` (c,) int64, ``scale`` (c,) with
        ``product = (A[:, idx] * scale) @ B[idx, :]``. For CuPy A and B,
        ``product`` and ``scale`` are CuPy arrays (computed on the GPU) and
        ``idx`` a NumPy int64 array, drawn on the host exactly as for NumPy
        input with the same seed.

    Notes
    -----
    Cost: :math:`O(mn + np)` for the norms, :math:`O(mcp)` for the product.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.standard_normal((30, 400)), rng.standard_normal((400, 20))
    >>> res = linalg.cr_product(A, B, 200, seed=0)
    >>> res.product.shape, res.idx.shape
    ((30, 20), (200,))
    >>> exact = linalg.cr_product(A, B, 400, method="topk").product
    >>> bool(np.allclose(exact, A @ B))
    True
    """
    check_choice(method, "method", CR_METHODS)
    a, b, scores, xp = _cr_inputs(A, B, check_finite)
    n = a.shape[1]
    if method == "topk":
        c = check_int(c, "c", 1, n)
        idx = np.argsort(-scores, kind="stable")[:c].astype(np.int64)
        scale = np.ones(c, dtype=a.dtype)
    else:
        c = check_int(c, "c", 1)
        total = scores.sum()
        prob = scores / total if total > 0 else np.full(n, 1.0 / n)
        gen = np.random.default_rng(as_seed(seed))
        idx = gen.choice(n, size=c, replace=True, p=prob).astype(np.int64)
        scale = (1.0 / (c * prob[idx])).astype(a.dtype)
    if xp is not np:  # CuPy A and B: the product on the GPU, CuPy product and scale
        jd, scale = xp.asarray(idx), xp.asarray(scale)
        return CRResult((a[:, jd] * scale) @ b[jd, :], idx, scale)
    product = (a[:, idx] * scale) @ b[idx, :]
    return CRResult(product, idx, scale)


def _cur_middle_device(A, C, R):
    """_cur_middle with CuPy (A dense or cupyx sparse)."""
    import cupy as cp
    from cupyx.scipy.linalg import solve_triangular

    Qc, Rc = cp.linalg.qr(C)
    Qr, Rr = cp.linalg.qr(R.T)
    M = Qc.T @ cp.asarray(A @ Qr)
    U1 = solve_triangular(Rc, M, check_finite=False)
    return solve_triangular(Rr, U1.T, check_finite=False).T


def _cur_device(mat, k, method, p, q, seed):
    """cur on CuPy input: the same steps as the host path, on the GPU."""
    import cupy as cp
    import cupyx.scipy.sparse as csp

    from . import _device

    if mat[0] == "cuda-dense":
        a = mat[1]
        _device.stream_and_device(a)
    else:
        data, indices, indptr, stored = mat[1]
        _device.stream_and_device(data)
        if indptr.dtype != np.int32:
            indices, indptr = indices.astype(np.int32), indptr.astype(np.int32)  # cupyx wants int32
        a = csp.csr_matrix((data, indices, indptr), shape=stored)
        if mat[2]:
            a = a.T.tocsr()
    m, n = a.shape

    def take(idx, axis):
        """A[:, idx] (axis 1) or A[idx, :] (axis 0) as a dense CuPy array;
        sparse A through a product with a 0/1 selection matrix."""
        jd = cp.asarray(idx)
        if not csp.issparse(a):
            return a[:, jd] if axis == 1 else a[jd, :]
        size = (n, len(idx)) if axis == 1 else (len(idx), m)
        pos = cp.arange(len(idx), dtype=cp.int32)
        ij = (jd.astype(cp.int32), pos) if axis == 1 else (pos, jd.astype(cp.int32))
        S = csp.csr_matrix((cp.ones(len(idx), dtype=a.dtype), ij), shape=size)
        return (a @ S if axis == 1 else S @ a).toarray()

    if method == "id":
        cols, _ = interp_decomp(a, k, oversample=p, power_iters=q, seed=seed, check_finite=False)
        C = take(cols, 1)
        rows, _ = interp_decomp(C, k, axis=0, method="qr", check_finite=False)
    else:
        from .rsvd import rsvd

        gen = np.random.default_rng(as_seed(seed))
        Uk, _, Vh = rsvd(a, k, oversample=10 if p is None else p, power_iters=q, seed=gen, check_finite=False)
        pc = cp.asnumpy(cp.einsum("ij,ij->j", Vh, Vh)).astype(np.float64)
        pr = cp.asnumpy(cp.einsum("ij,ij->i", Uk, Uk)).astype(np.float64)
        cols = np.sort(gen.choice(n, k, replace=False, p=pc / pc.sum())).astype(np.int64)
        rows = np.sort(gen.choice(m, k, replace=False, p=pr / pr.sum())).astype(np.int64)
        C = take(cols, 1)
    R = take(rows, 0)
    return CURResult(np.asarray(cols, dtype=np.int64), _cur_middle_device(a, C, R), np.asarray(rows, dtype=np.int64))
