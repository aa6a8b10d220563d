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
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from sanctionwatch.chain.addresses import normalize_address
from sanctionwatch.chain.chains import CHAINS
from sanctionwatch.errors import InputError, SanctionwatchError
from sanctionwatch.store.db import Store
from sanctionwatch.trace.index import I64, TraceIndex, expand_ranges
from sanctionwatch.trace.links import LINK_CATEGORIES, Entry, Link, find_links
from sanctionwatch.trace.models import MODELS, Balance
from sanctionwatch.trace.stages import classify_stages

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
    continued: float = 0.0  # taint that went into a link (swap, bridge, mixer) and on
    continued_at: dict[int, float] = field(default_factory=dict)  # service dense -> amount
    fees: float = 0.0  # miner fees (UTXO chains)

    def balance_error(self) -> float:
        """Left minus right side of the accounting identity (0 up to float rounding)."""
        right = (
            sum(self.terminal.values())
            + self.continued
            + self.held
            + self.below_dust
            + self.hop_limit
            + self.fees
        )
        return self.source + self.absorbed - right

    def merge(self, other: AssetTrace) -> None:
        """Add another wave's outcome for the same asset and model (superposition)."""
        self.source += other.source
        self.absorbed += other.absorbed
        self.held += other.held
        self.below_dust += other.below_dust
        self.hop_limit += other.hop_limit
        self.continued += other.continued
        self.fees += other.fees
        for mine, theirs in (
            (self.terminal, other.terminal),
            (self.tainted_in, other.tainted_in),
            (self.edges, other.edges),
            (self.held_at, other.held_at),
            (self.continued_at, other.continued_at),
        ):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0.0) + v
        for k, p in other.first_edge.items():
            self.first_edge.setdefault(k, p)


@dataclass(slots=True)
class Reach:
    """Phase 1 result for one asset: hops, arrival times and roles of reached addresses."""

    asset_id: int
    hop: dict[int, int]
    arrival: dict[int, int]
    expanded: set[int]
    stopped: dict[int, str]  # dense -> reason: a category, or UNLABELED_HUB
    leaves: set[int]  # at the hop limit
    inferred: dict[int, str] = field(default_factory=dict)  # dense -> why it is a deposit

    def merge(self, other: Reach) -> None:
        for k, h in other.hop.items():
            self.hop[k] = min(h, self.hop.get(k, h))
        for k, t in other.arrival.items():
            self.arrival[k] = min(t, self.arrival.get(k, t))
        self.expanded |= other.expanded
        self.stopped.update(other.stopped)
        self.leaves |= other.leaves
        self.inferred.update(other.inferred)


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
    models: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seeds": self.seeds,
            "model": self.model,
            "primary_model": "haircut" if self.model == "all" else self.model,
            "models": self.models,
            "parameters": self.parameters,
            "nodes": self.nodes,
            "edges": self.edges,
            "terminals": self.terminals,
            "links": self.links,
            "summary": self.summary,
        }


