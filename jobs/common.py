"""What every command shares: the global options, and loading the settings once with overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recdb.logs import setup_logging
from recdb.settings import Settings, load_settings


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
