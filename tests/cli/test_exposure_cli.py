"""``sanctionwatch exposure``: JSON shape, addresses from a file, CSV output, bad input.

The store: S (sanctioned) sends 30 wei to A, U sends 70; A sends 50 to Q; S sends 10 to Q.
Q received 60: 10 directly from S, 50 x 0.3 = 15 through A.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctionwatch.cli.app import app
from sanctionwatch.store import open_store

NAMES = {"S": 1, "U": 2, "A": 3, "Q": 4}
EDGES = [("S", "A", 30), ("U", "A", 70), ("A", "Q", 50), ("S", "Q", 10)]
ENTRY_KEYS = {"address", "chain", "labels", "flow", "flow_units", "usd_total", "exposure"}
EXPOSURE_KEYS = {
    "category",
    "direction",
    "asset",
    "direct_amount",
    "indirect_amount",
    "total_amount",
    "direct_units",
    "indirect_units",
    "total_units",
    "share",
    "usd",
    "usd_partial",
    "path",
    "path_hops",
    "counterparty",
}
TRANSFER_KEYS = {
    "tx_hash",
    "kind",
    "position",
    "chain",
    "from_address",
    "to_address",
    "asset",
    "amount",
    "block_time",
}


def addr(name: str) -> str:
    return f"0x{NAMES[name]:040x}"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "exposure.duckdb"
    with open_store(path) as store:
        con = store.con
        for name, i in NAMES.items():
            con.execute(
                "INSERT INTO addresses (id, chain, address) VALUES (?, 'ethereum', ?)",
                [i, addr(name)],
            )
        for k, (s, r, amount) in enumerate(EDGES):
            con.execute(
                "INSERT INTO transfers VALUES ('ethereum', ?, 'tx', '', ?, ?, ?, ?, 1, ?, NULL, "
                "TRUE, 0, ?)",
                [
                    f"0x{k:064x}",
                    k,
                    datetime(2025, 1, 1, 0, k, tzinfo=UTC),
                    NAMES[s],
                    NAMES[r],
                    amount,
                    k,
                ],
            )
        con.execute(
            "INSERT INTO labels (address_id, chain, address, label, category, confidence, "
            "confidence_level, source, file_id, line) VALUES (1, 'ethereum', ?, 'Listed S', "
            "'sanctioned', 'authority_data', 60, 'us_ofac_sdn 27307', 0, 0)",
            [addr("S")],
        )
    return path


def invoke(db: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["--db", str(db), "exposure", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_json_output_shape(db: Path) -> None:
    data = invoke(db, addr("Q"), "--format", "json")
    assert set(data) == {"direction", "hops", "categories", "through", "addresses", "summary"}
    assert (data["direction"], data["hops"]) == ("in", 3)
    (entry,) = data["addresses"]  # type: ignore[misc]
    assert set(entry) == ENTRY_KEYS
    assert entry["flow"] == {"in": {"ETH": 60.0}, "out": {}}
    (e,) = entry["exposure"]
    assert set(e) == EXPOSURE_KEYS
    assert (e["category"], e["direction"], e["asset"]) == ("sanctioned", "in", "ETH")
    assert (e["direct_amount"], e["indirect_amount"]) == pytest.approx((10, 15))
    assert e["share"] == pytest.approx(25 / 60)
    assert e["path_hops"] == 1
    assert set(e["path"][0]) == TRANSFER_KEYS
    # which list entry makes Q exposed: the path's far end, with its label's source
    assert e["counterparty"] == {
        "address": addr("S"),
        "chain": "ethereum",
        "label": "Listed S",
        "source": "us_ofac_sdn 27307",
        "confidence": "authority_data",
    }
    assert data["summary"]["exposed"]["sanctioned"] == 1  # type: ignore[index]


def test_addresses_from_a_file(db: Path, tmp_path: Path) -> None:
    listing = tmp_path / "addresses.txt"
    stranger = "0x" + "ab" * 20
    listing.write_text(f"# customers\n{addr('Q')}\n\n{addr('S')}\n{stranger}\n")
    data = invoke(db, "--file", str(listing), "--format", "json", "--hops", "1")
    got = data["addresses"]
    assert [a["address"] for a in got] == [addr("Q"), addr("S"), stranger]  # type: ignore[union-attr]
    q, s, unknown = got  # type: ignore[misc]
    assert q["exposure"][0]["indirect_amount"] == 0.0  # one hop: direct only
    assert s["labels"]["category"] == "sanctioned"
    assert s["exposure"][0]["direction"] == "self"
    assert unknown == {"address": stranger, "chain": "ethereum", "error": "not in the store"}
    # the same as a CSV with a chain column, written as CSV to --out
    table = tmp_path / "addresses.csv"
    table.write_text(f"chain,address\nethereum,{addr('Q')}\n,{addr('S')}\nethereum,{stranger}\n")
    out = tmp_path / "exposure.csv"
    result = CliRunner().invoke(
        app,
        ["--db", str(db), "exposure", "--file", str(table), "--format", "csv", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [(r["address"], r["direction"], r["category"], r["error"]) for r in rows] == [
        (addr("Q"), "in", "sanctioned", ""),
        (addr("S"), "self", "sanctioned", ""),
        (stranger, "", "", "not in the store"),
    ]
    assert float(rows[0]["share"]) == pytest.approx(25 / 60)
    assert (rows[0]["counterparty"], rows[0]["counterparty_source"]) == (
        addr("S"),
        "us_ofac_sdn 27307",
    )
    assert rows[2]["counterparty"] == ""  # not in the store: nothing beyond the error
    # and as a table for people
    result = CliRunner().invoke(app, ["--db", str(db), "exposure", addr("Q"), addr("A")])
    assert result.exit_code == 0, result.output
    assert "sanctioned" in result.stdout
    assert "41.67%" in result.stdout
    assert "30.00%" in result.stdout


def _user_error(db: Path, *args: str) -> str:
    """The error a user sees for ``exposure ARGS``, through the real entry point (CliRunner
    bypasses ``main``'s error handling): exit code 2, no output, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANCTIONWATCH_")}
    env["COLUMNS"] = "200"
    done = subprocess.run(
        [sys.executable, "-m", "sanctionwatch", "--db", str(db), "exposure", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    return " ".join(done.stderr.split())


def test_bad_address_is_a_user_error(db: Path) -> None:
    message = _user_error(db, addr("Q"), "0x12ab")
    assert message.startswith("error: Invalid address(es): argument 2: '0x12ab'")
    # option errors are Typer's usage errors, also exit code 2
    result = CliRunner().invoke(app, ["--db", str(db), "exposure", addr("Q"), "--hops", "11"])
    assert result.exit_code == 2
    result = CliRunner().invoke(app, ["--db", str(db), "exposure"])
    assert result.exit_code == 1
    assert "No addresses" in str(result.exception)
    # an --out in a folder that does not exist
    nowhere = db.parent / "no-such-folder" / "out.json"
    assert _user_error(db, addr("Q"), "--out", str(nowhere)).startswith("error: Cannot write ")


def test_bad_lines_of_a_file_are_named_with_their_lines(db: Path, tmp_path: Path) -> None:
    """An invalid address and an unknown chain in one file: one error naming both lines."""
    table = tmp_path / "customers.csv"
    table.write_text(
        f"address,chain\n{addr('Q')},ethereum\n0x12ab,ethereum\n{addr('S')},etherium\n"
    )
    result = CliRunner().invoke(app, ["--db", str(db), "exposure", "--file", str(table)])
    assert result.exit_code == 1
    message = str(result.exception)
    assert f"{table} line 3: '0x12ab' (ethereum:" in message
    assert f"{table} line 4: '{addr('S')}' (Unknown chain 'etherium'" in message
