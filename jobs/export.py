"""``recdb export``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("export")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb export is not implemented yet")
