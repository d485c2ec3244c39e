"""``recdb info``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("info")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb info is not implemented yet")
