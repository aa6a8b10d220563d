"""The ``itw`` commands: generate, scan in every format, gh-import, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctionwatch.cli.app import app
from sanctionwatch.errors import InputError

runner = CliRunner()


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("itw")
    done = runner.invoke(
        app, ["itw", "generate", "--out", str(folder), "--honest", "300", "--networks", "4",
              "--seed", "3"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return folder


def scan_args(pool: Path, *extra: str) -> list[str]:
    return ["--db", str(pool / "absent.duckdb"), "itw", "scan", str(pool / "records.jsonl"),
            "--vpn-ranges", str(pool / "vpn_ranges.csv"), *extra]  # fmt: skip


def test_scan_json_shape(pool: Path) -> None:
    done = runner.invoke(app, scan_args(pool, "--format", "json"))
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert set(data) >= {"records", "networks", "summary", "rejects", "not_evaluated"}
    record = data["records"][0]
    assert set(record) == {"record_id", "score", "flagged", "network_id", "flags"}
    flagged = [n for n in data["networks"] if n["flagged"]]
    assert flagged
    network = flagged[0]
    assert set(network) == {"network_id", "record_ids", "score", "flagged", "shared", "flags"}
    assert set(network["shared"][0]) >= {"kind", "value", "record_ids"}
    assert set(network["flags"][0]) == {"indicator", "catalogue_id", "weight", "source",
                                        "evidence"}  # fmt: skip
    assert not (pool / "absent.duckdb").exists()  # a missing store is not created


def test_scan_table_html_and_ftm(pool: Path, tmp_path: Path) -> None:
    from followthemoney import model

    done = runner.invoke(app, scan_args(pool))
    assert done.exit_code == 0, done.output
    assert "flagged networks" in done.stdout
    page = tmp_path / "n.html"
    done = runner.invoke(app, scan_args(pool, "--format", "html", "-o", str(page)))
    assert done.exit_code == 0, done.output
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text
    assert "N00001" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in text
    assert "https://" not in text
    ftm = tmp_path / "n.ftm.jsonl"
    done = runner.invoke(app, scan_args(pool, "--format", "ftm", "-o", str(ftm)))
    assert done.exit_code == 0, done.output
    entities = [json.loads(line) for line in ftm.read_text(encoding="utf-8").splitlines()]
    schemata = {e["schema"] for e in entities}
    assert {"Person", "Address", "UserAccount"} <= schemata
    ids = {e["id"] for e in entities}
    for entity in entities:
        proxy = model.get_proxy(entity, cleaned=False)  # raises on an unknown schema/property
        assert proxy.to_dict()["properties"] == entity["properties"]
        for prop in proxy.iterprops():
            if prop.type.name == "entity":
                assert set(proxy.get(prop)) <= ids  # every link points to an exported entity


def test_bad_inputs_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "r.csv"
    bad.write_text("name\nx\n", encoding="utf-8")
    done = runner.invoke(app, ["--db", str(tmp_path / "x.duckdb"), "itw", "scan", str(bad)])
    assert isinstance(done.exception, InputError)  # main() prints it and exits with 2
    assert done.exception.exit_code == 2
    assert "no record_id column" in done.exception.message
    ranges = tmp_path / "ranges.csv"
    ranges.write_text("range\nnot-an-ip\n", encoding="utf-8")
    good = tmp_path / "ok.jsonl"
    good.write_text('{"record_id": "a"}\n', encoding="utf-8")
    done = runner.invoke(app, ["itw", "scan", str(good), "--vpn-ranges", str(ranges)])
    assert isinstance(done.exception, InputError)
    assert "line 2" in done.exception.message


def test_rejected_rows_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"record_id": "a"}\n{oops\n', encoding="utf-8")
    done = runner.invoke(
        app, ["--db", str(tmp_path / "x.duckdb"), "itw", "scan", str(path), "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["rejects"][0]["line"] == 2
    assert data["rejects"][0]["file"] == str(path)


def test_indicators_command() -> None:
    done = runner.invoke(app, ["itw", "indicators", "--format", "json"])
    assert done.exit_code == 0
    assert {i["indicator"] for i in json.loads(done.stdout)} >= {"shared_shipping_address"}


@pytest.mark.shared_data
def test_gh_import(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "gh.jsonl"
    done = runner.invoke(
        app, ["itw", "gh-import", str(shared_data / "itw" / "gh-fake-analyzer"), "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 31


def test_html_escapes_hostile_values() -> None:
    from sanctionwatch.itw.export import to_html
    from sanctionwatch.itw.records import record_from_mapping
    from sanctionwatch.itw.scan import scan

    evil = "<script>alert(1)</script>"
    rows = [
        {"record_id": f"{evil}{k}", "payout_accounts": [f"paypal:{evil}"],
         "shipping_addresses": [f"1 {evil} St"], "devices": ["PiKVM"]}
        for k in range(4)
    ]  # fmt: skip
    result = scan([record_from_mapping(r, "t", k + 1) for k, r in enumerate(rows)]).to_dict()
    assert result["networks"][0]["flagged"]
    page = to_html(result)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
