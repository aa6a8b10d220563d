"""Geometry for the HTML view, in plain Python: a Sankey layout and a layered graph layout.

Both return coordinates only; ``html.py`` turns them into SVG.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class SankeyNode:
    """A Sankey node; ``column`` is given, the geometry is filled in by ``sankey``."""

    id: str
    label: str
    column: int
    kind: str = ""  # what colours it: a stage, a category, "source", "untraced"
    value: float = 0.0
    x: float = 0.0
    y: float = 0.0
    height: float = 0.0


@dataclass(slots=True)
class SankeyBand:
    """A flow between two nodes, drawn as a cubic curve stroked ``width`` wide."""

    source: str
    target: str
    value: float
    width: float = 0.0
    path: str = ""


def sankey(
    nodes: Sequence[SankeyNode],
    flows: Iterable[tuple[str, str, float]],
    width: float,
    height: float,
    node_width: float = 14.0,
    gap: float = 12.0,
) -> list[SankeyBand]:
    """Lay out ``nodes`` (column given; order within a column as listed) and the flows.

    A node's height is proportional to the larger of its inflow and outflow, with one scale
    for the whole diagram (the fullest column fills ``height``). Columns are spread evenly
    over ``width`` and centred vertically. Bands leave and enter their nodes stacked in the
    vertical order of the nodes at their other end, so they do not cross at the nodes.
    Flows between unknown nodes or of value <= 0 are dropped.
    """
    by_id = {n.id: n for n in nodes}
    bands = [
        SankeyBand(s, t, v)
        for s, t, v in flows
        if s in by_id and t in by_id and v > 0 and by_id[s].column < by_id[t].column
    ]
    inflow: dict[str, float] = {}
    outflow: dict[str, float] = {}
    for band in bands:
        outflow[band.source] = outflow.get(band.source, 0.0) + band.value
        inflow[band.target] = inflow.get(band.target, 0.0) + band.value
    for node in nodes:
        node.value = max(inflow.get(node.id, 0.0), outflow.get(node.id, 0.0))
    columns: dict[int, list[SankeyNode]] = {}
    for node in nodes:
        columns.setdefault(node.column, []).append(node)
    scale = min(
        (
            (height - gap * (len(col) - 1)) / total
            for col in columns.values()
            if (total := sum(n.value for n in col)) > 0
        ),
        default=0.0,
    )
    scale = max(scale, 0.0)
    last = max(columns, default=0)
    for column, col in columns.items():
        x = (width - node_width) * column / last if last else 0.0
        for node in col:
            node.height = max(node.value * scale, 1.0)
        used = sum(n.height for n in col) + gap * (len(col) - 1)
        y = max((height - used) / 2, 0.0)
        for node in col:
            node.x, node.y = x, y
            y += node.height + gap
    for band in bands:
        band.width = band.value * scale
    top_out = _stack(bands, lambda b: b.source, lambda b: by_id[b.target].y)
    top_in = _stack(bands, lambda b: b.target, lambda b: by_id[b.source].y)
    for i, band in enumerate(bands):
        source, target = by_id[band.source], by_id[band.target]
        x0, y0 = source.x + node_width, source.y + top_out[i] + band.width / 2
        x1, y1 = target.x, target.y + top_in[i] + band.width / 2
        middle = (x0 + x1) / 2
        band.path = (
            f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
        )
    return bands


def _stack(
    bands: Sequence[SankeyBand],
    end: Callable[[SankeyBand], str],
    other: Callable[[SankeyBand], float],
) -> list[float]:
    """Offset of each band within the node at its ``end``, ordered by its ``other`` end."""
    tops = [0.0] * len(bands)
    used: dict[str, float] = {}
    for i in sorted(range(len(bands)), key=lambda i: other(bands[i])):
        node = end(bands[i])
        tops[i] = used.get(node, 0.0)
        used[node] = tops[i] + bands[i].width
    return tops


@dataclass(slots=True)
class Layered:
    """Positions of a layered drawing: ``x``/``y`` per key, the canvas size."""

    position: dict[str, tuple[float, float]] = field(default_factory=dict)
    columns: dict[int, float] = field(default_factory=dict)  # layer -> x
    width: float = 0.0
    height: float = 0.0


def layered(
    layer_of: dict[str, int],
    rank: Sequence[str],
    edges: Iterable[tuple[str, str]],
    column_gap: float = 190.0,
    row_gap: float = 24.0,
    margin: float = 40.0,
) -> Layered:
    """x by layer (hop), y by order within the layer, columns centred on the tallest one.

    The first layer is ordered by ``rank`` (most important first); each later layer by the
    mean relative position of its neighbours in earlier layers (the barycenter heuristic,
    one sweep), nodes without such neighbours after the others in ``rank`` order.
    """
    order = {key: i for i, key in enumerate(rank)}
    neighbours: dict[str, list[str]] = {}
    for source, target in edges:
        if source in layer_of and target in layer_of and source != target:
            neighbours.setdefault(source, []).append(target)
            neighbours.setdefault(target, []).append(source)
    layers: dict[int, list[str]] = {}
    for key in sorted(layer_of, key=lambda k: order.get(k, len(order))):
        layers.setdefault(layer_of[key], []).append(key)
    relative: dict[str, float] = {}
    placed: dict[int, list[str]] = {}
    for layer in sorted(layers):
        members = layers[layer]

        def barycenter(key: str, layer: int = layer) -> tuple[int, float, int]:
            seen = [
                relative[n]
                for n in neighbours.get(key, [])
                if n in relative and layer_of[n] < layer
            ]
            if not seen:
                return (1, 0.0, order.get(key, len(order)))
            return (0, sum(seen) / len(seen), order.get(key, len(order)))

        members = sorted(members, key=barycenter)
        for i, key in enumerate(members):
            relative[key] = (i + 0.5) / len(members)
        placed[layer] = members
    tallest = max((len(m) for m in placed.values()), default=0)
    out = Layered()
    for column, layer in enumerate(sorted(placed)):
        members = placed[layer]
        top = margin + (tallest - len(members)) * row_gap / 2
        out.columns[layer] = margin + column * column_gap
        for i, key in enumerate(members):
            out.position[key] = (margin + column * column_gap, top + i * row_gap)
    out.width = 2 * margin + max(len(placed) - 1, 0) * column_gap + 160.0
    out.height = 2 * margin + max(tallest - 1, 0) * row_gap
    return out
