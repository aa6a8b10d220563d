"""``sanctionwatch store``: maintenance of the store file."""

from __future__ import annotations

from typing import Annotated

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import OutputFormat, print_json, print_table
from sanctionwatch.store.maintenance import optimize_store

app = typer.Typer(help="Maintain the store.", no_args_is_help=True)


@app.command("optimize")
def optimize(
    ctx: typer.Context,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table | json")] = (
        OutputFormat.table
    ),
) -> None:
    """Re-sort transfers by (sender, time) across all ingested files (faster tracing)."""
    with store_of(ctx) as store:
        results = optimize_store(store)
    if fmt is OutputFormat.json:
        print_json([r.to_dict() for r in results])
        return
    print_table(
        "optimize",
        ["table", "rows", "seconds"],
        [[r.table, f"{r.rows:,}", f"{r.seconds:.2f}"] for r in results],
    )
