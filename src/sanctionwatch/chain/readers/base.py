"""The reader interface and the raw-file loaders every reader shares.

A reader's ``stage()`` fills temp tables with *text* columns in the canonical shape
(``_stage_transfers`` and, for UTXO chains, ``_stage_outputs``/``_stage_inputs``), plus
``_rejects`` for lines it could not parse at all. All parsing of numbers, times and
addresses happens afterwards, set-based, in ``chain.ingest``, so every reader gets the
same validation and the same reasons.

Raw loading keeps the physical line number of every row: CSV files and JSON-lines files
(read as one text column per line) go through DuckDB's parallel CSV reader with
``store_rejects`` into temp tables whose insertion order is the file order
(``number_lines``); JSON is then parsed by DuckDB's JSON functions in bulk. Python only
re-reads the few rejected lines, for their exact raw text.
"""

from __future__ import annotations

import csv
import gzip
import io
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

import duckdb

from sanctionwatch.chain.chains import Chain
from sanctionwatch.errors import FormatError

AmountUnit = Literal["auto", "base", "whole"]


@dataclass(slots=True)
class ReadOptions:
    chain: Chain
    mapping: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    asset: str | None = None  # asset of rows that do not name one
    decimals: dict[str, int] = field(default_factory=dict)  # asset -> decimals override
    amount_unit: AmountUnit = "auto"
    entity: str | None = None  # ethereum-etl: transactions|token_transfers|traces|logs|blocks

    def to_dict(self) -> dict[str, object]:
        return {
            "chain": self.chain.name,
            "mapping": self.mapping,
            "asset": self.asset,
            "decimals": self.decimals,
            "amount_unit": self.amount_unit,
            "entity": self.entity,
        }


@dataclass(slots=True)
class Staged:
    """What a reader staged: row counts and explained skips (not errors, not stored)."""

    format: str
    rows_read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    transfers: bool = False
    utxo: bool = False
    memos: bool = False
    blocks: bool = False
    notes: list[str] = field(default_factory=list)


class TransferReader(ABC):
    """Stage one file into the canonical temp tables."""

    format: ClassVar[str]

    @abstractmethod
    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staged:
        """Fill ``_stage_*`` and ``_rejects`` for ``path``; return counts."""


# -- shared helpers ----------------------------------------------------------------------


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_text_bytes(path: Path) -> io.BufferedIOBase:
    """The file's bytes, transparently un-gzipped."""
    if is_gzip(path):
        return gzip.open(path, "rb")
    return path.open("rb")


def create_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The staged (text) tables the ingest validates, empty; every reader starts from them."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage_transfers (
            line BIGINT, chain VARCHAR, tx_hash VARCHAR, kind VARCHAR, position VARCHAR,
            block_number VARCHAR, block_time VARCHAR, from_address VARCHAR,
            to_address VARCHAR, asset VARCHAR, amount VARCHAR, usd_value VARCHAR,
            success BOOLEAN, amount_unit VARCHAR)
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stage_memos (chain VARCHAR, tx_hash VARCHAR, memo VARCHAR)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stage_blocks (line BIGINT, chain VARCHAR, "
        "number VARCHAR, hash VARCHAR, block_time VARCHAR)"
    )


def create_utxo_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The staged UTXO tables (outputs and inputs), empty."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage_outputs (
            line BIGINT, chain VARCHAR, txid VARCHAR, vout VARCHAR, address VARCHAR,
            value VARCHAR, script_type VARCHAR, block_number VARCHAR, block_time VARCHAR,
            is_coinbase BOOLEAN)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _stage_inputs (
            line BIGINT, chain VARCHAR, txid VARCHAR, vin VARCHAR, prev_txid VARCHAR,
            prev_vout VARCHAR, address VARCHAR, value VARCHAR, block_number VARCHAR,
            block_time VARCHAR)
        """
    )


def create_rejects_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (line BIGINT, reason VARCHAR, raw VARCHAR)")


def read_csv_header(path: Path) -> list[str]:
    """Column names of a CSV file's first line (gzip or plain); FormatError if unusable."""
    try:
        with open_text_bytes(path) as raw:
            first = raw.readline()
    except (OSError, EOFError) as exc:
        raise FormatError(f"{path}: cannot read the file ({exc}).") from exc
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(
            f"{path}, line 1: the header is not UTF-8 text; convert the file to UTF-8."
        ) from None
    if not text.strip():
        raise FormatError(f"{path}: the file is empty (no header line).")
    names = [n.strip() for n in next(csv.reader([text]))]
    seen: set[str] = set()
    for name in names:
        if not name:
            raise FormatError(f"{path}, line 1: the header has an empty column name.")
        if name.lower() in seen:
            raise FormatError(f"{path}, line 1: the header repeats column {name!r}.")
        seen.add(name.lower())
    return names


