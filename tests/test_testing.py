"""Tests for linalg.testing: spectra, test-matrix strategies, HMT bound oracles.

The empirical checks run a plain NumPy Gaussian range finder (no linalg
core) over the fixed sketch seeds SEEDS, so they test the oracles and the
Hoeffding check themselves.
"""

import dataclasses
import math

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from linalg.testing import (
    KINDS,
    SEEDS,
    assert_mean_bound,
    check_mean_bound,
    coherent_orthonormal,
    exact_rank_spectrum,
    gapped_spectrum,
    geometric_spectrum,
    haar_orthonormal,
    hmt_frobenius_sq_bound,
    hmt_power_bound,
    hmt_spectral_bound,
    low_rank_plus_noise,
    matrix_from_spectrum,
    optimal_error,
    polynomial_spectrum,
    projection_error,
    psd_matrices,
    spectral_matrices,
)

DTYPES = (np.float64, np.float32)
ORDERS = ("C", "F")


def _tol(dtype):
    """Relative (to the largest singular value) tolerance for a dtype."""
    return 1e-10 if np.dtype(dtype) == np.float64 else 2e-5


def _assert_orthonormal_columns(Q, atol=1e-12):
    np.testing.assert_allclose(Q.T @ Q, np.eye(Q.shape[1]), atol=atol)


def _range_finder_errors(A, k, p, q=0):
    """Projection errors of the Gaussian range finder for every seed in SEEDS.

    Y = (A A^T)^q A Omega, re-orthonormalised after each product (same span
    in exact arithmetic; HMT Algorithm 4.4). Returns (fro**2, spectral).
    """
    A = np.asarray(A, dtype=np.float64)
    fro_sq, spec = [], []
    for seed in SEEDS:
        omega = np.random.default_rng(seed).standard_normal((A.shape[1], k + p))
        Q, _ = np.linalg.qr(A @ omega)
        for _ in range(q):
            Q, _ = np.linalg.qr(A @ (A.T @ Q))
        fro_sq.append(projection_error(A, Q, norm="fro") ** 2)
        spec.append(projection_error(A, Q, norm="spectral"))
    return np.array(fro_sq), np.array(spec)


# --------------------------------------------------------------------------
# spectra
# --------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), ratio=st.floats(0.01, 0.99))
def test_geometric_spectrum_law(n, ratio):
    s = geometric_spectrum(n, ratio)
    assert s.dtype == np.float64 and s.shape == (n,)
    np.testing.assert_allclose(s, ratio ** np.arange(n), rtol=1e-12)
    assert np.all(np.diff(s) < 0)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), power=st.floats(0.1, 4.0))
def test_polynomial_spectrum_law(n, power):
    s = polynomial_spectrum(n, power)
    np.testing.assert_allclose(s * np.arange(1, n + 1) ** power, 1.0, rtol=1e-12)
    assert np.all(np.diff(s) < 0)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), n=st.integers(1, 60), gap=st.floats(1.5, 1e6))
def test_gapped_spectrum_law(data, n, gap):
    k = data.draw(st.integers(1, n))
    s = gapped_spectrum(n, k, gap)
    assert s.shape == (n,) and np.all(np.diff(s) < 0)
    assert np.all((s[:k] > 0.9) & (s[:k] <= 1.0))
    if k < n:
        assert s[k - 1] / s[k] > gap
        # Slow decay after the gap: s_{k+j} / s_k = (j + 1)**-1/2.
        np.testing.assert_allclose(s[k:] / s[k], np.arange(1, n - k + 1) ** -0.5)


@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 60),
    noise=st.sampled_from([0.0, 1e-12, 1e-3, 0.09]),
)
def test_exact_rank_spectrum_law(data, n, noise):
    rank = data.draw(st.integers(1, n))
    s = exact_rank_spectrum(n, rank, noise)
    assert s.shape == (n,) and np.all(np.diff(s) <= 0)
    assert s[0] == 1.0 and math.isclose(s[rank - 1], 0.1 if rank > 1 else 1.0)
    assert np.all(s[rank:] == noise)
    assert np.count_nonzero(s > noise) == rank