# -- phase 1 -------------------------------------------------------------------------
def reach(
    index: TraceIndex,
    starts: dict[int, tuple[int, int]],
    asset_id: int,
    hops: int,
    stop: dict[int, str],
    hub_degree: int,
    labelled: dict[int, str] | None = None,
    exchange_nodes: I64 | None = None,
) -> Reach:
    """Time-respecting frontier search (label-correcting on hop and arrival time).

    ``starts`` maps dense ids to (hop, arrival time); starts are always expanded. With
    ``exchange_nodes`` (sorted dense ids of exchange wallets), an unlabelled address whose
    every outgoing transfer goes to exchange wallets is taken for an exchange deposit
    address (the exchange sweeps it) and becomes an ``exchange`` terminal.
    """
    inferred: dict[int, str] = {}
    hop: dict[int, int] = {s: h for s, (h, _) in starts.items()}
    arrival: dict[int, int] = {s: t for s, (_, t) in starts.items()}
    seed_set = set(hop)
    stopped: dict[int, str] = {}
    expanded: set[int] = set()
    leaves: set[int] = set()
    frontier = np.array(sorted(seed_set), dtype=np.int64)
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
            if exchange_nodes is not None and len(exchange_nodes):
                for node, why in _swept_to_exchanges(index, new, exchange_nodes).items():
                    if (
                        node not in seed_set
                        and node not in stopped
                        and node not in (labelled or {})
                    ):
                        stopped[node] = "exchange"
                        inferred[node] = why
        go = np.array(
            [f for f in frontier.tolist() if (f in seed_set or f not in stopped) and hop[f] < hops],
            dtype=np.int64,
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
    return Reach(asset_id, hop, arrival, expanded, stopped, leaves, inferred)


def _hot_wallets(index: TraceIndex, exchange: list[int]) -> I64:
    """Exchange wallets that are not themselves swept: a labelled deposit address sends all
    it gets to one exchange wallet, and must not make its own payers look like deposits."""
    wallets = np.array(sorted(exchange), dtype=np.int64)
    if not len(wallets):
        return wallets
    swept = _swept_to_exchanges(index, wallets, wallets)
    return np.array([w for w in wallets.tolist() if w not in swept], dtype=np.int64)


def _swept_to_exchanges(index: TraceIndex, nodes: I64, exchange_nodes: I64) -> dict[int, str]:
    """Nodes whose outgoing transfers (at least one) all go to exchange wallets."""
    lo, hi = index.out_ranges(nodes, np.zeros(len(nodes), dtype=np.int64))
    counts = hi - lo
    pos = expand_ranges(lo, hi)
    if not len(pos):
        return {}
    owner = np.repeat(np.arange(len(nodes)), counts)
    dst = index.dst[pos].astype(np.int64)
    slot = np.minimum(np.searchsorted(exchange_nodes, dst), len(exchange_nodes) - 1)
    to_exchange = exchange_nodes[slot] == dst
    hits = np.bincount(owner, weights=to_exchange, minlength=len(nodes))
    # one destination only: a deposit address is swept to one wallet of its exchange
    lowest = np.full(len(nodes), np.iinfo(np.int64).max)
    highest = np.full(len(nodes), -1)
    np.minimum.at(lowest, owner, dst)
    np.maximum.at(highest, owner, dst)
    # and a sweep gathers deposits: not more transfers out than in (a launderer paying an
    # exchange in chunks sends many transfers out of one inflow)
    swept = (counts > 0) & (hits == counts) & (lowest == highest)
    swept &= counts <= index.in_degree(nodes)
    found: dict[int, str] = {}
    for i in np.flatnonzero(swept).tolist():
        found[int(nodes[i])] = (
            f"unlabelled; all {int(counts[i])} outgoing transfer(s) go to one exchange wallet "
            "(a swept deposit address)"
        )
    return found


# -- phase 2 -------------------------------------------------------------------------
def simulate(
    index: TraceIndex,
    r: Reach,
    model: str,
    dust_abs: float,
    *,
    seeds: Iterable[int] = (),
    since_t: int = 0,
    inject: dict[int, float] | None = None,
    reinjected: set[int] | frozenset[int] = frozenset(),
) -> AssetTrace:
    """Apply every in- and outflow of the expanded addresses in time order under ``model``.

    The taint source is either the seeds' inflows at or after ``since_t`` (wholly dirty), or
    ``inject``: index positions with the dirty amount a link leg carries into the trace.
    ``reinjected`` positions (a mixer deposit put back into its pool) were already recorded
    as edges by the wave that found them: they taint the balance but are not edges again.
    """
    spec = MODELS[model]
    seed_set = set(seeds)
    injected = inject or {}
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
    deposit, spend = spec.deposit, spec.spend
    for p, s, d, tt, x in zip(
        pos.tolist(), src.tolist(), dst.tolist(), t.tolist(), amount.tolist(), strict=True
    ):
        if p in injected:  # a link leg: comes from a service outside this trace
            dirty = min(injected[p], x)
            out.source += dirty
            if s in expanded:
                spend(balances[s], x)
        else:
            dirty = spend(balances[s], x) if s in expanded else 0.0
            if d in seed_set and tt >= since_t:
                out.source += x - dirty
                dirty = x
            elif 0.0 < dirty < dust_abs:
                out.below_dust += dirty
                dirty = 0.0
        if dirty > 0.0 and p not in reinjected:
            out.edges[p] = out.edges.get(p, 0.0) + dirty
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
@dataclass(slots=True)
class Wave:
    """One account-model trace of one asset: where it starts and what taints it."""

    asset_id: int
    starts: dict[int, tuple[int, int]]  # dense -> (hop, arrival)
    inject: dict[int, float] = field(default_factory=dict)  # position -> dirty (link legs)
    seeds: set[int] = field(default_factory=set)  # wave 0: inflows since since_t are dirty
    since_t: int = 0
    reinjected: set[int] = field(default_factory=set)  # mixer deposits put back into the pool


@dataclass(slots=True)
class ModelRun:
    """Everything one taint model produced, across waves, links and chains."""

    traces: dict[int, AssetTrace]  # asset_id -> merged outcome
    links: list[Link]
    utxo: list[tuple[list[Link], Any]]  # (legs, UtxoTrace) per UTXO chain (trace.utxo)


MAX_ROUNDS = 12  # link rounds (swap -> bridge -> mixer -> ...); hops bound them anyway


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
    follow_links: bool = True,
    link_window: timedelta = timedelta(hours=6),
    infer_deposits: bool = True,
    seed_role: str = "receiver",
) -> TraceResult:
    """Trace value forward from ``seeds`` (address ids or (chain, address) pairs).

    ``source`` is the store (an index of every account-model chain is built) or a prebuilt
    index (then pass ``store`` for labels, addresses, links and transaction hashes).
    ``asset_id`` None traces every asset the seeds received since ``since``, each on its own.
    ``dust`` is relative to the stolen amount of each asset. ``model`` is one of ``MODELS`` or
    ``"all"``. With ``follow_links``, taint that enters a DEX, bridge, cross-chain swap,
    instant exchanger or mixer continues on the leg that comes out (``links``).
    ``seed_role`` "receiver" (the seeds are the thief's addresses: what they received since
    ``since`` is stolen) or "sender" (the seeds are victims: what they sent since ``since``
    is stolen; the victims themselves are not traced further).
    """
    if seed_role not in ("receiver", "sender"):
        raise InputError(f"seed_role must be receiver or sender, not {seed_role!r}.")
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
    index = source if isinstance(source, TraceIndex) else TraceIndex.build(store)
    dense_seeds = index.dense(seed_ids)
    dense_seeds = dense_seeds[dense_seeds >= 0]
    since_t = -(2**40) if since is None else index.to_t(since)
    labelled = _category_map(store, index)
    stop_set = set(stop_categories)
    stop = {d: c for d, c in labelled.items() if c in stop_set}
    exchange_nodes = (
        _hot_wallets(index, [d for d, c in labelled.items() if c == "exchange"])
        if infer_deposits and "exchange" in stop_set
        else None
    )
    models = list(MODELS) if model == "all" else [model]
    seeds_set = {int(s) for s in dense_seeds.tolist()}
    if seed_role == "sender":
        stolen = _victim_outflows(index, dense_seeds, since_t, asset_id)
        assets = sorted({int(index.asset[p]) for p in stolen})
        dust_abs = {
            a: dust * sum(float(index.amount[p]) for p in stolen if int(index.asset[p]) == a)
            for a in assets
        }
    else:
        assets = (
            [asset_id]
            if asset_id is not None
            else sorted(_seed_assets(index, dense_seeds, since_t))
        )
        dust_abs = {a: dust * _seed_source(index, dense_seeds, a, since_t) for a in assets}
    reach_cache: dict[tuple[int, frozenset[tuple[int, tuple[int, int]]]], Reach] = {}

    def reach_of(w: Wave) -> Reach:
        key = (w.asset_id, frozenset(w.starts.items()))
        if key not in reach_cache:
            reach_cache[key] = reach(
                index, w.starts, w.asset_id, hops, stop, hub_degree, labelled, exchange_nodes
            )
        return reach_cache[key]

    runs: dict[str, ModelRun] = {}
    utxo_indexes: dict[str, Any] = {}  # chain -> UtxoIndex, shared by the models
    for m in models:
        if seed_role == "sender":
            waves = _victim_waves(index, stolen, assets)
        else:
            waves = [
                Wave(a, dict.fromkeys(seeds_set, (0, since_t)), seeds=seeds_set, since_t=since_t)
                for a in assets
            ]
        runs[m] = _run_model(
            store, index, m, waves, reach_of, dust_abs, follow_links, link_window, dust
        )
        if follow_links:
            _trace_utxo_legs(store, runs[m], m, hops, stop_set, hub_degree, dust, utxo_indexes)
    merged_reach: dict[int, Reach] = {}
    for r in reach_cache.values():
        if r.asset_id in merged_reach:
            merged_reach[r.asset_id].merge(r)
        else:
            merged_reach[r.asset_id] = Reach(
                r.asset_id,
                dict(r.hop),
                dict(r.arrival),
                set(r.expanded),
                dict(r.stopped),
                set(r.leaves),
                dict(r.inferred),
            )
    traces = {(a, m): tr for m, run in runs.items() for a, tr in run.traces.items()}
    primary = "haircut" if model == "all" else model
    result = _assemble(store, index, seed_ids, primary, model, runs, merged_reach, models)
    result.parameters = {
        "since": since.isoformat() if since else None,
        "hops": hops,
        "stop_at": sorted(stop_set),
        "hub_degree": hub_degree,
        "dust": dust,
        "asset": asset_id,
        "follow_links": follow_links,
    }
    result.traces = traces
    result.summary["seconds"] = round(time.perf_counter() - clock, 4)
    result.summary["index"] = {
        "transfers": index.n,
        "build_seconds": round(index.build_seconds, 4),
        "bytes_per_transfer": round(index.bytes_per_transfer(), 2),
    }
    return result


