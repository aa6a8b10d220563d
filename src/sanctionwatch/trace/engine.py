"""Forward tracing on account-model chains: reach, then simulate balances under a taint model.

Two phases, per asset (assets are never mixed; swaps and bridges end the trace for now):

1. **Reach** (vectorized on the CSR index): a time-respecting frontier search from the seeds.
   An address reached at time ``a`` follows its outgoing transfers at time >= ``a``; an
   address's hop is the fewest transfers from a seed. Addresses improved (earlier arrival or
   fewer hops) are expanded again, so the reached set contains every address taint can get
   to. Not expanded: labelled services of the stop categories (terminals), other addresses
   with in- or out-degree > ``hub_degree`` ("unlabeled_hub", or "hub:<category>" when
   labelled with a category outside the stop list), and addresses at
   ``hops`` (leaves at the hop limit). Seeds are always expanded.
2. **Simulate** (one pass in time order): every inflow and outflow of the expanded addresses
   moves value between balances (see ``models``); the seeds' inflows at or after ``since``
   are the taint source (all of them when ``since`` is None).

Accounting, per asset and model, an identity the tests check:
``source + absorbed (poison only) = terminals + held + below_dust + hop_limit``, where
``held`` is what expanded addresses still hold at the end of the data and ``below_dust`` is
taint on transfers smaller than ``dust`` x source, which is not followed.

Evidence: every edge is one stored transfer (by rowid); every terminal carries the path of
first tainted inflows back to a seed (time-respecting by construction).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from sanctionwatch.errors import InputError
from sanctionwatch.store.db import Store
from sanctionwatch.trace.index import I64, TraceIndex, expand_ranges
from sanctionwatch.trace.models import MODELS, Balance

DEFAULT_STOP: tuple[str, ...] = (
    "exchange",
    "mixer",
    "otc",
    "bridge",
    "cross_chain_swap",
    "dex",
    "sanctioned",
)
UNLABELED_HUB = "unlabeled_hub"
NO_HOP = np.int32(2**30)
NO_TIME = np.int64(2**62)

Seed = int | tuple[str, str]


@dataclass(slots=True)
class AssetTrace:
    """The outcome of one model on one asset (dense ids, index positions)."""

    asset_id: int
    model: str
    source: float = 0.0
    absorbed: float = 0.0
    held: float = 0.0
    below_dust: float = 0.0
    hop_limit: float = 0.0
    terminal: dict[int, float] = field(default_factory=dict)  # dense -> tainted in
    tainted_in: dict[int, float] = field(default_factory=dict)  # dense -> tainted in
    edges: dict[int, float] = field(default_factory=dict)  # position -> tainted amount
    first_edge: dict[int, int] = field(default_factory=dict)  # dense -> position
    held_at: dict[int, float] = field(default_factory=dict)  # dense -> dirty still held

    def balance_error(self) -> float:
        """Left minus right side of the accounting identity (0 up to float rounding)."""
        right = sum(self.terminal.values()) + self.held + self.below_dust + self.hop_limit
        return self.source + self.absorbed - right


@dataclass(slots=True)
class Reach:
    """Phase 1 result for one asset: hops, arrival times and roles of reached addresses."""

    asset_id: int
    hop: dict[int, int]
    arrival: dict[int, int]
    expanded: set[int]
    stopped: dict[int, str]  # dense -> reason: a category, or UNLABELED_HUB
    leaves: set[int]  # at the hop limit


@dataclass(slots=True)
class TraceResult:
    """Everything a trace found; ``to_dict`` gives the stable JSON shape."""

    seeds: list[dict[str, Any]]
    model: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    terminals: list[dict[str, Any]]
    summary: dict[str, Any]
    traces: dict[tuple[int, str], AssetTrace]  # (asset_id, model) -> raw outcome
    reaches: dict[int, Reach]
    index: TraceIndex

    def to_dict(self) -> dict[str, Any]:
        return {
            "seeds": self.seeds,
            "model": self.model,
            "nodes": self.nodes,
            "edges": self.edges,
            "terminals": self.terminals,
            "summary": self.summary,
        }


# -- phase 1 -------------------------------------------------------------------------
def reach(
    index: TraceIndex,
    seeds: I64,
    asset_id: int,
    since_t: int,
    hops: int,
    stop: dict[int, str],
    hub_degree: int,
    labelled: dict[int, str] | None = None,
) -> Reach:
    """Time-respecting frontier search (label-correcting on hop and arrival time)."""
    hop: dict[int, int] = {int(s): 0 for s in seeds}
    arrival: dict[int, int] = {int(s): since_t for s in seeds}
    seed_set = set(hop)
    stopped: dict[int, str] = {}
    expanded: set[int] = set()
    leaves: set[int] = set()
    frontier = np.unique(seeds)
    checked: set[int] = set()
    for _ in range(10 * hops + 10):
        if not len(frontier):
            break
        # roles of newly reached addresses: stop category, unlabelled hub, hop limit
        new = np.array([f for f in frontier.tolist() if f not in checked], dtype=np.int64)
        if len(new):
            deg = np.maximum(index.out_degree(new), index.in_degree(new))
            for node, d in zip(new.tolist(), deg.tolist(), strict=True):
                checked.add(node)
                if node in seed_set:
                    continue
                if node in stop:
                    stopped[node] = stop[node]
                elif d > hub_degree:
                    category = (labelled or {}).get(node)
                    stopped[node] = UNLABELED_HUB if category is None else f"hub:{category}"
        go = np.array(
            [f for f in frontier.tolist() if f not in stopped and hop[f] < hops], dtype=np.int64
        )
        leaves.update(f for f in frontier.tolist() if f not in stopped and hop[f] >= hops)
        if not len(go):
            break
        expanded.update(go.tolist())
        after = np.array([arrival[g] for g in go.tolist()], dtype=np.int64)
        lo, hi = index.out_ranges(go, after)
        pos = expand_ranges(lo, hi)
        pos = pos[index.asset[pos] == asset_id]
        if not len(pos):
            break
        recipients = index.dst[pos].astype(np.int64)
        when = index.t(pos)
        sender_hop = np.array([hop[s] for s in index.src(pos).tolist()], dtype=np.int64)
        # best (hop, time) per recipient in this round
        order = np.lexsort((when, recipients))
        recipients, when, sender_hop = recipients[order], when[order], sender_hop[order]
        first = np.r_[True, recipients[1:] != recipients[:-1]]
        best_t = when[first]
        best_h = np.minimum.reduceat(sender_hop, np.flatnonzero(first)) + 1
        improved = []
        rounds = zip(recipients[first].tolist(), best_t.tolist(), best_h.tolist(), strict=True)
        for r, t, h in rounds:
            old_h, old_t = hop.get(r, int(NO_HOP)), arrival.get(r, int(NO_TIME))
            if h < old_h or t < old_t:
                hop[r] = min(h, old_h)
                arrival[r] = min(t, old_t)
                improved.append(r)
        leaves.difference_update(r for r in improved if hop[r] < hops)
        frontier = np.array(improved, dtype=np.int64)
    leaves -= expanded
    return Reach(asset_id, hop, arrival, expanded, stopped, leaves)


# -- phase 2 -------------------------------------------------------------------------
def simulate(
    index: TraceIndex,
    r: Reach,
    seeds: Iterable[int],
    since_t: int,
    model: str,
    dust: float,
) -> AssetTrace:
    """Apply every in- and outflow of the expanded addresses in time order under ``model``."""
    spec = MODELS[model]
    seed_set = set(seeds)
    expanded = r.expanded
    nodes = np.fromiter(expanded, dtype=np.int64, count=len(expanded))
    out_lo, out_hi = index.out_ranges(nodes, np.zeros(len(nodes), dtype=np.int64))
    outs = expand_ranges(out_lo, out_hi)
    ins = (
        np.concatenate([index.inflows(n) for n in nodes.tolist()]).astype(np.int64)
        if len(nodes)
        else np.zeros(0, dtype=np.int64)
    )
    pos = np.unique(np.concatenate([outs, ins]))
    pos = pos[index.asset[pos] == r.asset_id]
    src = index.src(pos)
    t = index.t(pos)
    amount = index.amount[pos]
    sender_rank = np.array([r.hop.get(s, -1) for s in src.tolist()], dtype=np.int64)
    order = np.lexsort((-amount, sender_rank, t))
    pos, src, t, amount = pos[order], src[order], t[order], amount[order]
    dst = index.dst[pos].astype(np.int64)

    out = AssetTrace(r.asset_id, model)
    balances: dict[int, Balance] = {n: Balance() for n in expanded}
    # the dust threshold is relative to the source, known only at the end: use the seeds'
    # tainted inflows up front (the same rule the loop applies)
    source_total = float(
        sum(
            a
            for d, tt, a in zip(dst.tolist(), t.tolist(), amount.tolist(), strict=True)
            if d in seed_set and tt >= since_t
        )
    )
    dust_abs = dust * source_total
    deposit, spend = spec.deposit, spec.spend
    for p, s, d, tt, x in zip(
        pos.tolist(), src.tolist(), dst.tolist(), t.tolist(), amount.tolist(), strict=True
    ):
        dirty = spend(balances[s], x) if s in expanded else 0.0
        if d in seed_set and tt >= since_t:
            out.source += x - dirty
            dirty = x
        elif 0.0 < dirty < dust_abs:
            out.below_dust += dirty
            dirty = 0.0
        if dirty > 0.0:
            out.edges[p] = dirty
            out.tainted_in[d] = out.tainted_in.get(d, 0.0) + dirty
            out.first_edge.setdefault(d, p)
        if d in expanded:
            deposit(balances[d], x, dirty)
        elif dirty > 0.0:
            if d in r.stopped:
                out.terminal[d] = out.terminal.get(d, 0.0) + dirty
            else:  # at the hop limit (or, defensively, anything not expanded)
                out.hop_limit += dirty
    out.held_at = {n: b.dirty for n, b in balances.items() if b.dirty > 0.0}
    out.held = sum(out.held_at.values())
    out.absorbed = sum(b.absorbed for b in balances.values())
    return out


# -- the public entry point ----------------------------------------------------------
def trace(
    source: Store | TraceIndex,
    seeds: Sequence[Seed],
    *,
    store: Store | None = None,
    since: datetime | None = None,
    hops: int = 10,
    model: str = "haircut",
    asset_id: int | None = None,
    stop_categories: Iterable[str] = DEFAULT_STOP,
    hub_degree: int = 1000,
    dust: float = 1e-9,
) -> TraceResult:
    """Trace value forward from ``seeds`` (address ids or (chain, address) pairs).

    ``source`` is the store (an index of the seeds' chain is built) or a prebuilt index (then
    pass ``store`` for labels, addresses and transaction hashes). ``asset_id`` None traces every
    asset the seeds received since ``since``, each on its own. ``dust`` is relative to the
    traced source of each asset. ``model`` is one of ``MODELS`` or ``"all"``.
    """
    if model != "all" and model not in MODELS:
        raise InputError(f"Unknown taint model {model!r}; use one of {', '.join(MODELS)}, all.")
    if not 0 <= hops <= 50:
        raise InputError("hops must be between 0 and 50.")
    clock = time.perf_counter()
    if isinstance(source, Store):
        store = source
    if store is None:
        raise InputError("trace needs the store for labels and evidence.")
    seed_ids = _resolve_seeds(store, seeds)
    if isinstance(source, TraceIndex):
        index = source
    else:
        chains = {
            c
            for (c,) in store.con.execute(
                "SELECT DISTINCT chain FROM addresses WHERE id IN (SELECT unnest(?::BIGINT[]))",
                [seed_ids],
            ).fetchall()
        }
        index = TraceIndex.build(store, chains.pop() if len(chains) == 1 else None)
    dense_seeds = index.dense(seed_ids)
    dense_seeds = dense_seeds[dense_seeds >= 0]
    since_t = -(2**40) if since is None else index.to_t(since)
    labelled = _category_map(store, index)
    stop_set = set(stop_categories)
    stop = {d: c for d, c in labelled.items() if c in stop_set}
    if asset_id is not None:
        assets = [asset_id]
    else:
        assets = sorted(_seed_assets(index, dense_seeds, since_t))
    models = list(MODELS) if model == "all" else [model]
    traces: dict[tuple[int, str], AssetTrace] = {}
    reaches: dict[int, Reach] = {}
    for a in assets:
        reaches[a] = reach(index, dense_seeds, a, since_t, hops, stop, hub_degree, labelled)
        for m in models:
            traces[(a, m)] = simulate(index, reaches[a], dense_seeds.tolist(), since_t, m, dust)
    primary = "haircut" if model == "all" else model
    result = _assemble(store, index, seed_ids, primary, model, traces, reaches, models)
    result.summary["seconds"] = round(time.perf_counter() - clock, 4)
    result.summary["index"] = {
        "transfers": index.n,
        "build_seconds": round(index.build_seconds, 4),
        "bytes_per_transfer": round(index.bytes_per_transfer(), 2),
    }
    return result


def _resolve_seeds(store: Store, seeds: Sequence[Seed]) -> list[int]:
    ids: list[int] = []
    missing: list[str] = []
    for seed in seeds:
        if isinstance(seed, int):
            ids.append(seed)
            continue
        chain, address = seed
        found = store.address_id(chain, address)
        if found is None:
            missing.append(f"{chain}:{address}")
        else:
            ids.append(found)
    if missing:
        raise InputError(f"Seed addresses not in the store: {', '.join(missing)}.")
    if not ids:
        raise InputError("No seed addresses given.")
    return ids


def _category_map(store: Store, index: TraceIndex) -> dict[int, str]:
    """Dense id -> primary category of every labelled address of the index."""
    rows = store.con.execute("SELECT address_id, category FROM address_categories").fetchall()
    if not rows:
        return {}
    dense = index.dense([r[0] for r in rows]).tolist()
    return {d: r[1] for d, r in zip(dense, rows, strict=True) if d >= 0}


def _seed_assets(index: TraceIndex, seeds: I64, since_t: int) -> set[int]:
    assets: set[int] = set()
    for s in seeds.tolist():
        inflow = index.inflows(s)
        assets.update(index.asset[inflow[index.t(inflow) >= since_t]].tolist())
    return assets


def _assemble(
    store: Store,
    index: TraceIndex,
    seed_ids: list[int],
    primary: str,
    model: str,
    traces: dict[tuple[int, str], AssetTrace],
    reaches: dict[int, Reach],
    models: list[str],
) -> TraceResult:
    """Turn dense ids and index positions back into addresses, labels and transactions."""
    con = store.con
    main = {a: tr for (a, m), tr in traces.items() if m == primary}
    positions: set[int] = {p for tr in main.values() for p in tr.edges}
    dense_all = {d for tr in main.values() for d in (*tr.tainted_in, *tr.held_at)} | {
        d for d in index.dense(seed_ids).tolist() if d >= 0
    }
    for a, tr in main.items():  # evidence paths need the senders on them too
        for d in tr.terminal:
            for p in _path(index, tr, d, reaches[a]):
                positions.add(p)
    store_ids = [int(index.ids[d]) for d in sorted(dense_all)]
    addr = {
        int(i): (c, s)
        for i, c, s in con.execute(
            "SELECT id, chain, address FROM addresses WHERE id IN (SELECT unnest(?::BIGINT[]))",
            [store_ids + seed_ids],
        ).fetchall()
    }
    labels = {
        int(i): {"category": c, "categories": list(cs), "label": lab}
        for i, c, cs, lab in con.execute(
            "SELECT address_id, category, categories, label FROM address_categories "
            "WHERE address_id IN (SELECT unnest(?::BIGINT[]))",
            [store_ids],
        ).fetchall()
    }
    asset_info = {
        int(i): (sym or asset, dec)
        for i, sym, asset, dec in con.execute(
            "SELECT id, symbol, asset, decimals FROM assets"
        ).fetchall()
    }
    tx = _transactions(store, index, sorted(positions))

    def address_of(dense: int) -> dict[str, Any]:
        chain, text = addr.get(int(index.ids[dense]), ("?", "?"))
        return {"address": text, "chain": chain}

    def symbol(a: int) -> str:
        return str(asset_info.get(a, (str(a), None))[0])

    nodes: list[dict[str, Any]] = []
    for d in sorted(dense_all):
        sid = int(index.ids[d])
        hops_seen = [reaches[a].hop[d] for a in main if d in reaches[a].hop]
        nodes.append(
            {
                **address_of(d),
                "hop": min(hops_seen) if hops_seen else 0,
                "labels": labels.get(sid),
                "tainted_in": {
                    symbol(a): tr.tainted_in[d] for a, tr in main.items() if d in tr.tainted_in
                },
                "held": {symbol(a): tr.held_at[d] for a, tr in main.items() if d in tr.held_at},
            }
        )
    edges: list[dict[str, Any]] = []
    for a, tr in main.items():
        for p, amount in sorted(tr.edges.items(), key=lambda kv: (int(index.t(kv[0])), kv[0])):
            edges.append(_edge(index, p, tx, address_of, symbol(a), amount, reaches[a]))
    terminals: list[dict[str, Any]] = []
    by_category: dict[str, dict[str, float]] = {}
    for a, tr in main.items():
        for d, amount in sorted(tr.terminal.items(), key=lambda kv: -kv[1]):
            sid = int(index.ids[d])
            reason = reaches[a].stopped.get(d, "?")
            lab = labels.get(sid)
            item: dict[str, Any] = {
                **address_of(d),
                "category": reason,
                "label": lab["label"] if lab else None,
                "asset": symbol(a),
                "tainted_amount": amount,
                "path": [
                    _edge(index, p, tx, address_of, symbol(a), tr.edges.get(p, 0.0), reaches[a])
                    for p in _path(index, tr, d, reaches[a])
                ],
            }
            if model == "all":
                per = {m: traces[(a, m)].terminal.get(d, 0.0) for m in models}
                item["models"] = per
                item["range"] = [min(per.values()), max(per.values())]
            terminals.append(item)
            cat = by_category.setdefault(reason, {})
            cat[symbol(a)] = cat.get(symbol(a), 0.0) + amount
    summary: dict[str, Any] = {
        "by_category": by_category,
        "assets": {},
    }
    for (a, m), tr in traces.items():
        summary["assets"].setdefault(symbol(a), {})[m] = {
            "traced": tr.source + tr.absorbed,
            "source": tr.source,
            "absorbed_clean": tr.absorbed,
            "terminals": sum(tr.terminal.values()),
            "untraced": {
                "held": tr.held,
                "below_dust": tr.below_dust,
                "hop_limit": tr.hop_limit,
            },
        }
    seeds_out = [
        {"address": addr.get(s, ("?", "?"))[1], "chain": addr.get(s, ("?", "?"))[0]}
        for s in seed_ids
    ]
    return TraceResult(seeds_out, model, nodes, edges, terminals, summary, traces, reaches, index)


def _path(index: TraceIndex, tr: AssetTrace, dense: int, r: Reach) -> list[int]:
    """First tainted inflows from a seed to ``dense`` (each earlier than the next)."""
    path: list[int] = []
    seen: set[int] = set()
    node = dense
    while node in tr.first_edge and node not in seen and r.hop.get(node, 0) > 0:
        seen.add(node)
        p = tr.first_edge[node]
        path.append(p)
        node = int(index.src([p])[0])
    path.reverse()
    return path


def _transactions(
    store: Store, index: TraceIndex, positions: list[int]
) -> dict[int, tuple[str, str, datetime]]:
    """position -> (tx_hash, exact amount as text, block_time) from the store by rowid."""
    if not positions:
        return {}
    rowids = [int(index.rowid[p]) for p in positions]
    rows = store.con.execute(
        "SELECT rowid, tx_hash, amount::VARCHAR, block_time FROM transfers "
        "WHERE rowid IN (SELECT unnest(?::BIGINT[]))",
        [rowids],
    ).fetchall()
    by_rowid = {int(r[0]): (str(r[1]), str(r[2]), r[3]) for r in rows}
    return {p: by_rowid[rid] for p, rid in zip(positions, rowids, strict=True) if rid in by_rowid}


def _edge(
    index: TraceIndex,
    p: int,
    tx: dict[int, tuple[str, str, datetime]],
    address_of: Any,
    asset: str,
    tainted: float,
    r: Reach,
) -> dict[str, Any]:
    src = int(index.src([p])[0])
    tx_hash, amount, when = tx.get(p, ("?", str(index.amount[p]), datetime.fromtimestamp(0, UTC)))
    return {
        "tx_hash": tx_hash,
        "from_address": address_of(src)["address"],
        "to_address": address_of(int(index.dst[p]))["address"],
        "asset": asset,
        "amount": amount,
        "tainted_amount": tainted,
        "block_time": when.isoformat(),
        "hop": r.hop[src] + 1 if src in r.hop else 0,  # 0: a source inflow into a seed
        "stage": None,
    }
