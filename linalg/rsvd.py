"""Randomized truncated SVD, the range finder, and a-posteriori error estimates."""
from __future__ import annotations

import sys
import warnings

import numpy as np

from . import _core
from ._blas import one_blas_thread
from ._results import ErrorEstimate, SVDResult
from ._validate import as_matrix, as_seed, check_all_finite, check_choice, check_int, shape_of

METHODS = ("auto", "subspace", "krylov")
PRECISIONS = ("full", "mixed", "low")
# Mixed precision pays off once A is large; below this the float32 copy and
# the extra float64 pass cost more than they save.
_MIXED_MIN_ENTRIES = 4_000_000
_MIXED_MIN_SIDE = 500
# The float32 basis is used only when the rank-k answer's relative error is
# at least this (float32 rounding is then > 1e4 times smaller).
_MIXED_MIN_REL_ERROR = 1e-3
# GPU float32 "mixed": float16 (or TF32) tensor-core passes (unit roundoff
# 2^-11) find the basis; used only where the answer's relative error is 10x
# above that.
_TF32_MIN_REL_ERROR = 5e-3
# CPU float32 "mixed": bfloat16 passes on the AMX units (unit roundoff 2^-9)
# add ~1.2e-4 ||A||_F of error to the subspace (measured: error ratio
# 1.011 at relative error 8e-4, 1.0005 at 4e-3, 1.0002 at 7e-3).
_BF16_MIN_REL_ERROR = 5e-3
SKETCHES = ("gaussian", "sparse_sign")


def _is_device(x) -> bool:
    mod = type(x).__module__ or ""
    return mod.startswith("cupy") or hasattr(x, "__cuda_array_interface__")


def _progress_printer(enabled):
    if not enabled:
        return None
    if callable(enabled):
        return enabled

    def show(step, total, what):
        of = f"/{total}" if total else ""
        print(f"\rlinalg: {what} {step}{of}", end="", file=sys.stderr, flush=True)

    return show


