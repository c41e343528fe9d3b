"""Randomized truncated SVD of a row-chunked dask.array (``linalg.dask.rsvd``).

The algorithm is the single-machine one of ``cpp/include/linalg/lowrank/``,
step for step: the method choice of ``rsvd.hpp``, the range finders of
``subspace_iteration.hpp`` and ``block_krylov.hpp`` with the adaptive stop
of ``basis.hpp`` (EnergyStop), and the finishing step of
``svd_from_basis.hpp``, with the tall side split into the array's row
blocks:

* the n x l row-side basis Z (n the short side; l = k + p columns, or a
  Krylov block of b) lives on the client; the first one is the same Philox
  test matrix the core draws (``_core.test_matrix_f64(n, l, sketch, seed)``,
  stream 1, block 0);
* a pass sends Z to every block and computes, per block, Y_b = A_b Z and
  W_b = A_b^T Y_b with the core (``_core.dense_product``, one GEMM
  each); W = sum_b W_b is a Dask tree reduction (n x l), Y stays on the
  workers (persisted, m x l);
* the tall m x l block is orthonormalised by CholeskyQR2 over the row blocks
  (two rounds of G = sum_b X_b^T X_b, R = chol(G), X <- X R^{-1}); when R's
  diagonal shows kappa(Y) beyond what CholeskyQR2 keeps accurate
  (0.05 / sqrt(2u), the core's own limit) or the Cholesky factorisation
  fails, Dask's TSQR (``dask.array.linalg.tsqr``, Householder per block) is
  used instead;
* everything of size l x l or n x l is computed locally with NumPy.

Design notes (decided here):

* ``method="auto"`` picks what ``linalg.rsvd`` picks (block Krylov for
  float64 with min(m, n) >= 4 (k + p), else subspace iteration), so the
  result equals ``linalg.rsvd(A.compute(), ...)`` for the same arguments.
  A Krylov step is a pass like any other here: Y_j = A Z_j, W_j = A^T Y_j
  for the new block only; the blocks Y_j stay on the workers and are
  concatenated by columns for the final orthonormalisation.
* ||A||_F^2 (needed by the adaptive depth only) is summed in the same
  scheduler round as the first pass. The NaN/Inf check costs no read of its
  own: a non-finite entry of A makes every entry of the first W = A^T A Z
  non-finite (NaN and Inf propagate through sums and products, also times
  zero), so the check looks at that small n x l block and raises before
  any further pass.
* Small l x l algebra runs in the array's dtype, as in the core, so that the
  adaptive stopping decision sees the same numbers.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _core
from .._results import SVDResult
from .._validate import as_seed, check_choice, check_int

METHODS = ("auto", "subspace", "krylov")
SKETCHES = ("gaussian", "sparse_sign")
_MAX_POWER_ITERS = 12  # SubspaceOptions::max_power_iters
_ENERGY_RTOL = 0.1  # RsvdOptions::energy_rtol


class RechunkWarning(UserWarning):
    """The input was chunked along its short side and has been rechunked into row blocks."""


# --------------------------------------------------------------------------
# per-block kernels (run on the workers; module level so that they pickle)
# --------------------------------------------------------------------------

def _contig(a):
    return a if (a.flags.c_contiguous or a.flags.f_contiguous) else np.ascontiguousarray(a)


def _joined(parts, axis):
    """The blocks blockwise passes along a contracted index (``concatenate=False``) as one array.

    Not ``concatenate=True``: np.concatenate copies even a single block, and
    a copy of every 320 MB block of A per product cost P10 about 0.1 s per
    block product (measured), as much memory traffic as the product itself.
    """
    if isinstance(parts, list):
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)
    return parts


def _times(a, z):
    """a @ z for a row block a (mb x n) and a small z (n x l): one core GEMM.

    The result is Fortran-ordered: the core's product then has the tall side
    as the GEMM's M, the shape rsvd's own passes use (OpenBLAS, one thread,
    20000 x 2000 float64 block, l = 80: about 40 GFLOP/s against 28 for the
    C-ordered (l-row) form).
    """
    a = _contig(a)
    if a.shape[0] == 0:
        return np.zeros((0, z.shape[1]), dtype=a.dtype, order="F")
    return _core.dense_product(a, np.asarray(z, dtype=a.dtype), False)


def _tr_times(y, a):
    """a^T y for a row block, as a (1, n, l) slab to be summed."""
    a = _contig(a)
    y = _contig(y)
    if a.shape[0] == 0:
        return np.zeros((1, a.shape[1], y.shape[1]), dtype=a.dtype)
    return _core.dense_product(a, y, True)[None]


def _times_parts(a, z):
    """_times on the block lists of a blockwise call with concatenate=False."""
    return _times(_joined(a, 1), _joined(z, 0))


def _gram(x, m):
    """(x m)^T (x m) for a row block x, as a (1, s, s) slab to be summed (m None: x^T x)."""
    x = _contig(_joined(x, 1))
    if m is not None:
        x = _times(x, _joined(m, 0))
    if x.shape[0] == 0:
        return np.zeros((1, x.shape[1], x.shape[1]), dtype=x.dtype)
    return _core.dense_product(x, x, True)[None]


def _sumsq(a):
    """[[sum of squares]] of a row block, accumulated in float64."""
    a = _contig(_joined(a, 1))
    if a.dtype == np.float64:
        flat = a.ravel(order="K")  # a view in C or F order
        return np.array([[float(np.dot(flat, flat))]])
    step = max(1, (1 << 20) // max(1, a.shape[1]))  # float32: a slab of rows at a time
    ss = 0.0
    for i in range(0, a.shape[0], step):
        s = a[i:i + step].astype(np.float64).reshape(-1)
        ss += float(np.dot(s, s))
    return np.array([[ss]])


# --------------------------------------------------------------------------
# graph builders
# --------------------------------------------------------------------------

def _small(x):
    import dask.array as da

    return da.from_array(np.ascontiguousarray(x), chunks=x.shape)


def _apply(B, z):
    """The lazy m x l product B @ z, block by block."""
    import dask.array as da

    return da.blockwise(_times_parts, "il", B, "ic", _small(z), "cl", dtype=B.dtype, concatenate=False)


def _apply_t(B, Y):
    """The lazy n x l product B^T Y: per-block core products summed by Dask's tree reduction."""
    import dask.array as da

    slabs = da.blockwise(_tr_times, "ijl", Y, "il", B, "ij", dtype=B.dtype, concatenate=True,
                         adjust_chunks={"i": 1})
    return slabs.sum(axis=0)


