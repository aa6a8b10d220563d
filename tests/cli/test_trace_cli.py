"""``sanctionwatch trace``: seeds as users write them, every output format, bad input.

The store is a small generated scenario (seed 5, 5,000 transfers), ingested by the demo.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sanctionwatch.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario(demo_scenario: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    return demo_scenario


def run(db: Path, *args: str) -> Any:
    result = runner.invoke(app, ["--db", str(db), "trace", *args])
    assert result.exit_code == 0, result.output
    return result


def test_json_from_an_incident_name(scenario: tuple[Path, dict[str, Any]]) -> None:
    db, truth = scenario
    theft = truth["theft"]
    out = json.loads(
        run(db, "incident:exampleex", "--since", theft["time"], "--format", "json").output
    )
    assert {"seeds", "model", "nodes", "edges", "terminals", "links", "summary"} <= set(out)
    assert theft["address"] in {s["address"] for s in out["seeds"]}
    assert out["parameters"]["since"].startswith(theft["time"][:16])
    assert {e["stage"] for e in out["edges"]} >= {"split", "dex_swap", "cross_chain_swap"}
    assert out["terminals"]
    assert all(t["path"] for t in out["terminals"])


def test_formats_and_files(scenario: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    db, truth = scenario
    theft = truth["theft"]
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"# the theft address\nethereum:{theft['address']}\n")
    common = [f"file:{seeds}", "--since", theft["time"], "--hops", "6"]
    table = run(db, *common).output
    assert "terminal" in table.lower()
    rows = list(csv.DictReader(io.StringIO(run(db, *common, "--format", "csv").output)))
    assert rows
    assert {"tx_hash", "tainted_amount", "stage"} <= set(rows[0])
    graph = tmp_path / "trace.graphml"
    run(db, *common, "--format", "graphml", "--out", str(graph))
    assert ET.parse(graph).getroot().tag.endswith("graphml")  # noqa: S314 (our own file)
    ftm = [json.loads(line) for line in run(db, *common, "--format", "ftm").output.splitlines()]
    assert {"CryptoWallet", "Payment"} <= {e["schema"] for e in ftm}
    page = tmp_path / "trace.html"
    run(db, *common, "--format", "html", "--out", str(page), "--model", "all")
    assert "<svg" in page.read_text()
    eth = json.loads(run(db, *common, "--asset", "ETH", "--no-links", "--format", "json").output)
    assert set(eth["summary"]["assets"]) == {"ETH"}
    assert eth["links"] == []


def test_an_incident_of_the_catalog_gives_the_default_since(
    scenario: tuple[Path, dict[str, Any]],
) -> None:
    """``incident:ID`` of the catalog without --since: from 00:00 UTC of the incident's date,
    as a case does, and said on stderr; a scenario's incident (labels only) has no date."""
    db, _ = scenario
    catalog = runner.invoke(app, ["--db", str(db), "incidents", "load-labels"])
    assert catalog.exit_code == 0, catalog.output
    out = run(db, "incident:bybit-2025-02", "--format", "json")
    assert json.loads(out.stdout)["parameters"]["since"] == "2025-02-21T00:00:00+00:00"
    assert "--since 2025-02-21 (00:00 UTC)" in " ".join(out.stderr.split())
    assert "bybit-2025-02" in out.stderr
    given = run(db, "incident:bybit-2025-02", "--since", "2025-02-21T14:00Z", "--format", "json")
    assert json.loads(given.stdout)["parameters"]["since"] == "2025-02-21T14:00:00+00:00"
    assert "--since" not in given.stderr
    scenario_only = run(db, "incident:exampleex", "--format", "json")
    assert json.loads(scenario_only.stdout)["parameters"]["since"] is None


def test_stop_at_chooses_the_terminal_categories(scenario: tuple[Path, dict[str, Any]]) -> None:
    db, truth = scenario
    common = ["incident:exampleex", "--since", truth["theft"]["time"], "--format", "json"]
    default = json.loads(run(db, *common).output)
    assert "exchange" in {t["category"] for t in default["terminals"]}
    # stopping at mixers only: the exchanges are passed through (or end as hubs), never
    # terminals of their label
    mixers = json.loads(run(db, *common, "--stop-at", "mixer").output)
    assert mixers["parameters"]["stop_at"] == ["mixer"]
    assert "exchange" not in {t["category"] for t in mixers["terminals"]}


def test_an_empty_trace_says_why(scenario: tuple[Path, dict[str, Any]]) -> None:
    """Seeds that received nothing since --since: an empty result, and stderr says so (an
    empty table is easy to misread as "clean")."""
    db, truth = scenario
    theft = truth["theft"]["address"]
    late = run(db, theft, "--since", "2099-01-01", "--format", "json")
    assert json.loads(late.stdout)["edges"] == []
    assert "nothing to trace: the seeds received no value since 2099-01-01" in late.stderr
    found = run(db, theft, "--since", truth["theft"]["time"], "--hops", "2", "--format", "json")
    assert "nothing to trace" not in found.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stop-at", "exchnage", "incident:exampleex"], "Unknown stop categories (exchnage)"),
        (["--hub-degree", "0", "incident:exampleex"], "hub degree must be at least 1"),
        (["--hops", "0", "incident:exampleex"], "'--hops'"),
        (["--dust", "1.5", "incident:exampleex"], "dust must be a share"),
        (["--dust", "-0.1", "incident:exampleex"], "dust must be a share"),
        (["0x" + "ab" * 20], "not in the store"),
        (["not-an-address"], "not a valid address"),
        (["incident:no-such-incident"], "No theft-labelled addresses"),
        (["file:/no/such/file.txt"], "does not exist"),
        (["--model", "magic", "incident:exampleex"], "Unknown taint model"),
    ],
)
def test_bad_input_is_a_clear_error(
    scenario: tuple[Path, dict[str, Any]], args: list[str], message: str
) -> None:
    db, _ = scenario
    env = {**os.environ, "SANCTIONWATCH_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "sanctionwatch", "trace", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert message in " ".join(done.stderr.split())  # the console wraps long lines
