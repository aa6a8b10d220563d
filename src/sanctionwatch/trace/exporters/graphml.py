"""The trace graph as GraphML, for Gephi, yEd, networkx or igraph.

Directed, parallel edges allowed (one edge per transfer). Node ids are ``chain:address``;
edge ids ``e0, e1, ...`` in the order of ``edges``, then ``l0, l1, ...`` for the link
connectors (``kind = link``: a swap's or bridge's deposit recipient to its payout sender).

Node attributes: ``address, chain, hop`` (int; -1 for senders of source value outside the
trace), ``category, categories`` (comma separated), ``label, stage, seed, terminal``
(booleans), ``evidence`` (a terminal's: why an unlabelled address is one, e.g. the sweep
that makes it an exchange deposit address), ``tainted_in`` and ``held`` (per asset as text,
``"400 ETH; 12.5 BTC"``), ``tainted`` (double: tainted inflow in whole units of the primary
asset, the graph's ``primary_asset``).

Edge attributes: every edge field (``tx_hash, position, chain, from_address, to_address,
asset, amount`` as exact base-unit text, ``tainted_amount`` in base units, ``block_time, hop,
stage, stage_evidence, link_kind, link_confidence``; the transfer's own ``kind``, tx, token,
trace or output, as ``transfer_kind``), ``amount_whole`` and ``weight`` (tainted amount in
whole units, the edge weight Gephi uses) and ``kind`` (``transfer`` or ``link``).
Other scalar edge fields (``vout``, ``after_coinjoin``, ``from_addresses`` of UTXO edges, as
space-separated text) get keys typed from their values. Edge ends without an address are the
node ``chain:(no address)``.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal, TextIO
from xml.sax.saxutils import escape

from sanctionwatch.trace.exporters._common import (
    amounts_text,
    edge_link,
    graph_nodes,
    link_connectors,
    node_key,
    primary_asset,
    primary_model,
    whole_float,
    with_edge_chains,
)

NAMESPACE = "http://graphml.graphdrawing.org/xmlns"
AttrType = Literal["string", "int", "double", "boolean"]

GRAPH_KEYS: tuple[tuple[str, AttrType], ...] = (
    ("seeds", "string"),
    ("model", "string"),
    ("primary_model", "string"),
    ("primary_asset", "string"),
    ("parameters", "string"),
)
NODE_KEYS: tuple[tuple[str, AttrType], ...] = (
    ("address", "string"),
    ("chain", "string"),
    ("hop", "int"),
    ("category", "string"),
    ("categories", "string"),
    ("label", "string"),
    ("stage", "string"),
    ("seed", "boolean"),
    ("terminal", "boolean"),
    ("evidence", "string"),
    ("tainted_in", "string"),
    ("held", "string"),
    ("tainted", "double"),
)
EDGE_KEYS: tuple[tuple[str, AttrType], ...] = (
    ("kind", "string"),
    ("tx_hash", "string"),
    ("transfer_kind", "string"),
    ("position", "string"),
    ("chain", "string"),
    ("from_address", "string"),
    ("to_address", "string"),
    ("asset", "string"),
    ("amount", "string"),
    ("tainted_amount", "double"),
    ("block_time", "string"),
    ("hop", "int"),
    ("stage", "string"),
    ("stage_evidence", "string"),
    ("link_kind", "string"),
    ("link_confidence", "double"),
    ("amount_whole", "double"),
    ("weight", "double"),
)

#: Characters XML 1.0 cannot carry, even escaped (adversarial labels may contain them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write(result: dict[str, Any], stream: TextIO) -> None:
    """Write ``result`` as one GraphML document, element by element (no whole tree in memory)."""
    result = with_edge_chains(result)
    extra = extra_edge_keys(result)
    stream.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="{NAMESPACE}">\n')
    keys: dict[str, dict[str, tuple[str, AttrType]]] = {}
    for scope, declared in (
        ("graph", GRAPH_KEYS),
        ("node", NODE_KEYS),
        ("edge", EDGE_KEYS + extra),
    ):
        for number, (name, attr_type) in enumerate(declared):
            key_id = f"k{scope[0]}{number}"
            keys.setdefault(scope, {})[name] = (key_id, attr_type)
            attrs = {"id": key_id, "for": scope, "attr.name": name, "attr.type": attr_type}
            stream.write(_element("key", attrs, [], 1))
    stream.write('  <graph id="trace" edgedefault="directed">\n')
    primary = primary_asset(result)
    parameters = result.get("parameters") or {}
    seeds = [node_key(s.get("chain"), s.get("address")) for s in result.get("seeds") or []]
    graph_data = {
        "seeds": " ".join(seeds),
        "model": result.get("model"),
        "primary_model": primary_model(result),
        "primary_asset": primary,
        "parameters": "; ".join(f"{k}={v}" for k, v in parameters.items()),
    }
    for key_id, text in _data(keys["graph"], graph_data):
        stream.write(_element("data", {"key": key_id}, [], 2, text))
    for node in graph_nodes(result):
        data = node.data
        labels = data.get("labels") or {}
        tainted_in = data.get("tainted_in") or {}
        values = {
            "address": data.get("address"),
            "chain": data.get("chain"),
            "hop": data.get("hop"),
            "category": node.category,
            "categories": ",".join(str(c) for c in labels.get("categories") or []),
            "label": labels.get("label"),
            "stage": data.get("stage"),
            "seed": node.seed,
            "terminal": node.terminal,
            "evidence": node.evidence,
            "tainted_in": amounts_text(result, tainted_in),
            "held": amounts_text(result, data.get("held")),
            "tainted": whole_float(result, tainted_in.get(primary, 0.0), str(primary)),
        }
        stream.write(_element("node", {"id": _text(node.key)}, _data(keys["node"], values), 2))
    for number, edge in enumerate(result.get("edges") or []):
        asset = str(edge.get("asset"))
        kind, confidence = edge_link(edge)
        source = node_key(edge.get("chain"), edge.get("from_address"))
        target = node_key(edge.get("chain"), edge.get("to_address"))
        ends = {"id": f"e{number}", "source": _text(source), "target": _text(target)}
        values = {
            **{name: edge.get(name) for name, _ in EDGE_KEYS + extra},
            "kind": "transfer",
            "transfer_kind": edge.get("kind"),  # the edge's own kind: the graph's is above
            "link_kind": kind or None,
            "link_confidence": confidence,
            "amount_whole": whole_float(result, edge.get("amount"), asset),
            "weight": whole_float(result, edge.get("tainted_amount"), asset),
        }
        stream.write(_element("edge", ends, _data(keys["edge"], values), 2))
    for number, connector in enumerate(link_connectors(result)):
        link = connector.link
        ends = {
            "id": f"l{number}",
            "source": _text(connector.source),
            "target": _text(connector.target),
        }
        values = {
            "kind": "link",
            "tx_hash": f"{link.get('from_tx')} -> {link.get('to_tx')}",
            "chain": f"{link.get('from_chain')} -> {link.get('to_chain')}",
            "asset": f"{link.get('asset_in')} -> {link.get('asset_out')}",
            "stage": link.get("kind"),
            "stage_evidence": link.get("evidence"),
            "link_kind": link.get("kind"),
            "link_confidence": link.get("confidence"),
        }
        stream.write(_element("edge", ends, _data(keys["edge"], values), 2))
    stream.write("  </graph>\n</graphml>\n")


def _element(
    tag: str, attrs: dict[str, str], data: list[tuple[str, str]], level: int, text: str = ""
) -> str:
    """One element indented at ``level``, its ``<data key=...>`` children one level deeper,
    as text: what ``ElementTree.indent`` and ``tostring`` wrote, byte for byte (14.2 s for
    the 50M analyst trace's 65k edges with them)."""
    pad = "  " * level
    head = pad + "<" + tag + "".join(f' {k}="{_attribute(v)}"' for k, v in attrs.items())
    if data:
        inner = "".join(
            f'{pad}  <data key="{key}">{_character_data(t)}</data>\n'
            if t
            else f'{pad}  <data key="{key}" />\n'
            for key, t in data
        )
        return f"{head}>\n{inner}{pad}</{tag}>\n"
    if text:
        return f"{head}>{_character_data(text)}</{tag}>\n"
    return head + " />\n"


def _attribute(text: str) -> str:
    """An attribute value escaped as ``ElementTree`` escapes it (Python 3.11)."""
    if _ATTRIBUTE_SPECIAL.search(text) is None:  # most values: no call to escape
        return text
    return escape(text, _ATTRIBUTE_ENTITIES)


def _character_data(text: str) -> str:
    """Element text escaped as ``ElementTree`` escapes it."""
    return text if _DATA_SPECIAL.search(text) is None else escape(text)


# what ElementTree escapes in an attribute beyond &, < and > (``escape``'s own)
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\r\n\t]')
_DATA_SPECIAL = re.compile("[&<>]")


