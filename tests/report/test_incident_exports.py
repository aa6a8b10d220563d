"""FollowTheMoney and STIX exports of the incident catalog: valid, deterministic, and
they read back to the same entities/objects."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from followthemoney import model

from sanctionwatch.incidents import load_catalog, select
from sanctionwatch.report import ftm, stix
from sanctionwatch.trace.exporters.ftm import wallet_id


def _ftm_lines() -> list[dict[str, Any]]:
    catalog = load_catalog()
    stream = io.StringIO()
    count = ftm.write(catalog, catalog.incidents, stream)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert count == len(lines)
    return lines


def test_ftm_entities_validate_and_reimport_identically() -> None:
    lines = _ftm_lines()
    for data in lines:
        schema = model.get(data["schema"])
        assert schema is not None
        assert schema.validate({"properties": data["properties"]}) is None
        for required in schema.required:
            assert data["properties"].get(required), (data["schema"], required)
        again = model.get_proxy(data, cleaned=False)  # re-cleans every value
        assert again.id == data["id"]
        assert again.properties == data["properties"]
    ids = [d["id"] for d in lines]
    assert len(ids) == len(set(ids))
    assert ids == [d["id"] for d in _ftm_lines()]  # deterministic


def test_ftm_schemata_and_references() -> None:
    lines = _ftm_lines()
    catalog = load_catalog()
    by_schema: dict[str, list[dict[str, Any]]] = {}
    for data in lines:
        by_schema.setdefault(data["schema"], []).append(data)
    assert len(by_schema["Event"]) == len(catalog.incidents)
    assert len(by_schema["CryptoWallet"]) == sum(len(i.addresses) for i in catalog.incidents)
    assert {"Organization", "Payment", "Sanction"} <= set(by_schema)
    ids = {d["id"] for d in lines}
    for payment in by_schema["Payment"]:
        assert payment["properties"]["payer"][0] in ids
        assert payment["properties"]["beneficiary"][0] in ids
    for event in by_schema["Event"]:
        assert set(event["properties"]["involved"]) <= ids
    (sanction,) = by_schema["Sanction"]
    assert sanction["properties"]["authorityId"] == ["27307"]
    lazarus = next(
        o for o in by_schema["Organization"] if o["id"] == sanction["properties"]["entity"][0]
    )
    assert lazarus["properties"]["name"] == ["Lazarus Group"]
    assert "G0032" in lazarus["properties"]["idNumber"]
    bybit = next(e for e in by_schema["Event"] if e["properties"]["recordId"] == ["bybit-2025-02"])
    assert bybit["properties"]["date"] == ["2025-02-21"]
    theft = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
    assert wallet_id("ethereum", theft) in ids  # same id as the trace exporter's wallet


def test_stix_bundle_parses_back(installed: Callable[[str], ModuleType]) -> None:
    stix2 = installed("stix2")
    catalog = load_catalog()
    rows = select(catalog.incidents, start="2024-01", end="2025-09")
    stream = io.StringIO()
    count = stix.write(catalog, rows, stream)
    parsed = stix2.parse(stream.getvalue(), allow_custom=False)
    assert len(parsed.objects) == count
    kinds: dict[str, list[Any]] = {}
    for obj in parsed.objects:
        kinds.setdefault(obj.type, []).append(obj)
    assert len(kinds["incident"]) == len(rows)
    assert len(kinds["indicator"]) == sum(len(i.addresses) for i in rows)
    sets = {s.name: s for s in kinds["intrusion-set"]}
    assert "Jade Sleet" in sets["TraderTraitor"].aliases
    attack = [r.external_id for r in sets["AppleJeus (Citrine Sleet)"].external_references
              if r.source_name == "mitre-attack"]  # fmt: skip
    assert attack == ["G1049"]
    (report,) = kinds["report"]
    assert set(report.object_refs) == {o.id for o in parsed.objects if o.type != "report"}
    refs = {o.id for o in parsed.objects}
    for rel in kinds["relationship"]:
        assert rel.source_ref in refs
        assert rel.target_ref in refs
    bybit = next(i for i in kinds["indicator"] if "0x47666fab" in i.pattern)
    assert "x-crypto-wallet:blockchain = 'ethereum'" in bybit.pattern
    again = io.StringIO()
    stix.write(catalog, rows, again)
    assert again.getvalue() == stream.getvalue()  # same input, same bundle
