"""The scenario files follow the export formats the readers ingest (the contract)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict

import base58
import bech32m
import pytest
import yaml

from .scenario_files import Scenario

ETH_ADDR = re.compile(r"^0x[0-9a-f]{40}$")
ETH_HASH = re.compile(r"^0x[0-9a-f]{64}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
DEC = re.compile(r"^(0|[1-9][0-9]*)$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

TX_HEADER = (
    "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,"
    "value,gas,gas_price,input,block_timestamp,max_fee_per_gas,"
    "max_priority_fee_per_gas,transaction_type,receipt_status"
)
TRANSFER_LOG_HEADER = (
    "token_address,from_address,to_address,value,transaction_hash,log_index,"
    "block_number,block_timestamp"
)
TRACE_HEADER = (
    "transaction_hash,transaction_index,from_address,to_address,value,input,"
    "output,trace_type,call_type,reward_type,gas,gas_used,subtraces,"
    "trace_address,error,status,block_number,block_timestamp,trace_id"
)
TRON_HEADER = "chain,tx_hash,position,block_number,block_time,from_address,to_address,asset,amount"
BTC_KEYS = [
    "hash",
    "size",
    "virtual_size",
    "version",
    "lock_time",
    "block_number",
    "block_hash",
    "block_timestamp",
    "is_coinbase",
    "index",
    "inputs",
    "outputs",
    "input_count",
    "output_count",
    "input_value",
    "output_value",
    "fee",
]
BTC_IN_KEYS = [
    "index",
    "spent_transaction_hash",
    "spent_output_index",
    "script_asm",
    "script_hex",
    "sequence",
    "required_signatures",
    "type",
    "addresses",
    "value",
]
BTC_OUT_KEYS = [
    "index",
    "script_asm",
    "script_hex",
    "required_signatures",
    "type",
    "addresses",
    "value",
]


def btc_address_ok(a: str) -> bool:
    """Valid mainnet P2PKH/P2SH (base58check) or P2WPKH (bech32) address."""
    if a.startswith("bc1"):
        dec = bech32m.decode("bc", a)
        return dec.witver == 0 and len(dec.witprog) == 20
    raw = base58.b58decode_check(a)
    return len(raw) == 21 and raw[0] in (0x00, 0x05)


def tron_address_ok(a: str) -> bool:
    """Valid TRON base58check address."""
    raw = base58.b58decode_check(a)
    return len(raw) == 21 and raw[0] == 0x41 and a.startswith("T")


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("ethereum/transactions.csv", TX_HEADER),
        ("ethereum/token_transfers.csv", TRANSFER_LOG_HEADER),
        ("ethereum/traces.csv", TRACE_HEADER),
        ("tron/usdt_transfers.csv", TRON_HEADER),
    ],
)
def test_csv_headers_are_exact(small: Scenario, path: str, header: str) -> None:
    first = (small.root / path).read_text().split("\n", 1)[0]
    assert first == header


def test_ethereum_transactions(scenario: Scenario) -> None:
    hashes = set()
    per_block: defaultdict[int, list[int]] = defaultdict(list)
    nonces: defaultdict[str, list[int]] = defaultdict(list)
    for t in scenario.eth_tx:
        assert ETH_HASH.match(t["hash"])
        assert ETH_HASH.match(t["block_hash"])
        assert ETH_ADDR.match(t["from_address"])
        assert ETH_ADDR.match(t["to_address"])
        assert DEC.match(t["value"])
        assert DEC.match(t["gas"])
        assert DEC.match(t["gas_price"])
        assert t["input"].startswith("0x")
        assert len(t["input"]) % 2 == 0
        assert t["receipt_status"] in ("0", "1")
        assert t["transaction_type"] in ("0", "2")
        if t["transaction_type"] == "0":
            assert t["max_fee_per_gas"] == ""
            assert t["max_priority_fee_per_gas"] == ""
        else:
            assert int(t["max_fee_per_gas"]) >= int(t["max_priority_fee_per_gas"])
        block, ts = int(t["block_number"]), int(t["block_timestamp"])
        assert ts == 1_735_689_600 + 12 * (block - 21_500_000)
        assert 1_735_689_600 <= ts < 1_746_057_600
        hashes.add(t["hash"])
        per_block[block].append(int(t["transaction_index"]))
        nonces[t["from_address"]].append(int(t["nonce"]))
    assert len(hashes) == len(scenario.eth_tx)
    for idx in per_block.values():
        assert sorted(idx) == list(range(len(idx)))
    for seq in nonces.values():  # the file is in block order: nonces count up per sender
        assert seq == list(range(len(seq)))
    assert Counter(t["receipt_status"] for t in scenario.eth_tx)["0"] > 0  # a few failed
    blocks = [int(t["block_number"]) for t in scenario.eth_tx]
    assert blocks == sorted(blocks)


def test_token_transfers_and_traces_belong_to_transactions(scenario: Scenario) -> None:
    txs = {t["hash"]: t for t in scenario.eth_tx}
    seen_logs: set[tuple[str, str]] = set()
    for r in scenario.eth_tok:
        tx = txs[r["transaction_hash"]]
        assert (r["block_number"], r["block_timestamp"]) == (
            tx["block_number"],
            tx["block_timestamp"],
        )
        assert ETH_ADDR.match(r["token_address"])
        assert DEC.match(r["value"])
        assert (r["block_number"], r["log_index"]) not in seen_logs
        seen_logs.add((r["block_number"], r["log_index"]))
    for r in scenario.eth_tr:
        tx = txs[r["transaction_hash"]]
        assert (r["block_number"], r["block_timestamp"], r["transaction_index"]) == (
            tx["block_number"],
            tx["block_timestamp"],
            tx["transaction_index"],
        )
        assert r["trace_address"] != ""
        assert re.fullmatch(r"\d+(,\d+)*", r["trace_address"])
        assert r["trace_type"] == "call"
        assert r["call_type"] == "call"
        assert r["status"] == "1"
        assert r["trace_id"] == "call_{}_{}".format(
            r["transaction_hash"], r["trace_address"].replace(",", "_")
        )
        assert r["error"] == ""


def test_erc20_calldata_matches_the_log(small: Scenario) -> None:
    txs = {t["hash"]: t for t in small.eth_tx}
    checked = 0
    for r in small.eth_tok:
        inp = txs[r["transaction_hash"]]["input"]
        if inp.startswith("0xa9059cbb"):
            assert inp[34:74] == r["to_address"][2:]
            assert int(inp[74:], 16) == int(r["value"])
            checked += 1
    assert checked > 50


def test_bitcoin_json_shape(scenario: Scenario) -> None:
    for tx in scenario.btc:
        assert list(tx) == BTC_KEYS
        assert HEX64.match(tx["hash"])
        assert HEX64.match(tx["block_hash"])
        assert tx["block_timestamp"] == 1_735_689_600 + 600 * (tx["block_number"] - 877_000)
        assert tx["input_count"] == len(tx["inputs"])
        assert tx["output_count"] == len(tx["outputs"])
        assert tx["input_value"] == sum(i["value"] for i in tx["inputs"])
        assert tx["output_value"] == sum(o["value"] for o in tx["outputs"])
        if tx["is_coinbase"]:
            assert tx["inputs"] == []
            assert tx["fee"] == 0
        else:
            assert tx["fee"] == tx["input_value"] - tx["output_value"] >= 0
        for n, i in enumerate(tx["inputs"]):
            assert list(i) == BTC_IN_KEYS
            assert i["index"] == n
        for n, o in enumerate(tx["outputs"]):
            assert list(o) == BTC_OUT_KEYS
            assert o["index"] == n
            if o["type"] == "nulldata":
                assert o["addresses"] == []
                assert o["value"] == 0
                assert o["script_asm"].startswith("OP_RETURN ")
                assert o["script_hex"].startswith("6a")
            else:
                assert len(o["addresses"]) == 1
                assert o["value"] > 0
    blocks = [tx["block_number"] for tx in scenario.btc]
    assert blocks == sorted(blocks)
    per_block = Counter(blocks)
    for b, n in per_block.items():
        idx = (
            sorted(tx["index"] for tx in scenario.btc if tx["block_number"] == b) if n > 1 else [0]
        )
        assert idx == list(range(n))


def test_bitcoin_inputs_spend_earlier_outputs_exactly_once(scenario: Scenario) -> None:
    outputs: dict[tuple[str, int], tuple[int, list[str]]] = {}
    spent: set[tuple[str, int]] = set()
    for tx in scenario.btc:
        for i in tx["inputs"]:
            key = (i["spent_transaction_hash"], i["spent_output_index"])
            assert key in outputs, "input spends an output not written before it"
            assert key not in spent, "double spend"
            spent.add(key)
            value, addrs = outputs[key]
            assert (i["value"], i["addresses"]) == (value, addrs)
        for o in tx["outputs"]:
            outputs[(tx["hash"], o["index"])] = (o["value"], o["addresses"])


def test_script_types_and_addresses_are_valid(scenario: Scenario) -> None:
    kinds: Counter[str] = Counter()
    for tx in scenario.btc:
        for o in tx["outputs"]:
            for a in o["addresses"]:
                assert btc_address_ok(a), a
                h = o["script_hex"]
                if o["type"] == "pubkeyhash":
                    assert a[0] == "1"
                    assert h == "76a914" + base58.b58decode_check(a)[1:].hex() + "88ac"
                elif o["type"] == "scripthash":
                    assert a[0] == "3"
                    assert h == "a914" + base58.b58decode_check(a)[1:].hex() + "87"
                else:
                    assert o["type"] == "witness_v0_keyhash"
                    assert h == "0014" + bytes(bech32m.decode("bc", a).witprog).hex()
                kinds[o["type"]] += 1
    assert {"pubkeyhash", "scripthash", "witness_v0_keyhash"} <= set(kinds)
    for t in scenario.tron:
        assert tron_address_ok(t["from_address"])
        assert tron_address_ok(t["to_address"])
    for a in scenario.truth["laundering_addresses"]:
        if a["chain"] == "bitcoin":
            assert btc_address_ok(a["address"])
        elif a["chain"] == "tron":
            assert tron_address_ok(a["address"])
        else:
            assert ETH_ADDR.match(a["address"])


def test_tron_rows(scenario: Scenario) -> None:
    keys: set[tuple[str, str]] = set()
    for t in scenario.tron:
        assert t["chain"] == "tron"
        assert t["asset"] == "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
        assert HEX64.match(t["tx_hash"])
        assert ISO.match(t["block_time"])
        assert DEC.match(t["amount"])
        assert int(t["amount"]) > 0
        assert (t["tx_hash"], t["position"]) not in keys
        keys.add((t["tx_hash"], t["position"]))
    assert any(t["position"] != "0" for t in scenario.tron) or len(scenario.tron) < 100


def test_tagpacks(scenario: Scenario) -> None:
    allowed_conf = {
        "ownership",
        "service_data",
        "authority_data",
        "forensic_investigation",
        "forensic",
        "web_crawl",
        "heuristic",
    }
    tagged: dict[str, dict[str, object]] = {}
    rows = {f.path: f.rows for f in scenario.manifest.files}
    for path in sorted((scenario.root / "labels").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        assert rows[f"labels/{path.name}"] == len(doc["tags"])
        for key in ("title", "creator", "description", "lastmod", "source", "confidence"):
            assert doc[key], (path.name, key)
        assert doc["is_public"] is True
        assert doc["confidence"] in allowed_conf
        assert str(doc["lastmod"]) == "2025-04-30"
        for tag in doc["tags"]:
            assert {"address", "currency", "label", "category"} <= set(tag)
            assert tag["currency"] in ("ETH", "BTC", "TRX", "USDT")
            assert isinstance(tag["address"], str)
            tagged[tag["address"]] = {**tag, "confidence": doc["confidence"]}
    theft = scenario.truth["theft"]["address"]
    assert tagged[theft]["category"] == "hacker"
    assert tagged[theft]["abuse"] == "service_hack"
    assert tagged[theft]["actor"] == "lazarus"
    assert tagged[theft]["confidence"] == "forensic_investigation"
    cats = {t["category"] for t in tagged.values()}
    assert {"exchange", "dex", "bridge", "mixing_service", "otc_broker", "hacker"} <= cats
    frozen = [
        a["address"] for a in scenario.truth["laundering_addresses"] if a["stage"] == "frozen"
    ]
    assert all(f in tagged for f in frozen)


def test_only_some_deposit_addresses_are_labelled(medium: Scenario) -> None:
    tagged = set()
    for path in (medium.root / "labels").glob("*.yaml"):
        tagged |= {t["address"] for t in yaml.safe_load(path.read_text())["tags"]}
    deps = [
        a["address"]
        for a in medium.truth["laundering_addresses"]
        if a["stage"] == "exchange_deposit"
    ]
    labelled = sum(d in tagged for d in deps)
    assert 0 < labelled < len(deps)


def test_manifest_describes_the_files(scenario: Scenario) -> None:
    doc = json.loads((scenario.root / "manifest.json").read_text())
    assert doc["seed"] == scenario.manifest.seed
    assert doc["generator_version"]
    assert doc["parameters"]["transfers"]
    paths = {f["path"] for f in doc["files"]}
    assert {
        "ethereum/transactions.csv",
        "ethereum/token_transfers.csv",
        "ethereum/traces.csv",
        "bitcoin/transactions.jsonl",
        "tron/usdt_transfers.csv",
        "labels/scenario_services.yaml",
        "ground_truth.json",
        "ground_truth_addresses.csv",
    } <= paths
    for f in doc["files"]:
        data = (scenario.root / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert len(data) == f["bytes"]
    counts = doc["counts"]
    assert counts["ethereum_transactions"] == len(scenario.eth_tx)
    assert counts["ethereum_token_transfers"] == len(scenario.eth_tok)
    assert counts["ethereum_traces"] == len(scenario.eth_tr)
    assert counts["bitcoin_transactions"] == len(scenario.btc)
    assert counts["bitcoin_outputs"] == sum(len(t["outputs"]) for t in scenario.btc)
    assert counts["tron_transfers"] == len(scenario.tron)
    assert doc["transfers_written"] == sum(counts.values()) - counts["bitcoin_transactions"]
    assert scenario.truth["transfers_written"] == counts


def test_ground_truth_addresses_csv(scenario: Scenario) -> None:
    lines = (scenario.root / "ground_truth_addresses.csv").read_text().splitlines()
    assert lines[0] == "chain,address,stage,hop"
    rows = {tuple(line.split(",")) for line in lines[1:]}
    expected = {
        (a["chain"], a["address"], a["stage"], str(a["hop"]))
        for a in scenario.truth["laundering_addresses"]
    }
    assert rows == expected
