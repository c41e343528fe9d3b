"""Tucker decomposition of dense N-d arrays: HOOI, ST-HOSVD and HOSVD."""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _core
from ._validate import _check_dtype, _float_dtype, as_seed, check_choice, check_int
from ._results import Unpacks

METHODS = ("hooi", "sthosvd", "hosvd")
_BASIS = {True: "auto", False: "exact", "always": "randomized"}


@dataclass(frozen=True)
class TuckerResult(Unpacks):
    """A Tucker decomposition ``X ~ core x_1 factors[0] ... x_N factors[N-1]``.

    Unpacks like a tuple: ``core, factors = linalg.tucker(X, ranks)``.
    ``factors[n]`` is ``(X.shape[n], ranks[n])`` with orthonormal columns;
    ``rel_error`` is :math:`\\|X - \\hat X\\|_F / \\|X\\|_F`, computed as
    :math:`\\sqrt{\\|X\\|^2 - \\|G\\|^2} / \\|X\\|` (exact for orthonormal
    factors, but it cannot resolve errors below about ``sqrt(eps)``: use
    ``to_tensor()`` for those). ``info`` says how it was computed: the ranks,
    the basis route of every mode (``"randomized"``, ``"gram"``, ``"svd"`` or
    ``"identity"``), the mode order of the truncation, the HOOI sweeps, and
    the squared core norm after each sweep (``core_sq_history``).
    """

    core: Any
    factors: list
    rel_error: float
    info: dict = field(default_factory=dict, repr=False, compare=False)

    _unpack = ("core", "factors")

    def to_tensor(self):
        """The full tensor :math:`\\hat X` (see :func:`tucker_to_tensor`)."""
        return tucker_to_tensor(self.core, self.factors)


def _as_tensor(X, name="X"):
    if not isinstance(X, np.ndarray):
        X = np.asarray(X)
    _check_dtype(X.dtype, name)
    if X.ndim < 2:
        raise ValueError(f"{name} must have at least 2 modes (ndim >= 2), got a {X.ndim}-D array of shape {X.shape}")
    if X.size == 0:
        raise ValueError(f"{name} is empty (shape {X.shape})")
    X = _float_dtype(X)
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        X = np.ascontiguousarray(X)  # other strides: one copy
    return X


def _as_device_tensor(X, name="X"):
    from . import _device

    _device._require_build(name)
    cp = _device._cupy()
    if not isinstance(X, cp.ndarray):
        X = cp.asarray(X)
    _device._check_dtype(X.dtype, name)
    if X.ndim < 2:
        raise ValueError(f"{name} must have at least 2 modes (ndim >= 2), got a {X.ndim}-D array of shape {X.shape}")
    if X.size == 0:
        raise ValueError(f"{name} is empty (shape {X.shape})")
    X = _device._float_dtype(X)
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        X = cp.ascontiguousarray(X)  # other strides: one copy, on the device
    return X


def _ranks(ranks, shape):
    N = len(shape)
    if isinstance(ranks, numbers.Integral) and not isinstance(ranks, (bool, np.bool_)):
        ranks = [ranks] * N
    try:
        ranks = list(ranks)
    except TypeError:
        raise TypeError(f"ranks must be an int or a sequence of ints/None, got {type(ranks).__name__}") from None
    if len(ranks) != N:
        raise ValueError(f"ranks must have one entry per mode ({N}), got {len(ranks)}")
    return [shape[n] if r is None else check_int(r, f"ranks[{n}]", 1, shape[n]) for n, r in enumerate(ranks)]


