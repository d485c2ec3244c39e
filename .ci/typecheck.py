"""Type-check recdb as it is installed: ``recdb.jobs`` and ``recdb.model`` included.

pyproject.toml maps ``recdb.jobs`` to ``jobs/`` and ``recdb.model`` to ``model/`` (package-dir). mypy
knows nothing of that mapping, and ``ignore_missing_imports`` would make every ``from recdb.model
import ...`` silently ``Any``. So this script lays the installed tree out as symbolic links under
``build/typecheck/`` (``recdb/`` with ``jobs`` and ``model`` inside) and runs mypy there with the
project's settings; errors name the installed module paths (``recdb/model/towers.py``).

    .venv/bin/python .ci/typecheck.py        # what `make lint` runs
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "build" / "typecheck"


def lay_out() -> None:
    """``build/typecheck/recdb/...``: one link per file or folder, each package at its installed place."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapping: dict[str, str] = config["package-dir"]
    shutil.rmtree(TREE / "recdb", ignore_errors=True)
    (TREE / "recdb").mkdir(parents=True)
    for entry in sorted((ROOT / mapping["recdb"]).iterdir()):
        if entry.name != "__pycache__":
            (TREE / "recdb" / entry.name).symlink_to(entry)
    for package, folder in mapping.items():
        if package.startswith("recdb."):  # recdb.jobs -> jobs/, recdb.model -> model/, recdb.sql -> sql/
            (TREE / Path(*package.split("."))).symlink_to(ROOT / folder)


def main() -> int:
    lay_out()
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "recdb"]
    return subprocess.run(command, cwd=TREE, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