def _run_model(
    store: Store,
    index: TraceIndex,
    model: str,
    waves: list[Wave],
    reach_of: Any,
    dust_abs: dict[int, float],
    follow_links: bool,
    link_window: timedelta,
    dust_rel: float,
) -> ModelRun:
    """Trace the waves; every link found starts a further wave (or a UTXO leg)."""
    merged: dict[int, AssetTrace] = {}
    links: list[Link] = []
    processed: set[int] = set()
    dust = dict(dust_abs)  # per asset; an asset first reached by a link: relative to its legs
    for _ in range(MAX_ROUNDS):
        if not waves:
            break
        following: dict[int, Wave] = {}
        for w in waves:
            r = reach_of(w)
            tr = simulate(
                index,
                r,
                model,
                dust.setdefault(w.asset_id, dust_rel * sum(w.inject.values())),
                seeds=w.seeds,
                since_t=w.since_t,
                inject=w.inject,
                reinjected=w.reinjected,
            )
            found = _links_of(store, index, tr, r, processed, link_window) if follow_links else []
            for lk in found:
                e = lk.entry
                if e.position not in processed:
                    processed.add(e.position)
                    d = int(index.dst[e.position])
                    tr.terminal[d] -= e.dirty
                    if tr.terminal[d] <= 1e-9 * max(e.dirty, 1.0):
                        del tr.terminal[d]
                    tr.continued += e.dirty
                    tr.continued_at[d] = tr.continued_at.get(d, 0.0) + e.dirty
                links.append(lk)
                if lk.position is None:
                    continue  # a UTXO leg: traced output by output afterwards
                pos = lk.position
                a = int(index.asset[pos])
                node = int(index.dst[pos])  # for a mixer: the pool itself, from the deposit
                hop = e.hop - 1 if lk.kind == "dex_swap" else e.hop
                when = int(index.t([pos])[0])
                nxt = following.setdefault(a, Wave(a, {}))
                old = nxt.starts.get(node)
                nxt.starts[node] = (
                    (hop, when) if old is None else (min(old[0], hop), min(old[1], when))
                )
                nxt.inject[pos] = nxt.inject.get(pos, 0.0) + lk.tainted_out
                if lk.kind == "mixer":
                    nxt.reinjected.add(pos)
            if w.asset_id in merged:
                merged[w.asset_id].merge(tr)
            else:
                merged[w.asset_id] = tr
        waves = list(following.values())
    return ModelRun(merged, links, [])


