"""Where the traced value ended, read from a trace result's JSON (``TraceResult.to_dict``):
the view that case summaries, reports and the demo give (light: no engine import)."""

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


def service_name(terminal: Mapping[str, Any]) -> str:
    """Where a terminal's value ended, to name in a report: its category and label; an
    unlabelled deposit address found by the sweep heuristic, by the wallet it sweeps to
    (which exchange to ask)."""
    where = str(terminal.get("category") or "?")
    named = terminal.get("label") or swept_name(terminal)
    return f"{where}: {named}" if named else where


def swept_name(terminal: Mapping[str, Any]) -> str | None:
    """An unlabelled deposit address named by the exchange wallet it sweeps to (its
    ``swept_to``: the wallet's label, else its address); None for any other terminal."""
    sweep = terminal.get("swept_to")
    if not sweep:
        return None
    return f"deposit address swept to {sweep.get('label') or sweep.get('address')}"
