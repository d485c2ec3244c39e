"""Settings: precedence, error messages, and config.example.toml documenting every setting."""

from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from pathlib import Path

import pytest
from pydantic import BaseModel

from recdb.errors import ConfigError
from recdb.settings import Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def _setting_names(model: type[BaseModel], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _setting_names(annotation, f"{prefix}{name}.")
        else:
            names.add(f"{prefix}{name}")
    return names


def _toml_names(table: dict[str, object], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for key, value in table.items():
        if isinstance(value, dict):
            names |= _toml_names(value, f"{prefix}{key}.")
        else:
            names.add(f"{prefix}{key}")
    return names


def _commented_names(text: str) -> set[str]:
    """Settings written as commented-out lines (`# key = value`) under their [section]."""
    names: set[str] = set()
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1] + "."
        elif stripped.startswith("# ") and " = " in stripped:
            key = stripped[2:].split(" = ", 1)[0].strip()
            if key.isidentifier():
                names.add(section + key)
    return names


def test_example_config_documents_every_setting() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = _toml_names(tomllib.loads(text)) | _commented_names(text)
    missing = _setting_names(Settings) - documented
    assert not missing, f"config.example.toml does not document: {sorted(missing)}"
    unknown = _toml_names(tomllib.loads(text)) - _setting_names(Settings)
    assert not unknown, f"config.example.toml sets unknown settings: {sorted(unknown)}"


def test_example_config_parses_and_matches_defaults() -> None:
    loaded = load_settings(EXAMPLE)
    # The file's relative paths are relative to its folder (the defaults, to the working directory).
    expected = {
        section: {name: EXAMPLE.parent / v if isinstance(v, Path) else v for name, v in fields.items()}
        for section, fields in Settings().model_dump().items()
    }
    assert loaded.model_dump() == expected, "the example should show the defaults"


def test_precedence_cli_over_env_over_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "recdb.toml"
    config.write_text("[train]\nepochs = 3\nseed = 11\nbatch_size = 99\n", encoding="utf-8")
    monkeypatch.setenv("RECDB_TRAIN__EPOCHS", "4")
    monkeypatch.setenv("RECDB_TRAIN__SEED", "12")
    settings = load_settings(config, {"train": {"epochs": 5, "seed": None}})
    assert settings.train.epochs == 5  # command line wins
    assert settings.train.seed == 12  # environment beats the file
    assert settings.train.batch_size == 99  # file beats the default
    assert settings.train.learning_rate == Settings().train.learning_rate


def test_recdb_config_env_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[score]\nk = 7\n", encoding="utf-8")
    monkeypatch.setenv("RECDB_CONFIG", str(config))
    assert load_settings().score.k == 7


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("[train]\nepochs = 0\n", {}, "train.epochs"),
        ("[train]\nepoch = 3\n", {}, "train.epoch"),
        ("[nosuch]\nx = 1\n", {}, "nosuch"),
        ("", {"RECDB_SCORE__K": "many"}, "RECDB_SCORE__K"),
        ("[model]\narchitecture = 'bert'\n", {}, "model.architecture"),
    ],
)
def test_invalid_setting_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, env: dict[str, str], expected: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml, encoding="utf-8")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert expected in str(info.value)


def test_unparseable_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("[train\nepochs = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.toml"):
        load_settings(config)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
