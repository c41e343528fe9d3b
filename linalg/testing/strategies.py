"""Test matrices with prescribed singular values, and Hypothesis strategies.

Every matrix is built as ``A = U @ diag(s) @ Vh`` from a chosen spectrum
``s`` and random orthonormal factors, so a test knows the exact singular
values (and vectors) of its input and can compare an algorithm with the
optimum and with the bounds of :mod:`linalg.testing.bounds`.

The strategies draw only the shape, the kind of spectrum and its
parameters, the dtype and memory order, and an integer seed for the
*generator of the matrix*. They never draw the seed of a sketch: randomized
bounds are checked as averages over the fixed :data:`~linalg.testing.SEEDS`
(see :func:`~linalg.testing.check_mean_bound`), because a search over sketch
seeds would find the unlucky draw that every probabilistic bound allows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from .bounds import _check_int, _check_real, _check_spectrum

__all__ = [
    "KINDS",
    "SpectralMatrix",
    "SpectralPSD",
    "coherent_orthonormal",
    "exact_rank_spectrum",
    "gapped_spectrum",
    "geometric_spectrum",
    "haar_orthonormal",
    "low_rank_plus_noise",
    "matrix_from_spectrum",
    "polynomial_spectrum",
    "psd_matrices",
    "spectral_matrices",
]

#: Kinds of test matrix that :func:`spectral_matrices` and
#: :func:`psd_matrices` draw from. ``"coherent"`` has a geometric spectrum
#: and singular vectors concentrated on few rows (the hard case for
#: row/column sampling).
KINDS = ("geometric", "polynomial", "gap", "exact_rank", "coherent")

_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
_MAX_SEED = 2**32 - 1


# --------------------------------------------------------------------------
# result types
# --------------------------------------------------------------------------


def _summary(values):
    """Short text for a descending array: first two and last values."""
    if values.size <= 3:
        return "[" + ", ".join(f"{v:.3g}" for v in values) + "]"
    return f"[{values[0]:.3g}, {values[1]:.3g}, ..., {values[-1]:.3g}]"


def _order_of(A):
    return "F" if A.flags.f_contiguous and not A.flags.c_contiguous else "C"


# eq=False: arrays have no truth value, so compare and hash by identity.
@dataclass(frozen=True, eq=False)
class SpectralMatrix:
    """A test matrix with known SVD, ``A = U @ diag(s) @ Vh``.

    Attributes
    ----------
    A : ndarray of shape (m, n)
        The matrix, in the requested dtype and memory order, read-only (so a
        function that writes into its input fails loudly; ``A.copy()`` gives
        a writable one).
    U : ndarray of shape (m, r), float64
        Orthonormal columns, ``r = min(m, n)``.
    s : ndarray of shape (r,), float64
        Singular values, non-increasing.
    Vh : ndarray of shape (r, n), float64
        Orthonormal rows.
    kind : str
        How the spectrum was made, with its parameters.
    seed : int or None
        Seed of the generator that drew ``U`` and ``Vh`` (None when a
        Generator object was passed). With ``kind`` it reproduces ``A``.

    Notes
    -----
    The factors are exact float64 references; ``A`` equals their product up
    to rounding in its own dtype (about ``1e-7 * s[0]`` for float32).
    """

    A: np.ndarray
    U: np.ndarray
    s: np.ndarray
    Vh: np.ndarray
    kind: str = "custom"
    seed: int | None = None

    @property
    def shape(self):
        return self.A.shape

    def __repr__(self):
        return (
            f"SpectralMatrix(shape={self.A.shape}, dtype={self.A.dtype}, "
            f"order={_order_of(self.A)!r}, kind={self.kind!r}, seed={self.seed}, "
            f"s={_summary(self.s)})"
        )


@dataclass(frozen=True, eq=False)
class SpectralPSD:
    """A symmetric positive semi-definite test matrix with known eigenpairs.

    ``A = eigenvectors @ diag(eigenvalues) @ eigenvectors.T``, symmetric
    exactly (bit for bit) in its dtype.

    Attributes
    ----------
    A : ndarray of shape (n, n)
        Read-only, in the requested dtype and order.
    eigenvalues : ndarray of shape (n,), float64
        Non-increasing and >= 0 (note: ``numpy.linalg.eigh`` returns them
        increasing).
    eigenvectors : ndarray of shape (n, n), float64
        Orthonormal columns.
    kind : str
    seed : int or None
    """

    A: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    kind: str = "custom"
    seed: int | None = None

    @property
    def shape(self):
        return self.A.shape

    def __repr__(self):
        return (
            f"SpectralPSD(shape={self.A.shape}, dtype={self.A.dtype}, "
            f"order={_order_of(self.A)!r}, kind={self.kind!r}, seed={self.seed}, "
            f"eigenvalues={_summary(self.eigenvalues)})"
        )


# --------------------------------------------------------------------------
# spectra
# --------------------------------------------------------------------------


def geometric_spectrum(n, ratio):
    """Geometrically decaying values ``s_i = ratio**i``, ``i = 0..n-1``.

    Parameters
    ----------
    n : int
        Length, ``n >= 1``.
    ratio : float
        ``0 < ratio < 1``.

    Returns
    -------
    s : ndarray of shape (n,), float64
        Strictly decreasing, ``s[0] = 1``. Cost: O(n).

    Examples
    --------
    >>> from linalg.testing import geometric_spectrum
    >>> geometric_spectrum(4, 0.5)
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    n = _check_int("n", n, minimum=1)
    ratio = _check_real("ratio", ratio)
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"ratio must be in (0, 1), got {ratio}")
    return ratio ** np.arange(n, dtype=np.float64)