def _gram_of(X, m=None):
    """sum_b (X_b m)^T (X_b m) (lazy, s x s)."""
    import dask.array as da

    if m is None:
        slabs = da.blockwise(_gram, "ilk", X, "il", None, None, dtype=X.dtype, concatenate=True,
                             adjust_chunks={"i": 1}, new_axes={"k": X.shape[1]})
    else:
        s = m.shape[1]
        slabs = da.blockwise(_gram, "ilk", X, "ic", _small(m), "cl", dtype=X.dtype, concatenate=False,
                             adjust_chunks={"i": 1}, new_axes={"k": s})
    return slabs.sum(axis=0)


def _frob_sq(B):
    import dask.array as da

    return da.blockwise(_sumsq, "ik", B, "ij", dtype=np.float64, concatenate=False, adjust_chunks={"i": 1},
                        new_axes={"k": 1}).sum()


# --------------------------------------------------------------------------
# small local algebra (mirrors basis.hpp / orthonormalize.hpp)
# --------------------------------------------------------------------------

class _EnergyStop:
    """basis.hpp's EnergyStop: Aitken's estimate of the gain still to come."""

    def __init__(self, frob_sq, rtol):
        self.f, self.rtol, self.last, self.gain, self.n = frob_sq, rtol, 0.0, 0.0, 0

    def converged(self, e):
        g = e - self.last
        stop = False
        if self.n >= 1 and self.f > 0.0:
            if self.n == 1:
                rho = 0.5
            else:
                rho = min(0.9, max(0.0, g / self.gain)) if self.gain > 0.0 else 0.0
            stop = max(0.0, g) * rho / (1.0 - rho) <= self.rtol * max(0.0, self.f - e) or g <= 0.0
        if self.n >= 1:
            self.gain = g
        self.last = e
        self.n += 1
        return stop


