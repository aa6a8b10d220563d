"""``sanctionwatch exposure``: direct and indirect exposure of addresses to categories."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.table import Table

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import out as stdout_console
from sanctionwatch.errors import InputError
from sanctionwatch.jsontext import dumps

CSV_COLUMNS = (
    "address",
    "chain",
    "direction",
    "category",
    "asset",
    "direct_amount",
    "indirect_amount",
    "total_amount",
    "total_units",
    "share",
    "usd",
    "path_hops",
    "path",
    "error",
    # the labelled far end of the path (last, after the columns of earlier versions)
    "counterparty",
    "counterparty_label",
    "counterparty_source",
)


class ExposureFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Direction(StrEnum):
    inflow = "in"
    outflow = "out"
    both = "both"


def read_address_file(path: Path) -> list[tuple[str | None, str, str]]:
    """(chain or None, address, where) from a file (``-``: standard input).

    One address per line (blank lines and ``#`` comments skipped), or a CSV file whose
    header has a column ``address`` and optionally ``chain``.
    """
    if str(path) == "-":
        text = sys.stdin.read()
        name = "stdin"
    else:
        if not path.is_file():
            raise InputError(f"No such file: {path}.")
        text = path.read_text(encoding="utf-8-sig")
        name = str(path)
    lines = text.splitlines()
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return []
    header = [h.strip().lower() for h in next(csv.reader([lines[first]]))]
    if "address" not in header:
        return [
            (None, line.strip(), f"{name} line {k}")
            for k, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
    at, chain_at = header.index("address"), header.index("chain") if "chain" in header else -1
    items: list[tuple[str | None, str, str]] = []
    for k, row in enumerate(csv.reader(lines[first + 1 :]), start=first + 2):
        if not row or not any(v.strip() for v in row):
            continue
        address = row[at].strip() if at < len(row) else ""
        chain = row[chain_at].strip() if 0 <= chain_at < len(row) else ""
        items.append((chain or None, address, f"{name} line {k}"))
    return items


def _csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """One row per (address, exposure entry), cells in ``CSV_COLUMNS`` order."""
    rows: list[dict[str, Any]] = []
    for entry in data["addresses"]:
        base = {"address": entry["address"], "chain": entry["chain"]}
        if "error" in entry:
            rows.append({**base, "error": entry["error"]})
            continue
        if not entry["exposure"]:
            rows.append(base)
        for e in entry["exposure"]:
            end = e["counterparty"] or {}
            rows.append(
                {
                    **base,
                    **{k: e[k] for k in ("direction", "category", "asset", "share", "usd")},
                    **{k: e[k] for k in ("direct_amount", "indirect_amount", "total_amount")},
                    "total_units": e["total_units"],
                    "path_hops": e["path_hops"],
                    "path": " ".join(t["tx_hash"] for t in e["path"]),
                    "counterparty": end.get("address"),
                    "counterparty_label": end.get("label"),
                    "counterparty_source": end.get("source"),
                }
            )
    return [[row.get(column, "") for column in CSV_COLUMNS] for row in rows]


def _amount(units: float | None, base: float | None, asset: str | None) -> str:
    if units is not None:
        return f"{units:,.6g} {asset}"
    return "" if base is None else f"{base:,.0f} {asset} (base units)"


def _table(data: dict[str, Any]) -> Table:
    table = Table(
        title=f"exposure (direction {data['direction']}, {data['hops']} hops)", show_lines=False
    )
    for column in ("address", "chain", "direction", "category", "direct", "indirect", "share"):
        table.add_column(column)
    table.add_column("hops")
    table.add_column("from / to (label source)")  # the path's labelled far end
    for entry in data["addresses"]:
        if "error" in entry:
            table.add_row(entry["address"], entry["chain"] or "", "", entry["error"])
            continue
        if not entry["exposure"]:
            table.add_row(entry["address"], entry["chain"], "", "none")
        for e in entry["exposure"]:
            table.add_row(
                entry["address"],
                entry["chain"],
                e["direction"],
                e["category"],
                _amount(e["direct_units"], e["direct_amount"], e["asset"]),
                _amount(e["indirect_units"], e["indirect_amount"], e["asset"]),
                f"{100 * e['share']:.2f}%",
                "" if e["path_hops"] is None else str(e["path_hops"]),
                _counterparty(e["counterparty"]),
            )
    return table


def _counterparty(end: dict[str, Any] | None) -> str:
    if not end:
        return ""
    text = str(end["address"])
    if end.get("label"):
        text += f" {end['label']}"
    if end.get("source"):
        text += f" ({end['source']})"
    return text


def _write(data: dict[str, Any], fmt: ExposureFormat, stream: TextIO, console: Console) -> None:
    if fmt is ExposureFormat.json:
        stream.write(dumps(data) + "\n")
    elif fmt is ExposureFormat.csv:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(_csv_rows(data))
    else:
        console.print(_table(data))
        summary = data["summary"]
        exposed = ", ".join(f"{c} {n:,}" for c, n in summary["exposed"].items() if n)
        console.print(
            f"{summary['addresses']:,} address(es); exposed: {exposed or 'none'}; "
            f"{summary['seconds']:.2f} s",
            highlight=False,
        )


def exposure(
    ctx: typer.Context,
    addresses: Annotated[
        list[str] | None,
        typer.Argument(help="Addresses (any supported chain).", show_default=False),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Addresses, one per line, or a CSV with a column address (and optional chain); "
            "- reads standard input.",
        ),
    ] = None,
    chain: Annotated[
        str | None,
        typer.Option(
            help="Chain of addresses given without one (default: every chain where valid)."
        ),
    ] = None,
    direction: Annotated[
        Direction,
        typer.Option(help="in (source of funds) | out (use of funds) | both."),
    ] = Direction.inflow,
    hops: Annotated[
        int, typer.Option(min=1, max=10, help="Transfers to look through (1 = direct only).")
    ] = 3,
    category: Annotated[
        list[str],
        typer.Option(
            "--category",
            help="Category to report (repeatable; default: sanctioned, theft, scam, mixer, "
            "exchange, bridge, dex, otc, cross_chain_swap).",
        ),
    ] = [],  # noqa: B006  # Typer needs a list default for a repeatable option
    through: Annotated[
        list[str],
        typer.Option(
            "--through",
            help="Labelled category that also passes on what it received, pro rata "
            "(repeatable, e.g. mixer; default: none, every labelled address is an origin).",
        ),
    ] = [],  # noqa: B006
    fmt: Annotated[
        ExposureFormat, typer.Option("--format", help="table | json | csv")
    ] = ExposureFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Direct and indirect exposure of addresses to sanctioned, theft, mixer, ... addresses,
    as amount and share of their flow, with the shortest evidence path to each category."""
    from sanctionwatch.trace.exposure import exposure as compute
    from sanctionwatch.trace.exposure import resolve_addresses

    items: list[tuple[str | None, str, str]] = [
        (chain, a, f"argument {k}") for k, a in enumerate(addresses or [], start=1)
    ]
    if file is not None:
        items += [(c or chain, a, where) for c, a, where in read_address_file(file)]
    if not items:
        raise InputError("No addresses: give them as arguments or with --file.")
    with store_of(ctx, read_only=True) as store:
        pairs = resolve_addresses(
            store, [(c, a) for c, a, _ in items], where=[w for _, _, w in items]
        )
        result = compute(
            store,
            pairs,
            direction=direction.value,
            hops=hops,
            categories=category or None,
            through=through,
        )
    data = result.to_dict()
    if out is None:
        _write(data, fmt, sys.stdout, stdout_console)
        return
    try:
        with out.open("w", encoding="utf-8", newline="") as stream:
            _write(data, fmt, stream, Console(file=stream, width=160, soft_wrap=True))
    except OSError as exc:  # as trace's exporters say it
        raise InputError(f"Cannot write {out}: {exc.strerror or exc}.") from exc
