"""Cases in the store: items, runs with who/when/data versions, show, export, case files."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from followthemoney import model

from sanctionwatch.cases.casefile import CaseItem, parse_case_file
from sanctionwatch.cases.cases import (
    RUN_KINDS,
    add_items,
    get_case,
    list_cases,
    new_case,
    run_case,
)
from sanctionwatch.cases.export import export_case
from sanctionwatch.errors import FormatError, InputError, NotFoundError
from sanctionwatch.store import Store

THEFT = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
VICTIM = "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4"
HOP1 = "0x" + "a1" * 20
HOP2 = "0x" + "b2" * 20


@pytest.fixture
def bybit_graph(bybit_chain: Callable[..., None]) -> Callable[[Store], None]:
    """Victim -> theft address -> hop 1 -> hop 2, in ETH, on the day of the Bybit theft."""

    def fill(store: Store) -> None:
        hops = [(VICTIM, THEFT, "14:13", 999), (THEFT, HOP1, "15:00", 998)]
        bybit_chain(store, [*hops, (HOP1, HOP2, "16:00", 997)])

    return fill


def test_new_add_show_list(store: Store) -> None:
    items = [
        CaseItem(kind="incident", value="Bybit"),
        CaseItem(kind="address", value="0x47666FAB8BD0AC7003BCE3F5C3585383F09486E2"),
        CaseItem(kind="name", value="Park Jin Hyok"),
    ]
    case_id = new_case(store, "Bybit follow-up", "where did it go", items, by="alice")
    added = add_items(
        store,
        case_id,
        [CaseItem(kind="note", value="THORChain"), CaseItem(kind="incident", value="bybit")],
        by="bob",
    )
    assert added == 1  # the incident was already there
    case = get_case(store, case_id)
    assert [i["kind"] for i in case.items] == ["incident", "address", "name", "note"]
    assert case.items[0]["value"] == "bybit-2025-02"
    assert case.items[1]["value"] == THEFT
    assert case.items[1]["chain"] == "ethereum"
    assert case.items[3]["added_by"] == "bob"
    assert case.created_by == "alice"
    (row,) = list_cases(store)
    assert row["items"] == 4
    assert row["runs"] == 0
    with pytest.raises(NotFoundError, match="No case 99"):
        get_case(store, 99)


def test_run_records_who_when_and_data_versions(
    store: Store, bybit_graph: Callable[[Store], None]
) -> None:
    bybit_graph(store)
    case_id = new_case(store, "Bybit", items=[CaseItem(kind="incident", value="bybit-2025-02")])
    runs = run_case(store, case_id, by="carol", hops=4)
    kinds = {r["kind"]: r for r in runs}
    assert kinds["incidents"]["summary"]["total_usd"] == 1_460_000_000
    assert kinds["screen_names"]["status"] == "skipped"
    trace = kinds["trace"]
    assert trace["status"] == "ok", trace
    assert trace["summary"]["seeds"] == 3  # the catalog's three Bybit addresses
    assert trace["summary"]["edges"] >= 2
    case = get_case(store, case_id)
    recorded = {r["kind"]: r for r in case.runs}
    assert recorded["trace"]["run_by"] == "carol"
    assert recorded["trace"]["parameters"]["since"] == "2025-02-21T00:00:00+00:00"
    assert recorded["trace"]["parameters"]["hops"] == 4
    versions = recorded["trace"]["data_versions"]
    assert versions["incident_catalog"].startswith("dprk-crypto-thefts ")
    assert versions["transfers"] == 3
    assert versions["ingest_log"]["files"] == 1  # the incident-label load
    reached = {n["address"] for n in recorded["trace"]["result"]["nodes"]}
    assert HOP1 in reached
    assert HOP2 in reached
    assert kinds["exposure"]["status"] == "skipped"  # no address items
    assert kinds["itw"]["status"] == "skipped"  # no record files
    again = run_case(store, case_id, ["incidents"])
    assert again[0]["run_id"] == len(RUN_KINDS) + 1  # runs accumulate; nothing is overwritten


def test_exposure_and_it_worker_runs_reach_the_report(
    store: Store, tmp_path: Path, bybit_graph: Callable[[Store], None]
) -> None:
    from sanctionwatch.itw.generate import generate_pool
    from sanctionwatch.report.build import case_report
    from sanctionwatch.report.render import render_html

    bybit_graph(store)
    pool = generate_pool(honest=150, networks=2, seed=5)
    records = tmp_path / "applicants.jsonl"
    records.write_text("".join(json.dumps(r) + "\n" for r in pool.records))
    items = [
        CaseItem(kind="address", value=HOP2, chain="ethereum"),
        CaseItem(kind="records", value=str(records)),
    ]
    case_id = new_case(store, "Exposure and applicants", items=items)
    runs = {r["kind"]: r for r in run_case(store, case_id, ["exposure", "itw"], hops=3)}
    assert runs["exposure"]["status"] == "ok", runs["exposure"]
    # HOP2 received from the Bybit theft address two hops up: exposed to theft
    assert runs["exposure"]["summary"]["exposed"] == 1
    assert runs["exposure"]["summary"]["by_category"]["theft"] == 1
    assert runs["itw"]["status"] == "ok", runs["itw"]
    assert runs["itw"]["summary"]["records"] == len(pool.records)
    case = get_case(store, case_id).to_dict(with_results=True)
    flagged = [n for n in case["runs"][-1]["result"]["networks"] if n["flagged"]]
    assert flagged
    html = render_html(case_report(case))
    assert "flagged network(s) in run" in html
    for network in flagged:
        assert network["network_id"] in html


def test_unknown_run_kind(store: Store) -> None:
    case_id = new_case(store, "x")
    with pytest.raises(InputError, match="Unknown run kind"):
        run_case(store, case_id, ["magic"])


def test_export_json_ftm_stix(
    store: Store, installed: Callable[[str], ModuleType], bybit_graph: Callable[[Store], None]
) -> None:
    bybit_graph(store)
    case_id = new_case(store, "Bybit", items=[CaseItem(kind="incident", value="bybit-2025-02")])
    run_case(store, case_id, ["incidents", "trace"], hops=3)
    stream = io.StringIO()
    export_case(store, case_id, "json", stream)
    record = json.loads(stream.getvalue())
    assert [r["kind"] for r in record["runs"]] == ["incidents", "trace"]
    assert record["runs"][1]["result"]["edges"]
    stream = io.StringIO()
    count = export_case(store, case_id, "ftm", stream)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert count == len(lines)
    schemata = {d["schema"] for d in lines}
    assert {"Event", "CryptoWallet", "Payment", "Organization"} <= schemata
    for data in lines:
        schema = model.get(data["schema"])
        assert schema is not None
        assert schema.validate({"properties": data["properties"]}) is None
    wallets = [d for d in lines if d["schema"] == "CryptoWallet"]
    theft = [w for w in wallets if w["properties"].get("publicKey") == [THEFT]]
    assert len(theft) == 1  # incident and trace wallets merged by id
    stix2 = installed("stix2")
    stream = io.StringIO()
    export_case(store, case_id, "stix", stream)
    bundle = stix2.parse(stream.getvalue())
    report = next(o for o in bundle.objects if o.type == "report")
    assert report.name == f"Case {case_id}: Bybit"
    with pytest.raises(InputError, match="--format"):
        export_case(store, case_id, "pdf", io.StringIO())


CASE_FILE = """
name: Bybit laundering
description: follow the theft
items:
  - {kind: incident, value: bybit-2025-02}
  - {kind: address, value: "0x47666fab8bd0ac7003bce3f5c3585383f09486e2", chain: ethereum}
  - {kind: name, value: "Park Jin Hyok"}
  - {kind: source, value: "https://www.ic3.gov/PSA/2025/PSA250226"}