def _top_energy(G, k):
    """Sum of the k largest eigenvalues of the symmetric G, and lambda_k / lambda_1."""
    w = np.linalg.eigvalsh(G)
    l = w.shape[0]
    kk = min(k, l)
    cap = float(sum(max(0.0, float(w[l - 1 - i])) for i in range(kk)))
    lam1 = max(float(w[l - 1]), 0.0)
    ratio = max(float(w[l - kk]), 0.0) / lam1 if lam1 > 0 else 0.0
    return cap, ratio


def _orth_small(X):
    """Orthonormal basis of the small n x l block X (Householder QR, local)."""
    return np.linalg.qr(X)[0].astype(X.dtype, copy=False)


def _chol_upper(G):
    """Upper Cholesky factor of G (float64 arithmetic), or None when G is not positive definite."""
    try:
        L = np.linalg.cholesky(np.asarray(G, dtype=np.float64))
    except np.linalg.LinAlgError:
        return None
    R = L.T
    return R if np.all(np.isfinite(R)) else None


def _tall_qr(Y, G=None):
    """Y = Q R across row blocks. Returns (Q lazy m x l, R l x l float64, how).

    CholeskyQR2 through summed Gram matrices; Dask's TSQR when kappa(Y) is
    beyond CholeskyQR2's reach (R's diagonal ratio above 0.05 / sqrt(2u),
    as in orthonormalize.hpp) or Cholesky fails. ``G``: Y^T Y when the
    caller has it already (summed in the pass that made Y: one scheduler
    round fewer).
    """
    import dask.array as da

    dtype = Y.dtype
    u = np.finfo(dtype).eps / 2
    limit = 0.05 / np.sqrt(2 * u)
    R1 = _chol_upper(_gram_of(Y).compute() if G is None else G)
    ok = R1 is not None
    if ok:
        d = np.abs(np.diag(R1))
        ok = d.min() > 0 and d.max() / d.min() <= limit
    if ok:
        M1 = np.linalg.inv(R1)
        R2 = _chol_upper(_gram_of(Y, M1.astype(dtype)).compute())
        if R2 is not None:
            M = (M1 @ np.linalg.inv(R2)).astype(dtype)
            return _apply(Y, M), R2 @ R1, M, "cholesky_qr2"
    import dask

    Q, R = dask.persist(*da.linalg.tsqr(Y.rechunk({1: -1})))  # one graph: Q and R share their tasks
    return Q, np.asarray(R.compute(), dtype=np.float64), None, "tsqr"


# --------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------

def _row_blocked(B, name):
    """B with a single chunk along its short (column) side, rechunking with a warning if needed."""
    if len(B.chunks[1]) == 1:
        return B
    warnings.warn(
        f"{name} is chunked along its short side ({len(B.chunks[1])} chunks of its {B.shape[1]} columns); "
        "linalg.dask.rsvd needs blocks that span it whole and rechunks to row blocks, which moves the data "
        f"once. Pass {name}.rechunk({{{'0' if name == 'A' else '1'}: 'auto', "
        f"{'1' if name == 'A' else '0'}: -1}}) to avoid this warning.",
        RechunkWarning, stacklevel=3)
    return B.rechunk({0: "auto", 1: -1})


