"""Applicant / contractor records as users give them: JSON lines or CSV, rejects with lines.

A record is one applicant, contractor or platform account. Every field but ``record_id``
is optional; multi-valued fields are JSON arrays or, in CSV (and in JSON strings), values
separated by ``;``. Unknown fields are kept in ``extra`` and ignored. A row that cannot be
used (not an object, no ``record_id``, a duplicate id, a field over ``MAX_FIELD_CHARS``) is
a ``Reject`` with its file and line: reported, never silently dropped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctionwatch.errors import InputError

#: The documented input fields (docs/itw.md); the list ones take several values.
LIST_FIELDS: tuple[str, ...] = (
    "other_names",
    "emails",
    "phones",
    "addresses",
    "shipping_addresses",
    "ip_addresses",
    "payout_accounts",
    "wallets",
    "handles",
    "activity_times",
    "devices",
    "repositories",
    "follows",
)
TEXT_FIELDS: tuple[str, ...] = (
    "source",
    "full_name",
    "birth_date",
    "claimed_country",
    "claimed_timezone",
    "photo_hash",
    "photo_path",
    "resume_text",
    "resume_path",
    "client",
    "referred_by",
    "account_created_at",
)
FIELDS: tuple[str, ...] = ("record_id", *TEXT_FIELDS, *LIST_FIELDS)
#: Longest accepted field (characters): a résumé fits, a pasted database dump does not.
MAX_FIELD_CHARS = 200_000
#: Most values in one multi-valued field.
MAX_VALUES = 50_000
MAX_RECORD_ID = 200


@dataclass(slots=True)
class Record:
    """One input row. Lists are tuples of stripped, non-empty strings."""

    record_id: str
    file: str = ""
    line: int = 0
    source: str | None = None
    full_name: str | None = None
    birth_date: str | None = None
    claimed_country: str | None = None
    claimed_timezone: str | None = None
    photo_hash: str | None = None
    photo_path: str | None = None
    resume_text: str | None = None
    resume_path: str | None = None
    client: str | None = None
    referred_by: str | None = None
    account_created_at: str | None = None
    other_names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    shipping_addresses: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    payout_accounts: tuple[str, ...] = ()
    wallets: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    activity_times: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    follows: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The record in the input's JSON-lines shape (empty fields left out)."""
        out: dict[str, Any] = {"record_id": self.record_id}
        for name in TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        for name in LIST_FIELDS:
            values = getattr(self, name)
            if values:
                out[name] = list(values)
        out.update(self.extra)
        return out


