"""A tiny Bybit-shaped graph in a throw-away store: the catalog's theft address receives
ETH, passes it on, and part of it reaches a labelled exchange deposit address."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sanctionwatch.store import Store

THEFT = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
VICTIM = "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4"
HOP1 = "0x" + "a1" * 20
DEPOSIT = "0x" + "c3" * 20


@pytest.fixture
def bybit_graph(bybit_chain: Callable[..., None]) -> Callable[[Store], None]:
    def fill(store: Store) -> None:
        hops = [
            (VICTIM, THEFT, "14:13", 1000),
            (THEFT, HOP1, "15:00", 600),
            (HOP1, DEPOSIT, "16:00", 250),
        ]
        bybit_chain(store, hops, exchange=DEPOSIT)

    return fill
