"""The compiled trace phases against the code they replaced, on random graphs.

``reach_reference`` and ``simulate_reference`` are the engine's pure-Python ``reach`` and
``simulate`` before ``_kernels`` (kept verbatim): every event of the expanded addresses
replayed from the start of the data, dictionaries throughout. The new ones must give the same
reach (hops, arrivals, roles, in the same dictionary order) and the same taint per model:
exactly for integer amounts (the clean prefix before an arrival sums exactly), to rounding
for fractional ones. Indexes are built straight from arrays (no store), so hypothesis can
try many graphs: same-second events, self-transfers, two assets, stops, hubs, swept deposit
addresses, link legs injected (and reinjected), and reaches whose arrival times are wrong
(the replay must notice and fall back to the whole history).
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctionwatch.trace import _kernels as kern
from sanctionwatch.trace.arrays import expand_ranges
from sanctionwatch.trace.engine import (
    NO_HOP,
    NO_TIME,
    UNLABELED_HUB,
    AssetTrace,
    Reach,
    ReachArrays,
    _hot_wallets,
    _swept_mask,
    _swept_reason,
    reach,
    simulate,
)
from sanctionwatch.trace.index import I64, TraceIndex, _positions_sorted_by
from sanctionwatch.trace.models import MODELS, Balance

Edge = tuple[int, int, int, float, int]  # sender, receiver, t, amount, asset


def make_index(m: int, edges: list[Edge]) -> TraceIndex:
    """A TraceIndex of dense ids 0..m-1 from edges, laid out as ``TraceIndex.build`` does."""
    n = len(edges)
    src = np.array([e[0] for e in edges], dtype=np.int64)
    dst = np.array([e[1] for e in edges], dtype=np.int64)
    t = np.array([e[2] for e in edges], dtype=np.int64)
    amount = np.array([e[3] for e in edges], dtype=np.float64)
    asset = np.array([e[4] for e in edges], dtype=np.int8)
    rowid = np.arange(n, dtype=np.int64)
    order = np.lexsort((rowid, t, src))
    src, dst, t, amount, asset, rowid = (a[order] for a in (src, dst, t, amount, asset, rowid))
    in_offsets = np.zeros(m + 1, dtype=np.int32)
    np.cumsum(np.bincount(dst, minlength=m), out=in_offsets[1:])
    return TraceIndex(
        chain="ethereum",
        t0=0,
        ids=np.arange(m, dtype=np.int32),
        key=(src << 32) | t,
        dst=dst.astype(np.int32),
        asset=asset,
        amount=amount,
        rowid=rowid.astype(np.uint32),
        in_order=_positions_sorted_by(dst.astype(np.int32), t),
        in_offsets=in_offsets,
        n_store_rows=n,
    )


# -- the code before _kernels, verbatim ----------------------------------------
def reach_reference(
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
                for node, why in swept_reference(index, new, exchange_nodes).items():
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


def forwards_reference(index: TraceIndex, node: int, members: I64) -> bool:
    """The node sent at least one transfer, every one to a member (``_hot_wallets``)."""
    lo, hi = index.out_ranges(np.array([node]), np.zeros(1, dtype=np.int64))
    dst = index.dst[int(lo[0]) : int(hi[0])]
    return len(dst) > 0 and bool(np.isin(dst, members).all())


def swept_reference(index: TraceIndex, nodes: I64, exchange_nodes: I64) -> dict[int, str]:
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
        sent = (
            "its one outgoing transfer goes to an exchange wallet"
            if counts[i] == 1
            else f"all its {int(counts[i])} outgoing transfers go to one exchange wallet"
        )
        found[int(nodes[i])] = f"exchange deposit address (sweep heuristic): unlabelled, and {sent}"
    return found


def simulate_reference(
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


# -- random cases -------------------------------------------------------------------------
@st.composite
def cases(draw: Any, fractional: bool = False, crowded: bool = False) -> dict[str, Any]:
    """A random graph and trace options; ``crowded``: many events in few seconds (runs of
    equal time longer than the kernels' insertion sorts take)."""
    m = draw(st.integers(2, 4 if crowded else 9))
    node = st.integers(0, m - 1)
    amount = (
        st.floats(0.001, 100.0, allow_nan=False) if fractional else st.integers(1, 100).map(float)
    )
    when = st.integers(0, 2 if crowded else 30)
    edge = st.tuples(node, node, when, amount, st.sampled_from([1, 1, 1, 2]))
    edges = draw(st.lists(edge, min_size=1, max_size=200 if crowded else 60))
    starts = draw(
        st.dictionaries(
            node, st.tuples(st.integers(0, 2), st.integers(-5, 20)), min_size=1, max_size=3
        )
    )
    labelled = draw(
        st.dictionaries(node, st.sampled_from(["exchange", "mixer", "dex", "defi"]), max_size=4)
    )
    stop = {d: c for d, c in labelled.items() if c != "defi"}
    exchanges = sorted(d for d, c in labelled.items() if c == "exchange")
    return {
        "m": m,
        "edges": edges,
        "starts": starts,
        "labelled": labelled,
        "stop": stop,
        "exchange_nodes": (np.array(exchanges, dtype=np.int64) if draw(st.booleans()) else None),
        "hub_degree": draw(st.sampled_from([2, 4, 10**12])),
        "hops": draw(st.integers(0, 5)),
        "since_t": draw(st.sampled_from([-(2**40), 0, 5, 12])),
        "dust_abs": draw(st.sampled_from([0.0, 0.5, 5.0])),
        "legs": draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 50)), max_size=3)),
        "reinject": draw(st.booleans()),
        "shift": draw(st.lists(st.integers(-10, 40), min_size=m, max_size=m)),
    }