def _data(keys: dict[str, tuple[str, AttrType]], values: dict[str, Any]) -> list[tuple[str, str]]:
    """(key id, text) of the ``<data>`` elements for the values that are not None (typed as
    the key declares)."""
    out = []
    for name, value in values.items():
        key_id, attr_type = keys[name]
        text = _typed(value, attr_type)
        if text is not None:
            out.append((key_id, text))
    return out


def extra_edge_keys(result: dict[str, Any]) -> tuple[tuple[str, AttrType], ...]:
    """Edge fields beyond ``EDGE_KEYS`` (e.g. ``vout``, ``from_addresses`` of UTXO edges),
    typed from their values: booleans, ints, floats, else text (lists joined by spaces)."""
    known = {name for name, _ in EDGE_KEYS} | {"link"}
    seen: dict[str, set[AttrType]] = {}
    for edge in result.get("edges") or []:
        for name, value in edge.items():
            if name in known or value is None or isinstance(value, dict):
                continue
            seen.setdefault(name, set()).add(_type_of(value))
    out: list[tuple[str, AttrType]] = []
    for name, types in seen.items():
        if len(types) == 1:
            out.append((name, types.pop()))
        else:
            out.append((name, "double" if types == {"int", "double"} else "string"))
    return tuple(out)


def _type_of(value: Any) -> AttrType:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    return "string"


def _typed(value: Any, kind: AttrType) -> str | None:
    if value is None:
        return None
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "int":
        return str(int(value)) if isinstance(value, int | float) else None
    if isinstance(value, list | tuple):
        return _text(" ".join("" if v is None else str(v) for v in value))
    if kind == "double":
        if not isinstance(value, int | float) or math.isnan(value):  # no GraphML form for NaN
            return None
        return repr(float(value))
    return _text(value)


def _text(value: Any) -> str:
    """Text XML can carry (characters it cannot are dropped)."""
    return _NOT_XML.sub("", str(value))
