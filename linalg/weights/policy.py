"""Rank policies: how many components each selected matrix keeps.

An ``m×n`` matrix at rank ``r`` costs ``r(m+n)`` parameters instead of
``mn``; at ``r ≥ r_dense = ⌊mn/(m+n)⌋`` factorising saves nothing and the
matrix stays dense.

- ``rank=N``: ``r = N`` everywhere (at most ``min(m, n)``).
- ``ratio=R``: keep a fraction ``R`` of each matrix's parameters,
  ``r = ⌊R·mn/(m+n)⌋``.
- ``energy=E``: the smallest ``r`` whose components hold a fraction ``E`` of
  the (transformed) matrix's spectral energy ``Σσᵢ²``.
- ``budget=P``: a global budget of ``P`` parameters (or, for ``0 < P < 1``, a
  fraction of the selected matrices' parameters) shared by all selected
  matrices: :func:`allocate_budget` takes components greedily by the error
  they remove per parameter they cost, ``σᵢ² / (m+n)`` — optimal for the
  total squared error ``Σ_t Σ_{i>r_t} σ_{t,i}²`` since each list is
  decreasing.

``multiple_of=q`` rounds ranks to a multiple of ``q`` (to the nearest one for
the per-matrix policies, down for the budget so that it still holds; never
below ``q``).
"""
from __future__ import annotations

import math

import numpy as np


def check_policy(rank=None, ratio=None, energy=None, budget=None, multiple_of=1):
    """Exactly one policy, each in its range; returns ``(kind, value)``."""
    given = {k: v for k, v in (("rank", rank), ("ratio", ratio), ("energy", energy), ("budget", budget))
             if v is not None}
    if len(given) != 1:
        raise ValueError("give exactly one of rank=, ratio=, energy=, budget= "
                         f"(got {sorted(given) or 'none'})")
    (kind, v), = given.items()
    if kind == "rank" and (not float(v).is_integer() or v < 1):
        raise ValueError(f"rank must be an integer >= 1, got {v}")
    if kind == "ratio" and not 0 < v < 1:
        raise ValueError(f"ratio must be in (0, 1), got {v}")
    if kind == "energy" and not 0 < v <= 1:
        raise ValueError(f"energy must be in (0, 1], got {v}")
    if kind == "budget" and not v > 0:
        raise ValueError(f"budget must be a positive parameter count or a fraction in (0, 1), got {v}")
    if not float(multiple_of).is_integer() or multiple_of < 1:
        raise ValueError(f"multiple_of must be an integer >= 1, got {multiple_of}")
    return kind, (int(v) if kind == "rank" else float(v))


def dense_rank(shape):
    """``⌊mn/(m+n)⌋``: from this rank on, the factors are not smaller."""
    m, n = shape
    return (m * n) // (m + n)


def round_rank(r, q, shape, down=False):
    if q <= 1 or r <= 0:
        return r
    rr = (r // q) * q if down else int(round(r / q)) * q
    return min(max(q, rr), min(shape))


def fixed_rank(kind, value, shape, q=1):
    """The rank for ``rank`` / ``ratio`` policies."""
    if kind == "rank":
        r = min(value, min(shape))
    else:
        r = max(1, int(math.floor(value * shape[0] * shape[1] / (shape[0] + shape[1]))))
    return round_rank(r, q, shape)


def allocate_budget(spectra, budget, q=1):
    """Ranks for a global parameter budget.

    ``spectra`` maps a name to ``(shape, σ)`` (σ descending, possibly
    truncated); ``budget`` counts parameters of the selected matrices after
    compression. Every matrix keeps at least ``q`` components; the budget
    must cover that. Returns ``{name: rank}``. Cost: O(N log N) in the
    number of singular values.

    >>> import numpy as np
    >>> sp = {"a": ((100, 100), np.array([10.0, 1.0, 0.1])),
    ...       "b": ((100, 100), np.array([5.0, 4.0, 3.0]))}
    >>> allocate_budget(sp, 4 * 200)       # four components fit
    {'a': 1, 'b': 3}
    """
    names = list(spectra)
    if not names:
        return {}
    q = max(1, int(q))
    # Every matrix keeps at least q components (rank 0 would delete it);
    # the rest of the budget goes greedily to the remaining components.
    floor = {nm: min(q, min(spectra[nm][0])) for nm in names}
    reserved = sum(floor[nm] * sum(spectra[nm][0]) for nm in names)
    if reserved > budget:
        raise ValueError(f"budget {budget:,.0f} is below the {reserved:,} parameters that rank {q} "
                         f"for each of the {len(names)} selected matrices costs")
    gains, owner = [], []
    for t, name in enumerate(names):
        (m, n), s = spectra[name]
        cap = min(len(s), max(dense_rank((m, n)), floor[name]))
        gains.append(np.square(np.asarray(s[floor[name]:cap], dtype=np.float64)) / (m + n))
        owner.append(np.full(max(0, cap - floor[name]), t))
    g = np.concatenate(gains)
    o = np.concatenate(owner).astype(np.int64)
    order = np.argsort(-g, kind="stable")
    cost = np.array([sum(spectra[nm][0]) for nm in names], dtype=np.int64)[o[order]]
    take = np.cumsum(cost) <= budget - reserved
    extra = np.bincount(o[order][take], minlength=len(names))
    return {name: round_rank(floor[name] + int(extra[t]), q, spectra[name][0], down=True)
            for t, name in enumerate(names)}
