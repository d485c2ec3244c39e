"""Packaging: every Python package folder is listed in pyproject.toml, so a wheel (not only an
editable install) carries all of recdb."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {folder: package for package, folder in config["package-dir"].items()}
    found = set()
    for top, package in folders.items():
        for init in (ROOT / top).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / top)
            found.add(".".join([package, *relative.parts]))
    missing = found - set(config["packages"])
    assert not missing, f"add to [tool.setuptools] packages: {sorted(missing)}"


def test_every_sql_folder_is_a_package_with_its_files() -> None:
    """Each sql/ folder is listed (else setuptools warns it "would be ignored") and ships its .sql files."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {f"recdb.sql.{p.parent.name}" for p in (ROOT / "sql").glob("*/*.sql")} | {"recdb.sql"}
    assert folders <= set(config["packages"]), sorted(folders - set(config["packages"]))
    assert all("*.sql" in config["package-data"].get(package, []) for package in folders)


# What the CLI must not import before a command runs: each costs from a tenth of a second to seconds.
HEAVY = ("torch", "polars", "duckdb", "pyarrow", "numpy", "matplotlib", "scipy")


def test_cli_imports_no_heavy_library() -> None:
    """``recdb --help`` loads the command modules only; each imports the library inside its body."""
    code = f"import sys; import recdb.jobs.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at start-up: {out.stdout.strip()}"