def tucker(X, ranks=None, *, tol=None, method="hooi", randomized=True, oversample=10, power_iters=1,
           max_iter=50, rtol=1e-6, seed=None, check_finite=True) -> TuckerResult:
    r"""Tucker decomposition :math:`X \approx G \times_1 U_1 \times_2 \cdots \times_N U_N`.

    Finds orthonormal :math:`U_n` (``X.shape[n] x r_n``) and the core
    :math:`G = X \times_1 U_1^T \cdots \times_N U_N^T`, so that
    :math:`\|X - \hat X\|_F^2 = \|X\|_F^2 - \|G\|_F^2`.

    * ``method="sthosvd"``: sequentially truncated HOSVD (Vannieuwenhoven,
      Vandebril & Meerbergen 2012). Modes are truncated one after the other,
      largest reduction :math:`I_n / r_n` first; :math:`U_n` spans the leading
      left singular vectors of the mode-n unfolding of the tensor already
      truncated in the earlier modes, so only the first mode reads all of X.
    * ``method="hosvd"``: every :math:`U_n` from the unfolding of X itself
      (De Lathauwer, De Moor & Vandewalle 2000).
    * ``method="hooi"`` (default): higher-order orthogonal iteration from the
      ST-HOSVD: each sweep sets :math:`U_n` to the leading left singular
      vectors of :math:`(X \times_{k\ne n} U_k^T)_{(n)}` (exact, from a small
      Gram matrix) for every mode; :math:`\|G\|` never decreases, and sweeps
      stop once it changes by at most ``rtol`` relative, or after
      ``max_iter``. Never worse than its ST-HOSVD start.

    For HOSVD and ST-HOSVD with exact bases, with :math:`\Delta_n^2` the
    energy of X's mode-n unfolding beyond rank :math:`r_n`:
    :math:`\max_n \Delta_n^2 \le \|X - \hat X\|^2 \le \sum_n \Delta_n^2`.

    Bases. ``randomized=True`` takes each mode's basis from the randomized
    range finder on the unfolding (``l = r_n + oversample`` Gaussian columns,
    ``power_iters`` power steps; Halko, Martinsson & Tropp 2011), then the top
    ``r_n`` left singular vectors of :math:`Q^T X_{(n)}` — unless the exact
    route costs less: the eigenvectors of the Gram matrix
    :math:`X_{(n)}X_{(n)}^T` for a short, fat unfolding (:math:`I_n \le
    8l(q+1)`: the syrk runs near the GEMM peak while the sketch passes are
    memory-bound; one pass, no :math:`I_n \times P` temporaries), or the SVD of a
    tall one. ``randomized="always"`` uses the range finder for every
    truncated mode; with ``power_iters=0`` it satisfies
    :math:`\mathbb{E}\|X-\hat X\|^2 \le \sum_n (1 + r_n/(p-1))\Delta_n^2`
    (Minster, Saibaba & Kilmer 2020). ``randomized=False`` is exact
    throughout. Modes kept whole (:math:`r_n = I_n`) get the identity.

    Tolerance mode (``tol=eps``): ranks are chosen, with exact bases, so that
    each truncation discards at most :math:`\epsilon^2\|X\|^2/N`, hence
    :math:`\|X-\hat X\| \le \epsilon\|X\|` (HOOI starts there and only
    improves).

    Parameters
    ----------
    X : array_like or cupy.ndarray, at least 2-D
        float32 stays float32, float64 stays float64 (C or F order, read-only
        fine, no copy); integers and booleans become float64 once; other
        strides are copied once. Randomized results depend on the memory
        order (the sketch is drawn in memory order).
    ranks : int or sequence of int/None, optional
        Multilinear rank :math:`(r_1, \dots, r_N)`, ``1 <= r_n <= X.shape[n]``;
        ``None`` keeps that mode whole; an int applies to every mode.
        Exactly one of ``ranks`` and ``tol``.
    tol : float, optional
        Target relative error in (0, 1), at least ``sqrt(20 eps)`` of the
        dtype (1.5e-3 for float32, 6.7e-8 for float64).
    method : {"hooi", "sthosvd", "hosvd"}
    randomized : bool or "always", default True
    oversample : int, default 10
    power_iters : int, default 1
    max_iter : int, default 50
        HOOI sweeps at most (0: the ST-HOSVD start).
    rtol : float, default 1e-6
        HOOI stops when :math:`|\|G_k\| - \|G_{k-1}\|| \le \mathrm{rtol}\,\|G_k\|`.
    seed : None, int or numpy.random.Generator
    check_finite : bool, default True
        Reject NaN/Inf before any work.

    Returns
    -------
    TuckerResult
        ``core`` (same dtype and memory order as X), ``factors``,
        ``rel_error`` and ``info``. For a CuPy ``X`` the same algorithm runs
        on the GPU (CUDA build, on the current CuPy stream of X's device):
        ``core`` and ``factors`` are CuPy arrays; the mode products are
        cuBLAS GEMMs (strided-batched for a middle mode), the small Gram
        eigenproblems and SVDs are solved on the host, as on the CPU.

    Notes
    -----
    Cost, for :math:`|X|` entries: an exact basis :math:`I_n |X|` flops (a
    syrk), a randomized one :math:`2 l (2q+2) |X|`, and the truncation
    :math:`2 r_n |X|`, each on the tensor as truncated so far (ST-HOSVD) or
    on X (HOSVD). A HOOI sweep costs two products of X with a factor plus
    smaller ones. Mode products and unfoldings are GEMMs on strided views of
    the array; memory beyond X is about one truncated tensor.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(0)
    >>> G = rng.standard_normal((3, 4, 2))
    >>> U = [np.linalg.qr(rng.standard_normal((n, r)))[0] for n, r in [(20, 3), (30, 4), (10, 2)]]
    >>> X = linalg.tucker_to_tensor(G, U)
    >>> core, factors = linalg.tucker(X, (3, 4, 2), seed=0)
    >>> core.shape, [f.shape for f in factors]
    ((3, 4, 2), [(20, 3), (30, 4), (10, 2)])
    >>> bool(np.allclose(linalg.tucker_to_tensor(core, factors), X))
    True
    >>> res = linalg.tucker(X + 1e-4 * rng.standard_normal(X.shape), tol=0.01)
    >>> res.info["ranks"], res.rel_error < 0.01
    ([3, 4, 2], True)
    """
    from . import _device

    on_device = _device.is_device(X)
    X = _as_device_tensor(X) if on_device else _as_tensor(X)
    if (ranks is None) == (tol is None):
        raise ValueError("give exactly one of ranks and tol")
    if tol is not None:
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)):
            raise TypeError(f"tol must be a float, got {type(tol).__name__}")
        tol = float(tol)
        if not 0.0 < tol < 1.0:
            raise ValueError(f"tol must be in (0, 1), got {tol}")
        floor = float(np.sqrt(20 * np.finfo(X.dtype).eps))
        if tol < floor:
            raise ValueError(f"tol={tol:g} is below what {X.dtype.name} can certify (tol >= {floor:.1e})"
                             + ("; pass float64 data" if X.dtype == np.float32 else ""))
        r = [0] * X.ndim
    else:
        r = _ranks(ranks, X.shape)
    check_choice(method, "method", METHODS)
    if not any(randomized is k for k in (True, False)) and randomized != "always":
        raise ValueError(f"randomized must be True, False or 'always'; got {randomized!r}")
    p = check_int(oversample, "oversample", 0)
    q = check_int(power_iters, "power_iters", 0)
    it = check_int(max_iter, "max_iter", 0)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.floating, np.integer)) or not rtol >= 0:
        raise ValueError(f"rtol must be a float >= 0, got {rtol!r}")
    basis = _BASIS[randomized if randomized == "always" else bool(randomized)]
    # The core checks for NaN/Inf in the read that computes ||X||_F
    # (a ValueError before any other work).
    args = (r, 0.0 if tol is None else tol, method, basis, p, q, it, float(rtol), as_seed(seed), bool(check_finite))
    if on_device:
        stream, dev = _device.stream_and_device(X)
        core, factors, info = _core.cuda_tucker_dense(X, stream, dev, *args)
    else:
        core, factors, info = _core.tucker_dense(X, *args)
    f2, g2 = info["frob_sq"], info["core_sq"]
    rel = float(np.sqrt(max(f2 - g2, 0.0) / f2)) if f2 > 0 else 0.0
    info["method"] = method
    return TuckerResult(core, list(factors), rel, info)


