"""Linkage and scoring on small hand-made pools: every flag carries its evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sanctionwatch.itw import indicators as ind
from sanctionwatch.itw.normalize import IpRanges
from sanctionwatch.itw.records import Record, record_from_mapping
from sanctionwatch.itw.scan import ScanOptions, ScanResult, scan
from sanctionwatch.store import Store


def records(*rows: dict[str, Any]) -> list[Record]:
    return [record_from_mapping(r, "test", k + 1) for k, r in enumerate(rows)]


def times(offset_hours: int, night: bool = False, n: int = 12) -> list[str]:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    hours = [23, 1, 3, 5] if night else [9, 11, 14, 16]
    return [
        (start + timedelta(days=k, hours=hours[k % 4] - offset_hours)).isoformat() for k in range(n)
    ]


def net_of(result: ScanResult, record_id: str) -> dict[str, Any]:
    (rec,) = [r for r in result.records if r["record_id"] == record_id]
    (net,) = [n for n in result.networks if n["network_id"] == rec["network_id"]]
    return net


FARM = "77 Harbor Road, Newport 02840, US"


def farm_pool() -> list[Record]:
    base = {"claimed_country": "US", "claimed_timezone": "America/New_York"}
    return records(
        {
            **base,
            "record_id": "p1",
            "shipping_addresses": [FARM],
            "addresses": ["1 Elm St, Dover"],
            "payout_accounts": ["payoneer:team.pay@gmail.com"],
            "activity_times": times(9),
        },
        {
            **base,
            "record_id": "p2",
            "shipping_addresses": ["77 Harbor Rd., Newport 02840, US"],
            "addresses": ["9 Oak Ave, Salem"],
            "payout_accounts": ["payoneer:teampay+2@gmail.com"],
            "activity_times": times(9),
        },
        {
            **base,
            "record_id": "p3",
            "shipping_addresses": [FARM],
            "addresses": ["3 Pine Ln, Milton"],
            "devices": ["Slack", "PiKVM v4 Plus"],
            "activity_times": times(8),
        },
        {
            **base,
            "record_id": "honest",
            "shipping_addresses": ["5 Lake St, Oxford"],
            "addresses": ["5 Lake St, Oxford"],
            "payout_accounts": ["paypal:me@example.com"],
        },
    )


def test_laptop_farm_network_is_flagged_with_evidence() -> None:
    result = scan(farm_pool())
    net = net_of(result, "p1")
    assert net["record_ids"] == ["p1", "p2", "p3"]
    assert net["flagged"]
    assert net["score"] >= 50
    kinds = {(s["kind"], tuple(s["record_ids"])) for s in net["shared"]}
    assert ("shipping", ("p1", "p2", "p3")) in kinds  # "Rd." and "Road" meet
    assert ("payout", ("p1", "p2")) in kinds  # Gmail dots and +tags ignored
    flags = {f["indicator"]: f for f in net["flags"]}
    assert flags["shared_shipping_address"]["catalogue_id"] == "I11"
    assert flags["shared_shipping_address"]["weight"] == 0.45
    assert flags["shared_shipping_address"]["source"]
    assert flags["utc8_9_working_hours"]["evidence"]["pattern"] is True
    honest = next(r for r in result.records if r["record_id"] == "honest")
    assert honest == {
        "record_id": "honest",
        "score": 0.0,
        "flagged": False,
        "network_id": None,
        "flags": [],
    }
    p3 = next(r for r in result.records if r["record_id"] == "p3")
    assert {"ip_kvm_hardware", "shared_shipping_address"} <= {f["indicator"] for f in p3["flags"]}


def test_family_sharing_a_home_is_not_flagged() -> None:
    home = "8 Cedar Street, Apt 2, Clinton"
    pool = records(
        {"record_id": "f1", "addresses": [home], "shipping_addresses": [home]},
        {"record_id": "f2", "addresses": [home], "shipping_addresses": ["8 Cedar St #2, Clinton"]},
        {"record_id": "f3", "addresses": [home], "shipping_addresses": [home]},
    )
    result = scan(pool)
    (net,) = result.networks
    assert [f["indicator"] for f in net["flags"]] == ["shared_declared_address"]
    assert not net["flagged"]
    assert not any(r["flagged"] for r in result.records)


def test_common_values_do_not_link() -> None:
    pool = records(*({"record_id": f"r{k}", "photo_hash": "ffff0000ffff0000"} for k in range(6)))
    result = scan(pool, ScanOptions(max_share=5))
    assert result.networks == []
    assert result.summary["common_values_not_linked"] == [
        {"kind": "photo", "value": "ffff0000ffff0000", "records": 6}
    ]


def test_soft_links_photo_and_resume() -> None:
    resume = (
        "blockchain engineer with eight years building defi protocols in solidity and "
        "rust shipped the quinzen lending market and audited bridges for two exchanges"
    )
    paraphrase = resume.replace("shipped", "delivered").replace("eight years", "8 yrs")
    pool = records(
        {"record_id": "a", "photo_hash": "8f373714acfcf4d0", "resume_text": resume},
        {"record_id": "b", "photo_hash": "8f373714acfcf4d3", "resume_text": "unrelated " * 20},
        {"record_id": "c", "photo_hash": "0123456789abcdef", "resume_text": paraphrase},
    )
    result = scan(pool)
    (net,) = result.networks
    assert net["record_ids"] == ["a", "b", "c"]
    shared = {s["kind"]: s for s in net["shared"]}
    assert shared["photo_similar"]["record_ids"] == ["a", "b"]
    assert shared["photo_similar"]["value"] == "pHash distance 2"
    assert shared["resume"]["record_ids"] == ["a", "c"]
    assert 0.5 <= shared["resume"]["similarity"] < 1


def test_name_and_birth_date_is_evidence_only() -> None:
    pool = records(
        {"record_id": "a", "full_name": "Jason Kwon", "birth_date": "1990-01-02"},
        {"record_id": "b", "full_name": "Jasonn Kwon", "birth_date": "1990-01-02"},
    )
    assert scan(pool).networks == []


def test_referral_from_a_flagged_record() -> None:
    pool = farm_pool() + records({"record_id": "new", "referred_by": "p1"})
    result = scan(pool)
    new = next(r for r in result.records if r["record_id"] == "new")
    assert [f["indicator"] for f in new["flags"]] == ["referred_by_flagged"]
    assert new["flags"][0]["evidence"] == {"referred_by": "p1"}


def test_bad_values_become_warnings_and_the_record_stays(tmp_path: Path) -> None:
    (tmp_path / "face.jpg").write_text("not an image", encoding="utf-8")
    pool = [
        record_from_mapping(
            {
                "record_id": "x",
                "photo_path": "face.jpg",
                "phones": ["12"],
                "wallets": ["ethereum:0x123"],
                "emails": ["nope"],
                "activity_times": ["yesterday"],
            },
            str(tmp_path / "records.jsonl"),
            7,
        )
    ]
    result = scan(pool)
    assert [r["record_id"] for r in result.records] == ["x"]
    texts = [w["warning"] for w in result.warnings]
    assert any("photo_path" in t and "not an image" in t for t in texts)
    assert any(t.startswith("phone '12'") for t in texts)
    assert any(t.startswith("wallet 'ethereum:0x123'") for t in texts)
    assert any(t.startswith("email 'nope'") for t in texts)
    assert any("activity_times" in t for t in texts)
    assert {w["line"] for w in result.warnings} == {7}


def test_store_indicators_are_reported_not_evaluated_without_a_store() -> None:
    result = scan(farm_pool())
    skipped = {x["indicator"] for x in result.not_evaluated}
    assert skipped == {"vpn_or_hosting_ip", "sanctioned_name_match", "wallet_exposed_to_sanctioned"}


def test_vpn_ranges_light_up_the_vpn_indicator(tmp_path: Path) -> None:
    path = tmp_path / "ranges.csv"
    path.write_text("range,provider,kind\n198.18.0.0/24,Astrill VPN,vpn\n", encoding="utf-8")
    pool = records({"record_id": "v", "ip_addresses": ["198.18.0.9@2025-01-01T01:00:00Z"]})
    result = scan(pool, ScanOptions(ip_ranges=IpRanges.load(path)))
    (flag,) = result.records[0]["flags"]
    assert flag["indicator"] == "vpn_or_hosting_ip"
    assert flag["evidence"]["ips"][0]["provider"] == "Astrill VPN"


def _load_lists(store: Store) -> None:
    from sanctionwatch.sanctions.load import load_list_files

    fixtures = Path(__file__).parents[1] / "sanctions" / "fixtures"
    load_list_files(store, [fixtures / "ofac_advanced_v2.xml"])


LISTED = "0xabababababababababababababababababababab"  # KIM Chol Su in the fixture list


def test_store_checks_light_up_with_lists_and_transfers(store: Store) -> None:
    _load_lists(store)
    payee = "0x" + "12" * 20
    con = store.con
    con.execute(
        "INSERT INTO addresses (id, chain, address) "
        "VALUES (90001, 'ethereum', ?), (90002, 'ethereum', ?)",
        [LISTED, payee],
    )
    con.execute(
        "INSERT INTO transfers VALUES ('ethereum', ?, 'tx', '', 1, ?, 90001, 90002, 5, 1, NULL,"
        " true, 0, 1)",
        ["0x" + "ab" * 32, datetime(2025, 1, 1)],
    )
    con.execute(
        "INSERT INTO labels (address_id, chain, address, label, category, confidence_level, "
        "file_id, line) VALUES (90001, 'ethereum', ?, 'listed', 'sanctioned', 100, 0, 0)",
        [LISTED],
    )
    pool = records(
        {"record_id": "k", "full_name": "Kim Chol Su", "wallets": [f"ethereum:{payee}"]},
        {"record_id": "n", "full_name": "Mary Johnson"},
    )
    result = scan(pool, ScanOptions(store=store))
    assert result.not_evaluated == [
        {"indicator": "vpn_or_hosting_ip", "reason": "no --vpn-ranges CSV given"}
    ]
    flags = {f["indicator"]: f for f in result.records[0]["flags"]}
    assert flags["sanctioned_name_match"]["evidence"]["matches"][0]["list_version"]
    assert flags["wallet_exposed_to_sanctioned"]["evidence"]["exposure"][0]["path_hops"] == 1
    assert result.records[1]["flags"] == []


def test_every_indicator_has_weight_docs_and_a_catalogue_id() -> None:
    seen = set()
    for indicator in ind.all_indicators():
        assert 0 < indicator.weight < 1
        assert indicator.doc
        assert indicator.source
        assert indicator.catalogue.startswith("I")
        seen.add(indicator.name)
    assert len(seen) == len(ind.all_indicators())


@pytest.mark.parametrize(
    ("row", "indicator", "fires"),
    [
        ({"phones": ["+44 56 1234 5678"]}, "voip_phone", True),
        ({"phones": ["+44 7400 123456"]}, "voip_phone", False),
        ({"claimed_country": "US", "phones": ["+48 512 345 678"]}, "country_mismatch", True),
        ({"claimed_country": "PL", "phones": ["+48 512 345 678"]}, "country_mismatch", False),
        (
            {"claimed_country": "US", "payout_accounts": ["iban:DE89370400440532013000"]},
            "country_mismatch",
            True,
        ),
        (
            {"claimed_timezone": "America/New_York", "activity_times": times(9)},
            "utc8_9_working_hours",
            True,
        ),
        (
            {"claimed_timezone": "Asia/Tokyo", "activity_times": times(9)},
            "utc8_9_working_hours",
            False,
        ),
        (
            {"claimed_timezone": "America/New_York", "activity_times": times(-5)},
            "utc8_9_working_hours",
            False,
        ),
        (
            {"claimed_timezone": "Asia/Kolkata", "activity_times": times(5)},
            "utc8_9_working_hours",
            False,
        ),
        ({"devices": ["AnyDesk 8.0"]}, "remote_access_tool", True),
        ({"devices": ["TinyPilot Voyager"]}, "ip_kvm_hardware", True),
        ({"devices": ["Slack"]}, "remote_access_tool", False),
        ({"wallets": ["0x52908400098527886e0f7030069857d2e4169ee7"]}, "crypto_only_payout", True),
        (
            {"addresses": ["1 A St"], "shipping_addresses": ["2 B St"]},
            "shipping_not_declared",
            True,
        ),
        (
            {
                "account_created_at": "2024-01-01T00:00:00Z",
                "activity_times": ["2022-05-01T00:00:00Z"],
            },
            "young_account_copied_history",
            True,
        ),
        (
            {
                "account_created_at": "2018-01-01T00:00:00Z",
                "activity_times": ["2024-05-01T00:00:00Z"],
            },
            "young_account_copied_history",
            False,
        ),
    ],
)
def test_record_indicators(row: dict[str, Any], indicator: str, fires: bool) -> None:
    result = scan(records({"record_id": "r", **row}))
    names = {f["indicator"] for f in result.records[0]["flags"]}
    assert (indicator in names) is fires
