"""``recdb nightly``: not implemented yet (placeholder so the CLI imports)."""

from __future__ import annotations

import click

from recdb.errors import ConfigError


@click.command("nightly")
def command() -> None:
    """Not implemented yet."""
    raise ConfigError("recdb nightly is not implemented yet")
