"""The CSR index: what it loads, its lookups against a brute-force scan, and its size."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctionwatch.chain.chains import CHAINS
from sanctionwatch.store import Store, open_store
from sanctionwatch.trace import _kernels
from sanctionwatch.trace.arrays import (
    expand_ranges,
)
from sanctionwatch.trace.index import (
    RunIds,
    TraceIndex,
    _in_sender_order,
    _positions_sorted_by,
    compact_ids,
)

EDGES = [
    ("A", "B", 5, 10.0),
    ("A", "C", 1, 3.0),
    ("B", "C", 7, 2.0),
    ("A", "B", 9, 1.0),
    ("C", "A", 2, 4.0),
    ("B", "A", 3, 0.0),  # amount 0: not indexed
    ("C", "B", 8, 6.0),  # failed: not indexed
]


def test_build_and_lookups(graph_store: Any) -> None:
    g = graph_store
    store = g(EDGES, failed=[6])
    index = TraceIndex.build(store, "ethereum")
    assert index.n == 5
    assert index.n_store_rows == 7
    assert index.t0 == int(g.at(1).timestamp())
    # sorted by (sender, time)
    assert np.all(np.diff(index.key) >= 0)
    a, b, c = index.dense([1, 2, 3]).tolist()  # A, B, C got store ids 1, 2, 3
    assert index.dense([99]).tolist() == [-1]
    nodes = np.array([a, b, c], dtype=np.int64)
    lo, hi = index.out_ranges(nodes, np.array([4, 0, 0], dtype=np.int64))  # A after t=5
    got = sorted(
        (int(index.src([p])[0]), int(index.dst[p]), int(index.t([p])[0]) + 1)
        for p in expand_ranges(lo, hi).tolist()
    )
    assert got == sorted([(a, b, 5), (a, b, 9), (b, c, 7), (c, a, 2)])
    assert index.out_degree(nodes).tolist() == [3, 1, 1]
    assert index.in_degree(nodes).tolist() == [1, 2, 2]
    inflow_times = [int(index.t([p])[0]) for p in index.inflows(b).tolist()]
    assert inflow_times == sorted(inflow_times)
    # every indexed row points back to its stored transfer
    rows = dict(store.con.execute("SELECT rowid, amount::DOUBLE FROM transfers").fetchall())
    for p in range(index.n):
        assert rows[int(index.rowid[p])] == index.amount[p]
    assert index.bytes_per_transfer() > 0


# -- the fast build against the plain one ---------------------------------------------------


def _random_store(seed: int, id_base: int, id_step: int, span: int, n_assets: int) -> Store:
    """Transfers between random addresses ``id_base + k * id_step``: repeated (sender, second)
    pairs, self-transfers, zero amounts, failed and unknown-success rows, unknown ends, several
    chains (Bitcoin's rows are left out of an all-chains index), asset ids up to ``n_assets``."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(150, 400))
    n_addr = int(rng.integers(5, 60))
    base = datetime(2024, 3, 1)
    rows: list[list[Any]] = []
    for i in range(n):
        ends: list[int | None] = [id_base + id_step * int(k) for k in rng.integers(0, n_addr, 2)]
        ends = [None if rng.random() < 0.03 else e for e in ends]
        seconds = int(rng.integers(0, span)) if rng.random() < 0.7 else int(rng.integers(0, 4))
        success = [True, True, True, False, None][int(rng.integers(0, 5))]
        rows.append(
            [
                ["ethereum", "ethereum", "tron", "bitcoin"][int(rng.integers(0, 4))],
                f"tx{i}",
                base + timedelta(seconds=seconds),
                ends[0],
                ends[1],
                int(rng.integers(1, n_assets + 1)),
                int(rng.integers(0, 6)) * 10**15,
                success,
                i,
            ]
        )
    store = open_store(":memory:")
    store.con.execute(
        "INSERT INTO transfers VALUES "
        + ", ".join(["(?, ?, 'transfer', '', NULL, ?, ?, ?, ?, ?, NULL, ?, 0, ?)"] * n),
        [v for r in rows for v in r],
    )
    return store


def _plain_build(store: Store, chain: str | None) -> dict[str, Any]:
    """The index as the first version built it: np.unique, searchsorted and lexsort.

    Plus rowid as the last ORDER BY key: without it DuckDB orders the transfers of one sender
    at the same second arbitrarily (two builds over the 10M bench store differed there)."""
    where = "success IS NOT FALSE AND amount > 0 AND from_id IS NOT NULL AND to_id IS NOT NULL"
    params: list[object] = []
    if chain is not None:
        where += " AND chain = ?"
        params.append(chain)
    else:
        where += " AND chain NOT IN (SELECT unnest(?::VARCHAR[]))"
        params.append([c.name for c in CHAINS.values() if c.model == "utxo"])
    cols = store.con.execute(
        "SELECT rowid AS rid, from_id, to_id, epoch(block_time)::BIGINT AS t, "
        f"asset_id, amount::DOUBLE AS amount FROM transfers WHERE {where} "
        "ORDER BY from_id, block_time, rowid",
        params,
    ).fetchnumpy()
    src_raw = np.asarray(cols["from_id"], dtype=np.int64)
    dst_raw = np.asarray(cols["to_id"], dtype=np.int64)
    ids = np.unique(np.concatenate([src_raw, dst_raw]))
    src = np.searchsorted(ids, src_raw).astype(np.int64)
    dst = np.searchsorted(ids, dst_raw).astype(np.int32)
    t_abs = np.asarray(cols["t"], dtype=np.int64)
    t0 = int(t_abs.min()) if len(t_abs) else 0
    t = t_abs - t0
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=len(ids)), out=offsets[1:])
    out_offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=len(ids)), out=out_offsets[1:])
    return {
        "t0": t0,
        "n_store_rows": int(store.scalar("SELECT count(*) FROM transfers")),
        "ids": ids,
        "key": (src << 32) | t,
        "dst": dst,
        "asset": np.asarray(cols["asset_id"], dtype=np.int64),
        "amount": np.asarray(cols["amount"], dtype=np.float64),
        "rowid": np.asarray(cols["rid"], dtype=np.int64),
        "in_order": np.lexsort((t, dst)).astype(np.int32),
        "in_offsets": offsets,
        "out_offsets": out_offsets,
    }


