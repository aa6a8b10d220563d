"""A tiny Bybit-shaped graph in a throw-away store: the catalog's theft address receives
ETH, passes it on, and part of it reaches a labelled exchange deposit address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from sanctionwatch.incidents import load_catalog
from sanctionwatch.incidents.labels import load_incident_labels
from sanctionwatch.store import Store

THEFT = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
VICTIM = "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4"
HOP1 = "0x" + "a1" * 20
DEPOSIT = "0x" + "c3" * 20


def _fill(store: Store) -> None:
    load_incident_labels(store, load_catalog())
    base = int(store.scalar("SELECT max(id) FROM addresses"))
    ids = {VICTIM: base + 1, HOP1: base + 2, DEPOSIT: base + 3}
    for address, i in ids.items():
        store.con.execute("INSERT INTO addresses VALUES (?, 'ethereum', ?)", [i, address])
    ids[THEFT] = int(store.address_id("ethereum", THEFT) or 0)
    store.con.execute(
        "INSERT INTO labels (address_id, chain, address, label, category, file_id) "
        "VALUES (?, 'ethereum', ?, 'KoinBay deposit address', 'exchange', 0)",
        [ids[DEPOSIT], DEPOSIT],
    )
    rows = [
        (VICTIM, THEFT, "14:13", 1000),
        (THEFT, HOP1, "15:00", 600),
        (HOP1, DEPOSIT, "16:00", 250),
    ]
    for n, (sender, receiver, hhmm, eth) in enumerate(rows, start=1):
        store.con.execute(
            "INSERT INTO transfers VALUES ('ethereum', ?, 'tx', '', ?, ?, ?, ?, 1, ?, NULL, "
            "TRUE, 0, ?)",
            [
                f"0x{n:064x}",
                21_895_000 + n,
                datetime.fromisoformat(f"2025-02-21T{hhmm}:00"),
                ids[sender],
                ids[receiver],
                eth * 10**18,
                n,
            ],
        )


@pytest.fixture
def bybit_graph() -> Callable[[Store], None]:
    return _fill
