"""``ended_terminals``: where value ended under the primary model, from a result's JSON."""

from __future__ import annotations

from sanctionwatch.trace.ended import ended_terminals


def test_only_rows_where_the_primary_model_ended_value() -> None:
    rows = [
        {"address": "ended", "continued": False, "tainted_amount": 5.0},
        {"address": "went on", "continued": True, "tainted_amount": 7.0},
        {"address": "other models only", "continued": False, "tainted_amount": 0.0},
        {"address": "no amount", "continued": False, "tainted_amount": None},
    ]
    assert [t["address"] for t in ended_terminals({"terminals": rows})] == ["ended"]
    assert ended_terminals({}) == []
