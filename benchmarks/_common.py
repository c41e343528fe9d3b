"""Shared helpers for the benchmarks in this folder.

Timing (median of repeats with a cap for slow calls), GEMM-rate measurement,
the standard problem generators of ``shared/BENCHMARKS.md`` and the accuracy
metrics, plus a description of the machine for ``RESULTS.md``.

Everything here is plain NumPy/SciPy so that the peers and this project are
measured by the same code on the same inputs.
"""

from __future__ import annotations

import datetime
import functools
import gc
import os
import platform
import time

import numpy as np

#: Error-ratio target of P1/P2 (``‖A−UΣVᴴ‖_F / best rank-k error``).
TARGET_RATIO = 1.01

#: Environment variables worth recording next to the results.
ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------

def timed(fn, repeats=3, cap=20.0, settle=0.1):
    """Call ``fn()`` up to ``repeats`` times and return ``(median_s, out, runs)``.

    ``out`` is the value of the last call. A call that takes longer than
    ``cap`` seconds ends the repeats, so a slow peer runs once. The cyclic
    garbage collector is off during a call (as in ``timeit``; a full
    collection costs ~0.1 s once torch is loaded, so none is forced either),
    and before each call the process sleeps ``settle`` seconds so that thread
    pools spinning after the previous call (OpenBLAS, OpenMP) do not steal
    cores from the timed one.
    """
    times = []
    out = None
    enabled = gc.isenabled()
    try:
        for _ in range(max(1, repeats)):
            out = None
            if settle > 0:
                time.sleep(settle)
            gc.disable()
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
            if enabled:
                gc.enable()
            if times[-1] > cap:
                break
    finally:
        if enabled:
            gc.enable()
    return float(np.median(times)), out, len(times)


def gemm_rate(A, l, repeats=3, seed=1):
    """Measured GEMM rate (flop/s) for the two product shapes of a pass over A.

    Times ``A @ Ω`` (m×n·n×l) and ``Aᵀ @ Q`` (n×m·m×l) in A's dtype, each the
    median of ``repeats``, and returns ``4·m·n·l / (t₁ + t₂)``: the rate a
    randomized SVD's passes over A can reach at best.
    """
    m, n = A.shape
    rng = np.random.default_rng(seed)
    omega = rng.standard_normal((n, l)).astype(A.dtype)
    q = rng.standard_normal((m, l)).astype(A.dtype)
    t1, _, _ = timed(lambda: A @ omega, repeats, cap=np.inf, settle=0.0)
    t2, _, _ = timed(lambda: A.T @ q, repeats, cap=np.inf, settle=0.0)
    return 4.0 * m * n * l / (t1 + t2)


def bf16_gemm_rate(A, l, repeats=3, seed=1):
    """As gemm_rate, for linalg's bfloat16 products on the AMX units
    (``_core.bf16_product``: A and the block rounded to bfloat16, float32
    accumulation; the copy of A is made once, outside the timing). None
    where the CPU has no AMX."""
    from linalg import _core

    m, n = A.shape
    if not _core.amx_bf16_available():
        return None
    rng = np.random.default_rng(seed)
    A32 = np.asarray(A, dtype=np.float32)
    omega = np.asfortranarray(rng.standard_normal((n, l)).astype(np.float32))
    q = np.asfortranarray(rng.standard_normal((m, l)).astype(np.float32))
    # bf16_product packs A on every call: one call with 1 product and one with
    # 1 + R products on the same copy; the difference is R products.
    R = 4
    rate = []
    for x, tr in ((omega, False), (q, True)):
        t1, _, _ = timed(lambda: _core.bf16_product(A32, x, tr, 1), repeats, cap=np.inf, settle=0.0)
        tR, _, _ = timed(lambda: _core.bf16_product(A32, x, tr, 1 + R), repeats, cap=np.inf, settle=0.0)
        rate.append(max(tR - t1, 1e-6) / R)
    return 4.0 * m * n * l / sum(rate)


