"""``sanctionwatch case new|add|run|show|list|export`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sanctionwatch.cli.app import app

runner = CliRunner()


def test_case_commands(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "s.duckdb")]
    case_file = tmp_path / "case.yaml"
    case_file.write_text(
        "name: Radiant\nitems:\n  - {kind: incident, value: radiant-2024-10}\n"
        "  - {kind: name, value: Kim Il}\n"
    )
    env = {"SANCTIONWATCH_ANALYST": "dana"}
    made = runner.invoke(app, [*db, "case", "new", "--file", str(case_file), "--format", "json"])
    assert made.exit_code == 0, made.output
    case_id = str(json.loads(made.stdout)["case_id"])
    added = runner.invoke(app, [*db, "case", "add", case_id, "--note", "check Arbitrum"], env=env)
    assert added.exit_code == 0, added.output
    ran = runner.invoke(app, [*db, "case", "run", case_id, "--only", "incidents"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "total_usd 50,000,000" in ran.stdout
    shown = runner.invoke(app, [*db, "case", "show", case_id, "--format", "json"])
    data = json.loads(shown.stdout)
    assert data["runs"][0]["run_by"] == "dana"
    assert [i["kind"] for i in data["items"]] == ["incident", "name", "note"]
    listed = runner.invoke(app, [*db, "case", "list", "--format", "json"])
    assert json.loads(listed.stdout)[0]["runs"] == 1
    out = tmp_path / "case.jsonl"
    args = [*db, "case", "export", case_id, "--format", "ftm", "--out", str(out)]
    exported = runner.invoke(app, args)
    assert exported.exit_code == 0, exported.output
    assert "Radiant Capital theft" in out.read_text()


def test_bad_item_is_an_input_error(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "s.duckdb")]
    result = runner.invoke(app, [*db, "case", "new", "x", "--address", "0x1234"])
    assert result.exit_code != 0
    assert "address '0x1234'" in str(result.exception)


def test_missing_record_file_is_refused_when_added(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "s.duckdb")]
    made = runner.invoke(app, [*db, "case", "new", "x", "--format", "json"])
    case_id = str(json.loads(made.stdout)["case_id"])
    missing = tmp_path / "nope.jsonl"
    result = runner.invoke(app, [*db, "case", "add", case_id, "--records", str(missing)])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    present = tmp_path / "applicants.jsonl"
    present.write_text('{"record_id": "a"}\n')
    added = runner.invoke(app, [*db, "case", "add", case_id, "--records", str(present)])
    assert added.exit_code == 0, added.output
    shown = json.loads(
        runner.invoke(app, [*db, "case", "show", case_id, "--format", "json"]).stdout
    )
    assert shown["items"][0] == {**shown["items"][0], "kind": "records", "value": str(present)}


def test_run_lines_show_each_kind_counts() -> None:
    from sanctionwatch.cli.case import _short

    exposure = {
        "kind": "exposure",
        "summary": {
            "addresses": 3,
            "exposed": 2,
            "by_category": {"sanctioned": 1, "theft": 0, "mixer": 2},
            "not_in_store": 1,
        },
    }
    assert _short(exposure) == (
        "addresses 3, exposed 2, not_in_store 1, exposed to sanctioned 1, mixer 2"
    )
    itw = {"kind": "itw", "summary": {"records": 1200, "networks": 4, "flagged_networks": 1}}
    assert _short(itw) == "records 1,200, networks 4, flagged_networks 1"
    assert _short({"kind": "trace", "message": "the case has no addresses"}) == (
        "the case has no addresses"
    )
