"""``recdb recommend``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("recommend")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb recommend is not implemented yet")
