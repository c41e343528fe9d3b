"""Randomized Nyström approximation of PSD matrices, and ridge-leverage column selection."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla

from . import _core
from ._blas import one_blas_thread
from ._validate import as_matrix, as_seed, check_choice, check_int, shape_of
from ._results import Unpacks

SKETCHES = ("gaussian", "sparse_sign")


@dataclass(frozen=True)
class EighResult(Unpacks):
    """A truncated eigendecomposition ``A ~ V @ diag(w) @ V.T``.

    Unpacks like a tuple: ``w, V = linalg.nystrom(A, k)``; ``eigenvalues``
    are descending and ``eigenvectors`` has orthonormal columns. ``info``
    reports the sketch size, the number of products with A (``passes``),
    the stabilising shift and, in fixed-accuracy mode, the error estimate.
    """

    eigenvalues: Any
    eigenvectors: Any
    info: dict = field(default_factory=dict, repr=False, compare=False)

    _unpack = ("eigenvalues", "eigenvectors")


@dataclass(frozen=True)
class NystromSelection(Unpacks):
    """Columns ``idx`` of a PSD C and the Nyström factor ``F`` (k, n).

    ``C ~ C[:, idx] @ F`` and, for ``C = H.T @ H``, ``H @ W ~ H[:, idx] @ (F @ W)``.
    ``scores`` are the ridge leverage scores of all n columns.
    Unpacks as ``(idx, factor)``.
    """

    idx: Any
    factor: Any
    scores: Any

    _unpack = ("idx", "factor")


def _check_psd_diagonal(mat, name):
    # A PSD matrix has a non-negative diagonal: an O(n) necessary check.
    if mat[0] == "cuda-dense":
        import cupy as cp

        d = cp.asnumpy(cp.diagonal(mat[1]))
    elif mat[0] == "cuda-csr":
        import cupy as cp
        import cupyx.scipy.sparse as csp

        data, indices, indptr, stored = mat[1]
        if indptr.dtype != np.int32 and int(indptr[-1]) < 2**31 and max(stored) < 2**31:
            indices, indptr = indices.astype(np.int32), indptr.astype(np.int32)  # cupyx wants int32
        d = cp.asnumpy(csp.csr_matrix((data, indices, indptr), shape=stored).diagonal())
    elif mat[0] == "dense":
        d = np.diagonal(mat[1])
    else:
        data, indices, indptr, stored = mat[1]
        import scipy.sparse as sp

        d = sp.csr_matrix((data, indices, indptr), shape=stored).diagonal()
    i = int(np.argmin(d))
    if d[i] < 0:
        raise ValueError(f"{name} is not positive semidefinite: diagonal entry {name}[{i}, {i}] = {d[i]:.3g} < 0")


def _given_sketch(sketch, n, k, tol, dtype, on_device=False):
    if tol is not None:
        raise ValueError("a given sketch matrix needs a fixed rank: pass rank, not tol")
    if k == 0:
        raise ValueError("a given sketch matrix needs rank")
    from . import _device

    _device.check_same_kind(on_device, sketch, "sketch")
    xp = _device._cupy() if on_device else np
    om = xp.asarray(sketch)
    if om.ndim != 2 or om.shape[0] != n or not k <= om.shape[1] <= n:
        raise ValueError(f"sketch must be 'gaussian', 'sparse_sign' or an (n, l) array with rank <= l <= n "
                         f"(n = {n}, rank = {k}), got shape {om.shape}")
    om = xp.asfortranarray(om, dtype=dtype)
    if not bool(xp.isfinite(om).all()):
        raise ValueError("sketch contains NaN or Inf")
    return om


def nystrom(A, rank=None, *, oversample=10, power_iters=0, sketch="gaussian", seed=None, tol=None,
            check_finite=True) -> EighResult:
    r"""Randomized Nyström approximation of a symmetric PSD matrix.

    For an orthonormal test matrix :math:`\Omega` (n x l, ``l = rank +
    oversample``; with ``power_iters = q``, :math:`\Omega =
    \mathrm{orth}(A^q G)` for a Gaussian or sparse-sign G) the Nyström
    approximation is

    .. math:: \hat A = (A\Omega)(\Omega^TA\Omega)^{+}(A\Omega)^T,
              \qquad 0 \preceq \hat A \preceq A,

    returned as its truncated eigendecomposition ``V diag(w) V^T`` of rank
    ``rank``. It is computed in the numerically stable form of Tropp,
    Yurtsever, Udell & Cevher (2017, Alg. 3): with :math:`Y = A\Omega`,
    shift :math:`\nu = \sqrt{n}\,u\,\|Y\|_F` (u the unit roundoff),
    :math:`Y_\nu = Y + \nu\Omega`, Cholesky :math:`\Omega^TY_\nu = R^TR`,
    :math:`F = Y_\nu R^{-1} = U\Sigma W^T`, and ``w = max(0, Sigma**2 - nu)``.
    With Gaussian G and q = 0, :math:`E\|A - \hat A_r\|_* \le (1 + r/(l -
    r - 1))\sum_{j>r}\lambda_j` for the rank-r truncation with r < l - 1
    (Tropp et al. 2017, Thm 4.1).

    Fixed accuracy (``tol``, ``rank`` optional cap): the sketch size
    doubles from 32, keeping earlier products, until a randomized power
    estimate (4 probes, 10 steps) of :math:`\|A - \hat A\|_2` is at most
    ``tol * w[0] / 2`` (Frangella, Tropp & Udell 2023, Alg. 5.4); the pairs
    with ``w > tol * w[0] / 2`` are returned, so :math:`\|A - \hat A_r\|_2
    \lesssim` ``tol * w[0]``. ``info["error_estimate"]`` gives the estimate
    (plus the first dropped eigenvalue); ``info["converged"]`` is False when
    the cap stopped the growth first.

    Parameters
    ----------
    A : (n, n) ndarray or scipy.sparse matrix, or their CuPy counterparts
        Symmetric positive semidefinite; float32 stays float32 (C or F
        order, no copy), integers become float64 once. A CuPy array or
        cupyx.scipy.sparse matrix runs the same algorithm on the GPU (CUDA
        build, current CuPy stream): eigenvalues and eigenvectors come back
        as CuPy arrays; a given ``sketch`` must then be a CuPy array too.
    rank : int
        Target rank, ``1 <= rank <= n`` (required unless ``tol`` is given).
    oversample : int, default 10
    power_iters : int, default 0
        Power steps q; each costs one more product with A and sharpens the
        approximation for slowly decaying spectra.
    sketch : {"gaussian", "sparse_sign"} or (n, l) array
        The test matrix G: Gaussian, sparse sign (8 nonzeros per row), or a
        given array (rank <= l <= n; ``oversample`` is then ignored). Only
        its range matters: G and G @ M (M invertible) give the same result.
    seed : None, int or numpy.random.Generator
    tol : float in (0, 1), optional
        Target relative spectral error (fixed-accuracy mode).
    check_finite : bool, default True

    Raises
    ------
    ValueError
        A not square; rank out of range; NaN/Inf; A not symmetric (checked on
        the sketch: :math:`\|B - B^T\|_F \le 100\sqrt{n}\,u\,\sqrt{l}\,\|Y\|_F`
        for :math:`B = \Omega^TA\Omega`, which a non-symmetric A fails almost
        surely); A not PSD (a negative diagonal entry, or a Cholesky failure
        of :math:`\Omega^TA\Omega + \nu I`). Negative eigenvalues of A smaller
        in size than the shift, or outside the sketched subspace, are not
        detected: they are clipped to 0 by ``max(0, .)``.

    Notes
    -----
    Cost: ``q + 1`` products of A with l columns (:math:`O(n^2 l)` dense,
    :math:`O(\mathrm{nnz}\,l)` sparse) plus :math:`O(n l^2)`; memory
    :math:`O(n l)`.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> G = np.random.default_rng(0).standard_normal((200, 10))
    >>> A = G @ G.T                                   # PSD, rank 10
    >>> w, V = linalg.nystrom(A, 10, seed=0)
    >>> bool(np.allclose((V * w) @ V.T, A))
    True
    >>> bool(np.allclose(w, np.linalg.eigvalsh(A)[::-1][:10]))
    True
    """
    mat = as_matrix(A, "A", check_finite, device=True)
    on_device = mat[0].startswith("cuda")
    m, n = shape_of(mat)
    if m != n:
        raise ValueError(f"A must be square, got shape {(m, n)}")
    if (rank is None) and (tol is None):
        raise ValueError("give rank, or tol for the fixed-accuracy mode")
    k = 0 if rank is None else check_int(rank, "rank", 1, n)
    if tol is not None:
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)):
            raise TypeError(f"tol must be a float, got {type(tol).__name__}")
        tol = float(tol)
        if not 0.0 < tol < 1.0:
            raise ValueError(f"tol must be in (0, 1), got {tol}")
    p = check_int(oversample, "oversample", 0)
    q = check_int(power_iters, "power_iters", 0)
    dtype = mat[1].dtype if mat[0] in ("dense", "cuda-dense") else mat[1][0].dtype
    omega = None
    if isinstance(sketch, str):
        check_choice(sketch, "sketch", SKETCHES)
    else:
        omega = _given_sketch(sketch, n, k, tol, dtype, on_device)
        sketch = "given"
    _check_psd_diagonal(mat, "A")
    opts = dict(rank=k, oversample=p, power_iters=q, tol=0.0 if tol is None else tol, sketch=sketch,
                seed=as_seed(seed), omega=omega)
    if on_device:
        from . import _device

        if mat[0] == "cuda-dense":
            stream, dev = _device.stream_and_device(mat[1])
            w, V, info = _core.cuda_nystrom_dense(mat[1], stream, dev, **opts)
        else:
            data, indices, indptr, stored = mat[1]
            stream, dev = _device.stream_and_device(data)
            w, V, info = _core.cuda_nystrom_csr(data, indices, indptr, stored[0], stored[1], mat[2], stream, dev,
                                                **opts)
        return EighResult(w, V, info)
    if mat[0] == "dense":
        w, V, info = _core.nystrom_dense(mat[1], **opts)
    else:
        data, indices, indptr, stored = mat[1]
        with one_blas_thread():  # our OpenMP kernels do the products (see rsvd)
            w, V, info = _core.nystrom_csr(data, indices, indptr, stored[0], stored[1], mat[2], **opts)
    return EighResult(w, V, info)


def nystrom_select(C, k, *, ridge) -> NystromSelection:
    r"""Pick k columns of a PSD C by ridge leverage and return the Nyström factor.

    The ridge leverage scores (Alaoui & Mahoney 2015; Cohen, Musco & Musco
    2017) are

    .. math:: \ell_i(\lambda) = [C(C+\lambda I)^{-1}]_{ii}
              = 1 - \lambda[(C+\lambda I)^{-1}]_{ii}
              = \sum_j \frac{\lambda_j}{\lambda_j + \lambda} v_{ij}^2 ,

    each in [0, 1), summing to the effective dimension
    :math:`\sum_j \lambda_j/(\lambda_j+\lambda)`. The k columns J of largest
    score are returned with the ridge-regularised Nyström factor

    .. math:: F = (C_{JJ} + \lambda I)^{-1} C_{J,:}\quad (k \times n),
              \qquad C \approx C_{:,J}F .

    For C = HᵀH (the correlation of a layer's hidden activations H,
    MoDeGPT type I; Lin et al. 2025), :math:`F W` is the ridge least-squares
    solution of :math:`\min_X \|HW - H_{:,J}X\|_F^2 + \lambda\|X\|_F^2`
    — the compressed down-projection that keeps only the hidden units J.

    Parameters
    ----------
    C : (n, n) ndarray, symmetric PSD (dense)
    k : int, 1 <= k <= n
    ridge : float > 0

    Returns
    -------
    NystromSelection
        ``idx`` (k,) int64 in decreasing score order, ``factor`` (k, n),
        ``scores`` (n,). For a CuPy C the same computation runs on the GPU
        (CuPy/cuSOLVER): ``factor`` and ``scores`` are CuPy arrays, ``idx``
        stays a NumPy int64 array (as on the CPU path).

    Notes
    -----
    Cost: one Cholesky of C + λI and a triangular inverse, :math:`O(n^3)`,
    plus :math:`O(k^2 n)` for the factor.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> H = np.random.default_rng(0).standard_normal((500, 40)) * np.linspace(2, 0.1, 40)
    >>> sel = linalg.nystrom_select(H.T @ H, 10, ridge=1e-3)
    >>> sel.idx.shape, sel.factor.shape
    ((10,), (10, 40))
    >>> bool(np.isclose(sel.scores.sum(), np.sum(1 / (1 + 1e-3 / np.linalg.eigvalsh(H.T @ H)))))
    True
    """
    mat = as_matrix(C, "C", True, device=True)
    if mat[0] == "cuda-dense":
        return _nystrom_select_device(mat, k, ridge)
    if mat[0] != "dense":
        raise TypeError("nystrom_select takes a dense C")
    C = mat[1]
    n, n2 = C.shape
    if n != n2:
        raise ValueError(f"C must be square, got shape {C.shape}")
    k = check_int(k, "k", 1, n)
    if isinstance(ridge, bool) or not isinstance(ridge, (int, float, np.floating, np.integer)):
        raise TypeError(f"ridge must be a float, got {type(ridge).__name__}")
    ridge = float(ridge)
    if not ridge > 0.0 or not np.isfinite(ridge):
        raise ValueError(f"ridge must be > 0, got {ridge}")
    scale = float(np.abs(C).max())
    if np.abs(C - C.T).max() > 100 * np.sqrt(n) * np.finfo(C.dtype).eps * scale:
        raise ValueError("C is not symmetric")
    _check_psd_diagonal(mat, "C")
    eye = np.eye(n, dtype=C.dtype)
    try:
        L = sla.cholesky(C + ridge * eye, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        raise ValueError("C is not positive semidefinite (C + ridge*I has no Cholesky factor)") from None
    # diag((C + ridge I)^{-1}) = column sums of squares of L^{-1}.
    Linv = sla.solve_triangular(L, eye, lower=True, check_finite=False)
    scores = 1.0 - ridge * np.einsum("ij,ij->j", Linv, Linv)
    idx = np.argsort(-scores, kind="stable")[:k].astype(np.int64)
    CJJ = C[np.ix_(idx, idx)] + ridge * np.eye(k, dtype=C.dtype)
    factor = sla.solve(CJJ, C[idx, :], assume_a="pos", check_finite=False)
    return NystromSelection(idx, factor, scores)


def _ridge_value(ridge):
    if isinstance(ridge, bool) or not isinstance(ridge, (int, float, np.floating, np.integer)):
        raise TypeError(f"ridge must be a float, got {type(ridge).__name__}")
    ridge = float(ridge)
    if not ridge > 0.0 or not np.isfinite(ridge):
        raise ValueError(f"ridge must be > 0, got {ridge}")
    return ridge


def _nystrom_select_device(mat, k, ridge):
    """nystrom_select on a CuPy C: the host algorithm with CuPy/cuSOLVER."""
    import cupy as cp
    import cupyx
    from cupyx.scipy.linalg import solve_triangular

    from . import _device

    C = mat[1]
    n, n2 = C.shape
    if n != n2:
        raise ValueError(f"C must be square, got shape {C.shape}")
    k = check_int(k, "k", 1, n)
    ridge = _ridge_value(ridge)
    _device.stream_and_device(C)
    scale = float(cp.abs(C).max())
    if float(cp.abs(C - C.T).max()) > 100 * np.sqrt(n) * np.finfo(C.dtype).eps * scale:
        raise ValueError("C is not symmetric")
    _check_psd_diagonal(mat, "C")
    eye = cp.eye(n, dtype=C.dtype)
    try:
        with cupyx.errstate(linalg="raise"):
            L = cp.linalg.cholesky(C + ridge * eye)
    except np.linalg.LinAlgError:
        raise ValueError("C is not positive semidefinite (C + ridge*I has no Cholesky factor)") from None
    if not bool(cp.isfinite(L).all()):
        raise ValueError("C is not positive semidefinite (C + ridge*I has no Cholesky factor)")
    Linv = solve_triangular(L, eye, lower=True, check_finite=False)
    scores = 1.0 - ridge * cp.einsum("ij,ij->j", Linv, Linv)
    idx = np.argsort(-cp.asnumpy(scores), kind="stable")[:k].astype(np.int64)
    jd = cp.asarray(idx)
    CJJ = C[cp.ix_(jd, jd)] + ridge * cp.eye(k, dtype=C.dtype)
    with cupyx.errstate(linalg="raise"):
        LJ = cp.linalg.cholesky(CJJ)
    Y = solve_triangular(LJ, C[jd, :], lower=True, check_finite=False)
    factor = solve_triangular(LJ, Y, lower=True, trans="T", check_finite=False)
    return NystromSelection(idx, factor, scores)
