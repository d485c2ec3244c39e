"""``recdb fetch``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("fetch")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb fetch is not implemented yet")
