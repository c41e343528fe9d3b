"""Bound oracles for randomized range finders, and a concentration check.

The expectation bounds are those of

    N. Halko, P.-G. Martinsson and J. A. Tropp, "Finding structure with
    randomness: probabilistic algorithms for constructing approximate matrix
    decompositions", SIAM Review 53(2):217-288, 2011 (arXiv:0909.4061),
    section 10 ("HMT" below).

They bound the *mean* error of one randomized sketch. A test cannot observe
a mean, only an average over a few sketches; :func:`check_mean_bound` turns
such an average into a check that fails with probability at most ``delta``
when the bound is true, using Hoeffding's inequality and the a-priori range
in which every error lies. Sketch seeds come from the fixed list
:data:`SEEDS`, never from Hypothesis: a property-based search over seeds
would hunt for the unlucky sketch that any probabilistic bound allows.

All functions here use NumPy and SciPy only, and return Python floats.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import scipy.linalg

__all__ = [
    "SEEDS",
    "MeanBoundCheck",
    "assert_mean_bound",
    "check_mean_bound",
    "hmt_frobenius_sq_bound",
    "hmt_power_bound",
    "hmt_spectral_bound",
    "optimal_error",
    "projection_error",
]

#: Fixed sketch seeds: 24 values drawn once from
#: ``np.random.SeedSequence(20110217).generate_state(24)`` and frozen here.
#: Averages over all of them are what :func:`check_mean_bound` checks; never
#: pick a subset after looking at the results.
SEEDS: tuple[int, ...] = (
    69119504, 4000685837, 27658717, 684212405, 142283269, 3717767248,
    2944729310, 3275855164, 3983692636, 1330552918, 3556043407, 2937987235,
    3127985903, 89345083, 4030164844, 3023046029, 1422152330, 554838442,
    2565138079, 1923313886, 1788963359, 2816349910, 3365839045, 723452770,
)

# Values this far outside [lower, upper] (relative to the range's scale) are
# rounding, not a broken premise: float32 inputs perturb singular values.
_RANGE_RTOL = 1e-6


# --------------------------------------------------------------------------
# argument checks (shared with strategies.py)
# --------------------------------------------------------------------------


def _check_int(name, value, minimum=None, maximum=None):
    """Return ``value`` as int, or raise TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def _check_real(name, value):
    """Return ``value`` as a finite float, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_spectrum(s, name="s"):
    """Return ``s`` as a float64 1-D array of finite, non-increasing values >= 0."""
    s = np.asarray(s, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} must contain only finite values")
    if np.any(s < 0):
        raise ValueError(f"{name} must be non-negative")
    if np.any(np.diff(s) > 0):
        raise ValueError(f"{name} must be sorted in non-increasing order")
    return s


def _check_kp(s, k, p):
    """Validate HMT's hypotheses k >= 2, p >= 2, k + p <= min(m, n) = len(s)."""
    k = _check_int("k", k, minimum=2)
    p = _check_int("p", p, minimum=2)
    if k + p > s.size:
        raise ValueError(
            f"k + p must be <= len(s) = min(m, n) = {s.size}, got k + p = {k + p}"
        )
    return k, p


def _check_norm(norm):
    if norm not in ("fro", "spectral"):
        raise ValueError(f"norm must be 'fro' or 'spectral', got {norm!r}")
    return norm


# --------------------------------------------------------------------------
# bound oracles
# --------------------------------------------------------------------------


def optimal_error(s, k, norm="fro"):
    """Smallest error of any rank-``k`` approximation (Eckart-Young-Mirsky).

    .. math::

        \\min_{\\operatorname{rank} B \\le k} \\|A - B\\|_F
            = \\Big(\\sum_{j>k} \\sigma_j^2\\Big)^{1/2}, \\qquad
        \\min_{\\operatorname{rank} B \\le k} \\|A - B\\|_2 = \\sigma_{k+1}.

    With ``k = 0`` this is ``||A||``; with ``k + p`` it is the a-priori
    lower end of the range in which a rank-``(k + p)`` projection error lies.

    Parameters
    ----------
    s : array_like of shape (r,)
        Singular values of ``A``, non-increasing, ``r = min(m, n)``.
    k : int
        Rank, ``0 <= k``. Ranks ``>= r`` give 0.
    norm : {"fro", "spectral"}, default="fro"
        Norm in which the error is measured.

    Returns
    -------
    err : float
        The optimal error. Cost: O(r).

    Examples
    --------
    >>> from linalg.testing import optimal_error
    >>> optimal_error([3.0, 2.0, 1.0], 1)          # sqrt(2**2 + 1**2)
    2.23606797749979
    >>> optimal_error([3.0, 2.0, 1.0], 1, norm="spectral")
    2.0
    """
    s = _check_spectrum(s)
    k = _check_int("k", k, minimum=0)
    norm = _check_norm(norm)
    if k >= s.size:
        return 0.0
    if norm == "spectral":
        return float(s[k])
    return float(np.sqrt(np.sum(s[k:] ** 2)))


