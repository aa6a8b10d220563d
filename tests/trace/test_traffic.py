"""The spans a service's payouts are read in (``traffic.spans``)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sanctionwatch.trace.traffic import spans


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