def assert_same_reach(new: Reach, old: Reach) -> None:
    assert list(new.hop.items()) == list(old.hop.items())
    assert new.arrival == old.arrival
    assert new.expanded == old.expanded
    assert list(new.stopped.items()) == list(old.stopped.items())
    assert new.leaves == old.leaves
    assert list(new.inferred.items()) == list(old.inferred.items())


def assert_same_trace(new: AssetTrace, old: AssetTrace, exact: bool) -> None:
    def same(a: float, b: float) -> bool:
        return a == b if exact else a == pytest.approx(b, rel=1e-9, abs=1e-9)

    for name in ("source", "below_dust", "hop_limit", "absorbed", "held"):
        a, b = getattr(new, name), getattr(old, name)
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12) if exact else same(a, b), name
    for name in ("edges", "tainted_in", "terminal", "held_at"):
        a, b = getattr(new, name), getattr(old, name)
        assert set(a) == set(b), name
        assert all(same(a[k], b[k]) for k in a), (name, a, b)
    assert new.first_edge == old.first_edge
    if exact:  # the same dictionary order (terminals keep it in reports)
        for name in ("edges", "tainted_in", "terminal", "first_edge"):
            assert list(getattr(new, name)) == list(getattr(old, name)), name


def reach_args(case: dict[str, Any]) -> tuple[Any, ...]:
    """``reach``'s arguments after the index, for asset 1."""
    keys = ("starts", "hops", "stop", "hub_degree", "labelled", "exchange_nodes")
    starts, *rest = (case[k] for k in keys)
    return (starts, 1, *rest)


