"""The spans a service's payouts are read in (``traffic.spans``), and the deposits' columns
(``traffic._DepositColumns``)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sanctionwatch.trace.traffic import _DepositColumns, spans


def _spans_one_by_one(starts: list[int], span: int) -> tuple[list[int], list[int]]:
    """The windows ``[start, start + span]`` merged one by one, in start order."""
    begins: list[int] = []
    ends: list[int] = []
    for start in sorted(starts):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], start + span)
        else:
            begins.append(start)
            ends.append(start + span)
    return begins, ends


@settings(max_examples=300)
@given(st.lists(st.integers(0, 200), max_size=40), st.integers(0, 30))
def test_spans_are_the_union_of_the_windows(starts: list[int], span: int) -> None:
    assert spans(starts, timedelta(seconds=span)) == _spans_one_by_one(starts, span)


def test_no_starts_no_spans() -> None:
    assert spans([], timedelta(hours=6)) == ([], [])


@settings(max_examples=200)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(["ethereum", "bsc", "bitcoin"]), st.integers(1, 3),
                      st.floats(0, 10), st.integers(0, 20)),
            max_size=12,
        ),
        max_size=4,
    ),
    st.integers(0, 30),
)  # fmt: skip
def test_deposits_are_the_first_by_time_ties_in_the_order_read(
    parts: list[list[tuple[str, int, float, int]]], limit: int
) -> None:
    """As the tuples were: all parts' rows sorted by time (stable), the first ``limit``."""
    columns = _DepositColumns()
    for rows in parts:
        if rows:
            chain, asset, amount, ts = (list(c) for c in zip(*rows, strict=True))
            columns.add(chain, asset, amount, ts)
    expected = sorted((row for rows in parts for row in rows), key=lambda row: row[3])[:limit]
    found = columns.done(limit)
    assert found.rows() == expected
    assert len(found) == len(expected)


def test_deposits_of_one_chain_per_part() -> None:
    columns = _DepositColumns()
    columns.add("ethereum", [2, 1], [5.0, 6.0], [30, 10])
    columns.add("bsc", [1], [7.0], [10])
    assert columns.done(2).rows() == [("ethereum", 1, 6.0, 10), ("bsc", 1, 7.0, 10)]
    assert not _DepositColumns().done(5)
