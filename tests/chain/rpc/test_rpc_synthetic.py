"""RPC ingest of invented blocks (fixtures/synthetic_node.json): needs no shared data.

Checks what becomes a transfer (transactions, Transfer logs, internal value moves from
traces, withdrawals), that trace_block and debug_traceBlockByNumber agree, and that every
fallback is taken once and reported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.rpc import TRACES_UNAVAILABLE, ingest_rpc_range
from sanctionwatch.errors import InputError
from sanctionwatch.store.db import Store, open_store
from sanctionwatch.store.ingestlog import FileResult

from .fakenode import SYNTHETIC, FakeNode, load_answers

FIRST, LAST = 19_000_000, 19_000_002
ETH = get_chain("ethereum")
E = 10**18
ALICE = "0xa11ce00000000000000000000000000000000001"
BOB = "0xb0b0000000000000000000000000000000000002"
CAROL = "0xc0c0000000000000000000000000000000000003"
MALLORY = "0x3a110000000000000000000000000000000000f6"
MIXER = "0x3333333333333333333333333333333333333333"
DOOMED = "0x4444444444444444444444444444444444444444"
ERC20 = "0x7070707070707070707070707070707070707070"
NEWC = "0xde91000000000000000000000000000000000007"
VALIDATOR = "0x5555555555555555555555555555555555555555"

# (block, kind, position, from, to, amount, success)
EXPECTED = {
    (FIRST, "tx", "", ALICE, BOB, E, True),
    (FIRST, "tx", "", ALICE, ERC20, 0, True),
    (FIRST, "token", "0", ALICE, BOB, 500 * E, True),
    (FIRST, "withdrawal", "100", None, VALIDATOR, 1_000_000 * 10**9, True),
    (FIRST + 1, "tx", "", BOB, MIXER, 2 * E, True),
    (FIRST + 1, "tx", "", ALICE, NEWC, 3 * E // 10, True),  # creation: to = new contract
    (FIRST + 1, "tx", "", CAROL, MIXER, 5 * E // 10, False),  # reverted transaction
    (FIRST + 1, "token", "0", MIXER, CAROL, 1000, True),
    (FIRST + 1, "trace", "0", MIXER, CAROL, 15 * E // 10, True),
    (FIRST + 1, "trace", "3", MIXER, MALLORY, 2 * E // 10, True),
    (FIRST + 1, "trace", "4_0", DOOMED, CAROL, E // 100, True),  # selfdestruct
    (FIRST + 1, "trace", "0", NEWC, BOB, E // 10, True),  # sent by the new contract
    (FIRST + 2, "withdrawal", "101", None, VALIDATOR, 2_500_000 * 10**9, True),
}
NOT_TRACES = {row for row in EXPECTED if row[1] != "trace"}

MakeNode = Callable[[list[dict[str, Any]]], FakeNode]


def transfers(store: Store) -> set[tuple[Any, ...]]:
    rows = store.con.execute(
        "SELECT block_number, kind, position, from_address, to_address, amount, success "
        "FROM transfers_view"
    ).fetchall()
    assert len(rows) == len(set(rows))
    return set(rows)


def full_rows(store: Store) -> list[tuple[Any, ...]]:
    return sorted(
        store.con.execute(
            "SELECT * EXCLUDE (file_id, line, from_id, to_id, asset_id) FROM transfers_view"
        ).fetchall(),
        key=repr,
    )


def run(store: Store, node: FakeNode, **kwargs: Any) -> list[FileResult]:
    options: dict[str, Any] = {"chain": ETH, "sleep": lambda _s: None} | kwargs
    return ingest_rpc_range(store, node.url, FIRST, LAST, **options)


def test_trace_block_ingest(store: Store, synthetic_node: FakeNode) -> None:
    messages: list[str] = []
    results = run(store, synthetic_node, progress=messages.append)
    assert transfers(store) == EXPECTED
    assert messages[0] == f"blocks {FIRST}\u2013{LAST} of {FIRST}\u2013{LAST}"
    [result] = results
    assert result.path == f"rpc:{synthetic_node.url}#blocks={FIRST}:{LAST}"
    assert result.rows_rejected == 0
    assert result.table_rows["blocks"] == 3
    assert result.skipped_reasons == {
        "top-level call (its value is the transaction's own transfer)": 5,
        "delegatecall/staticcall/callcode moves no value": 1,
        "failed call moves no value": 3,  # reverted call, its child, child of reverted tx
        "zero-value call": 1,
    }
    assert any("block reward" in note for note in result.notes)
    assert any("failed contract creations" in note for note in result.notes)
    assert synthetic_node.calls["debug_traceBlockByNumber"] == 0
    stored = store.con.execute("SELECT number FROM blocks ORDER BY number").fetchall()
    assert stored == [(FIRST,), (FIRST + 1,), (FIRST + 2,)]


def test_rerun_adds_nothing(store: Store, synthetic_node: FakeNode) -> None:
    run(store, synthetic_node)
    before = store.counts()
    [again] = run(store, synthetic_node)
    assert again.rows_new == 0
    assert again.table_rows["transfers"] == 0
    after = store.counts()
    assert after["transfers"] == before["transfers"] == len(EXPECTED)
    assert after["ingest_log"] == before["ingest_log"] + 1


def test_debug_trace_fallback_gives_the_same_rows(store: Store, make_node: MakeNode) -> None:
    parity = make_node(load_answers(SYNTHETIC))
    geth = make_node(load_answers(SYNTHETIC))
    geth.missing = {"trace_block"}
    run(store, parity)
    with open_store(":memory:") as other:
        results = run(other, geth, chunk_blocks=1)
        assert full_rows(other) == full_rows(store)
        assert transfers(other) == EXPECTED
    assert geth.calls["trace_block"] == 1  # detected once, remembered for later chunks
    assert geth.calls["debug_traceBlockByNumber"] == 3
    assert not any(TRACES_UNAVAILABLE in r.notes for r in results)


def test_no_trace_methods_is_noted_in_every_chunk(store: Store, synthetic_node: FakeNode) -> None:
    synthetic_node.missing = {"trace_block", "debug_traceBlockByNumber"}
    results = run(store, synthetic_node, chunk_blocks=2)
    assert len(results) == 2
    assert all(TRACES_UNAVAILABLE in r.notes for r in results)
    assert transfers(store) == NOT_TRACES
    assert synthetic_node.calls["trace_block"] == 2  # the first chunk only
    assert synthetic_node.calls["debug_traceBlockByNumber"] == 2


def test_traces_off_asks_for_none(store: Store, synthetic_node: FakeNode) -> None:
    [result] = run(store, synthetic_node, traces=False)
    assert transfers(store) == NOT_TRACES
    assert synthetic_node.calls["trace_block"] == 0
    assert synthetic_node.calls["debug_traceBlockByNumber"] == 0
    assert result.notes == []


def test_receipts_fall_back_to_transaction_receipts(store: Store, make_node: MakeNode) -> None:
    node = make_node(load_answers(SYNTHETIC))
    node.missing = {"eth_getBlockReceipts"}
    run(store, node, chunk_blocks=1)
    assert transfers(store) == EXPECTED
    assert node.calls["eth_getBlockReceipts"] == 1  # detected once
    assert node.calls["eth_getTransactionReceipt"] == 5


def test_chunks_are_separate_ingests(store: Store, synthetic_node: FakeNode) -> None:
    messages: list[str] = []
    results = run(store, synthetic_node, chunk_blocks=2, progress=messages.append)
    base = f"rpc:{synthetic_node.url}#blocks="
    assert [r.path for r in results] == [f"{base}{FIRST}:{FIRST + 1}", f"{base}{LAST}:{LAST}"]
    chunk_messages = [m for m in messages if m.startswith("blocks ")]
    assert chunk_messages == [
        f"blocks {FIRST}\u2013{FIRST + 1} of {FIRST}\u2013{LAST}",
        f"blocks {LAST}\u2013{LAST} of {FIRST}\u2013{LAST}",
    ]
    assert transfers(store) == EXPECTED
    logged = store.con.execute("SELECT count(*) FROM ingest_log").fetchall()
    assert logged == [(2,)]


def test_node_of_another_chain_is_refused(store: Store, make_node: MakeNode) -> None:
    answers = copy.deepcopy(load_answers(SYNTHETIC))
    for answer in answers:
        if answer["method"] == "eth_chainId":
            answer["result"] = "0x38"
    node = make_node(answers)
    with pytest.raises(InputError, match=r"serves chain id 56 \(bsc\), not ethereum"):
        run(store, node)
    assert store.counts()["transfers"] == 0
    assert node.calls["eth_getBlockByNumber"] == 0
