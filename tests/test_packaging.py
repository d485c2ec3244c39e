"""Packaging: every Python package folder is listed in pyproject.toml, so a wheel (not only an
editable install) carries all of recdb."""

from __future__ import annotations

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
