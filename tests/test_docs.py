"""The examples in the public docstrings run and give what they show.

Every public module of the package (no leading underscore; the CLI and the
demos excepted) is collected automatically and must carry examples.
"""
import doctest
import importlib
import pkgutil

import pytest

import linalg

SKIP = ("linalg.cli", "linalg.demos")


def public_modules():
    names = ["linalg"]
    for m in pkgutil.walk_packages(linalg.__path__, "linalg."):
        if any(part.startswith("_") for part in m.name.split(".")):
            continue
        if m.name.startswith(SKIP):
            continue
        names.append(m.name)
    return sorted(names)


@pytest.mark.parametrize("module", public_modules())
def test_docstring_examples(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module} has no examples"
    assert result.failed == 0
