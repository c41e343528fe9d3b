"""rsvd, range_finder, estimate_error and the test matrices on CuPy arrays:
the same results as the CPU engine for the same seed, on the caller's
stream, CuPy arrays out, and clear errors for what cannot run."""
import numpy as np
import pytest
import scipy.sparse as sp

import linalg
from linalg import _core

pytestmark = pytest.mark.gpu

cp = pytest.importorskip("cupy")


def spectrum_matrix(m, n, decay, dtype, seed=0, order="C"):
    """U diag(s) V^T with s_i = decay^i: a well-separated, known spectrum."""
    rng = np.random.default_rng(seed)
    r = min(m, n)
    U, _ = np.linalg.qr(rng.standard_normal((m, r)))
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    s = decay ** np.arange(r)
    A = (U * s) @ V.T
    return np.asarray(A, dtype=dtype, order=order)


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# Tolerances: a few hundred units of roundoff, amplified by the algorithm's
# conditioning (power steps on well-separated spectra) - rounding level.
TOL = {np.float32: 2e-4, np.float64: 1e-10}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["gaussian", "sparse_sign"])
def test_test_matrix_matches_host(dtype, kind):
    suffix = "f32" if dtype == np.float32 else "f64"
    host = getattr(_core, f"test_matrix_{suffix}")(1000, 37, kind, 12345, zeta=8, stream=1, block=2)
    stream = cp.cuda.get_current_stream().ptr
    dev = getattr(_core, f"cuda_test_matrix_{suffix}")(1000, 37, kind, 12345, 8, 1, 2, stream, 0)
    assert isinstance(dev, cp.ndarray) and dev.dtype == dtype and dev.shape == (1000, 37)
    d = cp.asnumpy(dev)
    if kind == "sparse_sign":
        np.testing.assert_array_equal(d, host)  # identical
    else:
        # Box-Muller in double on both sides; the device's log/sin/cos may
        # differ from glibc's in the last bit.
        np.testing.assert_allclose(d, host, rtol=4 * np.finfo(np.float64).eps if dtype == np.float64 else 0,
                                   atol=1e-14 if dtype == np.float64 else np.finfo(np.float32).eps)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("method", ["subspace", "krylov"])
