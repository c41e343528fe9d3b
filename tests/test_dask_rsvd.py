"""linalg.dask.rsvd: equal to linalg.rsvd for the same seed, on threads and on a LocalCluster."""
import doctest
import warnings

import numpy as np
import pytest

import linalg

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

import linalg.dask as ldask  # noqa: E402
from linalg.dask._rsvd import RechunkWarning  # noqa: E402


@pytest.fixture(params=["threads", "distributed"])
def scheduler(request):
    """Run the body on the threaded scheduler (no client) or on the LocalCluster."""
    if request.param == "threads":
        with dask.config.set(scheduler="threads"):
            yield "threads"
    else:
        c = request.getfixturevalue("client")
        with c.as_current(), dask.config.set(scheduler=c.get):
            yield "distributed"


def spectrum_matrix(m, n, s, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((m, len(s))))[0]
    V = np.linalg.qr(rng.standard_normal((n, len(s))))[0]
    return ((U * s) @ V.T).astype(dtype)


def approx(res):
    U = res.U.compute() if hasattr(res.U, "compute") else res.U
    Vh = res.Vh.compute() if hasattr(res.Vh, "compute") else res.Vh
    return (U * res.S) @ Vh, U, Vh


def assert_same(res, ref, X, dtype):
    tol = 1e-10 if dtype == np.float64 else 2e-4
    assert res.S.dtype == dtype
    assert res.info["power_iters"] == ref.info["power_iters"]
    assert res.info["passes"] == ref.info["passes"]
    np.testing.assert_allclose(res.S, ref.S, rtol=tol, atol=tol * ref.S[0])
    R, U, Vh = approx(res)
    assert U.dtype == dtype and Vh.dtype == dtype
    assert U.shape == ref.U.shape and Vh.shape == ref.Vh.shape
    np.testing.assert_allclose(R, (ref.U * ref.S) @ ref.Vh, atol=tol * np.abs(X).max() * 10)
    np.testing.assert_allclose(U.T @ U, np.eye(U.shape[1]), atol=tol * 10)


CASES = [(dt, q, rows, meth) for dt in (np.float64, np.float32) for q in (None, 0, 2)
         for rows in (377, 1500)  # uneven chunks; a single chunk
         for meth in ("subspace", "krylov")]


@pytest.mark.parametrize("dtype, power_iters, rows, method", CASES)
def test_equals_single_machine_threads(dtype, power_iters, rows, method):
    with dask.config.set(scheduler="threads"):
        check_equals_single_machine(dtype, power_iters, rows, method)


@pytest.mark.parametrize("dtype, power_iters, rows, method", [
    (np.float64, None, 377, "auto"), (np.float32, None, 1500, "auto"), (np.float32, 2, 377, "subspace"),
    (np.float64, 0, 1500, "krylov")])
def test_equals_single_machine_distributed(client, dtype, power_iters, rows, method):
    with client.as_current(), dask.config.set(scheduler=client.get):
        check_equals_single_machine(dtype, power_iters, rows, method)


def check_equals_single_machine(dtype, power_iters, rows, method):
    m, n, k = 1500, 120, 10
    X = spectrum_matrix(m, n, 1.0 / np.arange(1, n + 1), seed=1, dtype=dtype)
    A = da.from_array(X, chunks=(rows, n))
    res = ldask.rsvd(A, k, power_iters=power_iters, seed=7, method=method)
    ref = linalg.rsvd(X, k, power_iters=power_iters, seed=7, method=method)
    assert res.info["method"] == ref.info["method"]
    if method == "auto":  # n >= 4 (k + p): Krylov for float64, subspace for float32
        assert res.info["method"] == ("krylov" if dtype == np.float64 else "subspace")
    assert_same(res, ref, X, dtype)
    assert isinstance(res.U, da.Array) and res.U.chunks[0] == A.chunks[0]
    if power_iters is None:
        assert res.info["power_iters"] >= 1
        np.testing.assert_allclose(res.info["frob_sq"], np.sum(X.astype(np.float64) ** 2), rtol=1e-6)


