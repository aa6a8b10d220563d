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
first tainted inflows back to a seed (time-respecting by construction). The result's
addresses, transactions and paths are assembled in ``evidence``.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from sanctionwatch.chain.addresses import normalize_address
from sanctionwatch.chain.chains import UTXO_CHAINS
from sanctionwatch.errors import InputError, SanctionwatchError
from sanctionwatch.labels.taxonomy import CATEGORIES
from sanctionwatch.store.db import Store
from sanctionwatch.trace.arrays import (
    distinct,
    expand_ranges,
    member_mask,
    sorted_ints,
    stable_order,
)
from sanctionwatch.trace.index import F64, I64, TraceIndex, as_utc
from sanctionwatch.trace.index_cache import load_index
from sanctionwatch.trace.links import LINK_CATEGORIES, Entry, Link, LinkCache, find_links
from sanctionwatch.trace.models import MODELS, Balance, TaintModel
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
class ReachArrays:
    """A reach as arrays over the addresses it lists (discovery order: the starts first).

    ``flags`` has ``_kernels``' bits EXPANDED, LEAF, STOPPED and SEED; a reach built from
    dictionaries lists an expanded address without a hop with hop NO_HOP (sender rank -1)
    and one without an arrival with arrival ``_kernels.NO_CUTOFF`` (no clean prefix).
    """

    nodes: I64
    hop: npt.NDArray[np.int32]
    arrival: I64
    flags: npt.NDArray[np.uint8]

    def merged(self, other: ReachArrays) -> ReachArrays:
        """Both reaches: per address min hop, min arrival and every flag, in order of first
        appearance (this one's addresses, then the other's new ones).

        Each address's place is found in an array over the dense ids, not by sorting both
        (a trace merges ~10 waves into a reach of ~5 x 10^5 addresses at 50M); a reach
        that lists an address twice, or a few addresses among many ids, is merged by
        sorting (``merged_by_sorting``)."""
        n = len(self.nodes)
        size = int(max(self.nodes.max(initial=-1), other.nodes.max(initial=-1))) + 1
        low = min(self.nodes.min(initial=0), other.nodes.min(initial=0))
        if low < 0 or size > max(2**20, 64 * (n + len(other.nodes))):
            return self.merged_by_sorting(other)  # not dense ids, or few of many
        slot = np.full(size, -1, dtype=np.int32)
        places = np.arange(n, dtype=np.int32)
        slot[self.nodes] = places
        at = slot[other.nodes]
        new = at < 0
        added = other.nodes[new]
        more = np.arange(n, n + len(added), dtype=np.int32)
        slot[added] = more
        listed_once = np.array_equal(slot[self.nodes], places) and np.array_equal(slot[added], more)
        if not listed_once:
            return self.merged_by_sorting(other)
        hop = np.concatenate([self.hop, other.hop[new]])
        arrival = np.concatenate([self.arrival, other.arrival[new]])
        flags = np.concatenate([self.flags, other.flags[new]])
        both, mine = ~new, at[~new]
        np.minimum.at(hop, mine, other.hop[both])  # .at: the other may list one twice
        np.minimum.at(arrival, mine, other.arrival[both])
        np.bitwise_or.at(flags, mine, other.flags[both])
        return ReachArrays(np.concatenate([self.nodes, added]), hop, arrival, flags)

    def merged_by_sorting(self, other: ReachArrays) -> ReachArrays:
        """``merged`` for any lists, also of addresses listed more than once."""
        nodes = np.concatenate([self.nodes, other.nodes])
        by_node = stable_order(nodes)
        ordered = nodes[by_node]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        first = by_node[starts]  # the stable sort keeps each address's first appearance first
        keep = np.argsort(first)
        hop = np.concatenate([self.hop, other.hop])[by_node]
        arrival = np.concatenate([self.arrival, other.arrival])[by_node]
        flags = np.concatenate([self.flags, other.flags])[by_node]
        return ReachArrays(
            ordered[starts][keep],
            np.minimum.reduceat(hop, starts)[keep],
            np.minimum.reduceat(arrival, starts)[keep],
            np.bitwise_or.reduceat(flags, starts)[keep],
        )

    @classmethod
    def from_dicts(
        cls,
        hop: dict[int, int],
        arrival: dict[int, int],
        expanded: set[int],
        stopped: dict[int, str],
        leaves: set[int],
    ) -> ReachArrays:
        from sanctionwatch.trace import _kernels as kern

        keys = list(hop)
        keys += [e for e in expanded if e not in hop]
        keys += [s for s in (*stopped, *leaves) if s not in hop and s not in expanded]
        keys = list(dict.fromkeys(keys))
        n = len(keys)
        flags = np.fromiter(
            (
                (kern.EXPANDED if k in expanded else 0)
                | (kern.STOPPED if k in stopped else 0)
                | (kern.LEAF if k in leaves else 0)
                for k in keys
            ),
            dtype=np.uint8,
            count=n,
        )
        return cls(
            np.array(keys, dtype=np.int64),
            np.fromiter((hop.get(k, kern.NO_HOP) for k in keys), dtype=np.int32, count=n),
            np.fromiter((arrival.get(k, kern.NO_CUTOFF) for k in keys), dtype=np.int64, count=n),
            flags,
        )


