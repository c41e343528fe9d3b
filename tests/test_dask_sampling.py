"""linalg.dask.leverage_scores / sample_rows: equal to the single-machine
functions for the same seed and options (threaded scheduler and a
two-worker LocalCluster)."""
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("dask.distributed")

import linalg  # noqa: E402
import linalg.dask  # noqa: E402


def _heavy(n, d, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)) * rng.standard_t(2, n)[:, None]).astype(dtype)


def _tol(dtype):
    return 1e-12 if dtype == np.float64 else 2e-5


CHUNKS = {"uneven": (700, 500, 1300, 500), "single": (3000,)}
OPTIONS = [dict(), dict(ridge=0.5), dict(method="sketch", eps=0.5, seed=0),
           dict(method="sketch", eps=0.4, ridge=2.0, seed=7)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("chunks", list(CHUNKS))
@pytest.mark.parametrize("opts", OPTIONS, ids=["exact", "ridge", "sketch", "sketch-ridge"])
def test_leverage_equals_single_machine(threads, dtype, chunks, opts):
    A = _heavy(3000, 8, dtype)
    X = da.from_array(A, chunks=(CHUNKS[chunks], 8))
    q, info = linalg.dask.leverage_scores(X, return_info=True, **opts)
    assert isinstance(q, da.Array) and q.chunks[0] == X.chunks[0]
    q = q.compute()
    ref, rinfo = linalg.leverage_scores(A, return_info=True, **opts)
    assert q.dtype == dtype
    np.testing.assert_allclose(q, ref, rtol=_tol(dtype), atol=_tol(dtype) * 1e-3)
    assert info["path"] == rinfo["path"] and info["rank"] == rinfo["rank"] and info["passes"] == rinfo["passes"]
    assert info.get("sketch_rows") == rinfo.get("sketch_rows")


@pytest.mark.parametrize("scales,path", [((1, 1e-1, 1e-2, 1e-3, 1e-4), "cholqr2"),
                                         ((1, 1e-3, 1e-5, 1e-8, 1e-11), "householder")])
def test_leverage_ill_conditioned_paths(threads, scales, path):
    A = np.random.default_rng(2).standard_normal((500, 5)) * np.array(scales)
    q, info = linalg.dask.leverage_scores(da.from_array(A, chunks=120), return_info=True)
    ref = linalg.leverage_scores(A)
    assert info["path"] == path
    np.testing.assert_allclose(q.compute(), ref, rtol=1e-9)


def test_leverage_rank_deficient(threads):
    A = np.ones((40, 2))
    q, info = linalg.dask.leverage_scores(da.from_array(A, chunks=15), return_info=True)
    assert info["rank"] == 1 and info["path"] == "householder"
    np.testing.assert_allclose(q.compute(), linalg.leverage_scores(A), atol=1e-14)


def test_sketch_not_smaller_than_a_runs_exact(threads):
    A = _heavy(300, 6, np.float64)
    q, info = linalg.dask.leverage_scores(da.from_array(A, chunks=100), method="sketch", eps=0.2, seed=0,
                                          return_info=True)
    assert info["path"].startswith("exact (sketch not smaller than A)")
    np.testing.assert_allclose(q.compute(), linalg.leverage_scores(A), rtol=1e-12)


SAMPLES = [dict(), dict(scheme="iid"), dict(p=1, scores="root_leverage"), dict(scheme="iid", scores="uniform", p=1.5)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("opts", SAMPLES, ids=["poisson", "iid", "root", "iid-uniform"])
def test_sample_rows_equals_single_machine(threads, dtype, opts):
    A = _heavy(3000, 6, dtype, seed=1)
    X = da.from_array(A, chunks=((700, 500, 1300, 500), 6))
    for seed in (0, 1):
        got = linalg.dask.sample_rows(X, 300, seed=seed, **opts)
        ref = linalg.sample_rows(A, 300, seed=seed, **opts)
        np.testing.assert_array_equal(got.idx, ref.idx)
        np.testing.assert_allclose(got.weights, ref.weights, rtol=_tol(dtype))
        np.testing.assert_allclose(got.probabilities, ref.probabilities, rtol=_tol(dtype))
        assert got.info["scheme"] == ref.info["scheme"]
        assert got.info["expected_size"] == pytest.approx(ref.info["expected_size"], rel=1e-6)


@pytest.mark.parametrize("scheme", ["poisson", "iid"])
def test_sample_rows_array_scores(threads, scheme):
    A = _heavy(1000, 4, np.float64)
    X = da.from_array(A, chunks=300)
    s = np.random.default_rng(3).random(1000)
    ref = linalg.sample_rows(A, 100, scores=s, scheme=scheme, seed=5)
    for scores in (s, da.from_array(s, chunks=450)):
        got = linalg.dask.sample_rows(X, 100, scores=scores, scheme=scheme, seed=5)
        np.testing.assert_array_equal(got.idx, ref.idx)
        np.testing.assert_allclose(got.weights, ref.weights, rtol=1e-12)


def test_local_cluster(client):
    A = _heavy(2000, 5, np.float64)
    X = da.from_array(A, chunks=(600, 5))
    for opts in (dict(), dict(method="sketch", eps=0.5, seed=1)):
        np.testing.assert_allclose(linalg.dask.leverage_scores(X, **opts).compute(),
                                   linalg.leverage_scores(A, **opts), rtol=1e-12)
    for scheme in ("poisson", "iid"):
        got = linalg.dask.sample_rows(X, 200, scheme=scheme, seed=4)
        ref = linalg.sample_rows(A, 200, scheme=scheme, seed=4)
        np.testing.assert_array_equal(got.idx, ref.idx)
        np.testing.assert_allclose(got.weights, ref.weights, rtol=1e-12)


def test_bad_input(threads):
    A = _heavy(200, 3, np.float64)
    with pytest.raises(TypeError, match="dask.array"):
        linalg.dask.leverage_scores(A)
    with pytest.raises(TypeError, match="dask.array"):
        linalg.dask.sample_rows(A, 10)
    B = A.copy()
    B[150, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        linalg.dask.leverage_scores(da.from_array(B, chunks=50))
    with pytest.raises(ValueError, match="NaN"):
        linalg.dask.leverage_scores(da.from_array(B, chunks=50), method="sketch", eps=0.9, seed=0)
    with pytest.raises(TypeError, match="complex"):
        linalg.dask.leverage_scores(da.from_array(A.astype(complex), chunks=50))
    with pytest.raises(ValueError, match="2-D"):
        linalg.dask.leverage_scores(da.ones(10, chunks=5))
    X = da.from_array(A, chunks=50)
    with pytest.raises(ValueError, match="m must be"):
        linalg.dask.sample_rows(X, 0)
    with pytest.raises(ValueError, match="not available for Dask"):
        linalg.dask.sample_rows(X, 10, scores="lewis")
    with pytest.raises(ValueError, match="finite and >= 0"):
        linalg.dask.sample_rows(X, 10, scores=-np.ones(200))
    with pytest.raises(ValueError, match="shape"):
        linalg.dask.sample_rows(X, 10, scores=np.ones(5))
    with pytest.raises(ValueError, match="all be zero"):
        linalg.dask.sample_rows(X, 10, scores=np.zeros(200))


def test_column_chunks_rechunked_with_warning(threads):
    A = _heavy(400, 6, np.float64)
    X = da.from_array(A, chunks=(100, 3))
    with pytest.warns(UserWarning, match="rechunk"):
        q = linalg.dask.leverage_scores(X)
    np.testing.assert_allclose(q.compute(), linalg.leverage_scores(A), rtol=1e-12)


def test_integer_input_becomes_float64(threads):
    A = np.random.default_rng(0).integers(-5, 5, (300, 3))
    q = linalg.dask.leverage_scores(da.from_array(A, chunks=100))
    assert q.dtype == np.float64
    np.testing.assert_allclose(q.compute(), linalg.leverage_scores(A), rtol=1e-12)


def test_docstring_examples():
    # tests/test_docs.py collects public modules only; the functions live in _sampling.
    import doctest

    from linalg.dask import _sampling

    result = doctest.testmod(_sampling, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_empty_chunks(threads):
    A = _heavy(1000, 4, np.float64, seed=3)
    X = da.from_array(A, chunks=((0, 300, 0, 700, 0), 4))
    np.testing.assert_allclose(linalg.dask.leverage_scores(X, method="sketch", eps=0.9, seed=1).compute(),
                               linalg.leverage_scores(A, method="sketch", eps=0.9, seed=1), rtol=1e-12)
    for scheme in ("poisson", "iid"):
        got = linalg.dask.sample_rows(X, 100, scheme=scheme, seed=2)
        ref = linalg.sample_rows(A, 100, scheme=scheme, seed=2)
        np.testing.assert_array_equal(got.idx, ref.idx)
        np.testing.assert_allclose(got.weights, ref.weights, rtol=1e-12)
