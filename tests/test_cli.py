"""The ``linalg`` command: ``info`` and the pluggable ``demo``."""
import re

import pytest

from linalg import cli, demos


def test_every_demo_module_has_the_interface():
    mods = demos.available()
    assert mods, "no demo modules found"
    for name, mod in mods:
        assert callable(getattr(mod, "run", None)), name
        assert isinstance(getattr(mod, "ORDER", None), int), name
        assert isinstance(getattr(mod, "TITLE", None), str), name


def test_rsvd_demo_reports_near_optimal_errors(capsys):
    assert cli.main(["demo", "--quick", "--only", "rsvd"]) == 0
    out = capsys.readouterr().out
    ratios = [float(m) for m in re.findall(r"^dense.*?\s(\d\.\d{4})\s", out, re.M)]
    assert len(ratios) == 4
    assert all(1.0 <= r <= 1.05 for r in ratios)


def test_unknown_demo_is_refused():
    with pytest.raises(SystemExit, match="unknown demo"):
        cli.main(["demo", "--only", "nope"])


def test_info_names_the_blas_source(capsys):
    assert cli.main(["info"]) == 0
    assert "BLAS/LAPACK" in capsys.readouterr().out
