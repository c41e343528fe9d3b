"""linalg.complete on CuPy inputs: the same fit as the CPU engine for the
same seed (to rounding), CuPy factors of the input's dtype, device
prediction and fold-in, and clear errors for what cannot run."""
import numpy as np
import pytest
import scipy.sparse as sp

import linalg

pytestmark = pytest.mark.gpu

cp = pytest.importorskip("cupy")

SOLVERS = ("sketch", "cg", "cholesky")


def low_rank(m, n, k, rate, seed, noise=0.0):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((m, k)) @ rng.standard_normal((k, n))
    mask = rng.random((m, n)) < rate
    r, c = np.nonzero(mask)
    v = M[r, c] + noise * rng.standard_normal(len(r))
    return M, r, c, v


def dev(*arrays):
    return tuple(cp.asarray(a) for a in arrays)


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def host(fit):
    return tuple(None if x is None else cp.asnumpy(x) for x in (fit.U, fit.V, fit.row_bias, fit.col_bias))


def check_device_result(fit, dtype, shape, k, biases=False):
    assert isinstance(fit.U, cp.ndarray) and isinstance(fit.V, cp.ndarray)
    assert fit.U.dtype == dtype and fit.V.dtype == dtype
    assert fit.U.shape == (shape[0], k) and fit.V.shape == (shape[1], k)
    if biases:
        assert isinstance(fit.row_bias, cp.ndarray) and fit.row_bias.shape == (shape[0],)
        assert isinstance(fit.col_bias, cp.ndarray) and fit.col_bias.shape == (shape[1],)
        assert fit.row_bias.dtype == dtype
    else:
        assert fit.row_bias is None and fit.col_bias is None


# Both engines seed the iterations with a float32 SVD, whose rounding differs
# between CPU and GPU (other summation orders); a few ALS iterations carry
# that difference along without amplifying it. Converged fits agree to the
# working precision.
STEP_TOL = 1e-3
CONVERGED_TOL = {np.float32: 1e-3, np.float64: 1e-8}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", SOLVERS)
def test_exact_recovery_matches_cpu(solver, dtype):
    M, r, c, v = low_rank(400, 300, 4, 0.3, seed=1)
    v = v.astype(dtype)
    kw = dict(shape=M.shape, solver=solver, max_iter=200, tol=0, seed=0)
    cpu = linalg.complete((r, c, v), 4, **kw)
    gpu = linalg.complete(dev(r, c, v), 4, **kw)
    check_device_result(gpu, dtype, M.shape, 4)
    assert gpu.info["solver"] == solver
    d_gpu = cp.asnumpy(gpu.to_dense())
    assert rel(d_gpu, cpu.to_dense()) < CONVERGED_TOL[dtype]
    assert rel(d_gpu, M) < (1e-4 if dtype == np.float32 else 1e-6)
    if dtype == np.float64:
        assert gpu.info["stop"] == "converged"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", SOLVERS)
