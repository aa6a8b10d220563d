"""Bad input: every bad line is rejected with its reason, physical line and raw text, the
good lines of the same file are stored, and whole-file problems are one clear error that
leaves the store unchanged.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.errors import FormatError, InputError
from sanctionwatch.store import Store

HEADER = "chain,tx_hash,position,block_number,block_time,from_address,to_address,asset,amount"
SENDER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55
RECEIVER = "0xde709f2102306220921060314715629080e2fb77"
ETH = get_chain("ethereum")


def tx(n: int) -> str:
    return "0x" + f"{n:x}" * 64 if n < 16 else "0x" + f"{n:064x}"


def row(n: int, **fields: str) -> str:
    values = {
        "chain": "ethereum",
        "tx_hash": tx(n),
        "position": "0",
        "block_number": "17000000",
        "block_time": "1700000000",
        "from_address": SENDER,
        "to_address": RECEIVER,
        "asset": "native",
        "amount": str(1000 + n),
    }
    values.update(fields)
    return ",".join(values[c] for c in HEADER.split(","))


def write(tmp_path: Path, name: str, lines: list[str], *, end: str = "\n") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + end)
    return path


def ingest(store: Store, path: Path, fmt: str = "csv", **options: object):  # type: ignore[no-untyped-def]
    chain = options.pop("chain", ETH)
    return ingest_transfer_file(store, path, fmt, ReadOptions(chain, **options))  # type: ignore[arg-type]


def rejects(store: Store) -> list[tuple[int, str, str]]:
    return [
        (int(r[0]), str(r[1]), str(r[2]))
        for r in store.con.execute("SELECT line, reason, raw FROM rejects ORDER BY line").fetchall()
    ]


def stored(store: Store) -> list[tuple[str, int, int]]:
    return [
        (str(r[0]), int(r[1]), int(r[2]))
        for r in store.con.execute(
            "SELECT tx_hash, amount, line FROM transfers_view ORDER BY line"
        ).fetchall()
    ]


# -- row-level problems ------------------------------------------------------------------

BASE_UNIT_CASES = [
    (
        row(2, from_address="0xnotanaddress"),
        "from_address: not an EVM address (0x followed by 40 hex digits)",
    ),
    (
        row(3, from_address=SENDER[:-1] + "D"),
        "from_address: mixed-case EVM address fails its EIP-55 checksum",
    ),
    (
        row(4, to_address="bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
        "to_address: not an EVM address (0x followed by 40 hex digits)",
    ),
    (row(5, amount="12abc"), "amount is not an integer in base units"),
    (row(6, amount="-5"), "amount is negative"),
    (row(7, amount=str(2**127)), "amount exceeds the 128-bit range"),
    (
        row(8, block_time="yesterday"),
        "block time is missing or unreadable (unix seconds or ISO 8601), and the block is not "
        "in the store",
    ),
    (row(9, from_address=""), "from_address is missing"),
    (row(10, amount=""), "amount is missing"),
    (row(11, tx_hash="0x1234"), "transaction hash is not 0x followed by 64 hex digits"),
    (row(12, block_number="12.5"), "block number is not a non-negative integer"),
    (row(13, chain="dogecoin"), "unknown chain dogecoin"),
    (row(14, asset="0x1234"), "asset '0x1234' is not a valid ethereum token contract address"),
    (row(15) + ",extra", "CSV too many columns: Expected Number of Columns: 9 Found: 10"),
    (
        ",".join(row(16).split(",")[:4]),
        "CSV missing columns: Expected Number of Columns: 9 Found: 4",
    ),
]


def test_each_bad_row_rejected_with_reason_line_and_raw_text(store: Store, tmp_path: Path) -> None:
    good_first, good_last = row(1), row(99, amount=str(2**127 - 1))
    bad = [text for text, _ in BASE_UNIT_CASES]
    path = write(tmp_path, "mixed.csv", [HEADER, good_first, *bad, good_last])
    result = ingest(store, path)

    expected = [(3 + i, reason, text) for i, (text, reason) in enumerate(BASE_UNIT_CASES)]
    assert rejects(store) == expected
    assert stored(store) == [(tx(1), 1001, 2), (tx(99), 2**127 - 1, 3 + len(bad))]
    n = len(BASE_UNIT_CASES)
    assert (result.rows_read, result.rows_new, result.rows_rejected, result.rows_skipped) == (
        n + 2,
        2,
        n,
        0,
    )
    assert result.first_reject_lines == list(range(3, 13))
    assert sum(result.reject_reasons.values()) == n
    assert store.scalar("SELECT count(*) FROM ingest_log") == 1
    assert store.scalar("SELECT rows_rejected FROM ingest_log") == n


def test_whole_unit_amounts(store: Store, tmp_path: Path) -> None:
    lines = [
        HEADER,
        row(1, asset="USDT", amount="1.5"),
        row(2, asset="USDT", amount="1.1234567"),  # USDT has 6 decimals
        row(3, amount="-0.5"),
        row(4, amount="1.2.3"),
        row(5, amount="2"),  # a whole number in a whole-unit file: 2 ETH
        row(6, asset="0x1111111111111111111111111111111111111111", amount="3.5"),
    ]
    path = write(tmp_path, "whole.csv", lines)
    result = ingest(store, path)
    assert "amounts hold decimal points: read as whole units" in result.notes
    assert [(line, reason) for line, reason, _ in rejects(store)] == [
        (3, "amount has more decimal places than the asset has"),
        (4, "amount is negative"),
        (5, "amount is not a non-negative decimal number"),
        (
            7,
            "amount has a decimal point but the asset's decimals are unknown; "
            "give --decimals ASSET=N",
        ),
    ]
    assert stored(store) == [(tx(1), 1_500_000, 2), (tx(5), 2 * 10**18, 6)]


def test_missing_and_empty_fields_in_json_lines(store: Store, tmp_path: Path) -> None:
    good = {
        "type": "token_transfer",
        "token_address": "0xdac17f958d2ee523a2206206994597c13d831ec7",
        "from_address": RECEIVER,
        "to_address": SENDER.lower(),
        "value": 2**100,
        "transaction_hash": tx(1),
        "log_index": 0,
        "block_number": 17000000,
        "block_timestamp": 1700000000,
    }
    no_value = {k: v for k, v in good.items() if k != "value"} | {"log_index": 1}
    lines = [
        json.dumps(good),
        json.dumps(no_value),
        json.dumps(good | {"log_index": 2, "value": -1}),
        json.dumps(good | {"log_index": 3, "value": 1.5}),
        json.dumps(good | {"log_index": 4, "block_timestamp": "soon"}),
    ]
    path = write(tmp_path, "tokens.json", lines)
    result = ingest(store, path, "ethereum-etl")
    assert rejects(store) == [
        (2, "missing field(s) required for token_transfer", lines[1]),
        (3, "amount is negative", lines[2]),
        (4, "amount is not an integer in base units", lines[3]),
        (
            5,
            "block time is missing or unreadable (unix seconds or ISO 8601), and the block is "
            "not in the store",
            lines[4],
        ),
    ]
    assert stored(store) == [(tx(1), 2**100, 1)]
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (5, 1, 4)


# -- file-level problems -------------------------------------------------------------------


def test_missing_required_column_is_a_format_error_naming_it(store: Store, tmp_path: Path) -> None:
    header = HEADER.replace(",to_address", "")
    path = write(tmp_path, "nocol.csv", [header, "ethereum,x,0,1,1,a,native,1"])
    with pytest.raises(FormatError, match=r"no column for to_address; name it with --map"):
        ingest(store, path)
    assert store.scalar("SELECT count(*) FROM ingest_log") == 0


def test_map_to_a_column_the_file_lacks(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", [HEADER, row(1)])
    with pytest.raises(FormatError, match=r"--map amount=Value names a column the file does not"):
        ingest(store, path, mapping={"amount": "Value"})
    with pytest.raises(InputError, match=r"--map names unknown field\(s\) amout"):
        ingest(store, path, mapping={"amout": "amount"})


def test_missing_ethereum_etl_column(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tt.csv",
        [
            "token_address,from_address,to_address,transaction_hash,log_index",
            "0xdac17f958d2ee523a2206206994597c13d831ec7,0x,0x,0x,0",
        ],
    )
    with pytest.raises(FormatError, match=r"token_transfers file lacks column\(s\) value"):
        ingest(store, path, "ethereum-etl")


def test_cli_missing_column_exits_2_with_one_sentence(tmp_path: Path) -> None:
    header = HEADER.replace(",amount", "")
    path = write(tmp_path, "nocol.csv", [header, ",".join(row(1).split(",")[:-1])])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sanctionwatch",
            "--db",
            str(tmp_path / "s.duckdb"),
            "ingest",
            "transfers",
            str(path),
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert message.startswith("error: ")
    assert "no column for amount" in message
    assert "Traceback" not in done.stderr
    assert message.count(". ") == 0  # one sentence
    assert message.endswith(").")
    assert done.stdout == ""


@pytest.mark.parametrize("name", ["cut.csv.gz", "cut.json.gz"])
def test_truncated_gzip_is_an_error_and_leaves_the_store_unchanged(
    store: Store, tmp_path: Path, name: str
) -> None:
    ingest(store, write(tmp_path, "first.csv", [HEADER, row(1)]))
    before = store.counts()
    if name.endswith(".csv.gz"):
        text = "\n".join([HEADER, *(row(n) for n in range(2, 2000))]) + "\n"
        fmt = "csv"
    else:
        good = {
            "type": "transaction",
            "hash": tx(1),
            "from_address": RECEIVER,
            "to_address": RECEIVER,
            "value": 1,
            "block_number": 1,
            "block_timestamp": 1,
        }
        text = "\n".join(json.dumps(good | {"hash": tx(n)}) for n in range(2, 2000)) + "\n"
        fmt = "ethereum-etl"
    packed = gzip.compress(text.encode())
    path = tmp_path / name
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(FormatError) as info:
        ingest(store, path, fmt)
    assert str(path) in info.value.message
    assert "GZIP" in info.value.message or "ends early" in info.value.message
    assert store.counts() == before
    # the connection is still usable afterwards
    assert ingest(store, write(tmp_path, "next.csv", [HEADER, row(3)])).rows_new == 1


def test_truncated_last_line_is_rejected(store: Store, tmp_path: Path) -> None:
    cut = row(2)[:100]
    path = write(tmp_path, "cut.csv", [HEADER, row(1), cut], end="")
    result = ingest(store, path)
    assert rejects(store) == [
        (3, "CSV missing columns: Expected Number of Columns: 9 Found: 6", cut)
    ]
    assert stored(store) == [(tx(1), 1001, 2)]
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (2, 1, 1)


def test_unclosed_quote_before_the_end_is_a_format_error(store: Store, tmp_path: Path) -> None:
    lines = [HEADER, row(1), 'ethereum,"0x22,0,1', *(row(n) for n in range(3, 50))]
    with pytest.raises(FormatError, match=r"quote.csv, line 3: a quoted value is never closed"):
        ingest(store, write(tmp_path, "quote.csv", lines))
    assert store.scalar("SELECT count(*) FROM transfers") == 0
    # on the last line it only spoils that line
    ingest(store, write(tmp_path, "quote_last.csv", [HEADER, row(1), 'ethereum,"0x22,0,1']))
    assert rejects(store) == [
        (3, "CSV unquoted value: Value with unterminated quote found.", 'ethereum,"0x22,0,1')
    ]
    assert stored(store) == [(tx(1), 1001, 2)]


def test_latin1_bytes_in_csv(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    bad = row(2, asset="caf\xe9").encode("latin-1")
    path.write_bytes(b"\n".join([HEADER.encode(), row(1).encode(), bad, row(3).encode()]) + b"\n")
    result = ingest(store, path)
    ((line, reason, raw),) = rejects(store)
    assert line == 3
    assert "not utf-8" in reason.lower()
    assert raw == bad.decode("utf-8", "replace")  # the line as written, bad byte replaced
    assert stored(store) == [(tx(1), 1001, 2), (tx(3), 1003, 4)]
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (3, 2, 1)


def test_latin1_header_is_a_format_error(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin1_header.csv"
    path.write_bytes(HEADER.replace("asset", "d\xe9vise").encode("latin-1") + b"\n")
    with pytest.raises(FormatError, match="line 1: the header is not UTF-8"):
        ingest(store, path)


def test_latin1_and_non_json_lines_in_json_lines(store: Store, tmp_path: Path) -> None:
    good = {
        "type": "transaction",
        "hash": tx(1),
        "from_address": RECEIVER,
        "to_address": None,
        "receipt_contract_address": RECEIVER,
        "value": 10**30,
        "block_number": 5,
        "block_timestamp": 1700000000,
        "input": "0x",
        "receipt_status": 1,
    }
    latin = json.dumps(good | {"hash": tx(3), "note": "X"}).encode().replace(b"X", b"caf\xe9")
    lines = [
        json.dumps(good).encode(),
        b"this is not json",
        latin,
        b"",  # blank lines are ignored, but keep their number
        b"[1, 2, 3]",
        json.dumps(good | {"hash": tx(4)}).encode()[:50],  # cut mid-object
        json.dumps(good | {"hash": tx(5), "value": 7}).encode(),
    ]
    path = tmp_path / "tx.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = ingest(store, path, "ethereum-etl")
    got = rejects(store)
    bad_byte = latin.index(b"\xe9")
    assert [(line, reason) for line, reason, _ in got] == [
        (2, "not a JSON object"),
        (3, f"not UTF-8 text (byte {bad_byte})"),
        (5, "not a JSON object"),
        (6, "not a JSON object"),
    ]
    assert [raw for _, _, raw in got] == [
        "this is not json",
        latin.decode("utf-8", "replace"),
        "[1, 2, 3]",
        lines[5].decode(),
    ]
    assert stored(store) == [(tx(1), 10**30, 1), (tx(5), 7, 7)]
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (6, 2, 4)


def test_chain_names_and_aliases_in_the_chain_column(store: Store, tmp_path: Path) -> None:
    # "bsc" is both a chain name and an alias of itself: each row must still count once
    names = ["ethereum", "eth", "BSC", "bsc", "matic", " Arbitrum ", "dogecoin"]
    lines = [HEADER, *(row(n, chain=name) for n, name in enumerate(names, start=1))]
    result = ingest(store, write(tmp_path, "chains.csv", lines))
    assert (result.rows_read, result.rows_new, result.rows_duplicate) == (7, 6, 0)
    assert rejects(store) == [(8, "unknown chain dogecoin", lines[7])]
    chains = store.con.execute("SELECT chain, line FROM transfers ORDER BY line").fetchall()
    assert chains == [
        ("ethereum", 2),
        ("ethereum", 3),
        ("bsc", 4),
        ("bsc", 5),
        ("polygon", 6),
        ("arbitrum", 7),
    ]


def test_duplicate_rows_in_one_file_are_stored_once(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "dup.csv", [HEADER, row(1), row(2), row(1), row(1), row(3)])
    result = ingest(store, path)
    assert (result.rows_read, result.rows_new, result.rows_duplicate) == (5, 3, 2)
    assert stored(store) == [(tx(1), 1001, 2), (tx(2), 1002, 3), (tx(3), 1003, 6)]
    assert rejects(store) == []


def test_address_ids_run_from_one_without_gaps_over_ingests(store: Store, tmp_path: Path) -> None:
    """Each ingest's new addresses continue the ids of the ones before (the trace index
    renumbers ids by a bitmap over [0, max id]: ids of ~2**55, as DuckDB numbered the rows
    of a table made inside the ingest's transaction, made its build 4x slower)."""
    third = "0x" + "ab" * 20
    ingest(store, write(tmp_path, "a.csv", [HEADER, row(1)]))
    ingest(store, write(tmp_path, "b.csv", [HEADER, row(2, to_address=third)]))
    ids = store.con.execute("SELECT id FROM addresses ORDER BY id").fetchall()
    assert [i for (i,) in ids] == [1, 2, 3]