def _links_of(
    store: Store,
    index: TraceIndex,
    tr: AssetTrace,
    r: Reach,
    processed: set[int],
    window: timedelta,
) -> list[Link]:
    """The legs out of the link services this wave's taint reached."""
    services = {d for d in tr.terminal if r.stopped.get(d) in LINK_CATEGORIES}
    if not services:
        return []
    entries: list[Entry] = []
    positions = [p for p in tr.edges if int(index.dst[p]) in services and p not in processed]
    rowids = [int(r) for r in index.rowid[np.asarray(positions, dtype=np.int64)]]
    for p, rid in zip(positions, rowids, strict=True):
        d = int(index.dst[p])
        sender = int(index.src([p])[0])
        entries.append(
            Entry(
                p,
                int(rid),
                r.stopped[d],
                tr.edges[p],
                float(index.amount[p]),
                r.hop.get(sender, 0) + 1,
            )
        )
    return find_links(store, index, entries, window=window)


def _trace_utxo_legs(
    store: Store,
    run: ModelRun,
    model: str,
    hops: int,
    stop_set: set[str],
    hub_degree: int,
    dust: float,
    indexes: dict[str, Any],
) -> None:
    """Trace the legs that landed on UTXO chains, output by output (``trace.utxo``)."""
    from sanctionwatch.trace.utxo import UtxoIndex, UtxoInjection, trace_utxo

    legs = [lk for lk in run.links if lk.txid is not None and lk.vout is not None]
    if not legs:
        return
    stop = {
        int(a): str(c)
        for a, c in store.con.execute(
            "SELECT address_id, category FROM address_categories"
        ).fetchall()
        if c in stop_set
    }
    by_chain: dict[str, list[Link]] = {}
    for lk in legs:
        by_chain.setdefault(lk.out_chain, []).append(lk)
    for chain, chain_legs in by_chain.items():
        if chain not in indexes:
            indexes[chain] = UtxoIndex.build(store, chain)
        injections = [
            UtxoInjection(
                str(lk.txid),
                int(lk.vout or 0),
                lk.tainted_out,
                hop=lk.entry.hop,
                link={"kind": lk.kind, "confidence": round(lk.confidence, 4)},
            )
            for lk in chain_legs
        ]
        total = sum(i.dirty for i in injections)
        result = trace_utxo(
            store,
            chain,
            injections,
            model=model,
            hops=hops,
            stop=stop,
            hub_degree=hub_degree,
            dust_abs=dust * total,
            index=indexes[chain],
        )
        run.utxo.append((chain_legs, result))