def rsvd(A, rank, *, oversample=10, power_iters=None, method="auto", sketch="gaussian", seed=None,
         check_finite=True) -> SVDResult:
    r"""Randomized truncated SVD of a Dask array: ``A ~ U @ diag(S) @ Vh``.

    The same algorithm as :func:`linalg.rsvd`, pass for pass. Subspace
    iteration: with :math:`Z_0 = \mathrm{orth}(\Omega)` (the same Philox
    test matrix for the same ``seed``) and for :math:`i = 0..q`,
    :math:`Y_i = AZ_i`, :math:`W_i = A^TY_i`,
    :math:`Z_{i+1} = \mathrm{orth}(W_i)`; the last pair gives the truncated
    SVD of :math:`QQ^TA`, :math:`Q = \mathrm{orth}(Y_q)`, with no further
    pass. Block Krylov: the same products on one new block of b columns per
    step, :math:`Z_{j+1} = \mathrm{orth}(W_j \perp Z_{0..j})`, keeping all
    blocks: :math:`Y = A[Z_0, \dots, Z_{d-1}]`. The result equals
    ``linalg.rsvd(A.compute(), rank, ...)`` with the same arguments (seed,
    oversample, power_iters, method) up to rounding.

    A must be chunked along its long side only: a tall array (m >= n) in row
    blocks, a wide one in column blocks (it is then handled as its
    transpose). Chunks along the short side are merged by a rechunk, with a
    :class:`RechunkWarning`. Each pass sends the small n x l basis Z to every
    block and computes :math:`Y_b = A_bZ` and :math:`A_b^TY_b` with the
    core; the n x l sums are Dask tree reductions, the m x l block Y stays on
    the workers and is orthonormalised by CholeskyQR2 over summed Gram
    matrices (Dask's TSQR when it is too ill-conditioned for that); the
    l x l and n x l factors are computed locally.

    Parameters
    ----------
    A : dask.array.Array, 2-D
        float32 stays float32, float64 stays float64; integers and booleans
        become float64 (lazily, block by block). It is never gathered on the
        client; where it is lazy (not persisted) every pass recomputes its
        blocks, so persist it first if it fits the cluster's memory.
    rank : int
        Target rank k, ``1 <= k <= min(m, n)``.
    oversample : int, default 10
        Extra basis columns p; the basis has ``l = min(k + p, min(m, n))``.
    power_iters : int, optional
        Power steps q. None (default) adapts q as :func:`linalg.rsvd` does:
        after each pass the energy :math:`E_j` the rank-k answer keeps is
        known from the small Gram matrix; iteration stops once the gain still
        to come, extrapolated from the last two gains, is at most 10 % of
        :math:`\|A\|_F^2 - E_j` (at most 12 steps).
    method : {"auto", "subspace", "krylov"}
        As in :func:`linalg.rsvd`: "auto" is block Krylov (blocks of about
        ``(rank + oversample) / 3`` columns) for float64 with
        ``min(m, n) >= 4 (rank + oversample)``, else subspace iteration.
    sketch : {"gaussian", "sparse_sign"}
        The test matrix, as in :func:`linalg.rsvd`.
    seed : None, int or numpy.random.Generator
    check_finite : bool, default True
        Reject NaN/Inf: checked on the first pass's n x l product, which
        any non-finite entry of A fills with NaN/Inf (no extra read of A),
        before any further pass.

    Returns
    -------
    SVDResult
        For a tall A: ``U`` a lazy Dask array (m, k) with A's row chunks
        (computed from the persisted basis; ``.compute()`` or ``.persist()``
        it), ``S`` (k,) and ``Vh`` (k, n) NumPy arrays. For a wide A, ``U``
        (m, k) is NumPy and ``Vh`` a lazy Dask array with A's column chunks.
        ``info`` has ``method``, ``power_iters``, ``basis_size``, ``rank``,
        ``passes`` (reads of A), ``orthonormalization``
        (``"cholesky_qr2"`` or ``"tsqr"``), ``fused`` (False where subspace
        iteration kept its products apart, as the core does for
        :math:`\sigma_k^2 < 10\,u\,\sigma_1^2`) and ``frob_sq`` (-1 when not
        computed).

    Notes
    -----
    Cost: ``2q + 2`` products of A with l columns (subspace,
    :math:`4(q+1)mnl` flops over the workers) or with b columns (Krylov,
    ``q + 1`` blocks), plus one read of A for :math:`\|A\|_F^2` with the
    adaptive q, in ``q + 1`` scheduler rounds; :math:`O(ml^2)` per orthonormalisation
    of Y (two Gram reductions), :math:`O(nl^2)` on the client. Client memory
    :math:`O(nl + l^2)`, worker memory a block of A plus its share of the
    m x l block Y. Works with any Dask scheduler (threads, processes,
    ``dask.distributed``).

    Examples
    --------
    >>> import numpy as np, dask, dask.array as da, linalg, linalg.dask
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((3000, 20)) @ rng.standard_normal((20, 200))
    >>> A = da.from_array(X, chunks=(700, 200))
    >>> with dask.config.set(scheduler="threads"):
    ...     U, S, Vh = linalg.dask.rsvd(A, 20, seed=1)
    ...     U = U.compute()
    >>> bool(np.allclose(U * S @ Vh, X))
    True
    >>> ref = linalg.rsvd(X, 20, seed=1)
    >>> bool(np.allclose(S, ref.S))
    True
    """
    import dask.array as da

    if not isinstance(A, da.Array):
        raise TypeError(f"A must be a dask.array.Array, got {type(A).__module__}.{type(A).__name__}; "
                        "for a NumPy array or scipy.sparse matrix use linalg.rsvd (or wrap it with "
                        "dask.array.from_array(A, chunks=(rows, -1)))")
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D, got {A.ndim} dimension(s) with shape {A.shape}")
    if any(np.isnan(s) for s in A.shape):
        raise ValueError("A has unknown chunk sizes (NaN in its shape); call A.compute_chunk_sizes() first")
    dt = np.dtype(A.dtype)
    if dt.kind in "biu":
        A = A.astype(np.float64)
    elif dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"A must hold float32 or float64 numbers (integers become float64), got {dt}")
    m, n = (int(s) for s in A.shape)
    if m == 0 or n == 0:
        raise ValueError(f"A must not be empty, got shape {A.shape}")
    k = check_int(rank, "rank", 1, min(m, n))
    p = check_int(oversample, "oversample", 0)
    q_fixed = None if power_iters is None else check_int(power_iters, "power_iters", 0)
    check_choice(method, "method", METHODS)
    check_choice(sketch, "sketch", SKETCHES)
    s = as_seed(seed)

    tall = m >= n
    B = A if tall else A.T
    B = _row_blocked(B, "A" if tall else "A.T")
    U, S, Vt, info = _rsvd_tall(B, k, p, q_fixed, method, sketch, s, check_finite)
    if tall:
        return SVDResult(U, S, Vt, info)
    # A^T = U' S V'^T  =>  A = V' S U'^T.
    return SVDResult(np.ascontiguousarray(Vt.T), S, U.T, info)


