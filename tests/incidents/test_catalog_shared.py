"""The catalog's transcribed facts against the public files they came from (read in place
from ../shared/data): addresses, OFAC listings and dn-institute loss figures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sanctionwatch.incidents import load_catalog

pytestmark = pytest.mark.shared_data


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_ronin_addresses_are_the_ofac_lazarus_listing(shared_data: Path) -> None:
    rows = _rows(shared_data / "labels" / "ofac_sdn_digital_currency_addresses_2025-11-19.csv")
    listed = {r["address"].lower() for r in rows if r["sdn_profile_id"] == "27307"}
    ronin = {a.address for a in load_catalog().get("ronin-2022-03").addresses}
    assert ronin == listed


def test_dn_institute_addresses_and_losses(shared_data: Path) -> None:
    labels = shared_data / "labels"
    known = {
        (r["incident_file"], r["address"].lower())
        for r in _rows(labels / "dn_institute_incident_addresses.csv")
    }
    losses = {
        r["incident_file"]: r["loss_usd"] for r in _rows(labels / "dn_institute_incidents.csv")
    }
    checked = 0
    for incident in load_catalog().incidents:
        wiki = [s for s in incident.sources if "1712n/dn-institute/blob" in s]
        if not wiki:
            continue
        page = wiki[0].rsplit("/", 1)[-1]
        for address in incident.addresses:
            assert (page, address.address.lower()) in known, (incident.id, address.address)
            checked += 1
        if incident.usd_source and incident.usd_source.startswith("dn-institute"):
            assert str(incident.usd) == losses[page], incident.id
    assert checked >= 25


def test_bybit_addresses_match_the_transcribed_research(shared_data: Path) -> None:
    rows = _rows(shared_data / "chain" / "bybit_tna" / "bybit_addresses_transcribed.csv")
    roles = {r["address"].lower(): r["role"] for r in rows}
    for address in load_catalog().get("bybit-2025-02").addresses:
        assert roles[address.address] in ("attacker", "attacker_infra"), address.address
