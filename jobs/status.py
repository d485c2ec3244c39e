"""``recdb status``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("status")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb status is not implemented yet")