"""


def test_case_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(CASE_FILE)
    parsed = parse_case_file(path)
    assert parsed.name == "Bybit laundering"
    assert [i.kind for i in parsed.items] == ["incident", "address", "name", "source"]


def test_bad_case_file_names_every_item(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        CASE_FILE.replace("bybit-2025-02}", "no-such-theft}")
        .replace('47666fab8bd0ac7003bce3f5c3585383f09486e2", chain', '47666fab", chain')
        .replace('{kind: name, value: "Park Jin Hyok"}', "{kind: person, value: x}")
        .replace('"https://www.ic3.gov/PSA/2025/PSA250226"', "ic3.gov")
    )
    with pytest.raises(FormatError) as caught:
        parse_case_file(path)
    message = caught.value.message
    assert "4 problem(s)" in message
    assert "case.yaml, item 1: No incident matches 'no-such-theft'" in message
    assert "case.yaml, item 2: invalid ethereum address '0x47666fab'" in message
    assert "case.yaml, item 3: kind: Input should be" in message
    assert "case.yaml, item 4: source 'ic3.gov' is not an http(s) URL" in message


def test_case_file_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("name: x\nitems:\n\t- 1\n")
    with pytest.raises(FormatError, match=r"case.yaml, line 3: not valid YAML"):
        parse_case_file(path)