def test_auto_where_that_is_subspace(scheduler):
    # n < 4 (k + p): the single-machine "auto" is subspace iteration.
    X = spectrum_matrix(900, 60, 1.0 / np.arange(1, 61), seed=2)
    res = ldask.rsvd(da.from_array(X, chunks=(250, 60)), 8, seed=3)
    ref = linalg.rsvd(X, 8, seed=3)
    assert ref.info["method"] == "subspace"
    assert_same(res, ref, X, np.float64)


def test_wide_column_chunked_is_its_transpose(scheduler):
    X = spectrum_matrix(80, 1100, 0.9 ** np.arange(80), seed=3)
    A = da.from_array(X, chunks=(80, 300))
    res = ldask.rsvd(A, 6, power_iters=1, seed=5, oversample=4)
    ref = linalg.rsvd(X, 6, power_iters=1, seed=5, oversample=4)
    assert isinstance(res.U, np.ndarray) and isinstance(res.Vh, da.Array)
    assert res.Vh.chunks[1] == A.chunks[1]
    assert_same(res, ref, X, np.float64)


def test_sparse_sign_sketch_and_seed(scheduler):
    X = spectrum_matrix(700, 50, 1.0 / np.arange(1, 51) ** 0.5, seed=4, dtype=np.float32)
    A = da.from_array(X, chunks=(160, 50))
    res = ldask.rsvd(A, 5, power_iters=1, sketch="sparse_sign", seed=11)
    ref = linalg.rsvd(X, 5, power_iters=1, sketch="sparse_sign", seed=11)
    assert_same(res, ref, X, np.float32)
    # A generator seed is turned into the same key as by linalg.rsvd.
    r1 = ldask.rsvd(A, 5, power_iters=0, seed=np.random.default_rng(3))
    r2 = linalg.rsvd(X, 5, power_iters=0, seed=np.random.default_rng(3))
    np.testing.assert_allclose(r1.S, r2.S, rtol=1e-5)
    # Another seed, another sketch (q = 0 on a flat spectrum: visibly different).
    r3 = ldask.rsvd(A, 5, power_iters=0, seed=12)
    assert not np.allclose(r3.S, ref.S, rtol=1e-5)


def test_ill_conditioned_basis_takes_separate_steps_and_tsqr(scheduler):
    # sigma_k^2 / sigma_1^2 = 1e-18 < 10 eps: the single-machine iteration
    # switches to separate products; Y is then far beyond CholeskyQR2's reach.
    s = 10.0 ** -np.arange(0, 24, 1.0)
    X = spectrum_matrix(600, 40, s, seed=5)
    A = da.from_array(X, chunks=(130, 40))
    res = ldask.rsvd(A, 12, power_iters=1, seed=2)
    ref = linalg.rsvd(X, 12, power_iters=1, seed=2)
    assert res.info["fused"] is False and ref.info["fused"] is False
    assert res.info["orthonormalization"] == "tsqr"
    np.testing.assert_allclose(res.S[:8], ref.S[:8], rtol=1e-8)
    R, U, _ = approx(res)
    np.testing.assert_allclose(R, X, atol=1e-12)
    np.testing.assert_allclose(U.T @ U, np.eye(12), atol=1e-8)


def test_exact_low_rank_is_recovered(scheduler):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((500, 7)) @ rng.standard_normal((7, 90))
    res = ldask.rsvd(da.from_array(X, chunks=(111, 90)), 7, seed=1)
    R, _, _ = approx(res)
    np.testing.assert_allclose(R, X, atol=1e-10)


def test_integers_become_float64():
    X = np.arange(300 * 20).reshape(300, 20) % 7
    with dask.config.set(scheduler="threads"):
        res = ldask.rsvd(da.from_array(X, chunks=(70, 20)), 3, seed=0)
        ref = linalg.rsvd(X, 3, seed=0)
        np.testing.assert_allclose(res.S, ref.S, rtol=1e-10)
        assert res.S.dtype == np.float64


