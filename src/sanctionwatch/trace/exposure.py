"""Exposure: how much of an address's flow comes from (or goes to) each category of address.

What an exchange's compliance team screens deposits with. For many addresses at once (one
set-based computation, not a loop of traces), per asset and direction:

- **Direction "in"** (source of funds). Every labelled address is an *origin*: its share
  vector is 1 for its primary category (``address_categories``) and 0 elsewhere, and
  propagation stops there. An unlabelled address ``v`` inherits the inflow-weighted mean of
  its senders' vectors: ``s(v) = sum(amount(u->v) * s(u)) / inflow(v)``. ``hops - 1``
  rounds of this (sparse matrix products over all addresses of the asset at once) give
  vectors that look back ``hops - 1`` transfers; a queried address's **total** exposure to
  category C is ``sum(amount(u->q) * s_C(u))`` over its inflows, i.e. its share of C
  through at most ``hops`` transfers times its inflow. **Direct** = what it received from
  addresses labelled C itself; **indirect** = total - direct; **share** = total / inflow.
- **Direction "out"** (use of funds) mirrors this with outflows and recipients.
- ``through`` categories (none by default; e.g. ``mixer``) are labelled origins of their own
  category that *also* pass on, pro rata, what they received: a mixer withdrawal is then
  100% ``mixer`` and, say, 30% ``theft`` when 30% of the pool's inflow was theft-derived.
  Only then can shares of different categories add up to more than 1.
- The queried address's own labels do not change its computed exposure (its inflows are
  still looked at); each of its categories in the request adds one entry of direction
  ``"self"`` (share 1, no amounts).
- **Per asset**: assets are never mixed (a DEX swap or a bridge is the counterparty
  ``dex``/``bridge``, not a link to the other asset or chain). Amounts are in base units
  (float arithmetic, like the tracer's taint); ``*_units`` divide by the asset's decimals.
  ``usd`` = share x the USD value of the address's flow of that asset, from
  ``transfers.usd_value``; ``usd_partial`` says some of those transfers had none.
- **Not time-respecting**: this is a flow-share measure over all transfers in the store
  (the ``trace`` command is the time-respecting, balance-simulating one). A mixer's share
  is the share of everything it ever received, also what it received after a withdrawal.
  (A time-respecting variant needs a share vector per transfer instead of per address:
  transfers x categories of state, several times the memory, and time-ordered paths.)
- **Evidence**: for every reported (address, category, asset, direction), the shortest path
  (fewest transfers) from an address labelled C to the queried one ("in") or from the
  queried one to it ("out"), its intermediate addresses unlabelled or of a ``through``
  category: the same graph and stop rule (multi-source BFS from the category's addresses
  with predecessor arrays), so an entry exists exactly when such a path of at most ``hops``
  transfers does, and ``path_hops`` is 1 exactly when there is direct exposure. Paths are
  materialized for queried addresses only, with one query for their transactions.
- **What is read**: a queried address's numbers depend only on the transfers into it and
  into the unlabelled addresses fewer than ``hops`` transfers upstream ("out": downstream),
  so each asset's graph is cut to those balls (``_ball_graphs``), with the same numbers and
  paths bit for bit: one address of the 50M benchmark store in 45-49 ms instead of
  10.4-11.3 s over the assets' whole graphs, 100,000 in 6.6-7.5 s instead of 24.4-24.8 s
  (``bench/exposure_speed.py``). Queries whose balls would touch more transfers than the
  index holds use each asset's whole graph.

Transfers counted: those of the trace index (successful, amount > 0, both ends known).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.chain.addresses import address_problem, normalize_address
from sanctionwatch.chain.chains import CHAINS, get_chain
from sanctionwatch.errors import InputError
from sanctionwatch.labels.query import categories_of_ids
from sanctionwatch.labels.taxonomy import CATEGORIES
from sanctionwatch.store.db import Store, values_query
from sanctionwatch.trace.arrays import (
    distinct,
    distinct_first,
    distinct_inverse,
    expand_ranges,
    grouped_order,
    sorted_ints,
    stable_order,
)
from sanctionwatch.trace.index import F64, I64, TraceIndex
from sanctionwatch.trace.index_cache import load_index
from sanctionwatch.trace.transactions import read_addresses, read_transactions

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "sanctioned",
    "theft",
    "scam",
    "mixer",
    "exchange",
    "bridge",
    "dex",
    "otc",
    "cross_chain_swap",
)
DIRECTIONS: tuple[str, ...] = ("in", "out", "both")
MAX_HOPS = 10
NOT_IN_STORE = "not in the store"
_ERRORS_LISTED = 10

Query = tuple[str, str] | int
Bool = npt.NDArray[np.bool_]


@dataclass(slots=True)
class ExposureResult:
    """Exposure of the queried addresses; ``to_dict`` gives the stable JSON shape."""

    direction: str
    hops: int
    categories: list[str]
    through: list[str]
    addresses: list[dict[str, Any]]
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "hops": self.hops,
            "categories": self.categories,
            "through": self.through,
            "addresses": self.addresses,
            "summary": self.summary,
        }


# -- input ---------------------------------------------------------------------------
def resolve_addresses(
    store: Store,
    items: Sequence[tuple[str | None, str]],
    where: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """(chain or None, address as written) -> (chain, canonical address), in input order.

    With a chain, the address must be valid there. Without one, every chain where it is
    valid and the store knows it is queried (an EVM address may be on several); when the
    store knows it on none, the first chain where it is valid (reported as not in the
    store). Raises one InputError naming every invalid address (prefixed with its ``where``,
    e.g. a file and line, when given).
    """
    options: list[list[tuple[str, str]]] = []
    bad: list[str] = []
    for k, (chain, text) in enumerate(items):
        at = f"{where[k]}: " if where is not None else ""
        if chain is not None:
            try:
                resolved = get_chain(chain)
            except InputError as exc:  # listed with the bad addresses, with its line
                bad.append(f"{at}{text!r} ({exc.message.rstrip('.')})")
                options.append([])
                continue
            canonical, problem = address_problem(resolved, text)
            if canonical is None:
                bad.append(f"{at}{text!r} ({resolved.name}: {problem})")
                options.append([])
            else:
                options.append([(resolved.name, canonical)])
            continue
        found = [
            (c.name, canonical)
            for c in CHAINS.values()
            if (canonical := address_problem(c, text)[0]) is not None
        ]
        if not found:
            bad.append(f"{at}{text!r} (not valid on any known chain)")
        options.append(found)
    if bad:
        raise InputError(_bad_addresses(bad))
    known = _known_pairs(store, sorted({p for opts in options for p in opts if len(opts) > 1}))
    out: list[tuple[str, str]] = []
    for opts in options:
        present = [p for p in opts if p in known] if len(opts) > 1 else opts
        out.extend(present or opts[:1])
    return out


def _bad_addresses(bad: list[str]) -> str:
    shown = "; ".join(bad[:_ERRORS_LISTED])
    more = f" and {len(bad) - _ERRORS_LISTED} more" if len(bad) > _ERRORS_LISTED else ""
    return f"Invalid address(es): {shown}{more}."


def _known_pairs(store: Store, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (chain, address) pairs of ``pairs`` that the address dictionary holds."""
    return set(store.address_ids(pairs))