def run_case(case: dict[str, Any], exact: bool, asset_dtype: Any = np.int8) -> None:
    index = make_index(case["m"], case["edges"])
    index.asset = index.asset.astype(asset_dtype)  # a store with more assets: wider ids
    args = reach_args(case)
    new_reach = reach(index, *args)
    old_reach = reach_reference(index, *args)
    assert_same_reach(new_reach, old_reach)
    if case["exchange_nodes"] is not None and len(case["exchange_nodes"]):
        nodes = np.arange(case["m"], dtype=np.int64)
        mask, counts = _swept_mask(index, nodes, case["exchange_nodes"])
        swept = {
            int(n): _swept_reason(int(c)) for n, c in zip(nodes[mask], counts[mask], strict=True)
        }
        assert list(swept.items()) == list(
            swept_reference(index, nodes, case["exchange_nodes"]).items()
        )
        wallets = np.unique(case["exchange_nodes"])
        assert _hot_wallets(index, wallets.tolist()).tolist() == [
            w for w in wallets.tolist() if not forwards_reference(index, w, wallets)
        ]
    ones = np.flatnonzero(index.asset == 1)
    inject = {int(ones[i % len(ones)]): float(v) for i, v in case["legs"]} if len(ones) else {}
    reinjected = set(list(inject)[:1]) if case["reinject"] else set()
    seeds = set(case["starts"]) if not inject else set()
    # a reach given as dictionaries, its arrival times shifted (too late or too early)
    shifted = Reach(
        1,
        dict(old_reach.hop),
        {d: t + case["shift"][d] for d, t in old_reach.arrival.items()},
        set(old_reach.expanded),
        dict(old_reach.stopped),
        set(old_reach.leaves),
    )
    for model in MODELS:
        options: dict[str, Any] = {
            "seeds": seeds,
            "since_t": case["since_t"],
            "inject": inject,
            "reinjected": reinjected,
        }
        old = simulate_reference(index, old_reach, model, case["dust_abs"], **options)
        assert_same_trace(
            simulate(index, new_reach, model, case["dust_abs"], **options), old, exact
        )
        assert_same_trace(simulate(index, shifted, model, case["dust_abs"], **options), old, exact)
    assert_pool_clean()


def assert_pool_clean() -> None:
    """Every pooled scratch array is back at its sentinel (a leftover would leak into the
    next trace)."""
    for scratch in kern._POOL:
        assert (scratch.label == kern.NO_LABEL).all()
        assert (scratch.info == kern.NO_INFO).all()
        assert (scratch.flags == 0).all()
        assert (scratch.slot == -1).all()


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_same_as_reference_integer_amounts(case: dict[str, Any]) -> None:
    run_case(case, exact=True)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(cases(fractional=True))
def test_same_as_reference_fractional_amounts(case: dict[str, Any]) -> None:
    run_case(case, exact=False)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cases(crowded=True))
def test_same_as_reference_crowded_seconds(case: dict[str, Any]) -> None:
    run_case(case, exact=True)


@contextmanager
def scanned_in_parts(workers: int) -> Iterator[None]:
    """Every reach round scanned in ``workers`` parts at once, however small."""
    saved = kern.PARALLEL_MIN, kern.PARALLEL_MIN_NODES, kern.WORKERS
    kern.PARALLEL_MIN, kern.PARALLEL_MIN_NODES, kern.WORKERS = 0, 0, workers
    try:
        yield
    finally:
        kern.PARALLEL_MIN, kern.PARALLEL_MIN_NODES, kern.WORKERS = saved


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(cases(crowded=True), st.integers(2, 5))
def test_reach_scanned_in_parts_is_the_same(case: dict[str, Any], workers: int) -> None:
    index = make_index(case["m"], case["edges"])
    args = reach_args(case)
    with scanned_in_parts(workers):
        parted = reach(index, *args)
    assert_same_reach(parted, reach_reference(index, *args))
    assert np.array_equal(parted.arrays().nodes, reach(index, *args).arrays().nodes)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from([np.int16, np.int32]))
def test_same_as_reference_wide_asset_ids(case: dict[str, Any], dtype: Any) -> None:
    run_case(case, exact=True, asset_dtype=dtype)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(cases(crowded=True), st.integers(2, 5))
def test_events_collected_in_parts_are_the_same(case: dict[str, Any], workers: int) -> None:
    """Every model's outcome is the same when the events are collected in parts at once."""
    with scanned_in_parts(workers):
        run_case(case, exact=True)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cases(crowded=True), st.integers(1, 3))
def test_events_ordered_by_lexsort_are_the_same(case: dict[str, Any], workers: int) -> None:
    """The events' order without slots in their keys (too many for the bits): np.lexsort."""
    saved = kern.MAX_SLOTS
    kern.MAX_SLOTS = 0
    try:
        with scanned_in_parts(workers):
            run_case(case, exact=True)
    finally:
        kern.MAX_SLOTS = saved


