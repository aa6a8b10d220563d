"""Node answers for blocks 17173049-17173050, rebuilt from ethereum-etl's golden outputs.

Why: the RPC ingest should be tested against what a real node says about real blocks, and
ethereum-etl's expected_*.json files (in the shared data folder) hold every fact a node
would give for these blocks. This inverts ethereum-etl's mappers: decimal integers become
hex quantities, snake_case fields the node's camelCase, and the logs go back into their
receipts. The tests build the answers at test time (no copy of the data in the repo); run
``python make_fixtures.py SHARED_DATA_DIR OUT.json`` to look at them.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

SAMPLES = Path("chain") / "ethereum_etl_samples"
PREFIX = "etl_fixture_blocks_17173049_17173050_expected_"
FIRST, LAST = 17173049, 17173050

# (ethereum-etl field, node field, is a quantity)
BLOCK_FIELDS = (
    ("number", "number", True),
    ("hash", "hash", False),
    ("parent_hash", "parentHash", False),
    ("nonce", "nonce", False),
    ("sha3_uncles", "sha3Uncles", False),
    ("logs_bloom", "logsBloom", False),
    ("transactions_root", "transactionsRoot", False),
    ("state_root", "stateRoot", False),
    ("receipts_root", "receiptsRoot", False),
    ("miner", "miner", False),
    ("difficulty", "difficulty", True),
    ("total_difficulty", "totalDifficulty", True),
    ("size", "size", True),
    ("extra_data", "extraData", False),
    ("gas_limit", "gasLimit", True),
    ("gas_used", "gasUsed", True),
    ("timestamp", "timestamp", True),
    ("base_fee_per_gas", "baseFeePerGas", True),
    ("withdrawals_root", "withdrawalsRoot", False),
)
TX_FIELDS = (
    ("hash", "hash", False),
    ("nonce", "nonce", True),
    ("block_hash", "blockHash", False),
    ("block_number", "blockNumber", True),
    ("transaction_index", "transactionIndex", True),
    ("from_address", "from", False),
    ("to_address", "to", False),
    ("value", "value", True),
    ("gas", "gas", True),
    ("gas_price", "gasPrice", True),
    ("input", "input", False),
    ("max_fee_per_gas", "maxFeePerGas", True),
    ("max_priority_fee_per_gas", "maxPriorityFeePerGas", True),
    ("transaction_type", "type", True),
)
RECEIPT_FIELDS = (
    ("hash", "transactionHash", False),
    ("transaction_index", "transactionIndex", True),
    ("block_hash", "blockHash", False),
    ("block_number", "blockNumber", True),
    ("from_address", "from", False),
    ("to_address", "to", False),
    ("receipt_cumulative_gas_used", "cumulativeGasUsed", True),
    ("receipt_gas_used", "gasUsed", True),
    ("receipt_contract_address", "contractAddress", False),
    ("receipt_root", "root", False),
    ("receipt_status", "status", True),
    ("receipt_effective_gas_price", "effectiveGasPrice", True),
    ("transaction_type", "type", True),
)
LOG_FIELDS = (
    ("address", "address", False),
    ("topics", "topics", False),
    ("data", "data", False),
    ("block_number", "blockNumber", True),
    ("transaction_hash", "transactionHash", False),
    ("transaction_index", "transactionIndex", True),
    ("block_hash", "blockHash", False),
    ("log_index", "logIndex", True),
)


def read_lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def golden_file(shared: Path, entity: str) -> Path:
    return shared / SAMPLES / f"{PREFIX}{entity}.json"


def to_node(record: dict[str, Any], fields: tuple[tuple[str, str, bool], ...]) -> dict[str, Any]:
    """ethereum-etl record -> node object (absent/None fields stay out, as nodes omit them)."""
    out: dict[str, Any] = {}
    for etl, node, quantity in fields:
        value = record.get(etl)
        if value is None:
            if etl in ("to_address", "receipt_contract_address"):
                out[node] = None  # nodes give null here rather than leaving the field out
            continue
        out[node] = hex(int(value)) if quantity else value
    return out


def golden_answers(shared: Path) -> list[dict[str, Any]]:
    """Recorded-style answers (method, params, result) for the two golden blocks."""
    blocks = read_lines(golden_file(shared, "blocks"))
    txs = read_lines(golden_file(shared, "transactions"))
    logs = read_lines(golden_file(shared, "logs"))
    txs_by_block: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for tx in sorted(txs, key=lambda t: (t["block_number"], t["transaction_index"])):
        txs_by_block[int(tx["block_number"])].append(tx)
    logs_by_tx: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for log in sorted(logs, key=lambda x: (x["block_number"], x["log_index"])):
        logs_by_tx[log["transaction_hash"]].append(to_node(log, LOG_FIELDS) | {"removed": False})
    answers: list[dict[str, Any]] = [{"method": "eth_chainId", "params": [], "result": "0x1"}]
    for block in blocks:
        number = int(block["number"])
        node_block = to_node(block, BLOCK_FIELDS) | {
            "uncles": [],
            "withdrawals": [
                {
                    "index": hex(w["index"]),
                    "validatorIndex": hex(w["validator_index"]),
                    "address": w["address"],
                    "amount": hex(w["amount"]),
                }
                for w in block["withdrawals"]
            ],
            "transactions": [
                to_node(tx, TX_FIELDS) | {"chainId": "0x1"} for tx in txs_by_block[number]
            ],
        }
        receipts = [
            to_node(tx, RECEIPT_FIELDS) | {"logs": logs_by_tx[tx["hash"]]}
            for tx in txs_by_block[number]
        ]
        answers.append(
            {"method": "eth_getBlockByNumber", "params": [hex(number), True], "result": node_block}
        )
        answers.append(
            {"method": "eth_getBlockReceipts", "params": [hex(number)], "result": receipts}
        )
        answers += [
            {"method": "eth_getTransactionReceipt", "params": [r["transactionHash"]], "result": r}
            for r in receipts
        ]
    return answers


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: make_fixtures.py SHARED_DATA_DIR OUT.json\n")
        return 2
    doc = {
        "description": "node answers rebuilt from ethereum-etl golden outputs",
        "answers": golden_answers(Path(argv[0])),
    }
    Path(argv[1]).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