def _resolve_seeds(store: Store, seeds: Sequence[Seed]) -> list[int]:
    ids: list[int] = []
    missing: list[str] = []
    for seed in seeds:
        if isinstance(seed, int):
            ids.append(seed)
            continue
        chain, address = seed
        try:
            address = normalize_address(chain, address)
        except (KeyError, ValueError, SanctionwatchError) as exc:
            raise InputError(f"Seed {chain}:{address} is not a valid address: {exc}") from exc
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


def _victim_outflows(
    index: TraceIndex, victims: I64, since_t: int, asset_id: int | None
) -> list[int]:
    """Positions of what the victims sent since ``since_t`` (to others than the victims)."""
    lo, hi = index.out_ranges(victims, np.full(len(victims), since_t, dtype=np.int64))
    pos = expand_ranges(lo, hi)
    pos = pos[~np.isin(index.dst[pos], victims)]
    if asset_id is not None:
        pos = pos[index.asset[pos] == asset_id]
    return [int(p) for p in pos.tolist()]


def _victim_waves(index: TraceIndex, stolen: list[int], assets: list[int]) -> list[Wave]:
    """One wave per asset: the victims' outflows are the stolen value, wholly dirty."""
    waves = {a: Wave(a, {}) for a in assets}
    for p in stolen:
        w = waves[int(index.asset[p])]
        node, when = int(index.dst[p]), int(index.t([p])[0])
        old = w.starts.get(node)
        w.starts[node] = (1, when) if old is None else (1, min(old[1], when))
        w.inject[p] = float(index.amount[p])
    return list(waves.values())


