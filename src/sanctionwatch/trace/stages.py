"""Laundering stages: what each step of a trace looks like, with the evidence for it.

Rules, first match wins, on the traced graph (tainted edges only):

- a leg out of a link service: ``dex_swap``, ``cross_chain_swap``, ``bridge`` (matched by
  amount and time), or ``mixer`` (a withdrawal from a mixer pool);
- into a terminal: exchange -> ``exchange_deposit``, otc -> ``otc``, mixer -> ``mixer``,
  dex -> ``dex_swap``, bridge -> ``bridge``, cross_chain_swap -> ``cross_chain_swap``, a
  blacklisted (frozen) address -> ``frozen``;
- out of a mixer-labelled address -> ``mixer``;
- UTXO steps keep the stage the UTXO tracer gave them (``coinjoin``, ``peel_chain``, ...);
- a sender passing taint to >= ``FAN`` addresses -> ``split`` (fan-out);
- a receiver getting taint from >= ``FAN`` senders -> ``consolidation`` (fan-in);
- otherwise ``transfer``.

Nodes: ``dormant`` when they still hold at least half of the taint they received at the end
of the data and sent none of it on for ``DORMANT_DAYS``; otherwise the stage of their first
tainted inflow.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

FAN = 3
DORMANT_DAYS = 30
STAGE_OF_CATEGORY = {
    "exchange": "exchange_deposit",
    "otc": "otc",
    "mixer": "mixer",
    "dex": "dex_swap",
    "bridge": "bridge",
    "cross_chain_swap": "cross_chain_swap",
}
LINK_STAGE = {
    "dex_swap": "dex_swap",
    "cross_chain_swap": "cross_chain_swap",
    "bridge": "bridge",
    "mixer": "mixer",
}


def _frozen(labels: dict[str, Any] | None) -> bool:
    if not labels:
        return False
    text = (labels.get("label") or "").lower()
    return "frozen" in text or "blacklist" in text or "black_list" in text


def classify_stages(result: Any) -> None:
    """Set ``stage``/``stage_evidence`` on edges and ``stage`` on nodes; fill by_stage."""
    nodes = {(n["chain"], n["address"]): n for n in result.nodes}
    terminal_category = {
        (t["chain"], t["address"]): t["category"] for t in result.terminals if not t["continued"]
    }
    through_category = {
        (t["chain"], t["address"]): t["category"] for t in result.terminals if t["continued"]
    }
    out_to: dict[tuple[str, str], set[str]] = defaultdict(set)
    in_from: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in result.edges:
        if e["tainted_amount"] > 0:
            out_to[(e["chain"], e["from_address"])].add(e["to_address"])
            in_from[(e["chain"], e["to_address"])].add(e["from_address"])
    # the rules that depend on one end only, for the few addresses they can apply to
    into = {
        key: found
        for key in {*terminal_category, *through_category, *_labelled(nodes)}
        if (found := _into_stage(key, nodes, terminal_category, through_category)) is not None
    }
    out_of = {
        key: ("mixer", f"withdrawal from {n['labels'].get('label') or 'a mixer'}")
        for key, n in nodes.items()
        if n.get("labels") and n["labels"].get("category") == "mixer"
    }
    none: set[str] = set()
    for e in result.edges:
        link = e.get("link")
        if link and e.get("stage") == "injection":
            e["stage"] = LINK_STAGE.get(link["kind"], link["kind"])
            e["stage_evidence"] = f"leg out of a {link['kind'].replace('_', ' ')}"
        if e.get("stage"):
            continue  # set by the UTXO tracer
        chain = e["chain"]
        src, dst = (chain, e["from_address"]), (chain, e["to_address"])
        stage: str | None
        why: str | None
        if link:
            where = "into" if link.get("role") == "in" else "leg out of"
            stage, why = (
                LINK_STAGE.get(link["kind"], link["kind"]),
                f"{where} a {link['kind'].replace('_', ' ')} (confidence {link['confidence']})",
            )
        else:
            stage, why = into.get(dst) or out_of.get(src) or (None, None)
        if stage is None:
            fan_out, fan_in = len(out_to.get(src, none)), len(in_from.get(dst, none))
            if fan_out >= FAN:
                stage, why = "split", f"the sender passed taint to {fan_out} addresses"
            elif fan_in >= FAN:
                stage, why = "consolidation", f"the receiver got taint from {fan_in} senders"
            else:
                stage, why = "transfer", None
        e["stage"], e["stage_evidence"] = stage, why
    # the terminals' paths hold copies of edges: give them their stages
    on_paths = {e["tx_hash"] for t in result.terminals for e in t["path"]}
    by_key = {
        (e["tx_hash"], e["from_address"], e["to_address"]): e
        for e in result.edges
        if e["tx_hash"] in on_paths
    }
    for t in result.terminals:
        for e in t["path"]:
            match = by_key.get((e["tx_hash"], e["from_address"], e["to_address"]))
            if match is not None:
                e["stage"], e["stage_evidence"] = match["stage"], match["stage_evidence"]
    _node_stages(result, nodes)
    by_stage: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in result.edges:
        by_stage[e["stage"]][e["asset"]] += e["tainted_amount"]
    for n in result.nodes:
        if n["stage"] == "dormant":
            for asset, held in n["held"].items():
                by_stage["dormant"][asset] += held
    result.summary["by_stage"] = {k: dict(v) for k, v in sorted(by_stage.items())}


def _labelled(nodes: dict[tuple[str, str], dict[str, Any]]) -> list[tuple[str, str]]:
    return [key for key, n in nodes.items() if n.get("labels")]


def _into_stage(
    dst: tuple[str, str],
    nodes: dict[tuple[str, str], dict[str, Any]],
    terminal_category: dict[tuple[str, str], str],
    through_category: dict[tuple[str, str], str],
) -> tuple[str, str] | None:
    """The stage of a (link-less) transfer into ``dst`` that ``dst`` alone decides."""
    category = terminal_category.get(dst) or through_category.get(dst)
    dst_labels = (nodes.get(dst) or {}).get("labels")
    if _frozen(dst_labels):
        return "frozen", f"into an address the issuer froze ({dst_labels['label']})"  # type: ignore[index]
    if category in STAGE_OF_CATEGORY:
        label = (dst_labels or {}).get("label") or category
        return STAGE_OF_CATEGORY[category], f"into {label}"
    return None


def _node_stages(result: Any, nodes: dict[tuple[str, str], dict[str, Any]]) -> None:
    first_in: dict[tuple[str, str], dict[str, Any]] = {}
    last_out: dict[tuple[str, str], str] = {}
    for e in result.edges:  # sorted by time
        first_in.setdefault((e["chain"], e["to_address"]), e)
        last_out[(e["chain"], e["from_address"])] = e["block_time"]
    end = max((e["block_time"] for e in result.edges), default=None)
    end_time = datetime.fromisoformat(end) if end is not None else None
    for key, n in nodes.items():
        labels = n.get("labels")
        if labels and _frozen(labels):
            n["stage"], n["stage_evidence"] = "frozen", f"frozen by the issuer ({labels['label']})"
            continue
        received = sum(n["tainted_in"].values())
        held = sum(n["held"].values())
        if received > 0 and held >= 0.5 * received and end_time is not None:
            last = last_out.get(key)
            if last is None or _days(last, end_time) >= DORMANT_DAYS:
                n["stage"] = "dormant"
                n["stage_evidence"] = f"holds {held / received:.0%} of the taint it received"
                continue
        edge = first_in.get(key)
        n["stage"] = edge["stage"] if edge is not None else ("seed" if n["hop"] == 0 else None)


def _days(a: str, b: datetime) -> float:
    return (b - datetime.fromisoformat(a)).total_seconds() / 86400
