"""Transaction memos (printable calldata of ethereum-etl transactions): stored once, under the
chain's canonical transaction hash, however often a file is ingested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import open_store

MEMO = "=:ETH.ETH:0x" + "ab" * 20  # a THORChain swap memo


def _transaction(tx_hash: str, memo: str, n: int = 0) -> dict[str, object]:
    """An ethereum-etl transaction, as exported, whose input is ``memo``."""
    return {
        "hash": tx_hash,
        "nonce": n,
        "block_hash": "0x" + "00" * 32,
        "transaction_index": n,
        "gas": 21000,
        "gas_price": 1,
        "block_number": 5,
        "block_timestamp": 1700000000,
        "from_address": "0x" + "11" * 20,
        "to_address": "0x" + "22" * 20,
        "value": 1000,
        "input": "0x" + memo.encode().hex(),
        "receipt_status": 1,
    }


@pytest.mark.parametrize(
    ("chain", "written", "stored"),
    [
        ("ethereum", "0x" + "C1" * 32, "0x" + "c1" * 32),
        ("tron", "0x" + "C1" * 32, "c1" * 32),  # TRON hashes are kept without 0x
        ("tron", "c1" * 32, "c1" * 32),
    ],
)
def test_a_memo_is_stored_once_under_the_canonical_hash(
    tmp_path: Path, chain: str, written: str, stored: str
) -> None:
    row = _transaction(written, MEMO)
    path = tmp_path / "transactions.json"
    path.write_text(json.dumps(row) + "\n")
    store = open_store(":memory:")
    for _ in range(2):  # re-ingesting adds nothing
        ingest_transfer_file(store, path, "ethereum-etl", ReadOptions(chain=get_chain(chain)))
    memos = store.con.execute("SELECT chain, tx_hash, memo FROM tx_memos").fetchall()
    assert memos == [(chain, stored, MEMO)]
    store.close()


def test_memos_are_stored_in_a_fixed_order(tmp_path: Path) -> None:
    # The tracer pairs THORChain legs in the memos' rowid order, and sums their taint in it:
    # a DISTINCT alone stored them in an order that changed from run to run.
    rows = [
        # hashes not in line order
        _transaction(f"0x{(n * 2_654_435_761) % 2**61:064x}", f"=:BTC.BTC:bc1q{n:038d}", n)
        for n in range(3_000)
    ]
    path = tmp_path / "transactions.json"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    store = open_store(":memory:")
    ingest_transfer_file(store, path, "ethereum-etl", ReadOptions(chain=get_chain("ethereum")))
    memos = store.con.execute("SELECT chain, tx_hash, memo FROM tx_memos ORDER BY rowid").fetchall()
    store.close()
    assert len(memos) == 3_000
    assert memos == sorted(memos)
