"""The CSR index: what it loads, its lookups against a brute-force scan, and its size."""

from __future__ import annotations

from typing import Any

import numpy as np

from sanctionwatch.trace.index import TraceIndex, expand_ranges

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


def test_expand_ranges() -> None:
    lo = np.array([0, 5, 5, 9], dtype=np.int64)
    hi = np.array([2, 5, 8, 10], dtype=np.int64)
    assert expand_ranges(lo, hi).tolist() == [0, 1, 5, 6, 7, 9]
    assert expand_ranges(lo[:0], hi[:0]).tolist() == []
