"""The stage rules of account-model edges (``stages.edge_stages``), first match wins; the
nodes' stages on columns (``stages.account_node_stages``) against the rules one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sanctionwatch.trace.stages import (
    AccountColumns,
    _node_stages,
    account_node_stages,
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_node_stages_on_columns_equal_the_rules_one_by_one(seed: int) -> None:
    # random account nodes and time-sorted tainted edges; dormant, frozen, seeds and
    # first-inflow stages all occur, and shares that round half to even (0.625 -> 62%)
    rng = np.random.default_rng(seed)
    n, m = 60, 150
    start = datetime(2024, 1, 1, tzinfo=UTC)
    times = np.sort(rng.integers(0, 90 * 86400, m))
    src = rng.integers(0, n, m)
    dst = rng.integers(5, n, m)  # nothing flows into 0-4
    edges = [
        {
            "chain": "ethereum",
            "from_address": f"a{s}",
            "to_address": f"a{d}",
            "block_time": (start + timedelta(seconds=int(t))).isoformat(),
            "stage": str(rng.choice(["transfer", "split", "consolidation", "mixer"])),
        }
        for s, d, t in zip(src.tolist(), dst.tolist(), times.tolist(), strict=True)
    ]
    received = rng.choice([0.0, 8.0, 1.0, 3.3], n)
    held = received * rng.choice([0.0, 0.4, 0.5, 0.625, 0.675, 1.0], n)
    frozen = rng.random(n) < 0.1
    received[0], frozen[0] = 0.0, False  # a seed (hop 0, no tainted inflow)
    nodes = [
        {
            "address": f"a{i}",
            "chain": "ethereum",
            "hop": int(rng.integers(0, 3)) if i else 0,
            "labels": {"category": "issuer", "label": "USDT blacklist"} if frozen[i] else None,
            "tainted_in": {"ETH": float(received[i])} if received[i] else {},
            "held": {"ETH": float(held[i])} if held[i] else {},
            "stage": None,
        }
        for i in range(n)
    ]
    end = datetime.fromisoformat(max(e["block_time"] for e in edges))
    one_by_one = [dict(node) for node in nodes]
    _node_stages(edges, {(x["chain"], x["address"]): x for x in one_by_one}, end)
    columns = AccountColumns(
        np.arange(n, dtype=np.int64),
        np.array([x["hop"] for x in nodes], dtype=np.int64),
        received,
        held,
        np.flatnonzero(frozen).astype(np.int64),
        edges,
        src.astype(np.int64),
        dst.astype(np.int64),
    )
    account_node_stages(nodes, columns, end)
    assert nodes == one_by_one
    found = {x["stage"] for x in nodes}
    assert {"dormant", "frozen", "seed"} <= found
    assert found & {"transfer", "split", "consolidation", "mixer"}
    assert any(x.get("stage_evidence") == "holds 62% of the taint it received" for x in nodes)