def _lookup_ids(store: Store, pairs: Sequence[tuple[str, str]]) -> list[int]:
    """Address ids of (chain, canonical address) pairs, -1 when unknown; one query."""
    found = store.address_ids(pairs)
    return [found.get(p, -1) for p in pairs]


def _resolve_queries(
    store: Store, addresses: Sequence[Query]
) -> tuple[list[int], list[tuple[str, str]]]:
    """Store ids (-1 unknown) and (chain, address) of every query, in input order."""
    bad: list[str] = []
    pairs: list[tuple[str, str] | None] = []
    for item in addresses:
        if isinstance(item, int):
            pairs.append(None)
            continue
        chain, text = item
        try:
            pairs.append((get_chain(chain).name, normalize_address(chain, text)))
        except InputError as exc:
            bad.append(exc.message.rstrip("."))
            pairs.append(None)
    if bad:
        raise InputError(_bad_addresses(bad))
    named = [p for p in pairs if p is not None]
    named_ids = iter(_lookup_ids(store, named))
    numeric = sorted({int(a) for a in addresses if isinstance(a, int)})
    by_id: dict[int, tuple[str, str]] = {}
    if numeric:
        with values_query(store.con, id=numeric) as (sql, params):
            by_id = {
                int(i): (str(c), str(a))
                for i, c, a in store.con.execute(
                    f"SELECT id, chain, address FROM addresses WHERE id IN ({sql})", params
                ).fetchall()
            }
    ids: list[int] = []
    names: list[tuple[str, str]] = []
    for item, pair in zip(addresses, pairs, strict=True):
        if isinstance(item, int):
            ids.append(item if item in by_id else -1)
            names.append(by_id.get(item, ("", str(item))))
        else:
            ids.append(next(named_ids))
            names.append(pair or ("", ""))
    return ids, names


# -- the computation -----------------------------------------------------------------
@dataclass(slots=True)
class _AssetGraph:
    """The transfers of one asset with addresses renumbered locally (0..n-1)."""

    asset_id: int
    nodes: I64  # local -> dense id of the index
    src: I64  # local sender per transfer
    dst: I64  # local receiver per transfer
    pos: I64  # index position per transfer (for rowid and evidence)
    amount: F64

    @property
    def n(self) -> int:
        return len(self.nodes)

    def local(self, dense: I64) -> I64:
        """Local ids of dense ids; -1 when the address has no transfer of this asset."""
        at = np.searchsorted(self.nodes, dense)
        at_c = np.minimum(at, max(self.n - 1, 0))
        found = (at < self.n) & (self.nodes[at_c] == dense) if self.n else at < 0
        return np.where(found, at_c, -1).astype(np.int64)


