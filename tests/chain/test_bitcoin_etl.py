"""bitcoin-etl transactions on a small hand-written fixture.

``fixtures/bitcoin_etl_transactions.jsonl`` has four transactions in the shape
bitcoin-etl exports (``is_coinbase``, enriched ``inputs``/``outputs``, outputs without
an address typed ``nonstandard`` with a ``nonstandard<hash>`` pseudo address):

1. a coinbase paying ALICE (P2WPKH) plus a witness-commitment OP_RETURN (not text);
2. three inputs (ALICE 6.49845678, BOB 7, CAROL 1 BTC) paying DAVE (P2TR), change to BOB
   and an OP_RETURN carrying a THORChain-style memo;
3. one input (DAVE) paying a nonstandard script and ERIN (P2WSH);
4. two inputs of equal value (BOB vin 0, CAROL vin 1) paying ALICE.

The addresses are derived below from sha256 of a name; the fixture holds them as text.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import base58
import bech32m
import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "bitcoin_etl_transactions.jsonl"


def _h(name: str, size: int = 20) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:size]


def _txid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


ALICE = bech32m.encode("bc", 0, _h("alice"))  # P2WPKH
BOB = base58.b58encode_check(b"\x00" + _h("bob")).decode()  # P2PKH
CAROL = base58.b58encode_check(b"\x05" + _h("carol")).decode()  # P2SH
DAVE = bech32m.encode("bc", 1, _h("dave", 32))  # P2TR (bech32m)
ERIN = bech32m.encode("bc", 0, _h("erin", 32))  # P2WSH
COINBASE, MULTI, NONSTD, TIE = (
    _txid(n) for n in ("coinbase-800000", "multi-input", "nonstandard-out", "tie")
)
PREV_BOB, PREV_CAROL = _txid("prev-bob"), _txid("prev-carol")
T0 = datetime(2023, 7, 24, 3, 17, 9)  # 1690168629
T1 = datetime(2023, 7, 24, 3, 23, 20)  # 1690169000
MEMO = "=:ETH.ETH:0x52908400098527886e0f7030069857d2e4169ee7"


@pytest.fixture
def loaded(store: Store) -> Store:
    result = ingest_transfer_file(store, FIXTURE, "bitcoin-etl", ReadOptions(get_chain("btc")))
    assert (result.rows_read, result.rows_new, result.rows_rejected) == (4, 4, 0)
    assert result.table_rows == {
        "addresses": 5,
        "blocks": 0,
        "transfers": 5,
        "utxo_outputs": 8,
        "utxo_inputs": 6,
        "tx_memos": 1,
    }
    return store


def _rows(store: Store, sql: str) -> set[tuple[object, ...]]:
    return set(store.con.execute(sql).fetchall())


def test_fixture_addresses_are_the_derived_ones() -> None:
    text = FIXTURE.read_text()
    for address in (ALICE, BOB, CAROL, DAVE, ERIN, COINBASE, MULTI, NONSTD, TIE):
        assert address in text


def test_utxo_outputs(loaded: Store) -> None:
    assert _rows(
        loaded,
        """SELECT o.txid, o.vout, a.address, o.value, o.script_type, o.block_number,
                  o.block_time, o.is_coinbase, o.line
           FROM utxo_outputs o LEFT JOIN addresses a ON a.id = o.address_id""",
    ) == {
        (COINBASE, 0, ALICE, 649_845_678, "witness_v0_keyhash", 800000, T0, True, 1),
        (COINBASE, 1, None, 0, "nonstandard", 800000, T0, True, 1),
        (MULTI, 0, DAVE, 1_000_000_000, "witness_v1_taproot", 800000, T0, False, 2),
        (MULTI, 1, BOB, 449_835_678, "pubkeyhash", 800000, T0, False, 2),
        (MULTI, 2, None, 0, "nonstandard", 800000, T0, False, 2),
        (NONSTD, 0, None, 5000, "nonstandard", 800001, T1, False, 3),
        (NONSTD, 1, ERIN, 999_990_000, "witness_v0_scripthash", 800001, T1, False, 3),
        (TIE, 0, ALICE, 899_661_356, "witness_v0_keyhash", 800001, T1, False, 4),
    }


def test_utxo_inputs_name_the_outputs_they_spend(loaded: Store) -> None:
    assert _rows(
        loaded,
        """SELECT i.txid, i.vin, i.prev_txid, i.prev_vout, a.address, i.value, i.line
           FROM utxo_inputs i LEFT JOIN addresses a ON a.id = i.address_id""",
    ) == {
        (MULTI, 0, COINBASE, 0, ALICE, 649_845_678, 2),
        (MULTI, 1, PREV_BOB, 3, BOB, 700_000_000, 2),
        (MULTI, 2, PREV_CAROL, 0, CAROL, 100_000_000, 2),
        (NONSTD, 0, MULTI, 0, DAVE, 1_000_000_000, 3),
        (TIE, 0, MULTI, 1, BOB, 449_835_678, 4),
        (TIE, 1, PREV_CAROL, 1, CAROL, 449_835_678, 4),
    }


def test_transfers_one_per_paying_output_sender_is_the_largest_input(loaded: Store) -> None:
    rows = _rows(
        loaded,
        """SELECT tx_hash, kind, position, from_address, to_address, asset, symbol, amount,
                  block_number, block_time
           FROM transfers_view""",
    )
    assert rows == {
        # coinbase: no sender
        (COINBASE, "output", "0", None, ALICE, "native", "BTC", 649_845_678, 800000, T0),
        # BOB's 7 BTC input is the largest of the three: BOB is the sender of both outputs
        (MULTI, "output", "0", BOB, DAVE, "native", "BTC", 1_000_000_000, 800000, T0),
        (MULTI, "output", "1", BOB, BOB, "native", "BTC", 449_835_678, 800000, T0),
        # the nonstandard output has no address: only ERIN's output is a transfer
        (NONSTD, "output", "1", DAVE, ERIN, "native", "BTC", 999_990_000, 800001, T1),
        # equal inputs: the lower vin (BOB) wins
        (TIE, "output", "0", BOB, ALICE, "native", "BTC", 899_661_356, 800001, T1),
    }


def test_op_return_text_is_kept_as_a_memo(loaded: Store) -> None:
    # the coinbase's witness commitment (aa21a9ed...) is binary, not a memo
    assert _rows(loaded, "SELECT chain, tx_hash, memo FROM tx_memos") == {("bitcoin", MULTI, MEMO)}


def test_utxo_spends_view_links_outputs_to_their_spenders(loaded: Store) -> None:
    rows = _rows(
        loaded, "SELECT txid, vout, value, spent_by_txid, spent_by_vin, spent_time FROM utxo_spends"
    )
    assert rows == {
        (COINBASE, 0, 649_845_678, MULTI, 0, T0),
        (COINBASE, 1, 0, None, None, None),
        (MULTI, 0, 1_000_000_000, NONSTD, 0, T1),
        (MULTI, 1, 449_835_678, TIE, 0, T1),
        (MULTI, 2, 0, None, None, None),
        (NONSTD, 0, 5000, None, None, None),
        (NONSTD, 1, 999_990_000, None, None, None),
        (TIE, 0, 899_661_356, None, None, None),
    }
    # value is conserved: outputs = inputs - fees (10000 + 5000 + 10000) + new coins
    spent_inside = loaded.scalar(
        "SELECT sum(value) FROM utxo_spends WHERE spent_by_txid IS NOT NULL"
    )
    assert spent_inside == 649_845_678 + 1_000_000_000 + 449_835_678


def test_reingest_adds_nothing(loaded: Store) -> None:
    before = loaded.counts()
    again = ingest_transfer_file(loaded, FIXTURE, "bitcoin-etl", ReadOptions(get_chain("bitcoin")))
    assert (again.rows_read, again.rows_new, again.rows_duplicate) == (4, 0, 4)
    after = loaded.counts()
    assert after == before | {"ingest_log": before["ingest_log"] + 1}


def test_gzip_and_plain_give_the_same_rows(store: Store, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "tx.json.gz"
    packed.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    result = ingest_transfer_file(store, packed, "bitcoin-etl", ReadOptions(get_chain("bitcoin")))
    assert (result.rows_new, result.rows_rejected) == (4, 0)
    assert store.scalar("SELECT count(*) FROM utxo_outputs") == 8


def test_outputs_of_one_transaction_are_stored_in_a_fixed_order(
    store: Store, tmp_path: Path
) -> None:
    # All outputs of a transaction share its line, its sender (the largest input) and time:
    # the stored order (schema.STORED_ORDER) ends with kind and position for such rows.

    outputs = [
        {
            "index": vout,
            "type": "witness_v0_keyhash",
            "addresses": [bech32m.encode("bc", 0, _h(f"payee-{vout}"))],
            "value": 1000 + vout,
        }
        for vout in range(40)
    ]
    transaction = {
        "hash": _txid("fan-out"),
        "block_number": 800002,
        "block_timestamp": 1690170000,
        "is_coinbase": False,
        "inputs": [
            {
                "index": 0,
                "spent_transaction_hash": PREV_BOB,
                "spent_output_index": 0,
                "type": "pubkeyhash",
                "addresses": [BOB],
                "value": 10**8,
            }
        ],
        "outputs": outputs,
    }
    path = tmp_path / "fan_out.jsonl"
    path.write_text(json.dumps(transaction) + "\n")
    ingest_transfer_file(store, path, "bitcoin-etl", ReadOptions(get_chain("btc")))
    stored = store.con.execute(
        "SELECT line, kind, position FROM transfers ORDER BY rowid"
    ).fetchall()
    assert len(stored) == 40
    assert stored == sorted(stored)
    outputs_stored = store.con.execute(
        "SELECT address_id, line, vout FROM utxo_outputs ORDER BY rowid"
    ).fetchall()
    assert len(outputs_stored) == 40
    assert outputs_stored == sorted(outputs_stored)