def polynomial_spectrum(n, power):
    """Polynomially decaying values ``s_i = (i + 1)**(-power)``.

    Parameters
    ----------
    n : int
        Length, ``n >= 1``.
    power : float
        ``power > 0``; ``power <= 1`` is the slow decay where the power
        scheme matters (HMT section 4.5).

    Returns
    -------
    s : ndarray of shape (n,), float64
        Strictly decreasing, ``s[0] = 1``. Cost: O(n).

    Examples
    --------
    >>> from linalg.testing import polynomial_spectrum
    >>> polynomial_spectrum(4, 1.0)
    array([1.        , 0.5       , 0.33333333, 0.25      ])
    """
    n = _check_int("n", n, minimum=1)
    power = _check_real("power", power)
    if power <= 0.0:
        raise ValueError(f"power must be > 0, got {power}")
    return np.arange(1, n + 1, dtype=np.float64) ** -power


def gapped_spectrum(n, k, gap):
    """``k`` values near 1, then a drop by ``gap``, then a slow decay.

    .. math::

        s_i = 1 - 0.1\\,i/k \\quad (i < k), \\qquad
        s_{k+j} = \\frac{0.9}{\\text{gap}}\\,(j + 1)^{-1/2} \\quad (j \\ge 0).

    The head lies in ``(0.9, 1]``, so ``s_{k-1} / s_k > gap``: a rank-``k``
    approximation is easy, one of higher rank must resolve a flat tail.

    Parameters
    ----------
    n : int
        Length, ``n >= 1``.
    k : int
        Size of the head, ``1 <= k <= n`` (``k = n``: no tail).
    gap : float
        ``gap > 1``.

    Returns
    -------
    s : ndarray of shape (n,), float64
        Strictly decreasing. Cost: O(n).

    Examples
    --------
    >>> from linalg.testing import gapped_spectrum
    >>> gapped_spectrum(4, 2, 100.0)
    array([1.        , 0.95      , 0.009     , 0.00636396])
    """
    n = _check_int("n", n, minimum=1)
    k = _check_int("k", k, minimum=1, maximum=n)
    gap = _check_real("gap", gap)
    if gap <= 1.0:
        raise ValueError(f"gap must be > 1, got {gap}")
    head = 1.0 - 0.1 * np.arange(k, dtype=np.float64) / k
    tail = (0.9 / gap) * np.arange(1, n - k + 1, dtype=np.float64) ** -0.5
    return np.concatenate([head, tail])