def test_each_iteration_matches_cpu(solver, dtype):
    # Noisy, not converged: the first iterations of both engines agree.
    M, r, c, v = low_rank(500, 350, 5, 0.2, seed=2, noise=0.3)
    v = v.astype(dtype)
    kw = dict(shape=M.shape, solver=solver, max_iter=3, tol=0, seed=5, reg=0.05)
    cpu = linalg.complete((r, c, v), 5, **kw)
    gpu = linalg.complete(dev(r, c, v), 5, **kw)
    check_device_result(gpu, dtype, M.shape, 5)
    assert rel(cp.asnumpy(gpu.to_dense()), cpu.to_dense()) < STEP_TOL
    np.testing.assert_allclose(gpu.history["train_rmse"], cpu.history["train_rmse"], rtol=STEP_TOL)
    np.testing.assert_allclose(gpu.history["objective"], cpu.history["objective"], rtol=STEP_TOL)
    assert gpu.info["init"] == cpu.info["init"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_large_rank_matches_cpu(solver):
    # k = 40 (+ bias): more unknowns than lanes in a warp, fewer rows per
    # block. Dense sampling, so that the initial SVD separates all 40
    # directions from the sampling noise (else float32 rounding differences
    # in the unresolved directions would dominate the comparison).
    M, r, c, v = low_rank(400, 300, 40, 0.9, seed=3, noise=0.05)
    kw = dict(shape=M.shape, solver=solver, max_iter=4, tol=0, seed=1, reg=0.1, biases=True)
    cpu = linalg.complete((r, c, v), 40, **kw)
    gpu = linalg.complete(dev(r, c, v), 40, **kw)
    check_device_result(gpu, np.float64, M.shape, 40, biases=True)
    assert rel(cp.asnumpy(gpu.to_dense()), cpu.to_dense()) < 5 * STEP_TOL
    np.testing.assert_allclose(gpu.history["train_rmse"], cpu.history["train_rmse"], rtol=5 * STEP_TOL)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_input_biases_and_weights_match_cpu(fmt):
    import cupyx.scipy.sparse as csp

    M, r, c, v = low_rank(300, 200, 3, 0.35, seed=4, noise=0.05)
    M = M + 5.0 + np.linspace(-1, 1, 300)[:, None]
    A = sp.coo_matrix((M[r, c], (r, c)), shape=M.shape).asformat(fmt)
    w = np.random.default_rng(2).uniform(0.5, 2.0, A.nnz)
    kw = dict(biases=True, solver="cholesky", max_iter=5, tol=0, seed=0, reg=0.2)
    cpu = linalg.complete(A, 3, weights=w, **kw)
    G = {"csr": csp.csr_matrix, "csc": csp.csc_matrix, "coo": csp.coo_matrix}[fmt](A)
    # weights follow the order of observed.tocoo(): the same on both sides
    # for matrices built from the same arrays
    gpu = linalg.complete(G, 3, weights=cp.asarray(w), **kw)
    check_device_result(gpu, np.float64, M.shape, 3, biases=True)
    assert abs(gpu.mean - cpu.mean) < 1e-12 * abs(cpu.mean)
    U, V, bu, bv = host(gpu)
    assert rel(bu, cpu.row_bias) < STEP_TOL and rel(bv, cpu.col_bias) < STEP_TOL
    assert rel(cp.asnumpy(gpu.to_dense()), cpu.to_dense()) < STEP_TOL


def test_unobserved_rows_and_columns_on_device():
    M, r, c, v = low_rank(120, 80, 2, 0.5, seed=6)
    keep = (r != 7) & (c != 11)
    r, c, v = r[keep], c[keep], v[keep] + 3.0
    fit = linalg.complete(dev(r, c, v), 2, shape=M.shape, biases=True, solver="cholesky", max_iter=5, seed=0)
    U, V, bu, bv = host(fit)
    assert np.all(U[7] == 0) and np.all(V[11] == 0) and bu[7] == 0 and bv[11] == 0
    pred = cp.asnumpy(fit.predict(cp.asarray([7, 7, 3]), cp.asarray([0, 5, 11])))
    assert np.allclose(pred, [fit.mean + bv[0], fit.mean + bv[5], fit.mean + bu[3]])
    plain = linalg.complete(dev(r, c, v), 2, shape=M.shape, solver="cg", max_iter=5, seed=0)
    assert np.all(cp.asnumpy(plain.U[7]) == 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_and_fold_in_on_device(dtype):
    M, r, c, v = low_rank(150, 100, 3, 0.3, seed=7, noise=0.1)
    v = (v + 1.0).astype(dtype)
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(v)).astype(dtype)
    fit = linalg.complete(dev(r, c, v), 3, shape=M.shape, reg=0.3, biases=True, weights=cp.asarray(w),
                          solver="cholesky", max_iter=4, tol=0, seed=0)
    U, V, bu, bv = host(fit)
    hr, hc = np.array([0, 5, 149, 3]), np.array([1, 99, 0, 3])
    pred = fit.predict(cp.asarray(hr), cp.asarray(hc))
    assert isinstance(pred, cp.ndarray) and pred.dtype == dtype
    expect = np.einsum("ij,ij->i", U[hr].astype(np.float64), V[hc]) + fit.mean + bu[hr] + bv[hc]
    np.testing.assert_allclose(cp.asnumpy(pred), expect, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)
    assert fit.predict(cp.asarray([], dtype=cp.int64), cp.asarray([], dtype=cp.int64)).shape == (0,)
    # The last half-step updated the rows given V: folding row i back in reproduces it.
    for i in (0, 17, 149):
        sel = r == i
        u, b = fit.fold_in(cp.asarray(c[sel]), cp.asarray(v[sel]), weights=cp.asarray(w[sel]))
        assert isinstance(u, cp.ndarray) and u.dtype == dtype
        tol = 1e-3 if dtype == np.float32 else 1e-9
        assert np.allclose(cp.asnumpy(u), U[i], atol=tol, rtol=0)
        assert abs(b - bu[i]) < tol


def test_validation_history_matches_cpu():
    # (the true rank, well separated from the sampling noise: both engines'
    # initial SVDs agree to float32 rounding)
    M, r, c, v = low_rank(300, 200, 3, 0.3, seed=10, noise=0.5)
    rng = np.random.default_rng(3)
    hr, hc = rng.integers(0, 300, 2000), rng.integers(0, 200, 2000)
    kw = dict(shape=M.shape, solver="cholesky", patience=2, max_iter=6, seed=0, reg=0.5)
    cpu = linalg.complete((r, c, v), 3, validation=(hr, hc, M[hr, hc]), **kw)
    gpu = linalg.complete(dev(r, c, v), 3, validation=dev(hr, hc, M[hr, hc]), **kw)
    n = min(len(cpu.history["val_rmse"]), len(gpu.history["val_rmse"]))
    assert n >= 3
    np.testing.assert_allclose(gpu.history["val_rmse"][:n], cpu.history["val_rmse"][:n], rtol=STEP_TOL)
    best = gpu.info["best_iteration"]
    got = float(cp.sqrt(cp.mean((gpu.predict(cp.asarray(hr), cp.asarray(hc)) - cp.asarray(M[hr, hc])) ** 2)))
    assert abs(got - gpu.history["val_rmse"][best]) < 1e-9


def test_split_samples_matches_cpu():
    M, r, c, v = low_rank(600, 400, 2, 0.8, seed=11, noise=0.01)
    kw = dict(shape=M.shape, solver="cg", split_samples=True, max_iter=4, tol=0, seed=0)
    cpu = linalg.complete((r, c, v), 2, **kw)
    gpu = linalg.complete(dev(r, c, v), 2, **kw)
    np.testing.assert_allclose(gpu.history["train_rmse"], cpu.history["train_rmse"], rtol=STEP_TOL)
    assert rel(cp.asnumpy(gpu.to_dense()), cpu.to_dense()) < STEP_TOL


def test_work_runs_on_the_callers_stream():
    M, r, c, v = low_rank(400, 300, 4, 0.3, seed=12)
    expected = linalg.complete(dev(r, c, v), 4, shape=M.shape, solver="cg", max_iter=5, tol=0, seed=0)
    s = cp.cuda.Stream(non_blocking=True)
    with s:
        vals = cp.asarray(v)
        vals = vals * 2.0 / 2.0  # produced on s, used at once
        got = linalg.complete((cp.asarray(r), cp.asarray(c), vals), 4, shape=M.shape, solver="cg", max_iter=5,
                              tol=0, seed=0)
        s.synchronize()
    # (the initial SVD's sparse products may sum in another order: compare to rounding of float32)
    assert rel(cp.asnumpy(got.to_dense()), cp.asnumpy(expected.to_dense())) < 1e-4


def test_bad_device_inputs():
    M, r, c, v = low_rank(60, 40, 2, 0.5, seed=13)
    with pytest.raises(TypeError, match="mix"):
        linalg.complete((cp.asarray(r), c, cp.asarray(v)), 2, shape=M.shape)
    with pytest.raises(TypeError, match="host"):
        linalg.complete(dev(r, c, v), 2, shape=M.shape, weights=np.ones(len(v)))
    with pytest.raises(TypeError, match="host"):
        linalg.complete(dev(r, c, v), 2, shape=M.shape, validation=(r[:5], c[:5], v[:5]))
    with pytest.raises(TypeError, match="GPU"):
        linalg.complete((r, c, v), 2, shape=M.shape, validation=dev(r[:5], c[:5], v[:5]))
    with pytest.raises(TypeError, match="GPU|CuPy"):
        linalg.complete((r, c, v), 2, shape=M.shape, weights=cp.ones(len(v)))
    with pytest.raises(TypeError, match="complex"):
        linalg.complete((cp.asarray(r), cp.asarray(c), cp.asarray(v.astype(np.complex128))), 2, shape=M.shape)
    with pytest.raises(TypeError, match="integers"):
        linalg.complete((cp.asarray(r.astype(float)), cp.asarray(c), cp.asarray(v)), 2, shape=M.shape)
    bad = v.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        linalg.complete(dev(r, c, bad), 2, shape=M.shape)
    with pytest.raises(ValueError, match="outside the shape"):
        linalg.complete(dev(r, c, v), 2, shape=(30, 40))
    with pytest.raises(ValueError, match="duplicate"):
        linalg.complete(dev(np.append(r, r[0]), np.append(c, c[0]), np.append(v, v[0])), 2, shape=M.shape)
    with pytest.raises(ValueError, match="rank"):
        linalg.complete(dev(r, c, v), 40, shape=M.shape)
    fit = linalg.complete(dev(r, c, v), 2, shape=M.shape, max_iter=2, seed=0)
    with pytest.raises(TypeError, match="host"):
        fit.predict(np.array([0, 1]), np.array([0, 1]))
    with pytest.raises(ValueError, match="outside the shape"):
        fit.predict(cp.asarray([0, 60]), cp.asarray([0, 1]))
    with pytest.raises(TypeError, match="host"):
        fit.fold_in(np.array([0, 1]), np.array([1.0, 2.0]))
    cpu_fit = linalg.complete((r, c, v), 2, shape=M.shape, max_iter=2, seed=0)
    with pytest.raises(TypeError, match="CuPy|GPU"):
        cpu_fit.predict(cp.asarray([0]), cp.asarray([0]))
