"""Ingest of transfer files: stage -> validate -> encode -> store, one transaction per file.

The same steps serve every reader:

1. the reader stages text rows (``_stage_transfers``, ``_stage_outputs``, ...);
2. every distinct address is validated once per chain (EVM lower/upper case in SQL, the
   rest in Python on the distinct values only), every number and time is parsed in SQL;
3. a line with any problem is rejected as a whole, with the first reason and its raw text;
4. rows already in the store (same chain, tx_hash, kind, position) or repeated in the
   file are duplicates and are not inserted again (re-ingest adds nothing);
5. new addresses get integer ids, transfers are inserted sorted by (from_id, block_time),
   then line (``schema.STORED_ORDER``);
6. the ingest log records the file's sha256 and its counts.

Everything for one file happens inside one DuckDB transaction: a crash or kill leaves
the store as it was before the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from sanctionwatch.chain.addresses import address_problem
from sanctionwatch.chain.chains import ALIASES, CHAINS, get_chain
from sanctionwatch.chain.readers import READERS, ReadOptions, Staged
from sanctionwatch.chain.readers.base import create_utxo_stage_tables, open_text_bytes
from sanctionwatch.chain.sqlparse import amount_problem_sql, amount_sql, int_sql, time_sql
from sanctionwatch.errors import FormatError, InputError
from sanctionwatch.store.db import Store
from sanctionwatch.store.dictionary import assign_address_ids
from sanctionwatch.store.ingestlog import (
    FileHasher,
    FileResult,
    next_file_id,
    summarize_rejects,
    write_log,
)
from sanctionwatch.store.schema import stored_order

Progress = Callable[[str], None]


def ingest_transfer_files(
    store: Store,
    paths: Iterable[Path],
    fmt: str,
    options: ReadOptions,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Ingest each file in its own transaction; return one result per file."""
    return [ingest_transfer_file(store, p, fmt, options, progress) for p in paths]


