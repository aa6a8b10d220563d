"""Canonical transfer tables (CSV or Parquet), and any other table through ``--map``.

Canonical columns: ``chain,tx_hash,position,block_number,block_time,from_address,
to_address,asset,amount[,usd_value]``. ``--map CANONICAL=SOURCE`` names the source column
of a canonical field; unmapped fields are looked up by their canonical name
(case-insensitive). Optional fields and what happens without them:

- ``chain``: ``--chain`` for every row; ``asset``: ``--asset`` (default the native coin);
- ``position``: the row's order within its transaction in this file (0, 1, ...);
- ``tx_hash``: may be left out when ``block_number`` and ``tx_index`` identify the
  transaction; it then reads ``block:<number>:<index>`` (a positional reference);
- ``block_number``, ``usd_value``: NULL.

Amounts are base units unless the column holds decimal points (``--amount-unit auto``),
in which case they are whole units scaled exactly by the asset's decimals.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sanctionwatch.chain.readers.base import (
    ReadOptions,
    Staged,
    TransferReader,
    create_rejects_table,
    create_stage_tables,
    load_csv,
)
from sanctionwatch.errors import FormatError, InputError
from sanctionwatch.store.db import sql_literal

# The canonical transfer table's header (what the scenario's TRON file is written in).
CANONICAL_HEADER = (
    "chain",
    "tx_hash",
    "position",
    "block_number",
    "block_time",
    "from_address",
    "to_address",
    "asset",
    "amount",
)
# Every field --map can name: the header plus the optional ones.
CANONICAL = (*CANONICAL_HEADER, "usd_value", "tx_index")
REQUIRED = ("block_time", "from_address", "to_address", "amount")


def resolve_columns(path: Path, names: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """canonical field -> source column, validated against the file's columns."""
    by_lower = {n.lower(): n for n in names}
    unknown = [k for k in mapping if k not in CANONICAL]
    if unknown:
        raise InputError(
            f"--map names unknown field(s) {', '.join(unknown)}; "
            f"canonical fields are: {', '.join(CANONICAL)}."
        )
    resolved: dict[str, str] = {}
    for field in CANONICAL:
        source = mapping.get(field, field)
        if source.lower() in by_lower:
            resolved[field] = by_lower[source.lower()]
        elif field in mapping:
            raise FormatError(
                f"{path}: --map {field}={source} names a column the file does not have "
                f"(columns: {', '.join(names)})."
            )
    missing = [f for f in REQUIRED if f not in resolved]
    if "tx_hash" not in resolved and not {"block_number", "tx_index"} <= resolved.keys():
        missing.insert(0, "tx_hash")
    if missing:
        raise FormatError(
            f"{path}: no column for {', '.join(missing)}; name it with "
            f"--map FIELD=COLUMN (columns: {', '.join(names)})."
        )
    return resolved


def _parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        rows = con.execute(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(?))", [str(path)]
        ).fetchall()
    except duckdb.Error as exc:
        raise FormatError(f"{path}: not a readable Parquet file ({exc}).") from exc
    return [str(r[0]) for r in rows]


class TableReader(TransferReader):
    format = "table"

    def __init__(self, parquet: bool = False) -> None:
        self.parquet = parquet

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staged:
        create_rejects_table(con)
        create_stage_tables(con)
        con.execute("DROP TABLE _stage_transfers")  # a view here: no copy of the rows
        parquet = self.parquet
        staged = Staged(format="parquet" if parquet else "csv")
        if parquet:
            names = _parquet_columns(con, path)
            cols = resolve_columns(path, names, options.mapping)
            # Parquet keeps its types; the ingest parses per column type (no text detour),
            # and reads the file through a view (no copy).
            con.execute(
                "CREATE OR REPLACE TEMP VIEW _raw AS SELECT file_row_number + 1 AS _line, * "
                f"FROM read_parquet({sql_literal(str(path))}, file_row_number = true)"
            )
        else:
            names = load_csv(con, path)
            cols = resolve_columns(path, names, options.mapping)
        staged.rows_read = int(con.execute("SELECT count(*) FROM _raw").fetchall()[0][0]) + int(
            con.execute("SELECT count(*) FROM _rejects").fetchall()[0][0]
        )

        def col(field: str, default: str = "NULL") -> str:
            if field not in cols:
                return default
            return f'_raw."{cols[field]}"'

        def text(field: str, default: str = "NULL") -> str:
            if field not in cols:
                return default
            return f"nullif(trim(CAST(_raw.\"{cols[field]}\" AS VARCHAR)), '')"

        def raw_text(field: str) -> str:
            # Hot columns skip trim(): the ingest's slow path trims the rare padded value
            # (addresses are judged on their distinct raw strings, hashes when not canonical).
            return f"nullif(CAST(_raw.\"{cols[field]}\" AS VARCHAR), '')"

        if "tx_hash" in cols:
            tx_hash = raw_text("tx_hash")
        else:
            tx_hash = f"'block:' || {text('block_number')} || ':' || {text('tx_index')}"
            staged.notes.append("no tx_hash column: transactions named block:<number>:<index>")
        position = (
            text("position")
            if "position" in cols
            else f"(row_number() OVER (PARTITION BY {tx_hash} ORDER BY _line) - 1)::VARCHAR"
        )
        unit: str = options.amount_unit
        if unit == "auto":
            unit = self._detect_unit(con, cols.get("amount"))
            if unit == "whole":
                staged.notes.append("amounts hold decimal points: read as whole units")
        # A view cannot take bound parameters: these two are quoted literals.
        chain_sql = text("chain", sql_literal(options.chain.name))
        asset_sql = text("asset", sql_literal(options.asset or "native"))
        # Typed Parquet columns are passed through; the ingest adapts to their types.
        block_time = col("block_time")
        block_number = col("block_number")
        amount = col("amount")
        usd_value = col("usd_value")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW _stage_transfers AS
            SELECT _line AS line, {chain_sql} AS chain, {tx_hash} AS tx_hash,
                   'transfer' AS kind, {position} AS position,
                   {block_number} AS block_number, {block_time} AS block_time,
                   {raw_text("from_address")} AS from_address,
                   {raw_text("to_address")} AS to_address,
                   {asset_sql} AS asset, {amount} AS amount, {usd_value} AS usd_value,
                   CAST(NULL AS BOOLEAN) AS success, '{unit}' AS amount_unit
            FROM _raw
            """
        )
        staged.transfers = True
        return staged

    @staticmethod
    def _detect_unit(con: duckdb.DuckDBPyConnection, column: str | None) -> str:
        if column is None:
            return "base"
        kind = con.execute(
            "SELECT column_type FROM (DESCRIBE _raw) WHERE column_name = ?", [column]
        ).fetchall()
        data_type = str(kind[0][0]) if kind else "VARCHAR"
        if data_type.startswith(("DOUBLE", "FLOAT", "REAL")) or (
            data_type.startswith("DECIMAL") and not data_type.endswith(",0)")
        ):
            return "whole"
        if data_type != "VARCHAR":
            return "base"
        dotted = con.execute(
            f"SELECT count(*) FROM _raw WHERE CAST(\"{column}\" AS VARCHAR) LIKE '%.%'"
        ).fetchall()[0][0]
        return "whole" if dotted else "base"
