"""``sanctionwatch lists`` run as a user runs it (a separate process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANCTIONWATCH_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "sanctionwatch", "--db", str(db), "lists", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


def test_load_show_diff(db: Path, fixtures: Path) -> None:
    loaded = run(
        db, "load", str(fixtures / "ofac_advanced_v1.xml"), str(fixtures / "ofac_advanced_v2.xml")
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "us_ofac_sdn@2025-01-15" in loaded.stdout
    assert "us_ofac_sdn@2025-04-01" in loaded.stdout
    again = run(db, "load", str(fixtures / "ofac_advanced_v1.xml"), "-o", "json")
    assert again.returncode == 0, again.stderr
    assert [r["status"] for r in json.loads(again.stdout)] == ["already loaded"]
    shown = run(db, "show", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    versions = json.loads(shown.stdout)
    assert [(v["version_id"], v["n_targets"], v["n_addresses"]) for v in versions] == [
        ("us_ofac_sdn@2025-01-15", 4, 5),
        ("us_ofac_sdn@2025-04-01", 4, 3),
    ]
    table = run(db, "show", "--list", "us_ofac_sdn")
    assert "us_ofac_sdn@2025-04-01" in table.stdout
    diff = run(db, "diff", "us_ofac_sdn@2025-01-15", "us_ofac_sdn@latest", "--format", "json")
    assert diff.returncode == 0, diff.stderr
    result = json.loads(diff.stdout)
    assert result["summary"]["designations_removed"] == 1
    assert result["designations"]["removed"][0]["caption"] == "EXAMPLE MIXER"
    assert len(result["addresses"]["removed"]) == 3
    text = run(db, "diff", "1", "2")
    assert "designations removed" in text.stdout
    assert "EXAMPLE MIXER" in text.stdout


def test_bad_file_is_one_sentence(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "sdn_advanced.xml"
    bad.write_text("<Sanctions xmlns='x/ADVANCED_XML'><DateOfIssue>", encoding="utf-8")
    result = run(db, "load", str(bad))
    assert result.returncode == 2
    assert "not a well-formed XML" in result.stderr
    assert "Traceback" not in result.stderr
    unknown = run(db, "diff", "us_ofac_sdn@2020-01-01", "us_ofac_sdn")
    assert unknown.returncode == 3
    assert "No list version" in unknown.stderr


def test_update_from_a_local_server(db: Path, server: str, tmp_path: Path) -> None:
    result = run(
        db,
        "update",
        "--source",
        "un",
        "--url",
        f"{server}/un_sample.xml",
        "--dest",
        str(tmp_path / "dl"),
        "-o",
        "json",
    )
    assert result.returncode == 0, result.stderr
    [update] = json.loads(result.stdout)
    assert update["load"]["version_id"] == "un_sc_consolidated@2026-03-01"
    refused = run(db, "update", "--source", "un", "--source", "ofac", "--url", server)
    assert refused.returncode == 2
    assert "exactly one --source" in refused.stderr