def exact_rank_spectrum(n, rank, noise=0.0):
    """``rank`` values spaced logarithmically from 1 to 0.1, then ``noise``.

    Parameters
    ----------
    n : int
        Length, ``n >= 1``.
    rank : int
        Number of leading values, ``1 <= rank <= n``.
    noise : float, default=0.0
        Level of the remaining ``n - rank`` values, ``0 <= noise < 0.1``;
        0 gives a matrix of exact rank ``rank``.

    Returns
    -------
    s : ndarray of shape (n,), float64
        Non-increasing. Cost: O(n).

    Examples
    --------
    >>> from linalg.testing import exact_rank_spectrum
    >>> exact_rank_spectrum(4, 2)
    array([1. , 0.1, 0. , 0. ])
    """
    n = _check_int("n", n, minimum=1)
    rank = _check_int("rank", rank, minimum=1, maximum=n)
    noise = _check_real("noise", noise)
    if not 0.0 <= noise < 0.1:
        raise ValueError(f"noise must be in [0, 0.1), got {noise}")
    head = np.logspace(0.0, -1.0, rank)
    return np.concatenate([head, np.full(n - rank, noise)])


# --------------------------------------------------------------------------
# orthonormal factors
# --------------------------------------------------------------------------


def _as_generator(rng):
    """Return (Generator, seed-or-None) from a Generator or an int seed."""
    if isinstance(rng, np.random.Generator):
        return rng, None
    seed = _check_int("rng", rng, minimum=0, maximum=_MAX_SEED)
    return np.random.default_rng(seed), seed


def _check_factor_shape(m, r):
    m = _check_int("m", m, minimum=1)
    r = _check_int("r", r, minimum=1)
    if r > m:
        raise ValueError(f"r must be <= m = {m} for orthonormal columns, got {r}")
    return m, r


def _orthonormalize(G):
    """Q of G = QR with diag(R) >= 0: unique, so the law of Q is not biased."""
    Q, R = np.linalg.qr(G)
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    return Q * signs


def haar_orthonormal(rng, m, r):
    """An m x r matrix with orthonormal columns, Haar (uniformly) distributed.

    ``Q @ diag(sign(diag(R)))`` from ``G = QR`` with ``G`` standard Gaussian;
    the sign fix makes the factorisation unique, which is what makes the law
    of ``Q`` exactly Haar (Mezzadri, Notices AMS 54(5), 2007).

    Parameters
    ----------
    rng : numpy.random.Generator or int
        Generator, or a seed for ``numpy.random.default_rng``.
    m, r : int
        Shape, ``1 <= r <= m``.

    Returns
    -------
    Q : ndarray of shape (m, r), float64
        Cost: O(m r^2).

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import haar_orthonormal
    >>> Q = haar_orthonormal(np.random.default_rng(0), 5, 3)
    >>> np.allclose(Q.T @ Q, np.eye(3))
    True
    """
    m, r = _check_factor_shape(m, r)
    gen, _ = _as_generator(rng)
    return _orthonormalize(gen.standard_normal((m, r)))


def coherent_orthonormal(rng, m, r, *, mix=0.1):
    """An m x r orthonormal factor whose energy sits on ``r`` of the m rows.

    Column ``j`` starts as the identity column ``e_{i_j}`` for ``r`` distinct
    random rows ``i_j``, plus ``mix / sqrt(m)`` times a Gaussian vector, and
    the result is orthonormalised. Its coherence (largest squared row norm)
    is about ``1 / (1 + mix**2)``, against ``r / m`` for a Haar factor:
    uniform row sampling misses such rows, leverage-score sampling must not.

    Parameters
    ----------
    rng : numpy.random.Generator or int
        Generator, or a seed for ``numpy.random.default_rng``.
    m, r : int
        Shape, ``1 <= r <= m``.
    mix : float, default=0.1
        Weight of the Gaussian part, ``mix >= 0`` (0: a signed permutation
        of identity columns).

    Returns
    -------
    Q : ndarray of shape (m, r), float64
        Cost: O(m r^2).

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import coherent_orthonormal
    >>> Q = coherent_orthonormal(np.random.default_rng(0), 50, 3)
    >>> np.allclose(Q.T @ Q, np.eye(3)), bool(np.max(np.sum(Q**2, axis=1)) > 0.9)
    (True, True)
    """
    m, r = _check_factor_shape(m, r)
    mix = _check_real("mix", mix)
    if mix < 0.0:
        raise ValueError(f"mix must be >= 0, got {mix}")
    gen, _ = _as_generator(rng)
    rows = gen.choice(m, size=r, replace=False)
    G = (mix / np.sqrt(m)) * gen.standard_normal((m, r))
    G[rows, np.arange(r)] += 1.0
    return _orthonormalize(G)


