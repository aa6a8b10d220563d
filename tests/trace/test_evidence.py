"""The evidence's edge order (``evidence._edge_order``): by the index's seconds, then by
the whole key within a second, equal to a plain sort of the edges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctionwatch.trace.evidence import _EDGE_ORDER, _edge_order

T0 = 1_700_000_000_000_000  # epoch microseconds

edge_times = st.lists(
    st.tuples(
        # whole seconds (no fraction in the ISO text) or any microsecond, over a few seconds
        st.one_of(st.integers(0, 5).map(lambda s: s * 1_000_000), st.integers(0, 5_999_999)),
        st.sampled_from(["0xaa", "0xab", "0xb"]),  # transactions
        st.sampled_from(["0x1", "0x2", "?"]),  # receivers ("?": not in the store)
    ),
    max_size=60,
)


def _edges(rows: list[tuple[int, str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "block_time": datetime.fromtimestamp((T0 + us) / 1e6, UTC).isoformat(),
            "tx_hash": tx,
            "to_address": to,
            "k": k,  # tells equal keys apart: the sort must keep them in the order given
        }
        for k, (us, tx, to) in enumerate(rows)
    ]


@settings(max_examples=300)
@given(edge_times, st.sampled_from(["floor", "half_up"]))
def test_the_order_by_seconds_is_the_plain_sort(
    rows: list[tuple[int, str, str]], rounding: str
) -> None:
    edges = _edges(rows)
    us = np.array([T0 + r[0] for r in rows], dtype=np.int64)
    # the index's seconds: any rounding that keeps the times' order
    seconds = us // 1_000_000 if rounding == "floor" else (us + 500_000) // 1_000_000
    plain = sorted(range(len(edges)), key=lambda k: _EDGE_ORDER(edges[k]))
    assert _edge_order(edges, seconds) == plain
    assert _edge_order(edges, None) == plain
