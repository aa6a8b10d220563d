"""A human summary of a trace, printed with rich: seeds, value per asset and model, terminals,
value by category and by stage, cross-chain and swap links.

Amounts are in whole units of their asset (rounded for reading; the JSON output is exact).
Colours only when the stream is a terminal; text from the data is never read as markup.
"""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sanctionwatch.trace.exporters._common import (
    accounting,
    amounts_text,
    had_source,
    primary_model,
    range_text,
    show,
    stage_name,
    terminal_category,
    terminal_label,
    unit_name,
)

#: Width of the text when the stream is not a terminal (files, pipes, tests).
WIDTH = 160
#: Terminals listed; the rest are counted.
MAX_TERMINALS = 50
#: Links listed; the rest are counted.
MAX_LINKS = 50


def write(result: dict[str, Any], stream: TextIO) -> None:
    """Print the summary of ``result`` to ``stream``."""
    tty = stream.isatty()
    console = Console(
        file=stream,
        width=None if tty else WIDTH,
        color_system="auto" if tty else None,
        markup=False,
        emoji=False,
        highlight=False,
    )
    for part in _parts(result):
        console.print(part)


def _parts(result: dict[str, Any]) -> list[Text | Table]:
    parts: list[Text | Table] = [_heading(result)]
    if not had_source(result.get("summary") or {}):  # empty tables would say nothing
        parts.append(Text("Nothing traced: no value to follow (see --since and --asset)."))
        parts.append(_footer(result))
        return parts
    parts.append(_assets(result))
    parts.append(_terminals(result))
    count = len(result.get("terminals") or [])
    if count > MAX_TERMINALS:
        parts.append(Text(f"... {count - MAX_TERMINALS} more terminals in the JSON output."))
    parts.append(_grouped(result, "by_category", "Tainted value by destination category"))
    if (result.get("summary") or {}).get("through_links"):
        parts.append(_grouped(result, "through_links", "Continued through links"))
    parts.append(_grouped(result, "by_stage", "Tainted value by stage"))
    links = result.get("links") or []
    if links:
        parts.append(_links(result))
        if len(links) > MAX_LINKS:
            parts.append(Text(f"... {len(links) - MAX_LINKS} more links in the JSON output."))
    parts.append(_footer(result))
    return parts


def _heading(result: dict[str, Any]) -> Text:
    seeds = result.get("seeds") or []
    model = str(result.get("model") or "?")
    text = Text(f"Trace from {len(seeds)} seed{'s' if len(seeds) != 1 else ''}", style="bold")
    text.append(f", model {model}")
    if model == "all":
        models = ", ".join(str(m) for m in result.get("models") or [])
        text.append(f" ({models}; amounts under {primary_model(result)}, ranges over all)")
    labels = {  # a seed's label says which incident or list put it there (incident:NAME)
        (n.get("chain"), n.get("address")): n.get("labels") for n in result.get("nodes") or []
    }
    for seed in seeds:
        text.append(f"\n  {seed.get('chain')}  {seed.get('address')}")
        found = labels.get((seed.get("chain"), seed.get("address"))) or {}
        if found.get("category"):
            named = f": {found['label']}" if found.get("label") else ""
            text.append(f"  ({found['category']}{named})", style="dim")
    parameters = result.get("parameters") or {}
    if parameters:
        shown = ", ".join(f"{k} {_param(v)}" for k, v in parameters.items())
        text.append(f"\nParameters: {shown}")
    return text


def _param(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def _assets(result: dict[str, Any]) -> Table:
    title = "Traced value per asset and model (whole units; untraced: held ... fees)"
    table = Table(title=title, title_justify="left")
    headers, rows = accounting(result)
    table.add_column("asset", no_wrap=True)
    table.add_column("model", no_wrap=True)
    for header in headers:
        table.add_column(header.removeprefix("untraced: "), justify="right", overflow="fold")
    for asset, model, values in rows:
        cells = [Text(show(result, v, asset)) for v in values]
        table.add_row(Text(unit_name(result, asset)), Text(model), *cells)
    return table


def _terminals(result: dict[str, Any]) -> Table:
    terminals = result.get("terminals") or []
    ranged = any("range" in t for t in terminals)
    table = Table(title=f"Terminals ({len(terminals)})", title_justify="left")
    table.add_column("address", no_wrap=True)
    table.add_column("chain")
    table.add_column("category", no_wrap=True)
    table.add_column("label", overflow="fold")
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("asset")
    if ranged:
        table.add_column("range over models", justify="right", no_wrap=True)
    for terminal in terminals[:MAX_TERMINALS]:
        asset = str(terminal.get("asset"))
        cells = [
            Text(str(terminal.get("address"))),
            Text(str(terminal.get("chain"))),
            Text(terminal_category(terminal)),
            Text(terminal_label(terminal), style="" if terminal.get("label") else "dim"),
            Text(show(result, terminal.get("tainted_amount"), asset)),
            Text(asset),
        ]
        if ranged:
            cells.append(Text(range_text(result, terminal)))
        table.add_row(*cells)
    return table


def _grouped(result: dict[str, Any], key: str, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("stage" if key == "by_stage" else "category")
    table.add_column("tainted value")
    for name, amounts in ((result.get("summary") or {}).get(key) or {}).items():
        label = stage_name(name) if key == "by_stage" else str(name)
        table.add_row(Text(label), Text(amounts_text(result, amounts)))
    return table


def _links(result: dict[str, Any]) -> Table:
    table = Table(title="Links (swaps, bridges, mixers)", title_justify="left")
    for header in ("kind", "from", "to", "in", "out", "tainted out", "confidence"):
        table.add_column(header, overflow="fold")
    for link in (result.get("links") or [])[:MAX_LINKS]:
        asset_in, asset_out = str(link.get("asset_in")), str(link.get("asset_out"))
        table.add_row(
            Text(str(link.get("kind"))),
            Text(f"{link.get('from_chain')} {link.get('from_tx')}"),
            Text(f"{link.get('to_chain')} {link.get('to_tx')}"),
            Text(f"{show(result, link.get('amount_in'), asset_in)} {asset_in}"),
            Text(f"{show(result, link.get('amount_out'), asset_out)} {asset_out}"),
            Text(f"{show(result, link.get('tainted_out'), asset_out)} {asset_out}"),
            Text(_confidence(link.get("confidence"))),
        )
    return table


def _confidence(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else ""


def _footer(result: dict[str, Any]) -> Text:
    summary = result.get("summary") or {}
    text = Text(
        f"{_count(result, 'nodes', 'address', 'addresses')}, "
        f"{_count(result, 'edges', 'transfer', 'transfers')}, "
        f"{_count(result, 'terminals', 'terminal', 'terminals')}",
        style="dim",
    )
    seconds = summary.get("seconds")
    if isinstance(seconds, int | float):
        text.append(f"; traced in {seconds:.2f} s")
    return text


def _count(result: dict[str, Any], key: str, one: str, many: str) -> str:
    n = len(result.get(key) or [])
    return f"{n:,} {one if n == 1 else many}"