def rsvd(A, rank=None, *, tol=None, oversample=10, power_iters=None, method="auto", sketch="gaussian",
         seed=None, check_finite=True, progress=False, precision="full") -> SVDResult:
    r"""Randomized truncated SVD: ``A ~ U @ diag(S) @ Vh``.

    Fixed rank (``rank=k``) returns the rank-k approximation
    :math:`U_k \Sigma_k V_k^T` built from a randomized basis :math:`Z` of
    A's row space, :math:`A \approx (AZ)Z^T`: the truncated SVD of the
    small factor gives ``U, S, Vh`` (Halko, Martinsson & Tropp 2011). The
    basis comes from

    * ``method="subspace"``: :math:`Z = \mathrm{orth}((A^TA)^q\Omega)`,
      ``q = power_iters``, with ``l = rank + oversample`` columns; each power
      step forms ``A.T @ (A @ Z)`` and re-orthonormalises it; the last step's
      products also give :math:`Q^TA`, so ``q`` steps cost ``2q + 2`` products.
    * ``method="krylov"``: the block Krylov space
      :math:`[\Omega, A^TA\Omega, \dots, (A^TA)^{d-1}\Omega]` with
      ``d = power_iters + 1`` blocks of about ``(rank + oversample) / 3``
      columns, keeping every product (Musco & Musco 2015; Tropp & Webber
      2023): fewer products than subspace iteration for slowly decaying
      spectra. In float32 it loses accuracy where :math:`\sigma_k/\sigma_1`
      falls below ~1e-3 (a ``RuntimeWarning`` says so when the result shows
      it; ``"auto"`` guards against that, below).
    * ``method="auto"`` (default): Krylov when ``min(m, n) >= 4 (rank +
      oversample)`` for float64, and for a dense float32 A of at least 2^22
      entries on a CPU with AVX-512 (its narrow blocks then run on the core's
      own kernels; OpenBLAS's sgemm runs them far below its rate); else
      subspace. float32 Krylov is kept only where the result has
      ``S[rank-1] >= 1e-3 S[0]``: the blocks after the first carry
      :math:`(\sigma_i/\sigma_1)^2` of each direction, which below that sinks
      toward float32's rounding (measured: error ratio 2.3 at
      :math:`\sigma_k/\sigma_1 = 6e-5`); otherwise subspace iteration reruns
      (``info["method"]`` then says so). With ``power_iters=None`` the depth is
      adaptive: after each power step the energy :math:`E_j` the rank-k answer
      keeps is known from the projected Gram matrix; the gain still to come
      is extrapolated from the last two gains (Aitken), and iteration stops
      once it is at most 10 % of the energy still missing,
      :math:`\|A\|_F^2 - E_j`. On the standard problems of BENCHMARKS.md
      this lands within 0.5 % of the optimal error; set ``power_iters`` for
      a fixed number of passes.

    Fixed accuracy (``tol=eps``, no ``rank`` or ``rank`` as a cap; ``eps`` at
    least :math:`\sqrt{20\,u}` for the unit roundoff u of the dtype, 1.5e-3 in
    float32 and 6.7e-8 in float64) grows the basis in blocks of 32 until :math:`\|A - AZZ^T\|_F \le \epsilon\|A\|_F`
    (computed exactly as :math:`\|A\|_F^2 - \|AZ\|_F^2`; A is never
    modified), then returns the smallest rank whose truncation still meets it.

    Parameters
    ----------
    A : (m, n) ndarray or scipy.sparse matrix
        float32 stays float32, float64 stays float64 (C or F order, read-only
        fine, no copy); integers and booleans are converted to float64 once.
        Sparse CSR/CSC go in as they are, other formats are converted to CSR
        once. A CuPy array or ``cupyx.scipy.sparse`` matrix runs the same
        algorithm on its GPU (CUDA build; current CuPy stream) and returns
        CuPy arrays; the same seed draws the same test matrix as on the CPU.
    rank : int, optional
        Target rank k, ``1 <= k <= min(m, n)``. Exactly one of ``rank`` and
        ``tol`` is required (``rank`` may also cap a ``tol`` run).
    tol : float, optional
        Target relative Frobenius error in (0, 1).
    oversample : int, default 10
        Extra basis columns p beyond the rank.
    power_iters : int, optional
        Power steps (subspace) or extra Krylov blocks; None adapts it.
    method : {"auto", "subspace", "krylov"}
    sketch : {"gaussian", "sparse_sign"}
        Test matrix: Gaussian, or a sparse sign matrix with 8 nonzeros
        :math:`\pm 1/\sqrt{8}` per row. Its entries depend only on
        ``(seed, position)``: same seed, same result, for any thread count.
    seed : None, int or numpy.random.Generator
    check_finite : bool, default True
        Reject NaN/Inf before any work.
    progress : bool or callable, default False
        Print a line per pass to stderr, or call ``progress(step, total, what)``.
    precision : {"full", "mixed", "low"}, default "full"
        "full" works in A's precision. "mixed" (large dense float64 A: at
        least 4e6 entries, both sides >= 500; fixed rank) finds the basis in
        float32 on a float32 copy of A (half of A's memory, released before
        the float64 pass), then makes one float64 pass: the result is the
        exact float64 SVD of :math:`AVV^T` for the float32-found orthonormal
        V (n x k). It does so only when the float32 run reports a relative
        error of at least 1e-3, where float32 rounding is 1e4 times smaller
        than the error itself, and otherwise reruns in float64;
        ``info["mixed_precision"]`` says which happened. On the GPU (CuPy
        input) "mixed" also applies to float32: subspace iteration runs on
        a float16 copy of A scaled by a power of two (half of A's memory;
        11 significant bits like TF32, float32 accumulation on the tensor
        cores, each product reading half the bytes; TF32 products on A
        itself where the copy does not fit or A's norm is beyond what the
        scale can reach), with separate power steps and a basis wider than
        ``rank + oversample`` (at least ``rank / 2`` extra columns, rounded
        up to 32: these products cost the bytes of A, not their columns);
        the top ``rank + oversample`` Ritz directions of that basis then get
        one exact float32 pass, which gives the exact SVD of :math:`AVV^T`,
        truncated to ``rank``. Kept when its singular values put the
        relative error at 5e-3 or more, else rerun in float32 (``method`` is
        then ignored); ``info["fast_products"]`` and ``info["fast_passes"]``
        say which products and how many. On a CPU with AMX-BF16 tile units
        (Intel Sapphire Rapids and later; ``linalg info`` says) "mixed"
        applies to large dense float32 A the same way, the range finder
        running on a bfloat16 copy of A (half of A's memory; 8 significant
        bits, float32 accumulation, ~5x the float32 GEMM rate per core) with
        ``rank / 4`` extra columns and one power step unless
        ``power_iters`` says otherwise, and the result kept where the
        relative error is at least 5e-3
        (``info["fast_products"]`` is ``"bfloat16"``), else rerun in
        float32. The float64 "mixed" pays off where float32 GEMMs run at
        twice the float64 rate; with SciPy's OpenBLAS on 2 cores the skinny
        float32 products do not, and it measured slower than "full"
        (benchmarks/RESULTS.md, P1). "low" takes the 16-bit range finder
        whatever A's type: for float32 A it is "mixed"; for float64 A on an
        AMX CPU the bfloat16 copy (rounded via float32; a quarter of A's memory)
        finds the basis and the one exact pass is float64 (kept where the
        relative error is at least 5e-3, else "mixed", else "full"); on
        the GPU float64 A has no float16 path yet and "low" runs as
        "mixed" there, so CPU and GPU answers for one seed agree to
        rounding only for "full" and "mixed".

    Returns
    -------
    SVDResult
        ``U`` (m, k), ``S`` (k,) descending, ``Vh`` (k, n), and ``info``.

    Notes
    -----
    Cost: ``passes`` reads of A, each a product with ``l`` (subspace) or ``b``
    (Krylov) columns, :math:`O(mnl)` flops per pass for dense A and
    :math:`O(\mathrm{nnz}(A)\,l)` for sparse, plus :math:`O((m + n) l^2)` for
    the orthonormalisations. Memory :math:`O((m + n) l)` besides A.

    Scale: where A's entries are so small or large that the products' Gram
    matrices would underflow or overflow in A's dtype (:math:`\sigma_1`
    outside :math:`2^{\pm 40}` in float32, :math:`2^{\pm 300}` in
    float64), the run is repeated on a scaled copy :math:`2^e A` (exact in
    binary floating point) and ``S`` scaled back; ``info["rescaled_by"]``
    then says ``"2^e"``. On the GPU (CuPy input) this is not done yet.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((300, 20)) @ rng.standard_normal((20, 200))
    >>> U, S, Vh = linalg.rsvd(A, 20, seed=1)
    >>> bool(np.allclose(U * S @ Vh, A))
    True
    >>> linalg.rsvd(A, tol=1e-6, seed=1).S.shape
    (20,)
    """
    # Dense NumPy input that may take a lower-precision range finder is
    # checked for NaN/Inf while the core copies it (one read of A fewer);
    # every other path is checked here, before any work.
    defer = bool(check_finite) and isinstance(A, np.ndarray) and precision != "full" and tol is None
    mat = as_matrix(A, "A", check_finite and not defer, device=True)
    m, n = shape_of(mat)
    if (rank is None) == (tol is None) and not (rank is not None and tol is not None):
        raise ValueError("give exactly one of rank and tol (rank may also cap a tol run)")
    if tol is not None:
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)):
            raise TypeError(f"tol must be a float, got {type(tol).__name__}")
        tol = float(tol)
        if not 0.0 < tol < 1.0:
            raise ValueError(f"tol must be in (0, 1), got {tol}")
    if tol is not None:
        # ||A||^2 - ||A Z||^2 is only known to ~eps ||A||^2: tol^2 must clear it.
        dtype = _dtype_of(mat)
        floor = float(np.sqrt(20 * np.finfo(dtype).eps))
        if tol < floor:
            raise ValueError(f"tol={tol:g} is below what {np.dtype(dtype).name} can certify (tol >= {floor:.1e})"
                             + ("; pass float64 data" if dtype == np.float32 else ""))
    k = 0 if rank is None else check_int(rank, "rank", 1, min(m, n))
    p = check_int(oversample, "oversample", 0)
    q = -1 if power_iters is None else check_int(power_iters, "power_iters", 0)
    check_choice(method, "method", METHODS)
    check_choice(sketch, "sketch", SKETCHES)
    check_choice(precision, "precision", PRECISIONS)
    opts = dict(rank=k, tol=0.0 if tol is None else tol, oversample=p, power_iters=q, method=method,
                sketch=sketch, zeta=8, seed=as_seed(seed), block=0, progress=_progress_printer(progress))
    if mat[0].startswith("cuda"):
        U, S, Vh, info = _rsvd_device(mat, opts, precision, m, n, tol)
        if progress and not callable(progress):
            print(file=sys.stderr)
        _warn_float32_krylov(info, _dtype_of(mat), S)
        return SVDResult(U, S, Vh, info)
    dtype = _dtype_of(mat)
    try:
        U, S, Vh, info = _rsvd_host(mat, opts, precision, m, n, tol, defer)
        # sigma_1 tells the scale; an all-zero S (everything underflowed, or
        # A = 0) is told apart by A's largest entry.
        e = _rescale_exponent(S[:1] if S.size and S[0] > 0 else _largest_entry(mat), dtype)
    except (np.linalg.LinAlgError, RuntimeError):  # LAPACK failing on overflowed (NaN) Gram matrices
        e = _rescale_exponent(_largest_entry(mat), dtype)
        if not e:
            raise
    if e:
        # Entries so small or large that the Gram matrices of the products
        # underflow or overflow in A's dtype (float32: sigma_1 beyond 2^+-40,
        # measured: S wrong by 2.5x at 1e-20, LAPACK failing at 1e20): rerun
        # on A * 2^e, exact in binary floating point, and scale S back.
        U, S, Vh, info = _rsvd_host(_scaled(mat, e), opts, precision, m, n, tol, False)
        S = np.ldexp(S, -e).astype(S.dtype, copy=False)
        info["rescaled_by"] = f"2^{e}"
    if progress and not callable(progress):
        print(file=sys.stderr)
    _warn_float32_krylov(info, dtype, S)
    return SVDResult(U, S, Vh, info)


