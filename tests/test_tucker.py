"""linalg.tucker and linalg.tucker_to_tensor (linalg/tucker.py)."""
import io
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linalg
from linalg.testing import (
    SEEDS,
    assert_mean_bound,
    randomized_tucker_bound,
    spectral_tensor,
    spectral_tensors,
    tucker_error_bounds,
    tucker_reconstruct,
)

METHODS = ["hooi", "sthosvd", "hosvd"]


def err2(X, res):
    """||X - X^||_F^2 in float64 from an independent NumPy reconstruction."""
    return float(np.sum((np.asarray(X, np.float64) - tucker_reconstruct(res.core, res.factors)) ** 2))


def assert_orthonormal(res, atol):
    for U in res.factors:
        np.testing.assert_allclose(U.T.astype(np.float64) @ U, np.eye(U.shape[1]), atol=atol)



# --- deterministic bounds (exact bases) ---------------------------------------

@settings(max_examples=25, deadline=None)
@given(t=spectral_tensors(), data=st.data())
def test_hosvd_sthosvd_deterministic_bounds(t, data):
    """max_n D_n^2 <= ||X - X^||^2 <= sum_n D_n^2 for exact HOSVD and ST-HOSVD."""
    ranks = tuple(data.draw(st.integers(1, d)) for d in t.shape)
    lo, hi = tucker_error_bounds(t.mode_sv, ranks)
    slack = 1e-9 * float(np.sum(t.mode_sv[0] ** 2))
    for method in ("hosvd", "sthosvd"):
        res = linalg.tucker(t.X, ranks, method=method, randomized=False)
        e2 = err2(t.X, res)
        assert lo - slack <= e2 <= hi + slack, (method, ranks, lo, e2, hi)
        assert [U.shape for U in res.factors] == [(d, r) for d, r in zip(t.shape, ranks)]
        assert res.core.shape == ranks


@settings(max_examples=15, deadline=None)
@given(t=spectral_tensors(dtypes=(np.float64, np.float32)), data=st.data())
def test_error_identity_and_orthonormal_factors(t, data):
    """||X - X^||^2 = ||X||^2 - ||G||^2 for the orthonormal factors returned."""
    ranks = tuple(data.draw(st.integers(1, d)) for d in t.shape)
    method = data.draw(st.sampled_from(METHODS))
    res = linalg.tucker(t.X, ranks, method=method, seed=1)
    f32 = t.X.dtype == np.float32
    assert res.core.dtype == t.X.dtype and all(U.dtype == t.X.dtype for U in res.factors)
    assert_orthonormal(res, 1e-5 if f32 else 1e-12)
    x2 = float(np.sum(np.asarray(t.X, np.float64) ** 2))
    g2 = float(np.sum(res.core.astype(np.float64) ** 2))
    np.testing.assert_allclose(err2(t.X, res), x2 - g2, atol=(1e-5 if f32 else 1e-12) * x2)
    np.testing.assert_allclose(res.rel_error ** 2 * x2, x2 - g2, atol=(1e-5 if f32 else 1e-12) * x2)


def test_hosvd_matches_numpy_reference():
    t = spectral_tensor((9, 8, 7), "block", rank=(3, 3, 2), decay=0.6, rng=4)
    ranks = (3, 4, 2)
    res = linalg.tucker(t.X, ranks, method="hosvd", randomized=False)
    for n, r in enumerate(ranks):
        U = np.linalg.svd(np.moveaxis(np.asarray(t.X), n, 0).reshape(t.shape[n], -1))[0][:, :r]
        # Same subspace: the projectors agree.
        np.testing.assert_allclose(res.factors[n] @ res.factors[n].T, U @ U.T, atol=1e-10)