@pytest.mark.parametrize(
    ("id_base", "id_step", "span", "n_assets"),
    [
        (1, 1, 50, 3),  # dense small ids: the bitmap; asset int8
        (1, 7, 10**9, 300),  # 31-year span; asset ids past int8
        (2**31 - 100, 1, 3_600, 2),  # ids up to ~2**31 - 40: the bitmap range is too wide
        (2**40, 2**20, 86_400, 5),  # ids past int32: kept int64
        (1, 1, 600, 70_000),  # asset ids past int16
    ],
)
@pytest.mark.parametrize("seed", range(4))
def test_build_matches_plain_build(
    seed: int, id_base: int, id_step: int, span: int, n_assets: int
) -> None:
    store = _random_store(seed, id_base, id_step, span, n_assets)
    try:
        for chain in (None, "ethereum", "tron", "bitcoin", "solana"):
            index = TraceIndex.build(store, chain)
            want = _plain_build(store, chain)
            assert index.t0 == want["t0"]
            assert index.n_store_rows == want["n_store_rows"]
            for name in (
                *("ids", "key", "dst", "asset", "amount", "rowid"),
                *("in_order", "in_offsets", "out_offsets"),
            ):
                got = getattr(index, name)
                assert np.array_equal(got, want[name]), (chain, name)
            wide_ids = len(want["ids"]) and want["ids"].max() >= 2**31
            if isinstance(index.ids, RunIds):  # runs of consecutive ids: a quarter or less
                assert index.ids.nbytes * 4 <= len(want["ids"]) * (8 if wide_ids else 4)
            else:
                assert index.ids.dtype == (np.int64 if wide_ids else np.int32)
            top = int(want["asset"].max()) if len(want["asset"]) else 0
            narrowest = np.int8 if top < 128 else np.int16 if top < 2**15 else np.int32
            assert index.asset.dtype == narrowest
            assert index.in_offsets.dtype == np.int32
            # lookups through the narrower dtypes
            ids = want["ids"]
            probe = np.concatenate([ids, ids[:3] + 1, [-5, 0, 2**31, 2**40 - 1, 2**62]])
            expected = [
                int(np.searchsorted(ids, w)) if w in set(ids.tolist()) else -1 for w in probe
            ]
            assert index.dense(probe).tolist() == expected, chain
            # positions of store transfers by (sender, time, rowid); unknown ones -1
            rowids = want["rowid"].tolist()
            senders = ids[want["key"] >> 32].tolist()
            times = ((want["key"] & 0xFFFFFFFF) + index.t0).tolist()
            got = index.positions_of(senders, times, rowids)
            assert got.tolist() == list(range(len(rowids)))
            if rowids:  # another rowid, another second, an unknown sender
                wrong = index.positions_of(
                    [senders[0], senders[0], 10**9],
                    [times[0], times[0] + 1, times[0]],
                    [10**6, rowids[0], rowids[0]],
                )
                assert wrong.tolist() == [-1, -1, -1]
            # inflows in a time window (a binary search) against a filter of all of them
            times = index.t(np.arange(index.n))
            windows = ((0, 3), (2, 2), (-5, 10**9), (span // 2, span), (7, 1))
            queries = [(node, lo, hi) for node in range(len(ids)) for lo, hi in windows]
            which, many = index.inflows_between_many(
                *np.array(queries, dtype=np.int64).reshape(-1, 3).T
            )
            for k, (node, t_lo, t_hi) in enumerate(queries):
                inflows = index.inflows(node)
                got = index.inflows_between(node, t_lo, t_hi).tolist()
                kept = (times[inflows] >= t_lo) & (times[inflows] <= t_hi)
                assert got == inflows[kept].tolist(), (chain, node, t_lo, t_hi)
                assert many[which == k].tolist() == got, (chain, node, t_lo, t_hi)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("major_shift", "minor_shift"),
    [(0, 0), (28, 29), (20, 0), (0, 40), (27, 32), (31, 33)],  # (27, 32): 63 bits; 68: lexsort
)
def test_positions_sorted_by_is_lexsort(major_shift: int, minor_shift: int) -> None:
    """(major, minor, position) order, stable on ties, whatever digits the keys share."""
    rng = np.random.default_rng(major_shift * 100 + minor_shift)
    major = rng.integers(0, 4, 3_000).astype(np.int64) << major_shift
    minor = rng.integers(0, 3, 3_000).astype(np.int64) << minor_shift  # many ties
    major32 = major.astype(np.int32) if major_shift < 31 else major
    got = _positions_sorted_by(major32, minor)
    assert got.dtype == np.int32
    assert got.tolist() == np.lexsort((minor, major)).tolist()
    assert _positions_sorted_by(major32[:0], minor[:0]).tolist() == []
    one = _positions_sorted_by(major32[:1], minor[:1])
    assert one.tolist() == [0]


@given(st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 2**31 - 1)), max_size=300))
def test_positions_sorted_by_any_keys(pairs: list[tuple[int, int]]) -> None:
    major = np.array([p[0] for p in pairs], dtype=np.int32)
    minor = np.array([p[1] for p in pairs], dtype=np.int64)
    got = _positions_sorted_by(major, minor)
    assert got.tolist() == np.lexsort((minor, major)).tolist()


