"""Packaging: every Python package folder is listed in pyproject.toml, so a wheel (not only an
editable install) carries all of recdb, and the wheel carries no test support."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
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


# Test support that lives under tests/ and must never be installed (it once shipped in the package).
TEST_ONLY = ("fakes.py", "scoring_fakes.py", "devdata.py", "testhook.py", "fixtures.sql", "synthetic.sql")


def test_the_wheel_holds_the_product_and_no_test_support(tmp_path: Path) -> None:
    """Build the wheel from a clean copy (a stale build/ folder could add removed files) and list it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in config["package-dir"].values():
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    done = subprocess.run([*build, "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("recdb-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        files = set(archive.namelist())
        hooks = [n for n in files if "RECDB_TEST_" in archive.read(n).decode("utf-8", errors="replace")]

    shipped = [n for n in files if n.rsplit("/", 1)[-1] in TEST_ONLY or n == "recdb/sql/nightly/checks.sql"]
    assert not shipped, f"test support in the wheel: {sorted(shipped)}"
    assert not [n for n in files if n.startswith("tests/")], "tests/ in the wheel"
    assert not hooks, f"test hooks in the product: {hooks}"
    expected = {"recdb/ingest/releases.json"}
    for package, folder in config["package-dir"].items():
        prefix = package.replace(".", "/")
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
                expected.add(f"{prefix}/{path.relative_to(ROOT / folder).as_posix()}")
    missing = expected - files
    assert not missing, f"not in the wheel: {sorted(missing)}"
    modules = [p for p in config["packages"] if not p.startswith("recdb.sql.")]  # sql/ folders: data only
    assert {f"{p.replace('.', '/')}/__init__.py" for p in modules} <= files
