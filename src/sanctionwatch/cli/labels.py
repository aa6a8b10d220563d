"""``sanctionwatch labels``: what is known about an address, with sources."""

from __future__ import annotations

from typing import Annotated

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import OutputFormat, print_json, print_table
from sanctionwatch.errors import NotFoundError

app = typer.Typer(help="Query address labels.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="Address (any supported chain).")],
    chain: Annotated[str | None, typer.Option(help="Restrict to one chain.")] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """List every label of ADDRESS with category, actor, confidence and source."""
    from sanctionwatch.labels.query import labels_for

    with store_of(ctx, read_only=True) as store:
        records = labels_for(store, address, chain)
    if fmt is OutputFormat.json:
        print_json({"address": address, "labels": [r.to_dict() for r in records]})
        return
    if not records:
        raise NotFoundError(f"No labels for {address} in the store.")
    print_table(
        f"labels of {address}",
        [
            "chain",
            "label",
            "category",
            "source category",
            "abuse",
            "actor",
            "confidence",
            "source",
            "pack",
        ],
        [
            [
                r.chain,
                r.label,
                r.category,
                r.source_category,
                r.abuse,
                r.actor,
                f"{r.confidence} ({r.confidence_level})" if r.confidence else "",
                r.source,
                r.pack,
            ]
            for r in records
        ],
    )