@pytest.mark.parametrize("size", [0, 5, 2 * _kernels.PARALLEL_MIN + 3])
def test_take_into_is_fancy_indexing(size: int) -> None:
    rng = np.random.default_rng(size)
    values = rng.integers(-(2**40), 2**40, max(size, 1))
    at = rng.integers(0, len(values), size).astype(np.int32)
    out = np.zeros(size, dtype=np.int64)
    _kernels.take_into(values, at, out)
    assert out.tolist() == values[at].tolist()


@pytest.mark.parametrize("senders", [1, 3, 50, 5_000])
def test_sender_order_is_lexsort(senders: int) -> None:
    """Rows by (sender, time, rowid): runs long and short, in order or not, ties in time."""
    rng = np.random.default_rng(senders)
    n = 20_000
    src = rng.integers(0, senders, n).astype(np.int32)
    t = rng.integers(0, 40, n).astype(np.int64)  # many ties
    rid = rng.permutation(n).astype(np.int64) * 3
    t[src == 0] = np.sort(t[src == 0])  # one run already in order by time (ties by rowid)
    want = np.lexsort((rid, t, src))
    assert _in_sender_order(src, t, rid, senders).tolist() == want.tolist()
    wide = rid + 2**32  # rowids past 2**32: the numpy fallback
    assert _in_sender_order(src, t, wide, senders).tolist() == want.tolist()
    assert _in_sender_order(src[:0], t[:0], rid[:0], senders).tolist() == []


