"""``sanctionwatch incidents list|show|summary|load-labels``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sanctionwatch.cli.app import app

runner = CliRunner()


def test_summary_json_has_totals_and_groups() -> None:
    result = runner.invoke(
        app, ["incidents", "summary", "--from", "2024-01", "--to", "2025-09", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"total_usd", "count", "groups"} <= set(data)
    assert [g["key"] for g in data["groups"]] == ["2024", "2025"]
    assert sum(g["total_usd"] for g in data["groups"]) == data["total_usd"]
    assert all({"key", "total_usd", "count"} <= set(g) for g in data["groups"])


def test_summary_by_vector_table() -> None:
    result = runner.invoke(app, ["incidents", "summary", "--by", "vector", "--from", "2025-01"])
    assert result.exit_code == 0, result.output
    assert "supply_chain" in result.stdout
    assert "total" in result.stdout


def test_list_and_show() -> None:
    listed = runner.invoke(app, ["incidents", "list", "--from", "2024-05", "--to", "2024-05"])
    assert listed.exit_code == 0
    assert "dmm-bitcoin-2024-05" in listed.stdout
    shown = runner.invoke(app, ["incidents", "show", "dmm", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["stolen"] == [{"asset": "BTC", "amount": "4502.9"}]
    assert data["confidence"] == "confirmed"


def test_load_labels_into_a_store(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["--db", str(db), "incidents", "load-labels", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["labels"] > 40


def test_bad_catalog_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("catalog: x\nversion: '1'\nupdated: 2026-01-01\nincidents:\n  - id: Oops\n")
    done = subprocess.run(
        [sys.executable, "-m", "sanctionwatch", "incidents", "list", "--catalog", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "bad.yaml, incident 1 (id 'Oops')" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_step_prints_the_reconciliation_and_loads_labels(tmp_path: Path) -> None:
    from sanctionwatch.cli import demo
    from sanctionwatch.cli.output import out
    from sanctionwatch.store import open_store

    with open_store(":memory:") as store, out.capture() as captured:
        ctx = demo.DemoContext(store=store, data_dir=tmp_path, seed=1, transfers=1)
        demo.step_incidents(ctx)
        labels = store.scalar("SELECT count(*) FROM labels WHERE category = 'theft'")
    assert demo.step_incidents in demo.DEMO_STEPS
    assert "MSMT" in captured.get()
    assert "2.84 bn" in captured.get()
    assert labels > 40


def test_export_ftm_and_stix_files(tmp_path: Path) -> None:
    for fmt, name in (("ftm", "x.jsonl"), ("stix", "x.json")):
        out = tmp_path / name
        args = ["incidents", "export", "--format", fmt, "--out", str(out)]
        result = runner.invoke(app, [*args, "--from", "2025-02", "--to", "2025-02"])
        assert result.exit_code == 0, result.output
        assert "Bybit theft" in out.read_text()
