"""Settings: one ``pydantic-settings`` model with nested sections, loaded once at the entry point.

Precedence, highest first: command-line options (passed in as ``overrides``) > environment variables
(``RECDB_`` prefix, ``__`` between section and field, e.g. ``RECDB_TRAIN__EPOCHS=5``) > a TOML file
(``--config FILE`` or ``RECDB_CONFIG``) > the defaults below. ``config.example.toml`` documents every
field; ``tests/test_settings.py`` fails when one is missing there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from recdb.config_paths import resolve_paths
from recdb.errors import ConfigError


class Section(BaseModel):
    """A settings section: unknown keys are errors, so a typo in the TOML file is caught."""

    model_config = ConfigDict(extra="forbid")


# More threads than any machine recdb runs on has cores: DuckDB and torch start them all, and a typo
# such as 100000 ran for minutes creating 12,503 threads (hostile testing #41).
MAX_THREADS = 1024
# DuckDB's size syntax ("4GB", "512 MiB", "1.5GB") or a share of RAM ("80%").
_MEMORY_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB|%)\s*$", re.IGNORECASE)
_MEMORY_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
_MEMORY_UNITS.update({"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40})
# Below this DuckDB cannot run recdb's queries (a load or a migration fails "out of memory").
MIN_MEMORY_LIMIT = 64 * 2**20
# What DuckDB's storage_compatibility_version accepts: a release ("v1.0.0") or "latest".
_STORAGE_VERSION = re.compile(r"^(v\d+\.\d+\.\d+|latest)$")


class DatabaseSettings(Section):
    path: Path = Path("var/recdb.duckdb")
    threads: int | None = Field(None, ge=1, le=MAX_THREADS)
    memory_limit: str | None = None
    checkpoint_dir: Path = Path("var/models")
    # The DuckDB storage format a new file is created in (and `recdb db upgrade-format` rewrites to):
    # v1.1.0 is read by every DuckDB from 1.1 on (CLIs, IDE drivers, R, older Python environments);
    # DuckDB 1.0 cannot read the primary-key indexes that duckdb 2 writes, whatever the setting.
    storage_compatibility: str = "v1.1.0"
    # The read-only consumer copy written after each publish; None: beside the database
    # (<stem>-serving.duckdb); "": none.
    serving_path: Path | None = None

    @field_validator("storage_compatibility")
    @classmethod
    def _check_storage_compatibility(cls, value: str) -> str:
        if not _STORAGE_VERSION.match(value):
            raise ValueError(f'{value!r} is not a DuckDB version such as "v1.0.0" or "latest"')
        return value

    @field_validator("serving_path", mode="before")
    @classmethod
    def _empty_serving_path(cls, value: Any) -> Any:
        # "" (TOML or RECDB_DATABASE__SERVING_PATH=) turns the copy off: kept apart from None (default).
        return Path("") if value == "" else value

    @model_validator(mode="after")
    def _serving_apart(self) -> DatabaseSettings:
        if self.serving_file() == self.path:
            raise ValueError("serving_path must not be the database itself (path)")
        return self

    def serving_file(self) -> Path | None:
        """Where the consumer copy goes, or None when ``serving_path = ""`` turns it off."""
        if self.serving_path is None:
            return self.path.with_name(f"{self.path.stem}-serving{self.path.suffix or '.duckdb'}")
        return None if self.serving_path == Path("") else self.serving_path

    @field_validator("memory_limit")
    @classmethod
    def _check_memory_limit(cls, value: str | None) -> str | None:
        """Reject what DuckDB would refuse (or choke on) before the value reaches it."""
        if value is None:
            return None
        match = _MEMORY_LIMIT.match(value)
        if match is None:
            raise ValueError(f'{value!r} is not a size such as "4GB", "512MiB" or "80%"')
        number, unit = float(match.group(1)), match.group(2).upper()
        if unit == "%":
            if not 0 < number <= 100:
                raise ValueError(f"{value!r}: a percentage of RAM must be above 0 and at most 100")
        elif number * _MEMORY_UNITS[unit] < MIN_MEMORY_LIMIT:
            raise ValueError(f"{value!r} is below the minimum of 64MiB recdb needs")
        return value.strip()


class DataSettings(Section):
    """Where data comes from (``recdb load``, ``recdb fetch``).

    ``source``: the folder, zip or fetched release name ``recdb load`` reads when given none, or
    ``"demo"`` for the generated demo data. Unset: the demo data only when no config file is used (the
    embedded default); a configured run without it is refused, so a cron job never publishes demo data
    by mistake. ``replace``: let a load replace a different data set (like ``recdb load --replace``).
    """

    source: str | None = None
    cache_dir: Path = Path("var/cache")
    base_url: str = "https://files.grouplens.org/datasets/movielens/"
    download_timeout_s: float = Field(30.0, gt=0)
    replace: bool = False
    # A zip is unpacked before it is read: these caps refuse a zip bomb before it fills the disk.
    max_unpacked_mb: int = Field(4096, ge=1)
    max_zip_ratio: float = Field(50.0, gt=1.0)


class DemoSettings(Section):
    ratings: int = Field(100_000, ge=1_000)
    seed: int = 0
    dir: Path = Path("var/demo-data")


class FeatureSettings(Section):
    title_length: int = Field(15, ge=1)
    max_genres: int = Field(18, ge=1)
    min_word_count: int = Field(1, ge=1)


class ModelSettings(Section):
    architecture: Literal["paper", "hybrid"] = "hybrid"
    embed_dim: int = Field(32, ge=1)
    hidden_dim: int = Field(64, ge=1)
    title_filters: int = Field(8, ge=1)
    title_windows: list[int] = [2, 3, 4, 5]
    word_dim: int = Field(32, ge=1)
    dropout: float = Field(0.2, ge=0.0, lt=1.0)
    id_dropout: float = Field(0.1, ge=0.0, lt=1.0)


class TrainSettings(Section):
    split: Literal["random", "time", "cold_users", "cold_movies"] = "random"
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    valid_fraction: float = Field(0.1, gt=0.0, lt=1.0)
    cold_fraction: float = Field(0.1, gt=0.0, lt=1.0)
    seed: int = 0
    epochs: int = Field(8, ge=1)
    batch_size: int = Field(16384, ge=1)
    learning_rate: float = Field(0.03, gt=0.0)
    # "cosine": the learning rate falls from learning_rate to min_lr_fraction × it over `epochs`
    # (per epoch), so a short run ends converged; "constant": no schedule.
    schedule: Literal["cosine", "constant"] = "cosine"
    min_lr_fraction: float = Field(0.1, gt=0.0, le=1.0)
    weight_decay: float = Field(0.0, ge=0.0)
    patience: int = Field(3, ge=1)
    rank_weight: float = Field(2.0, ge=0.0)
    negatives: int = Field(256, ge=1)
    # The ranking head's softmax runs over the whole catalogue up to this many movies, else over
    # `negatives` popularity-sampled movies with the logQ correction.
    full_softmax_max: int = Field(10_000, ge=0)
    # Users whose full-softmax ranking loss each step computes (cycling through all users).
    rank_users: int = Field(1024, ge=1)
    # NDCG@10 / P@10 during training (per epoch on valid, and the models table's test figures) average
    # over a fixed sample of at most this many users; MAE / RMSE always use every rating.
    metric_users: int = Field(10_000, ge=1)
    # Model selection (early stopping) minimises valid RMSE - select_ndcg_weight * valid NDCG@10.
    select_ndcg_weight: float = Field(1.0, ge=0.0)
    # Hybrid lists rank by watch score + γ × predicted rating (see model/towers.py). "auto": γ is the
    # value of `rank_blend_grid` with the best valid NDCG@10, chosen after training; a number fixes γ.
    rank_blend: Literal["auto"] | Annotated[float, Field(ge=0.0)] = "auto"
    rank_blend_grid: list[Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0, 1.5], min_length=1
    )
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    threads: int | None = Field(None, ge=1, le=MAX_THREADS)
    # `recdb train` then refits the model on every rating (train+valid+test) with its best epoch and
    # γ fixed (recdb/training/refit.py); the nightly has its own switch, nightly.refit.
    refit: bool = False
    # 0: the refit trains from scratch for the best epoch's count of epochs; N > 0: it starts from the
    # evaluated model's weights and runs N epochs (the last N of the schedule up to the best epoch).
    refit_warm_epochs: int = Field(1, ge=0)
    # The hybrid's item-item term (model/itemitem.py): lists add w × (user's history · B), B the EASE
    # weights (λ = item_lambda) fitted after training over the item_max_movies most rated training
    # movies (0: no term; fitting needs ~4 × n² bytes and n³ work). "auto": w is the item_blend_grid
    # value with the best valid NDCG@10; a number fixes it.
    item_max_movies: int = Field(4000, ge=0)
    item_lambda: float = Field(500.0, gt=0.0)
    item_blend: Literal["auto"] | Annotated[float, Field(ge=0.0)] = "auto"
    item_blend_grid: list[Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=lambda: [0.0, 4.0, 8.0, 16.0], min_length=1
    )
    # The hybrid's rating term (model/itemitem.py): predicted ratings add α × (the user's residuals
    # r − r̂ on their known ratings · W), W EASE's closed form on the residual matrix of the training
    # ratings (λ = rating_item_lambda) over the same item_max_movies head movies. "auto": α is the
    # rating_item_blend_grid value with the best valid RMSE; a number fixes it (0: no term).
    rating_item_lambda: float = Field(10000.0, gt=0.0)
    rating_item_blend: Literal["auto"] | Annotated[float, Field(ge=0.0)] = "auto"
    rating_item_blend_grid: list[Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=lambda: [0.0, 4.0, 8.0, 12.0, 16.0, 20.0], min_length=1
    )


class ScoreSettings(Section):
    # k <= 10,000: recommendations.rank is a SMALLINT, and longer lists are not recommendations.
    k: int = Field(100, ge=1, le=10_000)
    # Users per scoring chunk: peak memory ~ chunk_users x movies x 5 bytes (scores + mask).
    chunk_users: int = Field(2048, ge=1)
    retain_runs: int = Field(7, ge=1)
    # Each recommendation's reason (because_movie_id) is the closest of at most this many of the user's
    # liked movies (highest rated first); bounds the reasons' cost for heavy raters. 0: all of them.
    reason_candidates: int = Field(16, ge=0)


class EvaluateSettings(Section):
    relevance_threshold: float = 4.0
    max_k: int = Field(50, ge=1)
    neighbors: int = Field(50, ge=1)
    similarity: Literal["cosine", "pearson"] = "cosine"
    ease_lambda: float = Field(500.0, gt=0.0)
    report_dir: Path = Path("var/reports")
    chunk_users: int = Field(1024, ge=1)
    max_dense_gb: float = Field(2.0, ge=0.0)
    max_users: int | None = Field(None, ge=1)


class NightlySettings(Section):
    force: bool = False
    # Start training from the newest ready model's weights instead of from scratch (a full retrain,
    # with a warning, when that model's checkpoint is missing or its model settings differ).
    warm_start: bool = False
    evaluate: bool = True
    # `recdb status` alerts when the published recommendations (or a held lock) are older than this.
    alert_age_hours: float = Field(26.0, gt=0)
    # Retention at the end of a successful nightly (0 keeps everything): checkpoints of the newest N
    # ready models (the served and the newest one always stay), report folders and `evaluations`
    # rows of the newest N evaluation runs.
    retain_models: int = Field(7, ge=0)
    retain_reports: int = Field(7, ge=0)
    retain_evaluations: int = Field(30, ge=0)
    # Serve a refit on every rating (the split-trained model is evaluated and gated, the refit scored).
    refit: bool = True
    # The gate before publishing: the new split-trained model against the one behind the published lists,
    # both on today's test part; refused when any metric is worse by more than gate_tolerance (relative).
    # Metrics: rmse, mae (lower is better), ndcg@10, precision@10 (higher is better); [] turns it off.
    gate_metrics: list[Literal["rmse", "mae", "ndcg@10", "precision@10"]] = ["ndcg@10", "rmse"]
    gate_tolerance: float = Field(0.02, ge=0.0)
    # Publish even when the gate refuses (recorded as 'forced'); `recdb nightly --force-publish`.
    force_publish: bool = False
    # `recdb status --check` alerts when the published run's overlap@10 with the previous published
    # run (score_run_quality.overlap_at_10) is below this; 0 disables the alert.
    min_list_overlap: float = Field(0.3, ge=0.0, le=1.0)


class ComputeSettings(Section):
    """Where training, scoring and evaluation's ranking run (docs/scaling.md): in this process, or on a
    Ray cluster.

    ``ray_address`` unset starts a local cluster of ``workers`` × ``cpus_per_worker`` CPUs;
    ``exchange_dir`` is a local folder or a URI pyarrow's filesystems understand (``s3://...``): the
    training shards and the scored parts pass through it, so a real cluster needs shared storage.
    """

    engine: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    workers: int = Field(2, ge=1, le=MAX_THREADS)
    cpus_per_worker: float = Field(1.0, gt=0.0)
    gpus_per_worker: float = Field(0.0, ge=0.0)
    exchange_dir: str = "var/exchange"
    # Ray retries a scoring or ranking block whose actor died this many times before the run fails.
    max_retries: int = Field(3, ge=0)


class LogSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: Path | None = None
    json_format: bool = False


class Settings(BaseSettings):
    """All of recdb's settings. Build with :func:`load_settings`, never at import time."""

    model_config = SettingsConfigDict(
        env_prefix="RECDB_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    database: DatabaseSettings = DatabaseSettings()
    data: DataSettings = DataSettings()
    demo: DemoSettings = DemoSettings()
    features: FeatureSettings = FeatureSettings()
    model: ModelSettings = ModelSettings()
    train: TrainSettings = TrainSettings()
    score: ScoreSettings = ScoreSettings()
    evaluate: EvaluateSettings = EvaluateSettings()
    nightly: NightlySettings = NightlySettings()
    compute: ComputeSettings = ComputeSettings()
    log: LogSettings = LogSettings()

    # The TOML file these settings were read from (None: the embedded default). Not a setting: set by
    # load_settings, read where the embedded default behaves differently (the demo data fallback).
    _config_file: Path | None = PrivateAttr(default=None)

    @property
    def config_file(self) -> Path | None:
        """The config file in use (``--config`` / ``RECDB_CONFIG``), or None when there is none."""
        return self._config_file

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = _TOML_PATH.get("path")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path is not None:
            sources.append(_TomlSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


class _TomlSource(TomlConfigSettingsSource):
    """The TOML file, its relative paths taken relative to the file's folder (:mod:`recdb.config_paths`)."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        data = super()._read_file(file_path)
        return resolve_paths(data, Path(os.path.abspath(file_path)).parent, Settings)


# The TOML path is chosen at run time (``--config``), but pydantic-settings asks for sources on the
# class; this holder is read only inside ``load_settings`` while it builds one instance.
_TOML_PATH: dict[str, Path | None] = {}


def load_settings(config: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings once: ``overrides`` (nested dicts from the CLI) > env > TOML > defaults.

    ``config`` defaults to ``$RECDB_CONFIG``. Raises :class:`ConfigError` naming the bad setting.
    """
    if config is None and os.environ.get("RECDB_CONFIG"):
        config = Path(os.environ["RECDB_CONFIG"])
    if config is not None and not config.is_file():
        raise ConfigError(f"config file {config} does not exist (from --config or RECDB_CONFIG)")
    env_backup = os.environ.pop("RECDB_CONFIG", None)  # not a field: keep it out of the env source
    _TOML_PATH["path"] = config
    try:
        settings = Settings(**_drop_none(overrides or {}))
        settings._config_file = Path(os.path.abspath(config)) if config is not None else None
        return settings
    except ValidationError as exc:
        raise ConfigError(_describe(exc, config)) from None
    except ValueError as exc:  # TOML syntax errors surface as ValueError subclasses
        raise ConfigError(f"{config}: cannot parse: {exc}") from None
    finally:
        _TOML_PATH.pop("path", None)
        if env_backup is not None:
            os.environ["RECDB_CONFIG"] = env_backup


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    """Drop options the user did not give, so lower-precedence sources still apply."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            value = _drop_none(value)
            if not value:
                continue
        if value is not None:
            out[key] = value
    return out


def _describe(exc: ValidationError, config: Path | None) -> str:
    """One line per bad setting, named the way the user writes it (section.field / RECDB_ env)."""
    lines = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"])
        env = "RECDB_" + "__".join(str(p) for p in err["loc"]).upper()
        lines.append(f"invalid setting {name} (env {env}): {err['msg']}")
    where = f" (config file {config})" if config else ""
    return "; ".join(lines) + where