def test_chunks_along_the_short_side_are_rechunked_with_a_warning():
    X = spectrum_matrix(800, 60, 1.0 / np.arange(1, 61), seed=7)
    with dask.config.set(scheduler="threads"):
        with pytest.warns(RechunkWarning, match=r"A is chunked along its short side.*rechunk"):
            res = ldask.rsvd(da.from_array(X, chunks=(200, 25)), 5, power_iters=1, seed=4)
        ref = linalg.rsvd(X, 5, power_iters=1, seed=4)
        assert_same(res, ref, X, np.float64)
        # A wide array in row blocks: its transpose is rechunked.
        with pytest.warns(RechunkWarning, match=r"A\.T is chunked"):
            ldask.rsvd(da.from_array(X.T, chunks=(20, 800)), 5, power_iters=1, seed=4)
        # Row blocks only: no warning.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ldask.rsvd(da.from_array(X, chunks=(200, 60)), 5, power_iters=1, seed=4)


def test_bad_input():
    X = np.ones((50, 10))
    A = da.from_array(X, chunks=(20, 10))
    with pytest.raises(TypeError, match=r"A must be a dask\.array\.Array, got numpy\.ndarray.*linalg\.rsvd"):
        ldask.rsvd(X, 2)
    with pytest.raises(ValueError, match=r"A must be 2-D, got 1 dimension"):
        ldask.rsvd(da.ones(10, chunks=5), 1)
    with pytest.raises(ValueError, match=r"rank must be in \[1, 10\], got 11"):
        ldask.rsvd(A, 11)
    with pytest.raises(ValueError, match=r"rank must be in \[1, 10\], got 0"):
        ldask.rsvd(A, 0)
    with pytest.raises(TypeError, match=r"rank must be an integer"):
        ldask.rsvd(A, 2.0)
    with pytest.raises(ValueError, match=r"oversample must be in >= 0"):
        ldask.rsvd(A, 2, oversample=-1)
    with pytest.raises(ValueError, match=r"power_iters must be in >= 0"):
        ldask.rsvd(A, 2, power_iters=-1)
    with pytest.raises(ValueError, match=r"method must be one of 'auto', 'subspace', 'krylov'; got 'svd'"):
        ldask.rsvd(A, 2, method="svd")
    with pytest.raises(ValueError, match=r"sketch must be one of"):
        ldask.rsvd(A, 2, sketch="srht")
    with pytest.raises(TypeError, match=r"seed must be None, an int"):
        ldask.rsvd(A, 2, seed="x")
    with pytest.raises(TypeError, match=r"float32 or float64.*complex128"):
        ldask.rsvd(A.astype(np.complex128), 2)
    with pytest.raises(ValueError, match=r"must not be empty"):
        ldask.rsvd(da.zeros((0, 3), chunks=(1, 3)), 1)
    with pytest.raises(ValueError, match=r"unknown chunk sizes.*compute_chunk_sizes"):
        ldask.rsvd(A[A[:, 0] > 0], 2)
    bad = X.copy()
    bad[33, 4] = np.nan
    with dask.config.set(scheduler="threads"):
        with pytest.raises(ValueError, match=r"A contains NaN or Inf"):
            ldask.rsvd(da.from_array(bad, chunks=(20, 10)), 2, power_iters=1)
        bad[33, 4] = np.inf
        with pytest.raises(ValueError, match=r"A contains NaN or Inf"):
            ldask.rsvd(da.from_array(bad, chunks=(20, 10)), 2)


def _lazy_low_rank(m, n, r, rows, seed):
    """A = G C, G (m x r) from Dask's seeded generator block by block, never materialised."""
    G = da.random.default_rng(seed).standard_normal((m, r), chunks=(rows, r))
    C = np.random.default_rng(seed + 1).standard_normal((r, n)) * (0.7 ** np.arange(r))[:, None]
    return G, C, G.map_blocks(np.dot, C, chunks=(rows, n), dtype=np.float64)


