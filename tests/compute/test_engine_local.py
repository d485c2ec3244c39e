"""The engine setting without Ray: the local engine never imports it, and asking for Ray without it
installed is a usage error that says how to install it."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from recdb.compute.cluster import INSTALL_HINT, import_ray
from recdb.compute.stages import stage_engine
from recdb.errors import ConfigError, ExitCode
from recdb.settings import Settings, load_settings
from tests.nightly.nightly_support import tiny_env

# A whole nightly (load, train, score, evaluate) in a fresh process on the local engine, then Ray's absence.
_NIGHTLY_THEN_CHECK = """
import sys
from recdb.nightly.pipeline import run_nightly
from recdb.settings import load_settings
result = run_nightly(load_settings())
assert result.status == "succeeded", result
loaded = sorted(m for m in sys.modules if m == "ray" or m.startswith("ray."))
print("RAY_MODULES", loaded)
"""


@pytest.mark.slow
def test_a_local_nightly_never_imports_ray(settings: Settings) -> None:
    env = tiny_env(settings, RECDB_TRAIN__EPOCHS="1", RECDB_NIGHTLY__EVALUATE="true")
    done = subprocess.run(
        [sys.executable, "-c", _NIGHTLY_THEN_CHECK], env=env, text=True, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RAY_MODULES []" in done.stdout


def test_the_ray_engine_without_ray_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def no_ray(name: str, package: str | None = None) -> object:
        if name == "ray" or name.startswith("ray."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_ray)
    with pytest.raises(ConfigError, match="pip install 'recdb\\[ray\\]'") as caught:
        import_ray()
    assert caught.value.exit_code == ExitCode.USAGE
    assert INSTALL_HINT in str(caught.value)


def test_engine_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"compute\.engine"):
        load_settings(overrides={"compute": {"engine": "spark"}})
    with pytest.raises(ConfigError, match=r"compute\.workers"):
        load_settings(overrides={"compute": {"workers": 0}})


def test_the_stages_on_ray_are_recorded_with_their_workers() -> None:
    on_ray = load_settings(overrides={"compute": {"engine": "ray", "workers": 3}})
    stages = ("load", "train", "score", "evaluate")
    assert [stage_engine(on_ray, s) for s in stages] == [("local", 1), ("ray", 3), ("ray", 3), ("ray", 3)]
    assert {stage_engine(load_settings(), s) for s in stages} == {("local", 1)}
