"""A small static Sankey diagram as SVG (no browser, no network), for reports.

Vega-Lite has no Sankey mark and Plotly's static export needs a browser, so the layout is
done here: nodes sit in columns (given by the caller), stacked by value; links are bands
of cubic Béziers whose width is proportional to their value. Good for the few dozen nodes
of a laundering summary, not for general graphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PALETTE = ("#3b6ea8", "#c8553d", "#588b8b", "#8e6c8a", "#d9a441", "#5f7a3a", "#7d7d7d")


@dataclass(slots=True, frozen=True)
class Flow:
    source: str
    target: str
    value: float


def sankey_svg(
    columns: list[list[str]],
    flows: list[Flow],
    *,
    width: int = 760,
    height: int = 360,
    unit: str = "",
) -> str:
    """SVG text of a Sankey with nodes in ``columns`` (left to right) and ``flows``
    between nodes of consecutive columns (others are ignored). Node labels carry their
    value; ``unit`` appears in the hover titles and the caption line at the bottom."""
    column_of = {name: i for i, col in enumerate(columns) for name in col}
    flows = [
        f
        for f in flows
        if f.value > 0
        and f.source in column_of
        and f.target in column_of
        and column_of[f.target] == column_of[f.source] + 1
    ]
    out_total: dict[str, float] = {}
    in_total: dict[str, float] = {}
    for f in flows:
        out_total[f.source] = out_total.get(f.source, 0.0) + f.value
        in_total[f.target] = in_total.get(f.target, 0.0) + f.value
    value = {n: max(out_total.get(n, 0.0), in_total.get(n, 0.0)) for n in column_of}
    columns = [[n for n in col if value[n] > 0] for col in columns]
    if not flows or not any(columns):
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40">'
            '<text x="4" y="24" font-size="12">No flows to show.</text></svg>'
        )
    left_w, right_w, node_w, gap, top = 185, 225, 14, 8, 14
    usable = height - 2 * top
    scale = min(
        (usable - gap * max(len(col) - 1, 0)) / max(sum(value[n] for n in col), 1e-12)
        for col in columns
        if col
    )
    step = (width - left_w - right_w - node_w) / max(len(columns) - 1, 1)
    box: dict[str, tuple[float, float, float]] = {}  # name -> (x, y, h)
    for i, col in enumerate(columns):
        y = float(top)
        x = left_w + i * step
        for name in sorted(col, key=lambda n: -value[n]):
            h = max(value[name] * scale, 1.0)
            box[name] = (x, y, h)
            y += h + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="9">'
    ]
    out_y = {n: box[n][1] for n in box}
    in_y = {n: box[n][1] for n in box}
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(columns[0])}
    for f in sorted(flows, key=lambda f: (box[f.source][1], box[f.target][1])):
        sx, _, _ = box[f.source]
        tx, _, _ = box[f.target]
        w = max(f.value * scale, 0.5)
        y0 = out_y[f.source] + w / 2
        y1 = in_y[f.target] + w / 2
        out_y[f.source] += w
        in_y[f.target] += w
        colour.setdefault(f.target, colour.get(f.source, PALETTE[0]))
        x0, x1 = sx + node_w, tx
        mid = (x0 + x1) / 2
        parts.append(
            f'<path d="M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} '
            f'{x1:.1f},{y1:.1f}" stroke="{colour.get(f.source, PALETTE[0])}" '
            f'stroke-opacity="0.35" stroke-width="{w:.1f}" fill="none">'
            f"<title>{escape(f.source)} → {escape(f.target)}: {f.value:,.2f} {escape(unit)}"
            "</title></path>"
        )
    last = len(columns) - 1
    for name, (x, y, h) in box.items():
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{node_w}" height="{h:.1f}" '
            f'fill="{colour.get(name, PALETTE[-1])}"/>'
        )
        right = column_of[name] == last
        tx = x + node_w + 4 if right else x - 4
        anchor = "start" if right else "end"
        short = name if len(name) <= 26 else name[:25] + "…"
        amount = f"{value[name]:,.2f}" if value[name] >= 1 else f"{value[name]:.3g}"
        text = f"{short} ({amount})"
        parts.append(
            f'<text x="{tx:.1f}" y="{y + h / 2 + 3:.1f}" text-anchor="{anchor}">'
            f"{escape(text)}</text>"
        )
    if unit:
        parts.append(f'<text x="4" y="9" fill="#666">amounts in {escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
