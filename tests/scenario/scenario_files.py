"""A generated scenario parsed back with plain parsers, for the scenario tests.

The files are read back with pyarrow CSV (every column as text) and json per line rather
than the project's readers, so these tests check the output contract on its own.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from sanctionwatch.scenario import ScenarioManifest


def read_csv_text(path: Path) -> pa.Table:
    """A CSV with every column read as text (big integers stay exact)."""
    with path.open("rb") as f:
        header = f.readline().decode().strip().split(",")
    opts = pcsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
    )
    return pcsv.read_csv(path, convert_options=opts)


@dataclass
class Scenario:
    """A generated scenario and its files parsed back into Python structures."""

    root: Path
    manifest: ScenarioManifest
    eth_tx: list[dict[str, str]] = field(default_factory=list)
    eth_tok: list[dict[str, str]] = field(default_factory=list)
    eth_tr: list[dict[str, str]] = field(default_factory=list)
    btc: list[dict[str, Any]] = field(default_factory=list)
    tron: list[dict[str, str]] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def load(root: Path, manifest: ScenarioManifest) -> Scenario:
        """Parse every data file of the scenario in ``root``."""
        s = Scenario(root, manifest)
        s.eth_tx = read_csv_text(root / "ethereum/transactions.csv").to_pylist()
        s.eth_tok = read_csv_text(root / "ethereum/token_transfers.csv").to_pylist()
        s.eth_tr = read_csv_text(root / "ethereum/traces.csv").to_pylist()
        s.tron = read_csv_text(root / "tron/usdt_transfers.csv").to_pylist()
        with (root / "bitcoin/transactions.jsonl").open() as f:
            s.btc = [json.loads(line) for line in f]
        s.truth = json.loads((root / "ground_truth.json").read_text())
        return s

    def transfers(self) -> list[tuple[str, str, str, str, int, int, int]]:
        """Every value movement: (chain, from, to, asset, amount, time, order).

        ``order`` sorts movements inside one timestamp (position in the file). Failed
        Ethereum transactions move nothing. Bitcoin inputs debit, outputs credit.
        """
        tokens = {
            "0xae7ab96520de3a18e5e111b5eaab095312d7fe84": "stETH",
            "0xd5f7838f5c461feff7fe49ea5ebaf7728bb0adfa": "mETH",
            "0xe6829d9a7ee3040e1276fa75293bde931859e8fa": "cmETH",
        }
        out: list[tuple[str, str, str, str, int, int, int]] = []
        status = {t["hash"]: t["receipt_status"] for t in self.eth_tx}
        for i, t in enumerate(self.eth_tx):
            if t["receipt_status"] == "1" and int(t["value"]):
                out.append(
                    (
                        "ethereum",
                        t["from_address"],
                        t["to_address"],
                        "ETH",
                        int(t["value"]),
                        int(t["block_timestamp"]),
                        i,
                    )
                )
        for i, t in enumerate(self.eth_tok):
            if status[t["transaction_hash"]] == "1":
                out.append(
                    (
                        "ethereum",
                        t["from_address"],
                        t["to_address"],
                        tokens.get(t["token_address"], t["token_address"]),
                        int(t["value"]),
                        int(t["block_timestamp"]),
                        i,
                    )
                )
        for i, t in enumerate(self.eth_tr):
            if status[t["transaction_hash"]] == "1" and int(t["value"]):
                out.append(
                    (
                        "ethereum",
                        t["from_address"],
                        t["to_address"],
                        "ETH",
                        int(t["value"]),
                        int(t["block_timestamp"]),
                        i,
                    )
                )
        for i, tx in enumerate(self.btc):
            for inp in tx["inputs"]:
                for a in inp["addresses"]:
                    out.append(("bitcoin", a, "", "BTC", inp["value"], tx["block_timestamp"], i))
            for o in tx["outputs"]:
                for a in o["addresses"]:
                    out.append(("bitcoin", "", a, "BTC", o["value"], tx["block_timestamp"], i))
        for i, t in enumerate(self.tron):
            ts = int(dt.datetime.fromisoformat(t["block_time"]).timestamp())
            out.append(
                ("tron", t["from_address"], t["to_address"], "USDT", int(t["amount"]), ts, i)
            )
        return out


def iso(ts: int) -> str:
    """Unix seconds -> ``YYYY-MM-DDTHH:MM:SSZ``."""
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