def test_one_crowded_second_in_both_phases() -> None:
    """An address with 40 inflows and 40 outflows in the second before its arrival and in
    the second of it: heapsorted runs in the clean prefix and in the event order."""
    edges: list[Edge] = [(99, 0, 8, 500.0, 1), (0, 1, 10, 500.0, 1)]  # A (1) arrives at 10
    for i in range(40):
        for t in (5, 10):
            edges.append((2 + i, 1, t, float(1 + (i * 7) % 13), 1))  # unreached senders
            edges.append((1, 50 + i, t, float(1 + (i * 5) % 11), 1))
    index = make_index(100, edges)
    args = ({0: (0, 0)}, 1, 3, {}, 10**6, {}, None)
    new_reach, old_reach = reach(index, *args), reach_reference(index, *args)
    assert_same_reach(new_reach, old_reach)
    assert new_reach.arrival[1] == 10
    for model in MODELS:
        old = simulate_reference(index, old_reach, model, 0.0, seeds={0}, since_t=0)
        assert old.edges  # taint went through A
        new = simulate(index, new_reach, model, 0.0, seeds={0}, since_t=0)
        assert_same_trace(new, old, exact=True)


def test_model_without_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model ``_kernels`` does not know runs the Python loop over the whole history."""
    monkeypatch.setitem(MODELS, "haircut_py", MODELS["haircut"])
    edges: list[Edge] = [
        (5, 0, 0, 40.0, 1),
        (0, 1, 3, 40.0, 1),
        (2, 1, 1, 60.0, 1),
        (1, 3, 2, 10.0, 1),
        (1, 3, 5, 50.0, 1),
        (3, 4, 6, 30.0, 1),
    ]
    index = make_index(6, edges)
    r = reach(index, {0: (0, 0)}, 1, 4, {}, 10**6)
    old = simulate_reference(index, r, "haircut", 0.0, seeds={0}, since_t=0)
    new = simulate(index, r, "haircut_py", 0.0, seeds={0}, since_t=0)
    assert new.model == "haircut_py"
    assert_same_trace(new, old, exact=True)
    assert new.terminal == {}
    assert new.hop_limit == 0.0
    # A (1): 60 clean, 10 out, 40 dirty in (90, 40 dirty), 50 out: 40 x 40 / 90 left dirty
    assert new.held_at[1] == pytest.approx(40.0 * 40 / 90)
    assert new.source == 40.0


_REACH_ROWS = st.lists(
    st.tuples(
        st.integers(-2, 40) | st.integers(0, 2**40),
        st.integers(0, 9),
        st.integers(0, 10**6),
        st.integers(0, 15),
    ),
    max_size=25,
)


def _reach_arrays(rows: list[tuple[int, int, int, int]]) -> ReachArrays:
    nodes, hop, arrival, flags = zip(*rows, strict=True) if rows else ((), (), (), ())
    return ReachArrays(
        np.asarray(nodes, dtype=np.int64),
        np.asarray(hop, dtype=np.int32),
        np.asarray(arrival, dtype=np.int64),
        np.asarray(flags, dtype=np.uint8),
    )


@given(_REACH_ROWS, _REACH_ROWS, st.booleans())
def test_reach_arrays_merged_by_place_equals_by_sorting(
    a_rows: list[tuple[int, int, int, int]],
    b_rows: list[tuple[int, int, int, int]],
    unique: bool,
) -> None:
    """The merge by each address's place in a dense array gives what the merge by sorting
    does (min hop and arrival, every flag, order of first appearance), with the same dtypes;
    also when either lists an address more than once."""
    if unique:  # a reach lists each address once: the usual case
        a_rows = list({r[0]: r for r in a_rows}.values())
        b_rows = list({r[0]: r for r in b_rows}.values())
    if not a_rows and not b_rows:
        return
    a, b = _reach_arrays(a_rows), _reach_arrays(b_rows)
    by_place, by_sorting = a.merged(b), a.merged_by_sorting(b)
    for name in ("nodes", "hop", "arrival", "flags"):
        mine, theirs = getattr(by_place, name), getattr(by_sorting, name)
        assert mine.dtype == theirs.dtype
        assert mine.tolist() == theirs.tolist()


def test_reach_arrays_and_dictionaries() -> None:
    """A reach built from arrays gives its dictionaries on demand; merge and assignment keep
    both views consistent."""
    edges: list[Edge] = [(0, 1, 1, 5.0, 1), (1, 2, 2, 5.0, 1), (3, 2, 0, 5.0, 1), (2, 4, 3, 1.0, 1)]
    index = make_index(5, edges)
    a = reach(index, {0: (0, 0)}, 1, 2, {}, 10**6)
    b = reach(index, {3: (0, 0)}, 1, 2, {}, 10**6)
    assert a.hop == {0: 0, 1: 1, 2: 2}
    assert (a.expanded, a.leaves) == ({0, 1}, {2})
    arrays = a.arrays()
    assert arrays.nodes.tolist() == [0, 1, 2]
    assert (arrays.flags[2] & kern.LEAF) != 0
    assert "reached=3" in repr(a)
    by_dicts = Reach(1, dict(a.hop), dict(a.arrival), set(a.expanded), {}, set(a.leaves))
    by_dicts.merge(b.copy())
    copied = a.copy()
    copied.merge(b)  # by arrays: neither has built its dictionaries since the copy
    assert list(copied.hop.items()) == list(by_dicts.hop.items())
    assert copied.arrival == by_dicts.arrival
    assert (copied.expanded, copied.leaves) == (by_dicts.expanded, by_dicts.leaves)
    a.merge(b)
    assert a.hop == {0: 0, 1: 1, 2: 1, 3: 0, 4: 2}
    assert a.arrival[2] == 0
    assert a.expanded == {0, 1, 2, 3}
    assert a.leaves == {2, 4}  # as the dictionaries merge: a leaf of one reach stays a leaf
    rebuilt = a.arrays()  # from the merged dictionaries
    assert set(rebuilt.nodes.tolist()) == {0, 1, 2, 3, 4}
    a.expanded = {0}
    assert a.arrays().nodes[(a.arrays().flags & kern.EXPANDED) != 0].tolist() == [0]
    from_dicts = ReachArrays.from_dicts({0: 1}, {}, {0, 5}, {6: "exchange"}, set())
    assert from_dicts.nodes.tolist() == [0, 5, 6]
    assert from_dicts.hop.tolist() == [1, NO_HOP, NO_HOP]
    assert from_dicts.arrival.tolist() == [kern.NO_CUTOFF] * 3


def _use_the_pools() -> None:
    """Both thread pools, as a trace uses them (exits non-zero on a wrong answer)."""
    parts = kern._in_parts(lambda a, b: a + b, [(1, 2), (3, 4), (5, 6)])
    done = kern.background(sum, [1, 2, 3]).result(timeout=20)
    if parts != [3, 7, 11] or done != 6:
        sys.exit(1)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)
def test_pools_work_in_a_forked_child() -> None:
    """A child forked after a trace used the pools has none of their threads: it must start
    its own instead of queueing work for threads that are not there (it would hang)."""
    with scanned_in_parts(2):  # a worker thread even on one core
        _use_the_pools()
        child = multiprocessing.get_context("fork").Process(target=_use_the_pools)
        child.start()
        child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung on the parent's thread pools")
    assert child.exitcode == 0


@given(st.lists(st.integers(0, 9), max_size=60), st.integers(10, 14))
def test_counting_order_is_a_stable_argsort(keys: list[int], m: int) -> None:
    values = np.asarray(keys, dtype=np.int64)
    order, starts = kern.counting_order(values, m)
    assert order.tolist() == np.argsort(values, kind="stable").tolist()
    assert starts.tolist() == [0, *np.cumsum(np.bincount(values, minlength=m)).tolist()]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2**31 - 1)), max_size=80))
def test_minimum_at_is_numpys(pairs: list[tuple[int, int]]) -> None:
    """``minimum_at`` equals ``np.minimum.at``, an address listed twice included."""
    nodes = np.array([n for n, _ in pairs], dtype=np.int64)
    values = np.array([v for _, v in pairs], dtype=np.int32)
    ours = np.full(41, 2**30, dtype=np.int32)
    numpys = ours.copy()
    kern.minimum_at(ours, nodes, values)
    np.minimum.at(numpys, nodes, values)
    assert ours.tolist() == numpys.tolist()
