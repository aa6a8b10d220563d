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

The rules of account-model edges run on columns (``edge_stages``, called while the trace's
evidence is assembled: a flood trace has ~10^5-10^6 edges); UTXO edges come with the stage
the UTXO tracer gave them; ``classify_stages`` then names link legs, copies the stages onto
the terminals' paths and classifies the nodes.

Nodes: ``dormant`` when they still hold at least half of the taint they received at the end
of the data and sent none of it on for ``DORMANT_DAYS``; otherwise the stage of their first
tainted inflow.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.trace.arrays import (
    distinct,
    distinct_counts,
    distinct_first,
    distinct_inverse,
    lookup,
)

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


def edge_stages(
    src: npt.NDArray[np.int64],
    dst: npt.NDArray[np.int64],
    into: dict[int, tuple[str, str]],
    out_of: dict[int, tuple[str, str]],
    linked: dict[int, tuple[str, str]],
) -> list[tuple[str, str | None]]:
    """(stage, evidence) of each tainted edge ``src[k] -> dst[k]`` (address ids < 2**31), by
    the rules above, first match wins: ``linked`` (edge k -> the stage of its link),
    ``into`` (receiver -> ``into_stage``), ``out_of`` (sender -> ``out_of_stage``), then
    fan-out and fan-in over these edges (distinct counterparties)."""
    if not len(src):
        return []
    pairs = distinct((src << 32) | dst)
    senders, fan_out = distinct_counts(pairs >> 32)
    receivers, fan_in = distinct_counts(pairs & 0xFFFFFFFF)
    out_n = fan_out[np.searchsorted(senders, src)]
    in_n = fan_in[np.searchsorted(receivers, dst)]
    # a code per edge: 0 transfer, 1 split, 2 consolidation, 3 + k: ``decided[k]``
    code = np.where(out_n >= FAN, 1, np.where(in_n >= FAN, 2, 0)).astype(np.int64)
    decided: list[tuple[str, str]] = []
    for ends, by_end in ((src, out_of), (dst, into)):  # in reverse order of rank
        if not by_end:
            continue
        hit, at = lookup(np.fromiter(by_end, dtype=np.int64, count=len(by_end)), ends)
        code[hit] = 3 + len(decided) + at[hit]
        decided += by_end.values()
    for k, stage in linked.items():
        code[k] = 3 + len(decided)
        decided.append(stage)
    # one (stage, evidence) per distinct outcome: the fans' evidence says how many
    table: list[tuple[str, str | None]] = [("transfer", None), *decided]
    at = np.where(code >= 3, code - 2, 0)
    for kind, counts, text in (
        (1, out_n, "the sender passed taint to {} addresses"),
        (2, in_n, "the receiver got taint from {} senders"),
    ):
        mask = code == kind
        if mask.any():
            values, which = distinct_inverse(counts[mask])
            at[mask] = len(table) + which
            name = "split" if kind == 1 else "consolidation"
            table += [(name, text.format(c)) for c in values.tolist()]
    return [table[k] for k in at.tolist()]


def link_stage(kind: str, confidence: float, role: str) -> tuple[str, str]:
    """The stage of an edge into a link service (``role`` "in") or of its leg out."""
    where = "into" if role == "in" else "leg out of"
    return (
        LINK_STAGE.get(kind, kind),
        f"{where} a {kind.replace('_', ' ')} (confidence {confidence})",
    )


def into_stage(category: str | None, labels: dict[str, Any] | None) -> tuple[str, str] | None:
    """The stage of a (link-less) transfer into an address that the address alone decides:
    frozen by its issuer, or the ``category`` of the terminal the trace stopped at."""
    if _frozen(labels):
        return "frozen", f"into an address the issuer froze ({labels['label']})"  # type: ignore[index]
    if category in STAGE_OF_CATEGORY:
        label = (labels or {}).get("label") or category
        return STAGE_OF_CATEGORY[category], f"into {label}"
    return None


