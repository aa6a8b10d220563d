"""Where the traced value ended, read from a trace result's JSON (``TraceResult.to_dict``):
the view that case summaries and reports give (light: no engine import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def ended_terminals(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The terminals where value ended under the primary model: not those it went on from
    through a link, nor (under ``model: "all"``) the rows only other models reach, whose
    ``tainted_amount`` is 0; a report's figures and freeze list are the primary model's."""
    return [
        t
        for t in result.get("terminals") or []
        if not t.get("continued") and float(t.get("tainted_amount") or 0.0) > 0.0
    ]