# --- HOOI --------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(t=spectral_tensors(kinds=("block", "lowrank_noise")), data=st.data())
def test_hooi_never_worse_than_its_start(t, data):
    ranks = tuple(data.draw(st.integers(1, d)) for d in t.shape)
    randomized = data.draw(st.sampled_from([True, False, "always"]))
    start = linalg.tucker(t.X, ranks, method="sthosvd", randomized=randomized, seed=3)
    res = linalg.tucker(t.X, ranks, method="hooi", randomized=randomized, seed=3)
    x2 = float(np.sum(np.asarray(t.X, np.float64) ** 2))
    assert err2(t.X, res) <= err2(t.X, start) + 1e-12 * x2
    hist = res.info["core_sq_history"]
    assert np.all(np.diff(hist) >= -1e-12 * x2), hist
    assert res.info["core_sq_history"][0] == pytest.approx(x2 - err2(t.X, start), abs=1e-10 * x2)


def test_hooi_improves_a_poor_start_and_converges():
    # One power-free sketch is a poor start on a slowly decaying tensor.
    t = spectral_tensor((30, 25, 20), "lowrank_noise", rank=(4, 4, 4), noise=0.3, rng=2)
    start = linalg.tucker(t.X, 4, method="sthosvd", randomized="always", power_iters=0, oversample=2, seed=0)
    res = linalg.tucker(t.X, 4, method="hooi", randomized="always", power_iters=0, oversample=2, seed=0,
                        rtol=1e-10)
    assert err2(t.X, res) < 0.98 * err2(t.X, start)
    assert res.info["converged"] and 1 <= res.info["sweeps"] < 50
    # At the fixed point it is as good as HOOI from the exact start.
    exact = linalg.tucker(t.X, 4, method="hooi", randomized=False, rtol=1e-10)
    assert err2(t.X, res) == pytest.approx(err2(t.X, exact), rel=1e-6)


def test_hooi_max_iter_zero_is_the_sthosvd():
    t = spectral_tensor((10, 9, 8), "block", rng=5)
    a = linalg.tucker(t.X, 3, method="hooi", max_iter=0, seed=2)
    b = linalg.tucker(t.X, 3, method="sthosvd", seed=2)
    np.testing.assert_array_equal(a.core, b.core)
    assert a.info["sweeps"] == 0


# --- randomized expectation bound ---------------------------------------------

@pytest.mark.parametrize("method", ["hosvd", "sthosvd"])
def test_randomized_expectation_bound(method):
    """E||X - X^||^2 <= sum_n (1 + r_n/(p-1)) D_n^2 (Minster, Saibaba & Kilmer
    2020), as the mean over SEEDS with a Hoeffding margin."""
    t = spectral_tensor((40, 36, 30), "block", rank=(6, 6, 6), decay=0.9, rng=11)
    ranks, p = (5, 5, 5), 4
    bound = randomized_tucker_bound(t.mode_sv, ranks, p)
    lo, _ = tucker_error_bounds(t.mode_sv, ranks)
    x2 = float(np.sum(t.mode_sv[0] ** 2))
    errs = []
    for seed in SEEDS:
        res = linalg.tucker(t.X, ranks, method=method, randomized="always", oversample=p, power_iters=0, seed=seed)
        assert res.info["bases"] == ["randomized"] * 3
        errs.append(err2(t.X, res))
    # Every value lies in [max_n D_n^2, ||X||^2] (checked by the helper).
    result = assert_mean_bound(errs, bound, lower=lo, upper=x2, label=method)
    assert not result.vacuous
    # The sketch is not the exact answer: the errors vary with the seed.
    assert np.std(errs) > 0


def test_power_steps_approach_the_exact_answer():
    t = spectral_tensor((60, 50, 40), "lowrank_noise", rank=(5, 5, 5), noise=0.05, rng=7)
    exact = err2(t.X, linalg.tucker(t.X, 5, method="sthosvd", randomized=False))
    e0 = np.mean([err2(t.X, linalg.tucker(t.X, 5, method="sthosvd", randomized="always", power_iters=0,
                                            oversample=2, seed=s)) for s in SEEDS[:6]])
    e2 = np.mean([err2(t.X, linalg.tucker(t.X, 5, method="sthosvd", randomized="always", power_iters=2,
                                            oversample=2, seed=s)) for s in SEEDS[:6]])
    assert exact <= e2 < e0
    assert e2 <= exact * 1.001


# --- exact recovery, full ranks, tolerance ----------------------------------------