@pytest.mark.parametrize("shape", [(600, 300), (250, 500)])
def test_rsvd_dense_matches_cpu(dtype, order, method, shape):
    A = spectrum_matrix(*shape, 0.8, dtype, seed=1, order=order)
    cpu = linalg.rsvd(A, 12, method=method, power_iters=2, seed=7)
    gpu = linalg.rsvd(cp.asarray(A, order=order), 12, method=method, power_iters=2, seed=7)
    for x in gpu:
        assert isinstance(x, cp.ndarray) and x.dtype == dtype
    assert gpu.U.shape == cpu.U.shape and gpu.S.shape == cpu.S.shape and gpu.Vh.shape == cpu.Vh.shape
    assert rel(cp.asnumpy(gpu.S), cpu.S) < TOL[dtype]
    approx_gpu = cp.asnumpy((gpu.U * gpu.S) @ gpu.Vh)
    approx_cpu = (cpu.U * cpu.S) @ cpu.Vh
    assert rel(approx_gpu, approx_cpu) < TOL[dtype]
    assert gpu.info["method"] == cpu.info["method"] and gpu.info["passes"] == cpu.info["passes"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rsvd_adaptive_and_sparse_sign_match_cpu(dtype):
    A = spectrum_matrix(800, 400, 0.9, dtype, seed=2)
    cpu = linalg.rsvd(A, 20, sketch="sparse_sign", seed=3)
    gpu = linalg.rsvd(cp.asarray(A), 20, sketch="sparse_sign", seed=3)
    assert gpu.info["power_iters"] == cpu.info["power_iters"]
    assert rel(cp.asnumpy(gpu.S), cpu.S) < TOL[dtype]


def test_rsvd_fixed_accuracy_matches_cpu():
    A = spectrum_matrix(700, 300, 0.85, np.float64, seed=4)
    cpu = linalg.rsvd(A, tol=1e-3, seed=5)
    gpu = linalg.rsvd(cp.asarray(A), tol=1e-3, seed=5)
    assert gpu.S.shape == cpu.S.shape
    assert rel(cp.asnumpy(gpu.S), cpu.S) < 1e-10
    assert abs(gpu.info["residual_sq"] - cpu.info["residual_sq"]) <= 1e-8 * cpu.info["frob_sq"]


def test_rsvd_mixed_precision_on_gpu():
    A = spectrum_matrix(2500, 1800, 0.97, np.float64, seed=6)
    cpu = linalg.rsvd(A, 30, power_iters=3, precision="mixed", seed=1)
    gpu = linalg.rsvd(cp.asarray(A), 30, power_iters=3, precision="mixed", seed=1)
    assert gpu.info["mixed_precision"] == cpu.info["mixed_precision"]
    assert gpu.S.dtype == np.float64
    assert rel(cp.asnumpy(gpu.S), cpu.S) < 1e-5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_rsvd_sparse_matches_cpu(dtype, fmt, index):
    import cupyx.scipy.sparse as csp

    S = sp.random(900, 400, density=0.02, format=fmt, dtype=dtype, random_state=np.random.default_rng(8))
    S.indices = S.indices.astype(index)
    S.indptr = S.indptr.astype(index)
    cpu = linalg.rsvd(S, 10, power_iters=3, seed=9)
    G = (csp.csr_matrix if fmt == "csr" else csp.csc_matrix)(S)
    gpu = linalg.rsvd(G, 10, power_iters=3, seed=9)
    assert isinstance(gpu.U, cp.ndarray) and gpu.U.dtype == dtype
    # Random sparse spectra are less separated: compare the approximations.
    tol = 5e-3 if dtype == np.float32 else 1e-8
    assert rel(cp.asnumpy(gpu.S), cpu.S) < tol
    assert rel(cp.asnumpy((gpu.U * gpu.S) @ gpu.Vh), (cpu.U * cpu.S) @ cpu.Vh) < tol * 10


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_range_finder_and_estimate_error_match_cpu(dtype):
    A = spectrum_matrix(500, 200, 0.8, dtype, seed=10)
    Qc = linalg.range_finder(A, 15, power_iters=1, seed=2)
    Qg = linalg.range_finder(cp.asarray(A), 15, power_iters=1, seed=2)
    assert isinstance(Qg, cp.ndarray) and Qg.dtype == dtype
    # Same subspace: Q_g Q_g^T Q_c = Q_c.
    Qg = cp.asnumpy(Qg)
    assert rel(Qg @ (Qg.T @ Qc), Qc) < TOL[dtype] * 10
    res = linalg.rsvd(A, 8, seed=1)
    est_c = linalg.estimate_error(A, res, probes=10, seed=3)
    dres = tuple(cp.asarray(x) for x in res)
    est_g = linalg.estimate_error(cp.asarray(A), dres, probes=10, seed=3)
    assert abs(est_g.frobenius - est_c.frobenius) <= (1e-3 if dtype == np.float32 else 1e-9) * est_c.frobenius


def test_work_runs_on_the_callers_stream():
    # A is produced by a large product on a non-blocking stream and used
    # at once: only work ordered on that same stream sees it finished.
    rng = cp.random.default_rng(0)
    X = rng.standard_normal((4000, 60), dtype=cp.float64)
    Y = rng.standard_normal((60, 3000), dtype=cp.float64)
    cp.cuda.Device().synchronize()
    expected = linalg.rsvd(X @ Y, 60, power_iters=1, seed=1).S
    s = cp.cuda.Stream(non_blocking=True)
    with s:
        for _ in range(3):
            A = X @ Y
            A = A @ cp.eye(3000) @ cp.eye(3000)  # keep the stream busy
            got = linalg.rsvd(A, 60, power_iters=1, seed=1)
        s.synchronize()
    np.testing.assert_allclose(cp.asnumpy(got.S), cp.asnumpy(expected), rtol=1e-10)


def test_dtype_conversions_on_device():
    A = spectrum_matrix(300, 200, 0.8, np.float64, seed=11)
    r16 = linalg.rsvd(cp.asarray(A.astype(np.float16)), 5, seed=0)
    assert r16.U.dtype == np.float32
    ri = linalg.rsvd(cp.asarray((A * 100).astype(np.int64)), 5, seed=0)
    assert ri.S.dtype == np.float64


def test_bad_device_inputs():
    A = cp.asarray(spectrum_matrix(100, 50, 0.8, np.float64))
    with pytest.raises(TypeError, match="complex"):
        linalg.rsvd(A.astype(cp.complex128), 3)
    with pytest.raises(ValueError, match="2-D"):
        linalg.rsvd(A[None], 3)
    B = A.copy()
    B[3, 4] = cp.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        linalg.rsvd(B, 3)
    with pytest.raises(ValueError, match="rank"):
        linalg.rsvd(A, 51)
    # Host and device arrays are not mixed.
    res = linalg.rsvd(A, 3, seed=0)
    with pytest.raises(TypeError, match="host"):
        linalg.estimate_error(cp.asnumpy(A), res)
    host_res = tuple(cp.asnumpy(x) for x in res)
    with pytest.raises(TypeError, match="CuPy|host"):
        linalg.estimate_error(A, host_res)


def harmonic_matrix(m, n, seed=12, order="C"):
    """float32 U diag(1/i) V^T and the best rank-k errors' squares."""
    rng = np.random.default_rng(seed)
    r = min(m, n)
    U, _ = np.linalg.qr(rng.standard_normal((m, r)))
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    s = 1.0 / np.arange(1, r + 1)
    return np.asarray((U * s) @ V.T, dtype=np.float32, order=order), s


def error_ratio(A, r, best):
    return float(np.linalg.norm(A.astype(np.float64) - cp.asnumpy((r.U * r.S) @ r.Vh).astype(np.float64))) / best


def test_float32_mixed_uses_float16_basis_and_exact_pass():
    # s_i = 1/i: the rank-20 answer's relative error (~0.17) is far above
    # float16 rounding, so the float16 basis is used; one exact float32 pass
    # makes the result the exact SVD of A V V^T, as good as float32's (here
    # better: the fast basis is wider).
    m, n, k = 3000, 2000, 20
    A, s = harmonic_matrix(m, n)
    best = np.sqrt(np.sum(s[k:] ** 2))
    Ag = cp.asarray(A)
    full = linalg.rsvd(Ag, k, power_iters=2, seed=3)
    mixed = linalg.rsvd(Ag, k, power_iters=2, seed=3, precision="mixed")
    assert mixed.info["mixed_precision"] and mixed.info["method"].endswith("+exact")
    assert mixed.info["fast_products"] == "float16" and mixed.info["fast_passes"] == 6
    assert mixed.info["basis_size"] == 64  # 30 + max(10, 20 // 2), rounded up to 32s
    assert not full.info["mixed_precision"]
    assert error_ratio(A, mixed, best) < 1.02
    assert error_ratio(A, mixed, best) <= error_ratio(A, full, best) + 2e-3
    # Exact pass: U and V orthonormal to float32 rounding.
    Um, Vm = cp.asnumpy(mixed.U), cp.asnumpy(mixed.Vh)
    assert np.abs(Um.T @ Um - np.eye(k)).max() < 1e-5
    assert np.abs(Vm @ Vm.T - np.eye(k)).max() < 1e-5


@pytest.mark.parametrize("scale, products", [(1e15, "float16"), (1e-12, "float16"), (1e-16, "tf32")])
def test_float32_mixed_scales_into_float16_range(scale, products):
    # A power-of-two scale from ||A||_F brings any A whose norm is within
    # 2^+-60 of float16's range into it (no overflow, no flush to zero);
    # beyond, the fast products are TF32 ones on A itself. Either way the
    # answer is as accurate as for the unscaled A.
    m, n, k = 3000, 2000, 20
    A, s = harmonic_matrix(m, n, seed=5)
    best = np.sqrt(np.sum(s[k:] ** 2))
    As = (A * np.float32(scale)).astype(np.float32)
    r = linalg.rsvd(cp.asarray(As), k, power_iters=1, seed=3, precision="mixed")
    assert r.info["mixed_precision"] and r.info["fast_products"] == products
    assert np.all(np.isfinite(cp.asnumpy(r.S)))
    approx = cp.asnumpy((r.U * r.S) @ r.Vh).astype(np.float64)
    assert np.linalg.norm(As.astype(np.float64) - approx) / (best * scale) < 1.02


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("wide", [False, True])
def test_float32_mixed_layouts(order, wide):
    # C- and F-ordered, tall and wide A: the float16 copy keeps A's stored
    # layout and the products read it with the matching transpose.
    m, n, k = 3000, 2000, 20
    A, s = harmonic_matrix(m, n, seed=7)
    if wide:
        A = A.T
    A = np.asarray(A, order=order)
    best = np.sqrt(np.sum(s[k:] ** 2))
    r = linalg.rsvd(cp.asarray(A), k, power_iters=1, seed=3, precision="mixed")
    assert r.info["fast_products"] == "float16"
    assert r.U.shape == (A.shape[0], k) and r.Vh.shape == (k, A.shape[1])
    assert error_ratio(A, r, best) < 1.02
    Um = cp.asnumpy(r.U)
    assert np.abs(Um.T @ Um - np.eye(k)).max() < 1e-5


def test_float32_mixed_on_a_strided_view():
    # A column slice of a C-ordered array is not contiguous: the copy walks
    # its stored columns with their leading dimension.
    A, _ = harmonic_matrix(3000, 2200, seed=9)
    Ag = cp.asarray(A)[:, 100:2100]
    Ah = cp.asnumpy(Ag)
    sv = np.linalg.svd(Ah.astype(np.float64), compute_uv=False)
    best = np.sqrt(np.sum(sv[20:] ** 2))
    full = linalg.rsvd(Ag, 20, power_iters=1, seed=3)
    r = linalg.rsvd(Ag, 20, power_iters=1, seed=3, precision="mixed")
    assert r.info["fast_products"] == "float16"
    assert error_ratio(Ah, r, best) <= error_ratio(Ah, full, best) + 2e-3


def test_float32_mixed_falls_back_when_too_accurate():
    A = spectrum_matrix(2500, 1800, 0.5, np.float32, seed=13)  # rank-20 error ~ 1e-6
    r = linalg.rsvd(cp.asarray(A), 20, power_iters=1, seed=3, precision="mixed")
    assert not r.info["mixed_precision"]
