"""The traced edges as CSV, one row per edge, for spreadsheets and DuckDB.

Columns: ``tx_hash, chain, block_time, hop, from_address, to_address, asset, amount,
tainted_amount, stage, stage_evidence, link_kind, link_confidence, kind, position``
(``kind``: tx, trace, token, output, transfer; ``position``: the transfer's place in its
transaction, the log index, trace address or output index; with ``tx_hash`` they name one
transfer, the store's key. Last, so that readers of the columns before them are
unaffected).

``amount`` is the exact transfer amount and ``tainted_amount`` its tainted part under the
primary model, both in base units of ``asset`` (wei, satoshi, token units; divide by
``10 ** summary.asset_info[asset].decimals`` for whole units). Empty cells are nulls. Lines
end with ``\\n``; fields are quoted only when needed.
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

from sanctionwatch.trace.exporters._common import edge_link, with_edge_chains

COLUMNS: tuple[str, ...] = (
    "tx_hash",
    "chain",
    "block_time",
    "hop",
    "from_address",
    "to_address",
    "asset",
    "amount",
    "tainted_amount",
    "stage",
    "stage_evidence",
    "link_kind",
    "link_confidence",
    "kind",
    "position",
)


def row(edge: dict[str, Any]) -> list[str]:
    """One edge as CSV cells in ``COLUMNS`` order."""
    kind, confidence = edge_link(edge)
    values: dict[str, Any] = {
        **{c: edge.get(c) for c in COLUMNS},
        "tainted_amount": _number(edge.get("tainted_amount")),
        "link_kind": kind,
        "link_confidence": _number(confidence),
    }
    return ["" if values[c] is None else str(values[c]) for c in COLUMNS]


def write(result: dict[str, Any], stream: TextIO) -> None:
    """Write the header and one row per edge of ``result["edges"]``."""
    result = with_edge_chains(result)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    for edge in result.get("edges") or []:
        writer.writerow(row(edge))


def _number(value: Any) -> str | None:
    """Floats as their shortest exact text (``repr``); integral ones without ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