def test_new_token_contracts_get_ids_in_a_fixed_order(store: Store, tmp_path: Path) -> None:
    """Asset ids are permanent, and a trace runs its assets in id order: new contracts are
    numbered by (chain, contract), not in the order a DISTINCT returned them."""
    contracts = [f"0x{(k * 2_654_435_761) % 2**64:040x}" for k in range(1, 40)]
    lines = [HEADER] + [row(k, asset=c) for k, c in enumerate(contracts)]
    ingest(store, write(tmp_path, "tokens.csv", lines))
    stored = store.con.execute(
        "SELECT asset FROM assets WHERE asset IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
        [contracts],
    ).fetchall()
    assert [a for (a,) in stored] == sorted(contracts)


def test_a_line_with_two_bad_outputs_keeps_a_fixed_reason(store: Store, tmp_path: Path) -> None:
    """A bitcoin-etl line has a row per output; of two bad ones, the reason kept is the
    first in text order (``arg_min`` on a tie had taken whichever row it met first)."""
    good = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    bad_address = {"index": 0, "type": "pubkeyhash", "addresses": ["1BadAddress"], "value": 5}
    bad_value = {"index": 1, "type": "pubkeyhash", "addresses": [good], "value": "lots"}

    def reason_of(name: str, outputs: list[dict[str, object]]) -> str:
        line = {
            "hash": hashlib.sha256(name.encode()).hexdigest(),
            "block_number": 1,
            "block_timestamp": 1690170000,
            "is_coinbase": True,
            "inputs": [],
            "outputs": outputs,
        }
        result = ingest(
            store, write(tmp_path, name, [json.dumps(line)]), "bitcoin-etl", chain=get_chain("btc")
        )
        [(reason,)] = store.con.execute(
            "SELECT reason FROM rejects WHERE file_id = ?", [result.file_id]
        ).fetchall()
        return str(reason)

    alone = {reason_of("a.jsonl", [bad_address]), reason_of("b.jsonl", [bad_value])}
    assert len(alone) == 2
    assert reason_of("ab.jsonl", [bad_address, bad_value]) == min(alone)
    assert reason_of("ba.jsonl", [bad_value, bad_address]) == min(alone)


