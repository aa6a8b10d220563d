"""Loading list files into the store: versions, idempotency, addresses, labels, diffs."""

from __future__ import annotations

import bz2
import json
from pathlib import Path

import pytest

from sanctionwatch.errors import InputError, NotFoundError
from sanctionwatch.labels import category_of, labels_for
from sanctionwatch.sanctions.diff import diff_versions
from sanctionwatch.sanctions.load import load_list_files
from sanctionwatch.sanctions.versions import list_versions, resolve_version
from sanctionwatch.store import Store

ETH_KEPT = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"  # 900001, on both issues
ETH_DELISTED = "0xc0FfEeC0FFeEC0fFEEc0fFEEc0FFeec0FFeEc0Ff"  # 900002, only on v1
TRX_DELISTED = "TGCAjMXComunWZEXCT1LPBdcYbDVuyexBv"
BTC_NEW = "36MjimMJHwQkrTKrKyw4KepHsd975kSGTs"  # 900005, only on v2 (listed twice there)


def load_both(store: Store, fixtures: Path, reverse: bool = False) -> None:
    files = [fixtures / "ofac_advanced_v1.xml", fixtures / "ofac_advanced_v2.xml"]
    load_list_files(store, files[::-1] if reverse else files)


def test_each_file_is_a_version(store: Store, fixtures: Path) -> None:
    load_both(store, fixtures)
    versions = list_versions(store)
    assert [v.version_id for v in versions] == ["us_ofac_sdn@2025-01-15", "us_ofac_sdn@2025-04-01"]
    old, new = versions
    assert (old.n_targets, old.n_addresses, old.n_addresses_chain) == (4, 5, 4)
    assert (new.n_targets, new.n_addresses, new.n_addresses_chain) == (4, 3, 3)
    counts = json.loads(new.counts or "{}")
    assert counts["address_listings"] == 4  # the new party lists one address twice
    assert counts["programs"] == {"CYBER2": 1, "DPRK": 1, "DPRK3": 1, "DPRK4": 2}
    # older versions stay queryable
    assert store.scalar("SELECT count(*) FROM sanction_entities WHERE version = ?", [1]) == 16
    assert (
        store.scalar("SELECT count(*) FROM ingest_log WHERE format = 'list:ofac-advanced-xml'") == 2
    )


def test_loading_again_adds_nothing(store: Store, fixtures: Path, tmp_path: Path) -> None:
    load_both(store, fixtures)
    before = store.counts()
    entities = store.scalar("SELECT count(*) FROM sanction_entities")
    packed = tmp_path / "v1.xml.bz2"  # same content, other file
    packed.write_bytes(bz2.compress((fixtures / "ofac_advanced_v1.xml").read_bytes()))
    results = load_list_files(store, [fixtures / "ofac_advanced_v1.xml", packed])
    assert [r.status for r in results] == ["already loaded", "already loaded"]
    assert {r.version_id for r in results} == {"us_ofac_sdn@2025-01-15"}
    assert store.counts() == before
    assert store.scalar("SELECT count(*) FROM sanction_entities") == entities


def test_addresses_are_normalised_per_chain(store: Store, fixtures: Path) -> None:
    load_both(store, fixtures)
    rows = store.con.execute(
        "SELECT currency, chain, address, address_as_listed, reason "
        "FROM sanction_addresses WHERE version = 1 ORDER BY currency, address"
    ).fetchall()
    assert rows == [
        ("ETH", "ethereum", ETH_KEPT.lower(), ETH_KEPT, None),
        ("ETH", "ethereum", ETH_DELISTED.lower(), ETH_DELISTED, None),
        ("USDT", "tron", TRX_DELISTED, TRX_DELISTED, None),  # base58 keeps its case
        (
            "XBT",
            "bitcoin",
            "147Us9aEq2PvBC5wobBJw1yEpQEbPKzssA",
            "147Us9aEq2PvBC5wobBJw1yEpQEbPKzssA",
            None,
        ),
        ("XMR", None, rows[4][2], rows[4][2], "chain XMR is not supported"),
    ]