def test_sender_order_of_rows_not_in_rowid_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows fetched in blocks out of rowid order (a join's output): the same order as
    lexsort, and the kernel gets them in rowid order (its runs are then mostly in order
    already; out of order, it sorted nearly every run: 28 s instead of ~1 s at 34M rows)."""
    kernel = _kernels.sender_order
    rowids_in_order: list[bool] = []

    def recording(src: Any, t: Any, rid: Any, m: int) -> Any:
        rowids_in_order.append(bool(np.all(rid[1:] > rid[:-1])))
        return kernel(src, t, rid, m)

    monkeypatch.setattr(_kernels, "sender_order", recording)
    rng = np.random.default_rng(11)
    n = 30_000
    src = rng.integers(0, 2_000, n).astype(np.int32)
    t = np.sort(rng.integers(0, 5_000, n)).astype(np.int64)  # time grows with the rowid
    rid = np.arange(n, dtype=np.int64) * 2
    blocks = np.r_[np.arange(20_000, n), np.arange(0, 20_000)]  # two blocks swapped
    src, t, rid = src[blocks], t[blocks], rid[blocks]
    want = np.lexsort((rid, t, src))
    assert _in_sender_order(src, t, rid, 2_000).tolist() == want.tolist()
    shuffled = rng.permutation(n)  # any order at all
    want = np.lexsort((rid[shuffled], t[shuffled], src[shuffled]))
    got = _in_sender_order(src[shuffled], t[shuffled], rid[shuffled], 2_000)
    assert got.tolist() == want.tolist()
    assert rowids_in_order == [True, True]


@given(
    st.lists(st.tuples(st.integers(1, 40), st.integers(0, 5)), min_size=0, max_size=12),
    st.integers(0, 2**40),
)
def test_run_ids_answer_as_the_sorted_array(runs: list[tuple[int, int]], base: int) -> None:
    # runs of consecutive ids with gaps between them (as one chain's addresses in a store)
    ids_list: list[int] = []
    at = base
    for length, gap in runs:
        at += gap
        ids_list += range(at, at + length)
        at += length
    ids = np.asarray(ids_list, dtype=np.int64)
    compact = compact_ids(ids)
    if len(ids) and len(runs) * 64 <= ids.nbytes // 2:
        assert isinstance(compact, RunIds)
    assert np.array_equal(np.asarray(compact), ids)
    assert len(compact) == len(ids)
    if len(ids):
        picks = np.arange(len(ids))[::3]
        assert np.asarray(compact[picks]).tolist() == ids[picks].tolist()
        assert int(compact[len(ids) - 1]) == int(ids[-1])
    probe = np.concatenate([ids, ids - 1, ids + 1, [base - 1, at, at + 7]]).astype(np.int64)
    expected = [int(np.searchsorted(ids, w)) if w in set(ids.tolist()) else -1 for w in probe]
    if isinstance(compact, RunIds):
        assert compact.positions(probe).tolist() == expected