def load_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str = "_raw",
    optional_columns: Sequence[str] = (),
) -> list[str]:
    """Load a CSV into ``table`` (all VARCHAR + ``_line``); parse errors go to ``_rejects``.

    Returns the header's column names. ``_line`` is the physical line number, corrected
    for rows the CSV parser rejected (assumes no quoted multi-line fields before them).
    """
    names = read_csv_header(path)
    columns = dict.fromkeys(names, "VARCHAR")
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _csv_rows AS
            SELECT * FROM read_csv(?, header = true, delim = ',', quote = '"', escape = '"',
                                   columns = ?, store_rejects = true,
                                   rejects_table = '_csv_errors', rejects_scan = '_csv_scans',
                                   compression = 'auto', auto_detect = false,
                                   null_padding = false, parallel = true)
            """,
            [str(path), columns],
        )
    except duckdb.Error as exc:
        raise FormatError(f"{path}: the CSV reader failed: {_first_line(exc)}.") from exc
    # DuckDB may report several errors for one line (one per missing column): keep the first.
    errors = con.execute(
        "SELECT line, error_type, csv_line, error_message FROM _csv_errors "
        "QUALIFY row_number() OVER (PARTITION BY line ORDER BY column_idx, byte_position) = 1 "
        "ORDER BY line"
    ).fetchall()
    bad_lines = sorted({int(e[0]) for e in errors})
    for line, _type, _text, message in errors:
        # An unclosed quote swallows the lines after it (a whole parallel chunk, or the
        # rest of the file): they would be lost silently and later lines misnumbered.
        if "unterminated quote" in str(message) and _has_lines_after(path, int(line)):
            raise FormatError(
                f"{path}, line {line}: a quoted value is never closed, so the lines after it "
                "cannot be read reliably; fix the quote and ingest the file again."
            )
    for line, error_type, csv_line, message in errors:
        con.execute(
            "INSERT INTO _rejects VALUES (?, ?, ?)",
            [int(line), f"CSV {str(error_type).lower()}: {message}", csv_line],
        )
    # optional columns the file lacks read as NULL
    have = {n.lower() for n in names}
    extra = "".join(
        f', CAST(NULL AS VARCHAR) AS "{c}"' for c in optional_columns if c.lower() not in have
    )
    number_lines(con, "_csv_rows", bad_lines, header_lines=1, table=table, extra=extra)
    return names


def number_lines(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    bad_lines: list[int],
    *,
    header_lines: int,
    table: str,
    extra: str = "",
) -> None:
    """``table`` = the rows of ``rows`` (as read, in file order) with ``_line`` in front.

    File order is insertion order is rowid order (rowids start at an offset inside a
    transaction, hence ``- min(rowid)``). The k-th row read sits on physical line
    ``header_lines + k + #{rejected lines before it}`` (assuming no multi-line fields).
    Without rejected lines ``table`` is a view (no copy of the rows).
    """
    first_rowid = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {rows}").fetchall()[0][0]
    if not bad_lines:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS "
            f"SELECT rowid - {int(first_rowid)} + {1 + header_lines} AS _line, *{extra} "
            f"FROM {rows}"
        )
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _bad_data_lines AS "
        "SELECT unnest(?::BIGINT[]) - ? AS q",  # data-line index of each rejected line
        [bad_lines, header_lines],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH acc AS (SELECT rowid - {int(first_rowid)} + 1 AS k, * FROM {rows}),
             rej AS (SELECT before_k, max(n) AS n FROM (
                         SELECT q - row_number() OVER (ORDER BY q) AS before_k,
                                row_number() OVER (ORDER BY q) AS n FROM _bad_data_lines)
                     GROUP BY before_k)  -- adjacent rejected lines share before_k
        SELECT {header_lines} + acc.k + coalesce(r.n, 0) AS _line, acc.* EXCLUDE (k){extra}
        FROM acc ASOF LEFT JOIN rej r ON acc.k > r.before_k
        """
    )
    con.execute(f"DROP TABLE {rows}")
    con.execute("DROP TABLE _bad_data_lines")


def _has_lines_after(path: Path, line: int) -> bool:
    """Whether the file has a non-blank line after physical line ``line``."""
    with open_text_bytes(path) as fh:
        return any(raw.strip() for number, raw in enumerate(fh, start=1) if number > line)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# A byte that cannot occur unescaped in JSON: used as the "delimiter" so that DuckDB's CSV
