"""The Python API's examples (recdb/api.py's docstrings) run as doctests on a published database."""

from __future__ import annotations

import doctest

import recdb.api
from tests.consumers.conftest import Published


def test_the_api_doctests_pass(published: Published) -> None:
    result = doctest.testmod(
        recdb.api, extraglobs={"db": published.db}, optionflags=doctest.ELLIPSIS, report=True, verbose=False
    )
    assert result.attempted >= 8 and result.failed == 0


def test_importing_recdb_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, recdb; print(sorted(m for m in ('torch', 'polars', 'duckdb') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], text=True, capture_output=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
    assert recdb.__all__ == ["__version__", "connect", "predict", "recommend", "recommendations"]
