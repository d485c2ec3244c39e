"""Lazy package exports (PEP 562), shared by the subpackages whose modules import torch or polars.

``import recdb.training`` (done by the CLI for every command, even ``recdb status``) must not import
torch, polars or matplotlib: that alone takes seconds. So a package's ``__init__`` names its exports in
``__all__`` and a ``TYPE_CHECKING`` import block (for type checkers and editors), and resolves them at
run time through the ``__getattr__`` made here, which imports the submodule only on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_getattr(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` is looked up in ``package.<homes[name]>``.

    Names not in ``homes`` raise AttributeError, so ``from package import submodule`` still falls back to
    importing the submodule. Nothing is cached: the submodule's current attribute is returned each time,
    so a test that monkeypatches it is seen through the package too.
    """
    homes = dict(homes)

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return __getattr__
