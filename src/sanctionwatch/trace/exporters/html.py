"""One self-contained HTML page of a trace, for people: opens offline, no network at all.

Everything is inline (CSS, SVG, a few lines of vanilla JS); a Content-Security-Policy meta
tag forbids loading anything. The page shows:

- the seeds, model and parameters;
- per asset, a Sankey diagram of the traced value: the traced total, then the laundering
  stages met in order on each terminal's evidence path (stage 1, stage 2, ...; at most
  ``MAX_STAGES``, the last ones), then the destination category; the untraced remainder
  goes straight to its reason;
- the traced value per asset and model with the untraced remainder by reason;
- the trace graph in layers (x = hop, y = order within the hop), nodes coloured by
  category, edges as wide as their tainted amount, cross-chain and swap links dashed; a
  tooltip on every node and edge; clicking a node highlights its edges (JS optional). With
  more than ``MAX_NODES`` addresses only the most tainted are drawn and the page says how
  many were left out;
- tables of terminals, value by stage, and links.

All amounts are in whole units, rounded for reading (the JSON output is exact). All text
from the data is escaped.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from html import escape
from typing import Any, TextIO

from sanctionwatch.trace.exporters._common import (
    GraphNode,
    accounting,
    amounts_text,
    asset_list,
    edge_link,
    graph_nodes,
    human,
    link_connectors,
    max_tainted_in,
    node_key,
    primary_model,
    range_text,
    share_of,
    show,
    stage_name,
    terminal_category,
    terminal_label,
    unit_name,
    whole_float,
    with_edge_chains,
)
from sanctionwatch.trace.exporters._layout import SankeyNode, layered, sankey

#: Addresses drawn in the graph; beyond it the most tainted are kept (seeds always).
MAX_NODES = 2000
#: Edges drawn in the graph; beyond it the most tainted (by share of their asset) are kept.
MAX_EDGES = 10000
#: Rows of the terminals and links tables.
MAX_ROWS = 2000
#: Stage columns of the Sankey diagram.
MAX_STAGES = 4
#: Node captions are drawn up to this many nodes (tooltips always).
MAX_CAPTIONS = 400

CATEGORY_COLOURS: dict[str, str] = {
    "exchange": "#1f77b4",
    "bridge": "#9467bd",
    "cross_chain_swap": "#8c564b",
    "dex": "#17becf",
    "mixer": "#d62728",
    "otc": "#ff7f0e",
    "sanctioned": "#7f0000",
    "theft": "#e377c2",
    "scam": "#bcbd22",
    "unlabeled_hub": "#6b6b6b",
}
HUB_COLOUR = "#a5a5a5"
PLAIN_COLOUR = "#d0d0d0"
STAGE_COLOURS: dict[str, str] = {
    "split": "#6baed6",
    "consolidation": "#3182bd",
    "dex_swap": "#17becf",
    "bridge": "#9467bd",
    "cross_chain_swap": "#8c564b",
    "mixer": "#d62728",
    "coinjoin": "#e6550d",
    "peel_chain": "#31a354",
    "dormant": "#969696",
    "otc": "#ff7f0e",
    "exchange_deposit": "#1f77b4",
    "frozen": "#636363",
    "injection": "#a55194",
    "transfer": "#bdbdbd",
}
ASSET_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f")
UNTRACED_COLOUR = "#cccccc"

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;
color:#222}
h1{font-size:1.4em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.8em;
border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .6em;
border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.addr{font-family:ui-monospace,monospace;font-size:.92em;word-break:break-all}
.note{color:#666}.scroll{overflow:auto;max-height:80vh;border:1px solid #eee}
.legend span{display:inline-block;margin-right:1em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;
vertical-align:middle;border-radius:2px}
svg text{font:11px system-ui,sans-serif;fill:#222}
.band{fill:none;stroke-opacity:.35}.band:hover{stroke-opacity:.6}
.edge{fill:none;stroke-opacity:.55}.link{stroke-dasharray:5 4}
.node circle{stroke:#333;stroke-width:.6}.node.seed circle{stroke-width:3}
.node{cursor:pointer}svg.focus .edge{stroke-opacity:.07}svg.focus .edge.hl{stroke-opacity:.95}
svg.focus .node.hl circle{stroke:#000;stroke-width:3}
"""