def hmt_frobenius_sq_bound(s, k, p):
    """Bound on the mean *squared* Frobenius error of a Gaussian range finder.

    For ``Y = A @ Omega`` with ``Omega`` an n x (k + p) standard Gaussian
    matrix and ``P_Y`` the orthogonal projector onto ``range(Y)``,

    .. math::

        \\mathbb{E}\\,\\|(I - P_Y)A\\|_F^2 \\le
            \\Big(1 + \\frac{k}{p-1}\\Big) \\sum_{j>k} \\sigma_j^2 .

    This is the squared form that HMT prove on the way to Theorem 10.5
    (proof, pp. 57-58: Theorem 9.1 plus ``E||pinv(Omega_1)||_F^2 = k/(p-1)``);
    the theorem itself states its square root as a bound on
    ``E||(I - P_Y)A||_F``. The squared error is what to average: it is the
    quantity whose mean is bounded.

    Every draw lies in ``[optimal_error(s, k + p)**2, optimal_error(s, 0)**2]``,
    that is ``sum_{j>k+p} sigma_j^2 <= ||(I - P_Y)A||_F^2 <= ||A||_F^2``,
    because ``range(Y)`` has dimension at most ``k + p``.

    Parameters
    ----------
    s : array_like of shape (r,)
        Singular values of ``A``, non-increasing, ``r = min(m, n)``.
    k : int
        Target rank, ``k >= 2`` (HMT's hypothesis).
    p : int
        Oversampling, ``p >= 2`` and ``k + p <= r``.

    Returns
    -------
    bound : float
        Cost: O(r).

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import hmt_frobenius_sq_bound
    >>> hmt_frobenius_sq_bound(np.ones(6), k=2, p=2)   # (1 + 2/1) * 4
    12.0
    """
    s = _check_spectrum(s)
    k, p = _check_kp(s, k, p)
    return float((1.0 + k / (p - 1)) * np.sum(s[k:] ** 2))


def _power_bound(s, k, p, q):
    """HMT Corollary 10.10, computed relative to sigma_{k+1} to avoid underflow."""
    t = 2 * q + 1
    head = 1.0 + math.sqrt(k / (p - 1))
    coef = math.e * math.sqrt(k + p) / p
    scale = s[k]
    if scale == 0.0:
        # Non-increasing s: the whole tail is zero, so Y spans range(A).
        return 0.0
    # (s_j / s_{k+1}) <= 1 for j > k, so powers cannot overflow; the scaled
    # form equals the paper's expression exactly in real arithmetic.
    tail = math.sqrt(float(np.sum((s[k:] / scale) ** (2 * t))))
    return float(scale * (head + coef * tail) ** (1.0 / t))


def hmt_spectral_bound(s, k, p):
    """Bound on the mean spectral-norm error of a Gaussian range finder.

    HMT Theorem 10.6 (average spectral error): for ``Y = A @ Omega`` with
    ``Omega`` an n x (k + p) standard Gaussian matrix,

    .. math::

        \\mathbb{E}\\,\\|(I - P_Y)A\\|_2 \\le
            \\Big(1 + \\sqrt{\\tfrac{k}{p-1}}\\Big)\\sigma_{k+1}
            + \\frac{e\\sqrt{k+p}}{p}\\Big(\\sum_{j>k}\\sigma_j^2\\Big)^{1/2}.

    Every draw lies in ``[optimal_error(s, k + p, "spectral"), s[0]]``,
    that is ``sigma_{k+p+1} <= ||(I - P_Y)A||_2 <= sigma_1``.

    Parameters
    ----------
    s : array_like of shape (r,)
        Singular values of ``A``, non-increasing, ``r = min(m, n)``.
    k : int
        Target rank, ``k >= 2``.
    p : int
        Oversampling, ``p >= 2`` and ``k + p <= r``.

    Returns
    -------
    bound : float
        Equal to ``hmt_power_bound(s, k, p, 0)``. Cost: O(r).

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import hmt_spectral_bound
    >>> # (1 + sqrt(2)) * 1 + e * sqrt(4) / 2 * sqrt(4)
    >>> round(hmt_spectral_bound(np.ones(6), k=2, p=2), 6)
    7.850777
    """
    return hmt_power_bound(s, k, p, 0)