@dataclass(slots=True, frozen=True)
class Reject:
    """A row that was not used, where it is and why."""

    file: str
    line: int
    reason: str
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason, "text": self.text}

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items = [v for v in value if v is not None]
        return [str(v).strip() for v in items if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return [str(value)]


def record_from_mapping(row: dict[str, Any], file: str, line: int) -> Record:
    """Validate one row; raises ValueError with a user-facing reason."""
    raw_id = row.get("record_id")
    if raw_id is None or not str(raw_id).strip():
        raise ValueError("no record_id")
    record_id = str(raw_id).strip()
    if len(record_id) > MAX_RECORD_ID:
        raise ValueError(f"record_id of {len(record_id):,} characters (at most {MAX_RECORD_ID})")
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in row.items():
        if key == "record_id" or value is None:
            continue
        if key in TEXT_FIELDS:
            if isinstance(value, list | dict):
                raise ValueError(f"field {key} must be text, not a {type(value).__name__}")
            text = str(value).strip()
            if len(text) > MAX_FIELD_CHARS:
                raise ValueError(
                    f"field {key} has {len(text):,} characters (at most {MAX_FIELD_CHARS:,})"
                )
            if text:
                kwargs[key] = text
        elif key in LIST_FIELDS:
            if isinstance(value, dict):
                raise ValueError(f"field {key} must be a list or ;-separated text")
            values = _values(value)
            if len(values) > MAX_VALUES:
                raise ValueError(f"field {key} has {len(values):,} values (at most {MAX_VALUES:,})")
            long = [v for v in values if len(v) > MAX_FIELD_CHARS]
            if long:
                raise ValueError(
                    f"field {key} has a value of {len(long[0]):,} characters "
                    f"(at most {MAX_FIELD_CHARS:,})"
                )
            if values:
                kwargs[key] = tuple(values)
        else:
            extra[str(key)] = value
    return Record(record_id=record_id, file=file, line=line, extra=extra, **kwargs)


def _excerpt(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"


def _jsonl_rows(path: Path, name: str) -> Iterator[tuple[int, dict[str, Any] | None, str, str]]:
    """(line, row or None, reason, raw text) for each non-blank line."""
    with path.open("r", encoding="utf-8", errors="strict", newline="") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except ValueError as exc:
                yield number, None, f"not JSON ({exc.args[0] if exc.args else exc})", text
                continue
            if not isinstance(row, dict):
                yield number, None, f"a JSON {type(row).__name__}, not an object", text
                continue
            yield number, row, "", text


def _csv_rows(path: Path, name: str) -> Iterator[tuple[int, dict[str, Any] | None, str, str]]:
    csv.field_size_limit(max(MAX_FIELD_CHARS * 50, 10_000_000))
    with path.open("r", encoding="utf-8", errors="strict", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{name}: line 1: the CSV header cannot be read ({exc}).") from None
        header = [h.strip().lstrip("\ufeff") for h in header]
        if "record_id" not in header:
            raise InputError(
                f"{name}: the CSV header has no record_id column (it has: {', '.join(header)})."
            )
        start = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, None, f"malformed CSV ({exc})", ""
                start = reader.line_num
                continue
            line = start + 1
            start = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield (
                    line,
                    None,
                    f"{len(cells)} cells where the header has {len(header)}",
                    ",".join(cells),
                )
                continue
            yield line, dict(zip(header, cells, strict=True)), "", ",".join(cells)


def file_format(path: Path) -> str:
    """``jsonl`` or ``csv`` from the file name."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".csv", ".txt"}:
        return "csv"
    raise InputError(f"{path}: unknown record format {suffix!r}; use .jsonl or .csv.")


def read_records(paths: Iterable[Path]) -> tuple[list[Record], list[Reject]]:
    """All records of ``paths`` in order, and every row that was not used."""
    records: list[Record] = []
    rejects: list[Reject] = []
    seen: dict[str, tuple[str, int]] = {}
    for path in paths:
        name = str(path)
        if not path.is_file():
            raise InputError(f"{name}: no such file.")
        rows = _jsonl_rows if file_format(path) == "jsonl" else _csv_rows
        try:
            for line, row, reason, text in rows(path, name):
                if row is None:
                    rejects.append(Reject(name, line, reason, _excerpt(text)))
                    continue
                try:
                    record = record_from_mapping(row, name, line)
                except ValueError as exc:
                    rejects.append(Reject(name, line, str(exc), _excerpt(text)))
                    continue
                first = seen.get(record.record_id)
                if first is not None:
                    rejects.append(
                        Reject(
                            name,
                            line,
                            f"duplicate record_id {record.record_id!r} "
                            f"(first at {first[0]}:{first[1]})",
                            _excerpt(text),
                        )
                    )
                    continue
                seen[record.record_id] = (name, line)
                records.append(record)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})."
            ) from None
        except OSError as exc:
            raise InputError(f"{name}: cannot be read ({exc.strerror}).") from None
    return records, rejects


def write_records(records: Iterable[Record | dict[str, Any]], path: Path) -> int:
    """Write records as JSON lines (or CSV with ``;``-joined lists, by suffix); the count."""
    rows = [r.to_dict() if isinstance(r, Record) else r for r in records]
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format(path) == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return len(rows)
    columns = list(FIELDS)
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [
                    ";".join(row[c]) if isinstance(row.get(c), list) else row.get(c, "")
                    for c in columns
                ]
            )
    return len(rows)