@settings(max_examples=15, deadline=None)
@given(t=spectral_tensors(kinds=("lowrank_noise",), dtypes=(np.float64, np.float32), noises=(0.0,)), data=st.data())
def test_exact_recovery_at_full_multilinear_rank(t, data):
    X = np.asarray(t.X)
    # The multilinear rank: where each mode spectrum drops to rounding.
    ranks = tuple(max(1, int(np.sum(s > 1e-10 * s[0]))) for s in t.mode_sv)
    method = data.draw(st.sampled_from(METHODS))
    randomized = data.draw(st.sampled_from([True, False, "always"]))
    res = linalg.tucker(X, ranks, method=method, randomized=randomized, seed=0)
    x2 = float(np.sum(X.astype(np.float64) ** 2))
    # Rounding: ~(eps * cond)^2; the Gaussian cores are well conditioned.
    assert err2(X, res) <= (1e-8 if X.dtype == np.float32 else 1e-20) * x2


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_recovery_fixed_cases(method, dtype):
    for shape, ranks in [((12, 10, 8), (3, 4, 2)), ((6, 5, 4, 3), (2, 2, 2, 2)), ((5, 4, 4, 3, 3), (2, 3, 1, 2, 3))]:
        t = spectral_tensor(shape, "lowrank_noise", rank=ranks, rng=3, dtype=dtype)
        res = linalg.tucker(t.X, ranks, method=method, seed=0)
        x2 = float(np.sum(np.asarray(t.X, np.float64) ** 2))
        assert err2(t.X, res) <= (1e-10 if dtype == np.float32 else 1e-24) * x2, (shape, ranks)


@pytest.mark.parametrize("method", METHODS)
def test_ranks_equal_dims_keep_everything(method):
    t = spectral_tensor((5, 4, 3, 2), "block", rng=8, order="F")
    res = linalg.tucker(t.X, t.shape, method=method, seed=0)
    np.testing.assert_allclose(res.to_tensor(), t.X, atol=1e-12)
    assert res.info["bases"] == ["identity"] * 4
    for U in res.factors:
        np.testing.assert_array_equal(U, np.eye(U.shape[0]))
    # None keeps a mode too, and mixes with truncated ones.
    res = linalg.tucker(t.X, (2, None, 3, None), method=method, seed=0)
    assert res.core.shape == (2, 4, 3, 2)
    assert res.info["bases"][1] == "identity" and res.info["bases"][3] == "identity"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("tol", [0.3, 0.05, 1e-3])
def test_tolerance_mode_meets_tol(method, tol):
    t = spectral_tensor((20, 18, 16, 4), "block", rank=(3, 4, 2, 2), decay=0.7, rng=9)
    res = linalg.tucker(t.X, tol=tol, method=method)
    x2 = float(np.sum(t.mode_sv[0] ** 2))
    assert err2(t.X, res) <= tol ** 2 * x2
    assert res.rel_error <= tol
    # HOSVD's ranks are the smallest with D_n^2 <= tol^2 ||X||^2 / N.
    if method == "hosvd":
        want = []
        for s in t.mode_sv:
            tail = np.concatenate([np.cumsum((s ** 2)[::-1])[::-1], [0.0]])
            want.append(max(1, int(np.argmax(tail <= tol ** 2 * x2 / 4))))
        assert res.info["ranks"] == want
    assert sum(res.info["ranks"]) < sum(t.shape)  # it truncated something


# --- layouts, dtypes, seeds ------------------------------------------------------

def test_c_and_f_order_and_strided_input_agree():
    t = spectral_tensor((11, 9, 7), "block", rng=12)
    X = np.asarray(t.X)
    a = linalg.tucker(X, (3, 3, 2), randomized=False)
    b = linalg.tucker(np.asfortranarray(X), (3, 3, 2), randomized=False)
    Y = np.zeros((22, 9, 7))
    Y[::2] = X
    c = linalg.tucker(Y[::2], (3, 3, 2), randomized=False)
    for r in (b, c):
        np.testing.assert_allclose(r.to_tensor(), a.to_tensor(), atol=1e-12)
    assert a.core.flags.c_contiguous and b.core.flags.f_contiguous


