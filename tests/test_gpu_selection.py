"""Nyström, nystrom_select, interp_decomp, CUR and the CR product on CuPy
input: the CPU engine's results for the same seed (rounding level), CuPy
arrays out (index arrays stay NumPy int64, as on the CPU), clear errors."""
import numpy as np
import pytest
import scipy.sparse as sp

import linalg

pytestmark = pytest.mark.gpu

cp = pytest.importorskip("cupy")
csp = pytest.importorskip("cupyx.scipy.sparse")

TOL = {np.float32: 2e-4, np.float64: 1e-10}


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def psd_matrix(n, decay, dtype, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * decay ** np.arange(n)) @ Q.T
    return np.asarray((A + A.T) / 2, dtype=dtype)


def spectrum_matrix(m, n, decay, dtype, seed=0, order="C"):
    rng = np.random.default_rng(seed)
    r = min(m, n)
    U, _ = np.linalg.qr(rng.standard_normal((m, r)))
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    return np.asarray((U * decay ** np.arange(r)) @ V.T, dtype=dtype, order=order)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sketch", ["gaussian", "sparse_sign"])
@pytest.mark.parametrize("power_iters", [0, 1])
def test_nystrom_dense_matches_cpu(dtype, sketch, power_iters):
    A = psd_matrix(400, 0.8, dtype, seed=1)
    cpu = linalg.nystrom(A, 15, sketch=sketch, power_iters=power_iters, seed=2)
    gpu = linalg.nystrom(cp.asarray(A), 15, sketch=sketch, power_iters=power_iters, seed=2)
    for x in gpu:
        assert isinstance(x, cp.ndarray) and x.dtype == dtype
    assert gpu.eigenvalues.shape == cpu.eigenvalues.shape and gpu.eigenvectors.shape == cpu.eigenvectors.shape
    assert rel(cp.asnumpy(gpu.eigenvalues), cpu.eigenvalues) < TOL[dtype]
    Vg, wg = cp.asnumpy(gpu.eigenvectors), cp.asnumpy(gpu.eigenvalues)
    assert rel((Vg * wg) @ Vg.T, (cpu.eigenvectors * cpu.eigenvalues) @ cpu.eigenvectors.T) < TOL[dtype] * 10
    assert gpu.info["passes"] == cpu.info["passes"] and gpu.info["sketch_size"] == cpu.info["sketch_size"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nystrom_fixed_accuracy_and_given_sketch_match_cpu(dtype):
    A = psd_matrix(300, 0.7, dtype, seed=3)
    cpu = linalg.nystrom(A, tol=1e-3, seed=4)
    gpu = linalg.nystrom(cp.asarray(A), tol=1e-3, seed=4)
    assert gpu.info["rank"] == cpu.info["rank"] and gpu.info["sketch_size"] == cpu.info["sketch_size"]
    assert rel(cp.asnumpy(gpu.eigenvalues), cpu.eigenvalues) < TOL[dtype] * 10
    Om = np.random.default_rng(5).standard_normal((300, 20)).astype(dtype)
    cpu = linalg.nystrom(A, 10, sketch=Om)
    gpu = linalg.nystrom(cp.asarray(A), 10, sketch=cp.asarray(Om))
    assert rel(cp.asnumpy(gpu.eigenvalues), cpu.eigenvalues) < TOL[dtype]
    with pytest.raises(TypeError, match="host|CuPy"):
        linalg.nystrom(cp.asarray(A), 10, sketch=Om)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_nystrom_sparse_matches_cpu(dtype, fmt):
    B = sp.random(600, 300, density=0.02, format="csr", dtype=np.float64, random_state=np.random.default_rng(6))
    A = (B.T @ B + sp.identity(300) * 0.1).asformat(fmt).astype(dtype)
    cpu = linalg.nystrom(A, 10, power_iters=2, seed=7)
    G = (csp.csr_matrix if fmt == "csr" else csp.csc_matrix)(A)
    gpu = linalg.nystrom(G, 10, power_iters=2, seed=7)
    assert isinstance(gpu.eigenvalues, cp.ndarray) and gpu.eigenvalues.dtype == dtype
    tol = 5e-3 if dtype == np.float32 else 1e-8
    assert rel(cp.asnumpy(gpu.eigenvalues), cpu.eigenvalues) < tol


def test_nystrom_bad_device_inputs():
    A = cp.asarray(psd_matrix(100, 0.8, np.float64))
    with pytest.raises(TypeError, match="complex"):
        linalg.nystrom(A.astype(cp.complex128), 3)
    B = A.copy()
    B[3, 4] = cp.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        linalg.nystrom(B, 3)
    with pytest.raises(ValueError, match="square"):
        linalg.nystrom(A[:50], 3)
    N = A.copy()
    N[5, 5] = -1.0
    with pytest.raises(ValueError, match="positive semidefinite"):
        linalg.nystrom(N, 3)
    S = A + cp.triu(cp.ones_like(A), 1)
    with pytest.raises(ValueError, match="symmetric"):
        linalg.nystrom(S, 3, seed=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nystrom_select_matches_cpu(dtype):
    H = np.random.default_rng(8).standard_normal((500, 60)) * np.linspace(3, 0.1, 60)
    C = np.asarray(H.T @ H, dtype=dtype)
    cpu = linalg.nystrom_select(C, 12, ridge=1e-2)
    gpu = linalg.nystrom_select(cp.asarray(C), 12, ridge=1e-2)
    assert isinstance(gpu.idx, np.ndarray) and gpu.idx.dtype == np.int64
    np.testing.assert_array_equal(gpu.idx, cpu.idx)
    assert isinstance(gpu.factor, cp.ndarray) and gpu.factor.dtype == dtype
    tol = 1e-3 if dtype == np.float32 else 1e-9
    assert rel(cp.asnumpy(gpu.factor), cpu.factor) < tol
    assert rel(cp.asnumpy(gpu.scores), cpu.scores) < tol
    with pytest.raises(ValueError, match="symmetric"):
        linalg.nystrom_select(cp.asarray(C) + cp.triu(cp.ones_like(cp.asarray(C)), 1), 3, ridge=1e-2)
    with pytest.raises(TypeError, match="ridge"):
        linalg.nystrom_select(cp.asarray(C), 3, ridge="x")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", ["randomized", "qr"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("order", ["C", "F"])
def test_interp_decomp_dense_matches_cpu(dtype, method, axis, order):
    A = spectrum_matrix(300, 200, 0.7, dtype, seed=9, order=order)
    cpu = linalg.interp_decomp(A, 12, axis=axis, method=method, seed=1)
    gpu = linalg.interp_decomp(cp.asarray(A, order=order), 12, axis=axis, method=method, seed=1)
    assert isinstance(gpu.idx, np.ndarray) and gpu.idx.dtype == np.int64
    assert isinstance(gpu.X, cp.ndarray) and gpu.X.dtype == dtype and gpu.X.shape == cpu.X.shape
    Xg = cp.asnumpy(gpu.X)
    if method == "qr" or dtype == np.float64:
        # Same pivoted QR of the same (or rounding-close float64) input.
        np.testing.assert_array_equal(gpu.idx, cpu.idx)
        tol = 1e-3 if dtype == np.float32 else 1e-8
        assert rel(Xg, cpu.X) < tol
        assert abs(gpu.info["max_coef"] - cpu.info["max_coef"]) <= tol * cpu.info["max_coef"]
        assert abs(gpu.info["r_ratio"] - cpu.info["r_ratio"]) <= tol
    # float32 sketches differ in rounding, which may swap a near-tied pivot:
    # the approximation must be as good as the CPU's.
    def err(idx, X):
        approx = A[:, idx] @ X if axis == 1 else X @ A[idx, :]
        return rel(approx, A)
    assert err(gpu.idx, Xg) <= 1.05 * err(cpu.idx, cpu.X) + 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interp_decomp_tol_and_sparse_match_cpu(dtype):
    A = spectrum_matrix(400, 250, 0.6, dtype, seed=10)
    cpu = linalg.interp_decomp(A, tol=1e-4 if dtype == np.float64 else 1e-3, seed=2)
    gpu = linalg.interp_decomp(cp.asarray(A), tol=1e-4 if dtype == np.float64 else 1e-3, seed=2)
    assert gpu.info["rank"] == cpu.info["rank"] and gpu.info["sketch_rows"] == cpu.info["sketch_rows"]
    if dtype == np.float64:
        np.testing.assert_array_equal(gpu.idx, cpu.idx)
    S = sp.random(500, 300, density=0.03, format="csr", dtype=dtype, random_state=np.random.default_rng(11))
    cpu = linalg.interp_decomp(S, 10, power_iters=2, seed=3)
    gpu = linalg.interp_decomp(csp.csr_matrix(S), 10, power_iters=2, seed=3)
    assert isinstance(gpu.X, cp.ndarray)
    # Random sparse spectra are less separated: compare the approximations.
    approx_c = S[:, cpu.idx].toarray() @ cpu.X
    approx_g = S[:, gpu.idx].toarray() @ cp.asnumpy(gpu.X)
    assert rel(approx_g, approx_c) < (5e-2 if dtype == np.float32 else 1e-6)
    with pytest.raises(TypeError, match="dense"):
        linalg.interp_decomp(csp.csr_matrix(S), 10, method="qr")


@pytest.mark.parametrize("method", ["id", "leverage"])
@pytest.mark.parametrize("sparse", [False, True])
def test_cur_matches_cpu(method, sparse):
    A = spectrum_matrix(200, 150, 0.6, np.float64, seed=12)
    if sparse:
        A = sp.csr_matrix(np.where(np.abs(A) > 1e-3, A, 0.0))
        dev = csp.csr_matrix(A)
    else:
        dev = cp.asarray(A)
    cpu = linalg.cur(A, 8, method=method, seed=4)
    gpu = linalg.cur(dev, 8, method=method, seed=4)
    assert isinstance(gpu.cols, np.ndarray) and isinstance(gpu.rows, np.ndarray)
    np.testing.assert_array_equal(gpu.cols, cpu.cols)
    np.testing.assert_array_equal(gpu.rows, cpu.rows)
    assert isinstance(gpu.U, cp.ndarray) and gpu.U.dtype == np.float64
    assert rel(cp.asnumpy(gpu.U), cpu.U) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cr_select_and_product_match_cpu(dtype):
    rng = np.random.default_rng(13)
    A = np.asarray(rng.standard_normal((40, 300)) * np.linspace(2, 0.1, 300), dtype=dtype)
    B = np.asarray(rng.standard_normal((300, 30)), dtype=dtype)
    Ad, Bd = cp.asarray(A), cp.asarray(B)
    idx = linalg.cr_select(Ad, Bd, 20)
    assert isinstance(idx, np.ndarray) and idx.dtype == np.int64
    np.testing.assert_array_equal(idx, linalg.cr_select(A, B, 20))
    for method in ("sampled", "topk"):
        cpu = linalg.cr_product(A, B, 100, method=method, seed=5)
        gpu = linalg.cr_product(Ad, Bd, 100, method=method, seed=5)
        np.testing.assert_array_equal(gpu.idx, cpu.idx)
        assert isinstance(gpu.product, cp.ndarray) and gpu.product.dtype == dtype
        assert isinstance(gpu.scale, cp.ndarray)
        assert rel(cp.asnumpy(gpu.product), cpu.product) < (1e-5 if dtype == np.float32 else 1e-12)
    with pytest.raises(TypeError, match="host|CuPy"):
        linalg.cr_product(Ad, B, 10)
    with pytest.raises(TypeError, match="complex"):
        linalg.cr_select(Ad.astype(cp.complex64), Bd, 3)
    Bn = Bd.copy()
    Bn[0, 0] = cp.inf
    with pytest.raises(ValueError, match="NaN or Inf"):
        linalg.cr_product(Ad, Bn, 10)
