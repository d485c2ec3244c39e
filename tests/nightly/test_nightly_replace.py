"""A replace load must never relabel the published recommendations (hostile testing #72).

A run scored on one data set names its users and movies by that data set's ids; after
``recdb load --replace`` those ids name other people and other movies. The replace deletes the
pointer in its own transaction, the ``served_run`` view hides a run of another data set even when the
pointer survived (a database replaced before the fix), ``recdb status`` alerts, and the next nightly
publishes for the new data as usual.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recdb.db import open_db, queries
from recdb.ingest.demo import generate_demo
from recdb.ingest.load import load_dataset
from recdb.nightly.pipeline import run_nightly
from recdb.nightly.status import collect_status
from recdb.scoring.job import score_all
from recdb.settings import Settings
from tests.nightly.nightly_support import real_stages_missing
from tests.scoring_fakes import DotPredictor, fake_loader
from tests.settings_support import with_sections

_SERVED = "SELECT count(*), count(DISTINCT user_id) FROM latest_recommendations"
_ALREADY_RATED = """
    SELECT count(*) FROM latest_recommendations AS r
    JOIN ratings AS x ON x.user_id = r.user_id AND x.movie_id = r.movie_id
"""


def _scalar_rows(settings: Settings, sql: str) -> tuple:
    with open_db(settings.database, read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


@pytest.fixture
def replaced(settings: Settings, tmp_path: Path) -> tuple[Settings, int]:
    """Demo data set A loaded and scored (published), then data set B loaded with --replace."""
    load_dataset(settings, generate_demo(tmp_path / "a", ratings=3000, seed=0))
    published = score_all(settings, k=10, loader=fake_loader(DotPredictor(dim=8), None)).run_id
    assert _scalar_rows(settings, _SERVED)[0] > 0
    result = load_dataset(settings, generate_demo(tmp_path / "b", ratings=3000, seed=7), replace=True)
    assert result.action == "replace"
    return settings, published


def test_a_replace_unpublishes_in_its_own_transaction(replaced: tuple[Settings, int]) -> None:
    settings, _ = replaced
    assert _scalar_rows(settings, _SERVED) == (0, 0)
    status = collect_status(settings)
    assert status["published"] is None
    wanted = "no recommendations are published for the current data"
    assert any(a.startswith(wanted) for a in status["alerts"])


def test_a_surviving_pointer_to_the_old_data_set_is_not_served(replaced: tuple[Settings, int]) -> None:
    # A database replaced before the fix still points at the old run: the view must not show it.
    settings, old_run = replaced
    with open_db(settings.database) as con:
        con.execute(queries("scoring").move_latest, {"run_id": old_run})
    assert _scalar_rows(settings, _SERVED) == (0, 0)
    assert _scalar_rows(settings, _ALREADY_RATED) == (0,)
    status = collect_status(settings)
    assert status["published"]["run_id"] == old_run and status["published"]["current_data"] is False
    assert any("no published recommendations for the current data" in a for a in status["alerts"])


@pytest.mark.slow
def test_the_next_nightly_publishes_for_the_new_data(replaced: tuple[Settings, int], tmp_path: Path) -> None:
    if real_stages_missing():
        pytest.skip(real_stages_missing() or "")
    settings, old_run = replaced
    tiny = with_sections(
        settings,
        data={"source": str(tmp_path / "b")},
        train={"epochs": 1, "negatives": 16, "threads": 1},
        model={"embed_dim": 8, "hidden_dim": 16, "word_dim": 8, "title_filters": 4},
        score={"k": 10},
        nightly={"evaluate": False},
    )
    result = run_nightly(tiny)
    assert result.status == "succeeded" and result.load_action == "unchanged"
    assert result.score_run_id is not None and result.score_run_id != old_run
    rows, users = _scalar_rows(tiny, _SERVED)
    assert rows > 0 and users == _scalar_rows(tiny, "SELECT count(*) FROM users")[0]
    assert _scalar_rows(tiny, _ALREADY_RATED) == (0,)
    assert collect_status(tiny)["alerts"] == []


def test_a_model_of_the_replaced_data_set_seeds_no_warm_start(replaced: tuple[Settings, int]) -> None:
    """The newest ready model (warm start, the skip decision) is one of the current data set only."""
    from recdb.nightly.pipeline import _ready_model
    from recdb.training.splits import ensure_split

    settings, _ = replaced
    q = queries("training")
    with open_db(settings.database) as con:
        split_id = ensure_split(con, settings.train)
        old_load = con.execute("SELECT min(load_id) FROM loads").fetchone()[0]  # type: ignore[index]
        params = {"architecture": "hybrid", "config": "{}", "load_id": old_load, "split_id": split_id}
        (model_id,) = con.execute(q.insert_model, params).fetchone()  # type: ignore[misc]
        con.execute("UPDATE models SET status = 'ready' WHERE model_id = ?", [model_id])
        assert _ready_model(con) is None
        new_load = con.execute("SELECT max(load_id) FROM loads").fetchone()[0]  # type: ignore[index]
        params["load_id"] = new_load
        (current,) = con.execute(q.insert_model, params).fetchone()  # type: ignore[misc]
        con.execute("UPDATE models SET status = 'ready' WHERE model_id = ?", [current])
        assert _ready_model(con) == current
