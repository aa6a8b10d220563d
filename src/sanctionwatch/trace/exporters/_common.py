"""Helpers shared by the exporters: units, the primary asset and model, the node set.

The exporters read the trace dict only (``TraceResult.to_dict()``, see docs/trace.md). They
tolerate missing optional keys (``links``, ``parameters``, ``asset_info``, ...) so that an
older or partial result still exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any

from sanctionwatch.trace.ended import swept_name

#: Precision for unit arithmetic: uint256 has 78 digits, plus the decimals.
_PRECISION = 120


def with_edge_chains(result: Mapping[str, Any]) -> dict[str, Any]:
    """``result`` with ``chain`` filled in on edges that lack it (the sender's chain in the
    nodes or seeds, else the recipient's, else "?"), in ``edges`` and terminal paths.

    A shallow copy; the input is not changed. Results written before edges carried their
    chain export the same way as newer ones.
    """
    out = dict(result)
    chains: dict[str, str] = {}
    for node in [*(result.get("seeds") or []), *(result.get("nodes") or [])]:
        chains.setdefault(str(node.get("address")), str(node.get("chain")))

    def fill(edge: dict[str, Any]) -> dict[str, Any]:
        if edge.get("chain"):
            return edge
        sender, recipient = str(edge.get("from_address")), str(edge.get("to_address"))
        return {**edge, "chain": chains.get(sender) or chains.get(recipient) or "?"}

    out["edges"] = [fill(e) for e in result.get("edges") or []]
    out["terminals"] = [
        {**t, "path": [fill(e) for e in t.get("path") or []]} for t in result.get("terminals") or []
    ]
    return out


def asset_decimals(result: Mapping[str, Any], asset: str) -> int | None:
    """The asset's decimals from ``summary.asset_info``, or None when unknown."""
    info = (result.get("summary") or {}).get("asset_info") or {}
    value = (info.get(asset) or {}).get("decimals")
    return int(value) if isinstance(value, int | float) else None


def to_whole(value: Any, decimals: int | None) -> Decimal | None:
    """``value`` in base units (int, float or exact text) as whole units; None if not a number.

    Unknown decimals leave the value in base units.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return number.scaleb(-(decimals or 0))


def plain(number: Decimal) -> str:
    """Exact decimal text without exponent or trailing zeros (``"400"``, ``"0.0001"``)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def human(number: Decimal | None) -> str:
    """Rounded for reading: 4 decimals from 1 up (with thousands separators), 6 significant
    digits below 1, 3 significant digits in exponent form below 0.000001 (``"4e-17"``)."""
    if number is None:
        return ""
    if number == 0:
        return "0"
    if abs(number) < Decimal("0.000001"):
        return f"{float(number):.3g}"
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if abs(number) >= 1:
            text = f"{number.quantize(Decimal('0.0001'), rounding=ROUND_HALF_EVEN):,f}"
        else:
            step = Decimal(1).scaleb(number.adjusted() - 5)
            text = f"{number.quantize(step, rounding=ROUND_HALF_EVEN):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def show(result: Mapping[str, Any], value: Any, asset: str) -> str:
    """``value`` (base units of ``asset``) rounded in whole units, for people."""
    return human(to_whole(value, asset_decimals(result, asset)))


def whole_float(result: Mapping[str, Any], value: Any, asset: str) -> float:
    """``value`` (base units of ``asset``) in whole units as a float (0.0 if not a number)."""
    number = to_whole(value, asset_decimals(result, asset))
    return float(number) if number is not None else 0.0


def unit_name(result: Mapping[str, Any], asset: str) -> str:
    """The asset's name for display; marked when its decimals are unknown (base units)."""
    return asset if asset_decimals(result, asset) is not None else f"{asset} (base units)"


def asset_list(result: Mapping[str, Any]) -> list[str]:
    """Every asset the result mentions, in order of first mention (summary first)."""
    summary = result.get("summary") or {}
    seen: dict[str, None] = {}
    for asset in summary.get("assets") or {}:
        seen.setdefault(str(asset), None)
    for asset in summary.get("asset_info") or {}:
        seen.setdefault(str(asset), None)
    for edge in result.get("edges") or []:
        if edge.get("asset") is not None:
            seen.setdefault(str(edge["asset"]), None)
    for terminal in result.get("terminals") or []:
        if terminal.get("asset") is not None:
            seen.setdefault(str(terminal["asset"]), None)
    return list(seen)


def primary_asset(result: Mapping[str, Any]) -> str | None:
    """``parameters.asset`` when given, else the first asset of the summary (or of the edges)."""
    chosen = (result.get("parameters") or {}).get("asset")
    assets = asset_list(result)
    if chosen is not None and str(chosen) in assets:
        return str(chosen)
    return assets[0] if assets else None


def primary_model(result: Mapping[str, Any]) -> str:
    """The model whose numbers fill nodes, edges and terminals (haircut under ``all``)."""
    if result.get("primary_model"):
        return str(result["primary_model"])
    model = str(result.get("model") or "haircut")
    if model != "all":
        return model
    models = [str(m) for m in result.get("models") or []]
    return "haircut" if "haircut" in models or not models else models[0]


#: Shown for an edge end without an address (a UTXO output with a nonstandard script).
NO_ADDRESS = "(no address)"


def node_key(chain: Any, address: Any) -> str:
    """The identity of an address in the exports: ``chain:address``."""
    return f"{chain}:{NO_ADDRESS if address is None else address}"


def terminal_category(terminal: Mapping[str, Any]) -> str:
    """A terminal's category, marked when the trace went on through it (``continued``)."""
    category = str(terminal.get("category") or "?")
    return f"{category} (continued)" if terminal.get("continued") else category


def had_source(summary: Mapping[str, Any]) -> bool:
    """Whether any asset and model of a trace had value to follow (a source): an empty
    result is easy to misread as "clean", so the CLI and the table say it was empty."""
    return any(
        isinstance(run, Mapping) and (run.get("source") or 0) > 0
        for per in (summary.get("assets") or {}).values()
        for run in (per or {}).values()
    )


def terminal_label(terminal: Mapping[str, Any]) -> str:
    """A terminal's label; for an unlabelled one, why it is a terminal, so no row reads as a
    category without a reason: a deposit address by the wallet it sweeps to (its
    ``evidence`` gives the rule and the sweep), else its evidence."""
    if terminal.get("label"):
        return str(terminal["label"])
    swept = swept_name(terminal)
    return f"(unlabelled) {swept}" if swept else str(terminal.get("evidence") or "")


#: The accounting columns of ``summary.assets[asset][model]`` in display order.
_ACCOUNT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "source"),
    ("absorbed_clean", "absorbed clean"),
    ("traced", "traced"),
    ("terminals", "to terminals"),
    ("through_links", "through links"),
)


