r"""Weighted low-rank approximation and Fisher-weighted SVD.

:func:`weighted_svd` finds a rank-k :math:`X` minimising the weighted error
:math:`f(X) = \sum_{ij} W_{ij} (A - X)_{ij}^2`:

* row/column weights (:math:`W = u v^T`) in closed form,
  :math:`X^* = D_u^{-1/2} [[D_u^{1/2} A D_v^{1/2}]]_k D_v^{-1/2}`;
* elementwise weights (zeros meaning "unobserved") by the EM iteration of
  Srebro & Jaakkola (ICML 2003) with warm-started randomized SVDs, or by
  alternating weighted least squares.

:func:`fwsvd` compresses a weight matrix with the Fisher-weighted SVD of
Hsu et al. (ICLR 2022).

>>> import numpy as np, linalg
>>> rng = np.random.default_rng(0)
>>> A = rng.standard_normal((60, 40))
>>> res = linalg.weighted_svd(A, 5, row_weights=rng.uniform(1, 2, 60))
>>> U, S, Vh = res
>>> U.shape, S.shape, Vh.shape, res.info["method"]
((60, 5), (5,), (5, 40), 'closed_form_exact')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core, _device
from ._blas import one_blas_thread
from ._results import SVDResult
from ._validate import as_matrix, as_seed, check_choice, check_int, shape_of

METHODS = ("auto", "closed_form", "em", "als")
# Below this many entries the products are too small for BLAS threads to
# pay: one BLAS thread measured ~10x faster for EM on 300 x 120 (with the
# machine loaded; OpenBLAS threads then spin against our OpenMP ones).
_SMALL_ENTRIES = 200_000
# Closed form: LAPACK's full SVD when A is this small (or the basis would
# span most of the smaller side anyway), rsvd otherwise.
_EXACT_ENTRIES = 100_000


@dataclass(frozen=True)
class WeightedSVDResult(SVDResult):
    """The thin SVD ``X = U @ diag(S) @ Vh`` of a weighted rank-k approximation.

    Unpacks like :class:`SVDResult`: ``U, S, Vh = linalg.weighted_svd(...)``.
    ``history`` is the weighted objective :math:`f(X_t) = \\sum W (A - X_t)^2`
    per iterate (``history[0]`` is :math:`f(0)` for EM/ALS; one entry for the
    closed form) and ``objective`` its last value, the objective of ``X``.
    ``info`` has the method, the iteration count, ``converged`` and, for
    EM, ``passes`` (products with the filled matrix) and ``fallbacks``; for
    ALS ``half_step_history`` (the objective after every half-step) and
    ``ridged_solves``.
    """

    history: Any = None

    @property
    def objective(self) -> float:
        return float(self.history[-1])


def _xp(on_device):
    """The array module of the inputs: CuPy for device inputs, else NumPy."""
    if on_device:
        import cupy

        return cupy
    return np


def _vector_weights(w, n, name, dtype, xp=np):
    if w is None:
        return None
    w = xp.asarray(w)
    if w.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be a real numeric vector, got dtype {w.dtype}")
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{name} must be a vector of length {n}, got shape {w.shape}")
    w = xp.ascontiguousarray(w, dtype=dtype)
    if not bool(xp.isfinite(w).all()):
        raise ValueError(f"{name} contains NaN or Inf")
    if not bool((w > 0).all()):
        raise ValueError(f"{name} must be positive (a zero weight leaves its row/column unconstrained; "
                         "pass elementwise weights= for missing entries)")
    return w


def _matrix_weights(w, shape, a, xp=np):
    w = xp.asarray(w)
    if w.dtype.kind not in "fiub":
        raise TypeError(f"weights must be a real numeric array, got dtype {w.dtype}")
    if w.shape != shape:
        raise ValueError(f"weights must have A's shape {shape}, got {w.shape}")
    # The same memory layout as A, so that the one-pass kernels walk both
    # in order (a copy only when dtype or layout differ).
    order = "F" if a.flags.f_contiguous or min(shape) == 1 else "C"
    w = xp.asarray(w, dtype=a.dtype, order=order)
    if not bool(xp.isfinite(w).all()):
        raise ValueError("weights contain NaN or Inf")
    if bool((w < 0).any()):
        raise ValueError("weights must be non-negative")
    if not bool((w > 0).any()):
        raise ValueError("weights are all zero: nothing is observed")
    return w


def weighted_svd(A, rank, *, row_weights=None, col_weights=None, weights=None, method="auto", max_iter=100,
                 tol=1e-6, seed=None, check_finite=True, exact=None, oversample=10,
                 power_iters=None) -> WeightedSVDResult:
    r"""Weighted rank-k approximation: minimise :math:`\sum_{ij} W_{ij}(A - X)_{ij}^2`.

    **Row/column weights** (``row_weights=u`` and/or ``col_weights=v``, all
    positive; :math:`W = uv^T`, a missing one is all ones): with
    :math:`C = D_u^{1/2} A D_v^{1/2}` the objective is
    :math:`\|C - D_u^{1/2} X D_v^{1/2}\|_F^2`, so by Eckart-Young
    :math:`X^* = D_u^{-1/2}[[C]]_k D_v^{-1/2}`. C is formed once (sparse A:
    its values only), its truncated SVD comes from :func:`linalg.rsvd`
    (adaptive depth, or ``power_iters``) or from LAPACK when ``exact`` (by
    default when A has at most 1e5 entries or ``rank + oversample`` reaches
    ``min(m, n)``), and the factors are unscaled and re-orthonormalised.
    Cost: one pass to scale, the rsvd's passes, :math:`O((m+n)k^2)`.

    **Elementwise weights** (``weights=W``, A's shape, non-negative; zeros
    mark unobserved entries, whose values in A are ignored):

    * ``method="em"`` (the default, ``"auto"``): Srebro & Jaakkola (2003),
      :math:`X_{t+1} = [[\tilde W\odot A + (1-\tilde W)\odot X_t]]_k`,
      :math:`\tilde W = W/\max W`, from :math:`X_0 = 0`. Each step writes the
      filled matrix once (one threaded pass, which also yields
      :math:`f(X_t)`) and takes its truncated SVD by subspace iteration
      warm-started from the previous step's ``rank + oversample`` right
      singular vectors, with ``power_iters`` power steps (default 1; the
      first step starts from a Gaussian sketch with two more). The objective
      never increases: the step is accepted only if it keeps at least the
      energy the previous iterate's row space keeps (else the answer of the
      previous basis itself is used, which does; counted in
      ``info["fallbacks"]``). Cost per step: one GEMM forming :math:`X_t`
      (:math:`2mnk`), one elementwise pass, ``2 + 2 power_iters`` products
      with ``rank + oversample`` columns.
    * ``method="als"``: alternating weighted least squares on
      :math:`X = PQ^T`, started from the first EM iterate; each half-step
      solves the k x k normal equations of every column (row) exactly, so
      the objective never increases either. The Grams of all columns come
      from one GEMM (:math:`m n k(k+1)` flops per half-step), the small
      Cholesky solves run in parallel without BLAS. Columns/rows with too
      little weight to determine k coefficients get a tiny ridge
      (``info["ridged_solves"]``). An ALS iteration costs as much as many
      EM steps (flops 2 k(k+1) m n against about 10 k m n) but gains more:
      on ``benchmarks/wsvd.py`` (4000 x 2000, rank 50, 30 % zeros) EM
      needs 72 steps to reach the objective of 5 ALS iterations
      (benchmarks/RESULTS.md has the times).

    Both stop when the relative decrease of the objective is at most ``tol``
    or after ``max_iter`` iterations (``info["converged"]`` says which).
    A sparse A with ``weights`` is densified once (W is dense anyway).

    Parameters
    ----------
    A : (m, n) ndarray or scipy.sparse matrix
        float32 stays float32 (weights are converted to A's dtype), float64
        stays float64; integers become float64. C or F order without a copy.
        A CuPy array or ``cupyx.scipy.sparse`` matrix (with CuPy weights)
        runs the same algorithm on its GPU (CUDA build, current CuPy
        stream): ``U``, ``S``, ``Vh`` come back as CuPy arrays, ``history``
        as NumPy; the same seed gives the CPU result to rounding.
    rank : int
        ``1 <= rank <= min(m, n)``.
    row_weights, col_weights : (m,), (n,) array_like, optional
    weights : (m, n) array_like, optional
        Elementwise weights; not together with row/column weights.
    method : {"auto", "closed_form", "em", "als"}
        ``"em"``/``"als"`` with row/column weights run on :math:`W = uv^T`.
    max_iter : int, default 100
    tol : float, default 1e-6
    seed : None, int or numpy.random.Generator
    check_finite : bool, default True
    exact : bool, optional
        Closed form: LAPACK SVD instead of rsvd (sparse A is densified).
    oversample : int, default 10
    power_iters : int, optional
        Closed form: rsvd's power steps (None: adaptive). EM: power steps
        per iteration (None: 1).

    Returns
    -------
    WeightedSVDResult
        ``U`` (m, k) and ``Vh`` (k, n) orthonormal, ``S`` (k,) descending,
        with :math:`X = U\,\mathrm{diag}(S)\,V_h`; ``history``, ``objective``,
        ``info``.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((80, 5)) @ rng.standard_normal((5, 60))
    >>> W = (rng.random((80, 60)) > 0.3).astype(float)   # 30 % missing
    >>> res = linalg.weighted_svd(A, 5, weights=W, tol=1e-12, max_iter=500, seed=0)
    >>> X = res.U * res.S @ res.Vh
    >>> bool(np.linalg.norm(X - A) < 1e-3 * np.linalg.norm(A))   # completed
    True
    >>> bool(np.all(np.diff(res.history) <= 1e-12 * res.history[0]))   # never increases
    True
    """
    check_choice(method, "method", METHODS)
    separable = row_weights is not None or col_weights is not None
    if separable and weights is not None:
        raise ValueError("give either weights= (elementwise) or row_weights=/col_weights=, not both")
    if method == "closed_form" and weights is not None:
        raise ValueError("method='closed_form' needs row_weights/col_weights (W = u v^T), not elementwise weights")
    on_device = _device.is_device(A)
    for w_, nm in ((row_weights, "row_weights"), (col_weights, "col_weights"), (weights, "weights")):
        _device.check_same_kind(on_device, w_, nm)
    xp = _xp(on_device)
    mat = as_matrix(A, "A", check_finite, device=True)
    m, n = shape_of(mat)
    k = check_int(rank, "rank", 1, min(m, n))
    p = check_int(oversample, "oversample", 0)
    iters = check_int(max_iter, "max_iter", 1)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)):
        raise TypeError(f"tol must be a float, got {type(tol).__name__}")
    tol = float(tol)
    if not tol >= 0.0 or not np.isfinite(tol):
        raise ValueError(f"tol must be a finite number >= 0, got {tol}")
    q = None if power_iters is None else check_int(power_iters, "power_iters", 0)
    if exact is not None and not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"exact must be None or a bool, got {type(exact).__name__}")
    key = as_seed(seed)
    dense_kind = "cuda-dense" if on_device else "dense"
    dtype = mat[1].dtype if mat[0] == dense_kind else mat[1][0].dtype

    iterative = weights is not None or method in ("em", "als")
    if not iterative:
        u = _vector_weights(row_weights, m, "row_weights", dtype, xp)
        v = _vector_weights(col_weights, n, "col_weights", dtype, xp)
        if exact is None:
            exact = mat[0] == dense_kind and (m * n <= _EXACT_ENTRIES or k + p >= min(m, n))
        if exact and mat[0] != dense_kind:
            mat = (dense_kind, xp.asarray(A.toarray(), dtype=dtype))
        qq = -1 if q is None else q
        if on_device:
            # The host LAPACK gets only the small k x k problems (and the
            # exact path's SVD of a small A): one BLAS thread, as for rsvd.
            with one_blas_thread():
                if mat[0] == "cuda-dense":
                    stream, dev = _device.stream_and_device(mat[1])
                    U, S, Vh, hist, info = _core.cuda_weighted_closed_form_dense(mat[1], u, v, stream, dev, k, p, qq,
                                                                                 key, bool(exact))
                else:
                    data, indices, indptr, stored = mat[1]
                    stream, dev = _device.stream_and_device(data)
                    U, S, Vh, hist, info = _core.cuda_weighted_closed_form_csr(data, indices, indptr, stored[0],
                                                                               stored[1], mat[2], u, v, stream, dev, k,
                                                                               p, qq, key)
            return WeightedSVDResult(U, S, Vh, info, hist)
        with one_blas_thread() if (m * n < _SMALL_ENTRIES or mat[0] != "dense") \
                else _null():
            if mat[0] == "dense":
                U, S, Vh, hist, info = _core.weighted_closed_form_dense(mat[1], u, v, k, p, qq, key, bool(exact))
            else:
                data, indices, indptr, stored = mat[1]
                U, S, Vh, hist, info = _core.weighted_closed_form_csr(data, indices, indptr, stored[0], stored[1],
                                                                      mat[2], u, v, k, p, qq, key)
        return WeightedSVDResult(U, S, Vh, info, hist)

    a = mat[1] if mat[0] == dense_kind else xp.asarray(A.toarray(), dtype=dtype)
    if not (a.flags.f_contiguous or a.flags.c_contiguous):
        a = xp.asfortranarray(a)  # the weights will be laid out the same way
    if weights is None:
        u = _vector_weights(row_weights, m, "row_weights", dtype, xp)
        v = _vector_weights(col_weights, n, "col_weights", dtype, xp)
        w = xp.outer(xp.ones(m, dtype) if u is None else u, xp.ones(n, dtype) if v is None else v)
        w = xp.asarray(w, order="F" if a.flags.f_contiguous or min(m, n) == 1 else "C")
    else:
        w = _matrix_weights(weights, (m, n), a, xp)
    meth = "em" if method in ("auto", "em") else "als"
    qq = 1 if q is None else q
    if on_device:
        stream, dev = _device.stream_and_device(a)
        with one_blas_thread():
            U, S, Vh, hist, info = _core.cuda_weighted_iterative_dense(a, w, stream, dev, meth, k, p, qq, iters, tol,
                                                                       key)
        return WeightedSVDResult(U, S, Vh, info, hist)
    with one_blas_thread() if m * n < _SMALL_ENTRIES else _null():
        U, S, Vh, hist, info = _core.weighted_iterative_dense(a, w, meth, k, p, qq, iters, tol, key)
    return WeightedSVDResult(U, S, Vh, info, hist)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def fwsvd(W, fisher, rank, *, axis=1, exact=None, seed=None, check_finite=True):
    r"""Fisher-weighted SVD (Hsu et al., ICLR 2022): ``W ~ A_ @ B_`` of rank k.

    FWSVD gives every parameter of one input feature the same importance,
    the sum of the Fisher information (squared gradients accumulated over
    data) of that feature's parameters, :math:`I_j = \sum_i F_{ij}`, and
    minimises :math:`\sum_{ij} I_j (W - X)_{ij}^2`: the closed form
    :math:`X = [[W D_I^{1/2}]]_k D_I^{-1/2}` of :func:`weighted_svd` with
    ``col_weights=I`` (``row_weights`` when ``axis=0``).

    ``axis`` is the input-feature dimension of ``W``. PyTorch's
    ``nn.Linear`` stores ``weight`` as (out_features, in_features) and
    computes ``y = x @ weight.T``: its input features are the columns, so
    ``axis=1`` (the default); a Keras/TF ``Dense`` kernel or Hugging Face
    ``Conv1D`` weight is (in, out): ``axis=0``. The factors then replace
    the layer by two: ``nn.Linear(in, k)`` with weight ``B_`` followed by
    ``nn.Linear(k, out)`` with weight ``A_`` (and the original bias).

    Parameters
    ----------
    W : (out, in) array (for ``axis=1``); a CuPy array (with a CuPy
        ``fisher``) runs on its GPU and gives CuPy factors.
    fisher : array of W's shape (per-parameter squared-gradient sums) or a
        vector of length ``W.shape[axis]`` (importances already reduced);
        the importances must be positive.
    rank : int
    axis : {0, 1}, default 1
    exact, seed, check_finite : as for :func:`weighted_svd`.

    Returns
    -------
    (A_, B_) : ``A_ = U diag(S)^{1/2}`` (out x k), ``B_ = diag(S)^{1/2} Vh``
    (k x in), so ``A_ @ B_`` is the FWSVD approximation. Cost: that of
    :func:`weighted_svd`'s closed form plus one reduction of ``fisher``.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(0)
    >>> weight = rng.standard_normal((64, 32))           # nn.Linear(32, 64).weight
    >>> fisher = rng.random((64, 32)) ** 2               # sum of grad**2 over data
    >>> A_, B_ = linalg.fwsvd(weight, fisher, 8)
    >>> A_.shape, B_.shape
    ((64, 8), (8, 32))
    """
    if axis not in (0, 1) or isinstance(axis, bool):
        raise ValueError(f"axis must be 0 or 1 (the input-feature dimension of W), got {axis!r}")
    on_device = _device.is_device(W)
    _device.check_same_kind(on_device, fisher, "fisher")
    xp = _xp(on_device)
    mat = as_matrix(W, "W", check_finite, device=True)
    if mat[0] not in ("dense", "cuda-dense"):
        raise TypeError("fwsvd takes a dense W")
    w = mat[1]
    f = xp.asarray(fisher)
    if f.dtype.kind not in "fiub":
        raise TypeError(f"fisher must be a real numeric array, got dtype {f.dtype}")
    if f.shape == w.shape:
        imp = f.sum(axis=1 - axis, dtype=np.float64)  # over the output dimension
    elif f.ndim == 1 and f.shape[0] == w.shape[axis]:
        imp = f.astype(np.float64)
    else:
        raise ValueError(f"fisher must have W's shape {w.shape} or be a vector of length "
                         f"W.shape[{axis}] = {w.shape[axis]}, got shape {f.shape}")
    if not bool(xp.isfinite(imp).all()):
        raise ValueError("fisher contains NaN or Inf")
    if not bool((imp > 0).all()):
        raise ValueError("fisher importances must be positive for every input feature "
                         "(add a small floor, e.g. fisher + 1e-12 * fisher.mean())")
    kw = {"col_weights": imp} if axis == 1 else {"row_weights": imp}
    res = weighted_svd(w, rank, exact=exact, seed=seed, check_finite=False, **kw)
    r = xp.sqrt(res.S)
    return res.U * r, r[:, None] * res.Vh
