"""Exporters of a trace result: one module per format, each with ``write(result, stream)``.

They work from the JSON-ready dict of ``TraceResult.to_dict()`` only (its shape is in
docs/trace.md), never from engine internals, so a saved ``trace.json`` can be exported again
later. Adding a format is adding a module and a line in ``EXPORTERS``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sanctionwatch.errors import InputError
from sanctionwatch.trace.exporters import csv, ftm, graphml, html, json, table

Writer = Callable[[dict[str, Any], TextIO], None]


@dataclass(frozen=True, slots=True)
class Exporter:
    """One output format: its writer, file suffix, media type and a one-line description."""

    name: str
    write: Writer
    suffix: str
    media_type: str
    description: str


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("table", table.write, ".txt", "text/plain", "human summary (rich tables)"),
        Exporter("json", json.write, ".json", "application/json", "the trace dict as JSON"),
        Exporter("csv", csv.write, ".csv", "text/csv", "one row per traced edge"),
        Exporter(
            "graphml", graphml.write, ".graphml", "application/graphml+xml", "graph for Gephi"
        ),
        Exporter(
            "ftm",
            ftm.write,
            ".ftm.json",
            "application/x-ndjson",
            "FollowTheMoney entities, JSON lines",
        ),
        Exporter("html", html.write, ".html", "text/html", "self-contained offline report"),
    )
}


def export(result: dict[str, Any], fmt: str, out: Path | None = None) -> str | None:
    """Write ``result`` as ``fmt`` to ``out``; with no ``out``, return the text instead."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        known = ", ".join(EXPORTERS)
        raise InputError(f"Unknown trace output format {fmt!r}; known formats: {known}.")
    if out is None:
        buffer = io.StringIO()
        exporter.write(result, buffer)
        return buffer.getvalue()
    try:
        with out.open("w", encoding="utf-8", newline="") as stream:
            exporter.write(result, stream)
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror or exc}.") from exc
    return None


__all__ = ["EXPORTERS", "Exporter", "Writer", "export"]
