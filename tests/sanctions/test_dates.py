"""List dates become FollowTheMoney date prefixes: exact days, whole years, ranges."""

from __future__ import annotations

from datetime import date

import pytest

from sanctionwatch.sanctions.dates import parse_day, range_prefixes, text_prefixes


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (date(1984, 8, 15), date(1984, 8, 15), ["1984-08-15"]),
        (date(1946, 1, 1), date(1946, 12, 31), ["1946"]),
        (date(1950, 3, 1), date(1950, 3, 31), ["1950-03"]),
        (date(1955, 1, 1), date(1957, 12, 31), ["1955", "1956", "1957"]),
        (date(1900, 1, 1), date(1950, 12, 31), ["1900", "1950"]),
        (date(1960, 5, 2), date(1960, 7, 9), ["1960-05-02", "1960-07-09"]),
        (date(1957, 12, 31), date(1955, 1, 1), ["1955", "1956", "1957"]),
    ],
)
def test_range_prefixes(low: date, high: date, expected: list[str]) -> None:
    assert range_prefixes(low, high) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 Aug 1984", ["1984-08-15"]),
        ("Aug 1984", ["1984-08"]),
        ("1962", ["1962"]),
        ("circa 1962", ["1962"]),
        ("1955 to 1957", ["1955", "1956", "1957"]),
        ("01 Jan 1960 to 31 Dec 1962", ["1960", "1961", "1962"]),
        ("1984-08-15", ["1984-08-15"]),
        ("", []),
        ("unknown", []),
        ("31 Feb 1980", []),
    ],
)
def test_text_prefixes(text: str, expected: list[str]) -> None:
    assert text_prefixes(text) == expected


def test_parse_day() -> None:
    assert parse_day("01/08/2026") == date(2026, 1, 8)
    assert parse_day("2026-05-08T23:00:06.922Z") == date(2026, 5, 8)
    assert parse_day("13 Sep 2019") == date(2019, 9, 13)
    assert parse_day("yesterday") is None
    assert parse_day(None) is None
