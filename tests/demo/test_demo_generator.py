"""The demo data generator: ML-1M format, determinism, sizes, and structure a model can learn."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from recdb.ingest import demo as demo_module
from recdb.ingest.demo import DEMO_MARKER, generate_demo, make_demo, read_demo_marker
from recdb.ingest.demo_vocab import GENRES
from recdb.ingest.demo_world import demo_sizes
from recdb.jobs.cli import main

SMALL = 20_000


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo") / "small", ratings=SMALL, seed=7)


@pytest.fixture(scope="module")
def default_size(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo") / "default", ratings=100_000, seed=0)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _read(folder: Path, name: str, columns: dict[str, str]) -> pl.DataFrame:
    """Parse a ``::`` file with DuckDB's own CSV reader, as the loader does."""
    return duckdb.read_csv(str(folder / name), sep="::", header=False, quotechar="", columns=columns).pl()


def _ratings(folder: Path) -> pl.DataFrame:
    return _read(folder, "ratings.dat", {"u": "INTEGER", "m": "INTEGER", "r": "INTEGER", "t": "BIGINT"})


def test_same_seed_gives_identical_files_and_another_seed_differs(small: Path, tmp_path: Path) -> None:
    again = generate_demo(tmp_path / "again", ratings=SMALL, seed=7)
    other = generate_demo(tmp_path / "other", ratings=SMALL, seed=8)
    assert _digest(again) == _digest(small)
    assert _digest(other)["ratings.dat"] != _digest(small)["ratings.dat"]


def test_files_have_ml1m_format(small: Path) -> None:
    assert {p.name for p in small.iterdir()} == {
        "users.dat",
        "movies.dat",
        "ratings.dat",
        "README",
        DEMO_MARKER,
    }
    user_line = re.compile(r"^\d+::[MF]::(1|18|25|35|45|50|56)::([0-9]|1[0-9]|20)::\d{5}$")
    genre = "(" + "|".join(re.escape(g) for g in GENRES) + ")"
    movie_line = re.compile(rf"^\d+::[A-Za-z ,]+ \(\d{{4}}\)::{genre}(\|{genre}){{0,2}}$")
    rating_line = re.compile(r"^\d+::\d+::[1-5]::\d{9,10}$")
    for name, pattern in (("users.dat", user_line), ("movies.dat", movie_line), ("ratings.dat", rating_line)):
        lines = (small / name).read_bytes().decode("latin-1").split("\n")
        assert lines[-1] == ""  # newline-terminated like the real files
        bad = [line for line in lines[:-1] if not pattern.match(line)]
        assert not bad, f"{name}: {bad[:3]}"
    assert "generated demo data" in (small / "README").read_text().lower()
    marker = read_demo_marker(small)
    assert marker is not None and marker["dataset"] == "demo" and marker["seed"] == 7


def test_sizes_ids_and_constraints(small: Path) -> None:
    sizes = demo_sizes(SMALL)
    users = _read(
        small, "users.dat", {"u": "INTEGER", "g": "VARCHAR", "a": "INTEGER", "o": "INTEGER", "z": "VARCHAR"}
    )
    movies = _read(small, "movies.dat", {"m": "INTEGER", "title": "VARCHAR", "genres": "VARCHAR"})
    ratings = _ratings(small)
    assert ratings.height == SMALL
    assert users.height == sizes.users and users["u"].to_list() == list(range(1, sizes.users + 1))
    assert movies.height == sizes.movies and movies["m"].is_unique().all() and movies["m"].is_sorted()
    assert ratings.select(pl.struct("u", "m").is_unique().all()).item()
    per_user = ratings.group_by("u").len()
    assert per_user.height == sizes.users and per_user["len"].min() >= 20
    assert set(ratings["m"].unique().to_list()) <= set(movies["m"].to_list())
    assert ratings["r"].min() >= 1 and ratings["r"].max() <= 5
    years = pl.from_epoch(ratings["t"], time_unit="s").dt.year()
    assert years.min() >= 2000 and years.max() <= 2003


def test_size_scaling_matches_real_releases() -> None:
    assert demo_sizes(100_000).users == 606 and 1_500 <= demo_sizes(100_000).movies <= 1_900
    ml1m = demo_sizes(1_000_209)
    assert 5_900 <= ml1m.users <= 6_200 and 3_700 <= ml1m.movies <= 4_100
    ml25m = demo_sizes(25_000_000)
    assert 145_000 <= ml25m.users <= 165_000 and ml25m.movies == 60_000


def test_default_size_looks_like_movielens(default_size: Path) -> None:
    ratings = _ratings(default_size)
    mean = ratings["r"].mean()
    assert isinstance(mean, float) and 3.45 <= mean <= 3.75
    share = ratings["r"].value_counts().sort("r")["count"].to_numpy() / ratings.height
    assert (share > 0.02).all() and share[3] == share.max()  # 4 stars most common, as in ML-1M
    per_movie = ratings.group_by("m").len()["len"]
    assert per_movie.max() > 8 * per_movie.median()  # skewed popularity (ML-100K: 583 vs 27)
    per_user = ratings.group_by("u").len()["len"]
    assert per_user.max() > 4 * per_user.median()  # skewed activity


def _title_words(movies: pl.DataFrame) -> pl.DataFrame:
    return movies.select(
        "m",
        pl.col("title")
        .str.replace(r" \(\d{4}\)$", "")
        .str.replace(", The$", "")
        .str.split(" ")
        .alias("word"),
    ).explode("word")


