"""``recdb load``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("load")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb load is not implemented yet")
