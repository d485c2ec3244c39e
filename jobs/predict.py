"""``recdb predict``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("predict")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb predict is not implemented yet")
