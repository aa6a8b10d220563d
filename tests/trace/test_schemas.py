"""The machine outputs against their JSON Schemas (``sanctionwatch/trace/schemas``).

Real results, as the commands write them, of a generated scenario (seed 5, 5,000 transfers,
with Bitcoin legs): a trace under every model, one under all of them, one asset without
links, victims as seeds, a trace that finds nothing, and exposure in each direction,
through mixers and of an address the store does not hold. The schemas name every key an
object may hold, so a key added, renamed or retyped fails here until the schema and
``docs/trace.md`` say so.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from sanctionwatch.cli.app import app
from sanctionwatch.trace.schemas import NAMES, load_schema

runner = CliRunner()
EXAMPLE = Path(__file__).parent / "exporters" / "example_trace.json"


@pytest.fixture(scope="module")
def scenario(demo_scenario: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    return demo_scenario


def output(db: Path, *args: str) -> Any:
    result = runner.invoke(app, ["--db", str(db), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def errors(name: str, data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(load_schema(name))
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(data)
    ][:10]


@pytest.mark.parametrize("name", NAMES)
def test_the_schemas_are_valid_json_schemas(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema(name))


def test_traces_follow_the_trace_schema(scenario: tuple[Path, dict[str, Any]]) -> None:
    db, truth = scenario
    theft = truth["theft"]
    common = ["trace", theft["address"], "--chain", "ethereum", "--since", theft["time"]]
    every = output(db, *common, "--model", "all")
    # the shapes of every part are met: Bitcoin legs (with their output and CoinJoin
    # fields), links, terminals with their per-model amounts
    assert {e["chain"] for e in every["edges"]} >= {"ethereum", "bitcoin"}
    assert every["links"]
    assert all("range" in t for t in every["terminals"])
    # and swept deposit addresses (the sweep heuristic) on both chain models
    assert {t["chain"] for t in every["terminals"] if "swept_to" in t} >= {"ethereum", "bitcoin"}
    runs = {
        "all": every,
        "one asset, no links": output(db, *common, "--asset", "ETH", "--no-links"),
        "victims": output(db, *common[:2], "--victims", "--model", "poison", "--hops", "3"),
        "nothing after the data": output(db, *common[:4], "--since", "2099-01-01"),
    }
    runs.update({m: output(db, *common, "--model", m) for m in ("haircut", "fifo", "tiho")})
    # the theft time written in Seoul time: the result says it in UTC, as all its times
    theft_time = datetime.fromisoformat(theft["time"].replace("Z", "+00:00"))
    seoul = theft_time.astimezone(timezone(timedelta(hours=9))).isoformat()
    runs["since in +09:00"] = output(db, *common[:4], "--since", seoul, "--hops", "2")
    for what, result in runs.items():
        assert errors("trace", result) == [], what
    assert runs["nothing after the data"]["edges"] == []
    assert runs["since in +09:00"]["parameters"]["since"] == theft_time.isoformat()


def test_exposure_follows_the_exposure_schema(scenario: tuple[Path, dict[str, Any]]) -> None:
    db, truth = scenario
    laundering = truth["laundering_addresses"]
    some = [a["address"] for a in laundering if a["chain"] == "ethereum"][:20]
    stranger = "0x" + "ab" * 20
    for options in (["--direction", "in"], ["--direction", "both"], ["--through", "mixer"]):
        result = output(db, "exposure", *some, stranger, *options, "--hops", "4")
        assert errors("exposure", result) == [], options
        assert any(e.get("exposure") for e in result["addresses"])  # paths were written
        assert result["summary"]["not_in_store"] == 1
        for item in (x for e in result["addresses"] for x in e.get("exposure", [])):
            if item["direction"] == "self":
                assert item["counterparty"] is None
                continue
            # the labelled far end of the path: where the funds came from, or went to
            path, far = item["path"], item["counterparty"]
            end = path[0]["from_address"] if item["direction"] == "in" else path[-1]["to_address"]
            assert far["address"] == end
            assert far["label"]
            assert far["source"]


def test_the_exporters_fixture_is_a_result_of_the_format() -> None:
    """The exporters are tested on ``example_trace.json``: it must be what traces write."""
    assert errors("trace", json.loads(EXAMPLE.read_text())) == []


def test_a_changed_key_fails_the_schema(scenario: tuple[Path, dict[str, Any]]) -> None:
    db, truth = scenario
    theft = truth["theft"]
    result = output(db, "trace", theft["address"], "--since", theft["time"], "--hops", "2")
    assert errors("trace", result) == []
    renamed = copy.deepcopy(result)
    renamed["edges"][0]["txhash"] = renamed["edges"][0].pop("tx_hash")
    assert errors("trace", renamed)
    added = copy.deepcopy(result)
    added["terminals"][0]["score"] = 1.0
    assert errors("trace", added)
    retyped = copy.deepcopy(result)
    retyped["edges"][0]["amount"] = float(retyped["edges"][0]["amount"])
    assert errors("trace", retyped)