@dataclass(slots=True)
class _Found:
    """One direction and asset: amounts per (queried row, category) and evidence."""

    asset_id: int
    direction: str
    rows: I64  # positions into the unique queried dense ids
    flow: F64  # flow of each row in this direction
    direct: F64  # rows x categories
    total: F64
    path_hops: npt.NDArray[np.int16]  # rows x categories; -1: no path
    paths: dict[tuple[int, int], list[int]]  # (row, category column) -> index positions


def _asset_graphs(index: TraceIndex, assets: Iterable[int]) -> list[_AssetGraph]:
    wanted = np.asarray(sorted(set(assets)), dtype=np.int64)
    if not len(wanted):
        return []
    # a stable sort of the narrow asset ids (a radix sort for int8/int16), and each asset's
    # addresses from a mark per dense id: no sort or hash of 10^7 ids (np.unique took 3 s
    # of a 100k-address query on a 10M-transfer store)
    order = np.argsort(index.asset, kind="stable")
    sorted_assets = index.asset[order]
    seen = np.zeros(len(index.ids), dtype=bool)
    local = np.full(len(index.ids), -1, dtype=np.int64)
    graphs = []
    for a in wanted.tolist():
        lo, hi = np.searchsorted(sorted_assets, [a, a + 1])
        pos = order[lo:hi].astype(np.int64)
        src = index.src(pos)
        dst = index.dst[pos].astype(np.int64)
        seen[src] = True
        seen[dst] = True
        nodes = np.flatnonzero(seen)
        local[nodes] = np.arange(len(nodes), dtype=np.int64)
        graphs.append(
            _AssetGraph(
                asset_id=int(a),
                nodes=nodes,
                src=local[src],
                dst=local[dst],
                pos=pos,
                amount=index.amount[pos],
            )
        )
        seen[nodes] = False
        local[nodes] = -1
    return graphs


# The balls of a query may touch at most as many transfers as the index holds (an address
# reached by a hub can pull in much of the graph, once per asset and direction); beyond
# that, each asset's whole graph. In ``bench/exposure_speed.py`` the balls were faster for
# 1 and 100,000 addresses and for the busiest unlabelled receivers, at 50M 6.9 s against
# 39.7 s (by hand at 10M also for 10 to 10,000 addresses).
BALL_BUDGET = 1.0
# The queried addresses' flows are summed from their own transfers up to this share of the
# index (gathered and ordered), beyond it in one pass over all transfers.
FLOW_SHARE = 8