# --------------------------------------------------------------------------
# matrices
# --------------------------------------------------------------------------


def _check_dtype(dtype, name="dtype"):
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"{name} must be float32 or float64, got {dtype!r}") from exc
    if dt not in _DTYPES:
        raise ValueError(f"{name} must be float32 or float64, got {dt}")
    return dt


def _check_order(order, name="order"):
    if order not in ("C", "F"):
        raise ValueError(f"{name} must be 'C' or 'F', got {order!r}")
    return order


def _finish(A, dtype, order):
    """Cast to dtype and memory order, and make read-only."""
    A = np.array(A, dtype=dtype, order=order, copy=True)
    A.flags.writeable = False
    return A


def _frozen(x):
    x = np.array(x, dtype=np.float64, copy=True)
    x.flags.writeable = False
    return x


def matrix_from_spectrum(
    s, m, n, *, rng, dtype=np.float64, order="C", coherent=False
):
    """Build ``A = U @ diag(s) @ Vh`` with random orthonormal factors.

    Parameters
    ----------
    s : array_like of shape (min(m, n),)
        Singular values, finite, non-negative and non-increasing.
    m, n : int
        Shape of ``A``, both >= 1.
    rng : numpy.random.Generator or int
        Generator of the factors, or its seed (recorded in the result).
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Dtype of ``A`` (the factors stay float64).
    order : {"C", "F"}, default="C"
        Memory order of ``A``.
    coherent : bool, default=False
        Use :func:`coherent_orthonormal` for ``U`` and ``Vh`` instead of
        :func:`haar_orthonormal`.

    Returns
    -------
    sm : SpectralMatrix
        Cost: O(m n r + (m + n) r^2), ``r = min(m, n)``.

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import geometric_spectrum, matrix_from_spectrum
    >>> sm = matrix_from_spectrum(geometric_spectrum(3, 0.5), 4, 3, rng=0)
    >>> sm.A.shape, np.allclose(np.linalg.svd(sm.A, compute_uv=False), sm.s)
    ((4, 3), True)
    """
    m = _check_int("m", m, minimum=1)
    n = _check_int("n", n, minimum=1)
    s = _check_spectrum(s, "s")
    r = min(m, n)
    if s.size != r:
        raise ValueError(f"s must have length min(m, n) = {r}, got {s.size}")
    dtype = _check_dtype(dtype)
    order = _check_order(order)
    gen, seed = _as_generator(rng)
    factor = coherent_orthonormal if coherent else haar_orthonormal
    U = factor(gen, m, r)
    V = factor(gen, n, r)
    A = (U * s) @ V.T
    return SpectralMatrix(
        A=_finish(A, dtype, order),
        U=_frozen(U),
        s=_frozen(s),
        Vh=_frozen(V.T),
        kind="coherent" if coherent else "custom",
        seed=seed,
    )


def _psd_from_spectrum(eigenvalues, *, rng, dtype, order, coherent):
    lam = _check_spectrum(eigenvalues, "eigenvalues")
    gen, seed = _as_generator(rng)
    factor = coherent_orthonormal if coherent else haar_orthonormal
    V = factor(gen, lam.size, lam.size)
    A = (V * lam) @ V.T
    # Rounding makes (V*lam) @ V.T slightly asymmetric; averaging with the
    # transpose gives exact symmetry, which survives the elementwise cast.
    A = 0.5 * (A + A.T)
    return SpectralPSD(
        A=_finish(A, dtype, order),
        eigenvalues=_frozen(lam),
        eigenvectors=_frozen(V),
        seed=seed,
    )


