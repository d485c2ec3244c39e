"""``recdb demo-data``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("demo-data")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb demo-data is not implemented yet")
