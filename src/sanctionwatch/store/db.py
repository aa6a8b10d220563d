"""Opening the DuckDB store, creating its schema, and small shared queries.

One database file holds everything. Writes go through ``Store.transaction()`` so that a
crash or kill mid-ingest leaves the database as it was before (DuckDB discards an
uncommitted transaction on the next open).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sanctionwatch import __version__
from sanctionwatch.chain.assets import KNOWN_ASSETS
from sanctionwatch.errors import StoreError
from sanctionwatch.settings import Settings, get_settings
from sanctionwatch.store.schema import ADDRESS_KEY, SCHEMA_VERSION, TABLES, VIEWS

# A list parameter is bound value by value (~0.5 us each: 0.15 s for 277k ids); an Arrow
# table registered on the connection is read in place (~0.75 ms whatever its size).
ARROW_MIN = 1000
_NAMES = itertools.count()


@contextmanager
def values_query(
    con: duckdb.DuckDBPyConnection, **columns: npt.ArrayLike | Sequence[str]
) -> Iterator[tuple[str, list[Any]]]:
    """A subquery that yields ``columns`` (equal lengths; ints as BIGINT, else VARCHAR) as
    rows, and its parameters: ``f"... IN ({sql})"`` or ``f"... JOIN ({sql}) w ON ..."``.
    Small inputs are bound as list parameters; from ``ARROW_MIN`` values on, an Arrow table
    is registered on ``con`` for the block (a list of 10^5 values takes 0.05 s to bind). An
    empty column is typed BIGINT."""
    arrays = {name: _column(values) for name, values in columns.items()}
    sizes = {len(a) for a in arrays.values()}
    if len(sizes) > 1:  # unnest would pad the short ones with NULLs
        raise ValueError(f"values_query columns of different lengths: {sorted(sizes)}")
    size = sizes.pop() if sizes else 0
    if size < ARROW_MIN:
        parts = [
            f"unnest(?::{'BIGINT' if pa.types.is_integer(a.type) else 'VARCHAR'}[]) AS {name}"
            for name, a in arrays.items()
        ]
        yield f"SELECT {', '.join(parts)}", [a.to_pylist() for a in arrays.values()]
        return
    table = f"_sanctionwatch_values_{next(_NAMES)}"
    con.register(table, pa.table(arrays))
    try:
        yield f"SELECT {', '.join(arrays)} FROM {table}", []
    finally:
        con.unregister(table)


def sql_literal(value: str) -> str:
    """A SQL string literal (quotes doubled), for the few values a query must embed as
    constants (a view's path, a filter DuckDB can check against its statistics)."""
    return "'" + value.replace("'", "''") + "'"


def _column(values: npt.ArrayLike | Sequence[str]) -> pa.Array:
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return pa.array(values.astype(np.int64, copy=False))
    found = pa.array(values)
    if pa.types.is_integer(found.type) or pa.types.is_null(found.type):
        return found.cast(pa.int64())
    return found.cast(pa.string())


class Store:
    """A connection to the store plus the helpers every part uses."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
        self.con = con
        self.path = path
        self._keyed: bool | None = None  # addresses.address_key exists (see ``keyed``)

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit when the block ends, roll back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- queries used across parts ---------------------------------------------------
    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def next_id(self, table: str, column: str) -> int:
        """The next free integer id of ``table.column`` (fixed identifiers only)."""
        return int(self.scalar(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}"))

    def address_id(self, chain: str, address: str) -> int | None:
        return self.address_ids([(chain, address)]).get((chain, address))

    def address_ids(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Store ids of (chain, address) pairs, those in the store, in one query.

        The candidates are found by their ``address_key`` (a scan of 8 bytes a row), then
        read by rowid and compared by chain and address (a hash may collide). A row
        written without its key (by hand: the ingest always sets it) is a candidate too. A
        store of schema 1 opened read-only has no key: then the addresses' text is scanned
        (one address among 6.7M: 0.2-0.4 s; by the key ~10 ms)."""
        wanted = list(dict.fromkeys(pairs))
        if not wanted:
            return {}
        chains, texts = [c for c, _ in wanted], [a for _, a in wanted]
        with values_query(self.con, chain=chains, address=texts) as (sql, params):
            if self.keyed:
                key = ADDRESS_KEY.format(chain="chain", address="address")
                # ``rowid IN (subquery)``: DuckDB fetches those rows only (a join on the
                # key would read every row's text)
                query = f"""
                    SELECT a.chain, a.address, a.id FROM addresses a
                    WHERE a.rowid IN (
                        SELECT rowid FROM addresses
                        WHERE address_key IN (SELECT {key} FROM ({sql}))
                           OR address_key IS NULL)
                    AND (a.chain, a.address) IN (SELECT (chain, address) FROM ({sql}))
                    """
                params = params * 2
            else:
                query = f"""
                    SELECT a.chain, a.address, a.id
                    FROM addresses a
                    JOIN ({sql}) w ON a.chain = w.chain AND a.address = w.address
                    """
            rows = self.con.execute(query, params).fetchall()
        return {(str(c), str(a)): int(i) for c, a, i in rows}

    @property
    def keyed(self) -> bool:
        """Whether the addresses have their lookup key (schema 2 on; an older store gets it
        when opened for writing)."""
        if self._keyed is None:
            self._keyed = bool(
                self.con.execute(
                    "SELECT count(*) FROM duckdb_columns() WHERE database_name = "
                    "current_database() AND schema_name = 'main' AND table_name = 'addresses' "
                    "AND column_name = 'address_key'"
                ).fetchall()[0][0]
            )
        return self._keyed

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        names = (
            "transfers",
            "utxo_outputs",
            "utxo_inputs",
            "addresses",
            "assets",
            "labels",
            "actors",
            "ingest_log",
            "rejects",
            "tx_memos",
            "blocks",
        )
        return {name: int(self.scalar(f"SELECT count(*) FROM {name}")) for name in names}


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN TRANSACTION")
    for ddl in TABLES:
        con.execute(ddl)
    for ddl in VIEWS:
        con.execute(ddl)
    from sanctionwatch.labels.query import ensure_label_views  # labels build on the store

    ensure_label_views(con)
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    row = rows[0] if rows else None
    if row is None:
        con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?), ('created_by', ?)",
            [str(SCHEMA_VERSION), f"sanctionwatch {__version__}"],
        )
    elif int(row[0]) > SCHEMA_VERSION:
        con.execute("ROLLBACK")
        raise StoreError(
            f"The database was written by a newer sanctionwatch (schema {row[0]} > "
            f"{SCHEMA_VERSION}); upgrade sanctionwatch to open it."
        )
    elif int(row[0]) < SCHEMA_VERSION:
        _migrate(con, int(row[0]))
    if con.execute("SELECT count(*) FROM assets").fetchall() == [(0,)]:
        con.executemany(
            "INSERT INTO assets VALUES (?, ?, ?, ?, ?, ?)",
            [
                [i, a.chain, a.asset, a.kind, a.symbol, a.decimals]
                for i, a in enumerate(KNOWN_ASSETS, start=1)
            ],
        )
    con.execute("COMMIT")


