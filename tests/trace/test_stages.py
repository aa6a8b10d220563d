"""The stage rules of account-model edges (``stages.edge_stages``), first match wins."""

from __future__ import annotations

import numpy as np

from sanctionwatch.trace.stages import (
    edge_stages,
    into_stage,
    link_stage,
    out_of_stage,
)


def test_rules_in_order_of_rank() -> None:
    # 1 fans out to 2, 3, 4 (twice to 4); 5, 6, 7 fan in to 8; 9 -> 10 alone
    edges = [(1, 2), (1, 3), (1, 4), (1, 4), (5, 8), (6, 8), (7, 8), (9, 10), (9, 11), (12, 13)]
    src = np.array([s for s, _ in edges], dtype=np.int64)
    dst = np.array([d for _, d in edges], dtype=np.int64)
    exchange = into_stage("exchange", {"category": "exchange", "label": "Binance 14"})
    frozen = into_stage(None, {"category": "issuer", "label": "USDT blacklist"})
    mixer = out_of_stage({"category": "mixer", "label": "Tornado Cash"})
    assert exchange == ("exchange_deposit", "into Binance 14")
    assert frozen is not None
    assert frozen[0] == "frozen"
    assert mixer == ("mixer", "withdrawal from Tornado Cash")
    assert into_stage("?", None) is None
    assert out_of_stage({"category": "exchange"}) is None
    bridge = link_stage("bridge", 0.9, "in")
    assert bridge == ("bridge", "into a bridge (confidence 0.9)")
    got = edge_stages(
        src,
        dst,
        into={3: exchange, 11: frozen, 13: exchange},
        out_of={9: mixer, 12: mixer},
        linked={0: bridge},
    )
    assert [stage for stage, _ in got] == [
        "bridge",  # a link first, though 1 fans out
        "exchange_deposit",  # into an exchange, though 1 fans out
        "split",
        "split",
        "consolidation",
        "consolidation",
        "consolidation",
        "mixer",  # out of a mixer
        "frozen",  # into a frozen address before out of a mixer
        "exchange_deposit",
    ]
    assert got[2][1] == "the sender passed taint to 3 addresses"  # distinct receivers
    assert got[4][1] == "the receiver got taint from 3 senders"
    assert edge_stages(src[:0], dst[:0], {}, {}, {}) == []
    plain = edge_stages(np.array([1, 2]), np.array([2, 3]), {}, {}, {})
    assert plain == [("transfer", None), ("transfer", None)]
