"""``recdb train``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("train")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb train is not implemented yet")
