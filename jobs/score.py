"""``recdb score``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("score")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb score is not implemented yet")