# reader hands over whole lines.
_NO_DELIMITER = "\x01"
_MAX_LINE_BYTES = 64 << 20  # bitcoin-etl lines of transactions with thousands of outputs
_MAX_REJECT_RAW = 1 << 20  # raw text kept of an over-long rejected line


def load_json_lines(con: duckdb.DuckDBPyConnection, path: Path, table: str = "_lines") -> int:
    """Load a JSON-lines file into ``table(_line BIGINT, _text VARCHAR)``.

    DuckDB's reader splits the lines (in parallel, gzip or not) and keeps their order;
    blank lines are ignored; lines that are not UTF-8 or not a JSON object go to
    ``_rejects`` with their line number. Returns the number of non-blank lines.
    """
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _json_rows AS
            SELECT * FROM read_csv(?, header = false, delim = ?, quote = '', escape = '',
                                   columns = {'_text': 'VARCHAR'}, store_rejects = true,
                                   rejects_table = '_json_errors',
                                   rejects_scan = '_json_scans', compression = 'auto',
                                   auto_detect = false, strict_mode = false,
                                   max_line_size = ?, parallel = true)
            """,
            [str(path), _NO_DELIMITER, _MAX_LINE_BYTES],
        )
    except duckdb.Error as exc:
        # e.g. a truncated gzip stream: nothing of the file is kept
        raise FormatError(
            f"{path}: the file ends early or is corrupt ({_first_line(exc)}); "
            "nothing from it was stored."
        ) from exc
    errors = con.execute(
        "SELECT line, min(error_type) FROM _json_errors GROUP BY line ORDER BY line"
    ).fetchall()
    bad_lines = [int(e[0]) for e in errors]
    raw = _read_lines(path, set(bad_lines)) if bad_lines else {}
    for line, error_type in errors:
        text = raw.get(int(line), b"")
        if str(error_type) == "INVALID ENCODING":
            try:
                text.decode("utf-8")
                reason = "not UTF-8 text"
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 text (byte {exc.start})"
        elif "MAXIMUM" in str(error_type).upper():
            reason = f"line longer than {_MAX_LINE_BYTES:,} bytes"
            text = text[:_MAX_REJECT_RAW]
        else:
            reason = "not a JSON object"
        con.execute(
            "INSERT INTO _rejects VALUES (?, ?, ?)",
            [int(line), reason, text.decode("utf-8", "replace").rstrip("\r\n")],
        )
    number_lines(con, "_json_rows", bad_lines, header_lines=0, table="_json_numbered")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT _line, _text FROM _json_numbered
        WHERE _text IS NOT NULL AND trim(_text) <> ''
        """
    )
    total = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]) + len(errors)
    con.execute(
        f"""
        INSERT INTO _rejects
        SELECT _line, 'not a JSON object', _text FROM {table}
        WHERE NOT coalesce(json_valid(_text), false)
           OR json_type(CASE WHEN json_valid(_text) THEN _text END) <> 'OBJECT'
        """
    )
    con.execute(
        f"DELETE FROM {table} WHERE NOT coalesce(json_valid(_text), false) "
        f"OR json_type(CASE WHEN json_valid(_text) THEN _text END) <> 'OBJECT'"
    )
    return total


def _read_lines(path: Path, lines: set[int]) -> dict[int, bytes]:
    """The raw bytes of the given physical lines (only for rejected lines: rare)."""
    found: dict[int, bytes] = {}
    last = max(lines)
    with open_text_bytes(path) as fh:
        for number, line in enumerate(fh, start=1):
            if number in lines:
                found[number] = line
            if number >= last:
                break
    return found


def json_fields_table(
    con: duckdb.DuckDBPyConnection, source: str, fields: list[str], table: str = "_raw"
) -> None:
    """``table(_line, _text, <field>...)``: top-level JSON fields as text, parsed once per line."""
    paths = [f"$.{name}" for name in fields]
    selects = ", ".join(
        f"nullif(v[{i}], 'null') AS \"{name}\"" for i, name in enumerate(fields, start=1)
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT _line, _text, {selects}
        FROM (SELECT _line, _text, json_extract_string(_text, ?::VARCHAR[]) AS v FROM {source})
        ORDER BY _line
        """,
        [paths],
    )


def sql_text(column: str) -> str:
    """SQL for a source text column: trimmed, empty -> NULL (fixed identifiers only)."""
    return f"nullif(trim(\"{column}\"), '')"