def _ball_graphs(
    index: TraceIndex,
    assets: Iterable[int],
    directions: list[str],
    query_dense: I64,
    stop: Bool,
    hops: int,
) -> list[tuple[_AssetGraph, str]] | None:
    """The graph of each (asset, direction) cut to what the queried addresses' exposure
    depends on, or None when building it would touch more than ``BALL_BUDGET`` times the
    index's transfers.

    Direction "in": a queried address's total uses its senders' shares after ``hops - 1``
    rounds, which use their senders' after ``hops - 2``, and so on; a labelled (``stop``)
    address's share is its label, whatever it received. So the transfers into the queried
    addresses and into every unlabelled address fewer than ``hops`` transfers upstream of
    them, with their senders, are all the computation reads ("out" mirrors it downstream);
    the shortest evidence paths of at most ``hops`` transfers lie in it too. Addresses and
    transfers keep their order (local ids and positions ascending, as in ``_asset_graphs``),
    so the sparse products add the same terms in the same order and the breadth-first
    search meets the same edges first: the entries equal the whole graph's, bit for bit.
    A single address costs milliseconds instead of the passes over all of the asset's
    transfers."""
    budget = int(index.n * BALL_BUDGET)
    touched = 0
    mark = np.zeros(len(index.ids), dtype=bool)
    out: list[tuple[_AssetGraph, str]] = []
    for a in sorted(set(assets)):
        for d in directions:
            parts: list[I64] = []
            reached = [distinct(query_dense)]
            frontier = reached[0]
            mark[frontier] = True
            for level in range(hops):
                if level:
                    frontier = frontier[~stop[frontier]]
                if not len(frontier):
                    break
                if d == "in":
                    ranges = expand_ranges(
                        index.in_offsets[frontier].astype(np.int64),
                        index.in_offsets[frontier + 1].astype(np.int64),
                    )
                    touched += len(ranges)
                    pos = index.in_order[ranges].astype(np.int64)
                else:
                    pos = expand_ranges(
                        index.out_offsets[frontier].astype(np.int64),
                        index.out_offsets[frontier + 1].astype(np.int64),
                    )
                    touched += len(pos)
                if touched > budget:
                    return None
                pos = pos[index.asset[pos] == a]
                parts.append(pos)
                other = index.src(pos) if d == "in" else index.dst[pos].astype(np.int64)
                frontier = distinct(other[~mark[other]])
                mark[frontier] = True
                reached.append(frontier)
            for nodes in reached:
                mark[nodes] = False
            pos = sorted_ints(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
            if not len(pos):
                continue
            src = index.src(pos)
            dst = index.dst[pos].astype(np.int64)
            nodes = distinct(np.concatenate([src, dst]))
            out.append(
                (
                    _AssetGraph(
                        asset_id=int(a),
                        nodes=nodes,
                        src=np.searchsorted(nodes, src).astype(np.int64),
                        dst=np.searchsorted(nodes, dst).astype(np.int64),
                        pos=pos,
                        amount=index.amount[pos],
                    ),
                    d,
                )
            )
    return out


def _shares(weights: Any, origin: F64, stop: Bool, through: Bool, rounds: int) -> F64:
    """Share vectors after ``rounds`` pro-rata propagations (see module docstring).

    ``weights`` is the n x n flow matrix (row: the address, column: its counterparty),
    ``origin`` the n x C one-hot of labelled addresses; ``stop`` labelled addresses that
    are origins only, ``through`` labelled addresses that also pass shares on.
    """
    from scipy import sparse  # here, not at import: ~0.14 s every trace command would pay

    flow = np.asarray(weights.sum(axis=1)).ravel()
    scale = np.divide(1.0, flow, out=np.zeros_like(flow), where=flow > 0)
    scale[stop] = 0.0
    normalized = sparse.diags(scale) @ weights
    shares = origin.copy()
    for _ in range(rounds):
        shares = np.asarray(normalized @ shares)
        shares[stop] = origin[stop]
        if through.any():
            shares[through] = np.maximum(shares[through], origin[through])
    return shares


@dataclass(slots=True)
class _Adjacency:
    """Edges ``tail -> head`` (towards the queried address) grouped by tail and by head."""

    tail: I64
    head: I64
    n: int
    by_tail: I64
    tail_off: I64
    by_head: I64
    head_off: I64

    @classmethod
    def build(cls, tail: I64, head: I64, n: int) -> _Adjacency:
        by_tail, tail_off = grouped_order(tail, n)
        by_head, head_off = grouped_order(head, n)
        return cls(tail, head, n, by_tail, tail_off, by_head, head_off)


def _evidence(
    adj: _Adjacency, sources: I64, relay: Bool, queried: I64, hops: int
) -> tuple[npt.NDArray[np.int16], list[list[int]]]:
    """Shortest relay paths from ``sources`` into each queried node (edge ids, fewest hops).

    Multi-source BFS over relay nodes up to ``hops - 1`` transfers, then each queried node's
    best incoming edge. Returns the number of transfers per queried node (-1 if none within
    ``hops``) and the edge ids of each path, the queried node's own edge first.
    """
    tail, head = adj.tail, adj.head
    dist = np.full(adj.n, -1, dtype=np.int16)
    pred = np.full(adj.n, -1, dtype=np.int64)
    dist[sources] = 0
    frontier = sources
    for level in range(1, hops):
        frontier = frontier[relay[frontier]]
        if not len(frontier):
            break
        edges = adj.by_tail[expand_ranges(adj.tail_off[frontier], adj.tail_off[frontier + 1])]
        reached = head[edges]
        new = (dist[reached] < 0) & relay[reached]
        reached, edges = reached[new], edges[new]
        frontier, first = distinct_first(reached)
        dist[frontier] = level
        pred[frontier] = edges[first]
    # the queried node's own edge: from the relay (or source) sender nearest to a source
    counts = adj.head_off[queried + 1] - adj.head_off[queried]
    edges = adj.by_head[expand_ranges(adj.head_off[queried], adj.head_off[queried + 1])]
    row = np.repeat(np.arange(len(queried), dtype=np.int64), counts)
    sender_dist = dist[tail[edges]].astype(np.int64)
    ok = sender_dist >= 0
    row, edges, sender_dist = row[ok], edges[ok], sender_dist[ok]
    order = np.lexsort((sender_dist, row))
    row, edges, sender_dist = row[order], edges[order], sender_dist[order]
    first = np.r_[True, row[1:] != row[:-1]] if len(row) else np.zeros(0, dtype=bool)
    path_hops = np.full(len(queried), -1, dtype=np.int16)
    last = np.full(len(queried), -1, dtype=np.int64)
    path_hops[row[first]] = sender_dist[first] + 1
    last[row[first]] = edges[first]
    # walk the predecessors of all queried nodes at once
    steps = [last]
    node = np.where(last >= 0, tail[np.maximum(last, 0)], 0)
    active = last >= 0
    for _ in range(hops - 1):
        active = active & (dist[node] > 0)
        if not active.any():
            break
        edge = np.where(active, pred[node], -1)
        steps.append(edge)
        node = np.where(active, tail[np.maximum(edge, 0)], 0)
    walked = np.stack(steps, axis=1)
    paths = [[e for e in line if e >= 0] for line in walked.tolist()]
    return path_hops, paths


def _direction_asset(
    graph: _AssetGraph,
    direction: str,
    cat_local: I64,
    categories: list[str],
    stop: Bool,
    is_through: Bool,
    query_dense: I64,
    hops: int,
    paths: bool,
) -> _Found | None:
    from scipy import sparse

    n = graph.n
    local_all = graph.local(query_dense)
    rows = np.flatnonzero(local_all >= 0).astype(np.int64)
    local_q = local_all[rows]
    if direction == "in":
        head, tail = graph.dst, graph.src
    else:
        head, tail = graph.src, graph.dst
    weights = sparse.csr_matrix((graph.amount, (head, tail)), shape=(n, n))
    flow_q = np.asarray(weights[local_q].sum(axis=1)).ravel()
    keep = flow_q > 0
    rows, local_q, flow_q = rows[keep], local_q[keep], flow_q[keep]
    if not len(rows):
        return None
    codes = np.asarray([CATEGORIES.index(c) for c in categories], dtype=np.int64)
    origin = (cat_local[:, None] == codes[None, :]).astype(np.float64)
    shares = _shares(weights, origin, stop, is_through, hops - 1)
    q_weights = weights[local_q]
    direct = np.asarray(q_weights @ origin)
    total = np.asarray(q_weights @ shares)
    path_hops = np.full(total.shape, -1, dtype=np.int16)
    found_paths: dict[tuple[int, int], list[int]] = {}
    if paths:
        adj = _Adjacency.build(tail, head, n)
        for j, code in enumerate(codes.tolist()):
            exposed = np.flatnonzero(total[:, j] > 0)
            if not len(exposed):
                continue
            sources = np.flatnonzero(cat_local == code).astype(np.int64)
            relay = ~stop | (cat_local == code)
            hop_count, edge_lists = _evidence(adj, sources, relay, local_q[exposed], hops)
            path_hops[exposed, j] = hop_count
            for i, edges in zip(exposed.tolist(), edge_lists, strict=True):
                ordered = edges[::-1] if direction == "in" else edges
                found_paths[(i, j)] = graph.pos[np.asarray(ordered, dtype=np.int64)].tolist()
    return _Found(graph.asset_id, direction, rows, flow_q, direct, total, path_hops, found_paths)


def _flows(
    index: TraceIndex, query_dense: I64, *, local: bool = True
) -> dict[int, dict[tuple[str, int], float]]:
    """Query row -> (direction, asset) -> total flow. With ``local``, the queried addresses'
    own transfers from the index's ranges when they are few (``FLOW_SHARE``), else one pass
    over all; either way summed in index order, so both give the same sums."""
    out: dict[int, dict[tuple[str, int], float]] = {}
    if not len(query_dense) or not index.n:
        return out
    q = query_dense.astype(np.int64)
    ranges = {
        "in": (index.in_offsets[q].astype(np.int64), index.in_offsets[q + 1].astype(np.int64)),
        "out": (index.out_offsets[q].astype(np.int64), index.out_offsets[q + 1].astype(np.int64)),
    }
    few = local and sum(int((hi - lo).sum()) for lo, hi in ranges.values()) <= (
        index.n // FLOW_SHARE
    )
    row_of = None if few else np.full(len(index.ids), -1, dtype=np.int64)
    if row_of is not None:
        row_of[q] = np.arange(len(q), dtype=np.int64)
    n_assets = int(index.asset.max()) + 1
    for direction, (lo, hi) in ranges.items():
        if row_of is None:
            at = expand_ranges(lo, hi)
            pos = index.in_order[at].astype(np.int64) if direction == "in" else at
            rows = np.repeat(np.arange(len(q), dtype=np.int64), hi - lo)
            order = stable_order(pos)  # into index order (positions are distinct)
            pos, rows = pos[order], rows[order]
        else:
            ends = index.dst.astype(np.int64) if direction == "in" else index.key >> 32
            all_rows = row_of[ends]
            pos = np.flatnonzero(all_rows >= 0)
            rows = all_rows[pos]
        keys = rows * n_assets + index.asset[pos].astype(np.int64)
        uniq, inverse = distinct_inverse(keys)
        sums = np.bincount(inverse, weights=index.amount[pos])
        for k, total in zip(uniq.tolist(), sums.tolist(), strict=True):
            out.setdefault(k // n_assets, {})[(direction, k % n_assets)] = total
    return out


# -- the public entry point ----------------------------------------------------------
def exposure(
    store: Store,
    addresses: Sequence[Query],
    *,
    direction: str = "in",
    hops: int = 3,
    categories: Iterable[str] | None = None,
    through: Iterable[str] = (),
    index: TraceIndex | None = None,
    paths: bool = True,
    cut: bool = True,
) -> ExposureResult:
    """Direct and indirect exposure of ``addresses`` to ``categories`` (module docstring).

    ``addresses`` are (chain, address) pairs or store address ids; unknown ones get an
    ``error`` entry, invalid ones raise InputError. ``index`` defaults to one built for the
    queried addresses' chain (all chains when they are on several), or mapped from the cache
    beside a large store (``index_cache.load_index``). ``cut`` False computes on each
    asset's whole graph and sums the flows in one pass over all transfers: the reference
    the cut graphs must equal (tests, ``bench/exposure_speed.py``), slower by the factors
    measured there.
    """
    clock = time.perf_counter()
    if direction not in DIRECTIONS:
        raise InputError(f"Unknown direction {direction!r}; use in, out or both.")
    if not 1 <= hops <= MAX_HOPS:
        raise InputError(f"hops must be between 1 and {MAX_HOPS}.")
    wanted = list(dict.fromkeys(DEFAULT_CATEGORIES if categories is None else categories))
    passing = list(dict.fromkeys(through))
    unknown = [c for c in (*wanted, *passing) if c not in CATEGORIES]
    if unknown or not wanted:
        raise InputError(
            f"Unknown or no categories ({', '.join(unknown) or 'none given'}); "
            f"use: {', '.join(CATEGORIES)}."
        )
    with _gc_paused():  # many small arrays and dicts, no reference cycles
        ids, names = _resolve_queries(store, addresses)
        known_ids = sorted({i for i in ids if i >= 0})
        if index is None:
            chains = {names[k][0] for k, i in enumerate(ids) if i >= 0}
            index = load_index(store, chains.pop() if len(chains) == 1 else None)
        query_dense = index.dense(known_ids) if known_ids else np.zeros(0, dtype=np.int64)
        in_index = query_dense >= 0
        dense_q = query_dense[in_index]
        row_of_id = {sid: k for k, sid in enumerate(np.asarray(known_ids)[in_index].tolist())}

        cat_dense = _category_codes(store, index)
        directions = ["in", "out"] if direction == "both" else [direction]
        flows = _flows(index, dense_q, local=cut)
        # the assets the queried addresses received (in) or sent (out)
        assets = {a for f in flows.values() for d, a in f if d in directions}
        # the stop rule, once for all graphs: labelled addresses are origins; those of a
        # ``through`` category also pass shares on, the others stop propagation
        labelled = cat_dense >= 0
        through_codes = np.asarray(sorted({CATEGORIES.index(c) for c in passing}), dtype=np.int64)
        is_through = labelled & np.isin(cat_dense, through_codes)
        stop = labelled & ~is_through
        pairs = _ball_graphs(index, assets, directions, dense_q, stop, hops) if cut else None
        if pairs is None:  # not cut, or the queries reach too much: each whole graph
            pairs = [(g, d) for g in _asset_graphs(index, assets) for d in directions]
        found: list[_Found] = []
        for graph, d in pairs:
            result = _direction_asset(
                graph,
                d,
                cat_dense[graph.nodes],
                wanted,
                stop[graph.nodes],
                is_through[graph.nodes],
                dense_q,
                hops,
                paths,
            )
            if result is not None:
                found.append(result)
        assembled = _assemble(
            store, index, ids, names, known_ids, row_of_id, wanted, directions, found, flows
        )
    exposed = dict.fromkeys(wanted, 0)
    for entry in assembled:
        for c in {e["category"] for e in entry.get("exposure", [])}:
            exposed[c] += 1
    summary = {
        "addresses": len(assembled),
        "not_in_store": sum(1 for e in assembled if "error" in e),
        "exposed": exposed,
        "index": index.facts(),
        "seconds": round(time.perf_counter() - clock, 4),
    }
    return ExposureResult(direction, hops, wanted, passing, assembled, summary)


def _category_codes(store: Store, index: TraceIndex) -> I64:
    """Dense id -> position of its primary category in CATEGORIES; -1 when unlabelled."""
    codes = np.full(len(index.ids), -1, dtype=np.int64)
    rows = store.con.execute("SELECT address_id, category FROM address_categories").fetchall()
    if rows and len(index.ids):
        dense = index.dense([r[0] for r in rows])
        cats = np.asarray([CATEGORIES.index(r[1]) for r in rows], dtype=np.int64)
        codes[dense[dense >= 0]] = cats[dense >= 0]
    return codes


# -- output --------------------------------------------------------------------------
@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Measured on 100k addresses: its repeated scans of the young objects cost half of the
    time (3.9 s -> 2.0 s). Nothing built here refers back to itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _assemble(
    store: Store,
    index: TraceIndex,
    ids: list[int],
    names: list[tuple[str, str]],
    known_ids: list[int],
    row_of_id: dict[int, int],
    categories: list[str],
    directions: list[str],
    found: list[_Found],
    flows: dict[int, dict[tuple[str, int], float]],
) -> list[dict[str, Any]]:
    """JSON-ready entries in input order; identical queries share their content."""
    con = store.con
    asset_info = {
        int(i): (str(sym or asset), dec)
        for i, sym, asset, dec in con.execute(
            "SELECT id, symbol, asset, decimals FROM assets"
        ).fetchall()
    }
    ends = _path_ends(index, found)
    # the queried addresses' labels and the paths' far ends', in one query
    labels = categories_of_ids(con, sorted({*known_ids, *(sid for _, sid in ends.values())}))
    usd = _usd(store, index, known_ids, directions)
    divisor = {a: None if dec is None else 10.0 ** int(dec) for a, (_, dec) in asset_info.items()}

    def units(amount: float, asset_id: int) -> float | None:
        by = divisor.get(asset_id)
        return None if by is None else amount / by

    def symbol(asset_id: int) -> str:
        return asset_info.get(asset_id, (str(asset_id), None))[0]

    transfers = _transfers(
        store, index, sorted({p for f in found for v in f.paths.values() for p in v}), symbol
    )
    counterparty = _counterparties(ends, labels, transfers)

    rank = {c: k for k, c in enumerate(categories)}
    per_row: dict[int, list[dict[str, Any]]] = {}
    for f in found:
        sym, by = symbol(f.asset_id), divisor.get(f.asset_id)
        at, col = np.nonzero(f.total > 0)  # only exposed (row, category) pairs
        total = f.total[at, col]
        direct = f.direct[at, col]
        indirect = np.maximum(total - direct, 0.0)
        share = np.minimum(total / f.flow[at], 1.0)
        no_units = [None] * len(at)
        columns = zip(
            at.tolist(),
            col.tolist(),
            f.rows[at].tolist(),
            direct.tolist(),
            indirect.tolist(),
            total.tolist(),
            no_units if by is None else (direct / by).tolist(),
            no_units if by is None else (indirect / by).tolist(),
            no_units if by is None else (total / by).tolist(),
            share.tolist(),
            f.path_hops[at, col].tolist(),
            strict=True,
        )
        for i, j, row, d, ind, tot, d_u, ind_u, tot_u, sh, hop in columns:
            usd_flow = usd.get((f.direction, row, f.asset_id))
            per_row.setdefault(row, []).append(
                {
                    "category": categories[j],
                    "direction": f.direction,
                    "asset": sym,
                    "direct_amount": d,
                    "indirect_amount": ind,
                    "total_amount": tot,
                    "direct_units": d_u,
                    "indirect_units": ind_u,
                    "total_units": tot_u,
                    "share": sh,
                    "usd": None if usd_flow is None else sh * usd_flow[0],
                    "usd_partial": None if usd_flow is None else usd_flow[1],
                    "path": [transfers[p] for p in f.paths.get((i, j), [])],
                    "path_hops": hop if hop >= 0 else None,
                    "counterparty": counterparty.get((f.direction, i, j, f.asset_id)),
                }
            )
    built: dict[int, dict[str, Any]] = {}
    entries: list[dict[str, Any]] = []
    for sid, (chain, text) in zip(ids, names, strict=True):
        if sid < 0:
            entries.append({"address": text, "chain": chain or None, "error": NOT_IN_STORE})
            continue
        if sid not in built:
            row = row_of_id.get(sid, -1)
            lab = labels.get(sid)
            own = [c for c in categories if lab and c in lab["categories"]]
            items: list[dict[str, Any]] = [
                {
                    "category": c,
                    "direction": "self",
                    "asset": None,
                    "direct_amount": None,
                    "indirect_amount": None,
                    "total_amount": None,
                    "direct_units": None,
                    "indirect_units": None,
                    "total_units": None,
                    "share": 1.0,
                    "usd": None,
                    "usd_partial": None,
                    "path": [],
                    "path_hops": 0,
                    "counterparty": None,  # the address's own label: ``labels`` above
                }
                for c in own
            ]
            items += sorted(
                per_row.get(row, []),
                key=lambda e: (rank[e["category"]], e["direction"], e["asset"]),
            )
            flow_out: dict[str, dict[str, float]] = {"in": {}, "out": {}}
            flow_units: dict[str, dict[str, float | None]] = {"in": {}, "out": {}}
            for (d, a), amount in flows.get(row, {}).items():
                flow_out[d][symbol(a)] = amount
                flow_units[d][symbol(a)] = units(amount, a)
            usd_total: dict[str, dict[str, float]] = {}
            for e in items:
                if e["usd"] is not None:
                    per = usd_total.setdefault(e["direction"], {})
                    per[e["category"]] = per.get(e["category"], 0.0) + e["usd"]
            built[sid] = {
                "address": text,
                "chain": chain,
                "labels": lab,
                "flow": flow_out,
                "flow_units": flow_units,
                "usd_total": usd_total,
                "exposure": items,
            }
        entries.append(built[sid])
    return entries


def _usd(
    store: Store, index: TraceIndex, known_ids: list[int], directions: list[str]
) -> dict[tuple[str, int, int], tuple[float, bool]]:
    """(direction, query row, asset) -> (USD value of the flow, whether some lacked one)."""
    where = "success IS NOT FALSE AND amount > 0 AND from_id IS NOT NULL AND to_id IS NOT NULL"
    params: list[Any] = []
    if index.chain is not None:
        where += " AND chain = ?"
        params.append(index.chain)
    # any USD value at all (the column's statistics answer it: ~0.4 ms, where a count over
    # the indexed rows scanned them, 37 ms at 9M)
    has_usd = store.scalar(
        "SELECT count(*) FROM (SELECT 1 FROM transfers WHERE usd_value IS NOT NULL LIMIT 1)"
    )
    if not known_ids or not has_usd:
        return {}
    dense = index.dense(known_ids)
    row_of = {sid: k for k, sid in enumerate(np.asarray(known_ids)[dense >= 0].tolist())}
    out: dict[tuple[str, int, int], tuple[float, bool]] = {}
    for d in directions:
        column = "to_id" if d == "in" else "from_id"
        with values_query(store.con, id=known_ids) as (ids_sql, ids_params):
            rows = store.con.execute(
                f"SELECT {column}, asset_id, sum(usd_value)::DOUBLE, count(usd_value), count(*) "
                f"FROM transfers WHERE {where} AND {column} IN ({ids_sql}) "
                "GROUP BY ALL",
                [*params, *ids_params],
            ).fetchall()
        for sid, asset_id, value, with_usd, total in rows:
            if with_usd and int(sid) in row_of:
                out[(d, row_of[int(sid)], int(asset_id))] = (float(value), with_usd < total)
    return out


_EndKey = tuple[str, int, int, int]  # (direction, row, category column, asset)


def _path_ends(index: TraceIndex, found: list[_Found]) -> dict[_EndKey, tuple[int, int]]:
    """The far end of each evidence path: (its transfer's index position, the store id of the
    address there), where the funds came from ("in": the first sender) or went to ("out":
    the last receiver)."""
    keys: list[_EndKey] = []
    at: list[int] = []
    inbound: list[bool] = []
    for f in found:
        for (i, j), path in f.paths.items():
            if path:
                keys.append((f.direction, i, j, f.asset_id))
                at.append(path[0] if f.direction == "in" else path[-1])
                inbound.append(f.direction == "in")
    if not keys:
        return {}
    p = np.asarray(at, dtype=np.int64)  # one gather for all (~10^5 paths for 10^5 queries)
    dense = np.where(np.asarray(inbound), index.src(p), index.dst[p].astype(np.int64))
    sids = index.ids[dense].astype(np.int64).tolist()
    return dict(zip(keys, zip(at, sids, strict=True), strict=True))


def _counterparties(
    ends: dict[_EndKey, tuple[int, int]],
    labels: dict[int, dict[str, Any]],
    transfers: dict[int, dict[str, Any]],
) -> dict[_EndKey, dict[str, Any]]:
    """Each path's labelled far end with its label's text, source (the list entry, pack or
    file) and confidence: what makes the exposure that category. The address is written as
    the path's transfer writes it."""
    made: dict[int, dict[str, Any]] = {}  # one per address (a pool is many paths' end)
    out: dict[_EndKey, dict[str, Any]] = {}
    for key, (p, sid) in ends.items():
        found = made.get(sid)
        if found is None:
            lab = labels.get(sid) or {}
            step = transfers.get(p) or {}
            found = made[sid] = {
                "address": step.get("from_address" if key[0] == "in" else "to_address"),
                "chain": step.get("chain"),
                "label": lab.get("label"),
                "source": lab.get("source"),
                "confidence": lab.get("confidence"),
            }
        out[key] = found
    return out


def _transfers(
    store: Store, index: TraceIndex, positions: list[int], symbol: Callable[[int], str]
) -> dict[int, dict[str, Any]]:
    """Index position -> the evidence transfer as a dict, written as a trace writes its
    edges (``transactions``: the same hash, exact amount and ISO UTC time); two queries for
    all of them. A position the store no longer holds is left out."""
    tx = read_transactions(store.con, index, positions)
    at = tx.positions
    if not len(at):
        return {}
    senders = index.ids[index.src(at)].astype(np.int64)
    receivers = index.ids[index.dst[at].astype(np.int64)].astype(np.int64)
    book = read_addresses(store.con, distinct(np.concatenate([senders, receivers])))
    chains, from_texts = book.columns(senders, None)
    _, to_texts = book.columns(receivers, None)
    names = {a: symbol(a) for a in distinct(index.asset[at]).tolist()}
    tx_hashes, amounts, times, in_tx, kinds = (c.tolist() for c in tx.columns)
    return {
        p: {
            "tx_hash": tx_hash,
            "kind": kind,  # with the hash and position, names the one transfer
            "position": position,
            "chain": chain,
            "from_address": sender,
            "to_address": receiver,
            "asset": names[a],
            "amount": amount,
            "block_time": when,
        }
        for p, tx_hash, kind, position, chain, sender, receiver, a, amount, when in zip(
            at.tolist(),
            tx_hashes,
            kinds,
            in_tx,
            chains,
            from_texts,
            to_texts,
            index.asset[at].tolist(),
            amounts,
            times,
            strict=True,
        )
    }
