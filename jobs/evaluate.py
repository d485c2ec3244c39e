"""``recdb evaluate``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("evaluate")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb evaluate is not implemented yet")