def accounting(
    result: Mapping[str, Any],
) -> tuple[list[str], list[tuple[str, str, list[Any]]]]:
    """Headers and ``(asset, model, values)`` rows of the per-asset, per-model accounting.

    Columns: the amounts of ``_ACCOUNT_COLUMNS`` present in any row, then one per untraced
    reason (held, below_dust, hop_limit, fees, ...). Values are base units.
    """
    assets = (result.get("summary") or {}).get("assets") or {}
    numbers = [
        (str(a), str(m), n or {}) for a, per in assets.items() for m, n in (per or {}).items()
    ]
    columns = [(k, h) for k, h in _ACCOUNT_COLUMNS if any(k in n for _, _, n in numbers)]
    reasons: list[str] = []
    for _, _, n in numbers:
        reasons += [str(r) for r in n.get("untraced") or {} if str(r) not in reasons]
    headers = [h for _, h in columns] + [f"untraced: {r.replace('_', ' ')}" for r in reasons]
    rows = [
        (
            asset,
            model,
            [n.get(k) for k, _ in columns] + [(n.get("untraced") or {}).get(r) for r in reasons],
        )
        for asset, model, n in numbers
    ]
    return headers, rows


def stage_name(stage: Any) -> str:
    """An edge's or node's stage for display (``transfer`` when none was recognised)."""
    return str(stage) if stage else "transfer"


@dataclass(slots=True)
class GraphNode:
    """A node of the trace graph: a result node, or an edge endpoint outside ``nodes``."""

    key: str
    data: dict[str, Any]
    category: str | None  # the label's category, else the terminal category
    seed: bool
    terminal: bool
    listed: bool  # False: only an endpoint of an edge (e.g. the sender of source value)
    evidence: str | None = None  # a terminal's: why an unlabelled address is one


def graph_nodes(result: Mapping[str, Any]) -> list[GraphNode]:
    """``nodes`` in order, then every edge endpoint not among them (hop = edge hop - 1 or 0).

    Edge endpoints outside ``nodes`` are typically the senders of the source value (hop 0
    edges into a seed); their hop is -1 ("before the seeds").
    """
    seeds = {node_key(s.get("chain"), s.get("address")) for s in result.get("seeds") or []}
    terminal_category: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for terminal in result.get("terminals") or []:
        key = node_key(terminal.get("chain"), terminal.get("address"))
        terminal_category.setdefault(key, str(terminal.get("category") or ""))
        if terminal.get("evidence"):
            evidence.setdefault(key, str(terminal["evidence"]))
    out: dict[str, GraphNode] = {}
    for node in result.get("nodes") or []:
        key = node_key(node.get("chain"), node.get("address"))
        if key in out:
            continue
        labels = node.get("labels") or {}
        category = labels.get("category") or terminal_category.get(key) or None
        out[key] = GraphNode(
            key,
            dict(node),
            category,
            key in seeds,
            key in terminal_category,
            listed=True,
            evidence=evidence.get(key),
        )
    extra: dict[str, dict[str, Any]] = {}
    for edge in result.get("edges") or []:
        hop = int(edge.get("hop") or 0)
        for field, at in (("from_address", hop - 1), ("to_address", hop)):
            key = node_key(edge.get("chain"), edge.get(field))
            if key in out:
                continue
            stub = extra.setdefault(
                key,
                {  # an address outside ``nodes``, or None (a UTXO output without one)
                    "address": edge.get(field),
                    "chain": edge.get("chain"),
                    "hop": at,
                    "labels": None,
                    "tainted_in": {},
                    "held": {},
                    "stage": None,
                },
            )
            stub["hop"] = min(int(stub["hop"]), at)
    for key, data in extra.items():
        out[key] = GraphNode(
            key,
            data,
            terminal_category.get(key),
            key in seeds,
            key in terminal_category,
            listed=False,
            evidence=evidence.get(key),
        )
    return list(out.values())