def test_planted_structure_beats_the_global_mean(default_size: Path) -> None:
    """A linear model on generated features only (demographics x genres, genres, title words) fitted on
    80 % of the ratings beats the global mean's RMSE on the other 20 % by at least 5 %."""
    scipy_sparse = pytest.importorskip("scipy.sparse")
    users = _read(
        default_size,
        "users.dat",
        {"u": "INTEGER", "g": "VARCHAR", "a": "INTEGER", "o": "INTEGER", "z": "VARCHAR"},
    )
    movies = _read(default_size, "movies.dat", {"m": "INTEGER", "title": "VARCHAR", "genres": "VARCHAR"})
    ratings = _ratings(default_size).with_row_index("row")
    genres = movies.select("m", pl.col("genres").str.split("|").alias("genre")).explode("genre")
    genres = genres.with_columns((1.0 / pl.len().over("m")).alias("w"))
    pairs = ratings.join(genres, on="m").join(users, on="u")
    feats = [
        pairs.select("row", pl.format("genre={}", "genre").alias("f"), "w"),
        pairs.select("row", pl.format("g={}|{}", "g", "genre").alias("f"), "w"),
        pairs.select("row", pl.format("a={}|{}", "a", "genre").alias("f"), "w"),
        pairs.select("row", pl.format("o={}|{}", "o", "genre").alias("f"), "w"),
        ratings.join(_title_words(movies), on="m").select(
            "row", pl.format("word={}", "word").alias("f"), pl.lit(1.0).alias("w")
        ),
    ]
    long = pl.concat(feats).with_columns(pl.col("f").cast(pl.Categorical).to_physical().alias("j"))
    x = scipy_sparse.csr_matrix(
        (long["w"].to_numpy(), (long["row"].to_numpy(), long["j"].to_numpy())),
        shape=(ratings.height, int(long["j"].max()) + 1),
    )
    y = ratings["r"].to_numpy().astype(np.float64)
    test = np.random.default_rng(0).random(len(y)) < 0.2
    mean = y[~test].mean()
    fit = x[~test]
    gram = (fit.T @ fit).toarray() + np.eye(fit.shape[1])  # ridge: features unseen in training stay 0
    coef = np.linalg.solve(gram, fit.T @ (y[~test] - mean))
    rmse_mean = np.sqrt(np.mean((y[test] - mean) ** 2))
    rmse_model = np.sqrt(np.mean((y[test] - mean - x[test] @ coef) ** 2))
    print(f"RMSE global mean {rmse_mean:.4f}, features {rmse_model:.4f}")
    assert rmse_model <= 0.95 * rmse_mean, (rmse_model, rmse_mean)


def test_which_movies_a_user_rates_depends_on_taste(default_size: Path) -> None:
    """The implicit signal: genre shares among rated movies differ by demographic group more than chance."""
    users = _read(
        default_size,
        "users.dat",
        {"u": "INTEGER", "g": "VARCHAR", "a": "INTEGER", "o": "INTEGER", "z": "VARCHAR"},
    )
    movies = _read(default_size, "movies.dat", {"m": "INTEGER", "title": "VARCHAR", "genres": "VARCHAR"})
    rated = _ratings(default_size).join(movies, on="m").join(users, on="u")
    shares = (
        rated.with_columns(pl.col("genres").str.split("|"))
        .explode("genres")
        .group_by("a", "genres")
        .len()
        .with_columns((pl.col("len") / pl.col("len").sum().over("a")).alias("share"))
    )
    spread = shares.group_by("genres").agg((pl.col("share").max() / pl.col("share").min()).alias("ratio"))
    assert spread["ratio"].max() > 1.5


def test_existing_identical_data_is_kept_and_force_regenerates(tmp_path: Path) -> None:
    first = make_demo(tmp_path / "d", ratings=5_000, seed=1)
    assert first.generated
    stamp = (tmp_path / "d" / "ratings.dat").stat().st_mtime_ns
    second = make_demo(tmp_path / "d", ratings=5_000, seed=1)
    assert not second.generated and (tmp_path / "d" / "ratings.dat").stat().st_mtime_ns == stamp
    assert make_demo(tmp_path / "d", ratings=5_000, seed=2).generated  # another seed: regenerated
    assert make_demo(tmp_path / "d", ratings=5_000, seed=2, force=True).generated
    assert json.loads((tmp_path / "d" / DEMO_MARKER).read_text())["seed"] == 2


def test_interrupted_generation_leaves_no_marker_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_demo(tmp_path / "d", ratings=5_000, seed=1)

    def crash(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_module, "_write_ratings", crash)
    with pytest.raises(KeyboardInterrupt):
        make_demo(tmp_path / "d", ratings=6_000, seed=1)
    names = {p.name for p in (tmp_path / "d").iterdir()}
    assert DEMO_MARKER not in names and not any(n.endswith(".partial") for n in names)


def test_cli_demo_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert main(["demo-data", str(out), "--ratings", "5000", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "5,000 ratings" in printed and "30 users" in printed
    assert _ratings(out).height == 5_000
    assert main(["demo-data", str(out), "--ratings", "10"]) == 2


def test_many_blocks_give_the_same_guarantees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large sizes are generated block by block (bounded memory): check the seams with tiny blocks."""
    from recdb.ingest import demo_ratings

    monkeypatch.setattr(demo_ratings, "BLOCK_RATINGS", 3_000)
    assert len(demo_ratings.user_blocks(np.full(100, 200), 3_000)) >= 6
    folder = generate_demo(tmp_path / "blocks", ratings=SMALL, seed=7)
    ratings = _ratings(folder)
    assert ratings.height == SMALL
    assert ratings.select(pl.struct("u", "m").is_unique().all()).item()
    assert ratings["u"].is_sorted() and ratings.group_by("u").len()["len"].min() >= 20
