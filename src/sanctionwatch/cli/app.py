"""``sanctionwatch`` entry point: global options, command groups, error handling.

Every user-facing error is a ``SanctionwatchError``: printed as one sentence on stderr,
no traceback, with the error's exit code (2 for bad input).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sanctionwatch import __version__
from sanctionwatch.cli import (
    case,
    demo,
    exposure,
    incidents,
    ingest,
    itw,
    labels,
    lists,
    report,
    scenario,
    screen,
    stats,
    store,
    trace,
)
from sanctionwatch.cli.output import err
from sanctionwatch.errors import InputError, SanctionwatchError
from sanctionwatch.settings import get_settings

app = typer.Typer(
    name="sanctionwatch",
    help="Monitor DPRK sanctions evasion through cyber activity: chain data and labels, "
    "tracing and exposure, sanctions screening, IT-worker detection, incidents, cases and "
    "reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(case.app, name="case")
app.add_typer(incidents.app, name="incidents")
app.add_typer(ingest.app, name="ingest")
app.add_typer(itw.app, name="itw")
app.add_typer(labels.app, name="labels")
app.add_typer(lists.app, name="lists")
app.add_typer(scenario.app, name="scenario")
app.add_typer(screen.app, name="screen")
app.add_typer(store.app, name="store")
app.command("stats")(stats.stats)
app.command("rejects")(stats.rejects)
app.command("demo")(demo.demo)
app.command("trace")(trace.trace)
app.command("exposure")(exposure.exposure)
app.command("report")(report.report)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sanctionwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Store file (env SANCTIONWATCH_DB; default ./sanctionwatch.duckdb).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    settings = get_settings()
    if db is not None:
        settings.db = db
    ctx.obj = settings


def main() -> None:
    """Run the CLI; Typer prints usage errors itself (exit 2), we print ours."""
    try:
        app()
    except SanctionwatchError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
    except OSError as exc:
        if exc.filename is None:  # not a file the user named: a real failure, with its trace
            raise
        # a path given on the command line that cannot be read or written (a missing folder,
        # no permission): the user's to fix, so no traceback
        err.print(f"[bold red]error:[/] {exc.filename}: {exc.strerror or exc}.", highlight=False)
        sys.exit(InputError.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; the file being ingested was rolled back")
        sys.exit(130)