class Reach:
    """Phase 1 result for one asset: hops, arrival times and roles of reached addresses.

    ``reach`` gives it as arrays (``arrays()``, what ``simulate`` reads); ``hop``, ``arrival``,
    ``expanded`` and ``leaves`` are built from them on first use (a dict of 500k entries
    costs ~80 ms). The arrays are a snapshot: ``merge`` and assigning an attribute drop them
    (rebuilt from the dictionaries when asked for); change the dictionaries in place only
    through ``merge``.
    """

    __slots__ = (
        "_arrays",
        "_arrival",
        "_expanded",
        "_hop",
        "_leaves",
        "asset_id",
        "inferred",
        "stopped",
    )

    def __init__(
        self,
        asset_id: int,
        hop: dict[int, int],
        arrival: dict[int, int],
        expanded: set[int],
        stopped: dict[int, str],  # dense -> reason: a category, or UNLABELED_HUB
        leaves: set[int],  # at the hop limit
        inferred: dict[int, str] | None = None,  # dense -> why it is a deposit
    ) -> None:
        self.asset_id = asset_id
        self._hop: dict[int, int] | None = hop
        self._arrival: dict[int, int] | None = arrival
        self._expanded: set[int] | None = expanded
        self._leaves: set[int] | None = leaves
        self.stopped = stopped
        self.inferred: dict[int, str] = {} if inferred is None else inferred
        self._arrays: ReachArrays | None = None

    @classmethod
    def from_arrays(
        cls,
        asset_id: int,
        arrays: ReachArrays,
        stopped: dict[int, str],
        inferred: dict[int, str],
    ) -> Reach:
        r = cls(asset_id, {}, {}, set(), stopped, set(), inferred)
        r._hop = r._arrival = None
        r._expanded = r._leaves = None
        r._arrays = arrays
        return r

    def __repr__(self) -> str:
        return (
            f"Reach(asset_id={self.asset_id}, reached={len(self.hop)}, "
            f"expanded={len(self.expanded)}, stopped={len(self.stopped)}, "
            f"leaves={len(self.leaves)})"
        )

    def arrays(self) -> ReachArrays:
        """The reach as arrays (built from the dictionaries when it was given as those)."""
        if self._arrays is None:
            self._arrays = ReachArrays.from_dicts(
                self.hop, self.arrival, self.expanded, self.stopped, self.leaves
            )
        return self._arrays

    def _with(self, bit: int) -> list[int]:
        a = self._arrays
        assert a is not None
        return a.nodes[(a.flags & bit) != 0].tolist()  # type: ignore[no-any-return]

    @property
    def hop(self) -> dict[int, int]:
        if self._hop is None:
            a = self._arrays
            assert a is not None
            self._hop = dict(zip(a.nodes.tolist(), a.hop.tolist(), strict=True))
        return self._hop

    @hop.setter
    def hop(self, value: dict[int, int]) -> None:
        self._settle()
        self._hop = value

    @property
    def arrival(self) -> dict[int, int]:
        if self._arrival is None:
            a = self._arrays
            assert a is not None
            self._arrival = dict(zip(a.nodes.tolist(), a.arrival.tolist(), strict=True))
        return self._arrival

    @arrival.setter
    def arrival(self, value: dict[int, int]) -> None:
        self._settle()
        self._arrival = value

    @property
    def expanded(self) -> set[int]:
        if self._expanded is None:
            from sanctionwatch.trace._kernels import EXPANDED

            self._expanded = set(self._with(EXPANDED))
        return self._expanded

    @expanded.setter
    def expanded(self, value: set[int]) -> None:
        self._settle()
        self._expanded = value

    @property
    def leaves(self) -> set[int]:
        if self._leaves is None:
            from sanctionwatch.trace._kernels import LEAF

            self._leaves = set(self._with(LEAF))
        return self._leaves

    @leaves.setter
    def leaves(self, value: set[int]) -> None:
        self._settle()
        self._leaves = value

    def _settle(self) -> None:
        """Build every dictionary from the arrays and drop them (before a change)."""
        _ = (self.hop, self.arrival, self.expanded, self.leaves)
        self._arrays = None

    def copy(self) -> Reach:
        """An independent copy (sharing the arrays, which are never changed in place)."""
        if self._arrays is not None:
            return Reach.from_arrays(
                self.asset_id, self._arrays, dict(self.stopped), dict(self.inferred)
            )
        return Reach(
            self.asset_id,
            dict(self.hop),
            dict(self.arrival),
            set(self.expanded),
            dict(self.stopped),
            set(self.leaves),
            dict(self.inferred),
        )

    def merge(self, other: Reach) -> None:
        """Add another reach: min hop and arrival, union of roles (as dictionaries would)."""
        dicts = (self._hop, self._arrival, self._expanded, self._leaves)
        if self._arrays is not None and other._arrays is not None and dicts == (None,) * 4:
            self._arrays = self._arrays.merged(other._arrays)
            self.stopped.update(other.stopped)
            self.inferred.update(other.inferred)
            return
        self._settle()
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
    asset_names: dict[int, str] = field(default_factory=dict)  # asset id -> name in the JSON

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

    Rounds: the addresses improved in a round (fewer hops or an earlier arrival) are the next
    frontier; the round follows the frontier's transfers at or after its arrival times
    (``_kernels.reach_round``, on dense arrays over every address of the index). An address's
    role (stop, hub, swept deposit) is decided the first time it is in a frontier.
    """
    from sanctionwatch.trace import _kernels as kern

    labels = labelled or {}
    n_starts = len(starts)
    start_nodes = np.fromiter(starts, dtype=np.int64, count=n_starts)
    start_hop = np.fromiter((h for h, _ in starts.values()), np.int64, n_starts)
    start_t = np.fromiter((t for _, t in starts.values()), np.int64, n_starts)
    listed = np.fromiter(stop, dtype=np.int64, count=len(stop))
    stopped: dict[int, str] = {}
    inferred: dict[int, str] = {}
    offsets = index.out_offsets
    hub = min(hub_degree, 2**62)
    # roles to decide: not when nothing is listed, no address can be a hub (a degree is at
    # most the number of transfers) and no deposit address is inferred
    inferring = exchange_nodes is not None and len(exchange_nodes) > 0
    roles = len(stop) > 0 or hub < index.n or inferring
    is_exchange = (
        _member_mask(len(index.ids), exchange_nodes) if exchange_nodes is not None else None
    )
    full, dense = kern.acquire(len(index.ids))
    label, flags = dense.label, dense.flags
    flags[listed] = kern.LISTED
    label[start_nodes] = kern.pack(start_hop, start_t)
    flags[start_nodes] |= kern.SEED | kern.REACHED
    found = [start_nodes]
    frontier = distinct(start_nodes)
    for _ in range(10 * hops + 10):
        if not len(frontier):
            break
        if not roles:
            new = hits = frontier[:0]
            by_list = np.zeros(0, dtype=bool)
        else:
            new, hits, by_list = kern.reach_roles(frontier, flags, offsets, index.in_offsets, hub)
        for node, listed_here in zip(hits.tolist(), by_list.tolist(), strict=True):
            if listed_here:
                stopped[node] = stop[node]
            else:
                category = labels.get(node)
                stopped[node] = UNLABELED_HUB if category is None else f"hub:{category}"
        swept = _reach_inferred(index, new, flags, labels, exchange_nodes, is_exchange)
        for node, why in swept.items():
            stopped[node] = "exchange"
            inferred[node] = why
            flags[node] |= kern.STOPPED
        frontier, n_go = kern.reach_round(
            index.key,
            offsets,
            index.dst,
            index.asset,
            asset_id,
            frontier,
            label,
            dense.info,
            flags,
            hops,
        )
        if not n_go:
            break
        frontier = sorted_ints(frontier)
        found.append(kern.settle_round(frontier, label, flags, hops))
    nodes = np.concatenate(found)
    # each reached address's hop, arrival and flags, its dense entries reset as it is read
    hop, arrival, f = kern.reached(nodes, label, dense.info, flags)
    # a start not reached earlier keeps its own arrival (the label holds it clamped)
    head = arrival[:n_starts]
    kept = head == np.clip(start_t, 0, kern.MASK32)
    head[kept] = start_t[kept]
    arrays = ReachArrays(nodes, hop, arrival, f)
    kern.release(full, dense, listed, only=("label", "info", "flags"))
    return Reach.from_arrays(asset_id, arrays, stopped, inferred)


def _reach_inferred(
    index: TraceIndex,
    new: I64,
    flags: npt.NDArray[np.uint8],
    labels: dict[int, str],
    exchange_nodes: I64 | None,
    is_exchange: npt.NDArray[np.bool_] | None = None,
) -> dict[int, str]:
    """Unlabelled swept deposit addresses among ``new`` (not seeds, not already stopped)."""
    from sanctionwatch.trace import _kernels as kern

    if exchange_nodes is None or not len(exchange_nodes):
        return {}
    nodes = new[(flags[new] & (kern.SEED | kern.STOPPED)) == 0]
    swept, counts = _swept_mask(index, nodes, exchange_nodes, is_exchange)
    return {
        node: _swept_reason(count)
        for node, count in zip(nodes[swept].tolist(), counts[swept].tolist(), strict=True)
        if node not in labels
    }


def _hot_wallets(index: TraceIndex, exchange: list[int]) -> I64:
    """The labelled exchange addresses a sweep may go to: those that do not send everything
    to exchange addresses. A labelled deposit address sends all it gets to exchange wallets
    (often to several hot wallets of its exchange), and must not make its own payers look
    like deposits: a sweep goes to a hot wallet, a payment to a deposit address is a
    user's. (A cold wallet, paid by hot wallets and paying them, is left out too:
    unlabelled addresses do not pay into it.)"""
    from sanctionwatch.trace import _kernels as kern

    wallets = np.array(sorted(exchange), dtype=np.int64)
    if not len(wallets):
        return wallets
    is_exchange = _member_mask(len(index.ids), wallets)
    forwards = kern.forwards_only(index.out_offsets, index.dst, is_exchange, wallets)
    return wallets[~forwards]  # type: ignore[no-any-return]


def _swept_reason(count: int) -> str:
    """Why an unlabelled address is taken for a deposit address (the trace's evidence adds
    the sweep and the wallet: ``swept_to``)."""
    sent = (
        "its one outgoing transfer goes to an exchange wallet"
        if count == 1
        else f"all its {count} outgoing transfers go to one exchange wallet"
    )
    return f"exchange deposit address (sweep heuristic): unlabelled, and {sent}"


def _member_mask(size: int, members: I64) -> npt.NDArray[np.bool_]:
    mask = np.zeros(size, dtype=bool)
    mask[members] = True
    return mask


def _swept_mask(
    index: TraceIndex,
    nodes: I64,
    exchange_nodes: I64,
    is_exchange: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.bool_], I64]:
    """(swept, out-degree) per node: the deposit-address rule (``_kernels.swept``).
    ``is_exchange``: ``exchange_nodes`` as a mask over dense ids, for callers that test many
    batches (else it is built here)."""
    from sanctionwatch.trace import _kernels as kern

    nodes = np.asarray(nodes, dtype=np.int64)
    offsets = index.out_offsets
    if not len(exchange_nodes):
        return np.zeros(len(nodes), dtype=bool), (offsets[nodes + 1] - offsets[nodes])
    if is_exchange is None:
        is_exchange = _member_mask(len(index.ids), exchange_nodes)
    return kern.swept(offsets, index.dst, index.in_offsets, is_exchange, nodes)  # type: ignore[no-any-return]


class _Phases(dict[str, float]):
    """Seconds per phase of one trace (``summary.phase_seconds``): where the time went."""

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        clock = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - clock


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _gc_paused(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` with the cyclic garbage collector paused. A trace builds ~10^5 to 10^6
    result dicts and ``simulate`` dictionaries of up to ~10^6 entries, none in a reference
    cycle; each batch of them set off another full collection over everything alive (~18%
    of a 10M-transfer flood trace)."""

    @functools.wraps(fn)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