def _seed_source(index: TraceIndex, seeds: I64, asset_id: int, since_t: int) -> float:
    """What the seeds received of ``asset_id`` since ``since_t`` (the stolen amount)."""
    total = 0.0
    for s in seeds.tolist():
        inflow = index.inflows(s)
        keep = (index.t(inflow) >= since_t) & (index.asset[inflow] == asset_id)
        total += float(index.amount[inflow[keep]].sum())
    return total


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
    runs: dict[str, ModelRun],
    reaches: dict[int, Reach],
    models: list[str],
) -> TraceResult:
    """Turn dense ids and index positions back into addresses, labels and transactions."""
    con = store.con
    run = runs[primary]
    main = run.traces
    hop_all: dict[int, int] = {}
    stopped_all: dict[int, str] = {}
    inferred_all: dict[int, str] = {}
    for r in reaches.values():
        for d, h in r.hop.items():
            hop_all[d] = min(h, hop_all.get(d, h))
        stopped_all.update(r.stopped)
        inferred_all.update(r.inferred)
    first: dict[int, int] = {}  # dense -> earliest first tainted inflow, any asset
    for tr in main.values():
        for d, p in tr.first_edge.items():
            if d not in first or int(index.t([p])[0]) < int(index.t([first[d]])[0]):
                first[d] = p
    positions: set[int] = {p for tr in main.values() for p in tr.edges}
    dense_all = {d for tr in main.values() for d in (*tr.tainted_in, *tr.held_at)} | {
        d for d in index.dense(seed_ids).tolist() if d >= 0
    }
    ends = {d for tr in main.values() for d in (*tr.terminal, *tr.continued_at)}
    for lk in run.links:
        ends.add(int(index.src([lk.entry.position])[0]))
    leg_entry = {
        lk.position: lk.entry.position
        for lk in run.links
        if lk.position is not None and lk.kind not in ("mixer", "dex_swap")
    }
    paths = {d: _path(index, first, hop_all, d, leg_entry) for d in ends}
    for path in paths.values():
        positions.update(path)
    for p in positions:
        dense_all.add(int(index.src([p])[0]))
        dense_all.add(int(index.dst[p]))
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
    asset_rows = con.execute("SELECT id, symbol, asset, decimals, chain FROM assets").fetchall()
    used = {a for mrun in runs.values() for a in mrun.traces}
    chains_of: dict[str, set[str]] = {}
    for i, sym, asset, _, chain in asset_rows:
        if int(i) in used:
            chains_of.setdefault(str(sym or asset), set()).add(str(chain))
    asset_info = {  # a symbol on several chains is named SYMBOL@chain (USDT@ethereum, USDT@tron)
        int(i): (
            str(sym or asset)
            + (f"@{chain}" if len(chains_of.get(str(sym or asset), ())) > 1 else ""),
            dec,
            chain,
        )
        for i, sym, asset, dec, chain in asset_rows
    }
    tx = _transactions(store, index, sorted(positions))
    link_at: dict[int, tuple[Link, str]] = {}  # position -> link, "in" (entry) or "out" (leg)
    for lk in run.links:
        link_at.setdefault(lk.entry.position, (lk, "in"))
        if lk.position is not None and lk.kind != "mixer":
            link_at[lk.position] = (lk, "out")

    def address_of(dense: int) -> dict[str, Any]:
        chain, text = addr.get(int(index.ids[dense]), ("?", "?"))
        return {"address": text, "chain": chain}

    def symbol(a: int) -> str:
        return asset_info.get(a, (str(a), None, None))[0]

    def edge(p: int, tainted: float) -> dict[str, Any]:
        item = _edge(index, p, tx, address_of, symbol(int(index.asset[p])), tainted, hop_all)
        found = link_at.get(p)
        item["link"] = (
            None
            if found is None
            else {"kind": found[0].kind, "confidence": found[0].confidence, "role": found[1]}
        )
        return item

    nodes: list[dict[str, Any]] = []
    for d in sorted(dense_all):
        sid = int(index.ids[d])
        lab = labels.get(sid)
        if lab is None and d in inferred_all:
            lab = {"category": "exchange", "categories": ["exchange"], "label": None}
        nodes.append(
            {
                **address_of(d),
                "hop": hop_all.get(d, 0),
                "labels": lab,
                "tainted_in": {
                    symbol(a): tr.tainted_in[d] for a, tr in main.items() if d in tr.tainted_in
                },
                "held": {symbol(a): tr.held_at[d] for a, tr in main.items() if d in tr.held_at},
                "stage": None,
            }
        )
    edges: list[dict[str, Any]] = []
    for tr in main.values():
        for p, amount in tr.edges.items():
            edges.append(edge(p, amount))
    edges.sort(key=lambda e: (e["block_time"], e["tx_hash"], e["to_address"]))
    terminals: list[dict[str, Any]] = []
    by_category: dict[str, dict[str, float]] = {}
    through: dict[str, dict[str, float]] = {}
    for a, tr in main.items():
        rows = [(d, amount, False) for d, amount in tr.terminal.items()]
        rows += [(d, amount, True) for d, amount in tr.continued_at.items()]
        for d, amount, continued in sorted(rows, key=lambda row: -row[1]):
            sid = int(index.ids[d])
            reason = stopped_all.get(d, "?")
            lab = labels.get(sid)
            item: dict[str, Any] = {
                **address_of(d),
                "category": reason,
                "label": lab["label"] if lab else None,
                "asset": symbol(a),
                "tainted_amount": amount,
                "continued": continued,
                "evidence": inferred_all.get(d),
                "path": [edge(p, _tainted_on(main, index, p)) for p in paths.get(d, [])],
            }
            if model == "all":
                # what reached the address under each model, whether it ended or went on
                per = {
                    m: (
                        runs[m].traces[a].terminal.get(d, 0.0)
                        + runs[m].traces[a].continued_at.get(d, 0.0)
                        if a in runs[m].traces
                        else 0.0
                    )
                    for m in models
                }
                item["models"] = per
                item["range"] = [min(per.values()), max(per.values())]
            terminals.append(item)
            bucket = through if continued else by_category
            cat = bucket.setdefault(reason, {})
            cat[symbol(a)] = cat.get(symbol(a), 0.0) + amount
    summary: dict[str, Any] = {
        "by_category": by_category,
        "through_links": through,
        "by_stage": {},
        "assets": {},
        "asset_info": {},
    }
    for m, mrun in runs.items():
        for a, tr in mrun.traces.items():
            summary["assets"].setdefault(symbol(a), {})[m] = _asset_summary(tr)
    for a in {a for mrun in runs.values() for a in mrun.traces}:
        sym, dec, chain = asset_info.get(a, (str(a), None, None))
        summary["asset_info"][sym] = {"chain": chain, "decimals": dec}
    links_out = []
    for lk in run.links:
        p = lk.entry.position
        links_out.append(
            lk.to_dict(address_of(int(index.dst[p]))["chain"], symbol(int(index.asset[p])))
        )
    seeds_out = [
        {"address": addr.get(s, ("?", "?"))[1], "chain": addr.get(s, ("?", "?"))[0]}
        for s in seed_ids
    ]
    result = TraceResult(
        seeds_out, model, nodes, edges, terminals, summary, {}, reaches, index, models
    )
    result.links = links_out
    _merge_utxo(store, result, runs, primary, model, models, paths, index, edge)
    classify_stages(result)
    return result


