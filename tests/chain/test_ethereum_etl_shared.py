"""The ethereum-etl samples in the shared data folder (golden files of ethereum-etl itself).

Blocks 17,173,049-17,173,050 come as transactions (JSON and CSV), logs, token transfers
and blocks (with withdrawals); block 508,110 as traces; a 2017 export as gzip CSV; and a
Raphtory token-transfer table that needs ``--map``. Expected values are read from the
files themselves (JSON numbers as Python ints) and compared with the store exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import Store, open_store
from sanctionwatch.store.ingestlog import FileResult

pytestmark = pytest.mark.shared_data

PREFIX = "etl_fixture_blocks_17173049_17173050_expected_"
TX_JSON = PREFIX + "transactions.json"
TX_CSV = "etl_fixture_blocks_with_withdrawals_expected_transactions.csv"
TOKENS = PREFIX + "token_transfers.json"
LOGS = PREFIX + "logs.json"
BLOCKS = PREFIX + "blocks.json"
TRACES = "etl_fixture_block_508110_expected_traces.json"
GZ_2017 = "raphtory_transactions_03300000_03399999_small.csv.gz"
RAPHTORY_TX = "raphtory_ethereum_tx.csv"
RAPHTORY_TOKENS = "raphtory_token_transfers.csv"
RAPHTORY_MAP = {
    "amount": "value",
    "asset": "contract_address",
    "block_time": "time_stamp",
    "tx_index": "transaction_index",
}
UNKNOWN_CONTRACT = "0xa47c8bf37f92abed4a126bda807a7b7498661acd"
ETH = get_chain("ethereum")


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> Path:
    return shared_data / "chain" / "ethereum_etl_samples"


@pytest.fixture
def fresh() -> Iterator[Store]:
    with open_store(":memory:") as store:
        yield store


def _ingest(store: Store, path: Path, **options: object) -> FileResult:
    if path.name == RAPHTORY_TOKENS:
        opts = ReadOptions(ETH, mapping=dict(RAPHTORY_MAP), **options)  # type: ignore[arg-type]
        return ingest_transfer_file(store, path, "csv", opts)
    return ingest_transfer_file(store, path, "ethereum-etl", ReadOptions(ETH, **options))  # type: ignore[arg-type]


def _json_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _ts(seconds: object) -> datetime:
    assert isinstance(seconds, int)
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def test_the_sample_folder_holds_the_files_this_test_knows(samples: Path) -> None:
    known = {TX_JSON, TX_CSV, TOKENS, LOGS, BLOCKS, TRACES, GZ_2017, RAPHTORY_TX, RAPHTORY_TOKENS}
    assert {p.name for p in samples.iterdir()} == known


def test_every_sample_loads_without_rejects_but_the_explained_one(samples: Path) -> None:
    for path in sorted(samples.iterdir()):
        with open_store(":memory:") as store:
            result = _ingest(store, path)
        # the Raphtory token table has one explained reject (next test)
        expected = 1 if path.name == RAPHTORY_TOKENS else 0
        assert result.rows_rejected == expected, (path.name, result.reject_reasons)
        assert result.rows_read > 0


def test_raphtory_token_transfers_one_unknown_token_reject(fresh: Store, samples: Path) -> None:
    path = samples / RAPHTORY_TOKENS
    result = _ingest(fresh, path)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (99, 98, 1)
    reason = (
        "amount has a decimal point but the asset's decimals are unknown; give --decimals ASSET=N"
    )
    assert result.reject_reasons == {reason: 1}
    ((line, raw),) = fresh.con.execute("SELECT line, raw FROM rejects").fetchall()
    assert line == 76
    assert raw == path.read_text().splitlines()[75]
    assert UNKNOWN_CONTRACT in raw
    assert "amounts hold decimal points: read as whole units" in result.notes


def test_raphtory_token_transfers_load_fully_with_decimals(fresh: Store, samples: Path) -> None:
    path = samples / RAPHTORY_TOKENS
    result = _ingest(fresh, path, decimals={UNKNOWN_CONTRACT: 18})
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (99, 99, 0)
    # the unknown token (7 decimal places written) scaled by 18, USDT/USDC by their 6
    rows = dict(
        fresh.con.execute(
            "SELECT tx_hash, amount FROM transfers_view WHERE tx_hash IN (?, ?)",
            ["block:14669684:86", "block:14669683:7"],
        ).fetchall()
    )
    assert rows == {
        "block:14669684:86": 37756_5442328 * 10**11,
        "block:14669683:7": 18_670_000,  # 18.67 USDT
    }
    # every amount as written, scaled exactly
    from decimal import Decimal

    decimals = {
        "0xdac17f958d2ee523a2206206994597c13d831ec7": 6,
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": 6,
        UNKNOWN_CONTRACT: 18,
    }
    expected = set()
    for line in path.read_text().splitlines()[1:]:
        block, index, sender, receiver, stamp, token, value = line.split(",")
        amount = Decimal(value) * 10 ** decimals[token]
        assert amount == int(amount)
        expected.add(
            (f"block:{block}:{index}", sender, receiver, token, int(amount), _ts(int(stamp)))
        )
    stored = set(
        fresh.con.execute(
            "SELECT tx_hash, from_address, to_address, asset, amount, block_time "
            "FROM transfers_view"
        ).fetchall()
    )
    assert stored == expected


def test_transactions_json_exact(fresh: Store, samples: Path) -> None:
    source = _json_lines(samples / TX_JSON)
    result = _ingest(fresh, samples / TX_JSON)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (298, 298, 0)
    assert len(source) == 298
    stored = {
        r[0]: r[1:]
        for r in fresh.con.execute(
            "SELECT tx_hash, from_address, to_address, amount, block_number, block_time, "
            "success, kind, position, asset FROM transfers_view"
        ).fetchall()
    }
    assert len(stored) == 298
    for tx in source:
        to = tx["to_address"] or tx["receipt_contract_address"]
        assert stored[str(tx["hash"])] == (
            tx["from_address"],
            to,
            tx["value"],  # a Python int from the JSON: exact
            tx["block_number"],
            _ts(tx["block_timestamp"]),
            tx["receipt_status"] == 1,
            "tx",
            "",
            "native",
        )
    # the big ones, spelled out
    values = {int(r[0]) for r in fresh.con.execute("SELECT amount FROM transfers").fetchall()}
    assert 32_000_000_000_000_000_000 in values
    assert 7_400_000_000_000_000_000 in values
    assert fresh.scalar("SELECT count(*) FROM transfers WHERE NOT success") == 9
    assert fresh.scalar("SELECT min(block_number) || '-' || max(block_number) FROM transfers") == (
        "17173049-17173050"
    )


def test_token_transfers_exact(fresh: Store, samples: Path) -> None:
    source = _json_lines(samples / TOKENS)
    result = _ingest(fresh, samples / TOKENS)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (291, 291, 0)
    expected = {
        (
            t["transaction_hash"],
            str(t["log_index"]),
            t["from_address"],
            t["to_address"],
            t["token_address"],
            t["value"],
            t["block_number"],
            _ts(t["block_timestamp"]),
        )
        for t in source
    }
    stored = set(
        fresh.con.execute(
            "SELECT tx_hash, position, from_address, to_address, asset, amount, block_number, "
            "block_time FROM transfers_view WHERE kind = 'token'"
        ).fetchall()
    )
    assert stored == expected
    assert {r[6] for r in expected} == {17_173_049, 17_173_050}
    # values beyond 64 and 96 bits survive exactly
    assert max(int(str(t["value"])) for t in source) == 7786596450288373164569331648084
    assert 7786596450288373164569331648084 in {r[5] for r in stored}
    assert 150188698577042438264952193024 in {r[5] for r in stored}


def test_transfers_extracted_from_logs_equal_token_transfers(samples: Path) -> None:
    columns = (
        "SELECT tx_hash, position, from_address, to_address, asset, amount, block_number, "
        "block_time, kind FROM transfers_view"
    )
    n_logs = len(_json_lines(samples / LOGS))
    with open_store(":memory:") as from_logs, open_store(":memory:") as from_tokens:
        logs = _ingest(from_logs, samples / LOGS)
        tokens = _ingest(from_tokens, samples / TOKENS)
        assert (logs.rows_read, logs.rows_new, logs.rows_rejected) == (n_logs, 291, 0)
        assert logs.skipped_reasons == {"not a Transfer event": n_logs - 291}
        assert logs.rows_skipped == n_logs - 291
        assert tokens.rows_new == 291
        extracted = from_logs.con.execute(columns + " ORDER BY tx_hash, position").fetchall()
        exported = from_tokens.con.execute(columns + " ORDER BY tx_hash, position").fetchall()
    assert len(extracted) == 291
    assert extracted == exported


def test_logs_and_token_transfers_dedupe_against_each_other(fresh: Store, samples: Path) -> None:
    assert _ingest(fresh, samples / LOGS).rows_new == 291
    again = _ingest(fresh, samples / TOKENS)
    assert (again.rows_new, again.rows_duplicate) == (0, 291)


def test_blocks_and_withdrawals(fresh: Store, samples: Path) -> None:
    source = _json_lines(samples / BLOCKS)
    result = _ingest(fresh, samples / BLOCKS)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (2, 2, 0)
    assert result.table_rows["blocks"] == 2
    assert set(fresh.con.execute("SELECT number, hash, block_time FROM blocks").fetchall()) == {
        (b["number"], b["hash"], _ts(b["timestamp"])) for b in source
    }
    expected = {
        (
            b["hash"],
            str(w["index"]),
            w["address"],
            w["amount"] * 10**9,  # gwei -> wei
            b["number"],
            _ts(b["timestamp"]),
        )
        for b in source
        for w in b["withdrawals"]  # type: ignore[attr-defined]
    }
    assert len(expected) == 32
    stored = set(
        fresh.con.execute(
            "SELECT tx_hash, position, to_address, amount, block_number, block_time "
            "FROM transfers_view WHERE kind = 'withdrawal' AND from_id IS NULL"
        ).fetchall()
    )
    assert stored == expected
    assert fresh.scalar("SELECT count(*) FROM transfers") == 32


def test_traces_are_all_skipped_with_explained_reasons(fresh: Store, samples: Path) -> None:
    result = _ingest(fresh, samples / TRACES)
    assert (result.rows_read, result.rows_new, result.rows_skipped, result.rows_rejected) == (
        4,
        0,
        4,
        0,
    )
    # two top-level traces (a create and a call: the transaction's own value) and two
    # block rewards
    assert result.skipped_reasons == {
        "top-level call (its value is the transaction's own transfer)": 2,
        "trace type reward is not an internal transfer": 2,
    }
    assert fresh.scalar("SELECT count(*) FROM transfers") == 0


@pytest.mark.parametrize(
    "name", [TX_JSON, TX_CSV, TOKENS, LOGS, BLOCKS, TRACES, RAPHTORY_TX, RAPHTORY_TOKENS]
)
def test_reingest_adds_nothing(fresh: Store, samples: Path, name: str) -> None:
    first = _ingest(fresh, samples / name)
    counts = fresh.counts()
    again = _ingest(fresh, samples / name)
    good = again.rows_read - again.rows_rejected - again.rows_skipped
    assert again.rows_new == 0
    assert again.rows_duplicate == good == first.rows_new
    if name != RAPHTORY_TOKENS:
        assert again.rows_duplicate + again.rows_skipped == again.rows_read
    after = fresh.counts()
    assert after["transfers"] == counts["transfers"]
    assert after["addresses"] == counts["addresses"]
    assert after["blocks"] == counts["blocks"]


def test_2017_gzip_export_loads(fresh: Store, samples: Path) -> None:
    result = _ingest(fresh, samples / GZ_2017)
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (19_999, 19_999, 0)
    first = fresh.con.execute(
        "SELECT from_address, to_address, amount, block_number, block_time FROM transfers_view "
        "WHERE tx_hash = ?",
        ["0x5b4d26a7cda9a2547fc122688f656f3c5d152c876acf117b09f892f8e0e784a4"],
    ).fetchall()
    assert first == [
        (
            "0x942c4bc02dc8986215adc1ba2d27723fd4a98a8b",
            "0xabbb6bebfa05aa13e908eaa492bd7a8343760477",
            804_264_913_889_669_500,
            3_300_400,
            _ts(1_488_775_107),
        )
    ]
    assert fresh.scalar("SELECT count(DISTINCT tx_hash) FROM transfers") == 19_999
    assert fresh.scalar("SELECT max(line) FROM transfers") == 20_000  # header is line 1


@pytest.mark.parametrize(("first", "second"), [(TX_JSON, TX_CSV), (TX_CSV, TX_JSON)])
def test_csv_and_json_transactions_of_the_same_blocks_dedupe(
    fresh: Store, samples: Path, first: str, second: str
) -> None:
    a = _ingest(fresh, samples / first)
    b = _ingest(fresh, samples / second)
    assert (a.rows_read, a.rows_new) == (298, 298)
    assert (b.rows_read, b.rows_new, b.rows_duplicate, b.rows_rejected) == (298, 0, 298, 0)
    assert fresh.scalar("SELECT count(*) FROM transfers") == 298
    # both files carry the same values
    csv_values = {
        line.split(",")[0]: int(line.split(",")[7])
        for line in (samples / TX_CSV).read_text().splitlines()[1:]
    }
    stored = dict(fresh.con.execute("SELECT tx_hash, amount FROM transfers").fetchall())
    assert stored == csv_values
