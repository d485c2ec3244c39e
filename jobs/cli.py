"""The ``recdb`` command: a click group whose commands live one per file in this folder.

Errors recdb expects (:class:`recdb.errors.RecdbError`) become one line on stderr and the exit code of
their class; anything else is a bug and exits 1 with a traceback in the log.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from recdb.errors import ExitCode, RecdbError
from recdb.jobs import (
    db,
    demo_data,
    evaluate,
    export,
    fetch,
    info,
    init,
    load,
    nightly,
    predict,
    recommend,
    score,
    status,
    train,
)
from recdb.jobs.common import App

log = logging.getLogger("recdb")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="RECDB_CONFIG",
    help="TOML settings file (default: $RECDB_CONFIG). See config.example.toml.",
)
@click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), help="Database file (database.path)."
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Only errors on stderr.")
@click.version_option(package_name="recdb")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, db: Path | None, verbose: int, quiet: int) -> None:
    """recdb: batch movie recommendations with a DuckDB backend.

    \b
    Typical session:
      recdb demo-data var/demo && recdb load var/demo
      recdb train && recdb score && recdb evaluate
      recdb nightly          # what cron runs: load, train, score, evaluate, publish

    Exit codes: 0 ok, 1 internal error, 2 usage/config, 3 data error, 4 job failed, 5 busy,
    6 damaged database.
    """
    ctx.obj = App(config=config, db=db, verbosity=verbose - quiet)


for module in (
    init,
    load,
    fetch,
    demo_data,
    info,
    train,
    score,
    predict,
    recommend,
    export,
    evaluate,
    nightly,
    status,
    db,
):
    cli.add_command(module.command)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the CLI and turn errors into exit codes."""
    try:
        cli.main(args=argv, prog_name="recdb", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return ExitCode.JOB_FAILED
    except RecdbError as exc:
        log.debug("failed", exc_info=True)
        click.echo(f"recdb: error: {exc}", err=True)
        log.info("exit %d (%s)", exc.exit_code, exc.exit_code.name)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("recdb: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: keep the traceback for whoever debugs it
        log.exception("internal error")
        click.echo(f"recdb: internal error: {type(exc).__name__}: {exc} (traceback in the log)", err=True)
        return ExitCode.INTERNAL
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
