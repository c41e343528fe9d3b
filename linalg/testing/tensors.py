"""Test tensors with prescribed mode spectra, Tucker bounds, and strategies.

A :class:`SpectralTensor` is built as ``X = G x_1 U_1 ... x_N U_N`` from
Haar-random orthonormal factors ``U_n`` and a core ``G`` whose mode-n
unfoldings have orthogonal rows with the norms the caller prescribes, so the
mode-n singular values of X are known exactly:

* ``"odeco"``: a superdiagonal core, :math:`X = \\sum_i s_i\\,u^{(1)}_i \\circ
  \\cdots \\circ u^{(N)}_i`; every mode has the spectrum ``s``.
* ``"block"``: the core is a Gaussian tensor of a small multilinear rank
  whose mode unfoldings are orthogonalised in turn (a few rounds of
  alternating rescaling), then a decaying superdiagonal tail is added on
  indices beyond the block: mode spectra differ from mode to mode.

The singular values of every mode unfolding are stored (``mode_sv``,
float64, computed from the float64 tensor), so a test compares an algorithm
with exact quantities: the HOSVD truncation energies
:math:`\\Delta_n^2 = \\sum_{i > r_n} \\sigma^{(n)2}_i` and the bounds of
:func:`tucker_error_bounds` and :func:`randomized_tucker_bound`.

As in :mod:`linalg.testing.strategies`, Hypothesis draws the tensor (shape,
spectrum, generator seed, dtype, order), never the seed of a sketch.

Examples
--------
>>> import numpy as np
>>> from linalg.testing import spectral_tensor, tucker_error_bounds
>>> st = spectral_tensor((6, 5, 4), "odeco", decay=0.5, rng=0)
>>> [np.round(s[:3], 3).tolist() for s in st.mode_sv]
[[1.0, 0.5, 0.25], [1.0, 0.5, 0.25], [1.0, 0.5, 0.25]]
>>> lo, hi = tucker_error_bounds(st.mode_sv, (2, 2, 2))
>>> round(lo, 6), round(hi, 6)     # max and sum of the discarded energies
(0.078125, 0.234375)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .bounds import _check_int, _check_real
from .strategies import _as_generator, haar_orthonormal

__all__ = [
    "TENSOR_KINDS",
    "SpectralTensor",
    "mode_unfolding",
    "randomized_tucker_bound",
    "spectral_tensor",
    "spectral_tensors",
    "tucker_error_bounds",
    "tucker_reconstruct",
]

#: Kinds of tensor that :func:`spectral_tensors` draws.
TENSOR_KINDS = ("odeco", "block", "lowrank_noise")


@dataclass(frozen=True, eq=False)
class SpectralTensor:
    """A test tensor with known mode spectra.

    Attributes
    ----------
    X : ndarray
        The tensor, in the requested dtype and memory order, read-only.
    mode_sv : list of ndarray
        ``mode_sv[n]``: the singular values of the mode-n unfolding of the
        float64 tensor, descending, length ``min(I_n, prod_{k != n} I_k)``.
    kind : str
    seed : int or None
    """

    X: np.ndarray
    mode_sv: list
    kind: str = "custom"
    seed: int | None = None

    @property
    def shape(self):
        return self.X.shape

    def __repr__(self):
        order = "F" if self.X.flags.f_contiguous and not self.X.flags.c_contiguous else "C"
        return (f"SpectralTensor(shape={self.X.shape}, dtype={self.X.dtype}, order={order!r}, "
                f"kind={self.kind!r}, seed={self.seed})")


def mode_unfolding(X, n):
    """The mode-n unfolding ``X_(n)`` (``I_n x prod_{k != n} I_k``), a copy.

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import mode_unfolding
    >>> mode_unfolding(np.arange(24).reshape(2, 3, 4), 1).shape
    (3, 8)
    """
    X = np.asarray(X)
    return np.moveaxis(X, n, 0).reshape(X.shape[n], -1)


def tucker_reconstruct(core, factors):
    """``core x_1 factors[0] ... x_N factors[N-1]`` in float64 with NumPy.

    A reference independent of the compiled core.

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import tucker_reconstruct
    >>> tucker_reconstruct(np.ones((1, 1)), [np.ones((2, 1)), np.ones((3, 1))]).shape
    (2, 3)
    """
    X = np.asarray(core, dtype=np.float64)
    for n, U in enumerate(factors):
        X = np.moveaxis(np.tensordot(np.asarray(U, dtype=np.float64), X, axes=(1, n)), 0, n)
    return X


def _mode_sv(X):
    return [np.linalg.svd(mode_unfolding(X, n), compute_uv=False) for n in range(X.ndim)]


def _discarded(mode_sv, ranks):
    if len(ranks) != len(mode_sv):
        raise ValueError(f"ranks must have {len(mode_sv)} entries, got {len(ranks)}")
    return np.array([float(np.sum(np.asarray(s[r:], np.float64) ** 2)) for s, r in zip(mode_sv, ranks)])


def tucker_error_bounds(mode_sv, ranks):
    """``(max_n D_n^2, sum_n D_n^2)`` for ``D_n^2 = sum_{i >= r_n} s^(n)_i^2``.

    Every Tucker approximation of multilinear rank ``ranks`` has squared
    error at least the max (it is the best error in mode n alone); HOSVD and
    ST-HOSVD have at most the sum (De Lathauwer et al. 2000, Property 10;
    Vannieuwenhoven et al. 2012, Thm 6.5). Cost O(sum of lengths).

    Examples
    --------
    >>> from linalg.testing import tucker_error_bounds
    >>> tucker_error_bounds([[2.0, 1.0], [2.0, 1.0, 0.5]], (1, 1))
    (1.25, 2.25)
    """
    d = _discarded(mode_sv, ranks)
    return float(d.max()), float(d.sum())


def randomized_tucker_bound(mode_sv, ranks, oversample):
    """``sum_n (1 + r_n / (p - 1)) D_n^2``: the expectation bound of randomized
    HOSVD and ST-HOSVD with ``l = r_n + p`` Gaussian columns and no power
    step (Minster, Saibaba & Kilmer 2020, Thms 3.1 and 3.2), ``p >= 2``.

    Examples
    --------
    >>> from linalg.testing import randomized_tucker_bound
    >>> randomized_tucker_bound([[2.0, 1.0, 1.0], [1.0, 1.0]], (1, 1), 3)
    4.5
    """
    p = _check_int("oversample", oversample, minimum=2)
    d = _discarded(mode_sv, ranks)
    return float(np.sum((1.0 + np.asarray(ranks, np.float64) / (p - 1)) * d))


def _superdiagonal(shape, values):
    G = np.zeros(shape)
    idx = np.arange(len(values))
    G[(idx,) * len(shape)] = values
    return G


def spectral_tensor(shape, kind="odeco", *, decay=0.5, rank=None, noise=0.0, rng=0, dtype=np.float64, order="C"):
    """A tensor of the given ``kind`` with its exact mode spectra.

    Parameters
    ----------
    shape : tuple of int
        At least 2 modes, each >= 1.
    kind : {"odeco", "block", "lowrank_noise"}
        ``"odeco"``: superdiagonal core ``s_i = decay**i``, every mode
        spectrum equal to ``s`` (``min(shape)`` values). ``"block"``: a
        Gaussian core of multilinear rank ``rank`` (tuple; default half of
        each side) plus an odeco tail ``0.1 * decay**i`` on the indices past
        the block: mode spectra differ. ``"lowrank_noise"``: a Gaussian core
        of multilinear rank ``rank`` plus Gaussian noise of relative norm
        ``noise`` on the whole tensor.
    decay : float in (0, 1)
    rank : tuple of int, optional
    noise : float >= 0
    rng : numpy.random.Generator or int
    dtype : float32 or float64
    order : {"C", "F"}

    Returns
    -------
    SpectralTensor
        Cost: the SVDs of the N unfoldings, O(|X| min(I_n, |X|/I_n)).

    Examples
    --------
    >>> from linalg.testing import spectral_tensor
    >>> t = spectral_tensor((5, 4, 3), "block", rank=(2, 2, 1), rng=1)
    >>> [int((s > 1e-12).sum()) for s in t.mode_sv]
    [3, 3, 2]
    """
    shape = tuple(_check_int("shape", d, minimum=1) for d in shape)
    if len(shape) < 2:
        raise ValueError(f"shape needs at least 2 modes, got {shape}")
    decay = _check_real("decay", decay)
    if not 0.0 < decay < 1.0:
        raise ValueError(f"decay must be in (0, 1), got {decay}")
    gen, seed = _as_generator(rng)
    N = len(shape)
    factors = [haar_orthonormal(gen, d, d) for d in shape]
    if kind == "odeco":
        G = _superdiagonal(shape, decay ** np.arange(min(shape)))
    elif kind in ("block", "lowrank_noise"):
        if rank is None:
            rank = tuple(max(1, d // 2) for d in shape)
        rank = tuple(_check_int("rank", r, minimum=1) for r in rank)
        if len(rank) != N or any(r > d for r, d in zip(rank, shape)):
            raise ValueError(f"rank must have one entry <= the side per mode, got {rank} for {shape}")
        G = np.zeros(shape)
        G[tuple(slice(0, r) for r in rank)] = gen.standard_normal(rank)
        if kind == "block":
            start = max(rank)
            tail = [0.1 * decay ** i for i in range(min(shape) - start)]
            if tail:
                idx = np.arange(start, start + len(tail))
                G[(idx,) * N] = tail
    else:
        raise ValueError(f"kind must be one of {TENSOR_KINDS}, got {kind!r}")
    X = tucker_reconstruct(G, factors)
    if kind == "lowrank_noise" and noise > 0:
        E = gen.standard_normal(shape)
        X = X + noise * np.linalg.norm(X) / np.linalg.norm(E) * E
    out = np.array(X, dtype=dtype, order=order)
    out.flags.writeable = False
    return SpectralTensor(out, _mode_sv(X), kind=kind, seed=seed)


@st.composite
def spectral_tensors(draw, *, min_ndim=3, max_ndim=5, min_side=2, max_side=7, kinds=TENSOR_KINDS,
                     dtypes=(np.float64,), orders=("C", "F"), noises=(0.0, 1e-3, 0.05)):
    """Hypothesis strategy for :class:`SpectralTensor` (3- to 5-way by default).

    Draws the number of modes, the sides, the kind with its decay, block
    rank or noise (``"lowrank_noise"``: one of ``noises``; 0 gives a tensor of
    exactly the drawn multilinear rank), a generator seed, the dtype and the
    memory order.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from linalg.testing import spectral_tensors
    >>> @settings(max_examples=3, deadline=None)
    ... @given(spectral_tensors(max_side=4))
    ... def check(t):
    ...     assert 3 <= t.X.ndim <= 5
    >>> check()
    """
    N = draw(st.integers(min_ndim, max_ndim))
    shape = tuple(draw(st.integers(min_side, max_side)) for _ in range(N))
    kind = draw(st.sampled_from(kinds))
    decay = draw(st.floats(0.2, 0.8))
    rank = tuple(draw(st.integers(1, d)) for d in shape)
    noise = draw(st.sampled_from(noises))
    seed = draw(st.integers(0, 2**32 - 1))
    dtype = draw(st.sampled_from(dtypes))
    order = draw(st.sampled_from(orders))
    return spectral_tensor(shape, kind, decay=decay, rank=rank, noise=noise, rng=seed, dtype=dtype, order=order)
