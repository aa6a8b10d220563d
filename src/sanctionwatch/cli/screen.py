"""``sanctionwatch screen``: names and crypto addresses against the loaded sanctions lists."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import OutputFormat, err, out, print_json, print_table
from sanctionwatch.errors import InputError

app = typer.Typer(
    help="Screen names and crypto addresses against the loaded sanctions lists.",
    no_args_is_help=True,
)


class NameFormat(StrEnum):
    table = "table"
    json = "json"
    yente = "yente"


class Schema(StrEnum):
    Person = "Person"
    Organization = "Organization"
    Vessel = "Vessel"
    Airplane = "Airplane"


def _inputs(values: list[str] | None, file: Path | None, what: str) -> list[str]:
    """Arguments plus the lines of ``--file`` (``-`` = stdin); blank lines skipped."""
    items = list(values or [])
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"Cannot read {file}: {exc}.") from None
        items.extend(line.strip() for line in text.splitlines())
    items = [item for item in items if item.strip()]
    if not items:
        raise InputError(f"No {what} given: pass them as arguments or with --file PATH.")
    return items


@app.command("addresses")
def addresses(
    ctx: typer.Context,
    values: Annotated[
        list[str] | None, typer.Argument(help="Addresses (any supported chain).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="One address per line (- for stdin).")
    ] = None,
    chain: Annotated[str | None, typer.Option(help="Only this chain.")] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Exact lookup of addresses on every loaded list version and in DPRK attribution labels."""
    from sanctionwatch.sanctions.address_screen import screen_addresses

    items = _inputs(values, file, "addresses")
    with store_of(ctx, read_only=True) as store:
        results = screen_addresses(store, items, chain)
    if fmt is OutputFormat.json:
        print_json([r.to_dict() for r in results])
        return
    rows: list[list[Any]] = []
    for result in results:
        if result.error:
            rows.append([result.query, "", "error", result.error, "", "", "", "", ""])
            continue
        if not result.hits:
            rows.append([result.query, "", "not listed", "", "", "", "", "", ""])
        for hit in result.hits:
            if hit.source == "list":
                status = hit.status
                if hit.delisted_in:
                    status += f" ({hit.delisted_in})"
                who = f"{hit.caption} ({hit.entity_id})"
                rows.append(
                    [
                        result.query,
                        hit.chain,
                        status,
                        who,
                        f"{hit.list} {hit.list_id}",
                        ", ".join(hit.programs),
                        hit.list_version,
                        hit.listed_on,
                        hit.currency,
                    ]
                )
            else:
                rows.append(
                    [
                        result.query,
                        hit.chain,
                        f"label: {hit.status}",
                        hit.label,
                        hit.label_source,
                        hit.actor,
                        "",
                        "",
                        "",
                    ]
                )
    print_table(
        "address screening",
        ["address", "chain", "status", "entity", "list / source", "programs", "version",
         "listed on", "currency"],
        rows,
    )  # fmt: skip


@app.command("names")
def names(
    ctx: typer.Context,
    values: Annotated[list[str] | None, typer.Argument(help="Names (any script).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="One name per line (- for stdin).")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Score from which a candidate is a match (0..1).")
    ] = 0.7,
    limit: Annotated[int, typer.Option(help="Candidates shown per name.")] = 5,
    birth_date: Annotated[
        str | None, typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD (raises or lowers scores).")
    ] = None,
    nationality: Annotated[
        str | None, typer.Option(help="Country code or name (raises or lowers scores).")
    ] = None,
    schema: Annotated[Schema | None, typer.Option(help="Only entries of this kind.")] = None,
    fmt: Annotated[
        NameFormat, typer.Option("--format", help="table | json | yente (/match response)")
    ] = NameFormat.table,
) -> None:
    """Screen names against the latest issue of every loaded list."""
    from sanctionwatch.sanctions.screen import make_query, screen_names, to_yente

    items = _inputs(values, file, "names")
    queries = [
        make_query(name, birth_date, nationality, schema.value if schema else None)
        for name in items
    ]
    with store_of(ctx, read_only=True) as store:
        results = screen_names(store, queries, threshold=threshold, limit=limit)
    if fmt is NameFormat.json:
        print_json([r.to_dict() for r in results])
        return
    if fmt is NameFormat.yente:
        print_json(to_yente(results, threshold, limit))
        return
    rows: list[list[Any]] = []
    for result in results:
        if result.error:
            rows.append([result.query.name, "", "error: " + result.error, "", "", "", "", ""])
            continue
        if not result.matches:
            rows.append([result.query.name, "", "no candidates", "", "", "", "", ""])
        for m in result.matches:
            rows.append(
                [
                    result.query.name,
                    f"{m.score:.2f}" + (" MATCH" if m.match else ""),
                    m.name,
                    m.matched_name,
                    f"{m.list} {m.list_id}",
                    ", ".join(m.programs),
                    m.schema,
                    m.list_version,
                ]
            )
    if not rows:
        out.print("Nothing to screen.")
        return
    print_table(
        "name screening",
        ["query", "score", "entry", "matched name", "list", "programs", "schema", "version"],
        rows,
    )
    if not any(r.matches for r in results):
        err.print("no candidates: are lists loaded? (`sanctionwatch lists show`)")
