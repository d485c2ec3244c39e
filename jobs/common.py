"""What every command shares: the global options, and loading the settings once with overrides."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from recdb.logs import setup_logging
from recdb.settings import Settings, load_settings

# User, movie and model ids are INTEGER columns: a larger number is a typo, refused with exit 2 before
# it reaches a query (where it overflowed int32 as an internal error).
DB_ID = click.IntRange(-(2**31), 2**31 - 1)


@dataclass
class App:
    """The group's options, handed to each command through click's context object."""

    config: Path | None
    db: Path | None
    verbosity: int
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self, **sections: dict[str, Any]) -> Settings:
        """Load the settings once, with this command's options as the highest-precedence source.

        ``sections`` maps a section name to ``{field: value}``; ``None`` values (options the user did
        not give) are ignored so the environment, the TOML file and the defaults still apply.
        """
        if self._settings is None:
            overrides: dict[str, Any] = {name: dict(values) for name, values in sections.items()}
            if self.db is not None:
                overrides.setdefault("database", {})["path"] = self.db
            self._settings = load_settings(self.config, overrides)
            setup_logging(self._settings.log, self.verbosity)
        return self._settings

    @contextmanager
    def job_lock(self) -> Iterator[None]:
        """Hold the database's job lock (``<db>.lock``) for a command that writes to the database.

        A nightly run and a manual ``recdb load`` / ``train`` / ``score`` / ``evaluate`` can therefore
        never interleave: the second one exits at once with code 5, naming the first.
        """
        from recdb.nightly.lock import command_line, job_lock

        with job_lock(self.settings(), command_line()):
            yield