def test_empty_files(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="the file is empty"):
        ingest(store, empty)
    empty_json = tmp_path / "empty.json"
    empty_json.write_bytes(b"")
    result = ingest(store, empty_json, "ethereum-etl")
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (0, 0, 0)


def test_header_only(store: Store, tmp_path: Path) -> None:
    result = ingest(store, write(tmp_path, "header.csv", [HEADER]))
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (0, 0, 0)
    assert store.scalar("SELECT count(*) FROM ingest_log") == 1


def test_no_such_file_and_unknown_format(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        ingest(store, tmp_path / "missing.csv")
    with pytest.raises(InputError, match="Unknown format 'xml'"):
        ingest(store, write(tmp_path, "x.csv", [HEADER]), "xml")


# -- bitcoin-etl -----------------------------------------------------------------------------

BTC_GOOD = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BTC_BAD = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"  # BIP-173: invalid checksum


def btc_tx(n: int, outputs: list[str], inputs: list[str] | None = None) -> dict[str, object]:
    return {
        "hash": f"{n:064x}",
        "block_number": 800000,
        "block_timestamp": 1690168629,
        "is_coinbase": inputs is None,
        "inputs": [
            {
                "index": i,
                "spent_transaction_hash": f"{900 + i:064x}",
                "spent_output_index": 0,
                "type": "witness_v0_keyhash",
                "addresses": [a],
                "value": 5000,
            }
            for i, a in enumerate(inputs or [])
        ],
        "outputs": [
            {"index": i, "type": "witness_v0_keyhash", "addresses": [a], "value": 1000 + i}
            for i, a in enumerate(outputs)
        ],
    }


def test_bitcoin_bad_output_address_rejects_the_whole_transaction(
    store: Store, tmp_path: Path
) -> None:
    lines = [
        json.dumps(btc_tx(1, [BTC_GOOD])),
        json.dumps(btc_tx(2, [BTC_GOOD, BTC_BAD], inputs=[BTC_GOOD])),
        json.dumps(btc_tx(3, [BTC_GOOD], inputs=[BTC_BAD])),
        json.dumps({"hash": f"{4:064x}", "outputs": []}),  # no block_timestamp
        json.dumps(btc_tx(5, [BTC_GOOD], inputs=[BTC_GOOD])),
        json.dumps(btc_tx(6, [BTC_GOOD], inputs=[BTC_GOOD, BTC_BAD])),  # bad one not sender
    ]
    path = write(tmp_path, "btc.json", lines)
    result = ingest(store, path, "bitcoin-etl", chain=get_chain("bitcoin"))
    bad = "invalid bech32/bech32m address (checksum or encoding)"
    # the first reason of a line wins: its convenience transfer row is judged first
    assert rejects(store) == [
        (2, f"to_address: {bad}", lines[1]),
        (3, f"from_address: {bad}", lines[2]),  # the largest (only) input is the sender
        (4, "missing field(s) hash, block_timestamp or outputs", lines[3]),
        (6, f"input address {BTC_BAD}: {bad}", lines[5]),
    ]
    for table in ("utxo_outputs", "utxo_inputs"):
        lines_stored = store.con.execute(f"SELECT DISTINCT line FROM {table}").fetchall()
        assert {r[0] for r in lines_stored} <= {1, 5}
    assert store.scalar("SELECT count(*) FROM utxo_outputs") == 2
    assert store.scalar("SELECT count(*) FROM utxo_inputs") == 1
    assert sorted(r[2] for r in stored(store)) == [1, 5]
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (6, 2, 4)


def test_parquet_reject_keeps_the_row_as_json(store: Store, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table(
            {
                "tx_hash": [tx(1), tx(2)],
                "block_time": ["2025-02-21T14:13:35Z", "not a time"],
                "from_address": ["0x" + "1" * 40, "0x" + "1" * 40],
                "to_address": ["0x" + "2" * 40, "0x" + "3" * 40],
                "amount": pa.array([5, 7], pa.int64()),
            }
        ),
        path,
    )
    result = ingest(store, path, "parquet")
    assert (result.rows_new, result.rows_rejected) == (1, 1)
    line, reason, raw = rejects(store)[0]
    assert line == 2
    assert reason.startswith("block time is missing or unreadable")
    assert json.loads(raw)["tx_hash"] == tx(2)
