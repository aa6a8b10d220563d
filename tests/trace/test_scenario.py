"""End to end on generated scenarios: trace the theft on Ethereum and compare with the truth.

In scope here: the account-model trace per asset, stopping at DEX, bridge, mixer and exchange
addresses. Out of scope (later steps of issue 3): continuing through DEX swaps (ETH produced
by a swap), mixer withdrawals, bridges and cross-chain swaps, Bitcoin's UTXO tracing. So the
Ethereum laundering addresses we cannot reach yet are exactly those behind a swap or a mixer:
``split`` addresses at hop 2 (fed by swap output), ``mixer`` withdrawal addresses (hop 3) and
the ``exchange_deposit`` addresses after them (hop 4).

Measured (seeds 3 and 11, 30k transfers): recall of the Ethereum laundering addresses 13/24 =
0.54 when tracing every asset, 11/24 with ETH alone; 100% of the addresses reachable without
a swap or mixer; dormant ETH held at reached addresses equal to the truth (relative error
< 1e-9); a trace takes ~20 ms.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.labels import ingest_label_files
from sanctionwatch.scenario import generate
from sanctionwatch.store import Store, open_store
from sanctionwatch.trace.engine import trace
from sanctionwatch.trace.index import TraceIndex
from sanctionwatch.trace.models import MODELS

BEHIND_SWAP_OR_MIXER = {"split", "mixer", "exchange_deposit"}


def load(out: Path, seed: int, transfers: int) -> tuple[Store, dict[str, Any]]:
    generate(out, seed=seed, transfers=transfers)
    store = open_store(":memory:")
    plan = [
        ("ethereum/transactions.csv", "ethereum-etl", "ethereum"),
        ("ethereum/token_transfers.csv", "ethereum-etl", "ethereum"),
        ("ethereum/traces.csv", "ethereum-etl", "ethereum"),
        ("tron/usdt_transfers.csv", "csv", "tron"),
    ]
    for path, fmt, chain in plan:
        ingest_transfer_file(store, out / path, fmt, ReadOptions(chain=get_chain(chain)))
    ingest_label_files(store, sorted((out / "labels").glob("*.yaml")))
    return store, json.loads((out / "ground_truth.json").read_text())


@pytest.fixture(scope="module", params=[3, 11])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    seed = int(request.param)
    store, truth = load(tmp_path_factory.mktemp(f"scenario{seed}"), seed, 30_000)
    yield store, truth
    store.close()


def theft_trace(store: Store, truth: dict[str, Any], **options: Any) -> Any:
    theft = truth["theft"]
    since = datetime.fromisoformat(theft["time"].replace("Z", "+00:00"))
    index = TraceIndex.build(store, "ethereum")
    return trace(index, [("ethereum", theft["address"])], store=store, since=since, **options)


def test_recall_of_ethereum_laundering_addresses(scenario: Any) -> None:
    store, truth = scenario
    result = theft_trace(store, truth, model="haircut")
    reached = {n["address"] for n in result.nodes}
    wanted = [a for a in truth["laundering_addresses"] if a["chain"] == "ethereum"]
    missing = [a for a in wanted if a["address"] not in reached]
    recall = 1 - len(missing) / len(wanted)
    assert recall >= 0.5
    # everything missing is behind a DEX swap's output or a mixer (not in this step's scope)
    assert {a["stage"] for a in missing} <= BEHIND_SWAP_OR_MIXER
    assert all(a["hop"] >= 2 for a in missing)
    # ETH alone reaches the same minus the token holders that swap at the DEX
    eth_only = theft_trace(store, truth, model="haircut", asset_id=1)
    eth_reached = {n["address"] for n in eth_only.nodes}
    assert sum(a["address"] in eth_reached for a in wanted) / len(wanted) >= 0.45
    # background precision: reached addresses that are neither laundering nor labelled
    labelled = {n["address"] for n in result.nodes if n["labels"]}
    known = {a["address"] for a in wanted} | labelled
    assert len(reached - known) <= 0.1 * len(reached)


def test_dormant_amounts_match_the_truth(scenario: Any) -> None:
    store, truth = scenario
    result = theft_trace(store, truth, model="haircut", asset_id=1)
    held = {n["address"]: n["held"].get("ETH", 0.0) for n in result.nodes}
    stage = {
        a["address"]: (a["stage"], a["hop"])
        for a in truth["laundering_addresses"]
        if a["chain"] == "ethereum"
    }
    checked = 0
    for t in truth["terminals"]:
        if t["chain"] == "ethereum" and t["category"] == "dormant" and t["asset"] == "ETH":
            name, hop = stage[t["address"]]
            if name in ("dex_swap", "mixer") or hop >= 2:
                continue  # held value produced by a swap or a mixer withdrawal
            assert held[t["address"]] == pytest.approx(int(t["amount"]), rel=1e-6)
            checked += 1
    assert checked >= 3


def test_conservation_and_evidence_paths(scenario: Any) -> None:
    store, truth = scenario
    result = theft_trace(store, truth, model="all")
    for (asset, model), tr in result.traces.items():
        assert model in MODELS
        assert abs(tr.balance_error()) <= 1e-9 * (tr.source + tr.absorbed), (asset, model)
    theft = truth["theft"]["address"]
    assert result.terminals
    for terminal in result.terminals:
        path = terminal["path"]
        assert path[0]["from_address"] == theft
        assert path[-1]["to_address"] == terminal["address"]
        times = [p["block_time"] for p in path]
        assert times == sorted(times)
        assert terminal["range"][0] <= terminal["tainted_amount"] <= terminal["range"][1]
    categories = {t["category"] for t in result.terminals}
    assert {"bridge", "mixer", "dex"} <= categories