def ingest_transfer_file(
    store: Store,
    path: Path,
    fmt: str,
    options: ReadOptions,
    progress: Progress | None = None,
    *,
    source_name: str | None = None,
    notes: list[str] | None = None,
) -> FileResult:
    """Ingest one file atomically. ``source_name`` replaces the path in the log and rejects
    (e.g. ``rpc:URL#blocks=A:B`` for data fetched from a node into a temporary file)."""
    if fmt not in READERS:
        raise InputError(f"Unknown format {fmt!r}; use one of: {', '.join(READERS)}.")
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    hasher = FileHasher(path)
    reader = READERS[fmt]()
    step = progress or (lambda _msg: None)
    con = store.con
    with store.transaction():
        file_id = next_file_id(con)
        step(f"{path.name}: reading")
        try:
            staged = reader.stage(con, path, options)
        except duckdb.Error as exc:
            raise FormatError(f"{path}: cannot be read as {fmt} ({_first(exc)}).") from exc
        result = FileResult(
            path=source_name or str(path),
            format=staged.format,
            file_id=file_id,
            sha256="",
            chain=options.chain.name,
        )
        result.rows_read = staged.rows_read
        result.skipped_reasons = dict(staged.skipped)
        result.notes.extend(notes or [])
        result.notes.extend(staged.notes)
        step(f"{path.name}: validating {staged.rows_read:,} rows")
        try:
            _Pipeline(con, path, file_id, options, staged, result).run(step)
        except duckdb.Error as exc:
            # e.g. a Parquet column of a type no canonical field can take
            raise FormatError(
                f"{path}: cannot be ingested as {fmt} ({_first(exc)}); nothing was stored."
            ) from exc
        result.sha256 = hasher.hexdigest()
        summarize_rejects(con, result)  # before the log, which records rows_rejected
        write_log(con, result, started, options.to_dict())
    result.seconds = time.perf_counter() - clock
    return result


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class _Pipeline:
    """The validation and insert steps for one staged file (inside its transaction)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        file_id: int,
        options: ReadOptions,
        staged: Staged,
        result: FileResult,
    ) -> None:
        self.con = con
        self.path = path
        self.file_id = file_id
        self.options = options
        self.staged = staged
        self.result = result

    def q(
        self, sql: str, params: list[object] | dict[str, object] | None = None
    ) -> list[tuple[object, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def run(self, step: Progress) -> None:
        self._chain_table()
        if not self.staged.utxo:
            self._empty_utxo_stage()
        self._validate_addresses()
        self._resolve_assets()
        self._type_transfers()
        self._type_utxo()
        self._type_blocks()
        self._collect_rejects()
        step(f"{self.path.name}: storing")
        self._insert_blocks()
        self._insert_transfers()
        self._insert_utxo()
        self._insert_memos()
        self._count_lines()
        self._cleanup()

    def _cleanup(self) -> None:
        """Drop this file's temp tables and views (the transaction keeps only results)."""
        for name, kind in self.q(
            "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
            "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary"
        ):
            if str(name).startswith("_"):
                self.con.execute(f'DROP {kind} IF EXISTS "{name}"')

    # -- reference tables ----------------------------------------------------------------
    def _chain_table(self) -> None:
        rows = [(c.name, c.name, c.family) for c in CHAINS.values()]
        # an alias that is also a chain's name ("bsc") would join every row twice
        rows += [
            (alias, CHAINS[name].name, CHAINS[name].family)
            for alias, name in ALIASES.items()
            if alias not in CHAINS
        ]
        self.con.register(
            "_chain_rows",
            pa.table(
                {
                    "name": [r[0] for r in rows],
                    "chain": [r[1] for r in rows],
                    "family": [r[2] for r in rows],
                }
            ),
        )
        self.con.execute("CREATE OR REPLACE TEMP TABLE _chains AS SELECT * FROM _chain_rows")
        self.con.unregister("_chain_rows")

    def _empty_utxo_stage(self) -> None:
        create_utxo_stage_tables(self.con)

    # -- addresses -----------------------------------------------------------------------
    def _validate_addresses(self) -> None:
        """``_addr(chain, raw, address, problem)`` for every distinct address in the file."""
        # EVM addresses in lower or upper case are judged here in SQL, everything else
        # (mixed case, base58, bech32) in Python below, once per distinct string.
        chains = self.q(
            "SELECT DISTINCT chain FROM (SELECT chain FROM _stage_transfers "
            "UNION ALL SELECT chain FROM _stage_outputs UNION ALL SELECT chain FROM _stage_inputs)"
        )
        if len(chains) == 1:
            # One chain (the common case): distinct strings alone, no chain column to hash.
            chain_of = "?::VARCHAR AS chain"
            params: list[object] = [chains[0][0]]
            raw_sql = """
                SELECT from_address AS raw FROM _stage_transfers
                UNION SELECT to_address FROM _stage_transfers
                UNION SELECT asset FROM _stage_transfers
                      WHERE asset LIKE '0x%' OR asset LIKE 'T%' OR asset LIKE '41%'
                UNION SELECT address FROM _stage_outputs
                UNION SELECT address FROM _stage_inputs
            """
        else:
            chain_of, params = "chain", []
            raw_sql = """
                SELECT chain, from_address AS raw FROM _stage_transfers
                UNION SELECT chain, to_address FROM _stage_transfers
                UNION SELECT chain, asset FROM _stage_transfers
                      WHERE asset LIKE '0x%' OR asset LIKE 'T%' OR asset LIKE '41%'
                UNION SELECT chain, address FROM _stage_outputs
                UNION SELECT chain, address FROM _stage_inputs
            """
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _addr AS
            WITH raw AS (SELECT {chain_of}, raw FROM ({raw_sql}) WHERE raw IS NOT NULL)
            SELECT DISTINCT c.chain, c.family, raw.raw,  -- 'eth' and 'ETHEREUM' rows: one
                   CASE WHEN c.family = 'evm' AND regexp_full_match(raw.raw, '0x[0-9a-f]{{40}}')
                          THEN raw.raw
                        WHEN c.family = 'evm' AND regexp_full_match(raw.raw, '0x[0-9A-F]{{40}}')
                          THEN lower(raw.raw)
                   END AS address,
                   CAST(NULL AS VARCHAR) AS problem
            FROM raw JOIN _chains c ON c.name = lower(trim(raw.chain))
            """,
            params,
        )
        if self.q("SELECT count(*) FROM _addr WHERE family <> 'evm'")[0][0]:
            # Base58/bech32 addresses already in the dictionary were validated before.
            self.con.execute(
                """
                UPDATE _addr SET address = _addr.raw FROM addresses d
                WHERE _addr.family <> 'evm' AND d.chain = _addr.chain AND d.address = _addr.raw
                """
            )
        pending = self.q("SELECT chain, raw FROM _addr WHERE address IS NULL")
        if pending:
            self._check_in_python(pending)
        # Every valid address of the file gets its id now, so that the big tables are
        # joined once, on the distinct raw strings, and carry integer ids from here on.
        self.con.execute(
            "CREATE OR REPLACE TEMP VIEW _addr_valid AS "
            "SELECT chain, address FROM _addr WHERE address IS NOT NULL"
        )
        self.result.table_rows["addresses"] = assign_address_ids(self.con, "_addr_valid")
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _addr AS
            SELECT a.*, d.id FROM _addr a
            LEFT JOIN addresses d ON d.chain = a.chain AND d.address = a.address
            """
        )

    def _check_in_python(self, pending: list[tuple[object, ...]]) -> None:
        """Checksums (EIP-55, base58check, bech32) of the distinct addresses SQL cannot judge."""
        chains, raws, addresses, problems = [], [], [], []
        for chain_name, raw in pending:
            canonical, problem = address_problem(get_chain(str(chain_name)), str(raw))
            chains.append(chain_name)
            raws.append(raw)
            addresses.append(canonical)
            problems.append(problem)
        self.con.register(
            "_addr_checked_rows",
            pa.table(
                {
                    "chain": pa.array(chains, pa.string()),
                    "raw": pa.array(raws, pa.string()),
                    "address": pa.array(addresses, pa.string()),
                    "problem": pa.array(problems, pa.string()),
                }
            ),
        )
        self.con.execute(
            """
            UPDATE _addr SET address = c.address, problem = c.problem
            FROM _addr_checked_rows c WHERE _addr.chain = c.chain AND _addr.raw = c.raw
            """
        )
        self.con.unregister("_addr_checked_rows")

    # -- assets --------------------------------------------------------------------------
    def _resolve_assets(self) -> None:
        """``_asset(chain, raw, asset, asset_id, kind, symbol, decimals, problem)``."""
        raw_assets = self.q(
            """
            SELECT DISTINCT c.chain, s.asset FROM _stage_transfers s
            JOIN _chains c ON c.name = lower(trim(s.chain))
            ORDER BY 1, 2 NULLS FIRST  -- new tokens get their ids in this order
            """
        )
        known = self.q("SELECT id, chain, asset, kind, symbol, decimals FROM assets")
        by_key = {(str(r[1]), str(r[2])): r for r in known}
        by_symbol: dict[tuple[str, str], tuple[object, ...]] = {}
        for r in known:
            if r[4] is not None:
                by_symbol.setdefault((str(r[1]), str(r[4]).upper()), r)
        rows: list[tuple[object, ...]] = []
        for chain_name, raw_value in raw_assets:
            chain = get_chain(str(chain_name))
            raw = "native" if raw_value is None else str(raw_value).strip()
            asset: str | None = None
            problem: str | None = None
            kind = "token"
            if raw.lower() in ("native", "", chain.native_symbol.lower()):
                asset, kind = "native", "native"
            elif address_problem(chain, raw)[0] is not None:
                asset = address_problem(chain, raw)[0]
            elif (chain.name, raw.upper()) in by_symbol:
                symbol_hit = by_symbol[(chain.name, raw.upper())]
                asset, kind = str(symbol_hit[2]), str(symbol_hit[3])
            elif raw.startswith(("0x", "T")) and chain.family != "bitcoin":
                problem = f"asset {raw!r} is not a valid {chain.name} token contract address"
            else:
                problem = (
                    f"unknown asset {raw!r} on {chain.name}: give a token contract "
                    "address or a known symbol"
                )
            hit = by_key.get((chain.name, asset)) if asset else None
            given = {k.strip().lower(): v for k, v in self.options.decimals.items()}
            decimals = given.get(raw.lower(), given.get((asset or "").lower()))
            if decimals is None and hit is not None and hit[5] is not None:
                decimals = int(str(hit[5]))
            asset_id = None if hit is None else hit[0]
            if asset is not None and hit is None:
                # A token contract the store does not know yet: symbol/decimals unknown.
                asset_id = self.q("SELECT coalesce(max(id), 0) + 1 FROM assets")[0][0]
                # (--decimals given for it are kept, so later files need not repeat them).
                self.con.execute(
                    "INSERT INTO assets VALUES (?, ?, ?, 'token', NULL, ?)",
                    [asset_id, chain.name, asset, decimals],
                )
                by_key[(chain.name, asset)] = (asset_id, chain.name, asset, "token", None, decimals)
            rows.append(
                (
                    chain.name,
                    raw_value,
                    asset,
                    asset_id,
                    kind,
                    None if hit is None else hit[4],
                    decimals,
                    problem,
                )
            )
        cols = ["chain", "raw", "asset", "asset_id", "kind", "symbol", "decimals", "problem"]
        types = [
            pa.string(),
            pa.string(),
            pa.string(),
            pa.int32(),
            pa.string(),
            pa.string(),
            pa.int32(),
            pa.string(),
        ]
        self.con.register(
            "_asset_rows",
            pa.table(
                {
                    c: pa.array([r[i] for r in rows], t)
                    for i, (c, t) in enumerate(zip(cols, types, strict=True))
                }
            ),
        )
        self.con.execute("CREATE OR REPLACE TEMP TABLE _asset AS SELECT * FROM _asset_rows")
        self.con.unregister("_asset_rows")

    # -- typed rows ----------------------------------------------------------------------
    def _types(self, table: str) -> dict[str, str]:
        return {str(r[0]): str(r[1]) for r in self.q(f"DESCRIBE {table}")}

    def _type_transfers(self) -> None:
        t = self._types("_stage_transfers")
        unit = (
            self.con.execute("SELECT any_value(amount_unit) FROM _stage_transfers").fetchall()[0][0]
            or "base"
        )
        dec = "a.decimals"
        amount = amount_sql("s.amount", t["amount"], str(unit), dec)
        # The problem text is only computed for rows that have one (inside the final CASE).
        amount_problem = amount_problem_sql("_amount_raw", t["amount"], str(unit), "_decimals")
        block_time = time_sql("s.block_time", t["block_time"])
        block_number = int_sql("s.block_number", t["block_number"])
        usd = "TRY_CAST(s.usd_value AS DECIMAL(38, 6))"
        missing_times = self.q("SELECT count(*) FROM _stage_transfers WHERE block_time IS NULL")[0][
            0
        ]
        # Rows without a time take their block's time (blocks in the store or in this file);
        # the joins are only paid for when such rows exist.
        filled_sql = (
            """
                SELECT base.* REPLACE (coalesce(base.block_time, b.block_time, sb.block_time)
                                       AS block_time)
                FROM base
                LEFT JOIN blocks b ON b.chain = base.chain AND b.number = base.block_number
                LEFT JOIN (SELECT chain, TRY_CAST(number AS BIGINT) AS number,
                                  arg_min(make_timestamp(TRY_CAST(block_time AS BIGINT)
                                                         * 1000000), line) AS block_time
                           FROM _stage_blocks GROUP BY ALL) sb
                     ON sb.chain = base.chain AND sb.number = base.block_number
            """
            if missing_times
            else "SELECT * FROM base"
        )
        # Hashes that are not already canonical (padded, upper-case, TRON with 0x).
        slow_hash = (
            "(CASE WHEN family = 'tron' THEN regexp_replace(lower(trim(_hash_raw)), '^0x', '') "
            "ELSE lower(trim(_hash_raw)) END)"
        )
        # Most files hold one chain: then the address joins need not compare chain names.
        single_chain = self.q("SELECT count(DISTINCT chain) FROM _addr")[0][0] == 1
        on_chain = "" if single_chain else "{side}.chain = c.chain AND "
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _typed AS
            WITH base AS (
                SELECT s.line, c.chain, c.family, s.kind, coalesce(s.position, '') AS position,
                       -- one regex per row on the common path (already canonical)
                       -- (constant patterns: a per-row pattern would be compiled per row)
                       coalesce(CASE WHEN c.family = 'evm'
                                     THEN regexp_full_match(s.tx_hash, '0x[0-9a-f]{{64}}')
                                     ELSE regexp_full_match(s.tx_hash, '[0-9a-f]{{64}}') END,
                                false) AS _hash_ok,
                       s.tx_hash AS _hash_raw,
                       {block_number} AS block_number, {block_time} AS block_time,
                       s.block_number AS _block_number_text,
                       s.from_address AS _from_raw, s.to_address AS _to_raw,
                       fa.id AS from_id, fa.problem AS _from_problem,
                       ta.id AS to_id, ta.problem AS _to_problem,
                       a.asset, a.asset_id, a.problem AS _asset_problem,
                       {amount} AS amount, s.amount AS _amount_raw, a.decimals AS _decimals,
                       {usd} AS usd_value, s.usd_value AS _usd_text, s.success, s.chain AS _chain
                FROM _stage_transfers s
                LEFT JOIN _chains c ON c.name = lower(trim(s.chain))
                LEFT JOIN _addr fa ON {on_chain.format(side="fa")} fa.raw = s.from_address
                LEFT JOIN _addr ta ON {on_chain.format(side="ta")} ta.raw = s.to_address
                LEFT JOIN _asset a ON a.chain = c.chain
                     AND a.raw IS NOT DISTINCT FROM s.asset
            ),
            filled AS ({filled_sql})
            SELECT line, chain,
                   _hash_raw AS tx_hash, _hash_ok, family,
                   kind, position, block_number, block_time,
                   from_id, to_id, asset, asset_id, amount, usd_value, success,
                   -- all checks as one vectorized AND; the reason text only for failures
                   CASE WHEN chain IS NOT NULL AND _hash_ok AND block_time IS NOT NULL
                             AND (_block_number_text IS NULL OR block_number IS NOT NULL)
                             AND (_from_raw IS NOT NULL OR kind IN ('withdrawal', 'output'))
                             AND _from_problem IS NULL
                             AND (_to_raw IS NOT NULL OR kind = 'tx') AND _to_problem IS NULL
                             AND _asset_problem IS NULL AND amount IS NOT NULL AND amount >= 0
                             AND (_usd_text IS NULL OR usd_value IS NOT NULL)
                        THEN NULL ELSE CASE
                     WHEN chain IS NULL THEN 'unknown chain ' || coalesce(_chain, '(empty)')
                     WHEN NOT _hash_ok AND {slow_hash} IS NULL
                       THEN 'transaction hash is missing'
                     WHEN NOT _hash_ok AND {slow_hash} LIKE 'block:%'
                          AND NOT regexp_full_match({slow_hash}, 'block:[0-9]+:[0-9]+')
                       THEN 'block number or transaction index is not an integer'
                     WHEN NOT _hash_ok AND {slow_hash} NOT LIKE 'block:%' AND (
                          (family = 'evm'
                           AND NOT regexp_full_match({slow_hash}, '0x[0-9a-f]{{64}}'))
                          OR (family <> 'evm'
                              AND NOT regexp_full_match({slow_hash}, '[0-9a-f]{{64}}')))
                       THEN CASE family WHEN 'evm'
                         THEN 'transaction hash is not 0x followed by 64 hex digits'
                         ELSE 'transaction id is not 64 hex digits' END
                     WHEN _block_number_text IS NOT NULL AND block_number IS NULL
                       THEN 'block number is not a non-negative integer'
                     WHEN block_time IS NULL
                       THEN 'block time is missing or unreadable (unix seconds or ISO 8601), '
                            || 'and the block is not in the store'
                     WHEN _from_raw IS NULL AND kind NOT IN ('withdrawal', 'output')
                       THEN 'from_address is missing'
                     WHEN _from_problem IS NOT NULL THEN 'from_address: ' || _from_problem
                     WHEN _to_raw IS NULL AND kind <> 'tx' THEN 'to_address is missing'
                     WHEN _to_problem IS NOT NULL THEN 'to_address: ' || _to_problem
                     WHEN _asset_problem IS NOT NULL THEN _asset_problem
                     WHEN amount IS NULL THEN {amount_problem}
                     WHEN amount < 0 THEN 'amount is negative'
                     WHEN _usd_text IS NOT NULL AND usd_value IS NULL
                       THEN 'usd_value is not a decimal number'
                   END END AS reason
            FROM filled
            """
        )
        # Canonical hashes were taken as they are; the rare others are normalized here.
        if self.q("SELECT count(*) FROM _typed WHERE NOT _hash_ok")[0][0]:
            self.con.execute(
                f"UPDATE _typed SET tx_hash = {slow_hash.replace('_hash_raw', 'tx_hash')} "
                "WHERE NOT _hash_ok"
            )

    def _type_utxo(self) -> None:
        if not self.staged.utxo:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE _typed_outputs AS SELECT * FROM "
                "(SELECT 1 AS line, '' AS reason) WHERE false"
            )
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE _typed_inputs AS SELECT * FROM _typed_outputs"
            )
            return
        time_o = time_sql("o.block_time", "VARCHAR")
        for kind, table, index_col in (
            ("outputs", "_stage_outputs", "vout"),
            ("inputs", "_stage_inputs", "vin"),
        ):
            extra = (
                "o.script_type, o.is_coinbase"
                if kind == "outputs"
                else "lower(o.prev_txid) AS prev_txid, "
                "TRY_CAST(o.prev_vout AS INTEGER) AS prev_vout"
            )
            extra_reason = (
                ""
                if kind == "outputs"
                else "WHEN NOT regexp_full_match(coalesce(lower(o.prev_txid), ''), '[0-9a-f]{64}') "
                "OR TRY_CAST(o.prev_vout AS INTEGER) IS NULL "
                "THEN 'an input does not name the output it spends' "
            )
            value_rule = (
                "WHEN o.value IS NULL THEN NULL "
                if kind == "inputs"
                else "WHEN o.value IS NULL THEN 'an output has no value' "
            )
            self.con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _typed_{kind} AS
                SELECT o.line, c.chain, lower(o.txid) AS txid,
                       TRY_CAST(o.{index_col} AS INTEGER) AS {index_col},
                       a.id AS address_id, TRY_CAST(o.value AS HUGEINT) AS value,
                       TRY_CAST(o.block_number AS BIGINT) AS block_number,
                       {time_o} AS block_time, {extra},
                       CASE
                         WHEN NOT regexp_full_match(coalesce(lower(o.txid), ''), '[0-9a-f]{{64}}')
                           THEN 'txid is not 64 hex digits'
                         WHEN TRY_CAST(o.{index_col} AS INTEGER) IS NULL
                           THEN '{kind[:-1]} index is not an integer'
                         {extra_reason}
                         WHEN a.problem IS NOT NULL
                           THEN '{kind[:-1]} address ' || o.address || ': ' || a.problem
                         {value_rule}
                         WHEN TRY_CAST(o.value AS HUGEINT) IS NULL
                              OR TRY_CAST(o.value AS HUGEINT) < 0
                           THEN 'a {kind[:-1]} value is not a non-negative integer (satoshi)'
                         WHEN {time_o} IS NULL THEN 'block_timestamp is unreadable'
                       END AS reason
                FROM {table} o
                JOIN _chains c ON c.name = o.chain
                LEFT JOIN _addr a ON a.chain = c.chain AND a.raw = o.address
                """
            )

    def _type_blocks(self) -> None:
        time_b = time_sql("block_time", "VARCHAR")
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _typed_blocks AS
            SELECT line, chain, TRY_CAST(number AS BIGINT) AS number, lower(hash) AS hash,
                   {time_b} AS block_time,
                   CASE WHEN TRY_CAST(number AS BIGINT) IS NULL
                          THEN 'block number is not an integer'
                        WHEN {time_b} IS NULL THEN 'block timestamp is unreadable' END AS reason
            FROM _stage_blocks
            """
        )

    # -- rejects -------------------------------------------------------------------------
    def _collect_rejects(self) -> None:
        """One reject per bad line (first reason); staged rows of bad lines are dropped."""
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _bad AS
            SELECT line, arg_min(reason, (ord, reason)) AS reason FROM (  -- a fixed one of a tie
                SELECT line, reason, 1 AS ord FROM _typed WHERE reason IS NOT NULL
                UNION ALL SELECT line, reason, 2 FROM _typed_outputs WHERE reason IS NOT NULL
                UNION ALL SELECT line, reason, 3 FROM _typed_inputs WHERE reason IS NOT NULL
                UNION ALL SELECT line, reason, 4 FROM _typed_blocks WHERE reason IS NOT NULL
            ) GROUP BY line
            """
        )
        # Reader rejects are re-read too: DuckDB's CSV reader mangles the text of lines with
        # bad UTF-8 (bytes and the following delimiter become '??').
        bad_lines = [
            int(str(r[0]))
            for r in self.q(
                "SELECT line FROM _bad UNION SELECT line FROM _rejects WHERE line IS NOT NULL"
            )
        ]
        if not bad_lines:
            raw_text: dict[int, str] = {}
        elif self.staged.format == "parquet":
            raw_text = self._parquet_rows(bad_lines)
        else:
            raw_text = self._raw_lines(set(bad_lines))
        if raw_text:
            self.con.register(
                "_raw_text_rows",
                pa.table(
                    {
                        "line": pa.array(list(raw_text), pa.int64()),
                        "raw": pa.array(list(raw_text.values()), pa.string()),
                    }
                ),
            )
        else:
            self.con.execute(
                "CREATE OR REPLACE TEMP VIEW _raw_text_rows AS "
                "SELECT CAST(NULL AS BIGINT) AS line, CAST(NULL AS VARCHAR) AS raw WHERE false"
            )
        self.con.execute(
            """
            INSERT INTO rejects
            SELECT ?, ?, line, reason, raw FROM (
                SELECT b.line, b.reason, r.raw FROM _bad b
                LEFT JOIN _raw_text_rows r USING (line)
                UNION ALL SELECT j.line, j.reason, coalesce(r.raw, j.raw) FROM _rejects j
                LEFT JOIN _raw_text_rows r USING (line)
            ) ORDER BY line
            """,
            [self.file_id, self.result.path],
        )
        if raw_text:
            self.con.unregister("_raw_text_rows")
        else:
            self.con.execute("DROP VIEW _raw_text_rows")
        for table in ("_typed", "_typed_outputs", "_typed_inputs", "_typed_blocks"):
            self.con.execute(f"DELETE FROM {table} WHERE line IN (SELECT line FROM _bad)")

    def _parquet_rows(self, rows: list[int]) -> dict[int, str]:
        """Rejected Parquet rows as one-line JSON (a binary file has no text lines)."""
        found = self.q(
            "SELECT _line, CAST(to_json(r) AS VARCHAR) FROM "
            "(SELECT * EXCLUDE (file_row_number) FROM _raw) r "
            "WHERE _line IN (SELECT unnest(?::BIGINT[]))",
            [rows],
        )
        return {int(str(line)): str(text) for line, text in found}

    def _raw_lines(self, lines: set[int]) -> dict[int, str]:
        """The exact text of the given physical lines (one extra pass, only on rejects)."""
        found: dict[int, str] = {}
        last = max(lines)
        try:
            with open_text_bytes(self.path) as fh:
                for number, raw in enumerate(fh, start=1):
                    if number in lines:
                        found[number] = raw.decode("utf-8", "replace").rstrip("\r\n")
                    if number >= last:
                        break
        except (OSError, EOFError):
            pass  # the raw text is a courtesy; the reason and line are already recorded
        return found

    # -- inserts -------------------------------------------------------------------------
    def _insert_blocks(self) -> None:
        n = self.q(
            """
            INSERT INTO blocks
            SELECT DISTINCT ON (chain, number) chain, number, hash, block_time, ?
            FROM _typed_blocks b
            WHERE NOT EXISTS (SELECT 1 FROM blocks x WHERE x.chain = b.chain
                              AND x.number = b.number)
            ORDER BY chain, number, line
            """,
            [self.file_id],
        )
        self.result.table_rows["blocks"] = int(str(n[0][0])) if n else 0

    def _insert_transfers(self) -> None:
        """One pass: first row of each key in the file, not yet in the store, sorted."""
        lo, hi = self.q("SELECT min(block_time), max(block_time) FROM _typed")[0]
        overlap = self.q(
            "SELECT count(*) FROM transfers WHERE block_time BETWEEN ? AND ? "
            "AND chain IN (SELECT DISTINCT chain FROM _typed)",
            [lo, hi],
        )[0][0]
        # The anti-join only runs when the store holds rows of the same chains and period.
        not_stored = (
            """AND NOT EXISTS (
                SELECT 1 FROM transfers t
                WHERE t.block_time BETWEEN $lo AND $hi
                  AND t.chain = g.chain AND t.tx_hash = g.tx_hash AND t.kind = g.kind
                  AND t.position = g.position)"""
            if overlap
            else ""
        )
        # Keys repeated inside the file: the exact (costly) window runs only if a cheap
        # count of distinct key hashes says there may be repeats (hash collisions can only
        # lower the distinct count, never hide a repeat).
        rows, distinct, lines = self.q(
            "SELECT count(*), count(DISTINCT hash(chain, tx_hash, kind, position)), "
            "count(DISTINCT line) FROM _typed"
        )[0]
        self.repeats_in_file = rows != distinct
        # (the count of lines costs ~0.05 s per million rows, the sort it spares ~0.13 s)
        order = stored_order("transfers", within_file=True, one_row_per_line=lines == rows)
        first_of_key = (
            """QUALIFY row_number() OVER (PARTITION BY chain, tx_hash, kind, position
                                          ORDER BY line) = 1"""
            if self.repeats_in_file
            else ""
        )
        n = self.q(
            f"""
            INSERT INTO transfers
            SELECT chain, tx_hash, kind, position, block_number, block_time, from_id, to_id,
                   asset_id, amount, usd_value, success, $file_id, line
            FROM _typed g
            WHERE true {not_stored}
            {first_of_key}
            ORDER BY {order}
            """,
            {"file_id": self.file_id, "lo": lo, "hi": hi} if overlap else {"file_id": self.file_id},
        )
        self.result.table_rows["transfers"] = int(str(n[0][0])) if n else 0

    def _insert_utxo(self) -> None:
        if not self.staged.utxo:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE _new_utxo_lines AS SELECT 1 AS line WHERE false"
            )
            return
        n_out = self.q(
            f"""
            INSERT INTO utxo_outputs
            SELECT o.chain, o.txid, o.vout, o.address_id, o.value, o.script_type, o.block_number,
                   o.block_time, o.is_coinbase, ?, o.line
            FROM (SELECT * FROM _typed_outputs
                  QUALIFY row_number() OVER (PARTITION BY chain, txid, vout ORDER BY line) = 1
                 ) o
            WHERE NOT EXISTS (SELECT 1 FROM utxo_outputs x WHERE x.chain = o.chain
                              AND x.txid = o.txid AND x.vout = o.vout)
            ORDER BY {stored_order("utxo_outputs", within_file=True)}
            RETURNING line
            """,
            [self.file_id],
        )
        n_in = self.q(
            f"""
            INSERT INTO utxo_inputs
            SELECT i.chain, i.txid, i.vin, i.prev_txid, i.prev_vout, i.address_id, i.value,
                   i.block_number, i.block_time, ?, i.line
            FROM (SELECT * FROM _typed_inputs
                  QUALIFY row_number() OVER (PARTITION BY chain, txid, vin ORDER BY line) = 1
                 ) i
            WHERE NOT EXISTS (SELECT 1 FROM utxo_inputs x WHERE x.chain = i.chain
                              AND x.txid = i.txid AND x.vin = i.vin)
            ORDER BY {stored_order("utxo_inputs", within_file=True)}
            RETURNING line
            """,
            [self.file_id],
        )
        self.result.table_rows["utxo_outputs"] = len(n_out)
        self.result.table_rows["utxo_inputs"] = len(n_in)
        lines = sorted({int(str(r[0])) for r in n_out} | {int(str(r[0])) for r in n_in})
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE _new_utxo_lines AS SELECT unnest(?::BIGINT[]) AS line",
            [lines],
        )

    def _insert_memos(self) -> None:
        n = self.q(
            """
            INSERT INTO tx_memos
            SELECT DISTINCT s.chain, s.tx_hash, s.memo, ?
            FROM (
                SELECT c.chain, CASE WHEN c.family = 'tron'
                       THEN regexp_replace(lower(m.tx_hash), '^0x', '')
                       ELSE lower(m.tx_hash) END AS tx_hash,
                       m.memo
                FROM _stage_memos m JOIN _chains c ON c.name = m.chain
                WHERE m.memo IS NOT NULL
            ) s
            -- compared as stored: a TRON hash written with 0x is stored without it
            WHERE NOT EXISTS (
                SELECT 1 FROM tx_memos x WHERE x.chain = s.chain
                AND x.tx_hash = s.tx_hash AND x.memo = s.memo)
            -- a fixed order (a DISTINCT returns none): the tracer pairs memos in rowid order
            ORDER BY 1, 2, 3
            """,
            [self.file_id],
        )
        self.result.table_rows["tx_memos"] = int(str(n[0][0])) if n else 0

    def _count_lines(self) -> None:
        """Per line of the file: new (added something), duplicate, or skipped."""
        rejected = int(
            str(
                self.q(
                    "SELECT count(DISTINCT line) FROM rejects WHERE file_id = ?", [self.file_id]
                )[0][0]
            )
        )
        if not (self.staged.utxo or self.staged.blocks):
            # One line is one transfer row here: counts follow from the insert.
            good = int(str(self.q("SELECT count(*) FROM _typed")[0][0]))
            fresh = self.result.table_rows["transfers"]
            self.result.rows_new = fresh
            self.result.rows_duplicate = good - fresh
            self.result.rows_skipped = max(self.result.rows_read - good - rejected, 0)
            return
        rows = self.q(
            """
            WITH good AS (
                SELECT line FROM _typed UNION SELECT line FROM _typed_outputs
                UNION SELECT line FROM _typed_inputs UNION SELECT line FROM _typed_blocks
            ),
            fresh AS (
                SELECT line FROM transfers WHERE file_id = ? UNION SELECT line FROM _new_utxo_lines
                UNION SELECT line FROM _typed_blocks b WHERE EXISTS (
                    SELECT 1 FROM blocks x WHERE x.chain = b.chain AND x.number = b.number
                    AND x.file_id = ?)
            )
            SELECT (SELECT count(*) FROM good),
                   (SELECT count(*) FROM good WHERE line IN (SELECT line FROM fresh))
            """,
            [self.file_id, self.file_id],
        )
        good, fresh = (int(str(v)) for v in rows[0])
        self.result.rows_new = fresh
        self.result.rows_duplicate = good - fresh
        self.result.rows_skipped = max(self.result.rows_read - good - rejected, 0)