def _migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Bring a store of an older schema to ``SCHEMA_VERSION`` (inside the caller's
    transaction: all or nothing)."""
    if version < 2:  # the addresses' lookup key
        con.execute("ALTER TABLE addresses ADD COLUMN IF NOT EXISTS address_key UBIGINT")
        con.execute(
            "UPDATE addresses SET address_key = "
            + ADDRESS_KEY.format(chain="chain", address="address")
        )
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


def open_store(
    path: Path | str | None = None, *, settings: Settings | None = None, read_only: bool = False
) -> Store:
    """Open (creating if needed) the store at ``path`` (default: settings.db).

    ``path=":memory:"`` gives a throw-away in-memory store (tests).
    """
    settings = settings or get_settings()
    target = Path(path) if path is not None and str(path) != ":memory:" else None
    if path is None:
        target = settings.db
    config: dict[str, Any] = {}
    if settings.threads:
        config["threads"] = settings.threads
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    try:
        if target is None:
            con = duckdb.connect(":memory:", config=config)
        else:
            if read_only and not target.exists():
                raise StoreError(f"No store at {target}; ingest data first or pass --db PATH.")
            target.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(target), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        raise StoreError(f"Cannot open the store {target}: {exc}.") from exc
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB draws a progress bar on stdout for queries over 2 s: it would land inside the
    # JSON, CSV or GraphML a command writes there
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        _ensure_schema(con)
    return Store(con, target)