def test_float32_stays_float32_and_integers_become_float64():
    X = np.arange(60, dtype=np.int64).reshape(3, 4, 5) % 7
    res = linalg.tucker(X, 2, randomized=False)
    assert res.core.dtype == np.float64
    res = linalg.tucker(X.astype(np.float32), 2)
    assert res.core.dtype == np.float32 and res.to_tensor().dtype == np.float32


def test_same_seed_same_result():
    t = spectral_tensor((30, 20, 10), "lowrank_noise", rank=(4, 4, 4), noise=0.1, rng=1)
    a = linalg.tucker(t.X, 4, method="sthosvd", randomized="always", seed=5)
    b = linalg.tucker(t.X, 4, method="sthosvd", randomized="always", seed=5)
    c = linalg.tucker(t.X, 4, method="sthosvd", randomized="always", seed=6)
    np.testing.assert_array_equal(a.core, b.core)
    assert not np.array_equal(a.core, c.core)


def test_result_unpacks_and_reports():
    t = spectral_tensor((8, 7, 6), "odeco", decay=0.5, rng=0)
    res = linalg.tucker(t.X, 2)
    core, factors = res
    assert core is res.core and factors is res.factors and len(res) == 2 and res[0] is core
    assert res.info["method"] == "hooi" and res.info["ranks"] == [2, 2, 2]
    # odeco: the best rank-(2,2,2) error is the tail of the spectrum.
    s = t.mode_sv[0]
    assert res.rel_error == pytest.approx(np.sqrt(np.sum(s[2:] ** 2) / np.sum(s ** 2)), rel=1e-6)


def test_tucker_to_tensor_matches_numpy():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((2, 3, 4))
    U = [rng.standard_normal((5, 2)), np.asfortranarray(rng.standard_normal((6, 3))), rng.standard_normal((7, 4))]
    want = np.einsum("abc,ia,jb,kc->ijk", G, *U)
    np.testing.assert_allclose(linalg.tucker_to_tensor(G, U), want, atol=1e-12)
    np.testing.assert_allclose(linalg.tucker_to_tensor(np.asfortranarray(G), U), want, atol=1e-12)
    out = linalg.tucker_to_tensor(G.astype(np.float32), U)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)


# --- bad input ---------------------------------------------------------------------