def hmt_power_bound(s, k, p, q):
    """Bound on the mean spectral error of the power scheme (q iterations).

    HMT Corollary 10.10 (average spectral error for the power scheme): for
    ``Z = (A A^T)^q A Omega`` with ``Omega`` an n x (k + p) standard Gaussian,

    .. math::

        \\mathbb{E}\\,\\|(I - P_Z)A\\|_2 \\le \\Big[
            \\Big(1 + \\sqrt{\\tfrac{k}{p-1}}\\Big)\\sigma_{k+1}^{2q+1}
            + \\frac{e\\sqrt{k+p}}{p}
              \\Big(\\sum_{j>k}\\sigma_j^{2(2q+1)}\\Big)^{1/2}
            \\Big]^{1/(2q+1)} .

    ``q = 0`` is Theorem 10.6 (:func:`hmt_spectral_bound`). The a-priori
    range is the same as for ``q = 0``: ``[sigma_{k+p+1}, sigma_1]``. The
    bound holds in exact arithmetic; a test's range finder should
    re-orthonormalise between iterations when ``sigma_1 / sigma_{k+1}`` is
    large, or rounding, not the bound, sets its error.

    Parameters
    ----------
    s : array_like of shape (r,)
        Singular values of ``A``, non-increasing, ``r = min(m, n)``.
    k : int
        Target rank, ``k >= 2``.
    p : int
        Oversampling, ``p >= 2`` and ``k + p <= r``.
    q : int
        Number of power iterations, ``q >= 0``.

    Returns
    -------
    bound : float
        Cost: O(r).

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import hmt_power_bound
    >>> # [(1 + sqrt(2)) * 1 + e * sqrt(4) / 2 * sqrt(4)] ** (1/3)
    >>> round(hmt_power_bound(np.ones(6), k=2, p=2, q=1), 6)
    1.987487
    """
    s = _check_spectrum(s)
    k, p = _check_kp(s, k, p)
    q = _check_int("q", q, minimum=0)
    return _power_bound(s, k, p, q)