def peak_gemm_rate(dtype, size=4000, repeats=3, seed=1):
    """Flop rate of a square ``size``³ GEMM in ``dtype`` (the machine's peak)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    a @ b  # warm the thread pool
    t, _, _ = timed(lambda: a @ b, repeats, cap=np.inf, settle=0.0)
    return 2.0 * size ** 3 / t


# --------------------------------------------------------------------------
# problem generators (shared/BENCHMARKS.md)
# --------------------------------------------------------------------------

def haar(rng, m, n):
    """m×n matrix with Haar-distributed orthonormal columns (m ≥ n).

    ``Q·diag(sign(diag R))`` from the QR of an m×n standard Gaussian drawn
    from ``rng``.
    """
    q, r = np.linalg.qr(rng.standard_normal((m, n)))
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    return q


@functools.lru_cache(maxsize=1)
def _dense_factors(m, n, seed):
    """Haar factors ``U`` (m×n) then ``V`` (n×n), drawn in that order.

    Cached so that P1 and P2 (same factors, other spectrum) share one QR;
    call :func:`free_cached` when done with them.
    """
    rng = np.random.default_rng(seed)
    u = haar(rng, m, n)
    v = haar(rng, n, n)
    u.flags.writeable = False
    v.flags.writeable = False
    return u, v


def free_cached():
    """Drop the cached dense factors and collect garbage."""
    _dense_factors.cache_clear()
    gc.collect()


def spectrum(kind, n):
    """Singular values ``σ₁..σₙ``: ``"inv"`` → 1/i (P1), ``"exp"`` → exp(−i/20) (P2)."""
    i = np.arange(1, n + 1, dtype=np.float64)
    if kind == "inv":
        return 1.0 / i
    if kind == "exp":
        return np.exp(-i / 20.0)
    raise ValueError(f"unknown spectrum {kind!r}")


def dense_problem(m, n, kind, seed=0):
    """P1/P2 input: C-ordered float64 ``A = U·diag(σ)·Vᵀ`` (m×n, m ≥ n) and ``σ``.

    ``U`` and ``V`` come from :func:`haar` with ``default_rng(seed)``. The
    float32 variant of a problem is this array cast to float32 (same input).
    """
    u, v = _dense_factors(m, n, seed)
    sigma = spectrum(kind, n)
    return (u * sigma) @ v.T, sigma


def sparse_problem(m, n, nnz, seed=0):
    """P3 input: CSR float64 m×n with exactly ``nnz`` N(0,1) entries.

    Positions are drawn uniformly without replacement (``default_rng(seed)``
    ``choice`` over the m·n flat indices), then the values.
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    flat = rng.choice(m * n, size=nnz, replace=False)
    vals = rng.standard_normal(nnz)
    A = sp.csr_matrix((vals, (flat // n, flat % n)), shape=(m, n))
    A.sum_duplicates()
    return A


# --------------------------------------------------------------------------
# metrics (all in float64)
# --------------------------------------------------------------------------

def _row_chunks(m, n, budget=64 << 20):
    """Row slices of an m×n matrix whose float64 copy fits ``budget`` bytes."""
    step = max(1, budget // (8 * max(n, 1)))
    return [slice(i, min(i + step, m)) for i in range(0, m, step)]


def frob2(A):
    """‖A‖_F² in float64 (dense: chunked upcast; sparse: from the stored values)."""
    if hasattr(A, "tocsr"):
        d = np.asarray(A.data, dtype=np.float64)
        return float(d @ d)
    total = 0.0
    for s in _row_chunks(*A.shape):
        c = np.asarray(A[s], dtype=np.float64).ravel()
        total += float(c @ c)
    return total


def _ut_a(A, U):
    """``Uᵀ·A`` (k×n) in float64 for dense (chunked upcast) or sparse A."""
    U = np.asarray(U, dtype=np.float64)
    if hasattr(A, "tocsr"):
        return np.asarray((A.T @ U).T)
    if A.dtype == np.float64:
        return U.T @ A
    out = np.zeros((U.shape[1], A.shape[1]))
    for s in _row_chunks(*A.shape):
        out += U[s].T @ A[s].astype(np.float64)
    return out


def residual_norm(A, U, S, Vh, a_norm2=None):
    """‖A − U·diag(S)·Vh‖_F in float64 without forming the m×n residual.

    Uses ‖A−UΣVᴴ‖² = ‖A‖² − 2·Σᵢ sᵢ·(UᵀA)ᵢ·vᵢ + Sᵀ((UᵀU)∘(VhVhᵀ))S, which
    holds for any U, Vh (orthonormal or not) and costs one k×m×n product.
    The cancellation loses about log10(‖A‖²/residual²) digits of 16; for the
    standard problems that leaves ≥ 10 correct digits.
    """
    U = np.asarray(U, dtype=np.float64)
    S = np.asarray(S, dtype=np.float64)
    Vh = np.asarray(Vh, dtype=np.float64)
    if a_norm2 is None:
        a_norm2 = frob2(A)
    cross = np.einsum("ij,ij->i", _ut_a(A, U), Vh) @ S
    approx = S @ ((U.T @ U) * (Vh @ Vh.T)) @ S
    return float(np.sqrt(max(a_norm2 - 2.0 * cross + approx, 0.0)))


def error_ratio(A, U, S, Vh, sigma, k, a_norm2=None):
    """P1/P2 metric: ‖A−UΣVᴴ‖_F / (Σ_{i>k} σᵢ²)^{1/2} with σ the generated spectrum.

    Only the first ``k`` triplets of the result are used.
    """
    tail = float(np.sqrt(np.sum(np.asarray(sigma[k:], np.float64) ** 2)))
    return residual_norm(A, U[:, :k], S[:k], Vh[:k], a_norm2) / tail


def captured_energy(S, sigma_ref, k):
    """P3 metric: Σ_{i≤k} sᵢ² / Σ_{i≤k} σᵢ² with σ the reference (ARPACK) values."""
    s = np.sort(np.asarray(S, np.float64))[::-1][:k]
    ref = np.sort(np.asarray(sigma_ref, np.float64))[::-1][:k]
    return float(s @ s / (ref @ ref))


def rayleigh_gap(A, U, S, Vh, k):
    """max_i |uᵢᵀ·A·vᵢ − sᵢ| / s₁: 0 when the returned S is what U, Vh capture.

    A guard for the energy metric, which trusts the returned S.
    """
    U = np.asarray(U[:, :k], np.float64)
    Vh = np.asarray(Vh[:k], np.float64)
    S = np.asarray(S[:k], np.float64)
    ray = np.einsum("ij,ij->i", _ut_a(A, U), Vh)
    return float(np.max(np.abs(ray - S)) / max(S.max(), 1e-300))


# --------------------------------------------------------------------------
# machine description and markdown
# --------------------------------------------------------------------------

def _cpu_model():
    """CPU model name from /proc/cpuinfo (or platform.processor())."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_gib():
    """Total memory in GiB from /proc/meminfo, or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) / 2 ** 20
    except OSError:
        return None
    return None


def _version(name):
    """``module.__version__`` or ``"not installed"``."""
    try:
        mod = __import__(name)
    except Exception:  # ImportError, or a broken install
        return "not installed"
    return str(getattr(mod, "__version__", "unknown"))


def machine_info():
    """Ordered (key, value) pairs describing the machine, libraries and BLAS."""
    info = [
        ("date", datetime.datetime.now().isoformat(timespec="seconds")),
        ("cpu", _cpu_model()),
        ("cores (usable)", f"{os.cpu_count()} ({len(os.sched_getaffinity(0))})"),
        ("memory", f"{_mem_gib():.1f} GiB" if _mem_gib() else "unknown"),
        ("python", platform.python_version()),
    ]
    for name in ("numpy", "scipy", "sklearn", "torch", "fbpca", "linalg"):
        info.append((name, _version(name)))
    try:
        from threadpoolctl import threadpool_info

        for d in threadpool_info():
            if d.get("user_api") == "blas":
                info.append(("BLAS " + os.path.basename(d.get("filepath", "")),
                             f"{d.get('internal_api')} {d.get('version')}, "
                             f"kernel {d.get('architecture')}, "
                             f"{d.get('num_threads')} threads"))
    except ImportError:
        info.append(("BLAS", "threadpoolctl not installed"))
    try:
        import torch

        cfg = torch.__config__.show()
        blas = next((p.split("=", 1)[1] for p in cfg.replace(",", " ").split()
                     if p.startswith("BLAS_INFO=")), "unknown")
        info.append(("torch BLAS", f"{blas}, {torch.get_num_threads()} threads"))
    except ImportError:
        pass
    for var in ENV_VARS:
        info.append(("env " + var, os.environ.get(var, "(unset)")))
    return info


def fmt(x, spec=".3g"):
    """Format a number for a table; ``None`` → "—", strings pass through."""
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    return format(x, spec)


def md_table(headers, rows):
    """GitHub markdown table from a header list and rows of cells."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# RESULTS.md: one section per benchmark script
# --------------------------------------------------------------------------

RESULTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
RESULTS_TITLE = ("# Benchmark results\n\n"
                 "Each section below is written by the benchmark script it names "
                 "(do not edit by hand); each carries the machine it ran on. "
                 "See `benchmarks/README.md` for the columns.\n")


def write_section(name, text, path=RESULTS_PATH):
    """Put ``text`` into ``RESULTS.md`` as section ``name``.

    The file is a title followed by sections delimited by
    ``<!-- begin NAME -->`` / ``<!-- end NAME -->`` lines. The section named
    ``name`` is replaced in place (other scripts' sections are kept as they
    are), or appended when it is new.
    """
    import re

    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{begin}\n{text.strip()}\n{end}\n"
    try:
        with open(path) as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    if begin not in old:
        # A file without sections (the old single-script format) is replaced.
        body = old if "<!-- begin " in old else RESULTS_TITLE
        new = body.rstrip("\n") + "\n\n" + block
    else:
        pat = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
        new = pat.sub(lambda _: block, old, count=1)
    with open(path, "w") as f:
        f.write(new)
    return path