# --------------------------------------------------------------------------
# Hypothesis strategies
# --------------------------------------------------------------------------


def _check_choices(name, values, allowed=None, check=None):
    # A bare string would otherwise be split into characters.
    values = (values,) if isinstance(values, str) else tuple(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    if check is not None:
        values = tuple(check(v, name) for v in values)
    if allowed is not None:
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValueError(f"{name} must be drawn from {allowed}, got {bad[0]!r}")
    return values


def _side_strategy(min_side, max_side):
    min_side = _check_int("min_side", min_side, minimum=1)
    max_side = _check_int("max_side", max_side, minimum=1)
    if min_side > max_side:
        raise ValueError(
            f"min_side must be <= max_side, got min_side={min_side} > max_side={max_side}"
        )
    return st.integers(min_side, max_side)


def _shape_strategy(shapes, min_side, max_side):
    """None: both sides in [min_side, max_side]; (m, n): fixed; or a strategy."""
    if shapes is None:
        side = _side_strategy(min_side, max_side)
        return st.tuples(side, side)
    if isinstance(shapes, st.SearchStrategy):
        return shapes
    if isinstance(shapes, tuple) and len(shapes) == 2:
        m = _check_int("shapes[0]", shapes[0], minimum=1)
        n = _check_int("shapes[1]", shapes[1], minimum=1)
        return st.just((m, n))
    raise TypeError(
        "shapes must be None, an (m, n) tuple or a Hypothesis strategy of "
        f"(m, n) tuples, got {type(shapes).__name__}"
    )


def _size_strategy(sizes, min_side, max_side):
    if sizes is None:
        return _side_strategy(min_side, max_side)
    if isinstance(sizes, st.SearchStrategy):
        return sizes
    return st.just(_check_int("sizes", sizes, minimum=1))


def _draw_spectrum(draw, kind, r):
    """Draw the parameters of ``kind`` and return (spectrum, label)."""
    if kind in ("geometric", "coherent"):
        ratio = draw(st.floats(0.5, 0.95))
        return geometric_spectrum(r, ratio), f"{kind}(ratio={ratio:.4g})"
    if kind == "polynomial":
        power = draw(st.floats(0.5, 3.0))
        return polynomial_spectrum(r, power), f"polynomial(power={power:.4g})"
    if kind == "gap":
        k = draw(st.integers(1, r))
        gap = 10.0 ** draw(st.floats(1.0, 4.0))
        return gapped_spectrum(r, k, gap), f"gap(k={k}, gap={gap:.4g})"
    rank = draw(st.integers(1, r))
    noise = draw(st.sampled_from((0.0, 1e-8, 1e-4)))
    return exact_rank_spectrum(r, rank, noise), f"exact_rank(rank={rank}, noise={noise:g})"


def spectral_matrices(
    *,
    shapes=None,
    kinds=KINDS,
    dtypes=(np.float64, np.float32),
    orders=("C", "F"),
    min_side=1,
    max_side=40,
):
    """Hypothesis strategy of :class:`SpectralMatrix` with prescribed spectra.

    Draws the shape, a kind from ``kinds`` and its parameters, a dtype, an
    order and a seed for the matrix generator, then calls
    :func:`matrix_from_spectrum`. Deterministic given Hypothesis's draws.

    Kinds (``r = min(m, n)``):

    * ``"geometric"``: ``ratio**i``, ratio in [0.5, 0.95];
    * ``"polynomial"``: ``(i+1)**-power``, power in [0.5, 3];
    * ``"gap"``: :func:`gapped_spectrum`, head k in [1, r], gap in [10, 1e4];
    * ``"exact_rank"``: :func:`exact_rank_spectrum`, rank in [1, r],
      noise in {0, 1e-8, 1e-4};
    * ``"coherent"``: geometric spectrum, coherent singular vectors.

    Sketch seeds are NOT drawn here and must not be drawn by Hypothesis at
    all: average over :data:`~linalg.testing.SEEDS` and check with
    :func:`~linalg.testing.check_mean_bound`.

    Parameters
    ----------
    shapes : None, (m, n) tuple or strategy of (m, n) tuples, default=None
        None draws both sides in ``[min_side, max_side]``.
    kinds : sequence of str, default=KINDS
    dtypes : sequence of {numpy.float64, numpy.float32}
    orders : sequence of {"C", "F"}
    min_side, max_side : int, default=1, 40
        Side range when ``shapes`` is None. Keep sides small (<= 120) so
        tests stay fast; cost per example is O(m n min(m, n)).

    Returns
    -------
    strategy : hypothesis.strategies.SearchStrategy[SpectralMatrix]

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from linalg.testing import spectral_matrices
    >>> @settings(max_examples=5, deadline=None)
    ... @given(spectral_matrices(max_side=10, dtypes=(np.float64,)))
    ... def test_svdvals(sm):
    ...     assert np.allclose(np.linalg.svd(sm.A, compute_uv=False), sm.s)
    >>> test_svdvals()
    """
    shape_st = _shape_strategy(shapes, min_side, max_side)
    kinds = _check_choices("kinds", kinds, allowed=KINDS)
    dtypes = _check_choices("dtypes", dtypes, check=_check_dtype)
    orders = _check_choices("orders", orders, check=_check_order)

    @st.composite
    def build(draw):
        m, n = draw(shape_st)
        kind = draw(st.sampled_from(kinds))
        s, label = _draw_spectrum(draw, kind, min(m, n))
        dtype = draw(st.sampled_from(dtypes))
        order = draw(st.sampled_from(orders))
        seed = draw(st.integers(0, _MAX_SEED))
        sm = matrix_from_spectrum(
            s, m, n, rng=seed, dtype=dtype, order=order, coherent=kind == "coherent"
        )
        return replace(sm, kind=label)

    return build()


def psd_matrices(
    *,
    sizes=None,
    kinds=KINDS,
    dtypes=(np.float64, np.float32),
    orders=("C", "F"),
    min_side=1,
    max_side=40,
):
    """Hypothesis strategy of symmetric PSD :class:`SpectralPSD` matrices.

    ``A = V @ diag(lam) @ V.T`` with ``lam`` drawn as in
    :func:`spectral_matrices` (all spectra there are >= 0) and ``V`` a Haar
    (or, for ``"coherent"``, coherent) orthogonal matrix. ``A`` is exactly
    symmetric in its dtype. Deterministic given Hypothesis's draws.

    Parameters
    ----------
    sizes : None, int or strategy of int, default=None
        Side n of ``A``; None draws it in ``[min_side, max_side]``.
    kinds, dtypes, orders, min_side, max_side
        As in :func:`spectral_matrices`.

    Returns
    -------
    strategy : hypothesis.strategies.SearchStrategy[SpectralPSD]
        Cost per example: O(n^3).

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from linalg.testing import psd_matrices
    >>> @settings(max_examples=5, deadline=None)
    ... @given(psd_matrices(max_side=8, dtypes=(np.float64,)))
    ... def test_eigvalsh(pm):
    ...     assert np.allclose(np.linalg.eigvalsh(pm.A)[::-1], pm.eigenvalues)
    >>> test_eigvalsh()
    """
    size_st = _size_strategy(sizes, min_side, max_side)
    kinds = _check_choices("kinds", kinds, allowed=KINDS)
    dtypes = _check_choices("dtypes", dtypes, check=_check_dtype)
    orders = _check_choices("orders", orders, check=_check_order)

    @st.composite
    def build(draw):
        n = draw(size_st)
        kind = draw(st.sampled_from(kinds))
        lam, label = _draw_spectrum(draw, kind, n)
        dtype = draw(st.sampled_from(dtypes))
        order = draw(st.sampled_from(orders))
        seed = draw(st.integers(0, _MAX_SEED))
        pm = _psd_from_spectrum(
            lam, rng=seed, dtype=dtype, order=order, coherent=kind == "coherent"
        )
        return replace(pm, kind=label)

    return build()


def _low_rank_plus_noise(m, n, rank, noise, *, rng, dtype, order):
    """Rank-``rank`` matrix plus Gaussian noise, with the SVD of the sum."""
    gen, seed = _as_generator(rng)
    r = min(m, n)
    low = matrix_from_spectrum(exact_rank_spectrum(r, rank), m, n, rng=gen)
    # Scaled so that ||N||_2 is about noise * (1 + sqrt(min/max)) <= 2 noise.
    N = (noise / np.sqrt(max(m, n))) * gen.standard_normal((m, n))
    A = low.A + N
    # The sum's spectrum is not prescribed, so take its SVD: the reference
    # factors then describe A itself, exactly up to rounding.
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    return SpectralMatrix(
        A=_finish(A, dtype, order), U=_frozen(U), s=_frozen(s), Vh=_frozen(Vh),
        seed=seed,
    )


def low_rank_plus_noise(
    *,
    shapes=None,
    max_rank=10,
    noise=(1e-6, 1e-1),
    dtypes=(np.float64, np.float32),
    orders=("C", "F"),
    min_side=1,
    max_side=40,
):
    """Hypothesis strategy of low-rank-plus-noise :class:`SpectralMatrix`.

    ``A = L + (eps / sqrt(max(m, n))) G`` with ``L`` of exact rank ``k``
    (singular values 1..0.1, :func:`exact_rank_spectrum`), ``G`` standard
    Gaussian, so ``||A - L||_2`` is about ``eps`` to ``2 eps``. ``k`` is drawn
    in ``[1, min(max_rank, m, n)]`` and ``eps`` log-uniformly in ``noise``.
    The reference ``U, s, Vh`` are the SVD of ``A`` itself (computed in
    float64), so ``A = U diag(s) Vh`` up to rounding as for the other kinds.

    Parameters
    ----------
    shapes, dtypes, orders, min_side, max_side
        As in :func:`spectral_matrices`.
    max_rank : int, default=10
        Largest rank of ``L``, >= 1.
    noise : (float, float), default=(1e-6, 1e-1)
        Range of ``eps``, ``0 < low <= high``.

    Returns
    -------
    strategy : hypothesis.strategies.SearchStrategy[SpectralMatrix]
        Cost per example: O(m n min(m, n)).

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from linalg.testing import low_rank_plus_noise
    >>> @settings(max_examples=5, deadline=None)
    ... @given(low_rank_plus_noise(max_side=10, dtypes=(np.float64,)))
    ... def test_reconstructs(sm):
    ...     assert np.allclose(sm.A, (sm.U * sm.s) @ sm.Vh)
    >>> test_reconstructs()
    """
    shape_st = _shape_strategy(shapes, min_side, max_side)
    max_rank = _check_int("max_rank", max_rank, minimum=1)
    if not (isinstance(noise, tuple) and len(noise) == 2):
        raise TypeError(f"noise must be a (low, high) tuple, got {noise!r}")
    lo = _check_real("noise[0]", noise[0])
    hi = _check_real("noise[1]", noise[1])
    if not 0.0 < lo <= hi:
        raise ValueError(f"noise must satisfy 0 < low <= high, got {noise!r}")
    dtypes = _check_choices("dtypes", dtypes, check=_check_dtype)
    orders = _check_choices("orders", orders, check=_check_order)

    @st.composite
    def build(draw):
        m, n = draw(shape_st)
        rank = draw(st.integers(1, min(max_rank, m, n)))
        eps = 10.0 ** draw(st.floats(np.log10(lo), np.log10(hi)))
        dtype = draw(st.sampled_from(dtypes))
        order = draw(st.sampled_from(orders))
        seed = draw(st.integers(0, _MAX_SEED))
        sm = _low_rank_plus_noise(m, n, rank, eps, rng=seed, dtype=dtype, order=order)
        return replace(sm, kind=f"low_rank_plus_noise(rank={rank}, noise={eps:.3g})")

    return build()
