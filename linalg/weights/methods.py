"""How one weight matrix is factorised: ``W ≈ A @ B`` of rank ``r``.

Each method is a transform ``M = T(W)`` whose truncated SVD is the optimum of
the method's objective, and the map back from ``[[M]]_r = U diag(S) Vh`` to
the factors of ``W``:

- ``svd``: ``M = W``; minimises ``‖W − AB‖_F``.
- ``whitened`` (SVD-LLM, Wang et al. 2024): with the layer's input covariance
  ``C = XᵀX = L Lᵀ`` (``L`` lower Cholesky factor of ``C + λI``),
  ``‖X(W − AB)ᵀ‖_F = ‖(W − AB) L‖_F``, so ``M = W L`` and ``B = √S Vh L⁻¹``.
  ``λ = damping · mean(diag C)``; when ``C + λI`` is not positive definite
  the damping grows tenfold until it is (the report records the value used).
- ``fwsvd`` (Hsu et al., ICLR 2022): the engine's :func:`linalg.fwsvd` with
  the per-parameter Fisher sums; ``M`` is ``W`` with its input-feature axis
  scaled by the square roots of the summed importances (floored at 1e-6 of
  the largest, so that no feature's weight is 0).

Factors are balanced, ``A = U √S`` and ``B = √S Vh``, so that neither holds
all the scale (better for low-precision storage). Weights are ``nn.Linear``
shaped ``(out, in)``: ``y = W x``.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla

import linalg
from linalg._blas import one_blas_thread

METHODS = ("svd", "fwsvd", "whitened")


def whitening_factor(C, damping=1e-2, max_tries=8):
    """Lower Cholesky factor ``L`` of ``C + λI`` and the ``λ`` used.

    ``λ = damping·mean(diag C)`` (``damping·1`` for a zero diagonal), grown
    tenfold while the factorisation fails. Cost: O(n³/3).

    >>> import numpy as np
    >>> C = np.array([[4.0, 2.0], [2.0, 1.0]])       # singular
    >>> L, lam = whitening_factor(C)
    >>> bool(np.allclose(L @ L.T, C + lam * np.eye(2))), lam > 0
    (True, True)
    """
    C = np.asarray(C)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"covariance must be square, got shape {C.shape}")
    if not np.all(np.isfinite(C)):
        raise ValueError("covariance contains NaN or Inf")
    if damping < 0:
        raise ValueError(f"damping must be >= 0, got {damping}")
    C = 0.5 * (C + C.T)
    scale = float(np.mean(np.diag(C)))
    scale = scale if scale > 0 else 1.0
    lam = damping * scale
    for _ in range(max_tries + 1):
        try:
            L = np.linalg.cholesky(C + lam * np.eye(C.shape[0], dtype=C.dtype))
            return L, lam
        except np.linalg.LinAlgError:
            lam = max(lam * 10.0, 1e-6 * scale)
    raise np.linalg.LinAlgError(f"covariance is not positive definite even with damping {lam:g}")


def transformed(method, W, *, covariance=None, fisher=None, damping=1e-2):
    """``(M, back, info)``: the matrix whose truncated SVD is optimal for
    ``method`` and ``back(U, S, Vh) -> (A, B)``."""
    if method == "svd":
        return W, lambda U, S, Vh: _balanced(U, S, Vh), {}
    if method == "whitened":
        if covariance is None:
            raise ValueError("method 'whitened' needs the layer's input covariance")
        C = np.asarray(covariance, dtype=np.float64)
        if C.shape != (W.shape[1], W.shape[1]):
            raise ValueError(f"covariance has shape {C.shape}, expected {(W.shape[1],) * 2} "
                             f"for a weight of shape {W.shape} (out, in)")
        L, lam = whitening_factor(C, damping)
        Lw = L.astype(W.dtype)

        def back(U, S, Vh):
            A, B = _balanced(U, S, Vh)
            # B L⁻¹ = (L⁻ᵀ Bᵀ)ᵀ: one triangular solve, no inverse.
            Bt = sla.solve_triangular(Lw, B.T, lower=True, trans="T", check_finite=False)
            return A, np.ascontiguousarray(Bt.T)

        return W @ Lw, back, {"damping": lam}
    if method == "fwsvd":
        if fisher is None:
            raise ValueError("method 'fwsvd' needs the per-parameter Fisher sums")
        d = _fisher_scale(np.asarray(fisher), W.shape)
        M = W * d[None, :].astype(W.dtype)

        def back(U, S, Vh):
            A, B = _balanced(U, S, Vh)
            return A, B / d[None, :].astype(W.dtype)

        return M, back, {}
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def _fisher_scale(fisher, shape):
    """√(summed importance) per input feature, floored so that no feature
    gets weight 0 (which would make the map back singular)."""
    if fisher.shape == tuple(shape):
        imp = fisher.sum(axis=0, dtype=np.float64)
    elif fisher.shape == (shape[1],):
        imp = fisher.astype(np.float64)
    else:
        raise ValueError(f"fisher has shape {fisher.shape}; expected the weight's shape {tuple(shape)} "
                         f"or one importance per input feature ({shape[1]},)")
    if not np.all(np.isfinite(imp)) or np.any(imp < 0):
        raise ValueError("fisher must be finite and non-negative")
    if not np.any(imp > 0):
        raise ValueError("fisher is zero everywhere")
    d = np.sqrt(imp)
    return np.maximum(d, 1e-6 * d.max())


def sum_squares(X, chunk=1 << 18):
    """``‖X‖²_F`` accumulated in float64 over chunks (no float64 copy of X)."""
    flat = X.reshape(-1) if X.flags.c_contiguous or X.flags.f_contiguous else np.ravel(X)
    total = 0.0
    for i in range(0, flat.size, chunk):
        c = flat[i:i + chunk].astype(np.float64)
        total += float(c @ c)
    return total


def _balanced(U, S, Vh):
    # One pass each, straight into C order (the core returns F-ordered U, Vh).
    r = np.sqrt(S)
    return np.multiply(U, r[None, :], order="C"), np.multiply(Vh, r[:, None], order="C")


def _short_gram(M, block=1 << 22):
    """``(T, G, step)``: ``T`` is M or its transpose (long × short, a view),
    ``G = TᵀT`` in float64, summed over row blocks of ``step`` rows
    (``block`` entries) converted one at a time."""
    T = M if M.shape[0] >= M.shape[1] else M.T
    step = max(1, block // T.shape[1])
    G = np.zeros((T.shape[1], T.shape[1]))
    with one_blas_thread():
        for i in range(0, T.shape[0], step):
            b = T[i:i + step].astype(np.float64)
            G += b.T @ b
    return T, G, step


def exact_truncated_svd(M, r, *, block=1 << 22):
    """The top ``r`` singular triplets ``(U, S, Vh)`` of a dense ``M``, exactly.

    float32 ``M`` (m × n, short side s = min(m, n)): the eigendecomposition
    of the short side's float64 Gram matrix, ``MᵀM = V Λ Vᵀ`` (``M Mᵀ`` when
    wide), then ``Y = M V_r`` in float64, ``S = ‖Y e_i‖`` and ``U = Y / S``:
    the rank-r answer ``U diag(S) Vh = M V_r V_rᵀ`` is an orthogonal
    projection of M, ``Σ S² = ‖M V_r‖²`` exactly, and its singular values
    carry relative errors ~ s·2⁻⁵³·(σ₁/σᵢ)², below float32 gesdd's
    2⁻²⁴·σ₁/σᵢ wherever σᵢ/σ₁ > ~1e-6. Measured on all-MiniLM-L6-v2's
    384 × 1536 weights: 30 ms against 165 ms for ``numpy.linalg.svd``.
    Other dtypes (float64: the Gram matrix would square away half its
    digits) take LAPACK's ``gesdd``. Cost: ``2 m n s`` (Gram) + O(s³)
    (``syevd``) + ``2 m n r``; float64 row blocks of ``block`` entries, no
    float64 copy of M.

    >>> import numpy as np
    >>> M = np.random.default_rng(0).standard_normal((300, 40)).astype(np.float32)
    >>> U, S, Vh = exact_truncated_svd(M, 5)
    >>> s = np.linalg.svd(M.astype(np.float64), compute_uv=False)[:5]
    >>> U.dtype, bool(np.allclose(S, s, rtol=1e-6)), bool(np.allclose(U.T @ U, np.eye(5), atol=1e-5))
    (dtype('float32'), True, True)
    """
    if M.dtype != np.float32:
        u, s, vh = np.linalg.svd(M, full_matrices=False)
        return u[:, :r], s[:r], vh[:r]
    T, G, step = _short_gram(M, block)
    # Small products: one BLAS thread wastes less than waking a second.
    with one_blas_thread():
        V = np.linalg.eigh(G)[1][:, ::-1][:, :r]  # eigenvalues ascending
        Y = np.empty((T.shape[0], r))
        for i in range(0, T.shape[0], step):
            Y[i:i + step] = T[i:i + step].astype(np.float64) @ V
    S = np.sqrt(np.einsum("ij,ij->j", Y, Y))
    order = np.argsort(-S, kind="stable")  # near-ties may swap against the eigenvalue order
    S, Y, V = S[order], Y[:, order], V[:, order]
    Y /= np.where(S > 0, S, 1.0)[None, :]  # a zero singular value keeps a zero column
    U, Vh = Y.astype(np.float32), np.ascontiguousarray(V.T, dtype=np.float32)
    if T is M:
        return U, S.astype(np.float32), Vh
    return np.ascontiguousarray(Vh.T), S.astype(np.float32), np.ascontiguousarray(U.T)  # M = (Mᵀ)ᵀ


def factorize(method, W, rank, *, covariance=None, fisher=None, damping=1e-2, seed=0, energy=None,
              power_iters=None, check_finite=True):
    """``(A, B, info)`` with ``W ≈ A @ B``; ``rank`` fixed, or ``energy`` kept.

    ``info``: ``rank``, ``energy`` (``Σ S² / ‖M‖²_F`` of the transformed
    matrix) and method extras (``damping``). Cost: one randomized SVD of the
    ``m×n`` matrix, O(mn·rank) per pass (``power_iters``: as for
    :func:`linalg.rsvd`; None picks the depth adaptively) - or, at a fixed
    rank whose basis would be wider than a quarter of the short side, the
    exact truncated SVD (:func:`exact_truncated_svd`). ``check_finite``:
    ValueError if W (after the transform) holds NaN or Inf - from the square
    sum the exact SVD computes anyway, else the engine's check (free where
    it rides on rsvd's bfloat16 copy).

    >>> import numpy as np
    >>> W = np.random.default_rng(0).standard_normal((64, 32)) @ np.diag(0.8 ** np.arange(32))
    >>> A, B, info = factorize("svd", W, 8)
    >>> A.shape, B.shape, info["rank"]
    ((64, 8), (8, 32), 8)
    """
    exact = energy is None and (4 * (int(rank) + 10) >= min(W.shape) or min(W.shape) <= 64)
    if method == "fwsvd" and energy is None and not exact:
        # The engine's closed form (linalg.fwsvd) with the floored importances;
        # where the SVD is exact, the same scaling below (exact_truncated_svd).
        d = _fisher_scale(np.asarray(fisher), W.shape)
        r = int(rank)
        A, B = linalg.fwsvd(W, (d * d).astype(np.float64), r, axis=1, seed=seed, check_finite=check_finite)
        s = np.sum(np.square(A, dtype=np.float64), axis=0)  # A = U·√S: column norms² are S
        norm2 = sum_squares(W * d[None, :].astype(W.dtype))
        s2 = float(np.sum(s * s))
        return (np.ascontiguousarray(A), np.ascontiguousarray(B),
                {"rank": r, "energy": s2 / norm2 if norm2 > 0 else 1.0, "residual_sq": max(0.0, norm2 - s2),
                 "norm_sq": norm2})
    M, back, extra = transformed(method, W, covariance=covariance, fisher=fisher, damping=damping)

    def norm_of(res):
        # rsvd reads ||M||_F^2 itself when it adapts its depth or rank: no second pass.
        f = res.info.get("frob_sq", -1.0)
        return float(f) if f >= 0 else sum_squares(M)

    if energy is not None:
        res = linalg.rsvd(M, tol=float(np.sqrt(max(0.0, 1.0 - energy))), seed=seed, check_finite=check_finite)
        norm2 = norm_of(res)
        s2 = np.cumsum(np.square(res.S.astype(np.float64)))
        r = int(np.searchsorted(s2, energy * norm2 * (1 - 1e-12)) + 1) if norm2 > 0 else 1
        r = min(r, res.S.size)
        U, S, Vh = res.U[:, :r], res.S[:r], res.Vh[:r]
    else:
        r = int(rank)
        if exact:
            # A basis wider than a quarter of the short side: the randomized
            # passes cost about as much as the exact SVD, which is exact.
            norm2 = sum_squares(M)
            if check_finite and not np.isfinite(norm2):  # float32/64 squares cannot overflow a float64 sum
                raise ValueError("W contains NaN or Inf (pass check_finite=False to skip this check)")
            U, S, Vh = exact_truncated_svd(M, r)
        else:
            # float32: the range finder on the AMX units in bfloat16 where the
            # CPU has them (rsvd's precision="mixed"; exact float32 last pass),
            # whose copy of M also checks it for NaN/Inf.
            res = linalg.rsvd(M, r, seed=seed, power_iters=power_iters, check_finite=check_finite,
                              precision="mixed" if M.dtype == np.float32 else "full")
            U, S, Vh = res
            norm2 = norm_of(res)
    A, B = back(U, S, Vh)
    s2 = float(np.sum(np.square(S, dtype=np.float64)))
    kept = s2 / norm2 if norm2 > 0 else 1.0
    # For orthonormal U, Vh with S = Uᵀ M Vhᵀ: ‖M − U S Vh‖² = ‖M‖² − ‖S‖²
    # (Pythagoras), to rounding in ‖S‖²; the caller decides when that is safe.
    return A, B, {"rank": int(S.size), "energy": kept, "residual_sq": max(0.0, norm2 - s2), "norm_sq": norm2,
                  **extra}


def spectrum(method, W, max_rank, *, covariance=None, fisher=None, damping=1e-2, seed=0):
    """Leading singular values (up to ``max_rank``) of the transformed matrix
    and its squared Frobenius norm: what the budget policy allocates from.
    Exact when ``min(m, n) <= 1024`` (float32: square roots of the float64
    Gram matrix's eigenvalues, as in :func:`exact_truncated_svd` - on
    all-MiniLM-L6-v2's 36 weights 0.5 s against 1.7 s for ``svdvals``;
    otherwise ``gesdd``), else a randomized SVD."""
    M, _, _ = transformed(method, W, covariance=covariance, fisher=fisher, damping=damping)
    norm2 = sum_squares(M)
    if min(M.shape) > 1024 and max_rank < min(M.shape) - 10:
        s = linalg.rsvd(M, max_rank, seed=seed, check_finite=False).S
    elif M.dtype == np.float32:
        _, G, _ = _short_gram(M)
        with one_blas_thread():
            w = np.linalg.eigvalsh(G)[::-1]  # ascending
        s = np.sqrt(np.maximum(w, 0.0))[:max_rank]
    else:
        s = sla.svdvals(M, check_finite=False)[:max_rank]
    return np.asarray(s, dtype=np.float64), norm2
