"""Hand-built transfer graphs in a throw-away store, for exact taint tests.

A graph is a list of ``(sender, receiver, t, amount)`` with names for addresses and ``t`` in
seconds after ``BASE``; ``labels`` maps a name to a category. Asset 1 is ETH on Ethereum.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sanctionwatch.store import Store, open_store

BASE = datetime(2025, 1, 1, tzinfo=UTC)
Edge = tuple[str, str, int, float]


def at(seconds: int) -> datetime:
    """The datetime ``seconds`` after BASE."""
    return BASE + timedelta(seconds=seconds)


def addr(name: str) -> str:
    """A valid-looking Ethereum address for a short name."""
    return "0x" + name.encode().hex().rjust(40, "0")[-40:]


def fill(
    store: Store,
    edges: Sequence[Edge],
    labels: dict[str, str] | None = None,
    failed: Sequence[int] = (),
) -> None:
    """Insert the graph: addresses by first appearance, one transfer per edge."""
    names: dict[str, int] = {}
    for s, r, _, _ in edges:
        for n in (s, r):
            names.setdefault(n, len(names) + 1)
    for n in labels or {}:
        names.setdefault(n, len(names) + 1)
    con = store.con
    _insert(
        con,
        "INSERT INTO addresses (id, chain, address) VALUES",
        "(?, 'ethereum', ?)",
        [[i, addr(n)] for n, i in names.items()],
    )
    _insert(
        con,
        "INSERT INTO transfers VALUES",
        "('ethereum', ?, 'tx', '', ?, ?, ?, ?, 1, ?, NULL, ?, 0, ?)",
        [
            [
                f"0x{i:064x}",
                i,
                at(t).replace(tzinfo=None),
                names[s],
                names[r],
                int(a),
                i not in failed,
                i,
            ]
            for i, (s, r, t, a) in enumerate(edges)
        ],
    )
    _insert(
        con,
        "INSERT INTO labels (address_id, chain, address, label, category, confidence_level, "
        "file_id, line) VALUES",
        "(?, 'ethereum', ?, ?, ?, 100, 0, 0)",
        [[names[n], addr(n), f"{c} {n}", c] for n, c in (labels or {}).items()],
    )


def _insert(con: Any, head: str, row: str, rows: list[list[Any]]) -> None:
    """One multi-row INSERT (executemany is one round trip per row: slow for hypothesis)."""
    if rows:
        con.execute(f"{head} {', '.join([row] * len(rows))}", [v for r in rows for v in r])


class GraphStore:
    """Builds stores from edge lists; ``at`` and ``addr`` name times and addresses."""

    at = staticmethod(at)
    addr = staticmethod(addr)

    def __init__(self) -> None:
        self.opened: list[Store] = []

    def __call__(
        self,
        edges: Sequence[Edge],
        labels: dict[str, str] | None = None,
        failed: Sequence[int] = (),
    ) -> Store:
        store = open_store(":memory:")
        self.opened.append(store)
        fill(store, edges, labels, failed)
        return store


@pytest.fixture
def graph_store() -> Iterator[GraphStore]:
    """Build stores from edge lists; all are closed at the end of the test."""
    builder = GraphStore()
    yield builder
    for store in builder.opened:
        store.close()
