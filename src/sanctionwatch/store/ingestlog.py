"""The ingest log and the rejects table, shared by every ingest (transfers, labels, ...).

Each ingested file gets a ``file_id``; its rows, rejects and log entry are written in the
caller's transaction, so a file is either fully recorded or not at all.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from sanctionwatch import __version__


@dataclass(slots=True)
class FileResult:
    """What one ingested file contributed; printed by the CLI and stored in ingest_log."""

    path: str
    format: str
    file_id: int
    sha256: str
    chain: str | None = None
    rows_read: int = 0
    rows_new: int = 0
    rows_duplicate: int = 0
    rows_skipped: int = 0
    rows_rejected: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    first_reject_lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)  # rows added per table
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "file_id": self.file_id,
            "sha256": self.sha256,
            "chain": self.chain,
            "rows_read": self.rows_read,
            "rows_new": self.rows_new,
            "rows_duplicate": self.rows_duplicate,
            "rows_skipped": self.rows_skipped,
            "rows_rejected": self.rows_rejected,
            "skipped_reasons": self.skipped_reasons,
            "reject_reasons": self.reject_reasons,
            "first_reject_lines": self.first_reject_lines,
            "notes": self.notes,
            "table_rows": self.table_rows,
            "seconds": round(self.seconds, 3),
        }


class FileHasher:
    """sha256 of a file computed in a background thread while DuckDB reads it.

    hashlib releases the GIL, so hashing costs no wall time next to a multi-second ingest.
    """

    def __init__(self, path: Path) -> None:
        self._digest = hashlib.sha256()
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    self._digest.update(chunk)
        except OSError as exc:
            self._error = exc

    def hexdigest(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest.hexdigest()


def next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM ingest_log").fetchall()
    return int(rows[0][0])


def write_log(
    con: duckdb.DuckDBPyConnection,
    result: FileResult,
    started_at: datetime,
    options: Mapping[str, Any],
) -> None:
    """Append the file's ingest_log row (inside the caller's transaction)."""
    con.execute(
        "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.file_id,
            result.path,
            result.sha256,
            result.format,
            result.chain,
            started_at.replace(tzinfo=None),
            datetime.now(UTC).replace(tzinfo=None),
            result.rows_read,
            result.rows_new,
            result.rows_duplicate,
            result.rows_skipped,
            result.rows_rejected,
            json.dumps(result.skipped_reasons, sort_keys=True),
            json.dumps(result.notes),
            json.dumps(dict(options), sort_keys=True, default=str),
            __version__,
        ],
    )


def summarize_rejects(con: duckdb.DuckDBPyConnection, result: FileResult) -> None:
    """Fill the result's reject counts from the rejects table rows of its file_id."""
    rows = con.execute(
        "SELECT reason, count(*), min(line) FROM rejects WHERE file_id = ? "
        "GROUP BY reason ORDER BY count(*) DESC, reason",
        [result.file_id],
    ).fetchall()
    result.reject_reasons = {str(r[0]): int(r[1]) for r in rows}
    result.rows_rejected = sum(result.reject_reasons.values())
    lines = con.execute(
        "SELECT line FROM rejects WHERE file_id = ? AND line IS NOT NULL ORDER BY line LIMIT 10",
        [result.file_id],
    ).fetchall()
    result.first_reject_lines = [int(r[0]) for r in lines]
