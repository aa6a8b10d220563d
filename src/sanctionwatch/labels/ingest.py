"""Ingest label files (TagPacks, ActorPacks, label CSVs, flattened TagPack Parquet).

Each file is one transaction: its labels, actors, rejects and ingest_log row are all
recorded or none are. Ingest is idempotent: a label already in the store with the same
(chain, address, label, category, source, actor, pack) is counted as a duplicate, not
stored again, so re-reading a file adds nothing. Small files are parsed in Python and
bulk-loaded through Arrow; the 500k-tag Parquet export is handled set-based in DuckDB,
with Python only for what SQL cannot check (checksummed addresses).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sanctionwatch.chain.addresses import address_problem
from sanctionwatch.chain.chains import CHAINS
from sanctionwatch.errors import FormatError
from sanctionwatch.labels.csvlabels import parse_csv_file
from sanctionwatch.labels.query import ensure_label_views
from sanctionwatch.labels.rows import (
    ActorRow,
    LabelRow,
    ParsedFile,
    RejectRow,
    resolve_chain,
    to_date,
)
from sanctionwatch.labels.tagpack import parse_yaml_file
from sanctionwatch.labels.taxonomy import categorize, confidence_level
from sanctionwatch.store.db import Store
from sanctionwatch.store.dictionary import assign_address_ids
from sanctionwatch.store.ingestlog import (
    FileHasher,
    FileResult,
    next_file_id,
    summarize_rejects,
    write_log,
)

YAML_SUFFIXES = (".yaml", ".yml")
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)
PARQUET_FORMAT = "tagpack-parquet"

Progress = Callable[[FileResult], None]

_LABEL_SCHEMA = pa.schema(
    [
        ("chain", pa.string()),
        ("address", pa.string()),
        ("label", pa.string()),
        ("category", pa.string()),
        ("source_category", pa.string()),
        ("abuse", pa.string()),
        ("actor", pa.string()),
        ("confidence", pa.string()),
        ("confidence_level", pa.int32()),
        ("source", pa.string()),
        ("pack", pa.string()),
        ("creator", pa.string()),
        ("lastmod", pa.date32()),
        ("is_cluster_definer", pa.bool_()),
        ("context", pa.string()),
        ("line", pa.int64()),
    ]
)
_LABEL_COLUMNS = tuple(f.name for f in fields(LabelRow))  # same order (checked by a test)

_ACTOR_SCHEMA = pa.schema(
    [(f.name, pa.int64() if f.name == "line" else pa.string()) for f in fields(ActorRow)]
)
_REJECT_SCHEMA = pa.schema([("line", pa.int64()), ("reason", pa.string()), ("raw", pa.string())])

# The natural key of a label: the same key in the store means "already known".
_KEY_MATCH = " AND ".join(
    [f"l.{c} = s.{c}" for c in ("chain", "address", "label", "category")]
    + [f"l.{c} IS NOT DISTINCT FROM s.{c}" for c in ("source", "actor", "pack")]
)
_KEY_COLUMNS = "chain, address, label, category, source, actor, pack"


def ingest_label_files(
    store: Store, paths: Sequence[Path | str], *, progress: Progress | None = None
) -> list[FileResult]:
    """Ingest each label file in its own transaction; return one FileResult per file.

    Every path is checked (exists, known extension) before anything is written, and all
    problems are reported at once. ``progress`` is called after each file.
    """
    resolved = check_label_paths(paths)
    results = []
    for path in resolved:
        result = ingest_label_file(store, path)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def check_label_paths(paths: Iterable[Path | str]) -> list[Path]:
    """The paths as Paths; FormatError listing every missing or unsupported file."""
    resolved = [Path(p) for p in paths]
    problems = []
    known = YAML_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES
    for path in resolved:
        if not path.is_file():
            problems.append(f"{path} is not a file")
        elif path.suffix.lower() not in known:
            problems.append(f"{path} is not a label file (expected .yaml, .yml, .csv or .parquet)")
    if problems:
        raise FormatError("; ".join(problems) + ".")
    return resolved


def read_label_file(path: Path) -> ParsedFile:
    """Parse a YAML (TagPack/ActorPack) or CSV label file without touching the store."""
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return parse_yaml_file(path)
    if suffix in CSV_SUFFIXES:
        return parse_csv_file(path)
    raise FormatError(f"{path} is not a YAML or CSV label file.")


def ingest_label_file(store: Store, path: Path) -> FileResult:
    """Ingest one label file (any supported format) in one transaction."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    hasher = FileHasher(path)
    is_parquet = path.suffix.lower() in PARQUET_SUFFIXES
    parsed = None if is_parquet else read_label_file(path)
    with store.transaction() as con:
        result = FileResult(
            path=str(path),
            format=PARQUET_FORMAT if parsed is None else parsed.format,
            file_id=next_file_id(con),
            sha256="",
        )
        if parsed is None:
            result.rows_read = _stage_parquet(con, path, result.file_id)
        else:
            result.rows_read = parsed.rows_read
            result.notes.extend(parsed.notes)
            _stage_labels(con, parsed.labels)
            _insert_rejects(con, result.file_id, str(path), parsed.rejects)
        staged = _scalar(con, "SELECT count(*) FROM _label_rows")
        new_labels = _insert_labels(con, result.file_id)
        new_actors, dup_actors = _insert_actors(
            con, result.file_id, [] if parsed is None else parsed.actors
        )
        result.rows_new = new_labels + new_actors
        result.rows_duplicate = staged - new_labels + dup_actors
        chains = con.execute("SELECT DISTINCT chain FROM _label_rows").fetchall()
        result.chain = str(chains[0][0]) if len(chains) == 1 else None
        con.execute("DROP TABLE _label_rows")
        summarize_rejects(con, result)
        result.sha256 = hasher.hexdigest()
        result.seconds = time.perf_counter() - clock
        write_log(con, result, started, {"reader": result.format})
        ensure_label_views(con)
    return result


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> int:
    rows = con.execute(sql, params or []).fetchall()
    return int(rows[0][0])


