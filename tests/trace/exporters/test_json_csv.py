"""JSON round trip and the CSV of edges."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sanctionwatch.trace.exporters import export
from sanctionwatch.trace.exporters.csv import COLUMNS


def test_json_round_trip(example: dict[str, Any]) -> None:
    text = export(example, "json")
    assert text is not None
    assert json.loads(text) == example
    assert list(json.loads(text)) == list(example)  # key order kept
    assert text.startswith('{\n  "seeds"')


def test_json_writes_non_json_values_as_text(empty: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    empty["parameters"]["since"] = datetime(2025, 2, 21, tzinfo=UTC)
    text = export(empty, "json")
    assert text is not None
    assert json.loads(text)["parameters"]["since"] == "2025-02-21 00:00:00+00:00"


def test_json_as_the_standard_library_wrote_it(empty: dict[str, Any]) -> None:
    """The same values as ``json.dumps(default=str)`` gave, for what the trace dict can hold;
    NaN as null (``NaN`` is not JSON); an integer beyond 64 bits by the standard library."""
    from dataclasses import dataclass

    @dataclass
    class Note:
        text: str

    empty["parameters"].update(
        {"note": Note("x"), "by_hop": {1: 2.0, 2: 1e-9}, "names": ("a", "b"), "text": "한국"}
    )
    text = export(empty, "json")
    assert text is not None
    assert json.loads(text) == json.loads(json.dumps(empty, default=str))
    assert '"한국"' in text  # UTF-8, not \u escapes
    empty["parameters"]["nan"] = float("nan")
    text = export(empty, "json")
    assert text is not None
    assert json.loads(text)["parameters"]["nan"] is None
    empty["parameters"]["huge"] = 2**70
    text = export(empty, "json")
    assert text is not None
    assert json.loads(text)["parameters"]["huge"] == 2**70


def test_csv_one_row_per_edge(example: dict[str, Any]) -> None:
    text = export(example, "csv")
    assert text is not None
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert len(rows) == len(example["edges"])
    for row, edge in zip(rows, example["edges"], strict=True):
        assert row["tx_hash"] == edge["tx_hash"]
        assert row["amount"] == edge["amount"]  # exact base units
        assert float(row["tainted_amount"]) == edge["tainted_amount"]
        assert row["stage"] == (edge["stage"] or "")
    linked = [r for r in rows if r["link_kind"]]
    assert {r["link_kind"] for r in linked} == {"cross_chain_swap"}
    assert {r["link_confidence"] for r in linked} == {"0.92"}
    assert {r["chain"] for r in linked} == {"ethereum", "bitcoin"}


def test_csv_quotes_commas_and_newlines(example: dict[str, Any]) -> None:
    example["edges"][1]["stage_evidence"] = 'split, "fast"\nsecond line'
    text = export(example, "csv")
    assert text is not None
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[1]["stage_evidence"] == 'split, "fast"\nsecond line'