def test_spectra_hand_values():
    np.testing.assert_allclose(geometric_spectrum(3, 0.5), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(polynomial_spectrum(3, 2.0), [1.0, 1 / 4, 1 / 9])
    np.testing.assert_allclose(
        gapped_spectrum(4, 2, 100.0), [1.0, 0.95, 0.009, 0.009 / math.sqrt(2)]
    )
    np.testing.assert_allclose(exact_rank_spectrum(4, 3, 1e-3), [1.0, 10**-0.5, 0.1, 1e-3])


# --------------------------------------------------------------------------
# orthonormal factors
# --------------------------------------------------------------------------


def test_haar_orthonormal_is_reproducible_and_orthonormal():
    Q1 = haar_orthonormal(7, 30, 10)
    Q2 = haar_orthonormal(np.random.default_rng(7), 30, 10)
    np.testing.assert_array_equal(Q1, Q2)
    _assert_orthonormal_columns(Q1)
    assert not np.array_equal(Q1, haar_orthonormal(8, 30, 10))


def test_haar_orthonormal_sign_fix_removes_bias():
    # Without the sign fix, LAPACK's Householder QR makes Q[0, 0] almost
    # always negative; Haar measure makes it symmetric about 0.
    rng = np.random.default_rng(0)
    first = np.array([haar_orthonormal(rng, 4, 4)[0, 0] for _ in range(500)])
    assert abs(first.mean()) < 0.1
    assert 0.3 < np.mean(first > 0) < 0.7


def test_coherent_factor_is_coherent_and_haar_is_not():
    C = coherent_orthonormal(0, 200, 5)
    H = haar_orthonormal(0, 200, 5)
    _assert_orthonormal_columns(C)
    leverage_c = np.sum(C**2, axis=1)
    leverage_h = np.sum(H**2, axis=1)
    # Coherence ~ 1 / (1 + mix**2) = 0.99 vs a few times r/m = 0.025.
    assert leverage_c.max() > 0.95
    assert leverage_h.max() < 0.3
    # Energy on exactly 5 rows.
    assert np.sort(leverage_c)[-5:].sum() > 4.8


# --------------------------------------------------------------------------
# SpectralMatrix / spectral_matrices
# --------------------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_spectral_matrix_reconstructs(kind, dtype, order, data):
    sm = data.draw(
        spectral_matrices(kinds=(kind,), dtypes=(dtype,), orders=(order,), max_side=30)
    )
    m, n = sm.A.shape
    r = min(m, n)
    assert sm.A.dtype == np.dtype(dtype)
    assert sm.A.flags.c_contiguous if order == "C" else sm.A.flags.f_contiguous
    assert not sm.A.flags.writeable
    assert sm.U.shape == (m, r) and sm.s.shape == (r,) and sm.Vh.shape == (r, n)
    assert sm.kind.startswith(kind)
    assert np.all(np.diff(sm.s) <= 0) and np.all(sm.s >= 0)
    _assert_orthonormal_columns(sm.U)
    _assert_orthonormal_columns(sm.Vh.T)
    atol = _tol(dtype) * sm.s[0]
    np.testing.assert_allclose(sm.A, (sm.U * sm.s) @ sm.Vh, rtol=0, atol=atol)
    # Singular values of the stored A (upcast, so only A's rounding counts).
    svals = scipy.linalg.svdvals(sm.A.astype(np.float64))
    np.testing.assert_allclose(svals, sm.s, rtol=0, atol=atol)


@settings(max_examples=20, deadline=None)
@given(spectral_matrices(max_side=25))
def test_spectral_matrix_is_reproducible_from_seed(sm):
    m, n = sm.A.shape
    again = matrix_from_spectrum(
        sm.s, m, n, rng=sm.seed, dtype=sm.A.dtype,
        order="F" if not sm.A.flags.c_contiguous else "C",
        coherent=sm.kind.startswith("coherent"),
    )
    np.testing.assert_array_equal(again.A, sm.A)
    assert repr(sm).startswith("SpectralMatrix(") and str(sm.seed) in repr(sm)
    assert len(repr(sm)) < 300


def test_spectral_matrix_is_frozen_and_read_only():
    sm = matrix_from_spectrum(geometric_spectrum(3, 0.5), 5, 3, rng=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sm.A = np.zeros((5, 3))
    with pytest.raises(ValueError, match="read-only"):
        sm.A[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        sm.s[0] = 2.0


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_psd_matrices_have_requested_eigenpairs(dtype, order, data):
    pm = data.draw(psd_matrices(dtypes=(dtype,), orders=(order,), max_side=30))
    A, lam, V = pm.A, pm.eigenvalues, pm.eigenvectors
    n = A.shape[0]
    assert A.shape == (n, n) and A.dtype == np.dtype(dtype)
    assert A.flags.c_contiguous if order == "C" else A.flags.f_contiguous
    np.testing.assert_array_equal(A, A.T)  # exactly symmetric
    assert np.all(np.diff(lam) <= 0) and np.all(lam >= 0)
    _assert_orthonormal_columns(V)
    atol = _tol(dtype) * lam[0]
    eig = np.linalg.eigvalsh(A.astype(np.float64))[::-1]
    np.testing.assert_allclose(eig, lam, rtol=0, atol=atol)
    np.testing.assert_allclose(A @ V, V * lam, rtol=0, atol=atol)


@settings(max_examples=20, deadline=None)
@given(low_rank_plus_noise(max_side=30))
def test_low_rank_plus_noise(sm):
    rank = int(sm.kind.split("rank=")[1].split(",")[0])
    eps = float(sm.kind.split("noise=")[1].rstrip(")"))
    atol = _tol(sm.A.dtype) * sm.s[0]
    np.testing.assert_allclose(sm.A, (sm.U * sm.s) @ sm.Vh, rtol=0, atol=atol)
    np.testing.assert_allclose(
        scipy.linalg.svdvals(sm.A.astype(np.float64)), sm.s, rtol=0, atol=atol
    )
    # Weyl: the noise moves each singular value by at most ||N|| <~ 2 eps
    # (7 eps leaves room for Gaussian fluctuations of small matrices).
    assert sm.s[rank - 1] >= 0.1 - 7 * eps
    if rank < sm.s.size:
        assert sm.s[rank] <= 7 * eps


# --------------------------------------------------------------------------
# bound oracles
# --------------------------------------------------------------------------


def test_bounds_hand_values_flat_spectrum():
    s = np.ones(6)
    # Tail j > 2 holds four ones.
    assert hmt_frobenius_sq_bound(s, 2, 2) == pytest.approx((1 + 2 / 1) * 4)
    spec = (1 + math.sqrt(2)) + math.e * math.sqrt(4) / 2 * math.sqrt(4)
    assert hmt_spectral_bound(s, 2, 2) == pytest.approx(spec)
    assert hmt_power_bound(s, 2, 2, 1) == pytest.approx(spec ** (1 / 3))


def test_bounds_hand_values_geometric_spectrum():
    s = 0.5 ** np.arange(5)  # 1, 1/2, 1/4, 1/8, 1/16
    tail_sq = 1 / 16 + 1 / 64 + 1 / 256  # sum_{j>2} sigma_j^2 = 21/256
    assert hmt_frobenius_sq_bound(s, 2, 2) == pytest.approx(3 * 21 / 256)
    spec = (1 + math.sqrt(2)) / 4 + math.e * math.sqrt(tail_sq)
    assert hmt_spectral_bound(s, 2, 2) == pytest.approx(spec)
    tail6 = math.sqrt(4.0**-6 + 8.0**-6 + 16.0**-6)
    power = ((1 + math.sqrt(2)) / 4**3 + math.e * tail6) ** (1 / 3)
    assert hmt_power_bound(s, 2, 2, 1) == pytest.approx(power)
    assert optimal_error(s, 2) == pytest.approx(math.sqrt(tail_sq))
    assert optimal_error(s, 2, norm="spectral") == 0.25
    assert optimal_error(s, 0, norm="spectral") == 1.0
    assert optimal_error(s, 5) == 0.0 and optimal_error(s, 9, "spectral") == 0.0


@st.composite
def spectra_and_k(draw, min_len=6):
    sm_kind = draw(st.sampled_from(["geometric", "polynomial", "gap", "exact_rank"]))
    n = draw(st.integers(min_len, 80))
    if sm_kind == "geometric":
        s = geometric_spectrum(n, draw(st.floats(0.3, 0.99)))
    elif sm_kind == "polynomial":
        s = polynomial_spectrum(n, draw(st.floats(0.2, 3.0)))
    elif sm_kind == "gap":
        s = gapped_spectrum(n, draw(st.integers(1, n)), draw(st.floats(2.0, 1e4)))
    else:
        s = exact_rank_spectrum(n, draw(st.integers(1, n)), draw(st.sampled_from([0.0, 1e-6])))
    s = s * draw(st.sampled_from([1.0, 1e-3, 1e3]))
    k = draw(st.integers(2, n - 4))
    return s, k


@settings(max_examples=40, deadline=None)
@given(spectra_and_k())
def test_power_bound_q0_is_spectral_bound(case):
    s, k = case
    assert hmt_power_bound(s, k, 2, 0) == hmt_spectral_bound(s, k, 2)


@settings(max_examples=40, deadline=None)
@given(spectra_and_k())
def test_bounds_monotone_in_p_and_q(case):
    s, k = case
    ps = range(2, s.size - k + 1)
    fro = [hmt_frobenius_sq_bound(s, k, p) for p in ps]
    assert np.all(np.diff(fro) <= 1e-12 * fro[0])
    for q in (0, 1, 3):
        spec = [hmt_power_bound(s, k, p, q) for p in ps]
        assert np.all(np.diff(spec) <= 1e-12 * spec[0])
    # More power iterations never loosen the bound.
    by_q = [hmt_power_bound(s, k, 2, q) for q in range(6)]
    assert np.all(np.diff(by_q) <= 1e-12 * by_q[0])


@settings(max_examples=40, deadline=None)
@given(spectra_and_k(), st.integers(0, 4))
def test_bounds_exceed_optimal_error(case, q):
    s, k = case
    p = 2
    assert hmt_frobenius_sq_bound(s, k, p) >= optimal_error(s, k) ** 2
    assert hmt_spectral_bound(s, k, p) >= optimal_error(s, k, "spectral")
    assert hmt_power_bound(s, k, p, q) >= optimal_error(s, k, "spectral")


def test_power_bound_is_homogeneous_without_underflow():
    # sigma**(2(2q+1)) underflows for tiny sigma; the scaled form must not.
    s = polynomial_spectrum(30, 1.0)
    for q in (0, 2, 5):
        ref = hmt_power_bound(s, 4, 3, q)
        assert hmt_power_bound(s * 1e-30, 4, 3, q) == pytest.approx(1e-30 * ref, rel=1e-12)
        assert hmt_power_bound(s * 1e30, 4, 3, q) == pytest.approx(1e30 * ref, rel=1e-12)
    assert hmt_power_bound(exact_rank_spectrum(10, 3), 3, 2, 2) == 0.0


def test_projection_error_against_svd():
    sm = matrix_from_spectrum(polynomial_spectrum(20, 1.0), 30, 20, rng=3)
    for k in (0, 1, 5, 20):
        Q = sm.U[:, :k]
        assert projection_error(sm.A, Q) == pytest.approx(optimal_error(sm.s, k), abs=1e-12)
        assert projection_error(sm.A, Q, norm="spectral") == pytest.approx(
            optimal_error(sm.s, k, "spectral"), abs=1e-12
        )
    A32 = sm.A.astype(np.float32)
    assert projection_error(A32, sm.U[:, :5]) == pytest.approx(optimal_error(sm.s, 5), rel=1e-5)


# --------------------------------------------------------------------------
# empirical checks over SEEDS
# --------------------------------------------------------------------------


def test_seeds_are_fixed_distinct_ints():
    assert len(SEEDS) == 24 and len(set(SEEDS)) == 24
    assert all(isinstance(x, int) and 0 <= x < 2**32 for x in SEEDS)


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    sm=spectral_matrices(shapes=st.tuples(st.integers(8, 40), st.integers(8, 40))),
)
def test_hmt_bounds_hold_for_numpy_range_finder(data, sm):
    r = min(sm.A.shape)
    k = data.draw(st.integers(2, r - 2), label="k")
    p = data.draw(st.integers(2, r - k), label="p")
    q = data.draw(st.integers(0, 2), label="q")
    fro_sq, spec = _range_finder_errors(sm.A, k, p, q)
    label = f"{sm!r}, k={k}, p={p}, q={q}"
    lo, hi = optimal_error(sm.s, k + p, "spectral"), sm.s[0]
    assert_mean_bound(spec, hmt_power_bound(sm.s, k, p, q), lower=lo, upper=hi, label=label)
    if q == 0:
        assert_mean_bound(
            fro_sq, hmt_frobenius_sq_bound(sm.s, k, p),
            lower=optimal_error(sm.s, k + p) ** 2, upper=optimal_error(sm.s, 0) ** 2,
            label=label,
        )


@pytest.mark.parametrize(
    "spectrum, q",
    [(polynomial_spectrum(40, 1.0), 0), (polynomial_spectrum(40, 1.0), 1),
     (geometric_spectrum(40, 0.8), 0)],
)
def test_hmt_checks_are_not_vacuous_on_reference_cases(spectrum, q):
    # Reference cases where bound + margin < upper: these checks could fail.
    sm = matrix_from_spectrum(spectrum, 60, 40, rng=11)
    k, p = 10, 10
    fro_sq, spec = _range_finder_errors(sm.A, k, p, q)
    res = assert_mean_bound(
        spec, hmt_power_bound(sm.s, k, p, q),
        lower=optimal_error(sm.s, k + p, "spectral"), upper=sm.s[0],
    )
    assert not res.vacuous
    if q == 0:
        res = assert_mean_bound(
            fro_sq, hmt_frobenius_sq_bound(sm.s, k, p),
            lower=optimal_error(sm.s, k + p) ** 2, upper=optimal_error(sm.s, 0) ** 2,
        )
        assert not res.vacuous


def test_check_rejects_half_the_power_bound():
    # Nearly flat spectrum: every error lies in [0.93, 1], so the margin is
    # small, and the true mean (~0.99) is far above half the bound (~0.75).
    sm = matrix_from_spectrum(np.linspace(1.0, 0.9, 40), 60, 40, rng=5)
    k, p, q = 10, 5, 3
    _, spec = _range_finder_errors(sm.A, k, p, q)
    lo, hi = optimal_error(sm.s, k + p, "spectral"), sm.s[0]
    true_bound = hmt_power_bound(sm.s, k, p, q)
    assert check_mean_bound(spec, true_bound, lower=lo, upper=hi).ok
    wrong = check_mean_bound(spec, 0.5 * true_bound, lower=lo, upper=hi)
    assert not wrong.ok and wrong.mean > 0.5 * true_bound
    with pytest.raises(AssertionError, match=r"case A: mean of 24 values = .* VIOLATED"):
        assert_mean_bound(spec, 0.5 * true_bound, lower=lo, upper=hi, label="case A")


def test_check_rejects_unsquared_frobenius_bound():
    # A plausible mistake: comparing squared errors with Theorem 10.5's
    # unsquared bound (1 + k/(p-1))**(1/2) * (sum_{j>k} sigma_j^2)**(1/2).
    sm = matrix_from_spectrum(np.linspace(1.0, 0.9, 40), 60, 40, rng=5)
    k, p = 10, 5
    fro_sq, _ = _range_finder_errors(sm.A, k, p)
    lo, hi = optimal_error(sm.s, k + p) ** 2, optimal_error(sm.s, 0) ** 2
    assert check_mean_bound(fro_sq, hmt_frobenius_sq_bound(sm.s, k, p), lower=lo, upper=hi).ok
    unsquared = math.sqrt(hmt_frobenius_sq_bound(sm.s, k, p))
    with pytest.raises(AssertionError, match="VIOLATED"):
        assert_mean_bound(fro_sq, unsquared, lower=lo, upper=hi)


def test_hoeffding_margin_formula_and_false_alarm_rate():
    res = check_mean_bound(np.full(24, 0.5), 0.5, lower=-1.0, upper=3.0, delta=0.05)
    assert res.n == 24 and res.mean == 0.5 and res.ok
    assert res.margin == pytest.approx(4.0 * math.sqrt(math.log(20.0) / 48.0))
    # Fair coins are Hoeffding's worst case: a true bound (0.5) may fail in
    # at most a fraction delta of repetitions.
    delta = 0.05
    margin = check_mean_bound([0.0, 1.0], 0.5, lower=0.0, upper=1.0, delta=delta).margin
    coins = np.random.default_rng(0).integers(0, 2, size=(20000, 2))
    assert margin == pytest.approx(math.sqrt(math.log(1 / delta) / 4))
    means = coins.mean(axis=1)
    assert np.mean(means > 0.5 + margin) <= delta
    flips = np.random.default_rng(1).integers(0, 2, size=(20000, 24)).mean(axis=1)
    m24 = check_mean_bound(np.zeros(24), 0.5, lower=0.0, upper=1.0, delta=delta).margin
    assert np.mean(flips > 0.5 + m24) <= delta


def test_check_clips_rounding_but_rejects_out_of_range_values():
    res = check_mean_bound([1.0 + 1e-9, 0.5], 1.0, lower=0.0, upper=1.0)
    assert res.ok and res.mean == 0.75
    with pytest.raises(ValueError, match=r"values must lie in \[lower, upper\]"):
        check_mean_bound([1.1, 0.5], 1.0, lower=0.0, upper=1.0)


# --------------------------------------------------------------------------
# invalid arguments
# --------------------------------------------------------------------------

S6 = np.ones(6)

INVALID = [
    (lambda: geometric_spectrum(0, 0.5), ValueError, r"n must be >= 1, got 0"),
    (lambda: geometric_spectrum(2.5, 0.5), TypeError, r"n must be an integer"),
    (lambda: geometric_spectrum(3, 1.0), ValueError, r"ratio must be in \(0, 1\)"),
    (lambda: geometric_spectrum(3, float("nan")), ValueError, r"ratio must be finite"),
    (lambda: polynomial_spectrum(3, 0.0), ValueError, r"power must be > 0"),
    (lambda: gapped_spectrum(5, 6, 10.0), ValueError, r"k must be <= 5, got 6"),
    (lambda: gapped_spectrum(5, 2, 1.0), ValueError, r"gap must be > 1"),
    (lambda: exact_rank_spectrum(5, 0), ValueError, r"rank must be >= 1"),
    (lambda: exact_rank_spectrum(5, 2, 0.2), ValueError, r"noise must be in \[0, 0.1\)"),
    (lambda: haar_orthonormal(0, 3, 4), ValueError, r"r must be <= m = 3"),
    (lambda: haar_orthonormal("x", 3, 2), TypeError, r"rng must be an integer"),
    (lambda: haar_orthonormal(-1, 3, 2), ValueError, r"rng must be >= 0"),
    (lambda: coherent_orthonormal(0, 3, 2, mix=-1.0), ValueError, r"mix must be >= 0"),
    (lambda: matrix_from_spectrum([1.0, 0.5], 3, 3, rng=0), ValueError,
     r"s must have length min\(m, n\) = 3, got 2"),
    (lambda: matrix_from_spectrum([0.5, 1.0, 2.0], 3, 3, rng=0), ValueError,
     r"s must be sorted in non-increasing order"),
    (lambda: matrix_from_spectrum([1.0, -1.0], 2, 2, rng=0), ValueError,
     r"s must be non-negative"),
    (lambda: matrix_from_spectrum([1.0], 1, 1, rng=0, dtype=np.int32), ValueError,
     r"dtype must be float32 or float64, got int32"),
    (lambda: matrix_from_spectrum([1.0], 1, 1, rng=0, order="K"), ValueError,
     r"order must be 'C' or 'F', got 'K'"),
    (lambda: spectral_matrices(kinds=("bogus",)), ValueError, r"kinds must be drawn from"),
    (lambda: spectral_matrices(dtypes=()), ValueError, r"dtypes must not be empty"),
    (lambda: spectral_matrices(orders=("A",)), ValueError, r"orders must be 'C' or 'F'"),
    (lambda: spectral_matrices(min_side=5, max_side=2), ValueError,
     r"min_side must be <= max_side"),
    (lambda: spectral_matrices(shapes=[3, 4]), TypeError, r"shapes must be None, an \(m, n\)"),
    (lambda: psd_matrices(sizes=0), ValueError, r"sizes must be >= 1"),
    (lambda: low_rank_plus_noise(noise=(0.0, 1.0)), ValueError, r"noise must satisfy 0 < low"),
    (lambda: low_rank_plus_noise(max_rank=0), ValueError, r"max_rank must be >= 1"),
    (lambda: hmt_frobenius_sq_bound(S6, 1, 2), ValueError, r"k must be >= 2, got 1"),
    (lambda: hmt_spectral_bound(S6, 2, 1), ValueError, r"p must be >= 2, got 1"),
    (lambda: hmt_power_bound(S6, 3, 4, 0), ValueError,
     r"k \+ p must be <= len\(s\) = min\(m, n\) = 6, got k \+ p = 7"),
    (lambda: hmt_power_bound(S6, 2, 2, -1), ValueError, r"q must be >= 0"),
    (lambda: hmt_power_bound(S6, 2, 2, 1.5), TypeError, r"q must be an integer"),
    (lambda: hmt_spectral_bound([1.0, 2.0, 3.0, 4.0, 5.0], 2, 2), ValueError,
     r"s must be sorted in non-increasing order"),
    (lambda: hmt_spectral_bound([[1.0]], 2, 2), ValueError, r"s must be a non-empty 1-D array"),
    (lambda: hmt_spectral_bound([1.0, np.inf, 0, 0, 0], 2, 2), ValueError,
     r"s must contain only finite values"),
    (lambda: optimal_error(S6, 1, norm="nuc"), ValueError, r"norm must be 'fro' or 'spectral'"),
    (lambda: optimal_error(S6, -1), ValueError, r"k must be >= 0"),
    (lambda: projection_error(np.ones((3, 2)), np.ones((4, 1))), ValueError,
     r"Q must be 2-D with 3 rows"),
    (lambda: projection_error(np.ones(3), np.ones((3, 1))), ValueError, r"A must be a 2-D array"),
    (lambda: check_mean_bound([], 1.0, lower=0.0, upper=1.0), ValueError,
     r"values must be a non-empty 1-D array"),
    (lambda: check_mean_bound([np.nan], 1.0, lower=0.0, upper=1.0), ValueError,
     r"values must contain only finite values"),
    (lambda: check_mean_bound([0.5], 1.0, lower=1.0, upper=0.0), ValueError,
     r"lower must be <= upper"),
    (lambda: check_mean_bound([0.5], 1.0, lower=0.0, upper=1.0, delta=0.0), ValueError,
     r"delta must be in \(0, 1\)"),
    (lambda: check_mean_bound([0.5], "1", lower=0.0, upper=1.0), TypeError,
     r"bound must be a real number"),
]


@pytest.mark.parametrize("call, exc, pattern", INVALID)
def test_invalid_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
