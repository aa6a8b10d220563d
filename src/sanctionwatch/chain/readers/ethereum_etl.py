"""ethereum-etl exports: transactions, token_transfers, traces, logs and blocks.

The same schema as ethereum-etl's CSV/JSON exports and the public BigQuery crypto
datasets. CSV files hold one entity (detected from the header); JSON-lines files may mix
entities (ethereum-etl's streaming output carries a ``type`` field per line).

What becomes a transfer:
- transactions: every transaction (value may be 0; failed ones keep ``success = false``);
- token_transfers: every row;
- logs: ERC-20/721 ``Transfer`` events, extracted exactly as ethereum-etl's
  ``token_transfer_extractor`` does (topic0 = Transfer and 4 words in topics + data);
- traces: internal value transfers only (non-empty trace address, value > 0, succeeded,
  not delegate/static calls); the rest is counted as skipped with the reason;
- blocks: stored in ``blocks`` (times for files without timestamps) and validator
  withdrawals become transfers of kind ``withdrawal`` (no sender).
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
    is_gzip,
    json_fields_table,
    load_csv,
    load_json_lines,
    open_text_bytes,
    read_csv_header,
)
from sanctionwatch.errors import FormatError

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

# entity -> (JSON "type" value, fields we read, fields that must be present)
ENTITIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "transactions": (
        "transaction",
        (
            "hash",
            "block_number",
            "block_timestamp",
            "from_address",
            "to_address",
            "value",
            "input",
            "receipt_status",
            "receipt_contract_address",
            "transaction_index",
        ),
        ("hash", "from_address", "value", "block_number"),
    ),
    "token_transfers": (
        "token_transfer",
        (
            "token_address",
            "from_address",
            "to_address",
            "value",
            "transaction_hash",
            "log_index",
            "block_number",
            "block_timestamp",
        ),
        ("token_address", "from_address", "to_address", "value", "transaction_hash", "log_index"),
    ),
    "traces": (
        "trace",
        (
            "transaction_hash",
            "from_address",
            "to_address",
            "value",
            "trace_type",
            "call_type",
            "trace_address",
            "status",
            "error",
            "block_number",
            "block_timestamp",
        ),
        ("transaction_hash", "from_address", "to_address", "value", "trace_address"),
    ),
    "logs": (
        "log",
        (
            "transaction_hash",
            "log_index",
            "address",
            "data",
            "topics",
            "block_number",
            "block_timestamp",
        ),
        ("transaction_hash", "log_index", "address", "data", "topics"),
    ),
    "blocks": (
        "block",
        ("number", "hash", "timestamp", "withdrawals"),
        ("number", "timestamp"),
    ),
}
_TYPE_TO_ENTITY = {spec[0]: name for name, spec in ENTITIES.items()}


def detect_entity(columns: list[str]) -> str | None:
    """Which ethereum-etl entity a set of column names (or JSON keys) belongs to."""
    cols = {c.lower() for c in columns}
    if "token_address" in cols:
        return "token_transfers"
    if "trace_address" in cols or "trace_type" in cols:
        return "traces"
    if "topics" in cols:
        return "logs"
    if "nonce" in cols and "gas_price" in cols and "hash" in cols:
        return "transactions"
    if "number" in cols and "timestamp" in cols and "hash" in cols:
        return "blocks"
    return None


def _t(column: str) -> str:
    return f"nullif(trim(\"{column}\"), '')"


class EthereumEtlReader(TransferReader):
    format = "ethereum-etl"

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staged:
        create_rejects_table(con)
        create_stage_tables(con)
        staged = Staged(format=self.format)
        if _looks_like_json(path):
            staged.rows_read = load_json_lines(con, path)
            entities = self._split_json(con, path, options)
            for entity in entities:
                fields = list(ENTITIES[entity][1])
                json_fields_table(con, f"_lines_{entity}", fields, table="_raw")
                self._stage_entity(con, entity, options, staged, json=True)
        else:
            names = read_csv_header(path)
            csv_entity = options.entity or detect_entity(names)
            if csv_entity is None:
                raise FormatError(
                    f"{path}, line 1: not an ethereum-etl export (columns {', '.join(names)}); "
                    "use --format csv with --map for other tables."
                )
            _require(path, csv_entity, names)
            load_csv(con, path, optional_columns=ENTITIES[csv_entity][1])
            staged.rows_read = int(con.execute("SELECT count(*) FROM _raw").fetchall()[0][0])
            staged.rows_read += int(con.execute("SELECT count(*) FROM _rejects").fetchall()[0][0])
            self._stage_entity(con, csv_entity, options, staged, json=False)
        return staged

    # -- JSON: split mixed files by their type field --------------------------------------
    def _split_json(
        self, con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions
    ) -> list[str]:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _typed_lines AS "
            "SELECT _line, _text, json_extract_string(_text, '$.type') AS _type FROM _lines"
        )
        untyped = con.execute(
            "SELECT _text FROM _typed_lines WHERE _type IS NULL ORDER BY _line LIMIT 1"
        ).fetchall()
        default = options.entity
        if untyped and default is None:
            keys = con.execute("SELECT json_keys(?)", [untyped[0][0]]).fetchall()[0][0]
            default = detect_entity(list(keys))
        known = {spec[0] for spec in ENTITIES.values()}
        con.execute(
            """
            INSERT INTO _rejects
            SELECT _line, 'unknown ethereum-etl record type ' || coalesce(_type, '(none)'), _text
            FROM _typed_lines
            WHERE (_type IS NOT NULL AND _type NOT IN (SELECT unnest(?::VARCHAR[])))
               OR (_type IS NULL AND ?::VARCHAR IS NULL)
            """,
            [sorted(known), default],
        )
        present = []
        for entity, (type_name, _fields, required) in ENTITIES.items():
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _lines_{entity} AS
                SELECT _line, _text FROM _typed_lines
                WHERE _type = ? OR (_type IS NULL AND ?::VARCHAR = ?)
                """,
                [type_name, default, entity],
            )
            n = con.execute(f"SELECT count(*) FROM _lines_{entity}").fetchall()[0][0]
            if n:
                present.append(entity)
                missing = " OR ".join(f"json_extract(_text, '$.{f}') IS NULL" for f in required)
                con.execute(
                    f"""
                    INSERT INTO _rejects
                    SELECT _line, 'missing field(s) required for {type_name}', _text
                    FROM _lines_{entity} WHERE {missing}
                    """
                )
                con.execute(f"DELETE FROM _lines_{entity} WHERE {missing}")
        if not present and not untyped and default is None:
            return []
        return present

    # -- one entity -> staged rows ----------------------------------------------------------
    def _stage_entity(
        self,
        con: duckdb.DuckDBPyConnection,
        entity: str,
        options: ReadOptions,
        staged: Staged,
        *,
        json: bool,
    ) -> None:
        chain = options.chain.name
        if entity == "transactions":
            con.execute(
                f"""
                INSERT INTO _stage_transfers
                SELECT _line, ?, {_t("hash")}, 'tx', '', {_t("block_number")},
                       {_t("block_timestamp")}, {_t("from_address")},
                       coalesce({_t("to_address")}, {_t("receipt_contract_address")}),
                       'native', {_t("value")}, NULL,
                       CASE {_t("receipt_status")} WHEN '1' THEN true WHEN '0' THEN false END,
                       'base'
                FROM _raw
                """,
                [chain],
            )
            # Printable calldata is a memo (THORChain-style deposits carry one).
            con.execute(
                f"""
                INSERT INTO _stage_memos
                SELECT ?, {_t("hash")}, memo FROM (
                    SELECT hash, try(decode(unhex(substr(input, 3)))) AS memo FROM _raw
                    WHERE input LIKE '0x%' AND length(input) BETWEEN 8 AND 2002
                ) WHERE regexp_full_match(memo, '[ -~]{{3,}}') AND memo LIKE '%:%'
                """,
                [chain],
            )
            staged.memos = True
        elif entity == "token_transfers":
            con.execute(
                f"""
                INSERT INTO _stage_transfers
                SELECT _line, ?, {_t("transaction_hash")}, 'token', {_t("log_index")},
                       {_t("block_number")}, {_t("block_timestamp")}, {_t("from_address")},
                       {_t("to_address")}, {_t("token_address")}, {_t("value")}, NULL, true,
                       'base'
                FROM _raw
                """,
                [chain],
            )
        elif entity == "traces":
            self._stage_traces(con, chain, staged)
        elif entity == "logs":
            self._stage_logs(con, chain, staged, json=json)
        elif entity == "blocks":
            self._stage_blocks(con, chain, staged, json=json)
        staged.transfers = True

    def _stage_traces(self, con: duckdb.DuckDBPyConnection, chain: str, staged: Staged) -> None:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _traces AS
            SELECT *, regexp_replace(coalesce(trace_address, ''), '[\\[\\]\\s"]', '', 'g')
                      AS _addr,
                   CASE
                     -- type first: block/uncle rewards have an empty trace address too
                     WHEN lower(coalesce(trace_type, 'call')) NOT IN
                          ('call', 'create', 'create2', 'suicide', 'selfdestruct')
                       THEN 'trace type ' || trace_type || ' is not an internal transfer'
                     WHEN regexp_replace(coalesce(trace_address, ''), '[\\[\\]\\s"]', '', 'g') = ''
                       THEN 'top-level call (its value is the transaction''s own transfer)'
                     WHEN lower(coalesce(call_type, 'call')) IN
                          ('delegatecall', 'staticcall', 'callcode')
                       THEN 'delegatecall/staticcall/callcode moves no value'
                     WHEN {_t("status")} = '0' OR {_t("error")} IS NOT NULL
                       THEN 'failed call moves no value'
                     WHEN {_t("value")} IN ('0', '0x0', '0.0')
                       THEN 'zero-value call'
                   END AS _skip
            FROM _raw
            """
        )
        for reason, n in con.execute(
            "SELECT _skip, count(*) FROM _traces WHERE _skip IS NOT NULL GROUP BY _skip ORDER BY 1"
        ).fetchall():
            staged.skipped[str(reason)] = staged.skipped.get(str(reason), 0) + int(n)
        con.execute(
            f"""
            INSERT INTO _stage_transfers
            SELECT _line, ?, {_t("transaction_hash")}, 'trace', replace(_addr, ',', '_'),
                   {_t("block_number")}, {_t("block_timestamp")}, {_t("from_address")},
                   {_t("to_address")}, 'native', {_t("value")}, NULL, true, 'base'
            FROM _traces WHERE _skip IS NULL
            """,
            [chain],
        )

    def _stage_logs(
        self, con: duckdb.DuckDBPyConnection, chain: str, staged: Staged, *, json: bool
    ) -> None:
        topics = (
            "coalesce(from_json(topics, '[\"VARCHAR\"]'), [])"
            if json
            else "CASE WHEN topics IS NULL OR trim(topics) = '' THEN [] "
            "ELSE string_split(topics, ',') END"
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _logs AS
            SELECT *, list_concat(_topics, list_transform(
                       range(0, length(_data) // 64), lambda i: substr(_data, i * 64 + 1, 64)))
                       AS _words
            FROM (SELECT *, {topics} AS _topics,
                         lower(regexp_replace(coalesce(data, ''), '^0x', '')) AS _data
                  FROM _raw)
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _logs AS
            SELECT *, CASE
                WHEN len(_topics) = 0 OR lower(_topics[1]) <> ? THEN 'not a Transfer event'
                WHEN len(_words) <> 4
                  THEN 'Transfer event without exactly 4 words (skipped, as ethereum-etl does)'
                END AS _skip
            FROM _logs
            """,
            [TRANSFER_TOPIC],
        )
        for reason, n in con.execute(
            "SELECT _skip, count(*) FROM _logs WHERE _skip IS NOT NULL GROUP BY _skip ORDER BY 1"
        ).fetchall():
            staged.skipped[str(reason)] = staged.skipped.get(str(reason), 0) + int(n)
        con.execute(
            f"""
            INSERT INTO _stage_transfers
            SELECT _line, ?, {_t("transaction_hash")}, 'token', {_t("log_index")},
                   {_t("block_number")}, {_t("block_timestamp")},
                   '0x' || right(regexp_replace(_words[2], '^0x', ''), 40),
                   '0x' || right(regexp_replace(_words[3], '^0x', ''), 40),
                   {_t("address")}, '0x' || regexp_replace(_words[4], '^0x', ''), NULL, true,
                   'base'
            FROM _logs WHERE _skip IS NULL
            """,
            [chain],
        )

    def _stage_blocks(
        self, con: duckdb.DuckDBPyConnection, chain: str, staged: Staged, *, json: bool
    ) -> None:
        con.execute(
            f"INSERT INTO _stage_blocks SELECT _line, ?, {_t('number')}, {_t('hash')}, "
            f"{_t('timestamp')} FROM _raw",
            [chain],
        )
        staged.blocks = True
        shape = '[{"index": "VARCHAR", "address": "VARCHAR", "amount": "VARCHAR"}]'
        con.execute(
            f"""
            INSERT INTO _stage_transfers
            SELECT _line, ?, {_t("hash")}, 'withdrawal', w.index, {_t("number")},
                   {_t("timestamp")}, NULL, w.address, 'native',
                   CASE WHEN regexp_full_match(w.amount, '[0-9]+')
                        THEN (w.amount::HUGEINT * 1000000000)::VARCHAR ELSE w.amount END,
                   NULL, true, 'base'
            FROM (SELECT *, unnest(try(from_json(withdrawals, '{shape}'))) AS w FROM _raw
                  WHERE withdrawals IS NOT NULL AND withdrawals NOT IN ('', '[]'))
            """,
            [chain],
        )


def _require(path: Path, entity: str, names: list[str]) -> None:
    have = {n.lower() for n in names}
    missing = [c for c in ENTITIES[entity][2] if c not in have]
    if missing:
        raise FormatError(
            f"{path}, line 1: this ethereum-etl {entity} file lacks column(s) {', '.join(missing)}."
        )


def _looks_like_json(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")):
        return True
    if name.endswith((".csv", ".csv.gz")):
        return False
    with open_text_bytes(path) if is_gzip(path) else path.open("rb") as fh:
        head = fh.read(64).lstrip()
    return head.startswith(b"{")