def _asset_summary(tr: AssetTrace) -> dict[str, Any]:
    return {
        "traced": tr.source + tr.absorbed,
        "source": tr.source,
        "absorbed_clean": tr.absorbed,
        "terminals": sum(tr.terminal.values()),
        "through_links": tr.continued,
        "untraced": {
            "held": tr.held,
            "below_dust": tr.below_dust,
            "hop_limit": tr.hop_limit,
            "fees": tr.fees,
        },
    }


def _tainted_on(main: dict[int, AssetTrace], index: TraceIndex, p: int) -> float:
    tr = main.get(int(index.asset[p]))
    return tr.edges.get(p, 0.0) if tr is not None else 0.0


def _merge_utxo(
    store: Store,
    result: TraceResult,
    runs: dict[str, ModelRun],
    primary: str,
    model: str,
    models: list[str],
    paths: dict[int, list[int]],
    index: TraceIndex,
    edge: Any,
) -> None:
    """Add the UTXO legs' nodes, edges and terminals; terminals' paths start at the seeds."""
    run = runs[primary]
    if not run.utxo:
        return
    summary = result.summary
    per_model: dict[str, dict[tuple[str, str | None], float]] = {}
    for m, mrun in runs.items():
        for _, ut in mrun.utxo:
            per = per_model.setdefault(m, {})
            for t in ut.to_parts(store)["terminals"] if m != primary and model == "all" else []:
                per[(t["chain"], t["address"])] = t["tainted_amount"]
            summary["assets"].setdefault(ut.asset, {})[m] = {
                "traced": ut.injected + ut.absorbed,
                "source": ut.injected,
                "absorbed_clean": ut.absorbed,
                "terminals": ut.terminal_total,
                "through_links": 0.0,
                "untraced": {
                    "held": ut.held,
                    "below_dust": ut.below_dust,
                    "hop_limit": ut.hop_limit,
                    "fees": ut.fees,
                },
            }
    for legs, ut in run.utxo:
        parts = ut.to_parts(store)
        decimals = CHAINS[ut.chain].native_decimals if ut.chain in CHAINS else None
        summary["asset_info"][ut.asset] = {"chain": ut.chain, "decimals": decimals}
        by_output = {(str(lk.txid), int(lk.vout or 0)): lk for lk in legs}
        for n in parts["nodes"]:
            n.setdefault("stage", None)
            result.nodes.append(n)
        for e in parts["edges"]:
            e["block_time"] = _utc(e["block_time"])
            e.setdefault("link", None)
            result.edges.append(e)
        for t in parts["terminals"]:
            path = t["path"]
            for e in path:
                e["block_time"] = _utc(e["block_time"])
            if path:
                lk = by_output.get((path[0]["tx_hash"], int(path[0].get("vout") or 0)))
                if lk is not None:
                    p = lk.entry.position
                    sender = int(index.src([p])[0])
                    before = [edge(q, 0.0) for q in paths.get(sender, [])]
                    t["path"] = [*before, edge(p, lk.entry.dirty), *path]
            if model == "all":
                key = (t["chain"], t["address"])
                amounts = {m: per_model.get(m, {}).get(key, 0.0) for m in models}
                amounts[primary] = t["tainted_amount"]
                t["models"] = amounts
                t["range"] = [min(amounts.values()), max(amounts.values())]
            result.terminals.append(t)
            bucket = summary["by_category"].setdefault(t["category"], {})
            bucket[t["asset"]] = bucket.get(t["asset"], 0.0) + t["tainted_amount"]
        summary.setdefault("coinjoins", []).extend(parts["coinjoins"])
        summary.setdefault("peel_chains", []).extend(parts["peel_chains"])
    result.edges.sort(key=lambda e: (e["block_time"], e["tx_hash"], e["to_address"] or ""))