X3 = np.ones((4, 3, 2))


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(X=np.ones(5), ranks=2), ValueError, "at least 2 modes"),
    (dict(X=np.float64(3.0), ranks=1), ValueError, "at least 2 modes"),
    (dict(X=np.ones((0, 3)), ranks=1), ValueError, "empty"),
    (dict(X=X3, ranks=(5, 2, 2)), ValueError, r"ranks\[0\] must be in \[1, 4\], got 5"),
    (dict(X=X3, ranks=(2, 0, 2)), ValueError, r"ranks\[1\] must be in \[1, 3\], got 0"),
    (dict(X=X3, ranks=(2, -1, 2)), ValueError, r"ranks\[1\] must be in \[1, 3\]"),
    (dict(X=X3, ranks=(2, 2)), ValueError, "one entry per mode"),
    (dict(X=X3, ranks=(2, 2.5, 1)), TypeError, r"ranks\[1\] must be an integer"),
    (dict(X=X3, ranks="ab"), ValueError, "one entry per mode"),
    (dict(X=X3, ranks=2, tol=0.1), ValueError, "exactly one of ranks and tol"),
    (dict(X=X3), ValueError, "exactly one of ranks and tol"),
    (dict(X=X3, tol=1.5), ValueError, r"tol must be in \(0, 1\)"),
    (dict(X=X3, tol=1e-9), ValueError, "below what float64 can certify"),
    (dict(X=X3.astype(np.float32), tol=1e-4), ValueError, "below what float32 can certify"),
    (dict(X=X3, ranks=2, method="cp"), ValueError, "method must be one of"),
    (dict(X=X3, ranks=2, randomized="yes"), ValueError, "randomized must be True, False or 'always'"),
    (dict(X=X3, ranks=2, oversample=-1), ValueError, "oversample must be in"),
    (dict(X=X3, ranks=2, power_iters=-1), ValueError, "power_iters must be in"),
    (dict(X=X3, ranks=2, max_iter=-1), ValueError, "max_iter must be in"),
    (dict(X=X3, ranks=2, rtol=-1.0), ValueError, "rtol must be a float >= 0"),
    (dict(X=X3 + 1j, ranks=2), TypeError, "complex input is not supported"),
    (dict(X=X3, ranks=2, seed="a"), TypeError, "seed must be None"),
])
def test_bad_input(kwargs, exc, msg):
    X = kwargs.pop("X")
    with pytest.raises(exc, match=msg):
        linalg.tucker(X, **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_rejected(bad):
    X = np.ones((4, 3, 2), order="F")
    X[3, 2, 1] = bad
    with pytest.raises(ValueError, match="X contains NaN or Inf"):
        linalg.tucker(X, 2)
    with pytest.raises(ValueError, match="X contains NaN or Inf"):
        linalg.tucker(X.astype(np.float32), tol=0.1)


@pytest.mark.parametrize("method", ["sthosvd", "hosvd", "hooi"])
@pytest.mark.parametrize("randomized", [True, "always"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_are_rejected_on_every_route(method, randomized, bad):
    # float64 with fixed ranks reads ||X|| from the first Gram matrix's trace
    # (no pass of its own): NaN/Inf must still be a ValueError, whichever
    # route the first basis takes.
    X = np.random.default_rng(3).standard_normal((30, 20, 10))
    X[7, 3, 2] = bad
    with pytest.raises(ValueError, match="X contains NaN or Inf"):
        linalg.tucker(X, (3, 3, 3), method=method, randomized=randomized, seed=0)


def test_overflowing_squares_are_rejected():
    X = np.full((6, 5, 4), 1e200)
    with pytest.raises(ValueError, match="squares overflow"):
        linalg.tucker(X, 2, method="sthosvd")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reported_norm_is_the_sum_of_squares(dtype):
    X = np.random.default_rng(4).standard_normal((40, 30, 20)).astype(dtype)
    res = linalg.tucker(X, (5, 4, 3), method="sthosvd")
    want = float(np.sum(X.astype(np.float64) ** 2))
    assert res.info["frob_sq"] == pytest.approx(want, rel=1e-12 if dtype == np.float64 else 1e-9)


def test_tucker_to_tensor_bad_input():
    G = np.ones((2, 3))
    with pytest.raises(ValueError, match="one matrix per mode"):
        linalg.tucker_to_tensor(G, [np.ones((4, 2))])
    with pytest.raises(ValueError, match=r"factors\[1\] must be \(I_1, 3\)"):
        linalg.tucker_to_tensor(G, [np.ones((4, 2)), np.ones((5, 2))])
    with pytest.raises(ValueError, match="core must have at least 2 modes"):
        linalg.tucker_to_tensor(np.ones(3), [np.ones((4, 3))])
    with pytest.raises(TypeError, match="factors must be a sequence"):
        linalg.tucker_to_tensor(G, 3)


# --- demo --------------------------------------------------------------------------

def test_demo_runs_and_reports_small_errors():
    from linalg.demos import tucker as demo

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        demo.run(quick=True)
    out = buf.getvalue()
    assert "Tucker" in out
    rows = [line for line in out.splitlines() if line.startswith(("P4a", "P4b", "conv"))]
    assert len(rows) >= 3, out
    for line in rows:
        cells = line.split()
        err, ratio = float(cells[-3]), float(cells[-2])
        assert 0 < err < 0.5 and ratio <= 1.02, line


@pytest.mark.parametrize("order", ["C", "F"])
def test_sthosvd_truncates_largest_reduction_first(order):
    X = np.asarray(spectral_tensor((40, 10, 30, 6), "block", rng=1, order=order).X)
    res = linalg.tucker(X, (4, 5, 6, 2), method="sthosvd")
    # Reductions I_n / r_n: 10, 2, 5, 3.
    assert res.info["order"] == [0, 2, 3, 1]
    res = linalg.tucker(X, (4, None, 6, 6), method="sthosvd")
    assert res.info["order"] == [0, 2]  # modes kept whole are not truncated
