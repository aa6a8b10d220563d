"""RPC ingest of real blocks 17173049-17173050 against ethereum-etl's golden outputs.

The node answers are rebuilt from the golden files (make_fixtures.py); what the RPC ingest
stores must equal what ingesting the golden files directly stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sanctionwatch.chain import rpc
from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers.base import ReadOptions
from sanctionwatch.chain.readers.ethereum_etl import TRANSFER_TOPIC
from sanctionwatch.chain.rpc import TRACES_UNAVAILABLE, ingest_rpc_range
from sanctionwatch.store.db import Store, open_store
from sanctionwatch.store.ingestlog import FileResult

from .fakenode import FakeNode
from .make_fixtures import FIRST, LAST, golden_file, read_lines

pytestmark = pytest.mark.shared_data

ETH = get_chain("ethereum")
ROWS = "SELECT * EXCLUDE (file_id, line, from_id, to_id, asset_id) FROM transfers_view"


def run(store: Store, node: FakeNode, **kwargs: Any) -> list[FileResult]:
    options: dict[str, Any] = {"chain": ETH, "sleep": lambda _s: None} | kwargs
    return ingest_rpc_range(store, node.url, FIRST, LAST, **options)


def rows(store: Store, where: str = "true") -> list[tuple[Any, ...]]:
    return sorted(store.con.execute(f"{ROWS} WHERE {where}").fetchall(), key=repr)


def ingest_golden(store: Store, shared: Path, *entities: str) -> None:
    for entity in entities:
        ingest_transfer_file(
            store, golden_file(shared, entity), "ethereum-etl", ReadOptions(chain=ETH)
        )


def kinds(store: Store) -> dict[str, int]:
    found = store.con.execute("SELECT kind, count(*) FROM transfers GROUP BY kind").fetchall()
    return {str(k): int(n) for k, n in found}


def test_rpc_ingest_equals_golden_ingest(
    store: Store, golden_node: FakeNode, shared_data: Path
) -> None:
    [result] = run(store, golden_node)
    assert kinds(store) == {"tx": 298, "token": 291, "withdrawal": 32}
    assert result.rows_rejected == 0
    assert TRACES_UNAVAILABLE in result.notes  # the recorded node has no trace methods
    with open_store(":memory:") as direct:
        ingest_golden(direct, shared_data, "blocks", "transactions", "logs")
        assert rows(store) == rows(direct)
        blocks = "SELECT chain, number, hash, block_time FROM blocks ORDER BY number"
        assert store.con.execute(blocks).fetchall() == direct.con.execute(blocks).fetchall()
    with open_store(":memory:") as tokens:  # and the golden token_transfers themselves
        ingest_golden(tokens, shared_data, "blocks", "token_transfers")
        assert rows(store, "kind = 'token'") == rows(tokens, "kind = 'token'")


def test_rerun_adds_nothing(store: Store, golden_node: FakeNode) -> None:
    run(store, golden_node)
    before = store.counts()
    [again] = run(store, golden_node)
    assert again.rows_new == 0
    assert again.rows_duplicate == again.rows_read
    after = store.counts()
    assert {k: v for k, v in after.items() if k != "ingest_log"} == {
        k: v for k, v in before.items() if k != "ingest_log"
    }


def test_transaction_receipts_are_batched(store: Store, golden_node: FakeNode) -> None:
    golden_node.missing = {"eth_getBlockReceipts"}
    run(store, golden_node, traces=False, batch_size=50)
    assert golden_node.calls["eth_getTransactionReceipt"] == 298
    # eth_chainId; 2 blocks + 2 block receipts (-32601); 298 receipts in batches of 50
    assert golden_node.posts == [1, 4, 50, 50, 50, 50, 50, 48]
    assert kinds(store) == {"tx": 298, "token": 291, "withdrawal": 32}


def test_records_match_ethereum_etl_mappers(
    store: Store, golden_node: FakeNode, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Field by field, the JSON lines written equal ethereum-etl's own output."""
    written: list[dict[str, Any]] = []
    original = rpc._ingest_records

    def capture(store: Store, records: Any, *args: Any) -> FileResult:
        written.extend(records)
        return original(store, written, *args)

    monkeypatch.setattr(rpc, "_ingest_records", capture)
    run(store, golden_node, traces=False)
    by_type: dict[str, dict[Any, dict[str, Any]]] = {"block": {}, "transaction": {}, "log": {}}
    for record in written:
        key = (
            record.get("hash")
            if record["type"] != "log"
            else (record["transaction_hash"], record["log_index"])
        )
        by_type[record["type"]][key] = record
    expected = {
        "block": {r["hash"]: r for r in read_lines(golden_file(shared_data, "blocks"))},
        "transaction": {r["hash"]: r for r in read_lines(golden_file(shared_data, "transactions"))},
        "log": {
            (r["transaction_hash"], r["log_index"]): r
            for r in read_lines(golden_file(shared_data, "logs"))
            if r["topics"] and r["topics"][0] == TRANSFER_TOPIC
        },
    }
    for kind, golden in expected.items():
        assert by_type[kind].keys() == golden.keys(), kind
        for key, record in by_type[kind].items():
            common = (record.keys() & golden[key].keys()) - {"type"}
            assert len(common) >= 8, kind
            assert {f: record[f] for f in common} == {f: golden[key][f] for f in common}