# -- phase 2 -------------------------------------------------------------------------
@_gc_paused
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

    Events are ordered by (time, sender's hop, -amount, position). Before its arrival time an
    expanded address cannot hold taint (the reach followed every transfer that could carry
    it), so only its events from then on are listed and replayed (``_kernels``); and until
    taint reaches an address, its balance matters to nobody: at that inflow its clean balance
    is its whole history before it, replayed as clean value (balances never go below zero).
    Should taint reach an address before its arrival all the same (a reach cut short), every
    event is listed and replayed.
    """
    from sanctionwatch.trace import _kernels as kern

    spec = MODELS[model]
    out = AssetTrace(r.asset_id, model)
    arrays = r.arrays()
    is_expanded = (arrays.flags & kern.EXPANDED) != 0
    expanded = arrays.nodes[is_expanded]
    if not len(expanded):
        return out
    code = kern.MODEL_CODES.get(model)
    cutoff = arrays.arrival[is_expanded]
    if code is None:  # a model without a kernel: the reference loop over the whole history
        cutoff = np.full(len(expanded), kern.NO_CUTOFF, dtype=np.int64)
    m = len(index.ids)
    seed_set = set(seeds)
    stopped = np.fromiter(r.stopped, dtype=np.int64, count=len(r.stopped))
    seed_nodes = np.array(sorted(s for s in seed_set if 0 <= s < m), dtype=np.int64)
    full, dense = kern.acquire(m)
    dense.flags[stopped] |= kern.STOPPED
    dense.flags[seed_nodes] |= kern.SEED
    dense.slot[expanded] = np.arange(len(expanded), dtype=np.int32)
    rank = np.where(arrays.hop == kern.NO_HOP, 0, arrays.hop.astype(np.int64) + 1)
    max_rank = int(rank.max()) if len(rank) else 0
    rank <<= 32
    dense.info[arrays.nodes] = rank | kern.MASK32
    injected = inject or {}
    if code is not None:
        _source_cutoffs(index, dense.slot, cutoff, seed_nodes, since_t, injected)
    offsets = index.out_offsets
    arrays_of_index = (
        index.key,
        offsets,
        index.asset,
        index.amount,
        index.in_order,
        index.in_offsets,
    )
    degree = offsets[expanded + 1] - offsets[expanded] + index.in_degree(expanded)
    while True:
        dense.info[expanded] = rank[is_expanded] | np.clip(cutoff, 0, kern.MASK32)
        ev, src, dst, t, amount = kern.ordered_events(
            index.key,
            offsets,
            index.asset,
            index.amount,
            index.in_order,
            index.in_offsets,
            index.dst,
            r.asset_id,
            expanded,
            cutoff,
            dense.info,
            max_rank,
            degree,
        )
        if code is None:
            events = (ev, src, dst, t, amount)
            _replay_python(out, spec, r, events, injected, reinjected, seed_set, since_t, dust_abs)
            break
        inj_at, inj_value = _injected(index, ev, t, injected)
        reinj = _marked(index, ev, t, np.fromiter(reinjected, np.int64, len(reinjected)))
        res = kern.replay(
            code,
            ev,
            src,
            dst,
            t,
            amount,
            inj_value,
            inj_at,
            reinj,
            dense.slot,
            dense.flags,
            cutoff,
            since_t,
            dust_abs,
            arrays_of_index,
            dense.info,
            r.asset_id,
            int(degree.max()),
        )
        sums, edge, dirty, absorbed, tainted, first, terminal, t_order, term_order, new = res
        dense.slot[new] = -1
        if sums[3] > 0.0:  # taint before an arrival time: replay everything
            cutoff = np.full(len(expanded), kern.NO_CUTOFF, dtype=np.int64)
            continue
        slot_node = np.concatenate([expanded, new])
        tainted_nodes = slot_node[t_order].tolist()
        tainted_edges = edge > 0.0
        out.source, out.below_dust, out.hop_limit = (float(v) for v in sums[:3])
        out.edges = dict(zip(ev[tainted_edges].tolist(), edge[tainted_edges].tolist(), strict=True))
        out.tainted_in = dict(zip(tainted_nodes, tainted[t_order].tolist(), strict=True))
        out.first_edge = dict(zip(tainted_nodes, first[t_order].tolist(), strict=True))
        out.terminal = dict(
            zip(slot_node[term_order].tolist(), terminal[term_order].tolist(), strict=True)
        )
        holding = dirty > 0.0
        out.held_at = dict(zip(expanded[holding].tolist(), dirty[holding].tolist(), strict=True))
        out.held = sum(out.held_at.values())
        # the nonzero ones in order, from 0.0: the same float as the sum of all of them
        out.absorbed = sum(absorbed[absorbed != 0.0].tolist(), 0.0)
        break
    dense.reset(arrays.nodes, ("info",))
    dense.reset(np.concatenate([stopped, seed_nodes]), ("flags",))
    dense.reset(expanded, ("slot",))
    kern.release(full, dense)
    return out


def _source_cutoffs(
    index: TraceIndex,
    slot: npt.NDArray[np.int32],
    cutoff: I64,
    seeds: I64,
    since_t: int,
    injected: dict[int, float],
) -> None:
    """Lower the cutoffs so that no event that is a taint source (a seed's inflow since
    ``since_t``, a link leg) falls before the cutoff of an expanded end, whatever the reach
    said: the replay then keeps every such event."""
    expanded_seeds = seeds[slot[seeds] >= 0]
    cutoff[slot[expanded_seeds]] = np.minimum(cutoff[slot[expanded_seeds]], since_t)
    legs = np.fromiter(injected, dtype=np.int64, count=len(injected))
    inflows = [index.inflows(s).astype(np.int64) for s in seeds[slot[seeds] < 0].tolist()]
    received = np.concatenate([np.zeros(0, dtype=np.int64), *inflows])
    received = received[index.t(received) >= since_t]
    events = np.concatenate([legs, received])
    if not len(events):
        return
    when = index.t(events)
    for end in (index.src(events), index.dst[events]):
        at = slot[end]
        np.minimum.at(cutoff, at[at >= 0], when[at >= 0])


def _injected(
    index: TraceIndex, ev: I64, t: I64, injected: dict[int, float]
) -> tuple[npt.NDArray[np.bool_], F64]:
    """Per event: is it a link leg's injected position, and its dirty amount."""
    keys = np.fromiter(injected, dtype=np.int64, count=len(injected))
    values = np.fromiter(injected.values(), dtype=np.float64, count=len(injected))
    at = _events_at(index, ev, t, keys)
    found = at >= 0
    value = np.zeros(len(ev), dtype=np.float64)
    value[at[found]] = values[found]
    return _marked(index, ev, t, keys, at), value


def _marked(
    index: TraceIndex, ev: I64, t: I64, positions: I64, at: I64 | None = None
) -> npt.NDArray[np.bool_]:
    """Per event: is it one of ``positions`` (``at``: their ``_events_at``, if known)."""
    at = _events_at(index, ev, t, positions) if at is None else at
    mask = np.zeros(len(ev), dtype=np.bool_)
    mask[at[at >= 0]] = True
    return mask


def _events_at(index: TraceIndex, ev: I64, t: I64, positions: I64) -> I64:
    """Where each of ``positions`` is among the events ``ev`` (in time order ``t``), -1
    where it is not: a binary search for its second, then a look along that second (a
    wave injects ~10^3 legs among ~10^6 events: a search per event was ~20 ms each time)."""
    if not len(positions):
        return np.zeros(0, dtype=np.int64)
    when = index.t(positions)
    lo = np.searchsorted(t, when, side="left").astype(np.int64)
    hi = np.searchsorted(t, when, side="right").astype(np.int64)
    seen = expand_ranges(lo, hi)
    owner = np.repeat(np.arange(len(positions), dtype=np.int64), hi - lo)
    match = ev[seen] == positions[owner]
    at = np.full(len(positions), -1, dtype=np.int64)
    at[owner[match]] = seen[match]
    return at


def _replay_python(
    out: AssetTrace,
    spec: TaintModel,
    r: Reach,
    events: tuple[I64, I64, I64, I64, F64],
    injected: dict[int, float],
    reinjected: set[int] | frozenset[int],
    seeds: Iterable[int],
    since_t: int,
    dust_abs: float,
) -> None:
    """The model loop in Python over every event of the expanded addresses, in order (the
    reference ``_kernels.replay`` follows; used for models it does not know)."""
    seed_set = set(seeds)
    expanded = r.expanded
    balances: dict[int, Balance] = {n: Balance() for n in expanded}
    deposit, spend = spec.deposit, spec.spend
    for p, s, d, tt, x in zip(*(a.tolist() for a in events), strict=True):
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


@_gc_paused
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

    ``source`` is the store (an index of every account-model chain is built, or mapped from
    the cache beside a large store: ``index_cache.load_index``) or a prebuilt index (then
    pass ``store`` for labels, addresses, links and transaction hashes).
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
    if not 1 <= hops <= 50:  # at 0 nothing is followed: not even the stolen value is counted
        raise InputError(f"hops must be between 1 and 50, not {hops}.")
    if hub_degree < 1:
        raise InputError(f"hub degree must be at least 1, not {hub_degree}.")
    if not 0.0 <= dust < 1.0:  # a share of the stolen amount (1: nothing would be followed)
        raise InputError(f"dust must be a share of the stolen amount in [0, 1), not {dust}.")
    stop_set = set(stop_categories)
    unknown = sorted(stop_set - set(CATEGORIES))
    if unknown:  # a misspelt category would silently let value run past the services
        raise InputError(
            f"Unknown stop categories ({', '.join(unknown)}); use: {', '.join(CATEGORIES)}."
        )
    clock = time.perf_counter()
    phases = _Phases()
    if isinstance(source, Store):
        store = source
    if store is None:
        raise InputError("trace needs the store for labels and evidence.")
    seed_ids = _resolve_seeds(store, seeds)
    utxo_seeds = _utxo_seed_outputs(store, seed_ids, since, seed_role)
    if isinstance(source, TraceIndex):
        index = source
    else:
        with phases.timed("index"):
            index = load_index(store)  # built, or mapped from the cache of a large store
    dense_seeds = index.dense(seed_ids)
    dense_seeds = dense_seeds[dense_seeds >= 0]
    since_t = -(2**40) if since is None else index.to_t(since)
    labelled = _category_map(store, index)
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

    phases["setup"] = time.perf_counter() - clock - phases.get("index", 0.0)

    def reach_of(w: Wave) -> Reach:
        key = (w.asset_id, frozenset(w.starts.items()))
        if key not in reach_cache:
            with phases.timed("reach"):
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
            store, index, m, waves, reach_of, dust_abs, follow_links, link_window, dust, phases
        )
        if follow_links or utxo_seeds:
            with phases.timed("utxo"):
                _trace_utxo_legs(
                    store, runs[m], m, hops, stop_set, hub_degree, dust, utxo_indexes, utxo_seeds
                )
    merged_reach: dict[int, Reach] = {}
    for r in reach_cache.values():
        if r.asset_id in merged_reach:
            merged_reach[r.asset_id].merge(r)
        else:
            merged_reach[r.asset_id] = r.copy()  # shares the arrays: merged as arrays
    traces = {(a, m): tr for m, run in runs.items() for a, tr in run.traces.items()}
    primary = "haircut" if model == "all" else model
    from sanctionwatch.trace.evidence import assemble  # it builds on this module's types

    with phases.timed("evidence"):
        result, accounts = assemble(
            store, index, seed_ids, primary, model, runs, merged_reach, models
        )
    with phases.timed("stages"):
        classify_stages(result, accounts)
    result.parameters = {
        # in UTC, as every time of the result (a naive time is UTC, as ``to_t`` reads it)
        "since": None if since is None else as_utc(since).isoformat(),
        "hops": hops,
        "stop_at": sorted(stop_set),
        "hub_degree": hub_degree,
        "dust": dust,
        # by its name in the result (as in ``summary.assets``), not the store's id
        "asset": None if asset_id is None else result.asset_names.get(asset_id, str(asset_id)),
        "follow_links": follow_links,
    }
    result.traces = traces
    result.summary["seconds"] = round(time.perf_counter() - clock, 4)
    result.summary["phase_seconds"] = {name: round(sec, 4) for name, sec in phases.items()}
    result.summary["index"] = {
        **index.facts(),
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
    phases: _Phases,
) -> ModelRun:
    """Trace the waves; every link found starts a further wave (or a UTXO leg)."""
    merged: dict[int, AssetTrace] = {}
    links: list[Link] = []
    processed: set[int] = set()
    dust = dict(dust_abs)  # per asset; an asset first reached by a link: relative to its legs
    link_cache = LinkCache(store, index)
    for _ in range(MAX_ROUNDS):
        if not waves:
            break
        following: dict[int, Wave] = {}
        for w in waves:
            r = reach_of(w)
            with phases.timed("taint"):
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
            with phases.timed("links"):
                found = _links_of(link_cache, tr, r, processed, link_window) if follow_links else []
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
    cache: LinkCache,
    tr: AssetTrace,
    r: Reach,
    processed: set[int],
    window: timedelta,
) -> list[Link]:
    """The legs out of the link services this wave's taint reached."""
    index = cache.index
    services = {d for d in tr.terminal if r.stopped.get(d) in LINK_CATEGORIES}
    if not services:
        return []
    # the tainted transfers into them, as columns (a wave has ~10^4 of them)
    tainted = np.fromiter(tr.edges, dtype=np.int64, count=len(tr.edges))
    into = member_mask(index.dst[tainted], np.fromiter(services, np.int64, len(services)))
    positions = [p for p in tainted[into].tolist() if p not in processed]
    at = np.asarray(positions, dtype=np.int64)
    senders = index.src(at)
    # the senders' hops, from the reach's arrays (its hop dictionary would hold every address)
    reached = r.arrays()
    known = member_mask(reached.nodes, senders)
    hop_of = dict(zip(reached.nodes[known].tolist(), reached.hop[known].tolist(), strict=True))
    entries = [
        Entry(p, rid, r.stopped[d], tr.edges[p], amount, hop_of.get(sender, 0) + 1)
        for p, rid, d, amount, sender in zip(
            positions,
            index.rowid[at].tolist(),
            index.dst[at].tolist(),
            index.amount[at].tolist(),
            senders.tolist(),
            strict=True,
        )
    ]
    return find_links(cache.store, index, entries, window=window, cache=cache)


