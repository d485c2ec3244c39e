"""``recdb info``: what the database holds (rows per table, data sets, the loads history), read-only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recdb.db import open_db, queries, rows, scalar
from recdb.settings import Settings

HISTORY_LIMIT = 20


@dataclass(frozen=True)
class LoadRow:
    load_id: int
    dataset: str
    release: str
    action: str
    ratings_added: int
    ratings_total: int
    users_total: int
    movies_total: int
    tags_total: int
    started_at: dt.datetime
    seconds: float
    source: str


@dataclass(frozen=True)
class DatabaseInfo:
    """A snapshot of the database for people: see :meth:`render`."""

    path: str
    tables: dict[str, int]  # table -> rows
    datasets: list[tuple[str, str, int, dt.datetime, bool]]  # dataset, release, loads, last loaded, current
    loads: list[LoadRow]  # newest first, at most HISTORY_LIMIT
    total_loads: int

    def render(self) -> str:
        lines = [f"database {self.path}", "", "tables:"]
        width = max((len(t) for t in self.tables), default=0)
        lines += [f"  {name:<{width}}  {rows:>12,}" for name, rows in self.tables.items()]
        lines += ["", "data sets:"]
        if not self.datasets:
            lines.append("  none loaded yet (recdb load PATH)")
        for name, release, loads, last, current in self.datasets:
            mark = "  <- current" if current else ""
            lines.append(f"  {name} ({release} layout): {loads} load(s), last {last:%Y-%m-%d %H:%M:%S}{mark}")
        shown = (
            f" (newest {len(self.loads)} of {self.total_loads})" if self.total_loads > len(self.loads) else ""
        )
        lines += ["", f"loads{shown}:"]
        if not self.loads:
            lines.append("  none")
        for r in self.loads:
            lines.append(
                f"  #{r.load_id} {r.started_at:%Y-%m-%d %H:%M:%S} {r.action:<8} {r.dataset} ({r.release}): "
                f"+{r.ratings_added:,} ratings -> {r.ratings_total:,} ratings, {r.users_total:,} users, "
                f"{r.movies_total:,} movies, {r.tags_total:,} tags in {r.seconds:.1f} s from {r.source}"
            )
        return "\n".join(lines)


def database_info(settings: Settings) -> DatabaseInfo:
    """Read what the database holds; opens it read-only, so it works beside a running job's readers."""
    q = queries("info")
    with open_db(settings.database, read_only=True) as con:
        names = [row[0] for row in rows(con, q.list_tables)]
        tables = {name: int(scalar(con, q.count_rows, {"table": name}) or 0) for name in names}
        datasets = [tuple(r) for r in rows(con, q.datasets)] if "loads" in tables else []
        history = rows(con, q.load_history, {"limit": HISTORY_LIMIT}) if "loads" in tables else []
        total = tables.get("loads", 0)
    return DatabaseInfo(
        path=str(settings.database.path),
        tables=tables,
        datasets=datasets,
        loads=[LoadRow(*r) for r in history],
        total_loads=total,
    )
