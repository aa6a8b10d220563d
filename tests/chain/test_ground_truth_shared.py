"""The four ground-truth edge lists (WWW 2025 MFTracer paper) through a mapped CSV ingest.

Each file lists the laundering edges of one case with their USD value; they load as
transfers of the pseudo-asset USD (18 decimals, so float-printed figures load exactly).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import Store, open_store

pytestmark = pytest.mark.shared_data

MAPPING = {
    "from_address": "From",
    "to_address": "To",
    "amount": "Value_in_USD",
    "block_time": "Timestamp",
    "tx_hash": "Tx_hash",
}
COUNTS = {"Atomic": 1080, "54m": 292, "LIFI": 135, "XScam": 1307}


@pytest.fixture(scope="module")
def cases(shared_data: Path) -> dict[str, Path]:
    folder = shared_data / "chain" / "ground_truth"
    found = {
        p.stem: p
        for p in folder.glob("*/*.csv")
        if p.name not in ("source_addresses.csv", "terminal_addresses.csv")
    }
    assert set(found) == set(COUNTS)
    return found


def _options() -> ReadOptions:
    return ReadOptions(get_chain("ethereum"), mapping=dict(MAPPING), asset="USD")


def _expected(path: Path) -> set[tuple[object, ...]]:
    """(tx_hash, position, from, to, base units, time, line) straight from the CSV."""
    rows = set()
    seen: dict[str, int] = {}
    with path.open(newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            units = Decimal(row["Value_in_USD"]) * 10**18
            assert units == units.to_integral_value()
            position = seen.get(row["Tx_hash"], 0)
            seen[row["Tx_hash"]] = position + 1
            rows.add(
                (
                    row["Tx_hash"],
                    str(position),  # order within the transaction, in file order
                    row["From"],
                    row["To"],
                    int(units),
                    datetime.fromisoformat(row["Timestamp"]),
                    line,
                )
            )
    return rows


@pytest.mark.parametrize("case", sorted(COUNTS))
def test_case_loads_exactly(store: Store, cases: dict[str, Path], case: str) -> None:
    path = cases[case]
    result = ingest_transfer_file(store, path, "csv", _options())
    n = COUNTS[case]
    assert (result.rows_read, result.rows_new, result.rows_rejected, result.rows_skipped) == (
        n,
        n,
        0,
        0,
    )
    stored = set(
        store.con.execute(
            "SELECT tx_hash, position, from_address, to_address, amount, block_time, line "
            "FROM transfers_view WHERE asset = 'USD' AND symbol = 'USD' AND decimals = 18 "
            "AND kind = 'transfer' AND chain = 'ethereum'"
        ).fetchall()
    )
    assert stored == _expected(path)
    assert len(stored) == n

    again = ingest_transfer_file(store, path, "csv", _options())
    assert (again.rows_read, again.rows_new, again.rows_duplicate) == (n, 0, n)
    assert store.scalar("SELECT count(*) FROM transfers") == n


def test_amounts_are_exact(store: Store, cases: dict[str, Path]) -> None:
    ingest_transfer_file(store, cases["Atomic"], "csv", _options())
    ingest_transfer_file(store, cases["LIFI"], "csv", _options())

    def amount(tx_hash: str) -> int:
        return int(store.scalar("SELECT amount FROM transfers WHERE tx_hash = ?", [tx_hash]))

    # 945646.7339 USD
    assert amount("0xb895b86ada385f2ebd775f934ae0db95f62d9ed62a719e6b50cd0a955f166d8f") == (
        945646733900000000000000
    )
    # 347.55300000000005 USD (a float printed with all its digits)
    assert amount("0xc344c4604e8def8250d9c8b71b6d844f03322ad6ea58a1e32683e7228782d8f7") == (
        347553000000000050000
    )


def test_all_four_together(store: Store, cases: dict[str, Path]) -> None:
    for case in sorted(COUNTS):
        ingest_transfer_file(store, cases[case], "csv", _options())
    assert store.scalar("SELECT count(*) FROM transfers") == sum(COUNTS.values())
    assert store.scalar("SELECT count(*) FROM rejects") == 0
    assert store.scalar("SELECT count(*) FROM ingest_log") == 4


def test_cli_ingest_json_output(tmp_path: Path, cases: dict[str, Path]) -> None:
    db = tmp_path / "gt.duckdb"
    args = [sys.executable, "-m", "sanctionwatch", "--db", str(db), "ingest", "transfers"]
    args += [str(cases[c]) for c in sorted(COUNTS)]
    args += ["--format", "csv", "--asset", "USD", "-o", "json"]
    for canonical, source in MAPPING.items():
        args += ["--map", f"{canonical}={source}"]
    env = {k: v for k, v in os.environ.items() if k != "SANCTIONWATCH_DB"}
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert {Path(r["path"]).stem: r["rows_new"] for r in results} == COUNTS
    assert all(r["rows_rejected"] == 0 for r in results)
    assert [r["file_id"] for r in results] == [1, 2, 3, 4]

    again = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert {Path(r["path"]).stem: r["rows_duplicate"] for r in json.loads(again.stdout)} == COUNTS
    assert all(r["rows_new"] == 0 for r in json.loads(again.stdout))
    with open_store(db, read_only=True) as opened:
        assert opened.scalar("SELECT count(*) FROM transfers") == sum(COUNTS.values())