def _utc(when: str) -> str:
    """ISO time with its UTC offset (the store keeps UTC without one)."""
    return when if ("+" in when[10:] or when.endswith("Z")) else when + "+00:00"


def _path(
    index: TraceIndex,
    first: dict[int, int],
    hop: dict[int, int],
    dense: int,
    leg_entry: dict[int, int] | None = None,
) -> list[int]:
    """First tainted inflows from a seed to ``dense`` (each earlier than the next); a link's
    leg (a bridge payout, a swap's output) is followed by the deposit that paid for it."""
    path: list[int] = []
    seen: set[int] = set()
    node = dense
    jumps = leg_entry or {}
    while node in first and node not in seen and hop.get(node, 0) > 0:
        seen.add(node)
        p = first[node]
        path.append(p)
        if p in jumps and int(index.src([jumps[p]])[0]) not in seen:
            p = jumps[p]
            path.append(p)
        node = int(index.src([p])[0])
    path.reverse()
    return path


def _transactions(
    store: Store, index: TraceIndex, positions: list[int]
) -> dict[int, tuple[str, str, datetime, str]]:
    """position -> (tx_hash, exact amount, block_time UTC, position in the tx) by rowid."""
    if not positions:
        return {}
    rowids = [int(index.rowid[p]) for p in positions]
    rows = store.con.execute(
        "SELECT rowid, tx_hash, amount::VARCHAR, block_time, position FROM transfers "
        "WHERE rowid IN (SELECT unnest(?::BIGINT[]))",
        [rowids],
    ).fetchall()
    by_rowid = {
        int(r[0]): (str(r[1]), str(r[2]), r[3].replace(tzinfo=UTC), str(r[4])) for r in rows
    }
    return {p: by_rowid[rid] for p, rid in zip(positions, rowids, strict=True) if rid in by_rowid}


def _edge(
    index: TraceIndex,
    p: int,
    tx: dict[int, tuple[str, str, datetime, str]],
    address_of: Any,
    asset: str,
    tainted: float,
    hop: dict[int, int],
) -> dict[str, Any]:
    src = int(index.src([p])[0])
    missing = ("?", str(index.amount[p]), datetime.fromtimestamp(0, UTC), "")
    tx_hash, amount, when, position = tx.get(p, missing)
    return {
        "tx_hash": tx_hash,
        "position": position,
        "from_address": address_of(src)["address"],
        "to_address": address_of(int(index.dst[p]))["address"],
        "asset": asset,
        "amount": amount,
        "tainted_amount": tainted,
        "block_time": when.isoformat(),
        "chain": address_of(src)["chain"],
        "hop": hop[src] + 1 if src in hop else 0,  # 0: a source inflow into a seed
        "stage": None,
        "stage_evidence": None,
    }