def _trace_utxo_legs(
    store: Store,
    run: ModelRun,
    model: str,
    hops: int,
    stop_set: set[str],
    hub_degree: int,
    dust: float,
    indexes: dict[str, Any],
    seed_outputs: dict[str, list[tuple[str, int, float]]] | None = None,
) -> None:
    """Trace the legs that landed on UTXO chains, and the outputs UTXO seeds received,
    output by output (``trace.utxo``)."""
    from sanctionwatch.trace.utxo import UtxoIndex, UtxoInjection, trace_utxo

    legs = [lk for lk in run.links if lk.txid is not None and lk.vout is not None]
    seed_outputs = seed_outputs or {}
    if not legs and not seed_outputs:
        return
    stop = {
        int(a): str(c)
        for a, c in store.con.execute(
            "SELECT address_id, category FROM address_categories"
        ).fetchall()
        if c in stop_set
    }
    by_chain: dict[str, list[Link]] = {chain: [] for chain in seed_outputs}
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
                link={"kind": lk.kind, "confidence": round(lk.confidence, 4), "role": "out"},
            )
            for lk in chain_legs
        ]
        injections += [
            UtxoInjection(txid, vout, value, hop=0)
            for txid, vout, value in seed_outputs.get(chain, [])
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
    given: list[int | tuple[str, str]] = []
    for seed in seeds:
        if isinstance(seed, int):
            given.append(seed)
            continue
        chain, address = seed
        try:
            given.append((chain, normalize_address(chain, address)))
        except (KeyError, ValueError, SanctionwatchError) as exc:
            raise InputError(f"Seed {chain}:{address} is not a valid address: {exc}") from exc
    found = store.address_ids(s for s in given if not isinstance(s, int))  # one query for all
    ids: list[int] = []
    missing: list[str] = []
    for s in given:
        if isinstance(s, int):
            ids.append(s)
        elif s in found:
            ids.append(found[s])
        else:
            missing.append(f"{s[0]}:{s[1]}")
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


def _utxo_seed_outputs(
    store: Store, seed_ids: list[int], since: datetime | None, seed_role: str
) -> dict[str, list[tuple[str, int, float]]]:
    """Seeds on UTXO chains: the outputs they received since ``since`` (thief's addresses),
    or the outputs of transactions they paid into since then (victims), per chain."""
    utxo_chains = list(UTXO_CHAINS)
    after = since.replace(tzinfo=None) if since is not None and since.tzinfo else since
    if seed_role == "sender":
        sql = """
            SELECT o.chain, o.txid, o.vout, o.value::DOUBLE FROM utxo_outputs o
            WHERE o.chain IN (SELECT unnest(?::VARCHAR[]))
              AND o.txid IN (SELECT txid FROM utxo_inputs
                             WHERE address_id IN (SELECT unnest(?::BIGINT[])))
              AND (o.address_id IS NULL OR o.address_id NOT IN (SELECT unnest(?::BIGINT[])))
              AND (?::TIMESTAMP IS NULL OR o.block_time >= ?::TIMESTAMP)
            ORDER BY o.block_time, o.txid, o.vout
        """
        params: list[Any] = [utxo_chains, seed_ids, seed_ids, after, after]
    else:
        sql = """
            SELECT o.chain, o.txid, o.vout, o.value::DOUBLE FROM utxo_outputs o
            WHERE o.chain IN (SELECT unnest(?::VARCHAR[]))
              AND o.address_id IN (SELECT unnest(?::BIGINT[]))
              AND (?::TIMESTAMP IS NULL OR o.block_time >= ?::TIMESTAMP)
            ORDER BY o.block_time, o.txid, o.vout
        """
        params = [utxo_chains, seed_ids, after, after]
    found: dict[str, list[tuple[str, int, float]]] = {}
    for chain, txid, vout, value in store.con.execute(sql, params).fetchall():
        found.setdefault(str(chain), []).append((str(txid), int(vout), float(value)))
    return found


def _victim_outflows(
    index: TraceIndex, victims: I64, since_t: int, asset_id: int | None
) -> list[int]:
    """Positions of what the victims sent since ``since_t`` (to others than the victims)."""
    lo, hi = index.out_ranges(victims, np.full(len(victims), since_t, dtype=np.int64))
    pos = expand_ranges(lo, hi)
    pos = pos[~member_mask(index.dst[pos], victims)]
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