def tucker_to_tensor(core, factors):
    r"""The full tensor :math:`G \times_1 U_1 \times_2 \cdots \times_N U_N`.

    ``factors[n]`` is ``(I_n, core.shape[n])`` (any columns, orthonormal or
    not). The products run smallest growth :math:`I_n / r_n` first, each a
    GEMM on the intermediate tensor; the cost is dominated by the last one,
    :math:`2 r_n \prod_k I_k` flops. Both arguments are converted to the
    core's float dtype (float32 or float64); the result has the core's
    memory order. A CuPy core (with CuPy factors: host and device arrays
    are not mixed, ``TypeError``) gives a CuPy tensor, computed on the GPU.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> G = np.arange(6.0).reshape(2, 3)
    >>> U = [np.ones((4, 2)), np.eye(3)]
    >>> linalg.tucker_to_tensor(G, U)[0]
    array([3., 5., 7.])
    """
    from . import _device

    on_device = _device.is_device(core)
    G = _as_device_tensor(core, "core") if on_device else _as_tensor(core, "core")
    xp = _device._cupy() if on_device else np
    try:
        factors = list(factors)
    except TypeError:
        raise TypeError(f"factors must be a sequence of 2-D arrays, got {type(factors).__name__}") from None
    if len(factors) != G.ndim:
        raise ValueError(f"factors must have one matrix per mode of the core ({G.ndim}), got {len(factors)}")
    mats = []
    for n, U in enumerate(factors):
        _device.check_same_kind(on_device, U, f"factors[{n}]")
        U = xp.asarray(U)
        _check_dtype(U.dtype, f"factors[{n}]")
        if U.ndim != 2 or U.shape[1] != G.shape[n] or U.shape[0] == 0:
            raise ValueError(f"factors[{n}] must be (I_{n}, {G.shape[n]}) for a core of shape {G.shape}, got shape {U.shape}")
        U = U.astype(G.dtype, copy=False)
        if not (U.flags.c_contiguous or U.flags.f_contiguous):
            U = xp.asfortranarray(U)
        mats.append(U)
    if on_device:
        stream, dev = _device.stream_and_device(G)
        return _core.cuda_tucker_to_tensor_dense(G, mats, stream, dev)
    return _core.tucker_to_tensor_dense(G, mats)