# Block Krylov in float32 loses the tail of the top k below this
# sigma_k / sigma_1 (rsvd.hpp, kKrylovFloat32MinRatio); above 30 u the
# smallest value is more than float32 rounding (exact-rank inputs: no warning).
_KRYLOV_FLOAT32_MIN_RATIO = 1e-3
_KRYLOV_FLOAT32_NOISE = 30 * float(np.finfo(np.float32).eps)


def _warn_float32_krylov(info, dtype, S):
    """RuntimeWarning where a float32 block Krylov answer (asked for: "auto"
    reruns subspace itself) has sigma_k / sigma_1 in the range it loses."""
    if info.get("method") != "krylov" or np.dtype(dtype) != np.float32 or len(S) == 0:
        return
    top, last = float(S[0]), float(S[-1])
    if top > 0 and _KRYLOV_FLOAT32_NOISE * top < last < _KRYLOV_FLOAT32_MIN_RATIO * top:
        warnings.warn(f"float32 block Krylov: S[k-1]/S[0] = {last / top:.1e} is below 1e-3, where its later "
                      "blocks sink toward float32 rounding and the answer can miss the optimum by far "
                      "(measured: 2.3x at 6e-5); use method='subspace' (or 'auto'), or float64 input",
                      RuntimeWarning, stacklevel=3)


