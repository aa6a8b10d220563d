"""docs/itw.md states what the code does: every indicator with its weights and catalogue id."""

from __future__ import annotations

from pathlib import Path

from sanctionwatch.itw.indicators import all_indicators
from sanctionwatch.itw.records import FIELDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "itw.md"


def test_indicator_table_matches_the_code() -> None:
    rows = {
        line.split("|")[1].strip().strip("`"): [c.strip() for c in line.split("|")[2:-1]]
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    for indicator in all_indicators():
        level, catalogue, weight, source, doc = rows[indicator.name]
        expected = f"{indicator.weight}" + (
            f" / {indicator.weight_many}" if indicator.weight_many is not None else ""
        )
        assert (level, catalogue, weight) == (indicator.level, indicator.catalogue, expected)
        assert source == indicator.source
        assert doc == indicator.doc


def test_every_input_field_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in FIELDS:
        assert f"`{name}`" in text, name