def _first_pass(B, Z, adaptive, check_finite, dtype, st, gram=False):
    """Y = B Z (persisted), W = B^T Y (local), ||B||_F^2 when adaptive; checks finiteness.

    With ``gram``, also Y^T Y (into ``st["gram_y"]``), in the same round.
    """
    import dask

    Y = _apply(B, Z)
    extra = [_frob_sq(B)] if adaptive else []
    if gram:
        extra.append(_gram_of(Y))
    Yp, Wp, *extra = dask.persist(Y, _apply_t(B, Y), *extra)
    W, *extra = dask.compute(Wp, *extra)
    W = np.asarray(W, dtype=dtype)
    frob_sq = float(extra.pop(0)) if adaptive else -1.0
    st["gram_y"] = extra[0] if gram else None
    # A NaN or Inf anywhere in A reaches every entry of W = A^T A Z (NaN * 0
    # is NaN, Inf - Inf is NaN; nothing non-finite turns finite): checking
    # the small W checks A, with no extra read.
    if check_finite and not (np.all(np.isfinite(W)) and (not adaptive or np.isfinite(frob_sq))):
        raise ValueError("A contains NaN or Inf (or entries so large that A^T A overflows); "
                         "pass check_finite=False to skip this check")
    return Yp, W, frob_sq


