"""Packaging: every Python package folder is listed in pyproject.toml, so a wheel (not only an
editable install) carries all of recdb."""

from __future__ import annotations

import importlib
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


LAZY_PACKAGES = ("recdb.training", "recdb.scoring", "recdb.evaluation", "recdb.nightly")


def test_lazy_packages_import_without_torch() -> None:
    """The CLI imports these packages for every command; torch/matplotlib must wait until a name is used."""
    code = (
        f"import sys; import {', '.join(LAZY_PACKAGES)}; "
        "print(','.join(m for m in ('torch', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported eagerly: {out.stdout.strip()}"


def test_lazy_exports_resolve() -> None:
    """Every name in a lazy package's ``__all__`` resolves (the name → submodule map has no gap)."""
    for name in LAZY_PACKAGES:
        package = importlib.import_module(name)
        for export in package.__all__:
            assert getattr(package, export).__name__ == export, f"{name}.{export}"