SCRIPT = """
document.querySelectorAll('svg.graph').forEach(function (svg) {
  svg.addEventListener('click', function (ev) {
    svg.querySelectorAll('.hl').forEach(function (e) { e.classList.remove('hl'); });
    var g = ev.target.closest('g.node');
    if (!g) { svg.classList.remove('focus'); return; }
    svg.classList.add('focus');
    g.classList.add('hl');
    var k = g.getAttribute('data-k');
    svg.querySelectorAll('[data-s="' + k + '"],[data-t="' + k + '"]').forEach(
      function (e) { e.classList.add('hl'); });
  });
});
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def write(result: dict[str, Any], stream: TextIO) -> None:
    """Write the page of ``result``."""
    result = with_edge_chains(result)
    seeds = result.get("seeds") or []
    title = "Trace of " + ", ".join(f"{s.get('chain')}:{s.get('address')}" for s in seeds[:3])
    if len(seeds) > 3:
        title += f" and {len(seeds) - 3} more"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        _header(result, title),
        _sankeys(result),
        _accounting(result),
        _graph(result),
        _terminals(result),
        _by_category(result),
        _by_stage(result),
        _links(result),
        _footer(result),
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    stream.write("\n".join(parts))
    stream.write("\n")


# -- header --------------------------------------------------------------------------
def _header(result: dict[str, Any], title: str) -> str:
    model = str(result.get("model") or "?")
    lines = [f"<h1>{escape(title)}</h1>"]
    about = f"Model <b>{escape(model)}</b>"
    if model == "all":
        models = ", ".join(str(m) for m in result.get("models") or [])
        about += (
            f" ({escape(models)}): amounts under <b>{escape(primary_model(result))}</b>, "
            "ranges over all models in the terminals table"
        )
    lines.append(f"<p>{about}.</p>")
    seeds = result.get("seeds") or []
    if seeds:
        rows = "".join(
            f"<tr><td>{escape(str(s.get('chain')))}</td>"
            f'<td class="addr">{escape(str(s.get("address")))}</td></tr>'
            for s in seeds
        )
        lines.append(f"<table><tr><th>chain</th><th>seed address</th></tr>{rows}</table>")
    parameters = result.get("parameters") or {}
    if parameters:
        items = "; ".join(
            f"{escape(str(k))} <code>{escape(_param(v))}</code>" for k, v in parameters.items()
        )
        lines.append(f'<p class="note">Parameters: {items}.</p>')
    return "\n".join(lines)


def _param(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


# -- Sankey --------------------------------------------------------------------------
def _sankeys(result: dict[str, Any]) -> str:
    parts = ["<h2>Where the tainted value went</h2>"]
    parts.append(
        f'<p class="note">Per asset, under the {escape(primary_model(result))} model: the '
        "traced value, the laundering stages in order on each terminal's evidence path, and "
        "the destination category; the untraced remainder goes straight to its reason. "
        "Widths are proportional to value within one asset.</p>"
    )
    drawn = 0
    for asset in asset_list(result):
        svg = _sankey(result, asset)
        if svg:
            parts.append(f"<h3>{escape(unit_name(result, asset))}</h3>{svg}")
            drawn += 1
    if not drawn:
        parts.append("<p>No tainted value was traced.</p>")
    return "\n".join(parts)


def _stages(path: list[dict[str, Any]]) -> list[str]:
    """The stages met along a path, consecutive repeats and plain transfers dropped."""
    stages: list[str] = []
    for edge in path:
        stage = edge.get("stage")
        if stage and stage != "transfer" and (not stages or stages[-1] != stage):
            stages.append(str(stage))
    return stages[-MAX_STAGES:]


def sankey_flows(
    result: dict[str, Any], asset: str
) -> tuple[list[SankeyNode], list[tuple[str, str, float]]]:
    """The Sankey nodes and flows (whole units) of one asset under the primary model."""
    # the primary model's value: rows that only other models reach (0 here) have no band
    terminals = [
        t
        for t in result.get("terminals") or []
        if str(t.get("asset")) == asset and whole_float(result, t.get("tainted_amount"), asset) > 0
    ]
    paths = [_stages(t.get("path") or []) for t in terminals]
    last = max((len(p) for p in paths), default=0) + 1
    nodes: dict[str, SankeyNode] = {}
    flows: dict[tuple[str, str], float] = {}

    def node(column: int, name: str, kind: str, label: str | None = None) -> str:
        key = f"{column}:{kind}:{name}"
        nodes.setdefault(key, SankeyNode(key, label or name, column, kind))
        return key

    def flow(source: str, target: str, value: float) -> None:
        flows[(source, target)] = flows.get((source, target), 0.0) + value

    source = node(0, asset, "source", f"{asset} traced")
    for terminal, stages in zip(terminals, paths, strict=True):
        value = whole_float(result, terminal.get("tainted_amount"), asset)
        chain = [source, *(node(1 + i, s, "stage") for i, s in enumerate(stages))]
        kind = "continued" if terminal.get("continued") else "category"
        chain.append(node(last, terminal_category(terminal), kind))
        for a, b in itertools.pairwise(chain):
            flow(a, b, value)
    numbers = ((result.get("summary") or {}).get("assets") or {}).get(asset) or {}
    untraced = (numbers.get(primary_model(result)) or {}).get("untraced") or {}
    for reason, amount in untraced.items():
        value = whole_float(result, amount, asset)
        if value > 0:
            flow(source, node(last, str(reason), "untraced", f"untraced: {reason}"), value)
    inflow: dict[str, float] = {}
    outflow: dict[str, float] = {}
    for (a, b), value in flows.items():
        outflow[a] = outflow.get(a, 0.0) + value
        inflow[b] = inflow.get(b, 0.0) + value
    for n in nodes.values():
        n.value = max(inflow.get(n.id, 0.0), outflow.get(n.id, 0.0))
    rank = {"continued": 1, "untraced": 2}
    ordered = sorted(nodes.values(), key=lambda n: (n.column, rank.get(n.kind, 0), -n.value))
    return ordered, [(s, t, v) for (s, t), v in flows.items()]


def _sankey(result: dict[str, Any], asset: str) -> str:
    nodes, flows = sankey_flows(result, asset)
    if not flows:
        return ""
    last = max(n.column for n in nodes)
    rows = max(sum(1 for n in nodes if n.column == c) for c in range(last + 1))
    captions = {n.id: f"{n.label} {_amount(n.value)}" for n in nodes}

    def room(column: int) -> float:  # text width beside the nodes of a column, roughly
        widths = [len(captions[n.id]) for n in nodes if n.column == column]
        return 6.5 * max(widths, default=0) + 12

    left, right = room(0), room(last)
    inner_width = max(180.0 * last, 420.0)
    width, height = left + inner_width + right, max(240.0, 30.0 * rows)
    top = 24.0
    bands = sankey(nodes, flows, inner_width, height - top - 8)
    by_id = {n.id: n for n in nodes}
    out = [
        f'<svg class="sankey" width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-label="Sankey diagram of {escape(asset)}">',
        f'<g transform="translate({left:.0f},{top:.0f})">',
    ]
    for column in range(last + 1):
        x = next(n.x for n in nodes if n.column == column) + 7
        caption = (
            "traced" if column == 0 else "destination" if column == last else f"stage {column}"
        )
        out.append(f'<text x="{x:.1f}" y="-10" text-anchor="middle">{caption}</text>')
    for band in bands:
        source, target = by_id[band.source], by_id[band.target]
        tip = f"{source.label} → {target.label}: {_amount(band.value)} {asset}"
        out.append(
            f'<path class="band" d="{band.path}" stroke="{_sankey_colour(target)}" '
            f'stroke-width="{max(band.width, 1.0):.1f}"><title>{escape(tip)}</title></path>'
        )
    for n in nodes:
        if n.value <= 0:
            continue
        tip = f"{n.label}: {_amount(n.value)} {asset}"
        out.append(
            f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="14" height="{n.height:.1f}" '
            f'fill="{_sankey_colour(n)}"><title>{escape(tip)}</title></rect>'
        )
        before = n.column == 0
        x = n.x - 4 if before else n.x + 18
        anchor = "end" if before else "start"
        out.append(
            f'<text x="{x:.1f}" y="{n.y + n.height / 2 + 4:.1f}" text-anchor="{anchor}">'
            f"{escape(captions[n.id])}</text>"
        )
    out.append("</g></svg>")
    return "\n".join(out)


def _sankey_colour(node: SankeyNode) -> str:
    if node.kind == "stage":
        return STAGE_COLOURS.get(node.label, "#8c8c8c")
    if node.kind in ("category", "continued"):
        return _category_colour(node.label.removesuffix(" (continued)"))
    if node.kind == "untraced":
        return UNTRACED_COLOUR
    return "#555555"


def _amount(value: float) -> str:
    """A whole-unit float rounded for reading."""
    return human(Decimal(repr(value))) if math.isfinite(value) else "?"


def _category_colour(category: str | None) -> str:
    if not category:
        return PLAIN_COLOUR
    if category.startswith("hub:"):
        return HUB_COLOUR
    return CATEGORY_COLOURS.get(category, "#8c8c8c")


# -- accounting ----------------------------------------------------------------------
def _accounting(result: dict[str, Any]) -> str:
    headers, rows = accounting(result)
    lines = []
    for asset, model, values in rows:
        cells = "".join(f'<td class="n">{escape(show(result, v, asset))}</td>' for v in values)
        lines.append(
            f"<tr><td>{escape(unit_name(result, asset))}</td><td>{escape(model)}</td>{cells}</tr>"
        )
    head = "".join(f"<th>{escape(h)}</th>" for h in ["asset", "model", *headers])
    body = "".join(lines) or f'<tr><td colspan="{len(headers) + 2}">nothing traced</td></tr>'
    return (
        "<h2>Traced value and untraced remainder</h2>"
        '<p class="note">traced = source + absorbed clean (poison only) = to terminals + '
        "through links (followed on as another asset or chain) + held (still at traced "
        "addresses) + below dust (not followed) + hop limit + fees.</p>"
        f"<table><tr>{head}</tr>{body}</table>"
    )


def _by_category(result: dict[str, Any]) -> str:
    summary = result.get("summary") or {}
    rows = [
        f"<tr><td>{escape(str(category))}{suffix}</td>"
        f"<td>{escape(amounts_text(result, amounts))}</td></tr>"
        for key, suffix in (("by_category", ""), ("through_links", " (continued)"))
        for category, amounts in (summary.get(key) or {}).items()
    ]
    return _table(
        "Tainted value by destination category",
        ["category", "tainted value"],
        rows,
        len(rows),
        "none",
    )


# -- graph ---------------------------------------------------------------------------
def _graph(result: dict[str, Any]) -> str:
    all_nodes = graph_nodes(result)
    parts = ["<h2>Trace graph</h2>"]
    if not all_nodes:
        parts.append("<p>No addresses were reached.</p>")
        return "\n".join(parts)
    best = max_tainted_in(result)
    share = {n.key: share_of(best, n.data) for n in all_nodes}
    ranked = sorted(all_nodes, key=lambda n: (not n.seed, -share[n.key], n.key))
    kept = ranked[:MAX_NODES]
    left_out = len(ranked) - len(kept)
    if left_out:
        parts.append(
            f"<p><b>{left_out} of {len(ranked)} addresses are not drawn</b>: only the "
            f"{MAX_NODES} most tainted (and the seeds) are; the JSON, CSV and GraphML "
            "outputs have them all.</p>"
        )
    index = {n.key: i for i, n in enumerate(kept)}
    edges = [
        e
        for e in result.get("edges") or []
        if node_key(e.get("chain"), e.get("from_address")) in index
        and node_key(e.get("chain"), e.get("to_address")) in index
    ]
    edge_best: dict[str, float] = {}
    for e in edges:
        value = e.get("tainted_amount")
        if isinstance(value, int | float):
            asset = str(e.get("asset"))
            edge_best[asset] = max(edge_best.get(asset, 0.0), float(value))

    def edge_share(e: dict[str, Any]) -> float:
        top = edge_best.get(str(e.get("asset")), 0.0)
        value = e.get("tainted_amount")
        return float(value) / top if top > 0 and isinstance(value, int | float) else 0.0

    if len(edges) > MAX_EDGES:
        parts.append(
            f"<p><b>{len(edges) - MAX_EDGES} of {len(edges)} transfers are not drawn</b>: "
            f"only the {MAX_EDGES} most tainted are.</p>"
        )
        edges = sorted(edges, key=edge_share, reverse=True)[:MAX_EDGES]
    connectors = [c for c in link_connectors(result) if c.source in index and c.target in index]
    ends = [
        (
            node_key(e.get("chain"), e.get("from_address")),
            node_key(e.get("chain"), e.get("to_address")),
        )
        for e in edges
    ]
    layout = layered(
        {n.key: int(n.data.get("hop") or 0) for n in kept},
        [n.key for n in kept],
        [*ends, *((c.source, c.target) for c in connectors)],
    )
    assets = asset_list(result)
    colour = {a: ASSET_COLOURS[i % len(ASSET_COLOURS)] for i, a in enumerate(assets)}
    out = [
        f'<div class="scroll"><svg class="graph" width="{layout.width:.0f}" '
        f'height="{layout.height:.0f}" role="img" aria-label="trace graph">'
    ]
    for hop, x in layout.columns.items():
        caption = "source" if hop < 0 else f"hop {hop}"
        out.append(f'<text x="{x:.0f}" y="16" text-anchor="middle" class="note">{caption}</text>')
    for e, (source, target) in zip(edges, ends, strict=True):
        out.append(
            _edge_svg(result, e, layout.position, index, source, target, colour, edge_share(e))
        )
    for c in connectors:
        (x0, y0), (x1, y1) = layout.position[c.source], layout.position[c.target]
        link = c.link
        tip = (
            f"{link.get('kind')} link, confidence {link.get('confidence')}\n"
            f"{link.get('from_chain')} {link.get('from_tx')}\n"
            f"→ {link.get('to_chain')} {link.get('to_tx')}\n{link.get('evidence') or ''}"
        )
        out.append(
            f'<path class="edge link" data-s="{index[c.source]}" data-t="{index[c.target]}" '
            f'd="{_curve(x0, y0, x1, y1)}" stroke="#444" stroke-width="1.5">'
            f"<title>{escape(tip)}</title></path>"
        )
    captions = len(kept) <= MAX_CAPTIONS
    for n in kept:
        x, y = layout.position[n.key]
        out.append(_node_svg(result, n, index[n.key], x, y, share[n.key], captions))
    out.append("</svg></div>")
    parts.append("\n".join(out))
    parts.append(_legend(kept, assets, colour))
    return "\n".join(parts)


def _curve(x0: float, y0: float, x1: float, y1: float) -> str:
    if abs(x1 - x0) < 1:  # same hop: bulge to the right
        return (
            f"M{x0:.1f},{y0:.1f} C{x0 + 60:.1f},{y0:.1f} {x1 + 60:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
        )
    middle = (x0 + x1) / 2
    return f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def _edge_svg(
    result: dict[str, Any],
    e: dict[str, Any],
    position: dict[str, tuple[float, float]],
    index: dict[str, int],
    source: str,
    target: str,
    colour: dict[str, str],
    share: float,
) -> str:
    asset = str(e.get("asset"))
    (x0, y0), (x1, y1) = position[source], position[target]
    kind, confidence = edge_link(e)
    lines = [
        f"{e.get('chain')} tx {e.get('tx_hash')}",
        f"{e.get('from_address')} → {e.get('to_address')}",
        f"{show(result, e.get('amount'), asset)} {asset}, tainted "
        f"{show(result, e.get('tainted_amount'), asset)} {asset}",
        f"{e.get('block_time')}, hop {e.get('hop')}, stage {stage_name(e.get('stage'))}",
    ]
    if e.get("stage_evidence"):
        lines.append(str(e["stage_evidence"]))
    if kind:
        lines.append(f"link {kind}, confidence {confidence}")
    width = 0.8 + 6.0 * math.sqrt(max(share, 0.0))
    return (
        f'<path class="edge" data-s="{index[source]}" data-t="{index[target]}" '
        f'd="{_curve(x0, y0, x1, y1)}" stroke="{colour.get(asset, "#888")}" '
        f'stroke-width="{width:.1f}"><title>{escape(chr(10).join(lines))}</title></path>'
    )


def _node_svg(
    result: dict[str, Any],
    n: GraphNode,
    number: int,
    x: float,
    y: float,
    share: float,
    caption: bool,
) -> str:
    data = n.data
    labels = data.get("labels") or {}
    label = labels.get("label")
    lines = [f"{data.get('chain')} {data.get('address')}"]
    if label:
        lines.append(str(label))
    if labels.get("source"):  # the list entry or pack the label comes from
        lines.append(f"label source: {labels['source']}")
    if n.category:
        lines.append(f"category {n.category}")
    lines.append(f"hop {data.get('hop')}" + (", seed" if n.seed else ""))
    if data.get("stage"):
        lines.append(f"stage {data.get('stage')}")
    if data.get("tainted_in"):
        lines.append(f"tainted in: {amounts_text(result, data.get('tainted_in'))}")
    if data.get("held"):
        lines.append(f"tainted held: {amounts_text(result, data.get('held'))}")
    if not n.listed:
        lines.append("outside the trace (sender of source value)")
    radius = 4.0 + 10.0 * math.sqrt(max(share, 0.0))
    classes = "node seed" if n.seed else "node"
    text = ""
    if caption:
        address = str(data.get("address"))
        short = str(label) if label else f"{address[:8]}…{address[-4:]}"
        if len(short) > 28:
            short = short[:27] + "…"
        text = f'<text x="{x + radius + 3:.1f}" y="{y + 4:.1f}">{escape(short)}</text>'
    return (
        f'<g class="{classes}" data-k="{number}"><title>{escape(chr(10).join(lines))}</title>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
        f'fill="{_category_colour(n.category)}"/>{text}</g>'
    )


def _legend(nodes: list[GraphNode], assets: list[str], colour: dict[str, str]) -> str:
    categories = sorted({n.category for n in nodes if n.category})
    items = [
        f'<span><i style="background:{_category_colour(c)}"></i>{escape(c)}</span>'
        for c in categories
    ]
    items.append(f'<span><i style="background:{PLAIN_COLOUR}"></i>unlabelled</span>')
    items += [
        f'<span><i style="background:{colour[a]}"></i>{escape(a)} transfers</span>' for a in assets
    ]
    items.append("<span>thick ring: seed; dashed: swap or bridge link</span>")
    return f'<p class="legend">{"".join(items)}</p>'


# -- tables --------------------------------------------------------------------------
def _label_cell(terminal: dict[str, Any]) -> str:
    """The terminal's label (unlabelled: why it is a terminal), its source and confidence
    on hover."""
    label = terminal_label(terminal)
    about = "; ".join(
        f"{name} {terminal[key]}"
        for name, key in (("source", "label_source"), ("confidence", "label_confidence"))
        if terminal.get(key)
    )
    sweep = terminal.get("swept_to")
    if sweep:  # the rule and the sweep, and the source of the wallet's label
        about = str(terminal.get("evidence") or "")
        if sweep.get("label_source"):
            about += f"; the wallet's label: source {sweep['label_source']}"
    title = f' title="{escape(about)}"' if about else ""
    return f"<td{title}>{escape(label)}</td>"


def _terminals(result: dict[str, Any]) -> str:
    terminals = result.get("terminals") or []
    ranged = any("range" in t for t in terminals)
    headers = ["address", "chain", "category", "label", "amount", "asset"]
    if ranged:
        headers += ["range over models"]
    headers += ["hops", "stages on the path"]
    rows = []
    for t in terminals[:MAX_ROWS]:
        asset = str(t.get("asset"))
        cells = [
            f'<td class="addr">{escape(str(t.get("address")))}</td>',
            f"<td>{escape(str(t.get('chain')))}</td>",
            f"<td>{escape(terminal_category(t))}</td>",
            _label_cell(t),
            f'<td class="n">{escape(show(result, t.get("tainted_amount"), asset))}</td>',
            f"<td>{escape(asset)}</td>",
        ]
        if ranged:
            span = range_text(result, t)
            models = t.get("models") or {}
            tip = "; ".join(f"{m} {show(result, v, asset)}" for m, v in models.items())
            cells.append(f'<td class="n" title="{escape(tip)}">{escape(span)}</td>')
        path = t.get("path") or []
        stages = " → ".join(_stages(path)) or "-"
        cells.append(f'<td class="n">{len(path)}</td><td>{escape(stages)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return _table(
        f"Terminals ({len(terminals)})", headers, rows, len(terminals), "no terminal reached"
    )


def _by_stage(result: dict[str, Any]) -> str:
    by_stage = (result.get("summary") or {}).get("by_stage") or {}
    rows = [
        f"<tr><td>{escape(stage_name(stage))}</td>"
        f"<td>{escape(amounts_text(result, amounts))}</td></tr>"
        for stage, amounts in by_stage.items()
    ]
    return _table("Tainted value by stage", ["stage", "tainted value"], rows, len(rows), "none")


def _links(result: dict[str, Any]) -> str:
    links = result.get("links") or []
    headers = ["kind", "from", "to", "in", "out", "tainted in", "tainted out", "confidence"]
    headers.append("evidence")
    rows = []
    for link in links[:MAX_ROWS]:
        a_in, a_out = str(link.get("asset_in")), str(link.get("asset_out"))
        confidence = link.get("confidence")
        cells = [
            escape(str(link.get("kind"))),
            f"{escape(str(link.get('from_chain')))} "
            f'<span class="addr">{escape(str(link.get("from_tx")))}</span>',
            f"{escape(str(link.get('to_chain')))} "
            f'<span class="addr">{escape(str(link.get("to_tx")))}</span>',
            escape(f"{show(result, link.get('amount_in'), a_in)} {a_in}"),
            escape(f"{show(result, link.get('amount_out'), a_out)} {a_out}"),
            escape(f"{show(result, link.get('tainted_in'), a_in)} {a_in}"),
            escape(f"{show(result, link.get('tainted_out'), a_out)} {a_out}"),
            f"{confidence:.2f}" if isinstance(confidence, int | float) else "",
            escape(str(link.get("evidence") or "")),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return _table(
        "Links: swaps, bridges, mixers", headers, rows, len(links), "no swap or bridge followed"
    )


def _table(title: str, headers: list[str], rows: list[str], total: int, empty: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(rows) or f'<tr><td colspan="{len(headers)}">{escape(empty)}</td></tr>'
    more = ""
    if total > len(rows) and rows:
        more = f'<p class="note">{total - len(rows)} more rows in the JSON output.</p>'
    return f"<h2>{escape(title)}</h2><table><tr>{head}</tr>{body}</table>{more}"


def _footer(result: dict[str, Any]) -> str:
    summary = result.get("summary") or {}
    seconds = summary.get("seconds")
    took = f" in {seconds:.2f} s" if isinstance(seconds, int | float) else ""
    return (
        f'<p class="note">{len(result.get("nodes") or [])} addresses, '
        f"{len(result.get('edges') or [])} transfers, "
        f"{len(result.get('terminals') or [])} terminals; traced{took} by sanctionwatch. "
        "Amounts are in whole units, rounded; the JSON output has the exact base units.</p>"
    )
