"""linalg.dask.complete: the factors of linalg.complete for the same seed and
solver (threaded scheduler and a two-worker LocalCluster), and bad input."""
import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")
pd = pytest.importorskip("pandas")

import linalg  # noqa: E402
import linalg.dask  # noqa: E402


def _problem(m=90, n=70, k=3, frac=0.35, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((m, k)) @ rng.standard_normal((k, n)) + 0.01 * rng.standard_normal((m, n)) + 0.5
    r, c = np.nonzero(rng.random(M.shape) < frac)
    p = rng.permutation(len(r))  # any input order
    r, c = r[p], c[p]
    return M, r, c, M[r, c].astype(dtype)


def _same(fit, ref, tol):
    for a, b in ((fit.U, ref.U), (fit.V, ref.V)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=tol * np.abs(b).max())
    if ref.row_bias is not None:
        np.testing.assert_allclose(fit.row_bias, ref.row_bias, rtol=0, atol=tol)
        np.testing.assert_allclose(fit.col_bias, ref.col_bias, rtol=0, atol=tol)
    assert fit.mean == pytest.approx(ref.mean)
    assert fit.info["iterations"] == ref.info["iterations"] and fit.info["stop"] == ref.info["stop"]
    np.testing.assert_allclose(fit.history["train_rmse"], ref.history["train_rmse"], rtol=1e-5)
    np.testing.assert_allclose(fit.history["objective"], ref.history["objective"], rtol=1e-5)


def _tol(dtype):
    return 1e-10 if dtype == np.float64 else 1e-4


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["sketch", "cg", "cholesky"])
@pytest.mark.parametrize("biases", [False, True])
def test_equals_single_machine_triple(threads, dtype, solver, biases):
    M, r, c, v = _problem(dtype=dtype)
    obs = tuple(da.from_array(x, chunks=600) for x in (r, c, v))
    opts = dict(shape=M.shape, solver=solver, biases=biases, reg=0.05, seed=3, max_iter=5)
    fit = linalg.dask.complete(obs, 3, **opts)
    ref = linalg.complete((r, c, v), 3, **opts)
    _same(fit, ref, _tol(dtype))
    assert fit.info["blocks"] == len(obs[2].chunks[0])


def test_array_and_dataframe_inputs(threads):
    M, r, c, v = _problem(seed=1)
    ref = linalg.complete((r, c, v), 2, shape=M.shape, seed=0, max_iter=4)
    arr = da.from_array(np.column_stack([r, c, v]), chunks=(500, 3))
    df = dd.from_pandas(pd.DataFrame({"row": r, "col": c, "value": v}), npartitions=3)
    for obs in (arr, df):
        _same(linalg.dask.complete(obs, 2, shape=M.shape, seed=0, max_iter=4), ref, 1e-10)
    # one block, more blocks than partitions, shape from the largest indices
    single = da.from_array(np.column_stack([r, c, v]), chunks=(len(v), 3))
    _same(linalg.dask.complete(single, 2, shape=M.shape, seed=0, max_iter=4), ref, 1e-10)
    _same(linalg.dask.complete(arr, 2, shape=M.shape, seed=0, max_iter=4, blocks=7), ref, 1e-10)
    fit = linalg.dask.complete(arr, 2, seed=0, max_iter=2)
    assert fit.U.shape == (r.max() + 1, 2) and fit.V.shape == (c.max() + 1, 2)


def test_tol_stop_matches(threads):
    M, r, c, v = _problem(seed=2)
    obs = tuple(da.from_array(x, chunks=400) for x in (r, c, v))
    opts = dict(shape=M.shape, solver="cholesky", seed=1, max_iter=40, tol=1e-4)
    fit = linalg.dask.complete(obs, 3, **opts)
    ref = linalg.complete((r, c, v), 3, **opts)
    assert ref.info["stop"] == "tol"
    _same(fit, ref, 1e-10)


def test_local_cluster(client):
    M, r, c, v = _problem(seed=4)
    for solver in ("sketch", "cholesky"):
        opts = dict(shape=M.shape, solver=solver, biases=True, seed=2, max_iter=4)
        df = dd.from_pandas(pd.DataFrame({"row": r, "col": c, "value": v}), npartitions=2)
        fit = linalg.dask.complete(df, 3, **opts)
        _same(fit, linalg.complete((r, c, v), 3, **opts), 1e-10)


def test_bad_input(threads):
    M, r, c, v = _problem()
    with pytest.raises(TypeError, match="Dask"):
        linalg.dask.complete((r, c, v), 2, shape=M.shape)
    with pytest.raises(TypeError, match="Dask"):
        linalg.dask.complete(np.column_stack([r, c, v]), 2, shape=M.shape)

    def arr(rr, cc, vv):
        return tuple(da.from_array(np.asarray(x), chunks=500) for x in (rr, cc, vv))

    with pytest.raises(ValueError, match="out of range"):
        linalg.dask.complete(arr(r, c, v), 2, shape=(M.shape[0] - 5, M.shape[1]))
    bad = r.copy()
    bad[3] = -1
    with pytest.raises(ValueError, match="negative"):
        linalg.dask.complete(arr(bad, c, v), 2, shape=M.shape)
    vn = v.copy()
    vn[10] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        linalg.dask.complete(arr(r, c, vn), 2, shape=M.shape)
    with pytest.raises(ValueError, match="duplicate"):
        linalg.dask.complete(arr(np.r_[r, r[:1]], np.r_[c, c[:1]], np.r_[v, v[:1]]), 2, shape=M.shape)
    with pytest.raises(TypeError, match="integers"):
        linalg.dask.complete(da.from_array(np.column_stack([r + 0.5, c, v]), chunks=(500, 3)), 2, shape=M.shape)
    with pytest.raises(ValueError, match="shape"):
        linalg.dask.complete(da.ones((10, 4), chunks=5), 2)
    with pytest.raises(ValueError, match="columns"):
        linalg.dask.complete(dd.from_pandas(pd.DataFrame({"i": r, "j": c, "x": v}), npartitions=2), 2)
    with pytest.raises(ValueError, match="rank"):
        linalg.dask.complete(arr(r, c, v), 100, shape=M.shape)
    with pytest.raises(ValueError, match="solver"):
        linalg.dask.complete(arr(r, c, v), 2, shape=M.shape, solver="svd")
    with pytest.raises(ValueError, match="empty"):
        linalg.dask.complete(arr(r[:0], c[:0], v[:0]), 2, shape=M.shape)


def test_docstring_examples():
    # tests/test_docs.py collects public modules only; complete lives in _completion.
    import doctest

    from linalg.dask import _completion

    result = doctest.testmod(_completion, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