def projection_error(A, Q, norm="fro"):
    """Error of projecting ``A`` onto the span of the orthonormal columns of Q.

    .. math::

        \\|A - Q (Q^T A)\\| = \\|(I - Q Q^T) A\\| .

    Computed in float64 whatever the input dtype, so that rounding in the
    check does not blur a small error. ``Q`` is trusted to have orthonormal
    columns (the quantity is the projection error only then).

    Parameters
    ----------
    A : array_like of shape (m, n)
    Q : array_like of shape (m, l)
        Orthonormal columns, e.g. ``np.linalg.qr(A @ Omega)[0]``.
    norm : {"fro", "spectral"}, default="fro"
        ``"spectral"`` takes the largest singular value
        (``scipy.linalg.svdvals``).

    Returns
    -------
    err : float
        Cost: O(m n l) for the projection, plus O(m n min(m, n)) for the
        spectral norm.

    Examples
    --------
    >>> import numpy as np
    >>> from linalg.testing import projection_error
    >>> A = np.diag([3.0, 2.0, 1.0])
    >>> Q = np.eye(3)[:, :1]                  # keeps the first direction
    >>> projection_error(A, Q)                # sqrt(2**2 + 1**2)
    2.23606797749979
    >>> round(projection_error(A, Q, norm="spectral"), 12)
    2.0
    """
    norm = _check_norm(norm)
    A = np.asarray(A, dtype=np.float64)
    Q = np.asarray(Q, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be a 2-D array, got {A.ndim} dimensions")
    if Q.ndim != 2 or Q.shape[0] != A.shape[0]:
        raise ValueError(
            f"Q must be 2-D with {A.shape[0]} rows (as A), got shape {Q.shape}"
        )
    E = A - Q @ (Q.T @ A)
    if norm == "fro":
        return float(np.linalg.norm(E, "fro"))
    if E.size == 0:
        return 0.0
    return float(scipy.linalg.svdvals(E, check_finite=True)[0])


# --------------------------------------------------------------------------
# concentration check
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class MeanBoundCheck:
    """Outcome of :func:`check_mean_bound`.

    Attributes
    ----------
    mean : float
        Average of the observed values.
    bound : float
        Claimed upper bound on their expectation.
    margin : float
        Hoeffding margin ``(upper - lower) * sqrt(ln(1/delta) / (2 n))``.
    n : int
        Number of values.
    ok : bool
        ``mean <= bound + margin``.
    lower, upper : float
        A-priori range of each value.
    delta : float
        Chance of ``ok`` being False although the bound is true.
    """

    mean: float
    bound: float
    margin: float
    n: int
    ok: bool
    lower: float
    upper: float
    delta: float

    @property
    def vacuous(self):
        """True when ``bound + margin >= upper``: no data could fail the check.

        A test whose check is vacuous asserts nothing; tests should assert
        ``not result.vacuous`` for at least their reference cases.
        """
        return self.bound + self.margin >= self.upper

    def __str__(self):
        verdict = "holds" if self.ok else "VIOLATED"
        return (
            f"mean of {self.n} values = {self.mean:.6g} vs bound {self.bound:.6g}"
            f" + Hoeffding margin {self.margin:.6g}"
            f" = {self.bound + self.margin:.6g}: {verdict}"
            f" (values in [{self.lower:.6g}, {self.upper:.6g}], delta={self.delta:g})"
        )


def check_mean_bound(values, bound, *, lower, upper, delta=1e-3):
    """Check a bound on an expectation from an average of i.i.d. draws.

    If ``X_1..X_n`` are independent, lie in ``[lower, upper]`` and have
    ``E X_i <= bound``, Hoeffding's inequality gives

    .. math::

        P\\big(\\bar X > \\text{bound} + t\\big) \\le
            \\exp\\!\\Big(-\\frac{2 n t^2}{(\\text{upper}-\\text{lower})^2}\\Big)
            = \\delta
        \\quad\\text{for}\\quad
        t = (\\text{upper}-\\text{lower})\\sqrt{\\frac{\\ln(1/\\delta)}{2n}} .

    So a true bound fails this check with probability at most ``delta``, and
    a bound below the true mean by more than ``2 t`` fails it with
    probability at least ``1 - delta``. The a-priori ranges of the HMT
    errors are given in each bound's docstring.

    Parameters
    ----------
    values : array_like of shape (n,)
        Observed values, one per sketch seed (use :data:`SEEDS`).
    bound : float
        Claimed upper bound on ``E X``.
    lower, upper : float
        A-priori range of each value, ``lower <= upper``. Values outside it
        by more than ``1e-6 * (|lower| + |upper|)`` raise ValueError (the
        premise fails); smaller excursions are rounding and are clipped.
    delta : float, default=1e-3
        False-alarm probability, ``0 < delta < 1``.

    Returns
    -------
    result : MeanBoundCheck
        Cost: O(n).

    Examples
    --------
    >>> from linalg.testing import check_mean_bound
    >>> res = check_mean_bound([0.2, 0.3, 0.25, 0.35], 0.3, lower=0.0, upper=1.0)
    >>> res.ok, round(res.margin, 4)          # sqrt(ln(1000) / 8)
    (True, 0.9292)
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values must contain only finite values")
    bound = _check_real("bound", bound)
    lower = _check_real("lower", lower)
    upper = _check_real("upper", upper)
    delta = _check_real("delta", delta)
    if lower > upper:
        raise ValueError(f"lower must be <= upper, got lower={lower} > upper={upper}")
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    slack = _RANGE_RTOL * (abs(lower) + abs(upper))
    lo, hi = float(values.min()), float(values.max())
    if lo < lower - slack or hi > upper + slack:
        raise ValueError(
            f"values must lie in [lower, upper] = [{lower:.6g}, {upper:.6g}] for "
            f"Hoeffding's inequality, got min {lo:.6g} and max {hi:.6g}"
        )
    values = np.clip(values, lower, upper)
    n = values.size
    margin = (upper - lower) * math.sqrt(math.log(1.0 / delta) / (2.0 * n))
    mean = float(values.mean())
    return MeanBoundCheck(
        mean=mean,
        bound=bound,
        margin=margin,
        n=n,
        ok=bool(mean <= bound + margin),
        lower=lower,
        upper=upper,
        delta=delta,
    )


def assert_mean_bound(values, bound, *, lower, upper, delta=1e-3, label=""):
    """Like :func:`check_mean_bound`, but raise AssertionError on failure.

    Parameters
    ----------
    values, bound, lower, upper, delta
        As in :func:`check_mean_bound`.
    label : str, default=""
        Prefix for the failure message (e.g. the bound's name and the case).

    Returns
    -------
    result : MeanBoundCheck
        Returned when the check holds, so a test can also assert
        ``not result.vacuous``.

    Raises
    ------
    AssertionError
        If ``mean(values) > bound + margin``; the message gives the mean, the
        bound, the margin, the range and ``delta``.

    Examples
    --------
    >>> from linalg.testing import assert_mean_bound
    >>> assert_mean_bound([0.9] * 24, 0.1, lower=0.0, upper=1.0,
    ...                   label="demo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    AssertionError: demo: mean of 24 values = 0.9 vs bound 0.1 + Hoeffding margin 0.379357 ...: VIOLATED ...
    """
    result = check_mean_bound(values, bound, lower=lower, upper=upper, delta=delta)
    if not result.ok:
        prefix = f"{label}: " if label else ""
        raise AssertionError(prefix + str(result))
    return result
