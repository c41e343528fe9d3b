"""The examples in the public docstrings run and give what they show."""
import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["linalg", "linalg.rsvd", "linalg.testing", "linalg.testing.bounds",
                                    "linalg.testing.strategies"])
def test_docstring_examples(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module} has no examples"
    assert result.failed == 0