def test_larger_than_a_workers_memory_limit_completes():
    # ~600 MB of float64 (600000 x 125) on workers limited to 300 MiB each;
    # the blocks are generated lazily on the workers and recomputed per pass.
    m, n, r, rows = 600_000, 125, 8, 25_000
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       memory_limit="300MiB")
    try:
        with distributed.Client(cluster) as c:
            G, C, A = _lazy_low_rank(m, n, r, rows, seed=3)
            assert A.nbytes > 2 * 300 * 2**20 * 0.95
            res = ldask.rsvd(A, r, oversample=4, power_iters=1, seed=0, check_finite=False)
            # Exact singular values from small reductions: A^T A = C^T (G^T G) C.
            GtG = (G.T @ G).compute()
            exact = np.sqrt(np.maximum(np.linalg.eigvalsh(C.T @ GtG @ C)[::-1][:r], 0))
            np.testing.assert_allclose(res.S, exact, rtol=1e-9)
            UtU = (res.U.T @ res.U).compute()
            np.testing.assert_allclose(UtU, np.eye(r), atol=1e-9)
            # A U-row check on one block: U_b S Vh equals that block of A.
            blk = slice(rows, rows + 50)
            np.testing.assert_allclose((res.U[blk].compute() * res.S) @ res.Vh, A[blk].compute(), atol=1e-8)
            assert all(w["memory_limit"] == 300 * 2**20 for w in c.scheduler_info()["workers"].values())
    finally:
        cluster.close()


def test_docstring_example_runs():
    from linalg.dask import _rsvd

    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(_rsvd.rsvd, "rsvd", globs={}) if t.examples]
    assert tests
    for t in tests:
        runner.run(t)
    assert runner.failures == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_block_product_is_the_core_gemm(dtype, order):
    from linalg import _core

    rng = np.random.default_rng(3)
    a = np.asarray(rng.standard_normal((57, 23)), dtype=dtype, order=order)
    x = rng.standard_normal((23, 5)).astype(dtype)
    y = rng.standard_normal((57, 4)).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    ax = _core.dense_product(a, x, False)
    aty = _core.dense_product(a, y, True)
    assert ax.dtype == dtype and ax.flags.f_contiguous and ax.shape == (57, 5)
    np.testing.assert_allclose(ax, a.astype(np.float64) @ x, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(aty, a.T.astype(np.float64) @ y, rtol=tol, atol=tol * 10)
    with pytest.raises(ValueError, match="wrong number of rows"):
        _core.dense_product(a, y, False)


def test_passes_do_not_copy_the_blocks_of_a(monkeypatch):
    # blockwise(concatenate=True) joins the blocks along a contracted index
    # with np.concatenate, which copies even a single block: a copy of every
    # block of A per product. The block kernels take the block as it is.
    X = spectrum_matrix(600, 40, 1.0 / np.arange(1, 41), seed=5)
    ref = linalg.rsvd(X, 5, power_iters=1, method="subspace", seed=2)
    A = da.from_array(X, chunks=(150, 40))
    from dask.array.dispatch import concatenate_lookup

    calls = []

    def spy(arrays, *a, **k):
        arrays = list(arrays)
        calls.extend(x.shape for x in arrays)
        return np.concatenate(arrays, *a, **k)

    concatenate_lookup.dispatch(np.ndarray)  # resolve (and cache) the registration first
    for t in (object, np.ndarray):
        monkeypatch.setitem(concatenate_lookup._lookup, t, spy)
    with dask.config.set(scheduler="sync"):
        res = ldask.rsvd(A, 5, power_iters=1, method="subspace", seed=2)
        U = res.U.compute()
    assert (150, 40) not in calls, calls
    np.testing.assert_allclose(res.S, ref.S, rtol=1e-10)
    np.testing.assert_allclose(np.abs(U), np.abs(ref.U), atol=1e-9)