# Largest log2(sigma_1) magnitude whose squares and Gram sums the dtype
# carries with room (float32: 2^80 of 2^127; float64: 2^600 of 2^1023).
_SAFE_LOG2 = {np.dtype(np.float32): 40, np.dtype(np.float64): 300}


def _rescale_exponent(values, dtype) -> int:
    """e with values[0] * 2^e ~ 1 where it lies outside the safe range, else 0."""
    v = float(values[0]) if len(values) else 0.0
    if not (np.isfinite(v) and v > 0.0):
        return 0
    lg = int(np.round(np.log2(v)))
    return -lg if abs(lg) > _SAFE_LOG2[dtype] else 0


def _dtype_of(mat):
    """The dtype of a validated matrix (as_matrix's tuple), dense or sparse."""
    return np.dtype(mat[1].dtype if mat[0] in ("dense", "cuda-dense") else mat[1][0].dtype)


def _largest_entry(mat):
    data = mat[1] if mat[0] == "dense" else mat[1][0]
    # max and min read A without the temporary copy np.abs(A) would make
    return [max(abs(float(np.max(data))), abs(float(np.min(data))))] if data.size else []


def _scaled(mat, e):
    if mat[0] == "dense":
        return (mat[0], np.ldexp(mat[1], e).astype(mat[1].dtype, copy=False), *mat[2:])
    data, indices, indptr, stored = mat[1]
    return (mat[0], (np.ldexp(data, e).astype(data.dtype, copy=False), indices, indptr, stored), *mat[2:])