def _arrow(rows: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """Slotted row objects as an Arrow table whose columns are the schema's field names."""
    arrays = [
        pa.array([getattr(row, field.name) for row in rows], type=field.type) for field in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _stage_labels(con: duckdb.DuckDBPyConnection, labels: Sequence[LabelRow]) -> None:
    """Put parsed labels into the temp table ``_label_rows`` (columns of LabelRow)."""
    con.register("_label_arrow", _arrow(labels, _LABEL_SCHEMA))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _label_rows AS SELECT * FROM _label_arrow")
    finally:
        con.unregister("_label_arrow")


def _insert_labels(con: duckdb.DuckDBPyConnection, file_id: int) -> int:
    """Store the staged labels not already known (once each); return how many were new."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _label_new AS
        SELECT * EXCLUDE (_rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY {_KEY_COLUMNS} ORDER BY line) AS _rn
            FROM _label_rows) s
        WHERE s._rn = 1
          AND NOT EXISTS (SELECT 1 FROM labels l WHERE {_KEY_MATCH})
        """
    )
    _store_staged(con, "_label_new", file_id)
    new = _scalar(con, "SELECT count(*) FROM _label_new")
    con.execute("DROP TABLE _label_new")
    return new


def _store_staged(con: duckdb.DuckDBPyConnection, table: str, file_id: int) -> None:
    """Insert the labels of temp ``table`` (columns of LabelRow), their addresses encoded."""
    assign_address_ids(con, table)
    columns = ", ".join(_LABEL_COLUMNS[:-1])
    con.execute(
        f"""
        INSERT INTO labels (address_id, {columns}, file_id, line)
        SELECT a.id, {", ".join("s." + c for c in _LABEL_COLUMNS[:-1])}, ?, s.line
        FROM {table} s JOIN addresses a ON a.chain = s.chain AND a.address = s.address
        """,
        [file_id],
    )


def replace_pack_labels(
    con: duckdb.DuckDBPyConnection, pack: str, labels: Sequence[LabelRow], file_id: int
) -> int:
    """Replace every label of ``pack`` by ``labels`` (all of them carry ``pack``), inside the
    caller's transaction: labels that are a projection of another source (the incident
    catalog), re-derived whole on each load. Returns how many labels the pack had before."""
    replaced = _scalar(con, "SELECT count(*) FROM labels WHERE pack = ?", [pack])
    con.execute("DELETE FROM labels WHERE pack = ?", [pack])
    _stage_labels(con, labels)
    _store_staged(con, "_label_rows", file_id)
    con.execute("DROP TABLE _label_rows")
    return replaced


def _insert_rejects(
    con: duckdb.DuckDBPyConnection, file_id: int, path: str, rejects: Sequence[RejectRow]
) -> None:
    if not rejects:
        return
    con.register("_reject_arrow", _arrow(rejects, _REJECT_SCHEMA))
    try:
        con.execute(
            "INSERT INTO rejects (file_id, path, line, reason, raw) "
            "SELECT ?, ?, line, reason, raw FROM _reject_arrow",
            [file_id, path],
        )
    finally:
        con.unregister("_reject_arrow")


_ACTOR_VALUES = (
    "actor",
    "label",
    "uri",
    "categories",
    "jurisdictions",
    "aliases",
    "context",
    "confidence",
    "source",
)


def _insert_actors(
    con: duckdb.DuckDBPyConnection, file_id: int, actors: Sequence[ActorRow]
) -> tuple[int, int]:
    """Store actors unless an identical actor row is known; return (new, duplicate)."""
    if not actors:
        return 0, 0
    con.register("_actor_arrow", _arrow(actors, _ACTOR_SCHEMA))
    try:
        match = " AND ".join(f"x.{c} IS NOT DISTINCT FROM s.{c}" for c in _ACTOR_VALUES)
        values = ", ".join(_ACTOR_VALUES)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _actor_new AS
            SELECT DISTINCT {values} FROM _actor_arrow s
            WHERE NOT EXISTS (SELECT 1 FROM actors x WHERE {match})
            """
        )
    finally:
        con.unregister("_actor_arrow")
    con.execute(
        f"INSERT INTO actors ({values}, file_id) SELECT {values}, ? FROM _actor_new", [file_id]
    )
    new = _scalar(con, "SELECT count(*) FROM _actor_new")
    con.execute("DROP TABLE _actor_new")
    return new, len(actors) - new


# -- flattened TagPacks in Parquet -----------------------------------------------------------

_PARQUET_REQUIRED = ("address", "label")
_PARQUET_OPTIONAL = (
    "currency",
    "network",
    "category",
    "abuse",
    "actor",
    "confidence",
    "source",
    "lastmod",
    "pack_title",
    "context",
)


def _table(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema, rows: list[Any]) -> None:
    """Create temp table ``name`` from Python tuples (small lookup tables)."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    data = pa.Table.from_arrays(
        [pa.array(list(col), type=f.type) for col, f in zip(columns, schema, strict=True)],
        schema=schema,
    )
    con.register("_lookup_arrow", data)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _lookup_arrow")
    finally:
        con.unregister("_lookup_arrow")


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, file_id: int) -> int:
    """Validate a flattened-TagPack Parquet set-based; stage labels, store rejects.

    Columns: address, label and currency or network are needed; category, abuse, actor,
    confidence, source, lastmod, pack_title, context are used when present (empty strings
    count as missing). The reject "line" is the 1-based row number in the file.
    """
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise FormatError(f"{path} is not a readable Parquet file: {exc}.") from None
    present = {str(row[0]).lower(): str(row[0]) for row in described}
    missing = [c for c in _PARQUET_REQUIRED if c not in present]
    if missing or ("currency" not in present and "network" not in present):
        raise FormatError(
            f"{path} is not a flattened TagPack Parquet (needs columns address, label and "
            f"currency or network; missing {', '.join(missing) or 'currency/network'})."
        )

    def col(name: str) -> str:
        # identifiers come from the file's own schema, quoted; values are never spliced
        if name not in present:
            return f"NULL::VARCHAR AS {name}"
        quoted = '"' + present[name].replace('"', '""') + '"'
        return f"nullif(trim(CAST({quoted} AS VARCHAR)), '') AS {name}"

    selected = ", ".join(col(c) for c in _PARQUET_REQUIRED + _PARQUET_OPTIONAL)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _pq AS
        SELECT file_row_number + 1 AS line, {selected},
               json_merge_patch(to_json(p), '{{"file_row_number": null}}')::VARCHAR AS raw
        FROM read_parquet(?, file_row_number = true) p
        """,
        [str(path)],
    )
    con.execute("ALTER TABLE _pq ADD COLUMN code VARCHAR")
    con.execute("UPDATE _pq SET code = coalesce(network, currency)")
    rows_read = _scalar(con, "SELECT count(*) FROM _pq")
    if rows_read == 0:
        raise FormatError(f"{path} has no tags.")

    # chain per (code, address prefix): resolve_chain only looks at the first 3 characters
    pairs = con.execute(
        "SELECT DISTINCT code, left(address, 3) FROM _pq WHERE code IS NOT NULL "
        "AND address IS NOT NULL"
    ).fetchall()
    chain_rows = []
    for code, prefix in pairs:
        chain, problem = resolve_chain(str(code), str(prefix))
        chain_rows.append((code, prefix, None if chain is None else chain.name, problem))
    _table(
        con,
        "_pq_chain",
        pa.schema(
            [
                ("code", pa.string()),
                ("prefix", pa.string()),
                ("chain", pa.string()),
                ("reason", pa.string()),
            ]
        ),
        chain_rows,
    )

    # addresses: lower-case and all-upper-case EVM in SQL, everything else through Python
    evm = [name for name, c in CHAINS.items() if c.family == "evm"]
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pq_addr AS
        SELECT DISTINCT c.chain, p.address,
               CASE WHEN regexp_full_match(p.address, '0x[0-9a-f]{40}') THEN p.address
                    WHEN regexp_full_match(p.address, '0x[0-9A-F]{40}') THEN lower(p.address)
               END AS canonical,
               NULL::VARCHAR AS reason
        FROM _pq p JOIN _pq_chain c ON c.code = p.code AND c.prefix = left(p.address, 3)
        WHERE c.chain IS NOT NULL AND list_contains(?, c.chain)
        """,
        [evm],
    )
    todo = con.execute(
        """
        SELECT chain, address FROM _pq_addr WHERE canonical IS NULL
        UNION
        SELECT DISTINCT c.chain, p.address
        FROM _pq p JOIN _pq_chain c ON c.code = p.code AND c.prefix = left(p.address, 3)
        WHERE c.chain IS NOT NULL AND NOT list_contains(?, c.chain)
        """,
        [evm],
    ).fetchall()
    checked = []
    for chain_name, address in todo:
        canonical, problem = address_problem(CHAINS[chain_name], address)
        reason = None if problem is None else f"invalid {chain_name} address: {problem}"
        checked.append((chain_name, address, canonical, reason))
    _table(
        con,
        "_pq_checked",
        pa.schema(
            [
                ("chain", pa.string()),
                ("address", pa.string()),
                ("canonical", pa.string()),
                ("reason", pa.string()),
            ]
        ),
        checked,
    )
    con.execute("DELETE FROM _pq_addr WHERE canonical IS NULL")
    con.execute("INSERT INTO _pq_addr SELECT * FROM _pq_checked")

    # categories, confidence levels and dates: few distinct values, mapped by the same
    # Python functions as the YAML reader so both paths agree
    combos = con.execute("SELECT DISTINCT category, abuse FROM _pq").fetchall()
    _table(
        con,
        "_pq_cat",
        pa.schema([("category", pa.string()), ("abuse", pa.string()), ("ours", pa.string())]),
        [(c, a, categorize(c, a)) for c, a in combos],
    )
    confidences = con.execute("SELECT DISTINCT confidence FROM _pq").fetchall()
    _table(
        con,
        "_pq_conf",
        pa.schema([("confidence", pa.string()), ("level", pa.int32())]),
        [(c, confidence_level(c)) for (c,) in confidences],
    )
    dates = con.execute("SELECT DISTINCT lastmod FROM _pq").fetchall()
    _table(
        con,
        "_pq_date",
        pa.schema([("lastmod", pa.string()), ("day", pa.date32()), ("reason", pa.string())]),
        [(d, *to_date(d)) for (d,) in dates],
    )

    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pq_all AS
        SELECT p.*, c.chain, a.canonical, k.ours, f.level, d.day,
               CASE WHEN p.address IS NULL THEN 'tag has no address'
                    WHEN p.label IS NULL THEN 'tag has no label'
                    WHEN p.code IS NULL THEN 'tag has no currency or network'
                    WHEN c.chain IS NULL THEN c.reason
                    WHEN a.canonical IS NULL THEN a.reason
                    ELSE d.reason END AS reason
        FROM _pq p
        LEFT JOIN _pq_chain c ON c.code = p.code AND c.prefix = left(p.address, 3)
        LEFT JOIN _pq_addr a ON a.chain = c.chain AND a.address = p.address
        LEFT JOIN _pq_cat k ON k.category IS NOT DISTINCT FROM p.category
                           AND k.abuse IS NOT DISTINCT FROM p.abuse
        LEFT JOIN _pq_conf f ON f.confidence IS NOT DISTINCT FROM p.confidence
        LEFT JOIN _pq_date d ON d.lastmod IS NOT DISTINCT FROM p.lastmod
        """
    )
    con.execute(
        "INSERT INTO rejects (file_id, path, line, reason, raw) "
        "SELECT ?, ?, line, reason, raw FROM _pq_all WHERE reason IS NOT NULL",
        [file_id, str(path)],
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _label_rows AS
        SELECT chain, canonical AS address, label, ours AS category,
               category AS source_category, abuse, actor, confidence,
               level AS confidence_level, source, pack_title AS pack,
               NULL::VARCHAR AS creator, day AS lastmod, NULL::BOOLEAN AS is_cluster_definer,
               context, line
        FROM _pq_all WHERE reason IS NULL
        """
    )
    for name in (
        "_pq",
        "_pq_chain",
        "_pq_addr",
        "_pq_checked",
        "_pq_cat",
        "_pq_conf",
        "_pq_date",
        "_pq_all",
    ):
        con.execute(f"DROP TABLE {name}")
    return rows_read
