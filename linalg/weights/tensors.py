"""Tucker-2 compression of 3-D/4-D weights (convolution kernels).

A kernel ``K`` of shape ``(out, in, *spatial)`` becomes a core ``G`` of
shape ``(r_out, r_in, *spatial)`` and orthonormal factors ``U_out``
(``out × r_out``) and ``U_in`` (``in × r_in``), ``K ≈ G ×₀ U_out ×₁ U_in``
(Kim et al., ICLR 2016: a 1×1 convolution to ``r_in`` channels, the core
convolution, a 1×1 convolution to ``out`` channels). The spatial modes are
kept whole; the decomposition is the engine's :func:`linalg.tucker`.
"""
from __future__ import annotations

import math

import numpy as np

import linalg


def tucker2_ranks(kind, value, shape, q=1):
    """``(r_out, r_in)`` for the ``rank`` and ``ratio`` policies.

    ``ratio=R``: the largest ``α`` with ``r = α·(out, in)`` and
    ``r_out r_in S + out r_out + in r_in ≤ R·out·in·S`` (``S`` the spatial
    size): the positive root of ``α²·out·in·S + α(out² + in²) = R·out·in·S``.

    >>> tucker2_ranks("ratio", 0.25, (64, 32, 3, 3))
    (24, 12)
    """
    o, i = shape[0], shape[1]
    if kind == "rank":
        r = (min(value, o), min(value, i))
    else:
        S = int(np.prod(shape[2:]))
        a, b, c = o * i * S, o * o + i * i, -value * o * i * S
        alpha = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
        r = (max(1, int(alpha * o)), max(1, int(alpha * i)))
    if q > 1:
        r = tuple(min(d, max(q, (x // q) * q)) for x, d in zip(r, (o, i)))
    return r


def tucker2_params(shape, r):
    return r[0] * r[1] * int(np.prod(shape[2:])) + shape[0] * r[0] + shape[1] * r[1]


def factorize_tensor(X, ranks=None, energy=None, seed=0):
    """``(core, U_out, U_in, info)`` of the Tucker-2 decomposition of X.

    ``energy``: ranks chosen by :func:`linalg.tucker`'s tolerance mode with
    ``tol = sqrt(1 − energy)`` (all modes may be truncated then; spatial modes
    that are, get their factors too — ``info["modes"]`` lists the truncated
    modes). Cost: a randomized range finder per truncated mode.
    """
    if energy is not None:
        res = linalg.tucker(X, tol=max(math.sqrt(max(0.0, 1.0 - energy)), 2e-3), method="sthosvd", seed=seed,
                            check_finite=False)
    else:
        res = linalg.tucker(X, [ranks[0], ranks[1]] + [None] * (X.ndim - 2), method="hooi", max_iter=5,
                            seed=seed, check_finite=False)
    core, factors = res
    modes = [n for n, U in enumerate(factors) if U.shape[1] < X.shape[n]]
    return core, {n: factors[n] for n in modes}, {"rank": [int(d) for d in core.shape], "modes": modes,
                                                  "rel_error": float(res.rel_error)}


def reconstruct(core, factors, shape):
    """The dense tensor from a core and the factors of its truncated modes."""
    full = [np.asarray(factors[n]) if n in factors else np.eye(shape[n], dtype=core.dtype)
            for n in range(len(shape))]
    return linalg.tucker_to_tensor(core, full)