def edge_link(edge: Mapping[str, Any]) -> tuple[str, float | None]:
    """``(link kind, confidence)`` of an edge; ``("", None)`` when it is no link."""
    link = edge.get("link") or {}
    confidence = link.get("confidence")
    kind = str(link.get("kind") or "")
    return kind, float(confidence) if isinstance(confidence, int | float) else None


@dataclass(slots=True)
class Connector:
    """A link drawn between graphs: the deposit's recipient to the payout's sender."""

    source: str  # node key
    target: str  # node key
    link: dict[str, Any]


def link_edges(
    result: Mapping[str, Any],
) -> list[tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]]:
    """Each link with its deposit edge and payout edge (None when not among the edges).

    The deposit edge is the ``from_tx`` edge of ``asset_in`` on ``from_chain``, the payout
    edge the ``to_tx`` edge of ``asset_out`` on ``to_chain`` (any edge of the transaction
    when none has that asset).
    """
    by_tx: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for edge in result.get("edges") or []:
        by_tx.setdefault((str(edge.get("chain")), str(edge.get("tx_hash"))), []).append(edge)

    def pick(chain: Any, tx: Any, asset: Any) -> dict[str, Any] | None:
        edges = by_tx.get((str(chain), str(tx)), [])
        return next((e for e in edges if e.get("asset") == asset), edges[0] if edges else None)

    return [
        (
            link,
            pick(link.get("from_chain"), link.get("from_tx"), link.get("asset_in")),
            pick(link.get("to_chain"), link.get("to_tx"), link.get("asset_out")),
        )
        for link in result.get("links") or []
    ]


def link_connectors(result: Mapping[str, Any]) -> list[Connector]:
    """One connector per link whose two transactions are among the edges (not self-loops).

    It joins the deposit's recipient (router, bridge, pool) to the payout's sender (vault,
    relayer), so that a drawing of the graph stays connected across chains and swaps.
    """
    out: list[Connector] = []
    for link, deposit, payout in link_edges(result):
        if deposit is None or payout is None:
            continue
        source = node_key(deposit.get("chain"), deposit.get("to_address"))
        target = node_key(payout.get("chain"), payout.get("from_address"))
        if source != target:
            out.append(Connector(source, target, dict(link)))
    return out


def share_of(best: Mapping[str, float], node: Mapping[str, Any]) -> float:
    """The node's largest share, over assets, of ``best`` (see ``max_tainted_in``)."""
    share = 0.0
    for asset, value in (node.get("tainted_in") or {}).items():
        top = best.get(asset, 0.0)
        if top > 0 and isinstance(value, int | float):
            share = max(share, float(value) / top)
    return share


def max_tainted_in(result: Mapping[str, Any]) -> dict[str, float]:
    """Per asset, the most tainted value any node received (base units)."""
    best: dict[str, float] = {}
    for node in result.get("nodes") or []:
        for asset, value in (node.get("tainted_in") or {}).items():
            if isinstance(value, int | float):
                best[asset] = max(best.get(asset, 0.0), float(value))
    return best


def range_text(result: Mapping[str, Any], terminal: Mapping[str, Any]) -> str:
    """A terminal's ``range`` over models as ``"250 - 300"`` (whole units); "" without one."""
    bounds = terminal.get("range") or []
    if len(bounds) != 2:
        return ""
    asset = str(terminal.get("asset"))
    return f"{show(result, bounds[0], asset)} - {show(result, bounds[1], asset)}"


def amounts_text(result: Mapping[str, Any], amounts: Mapping[str, Any] | None) -> str:
    """``{"ETH": 4e20, "BTC": 5e8}`` as ``"400 ETH; 5 BTC"`` (whole units, rounded)."""
    parts = [f"{show(result, v, a)} {a}" for a, v in (amounts or {}).items()]
    return "; ".join(parts)