def _pass(B, Z, dtype, st, gram=False):
    """Y = B Z (persisted) and W = B^T Y (local); with ``gram`` also Y^T Y (``st["gram_y"]``)."""
    import dask

    Y = _apply(B, Z)
    if gram:
        Yp, Wp, Gp = dask.persist(Y, _apply_t(B, Y), _gram_of(Y))
        W, st["gram_y"] = dask.compute(Wp, Gp)
    else:
        Yp, Wp = dask.persist(Y, _apply_t(B, Y))
        W, st["gram_y"] = Wp.compute(), None
    return Yp, np.asarray(W, dtype=dtype)


def _subspace(B, k, l, q_fixed, Z, check_finite, st):
    """subspace_iteration.hpp over row blocks. Returns (Y or Q persisted, W, y_orthonormal, q)."""
    dtype = np.dtype(B.dtype)
    adaptive = q_fixed is None
    qmax = _MAX_POWER_ITERS if adaptive else q_fixed
    eps = float(np.finfo(dtype).eps)
    fused = True
    stop = None
    q = 0
    while True:
        if fused:
            # With q fixed the last pass is known: it sums Y^T Y for the
            # final orthonormalisation too.
            last = not adaptive and q >= qmax
            if q == 0:
                Yp, W, st["frob_sq"] = _first_pass(B, Z, adaptive, check_finite, dtype, st, gram=last)
                stop = _EnergyStop(st["frob_sq"], _ENERGY_RTOL)
            else:
                Yp, W = _pass(B, Z, dtype, st, gram=last)
            st["passes"] += 2
            cap, ratio = _top_energy(Z.T @ W, k)  # Z^T A^T A Z
            if q == 0 and ratio < 10.0 * eps:
                fused = False
        if not fused:  # separate products, orthonormalised in between
            Y = _apply(B, Z).persist()
            Qy, _, _, st["orthonormalization"] = _tall_qr(Y)
            Yp = Qy.persist()
            del Y
            W = np.asarray(_apply_t(B, Yp).compute(), dtype=dtype)
            st["passes"] += 2
            cap, _ = _top_energy(W.T @ W, k)  # W^T W = Q^T A A^T Q
        done = (stop.converged(cap) or q >= qmax) if adaptive else q >= qmax
        if done:
            break
        Z = _orth_small(W)
        q += 1
    st["fused"] = fused
    return Yp, W, not fused, q


def _orth_against(Zs, X):
    """orthonormalize_against (orthonormalize.hpp): X -= Zs (Zs^T X) twice, orthonormalise, once more."""
    for _ in range(2):
        X = X - Zs @ (Zs.T @ X)
    X = _orth_small(X)
    X = X - Zs @ (Zs.T @ X)
    return _orth_small(X)


