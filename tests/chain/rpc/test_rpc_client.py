"""Batching, retries and failures of the RPC ingest, against the replaying local node."""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable
from typing import Any

import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.rpc import ingest_rpc_range
from sanctionwatch.errors import RemoteError
from sanctionwatch.store.db import Store

from .fakenode import SYNTHETIC, FakeNode, FaultKind, load_answers

FIRST, LAST = 19_000_000, 19_000_002
ETH = get_chain("ethereum")
TRANSFERS = 13  # what the synthetic blocks hold (see test_rpc_synthetic)

MakeNode = Callable[[list[dict[str, Any]]], FakeNode]


def run(store: Store, url: str, sleeps: list[float] | None = None, **kwargs: Any) -> None:
    record = sleeps.append if sleeps is not None else (lambda _s: None)
    ingest_rpc_range(store, url, FIRST, LAST, chain=ETH, sleep=record, **kwargs)


def edited(change: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    answers = copy.deepcopy(load_answers(SYNTHETIC))
    for answer in answers:
        change(answer)
    return answers


def test_calls_are_batched(store: Store, synthetic_node: FakeNode) -> None:
    run(store, synthetic_node.url, batch_size=2)
    # eth_chainId alone, then 3 blocks + 3 block receipts + 3 trace_block in batches of 2
    assert synthetic_node.posts == [1, 2, 2, 2, 2, 1]
    assert synthetic_node.batched == [False, True, True, True, True, False]
    assert store.counts()["transfers"] == TRANSFERS


def test_one_post_per_chunk_with_a_large_batch(store: Store, synthetic_node: FakeNode) -> None:
    run(store, synthetic_node.url, batch_size=50)
    assert synthetic_node.posts == [1, 9]


def test_batch_size_one_sends_plain_calls(store: Store, synthetic_node: FakeNode) -> None:
    run(store, synthetic_node.url, batch_size=1)
    assert synthetic_node.posts == [1] * 10
    assert not any(synthetic_node.batched)


@pytest.mark.parametrize(
    ("kind", "method", "sleeps"),
    [
        ("503", None, [0.25, 0.5]),  # the eth_chainId POST fails twice
        ("429", "trace_block", [0.25, 0.5]),  # the whole batch with trace_block, twice
        ("drop", "eth_getBlockByNumber", [0.25, 0.5]),
        ("transient", "trace_block", [0.25]),  # 2 of 3 calls fail once; only they are resent
    ],
)
def test_transient_failures_are_retried(
    store: Store, synthetic_node: FakeNode, kind: FaultKind, method: str | None, sleeps: list[float]
) -> None:
    synthetic_node.fail(kind, times=2, method=method)
    slept: list[float] = []
    run(store, synthetic_node.url, slept)
    assert slept == sleeps
    assert store.counts()["transfers"] == TRANSFERS
    if kind == "transient":
        assert synthetic_node.calls["trace_block"] == 5


def test_permanent_failure_stores_nothing(store: Store, synthetic_node: FakeNode) -> None:
    synthetic_node.fail("transient", times=-1, method="eth_getBlockReceipts")
    before = store.counts()
    slept: list[float] = []
    with pytest.raises(RemoteError) as info:
        run(store, synthetic_node.url, slept, retries=3)
    message = info.value.message
    assert message.startswith(synthetic_node.url)
    assert f"eth_getBlockReceipts for block {FIRST} failed" in message
    assert "limit exceeded; gave up after 4 attempts" in message
    assert slept == [0.25, 0.5, 1.0]
    assert store.counts() == before


def test_http_failure_names_url_method_block(store: Store, synthetic_node: FakeNode) -> None:
    synthetic_node.fail("503", times=-1, method="eth_getBlockByNumber")
    with pytest.raises(
        RemoteError,
        match=rf"eth_getBlockByNumber for block {FIRST} failed "
        r"\(HTTP 503; gave up after 6 attempts\)",
    ):
        run(store, synthetic_node.url)
    assert store.counts()["transfers"] == 0


def test_non_transient_error_is_not_retried(store: Store, synthetic_node: FakeNode) -> None:
    synthetic_node.fail("invalid", times=1, method="eth_getBlockByNumber")
    slept: list[float] = []
    with pytest.raises(RemoteError, match="JSON-RPC error -32602: invalid argument 0"):
        run(store, synthetic_node.url, slept)
    assert slept == []


def test_failure_in_a_later_chunk_keeps_the_earlier_ones(store: Store, make_node: MakeNode) -> None:
    def forget_last_block(answer: dict[str, Any]) -> None:
        if answer["method"] == "eth_getBlockByNumber" and answer["params"][0] == hex(LAST):
            answer["result"] = None

    node = make_node(edited(forget_last_block))
    with pytest.raises(RemoteError) as info:
        run(store, node.url, chunk_blocks=1)
    assert "has no such block" in info.value.message
    assert (
        f"blocks {FIRST}\u2013{LAST - 1} are stored, re-run with --blocks {LAST}:{LAST} to continue"
    ) in info.value.message
    stored = store.con.execute("SELECT max(number), count(*) FROM blocks").fetchall()
    assert stored == [(LAST - 1, 2)]


def test_receipts_of_another_block_hash_are_refetched_then_refused(
    store: Store, make_node: MakeNode
) -> None:
    def reorganised(answer: dict[str, Any]) -> None:
        if answer["method"] == "eth_getBlockReceipts" and answer["result"]:
            for receipt in answer["result"]:
                receipt["blockHash"] = "0x" + "ee" * 32

    node = make_node(edited(reorganised))
    with pytest.raises(RemoteError, match="kept changing while being fetched"):
        run(store, node.url)
    assert node.calls["eth_getBlockByNumber"] == 9  # three attempts of the chunk
    assert store.counts()["transfers"] == 0


def test_malformed_answer_is_a_remote_error(store: Store, make_node: MakeNode) -> None:
    def bad_time(answer: dict[str, Any]) -> None:
        if answer["method"] == "eth_getBlockByNumber" and answer["params"][0] == hex(FIRST):
            answer["result"]["timestamp"] = "yesterday"

    node = make_node(edited(bad_time))
    with pytest.raises(
        RemoteError,
        match=rf"eth_getBlockByNumber for block {FIRST} failed "
        r"\(malformed answer: timestamp 'yesterday'",
    ):
        run(store, node.url)


def test_connection_refused_is_retried_then_reported(store: Store) -> None:
    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    slept: list[float] = []
    with pytest.raises(RemoteError, match=r"eth_chainId failed \(connection failed"):
        run(store, f"http://127.0.0.1:{port}/", slept, retries=2)
    assert slept == [0.25, 0.5]
