"""bitcoin-etl transactions (JSON lines with enriched inputs and outputs).

Kept exact per output: ``utxo_outputs`` (txid, vout, address, value) and ``utxo_inputs``
(the output each input spends, with its address and value), so tracing can follow coins
output by output. Each paying output also becomes one row of ``transfers`` (kind
``output``) whose sender is the address of the transaction's largest input — a
convenience for chain-agnostic summaries; exact work uses the UTXO tables.
OP_RETURN data that reads as text is kept as a memo (THORChain outbounds carry one).
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
    create_utxo_stage_tables,
    json_fields_table,
    load_json_lines,
)

_OUTPUT = (
    '[{"index": "VARCHAR", "addresses": ["VARCHAR"], "value": "VARCHAR", '
    '"type": "VARCHAR", "script_asm": "VARCHAR"}]'
)
_INPUT = (
    '[{"index": "VARCHAR", "spent_transaction_hash": "VARCHAR", '
    '"spent_output_index": "VARCHAR", "addresses": ["VARCHAR"], "value": "VARCHAR", '
    '"type": "VARCHAR"}]'
)
# Script types whose "addresses" are not payable addresses (bitcoin-etl writes
# e.g. "nonstandard<hash>" for them).
_NO_ADDRESS = ("nonstandard", "nulldata", "multisig", "witness_unknown")


class BitcoinEtlReader(TransferReader):
    format = "bitcoin-etl"

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> Staged:
        create_rejects_table(con)
        create_stage_tables(con)
        create_utxo_stage_tables(con)
        staged = Staged(format=self.format, transfers=True, utxo=True, memos=True)
        staged.rows_read = load_json_lines(con, path)
        required = ("hash", "block_timestamp", "outputs")
        missing = " OR ".join(f"json_extract(_text, '$.{f}') IS NULL" for f in required)
        con.execute(
            f"INSERT INTO _rejects SELECT _line, 'missing field(s) hash, block_timestamp or "
            f"outputs', _text FROM _lines WHERE {missing}"
        )
        con.execute(f"DELETE FROM _lines WHERE {missing}")
        json_fields_table(
            con,
            "_lines",
            ["hash", "block_number", "block_timestamp", "is_coinbase", "inputs", "outputs"],
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _tx AS
            SELECT _line, _text, hash, block_number, block_timestamp,
                   lower(coalesce(is_coinbase, 'false')) = 'true' AS coinbase,
                   try(from_json(outputs, '{_OUTPUT}')) AS outs,
                   coalesce(try(from_json(inputs, '{_INPUT}')), []) AS ins
            FROM _raw
            """
        )
        con.execute(
            "INSERT INTO _rejects SELECT _line, 'inputs or outputs are not lists of objects', "
            "_text FROM _tx WHERE outs IS NULL"
        )
        con.execute("DELETE FROM _tx WHERE outs IS NULL")
        chain = options.chain.name
        address_of = (
            f"CASE WHEN o.type IN {_NO_ADDRESS!s} OR len(coalesce(o.addresses, [])) <> 1 "
            "OR o.addresses[1] LIKE 'nonstandard%' THEN NULL ELSE o.addresses[1] END"
        )
        con.execute(
            f"""
            INSERT INTO _stage_outputs
            SELECT _line, ?, hash, o.index, {address_of}, o.value, o.type, block_number,
                   block_timestamp, coinbase
            FROM (SELECT *, unnest(outs) AS o FROM _tx)
            """,
            [chain],
        )
        con.execute(
            f"""
            INSERT INTO _stage_inputs
            SELECT _line, ?, hash, o.index, o.spent_transaction_hash, o.spent_output_index,
                   {address_of}, o.value, block_number, block_timestamp
            FROM (SELECT *, unnest(ins) AS o FROM _tx WHERE NOT coinbase)
            """,
            [chain],
        )
        # Sender of the convenience transfer rows: the largest input (lowest vin on ties).
        con.execute(
            """
            INSERT INTO _stage_transfers
            SELECT o.line, o.chain, o.txid, 'output', o.vout, o.block_number, o.block_time,
                   s.address, o.address, 'native', o.value, NULL, true, 'base'
            FROM _stage_outputs o
            LEFT JOIN (
                SELECT txid, arg_max(address, (TRY_CAST(value AS HUGEINT),
                                               -TRY_CAST(vin AS BIGINT))) AS address
                FROM _stage_inputs GROUP BY txid
            ) s ON s.txid = o.txid
            WHERE o.address IS NOT NULL
            """
        )
        con.execute(
            """
            INSERT INTO _stage_memos
            SELECT ?, hash, memo FROM (
                SELECT hash, try(decode(unhex(split_part(o.script_asm, ' ', 2)))) AS memo
                FROM (SELECT hash, unnest(outs) AS o FROM _tx)
                WHERE o.script_asm LIKE 'OP_RETURN %'
            ) WHERE regexp_full_match(memo, '[ -~]{3,}')
            """,
            [chain],
        )
        return staged