def _rsvd_host(mat, opts, precision, m, n, tol, defer):
    out = None
    big_dense = (mat[0] == "dense" and precision != "full" and tol is None and m * n >= _MIXED_MIN_ENTRIES
                 and min(m, n) >= _MIXED_MIN_SIDE)
    if big_dense and (mat[1].dtype == np.float32 or precision == "low") and _core.amx_bf16_available():
        # The AMX kernels run on the core's OpenMP threads, which also run
        # the BLAS calls in row blocks: one BLAS thread, so that OpenBLAS's
        # idle workers do not spin on their cores (host/split_host.hpp).
        with one_blas_thread():
            out = _core.rsvd_dense_fast(mat[1], **opts, min_rel_error=_BF16_MIN_REL_ERROR, check_finite=defer)
        defer = False  # checked while copied (raised there)
    if big_dense and out is None and mat[1].dtype == np.float64:
        # float32 range finder, as the CUDA context's float64 "mixed" (same
        # seed, same answer on both: tests/test_gpu_rsvd.py)
        out = _core.rsvd_dense_mixed(mat[1], **opts, min_rel_error=_MIXED_MIN_REL_ERROR, check_finite=defer)
        defer = False
    if defer:
        check_all_finite(mat[1], "A")
    if out is not None:
        return out
    # The products run on the core's OpenMP threads (sparse kernels, a dense
    # A's narrow products) and the BLAS calls in row blocks: one BLAS thread
    # keeps OpenBLAS's idle workers from spinning on the cores the kernels
    # need (measured 5x slower otherwise for CSR; host/split_host.hpp).
    with one_blas_thread():
        if mat[0] == "dense":
            return _core.rsvd_dense(mat[1], **opts)
        data, indices, indptr, stored = mat[1]
        return _core.rsvd_csr(data, indices, indptr, stored[0], stored[1], mat[2], **opts)


def _rsvd_device(mat, opts, precision, m, n, tol):
    """rsvd on the CUDA context: the same algorithm, CuPy arrays out."""
    from . import _device

    # The host LAPACK only gets the small k x k problems here: one thread
    # (a many-threaded BLAS spends ms waking its threads for each).
    with one_blas_thread():
        return _rsvd_device_call(mat, opts, precision, m, n, tol)


def _rsvd_device_call(mat, opts, precision, m, n, tol):
    from . import _device

    if mat[0] == "cuda-dense":
        a = mat[1]
        stream, dev = _device.stream_and_device(a)
        out = None
        big = tol is None and m * n >= _MIXED_MIN_ENTRIES and min(m, n) >= _MIXED_MIN_SIDE
        # "low" on the GPU: float16 products for float32 A; float64 A has no
        # float16 path here yet and takes "mixed"'s float32 products.
        if precision != "full" and big and a.dtype == np.float64:
            out = _core.cuda_rsvd_dense_mixed(a, stream, dev, **opts, min_rel_error=_MIXED_MIN_REL_ERROR)
        elif precision != "full" and big and a.dtype == np.float32:
            out = _core.cuda_rsvd_dense_fast(a, stream, dev, **opts, min_rel_error=_TF32_MIN_REL_ERROR)
        return out if out is not None else _core.cuda_rsvd_dense(a, stream, dev, **opts)
    data, indices, indptr, stored = mat[1]
    stream, dev = _device.stream_and_device(data)
    return _core.cuda_rsvd_csr(data, indices, indptr, stored[0], stored[1], mat[2], stream, dev, **opts)


def range_finder(A, size, *, power_iters=2, sketch="gaussian", seed=None, check_finite=True):
    r"""Orthonormal basis Q (m x size) with :math:`A \approx QQ^TA`.

    Randomized subspace iteration: :math:`Q = \mathrm{orth}(A(A^TA)^q\Omega)`
    for a test matrix :math:`\Omega` with ``size`` columns, re-orthonormalised
    after every product (Halko, Martinsson & Tropp 2011, Alg. 4.4). With
    ``size = k + p`` Gaussian columns, :math:`E\|A - QQ^TA\|_F^2 \le (1 +
    k/(p-1))\sum_{j>k}\sigma_j^2` (their Thm 10.5) for ``q = 0``.

    A may be dense or scipy.sparse, as for :func:`rsvd`.

    Cost: ``2 q + 1`` products of A with ``size`` columns.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> A = np.random.default_rng(0).standard_normal((100, 8)) @ np.ones((8, 60))
    >>> Q = linalg.range_finder(A, 8, seed=0)
    >>> bool(np.allclose(Q @ (Q.T @ A), A))
    True
    """
    mat = as_matrix(A, "A", check_finite, device=True)
    m, n = shape_of(mat)
    size = check_int(size, "size", 1, min(m, n))
    q = check_int(power_iters, "power_iters", 0)
    check_choice(sketch, "sketch", SKETCHES)
    if mat[0].startswith("cuda"):
        from . import _device

        if mat[0] == "cuda-dense":
            stream, dev = _device.stream_and_device(mat[1])
            return _core.cuda_range_finder_dense(mat[1], stream, dev, size, q, sketch, 8, as_seed(seed))[0]
        data, indices, indptr, stored = mat[1]
        stream, dev = _device.stream_and_device(data)
        return _core.cuda_range_finder_csr(data, indices, indptr, stored[0], stored[1], mat[2], stream, dev, size, q,
                                           sketch, 8, as_seed(seed))[0]
    # Products or Gram matrices that overflow or underflow in A's dtype (as
    # in rsvd) leave a non-finite or zero block, or stop the core: the
    # basis of A * 2^e is A's.
    try:
        Q = _range_finder_host(mat, size, q, sketch, as_seed(seed))
        failure = None
        if np.all(np.isfinite(Q)) and np.any(Q):
            return Q
    except (np.linalg.LinAlgError, RuntimeError) as exc:  # LAPACK failing on overflowed (NaN) Gram matrices
        failure = exc
    e = _rescale_exponent(_largest_entry(mat), _dtype_of(mat))
    if e:
        return _range_finder_host(_scaled(mat, e), size, q, sketch, as_seed(seed))
    if failure is not None:
        raise failure
    return Q