def out_of_stage(labels: dict[str, Any] | None) -> tuple[str, str] | None:
    """The stage of a (link-less) transfer out of a mixer-labelled address."""
    if labels and labels.get("category") == "mixer":
        return "mixer", f"withdrawal from {labels.get('label') or 'a mixer'}"
    return None


def classify_stages(result: Any, accounts: AccountColumns | None = None) -> None:
    """Name the link legs' stages, copy the edges' stages onto the terminals' paths, set
    ``stage`` on nodes and fill by_stage (the edges come with their stages: ``edge_stages``
    for account-model edges, the UTXO tracer's for UTXO ones). With ``accounts`` (the
    account-model nodes as columns, the result's first nodes), those nodes are classified on
    columns (``account_node_stages``) and the rest (UTXO nodes) one by one."""
    # one pass over the edges (~10^5 in a flood trace): the legs' stages, the edges the
    # terminals' paths copy, the last time and the amounts by stage
    on_paths = {e["tx_hash"] for t in result.terminals for e in t["path"]}
    by_key: dict[tuple[str, str, str], dict[str, Any]] = {}
    by_stage: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    end: str | None = None
    for e in result.edges:
        link = e.get("link")
        if link and e.get("stage") == "injection":
            e["stage"] = LINK_STAGE.get(link["kind"], link["kind"])
            e["stage_evidence"] = f"leg out of a {link['kind'].replace('_', ' ')}"
        if e["tx_hash"] in on_paths:  # (hash, kind, position): the one transfer
            by_key[(e["tx_hash"], e["kind"], e["position"])] = e
        when = e["block_time"]
        if end is None or when > end:
            end = when
        by_stage[e["stage"]][e["asset"]] += e["tainted_amount"]
    # the terminals' paths hold copies of edges: give them their stages
    for t in result.terminals:
        for e in t["path"]:
            match = by_key.get((e["tx_hash"], e["kind"], e["position"]))
            if match is not None:
                e["stage"], e["stage_evidence"] = match["stage"], match["stage_evidence"]
    end_time = datetime.fromisoformat(end) if end is not None else None
    done = 0
    if accounts is not None:
        done = len(accounts.nodes)
        account_node_stages(result.nodes[:done], accounts, end_time)
    rest = result.nodes[done:]
    if rest:
        chains = {n["chain"] for n in rest}
        edges = result.edges if not done else [e for e in result.edges if e["chain"] in chains]
        _node_stages(edges, {(n["chain"], n["address"]): n for n in rest}, end_time)
    for n in result.nodes:
        if n["stage"] == "dormant":
            for asset, held in n["held"].items():
                by_stage["dormant"][asset] += held
    result.summary["by_stage"] = {k: dict(v) for k, v in sorted(by_stage.items())}


def _node_stages(
    edges: list[dict[str, Any]],
    nodes: dict[tuple[str, str], dict[str, Any]],
    end_time: datetime | None,
) -> None:
    """The nodes' stages, one by one (the rules in the module's docstring); ``edges`` sorted
    by time, ``end_time`` the last edge's time of the whole trace."""
    first_in: dict[tuple[str, str], dict[str, Any]] = {}
    last_out: dict[tuple[str, str], str] = {}
    for e in edges:  # sorted by time
        first_in.setdefault((e["chain"], e["to_address"]), e)
        last_out[(e["chain"], e["from_address"])] = e["block_time"]
    for key, n in nodes.items():
        labels = n.get("labels")
        if labels and _frozen(labels):
            n["stage"], n["stage_evidence"] = "frozen", _frozen_by(labels)
            continue
        received = plain_sum(n["tainted_in"].values())
        held = plain_sum(n["held"].values())
        if received > 0 and held >= 0.5 * received and end_time is not None:
            last = last_out.get(key)
            if last is None or _days(last, end_time) >= DORMANT_DAYS:
                n["stage"] = "dormant"
                n["stage_evidence"] = _holds(held / received)
                continue
        edge = first_in.get(key)
        n["stage"] = edge["stage"] if edge is not None else ("seed" if n["hop"] == 0 else None)