def _krylov(B, k, p, l, q_fixed, sketch, seed, check_finite, st):
    """block_krylov.hpp over row blocks (block size and depth rules of rsvd.hpp).

    Returns (Y persisted m x db, W n x db, False, d - 1).
    """
    import dask.array as da

    n = int(B.shape[1])
    dtype = np.dtype(B.dtype)
    adaptive = q_fixed is None
    bs = max(8, (k + p + 2) // 3)  # krylov_block_size
    if not adaptive:
        bs = max(bs, (l + q_fixed) // (q_fixed + 1))  # d b >= k + p
    b = max(1, min(n // 2, bs))
    dmax = max(1, min(64 if adaptive else q_fixed + 1, n // b))
    Z = _orth_small(np.asarray(_draw(dtype)(n, b, sketch, seed, 8, 1, 0), dtype=dtype))
    Zs, Ys, Ws = np.zeros((n, 0), dtype=dtype), [], []
    G = np.zeros((dmax * b, dmax * b), dtype=dtype)  # Z^T A^T A Z, upper block triangle
    stop = None
    d = 0
    for j in range(dmax):
        if j == 0:
            Yj, Wj, st["frob_sq"] = _first_pass(B, Z, adaptive, check_finite, dtype, st)
            stop = _EnergyStop(st["frob_sq"], _ENERGY_RTOL)
        else:
            Yj, Wj = _pass(B, Z, dtype, st)
        st["passes"] += 2
        d = j + 1
        s = (j + 1) * b
        Zs = np.concatenate([Zs, Z], axis=1)
        Ys.append(Yj)
        Ws.append(Wj)
        G[:s, j * b:s] = Zs.T @ Wj
        if adaptive and s >= max(l, k):
            w = np.linalg.eigvalsh(G[:s, :s], UPLO="U")
            kk = min(k, s)
            cap = float(sum(max(0.0, float(w[s - 1 - i])) for i in range(kk)))
            if stop.converged(cap):
                break
        if j == dmax - 1 or s + b > n:
            break
        Z = _orth_against(Zs, Wj)
    Y = (Ys[0] if len(Ys) == 1 else da.concatenate(Ys, axis=1).rechunk({1: -1})).persist()
    return Y, np.concatenate(Ws, axis=1), False, d - 1


def _draw(dtype):
    return _core.test_matrix_f64 if dtype == np.float64 else _core.test_matrix_f32


def _rsvd_tall(B, k, p, q_fixed, method, sketch, seed, check_finite):
    """rsvd_oriented (rsvd.hpp) on the row-blocked tall B (m >= n): range finder + svd_from_basis."""
    m, n = (int(s) for s in B.shape)
    dtype = np.dtype(B.dtype)
    l = min(n, k + p)
    eps = float(np.finfo(dtype).eps)
    if method == "auto":
        method = "krylov" if (n >= 4 * (k + p) and dtype == np.float64) else "subspace"
    if method == "krylov" and 2 * (k + p) > n:
        method = "subspace"
    st = {"passes": 0, "frob_sq": -1.0, "fused": True, "orthonormalization": None, "gram_y": None}
    if method == "krylov":
        base, W, y_orthonormal, q = _krylov(B, k, p, l, q_fixed, sketch, seed, check_finite, st)
    else:
        Z = _orth_small(np.asarray(_draw(dtype)(n, l, sketch, seed, 8, 1, 0), dtype=dtype))
        base, W, y_orthonormal, q = _subspace(B, k, l, q_fixed, Z, check_finite, st)
    r = W.shape[1]

    # ---- svd_from_basis: truncated SVD of Q Q^T A ----
    if not y_orthonormal:
        Yp = base
        Qy, Ry, M, st["orthonormalization"] = _tall_qr(Yp, st["gram_y"])
        Ur, sr, Vrt = np.linalg.svd(Ry.astype(dtype))  # R = Ur diag(sr) Vr^T
        cut = np.sqrt(eps) * sr[0]
        inv = np.where(sr > cut, 1.0 / np.where(sr > 0, sr, 1.0), 0.0).astype(dtype)
        C = (W @ (Vrt[:r].T * inv)).astype(dtype)  # W V_r diag(1/s_r)
        first_small = int(np.sum(sr > cut))
        if M is not None:  # Q = Y M Ur
            QU, base = M @ Ur.astype(dtype), Yp
        else:  # Q = Qtsqr Ur
            QU, base = Ur.astype(dtype), Qy
        if first_small < r:
            Qs = _apply(base, QU[:, first_small:].astype(dtype))
            C[:, first_small:] = np.asarray(_apply_t(B, Qs).compute(), dtype=dtype)
            st["passes"] += 1
    else:
        C, QU = W, np.eye(r, dtype=dtype)
    Q2, R2 = np.linalg.qr(C)
    U2, S, V2t = np.linalg.svd(R2)
    kk = min(k, r)
    S = S[:kk].astype(dtype)
    U = _apply(base, (QU @ V2t[:kk].T).astype(dtype))  # Q V2
    Vt = np.ascontiguousarray((U2[:, :kk].T @ Q2.T).astype(dtype))  # (Q2 U2)^T
    info = {"method": method, "power_iters": q, "basis_size": r, "rank": kk, "passes": st["passes"],
            "fused": st["fused"], "orthonormalization": st["orthonormalization"], "frob_sq": st["frob_sq"]}
    return U, S, Vt, info