def _range_finder_host(mat, size, q, sketch, seed):
    with one_blas_thread():  # see _rsvd_host
        if mat[0] == "dense":
            return _core.range_finder_dense(mat[1], size, q, sketch, 8, seed)[0]
        data, indices, indptr, stored = mat[1]
        return _core.range_finder_csr(data, indices, indptr, stored[0], stored[1], mat[2], size, q, sketch, 8,
                                      seed)[0]

def estimate_error(A, result, *, probes=10, seed=None, check_finite=True) -> ErrorEstimate:
    r"""Estimate the error of a low-rank approximation with Gaussian probes.

    For :math:`E = A - U\,\mathrm{diag}(S)\,V_h` and i.i.d. standard
    Gaussian :math:`g_i`, :math:`\mathbb{E}\|Eg_i\|^2 = \|E\|_F^2`; the
    estimate is :math:`(\frac1r\sum_i\|Eg_i\|^2)^{1/2}` over ``r = probes``,
    and :math:`\|E\|_2 \le 10\sqrt{2/\pi}\max_i\|Eg_i\|` holds with
    probability :math:`\ge 1 - 10^{-r}` (Halko, Martinsson & Tropp 2011,
    eq. 4.3). One product of A with ``probes`` columns.

    Examples
    --------
    >>> import numpy as np, linalg
    >>> A = np.random.default_rng(0).standard_normal((200, 100))
    >>> res = linalg.rsvd(A, 10, seed=0)
    >>> est = linalg.estimate_error(A, res, probes=20, seed=1)
    >>> exact = np.linalg.norm(A - res.U * res.S @ res.Vh)
    >>> bool(abs(est.frobenius / exact - 1) < 0.5)
    True
    """
    mat = as_matrix(A, "A", check_finite, device=True)
    if mat[0] not in ("dense", "cuda-dense"):
        raise TypeError("estimate_error takes a dense A")
    a = mat[1]
    try:
        U, S, Vh = result
    except (TypeError, ValueError):
        raise TypeError("result must be an SVDResult or a (U, S, Vh) tuple") from None
    on_device = mat[0] == "cuda-dense"
    if on_device or any(_is_device(x) for x in (U, S, Vh)):
        from . import _device

        for x, nm in ((U, "U"), (S, "S"), (Vh, "Vh")):
            _device.check_same_kind(on_device, x, nm)
        import cupy as xp
    else:
        xp = np
    U, S, Vh = (xp.asarray(x, dtype=a.dtype) for x in (U, S, Vh))
    if U.ndim != 2 or S.ndim != 1 or Vh.ndim != 2 or U.shape[0] != a.shape[0] or Vh.shape[1] != a.shape[1] \
            or U.shape[1] != S.shape[0] or Vh.shape[0] != S.shape[0]:
        raise ValueError(f"result shapes U{U.shape}, S{S.shape}, Vh{Vh.shape} do not match A{a.shape}")
    r = check_int(probes, "probes", 1)
    if on_device:
        stream, _ = _device.stream_and_device(a)
        fro, spec, norm_a = _core.cuda_estimate_error_dense(a, U, xp.ascontiguousarray(S), Vh, stream, r, as_seed(seed))
    else:
        fro, spec, norm_a = _core.estimate_error_dense(a, U, np.ascontiguousarray(S), Vh, r, as_seed(seed))
    return ErrorEstimate(frobenius=fro, relative=fro / norm_a if norm_a > 0 else 0.0, spectral_bound=spec, probes=r)