@dataclass(slots=True)
class AccountColumns:
    """A trace's account-model nodes and tainted edges as columns (``evidence.assemble``).

    ``nodes``: dense id per node, in the order of the result's first ``len(nodes)`` nodes;
    ``hop``, ``received`` and ``held`` (taint summed over the assets, in the assets' order)
    per node; ``labelled``: which of those nodes have labels. ``edges``: the tainted edges'
    dicts in the result's order (by time), with the dense ids of their ends."""

    nodes: npt.NDArray[np.int64]
    hop: npt.NDArray[np.int64]
    received: npt.NDArray[np.float64]
    held: npt.NDArray[np.float64]
    labelled: npt.NDArray[np.int64]
    edges: list[dict[str, Any]]
    edge_src: npt.NDArray[np.int64]
    edge_dst: npt.NDArray[np.int64]


def account_node_stages(
    nodes: list[dict[str, Any]], cols: AccountColumns, end_time: datetime | None
) -> None:
    """``_node_stages`` on columns (the same rules and arithmetic; a flood trace has ~10^5
    nodes): each node's first tainted inflow and last tainted outflow from one ``np.unique``
    each over the edges' ends, the dormant test as array comparisons, and one dict write per
    node."""
    n = len(cols.nodes)
    m = len(cols.edges)
    receivers, first = distinct_first(cols.edge_dst)
    senders, from_end = distinct_first(cols.edge_src[::-1])
    hit_in, at_in = lookup(receivers, cols.nodes)
    hit_out, at_out = lookup(senders, cols.nodes)
    first_in = np.where(hit_in, first[at_in] if m else 0, -1)
    last_out = np.where(hit_out, (m - 1 - from_end[at_out]) if m else 0, -1)
    frozen = np.zeros(n, dtype=bool)
    for i in cols.labelled.tolist():
        frozen[i] = _frozen(nodes[i].get("labels"))
    received, held = cols.received, cols.held
    dormant = np.zeros(n, dtype=bool)
    if end_time is not None:
        dormant = ~frozen & (received > 0) & (held >= 0.5 * received)
        for i in np.flatnonzero(dormant & (last_out >= 0)).tolist():
            dormant[i] = _days(cols.edges[int(last_out[i])]["block_time"], end_time) >= DORMANT_DAYS
    stage: list[str | None] = [None] * n
    for i in np.flatnonzero(~frozen & ~dormant).tolist():
        j = int(first_in[i])
        stage[i] = cols.edges[j]["stage"] if j >= 0 else ("seed" if cols.hop[i] == 0 else None)
    at_dormant = np.flatnonzero(dormant)
    # the percentages held: one text per distinct rounded value (``_holds``' rounding)
    ratio = held[at_dormant] / received[at_dormant]
    percent, which = np.unique(np.rint(ratio * 100.0), return_inverse=True)
    texts = [_HOLDS.format(int(p)) for p in percent.tolist()]
    for i in at_dormant.tolist():
        stage[i] = "dormant"
    for node, value in zip(nodes, stage, strict=True):
        node["stage"] = value
    for i, k in zip(at_dormant.tolist(), which.tolist(), strict=True):
        nodes[i]["stage_evidence"] = texts[k]
    for i in np.flatnonzero(frozen).tolist():
        node = nodes[i]
        node["stage"] = "frozen"
        node["stage_evidence"] = _frozen_by(node["labels"])


_HOLDS = "holds {}% of the taint it received"


def _holds(share: float) -> str:
    """The dormant evidence (``.0f`` rounds ``share * 100`` half to even, as ``np.rint``)."""
    return _HOLDS.format(f"{share * 100:.0f}")


def _frozen_by(labels: dict[str, Any]) -> str:
    return f"frozen by the issuer ({labels['label']})"


def plain_sum(values: Any) -> float:
    """Plain float additions in order (``sum`` compensates from Python 3.12 on; the columns
    add plainly)."""
    total = 0.0
    for v in values:
        total += v
    return total


def _days(a: str, b: datetime) -> float:
    return (b - datetime.fromisoformat(a)).total_seconds() / 86400