@pytest.mark.parametrize("reverse", [False, True])
def test_labels_follow_the_latest_issue(store: Store, fixtures: Path, reverse: bool) -> None:
    load_both(store, fixtures, reverse=reverse)  # the order of loading does not matter
    assert category_of(store, ETH_KEPT) == "sanctioned"
    assert category_of(store, BTC_NEW, "bitcoin") == "sanctioned"
    # delisted: the label stays, but no longer counts as sanctioned
    assert category_of(store, ETH_DELISTED) == "unknown_service"
    assert category_of(store, TRX_DELISTED) == "unknown_service"
    [label] = labels_for(store, ETH_DELISTED, "ethereum")
    context = json.loads(label.context or "{}")
    assert label.label == "EXAMPLE MIXER"
    assert label.source == "us_ofac_sdn 900002"
    assert label.pack == "sanctions:us_ofac_sdn"
    assert context["status"] == "delisted"
    assert context["valid_from"] == "2022-08-08"
    assert context["valid_to"] == "2025-04-01"
    assert context["delisted_in"] == "us_ofac_sdn@2025-04-01"
    assert context["programs"] == ["CYBER2", "DPRK3"]
    [kept] = labels_for(store, ETH_KEPT, "ethereum")
    kept_context = json.loads(kept.context or "{}")
    assert (kept.category, kept.abuse, kept.confidence) == (
        "sanctioned",
        "sanction",
        "authority_data",
    )
    assert kept_context["status"] == "listed"
    assert kept_context["valid_to"] is None
    assert kept_context["list_id"] == "900001"
    assert kept_context["last_version"] == "us_ofac_sdn@2025-04-01"
    # every label's address is in the address dictionary
    assert (
        store.scalar(
            "SELECT count(*) FROM labels l LEFT JOIN addresses a ON a.id = l.address_id "
            "WHERE l.pack LIKE 'sanctions:%' AND a.address IS DISTINCT FROM l.address"
        )
        == 0
    )
    assert store.scalar("SELECT count(*) FROM labels WHERE pack LIKE 'sanctions:%'") == 5


def test_other_labels_are_left_alone(store: Store, fixtures: Path) -> None:
    store.con.execute(
        "INSERT INTO labels (address_id, chain, address, label, category, pack, file_id) "
        "VALUES (999, 'ethereum', ?, 'a mixer', 'mixer', 'my pack', 0)",
        [ETH_DELISTED.lower()],
    )
    load_both(store, fixtures)
    assert category_of(store, ETH_DELISTED) == "mixer"  # delisted: the mixer label decides
    assert store.scalar("SELECT count(*) FROM labels WHERE pack = 'my pack'") == 1


def test_diff_between_issues(store: Store, fixtures: Path) -> None:
    load_both(store, fixtures)
    old = resolve_version(store, "us_ofac_sdn@2025-01-15")
    new = resolve_version(store, "us_ofac_sdn@latest")
    result = diff_versions(store, old, new)
    assert result.summary() == {
        "designations_added": 1,
        "designations_removed": 1,
        "designations_changed": 1,
        "addresses_added": 1,
        "addresses_removed": 3,
        "addresses_changed": 0,
    }
    assert [d.list_id for d in result.added] == ["900005"]
    assert [d.caption for d in result.removed] == ["EXAMPLE MIXER"]
    [changed] = result.changed
    assert changed.list_id == "900001"
    assert changed.changes["properties"] == {"alias": {"added": ["KIM Chul Soo"], "removed": []}}
    assert {a.currency for a in result.addresses_removed} == {"ETH", "USDT", "XMR"}
    assert [a.address for a in result.addresses_added] == [BTC_NEW]
    # and the other way round
    back = diff_versions(store, new, old)
    assert back.summary()["designations_added"] == 1
    assert back.summary()["addresses_added"] == 3


def test_naming_versions(store: Store, fixtures: Path) -> None:
    load_both(store, fixtures)
    assert resolve_version(store, "1").version_id == "us_ofac_sdn@2025-01-15"
    assert resolve_version(store, "us_ofac_sdn").version_id == "us_ofac_sdn@2025-04-01"
    assert resolve_version(store, "us_ofac_sdn@previous").version == 1
    with pytest.raises(NotFoundError, match="loaded versions: us_ofac_sdn@2025-01-15"):
        resolve_version(store, "un_sc_consolidated@2026-01-01")
    with pytest.raises(InputError, match="same version"):
        diff_versions(store, resolve_version(store, "1"), resolve_version(store, "1"))


def test_unknown_list_name(store: Store, fixtures: Path) -> None:
    with pytest.raises(InputError, match="Unknown list"):
        load_list_files(store, [fixtures / "ofac_advanced_v1.xml"], list_name="eu_fsf")


def test_tracer_view_sees_the_list(store: Store, fixtures: Path) -> None:
    load_both(store, fixtures)
    rows = dict(
        store.con.execute(
            "SELECT address, category FROM address_categories WHERE chain = 'ethereum'"
        ).fetchall()
    )
    assert rows == {ETH_KEPT.lower(): "sanctioned", ETH_DELISTED.lower(): "unknown_service"}
