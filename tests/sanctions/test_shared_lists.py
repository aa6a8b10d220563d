"""The real lists in ../shared/data load and reconcile with the files themselves.

The expected figures are counted here independently of the parsers (a separate scan of
the XML with ElementTree, the per-chain address files published with the 2025-11-19
issue, and OFAC's own checksum of the unpacked file); see
../shared/data/sanctions/PROVENANCE.md for where the numbers come from.
"""

from __future__ import annotations

import bz2
import csv
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from sanctionwatch.labels import category_of, labels_for
from sanctionwatch.sanctions.diff import ListDiff, diff_versions
from sanctionwatch.sanctions.load import load_list_files
from sanctionwatch.sanctions.versions import resolve_version
from sanctionwatch.store import Store, open_store

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

OFAC_OLD = "ofac/sdn_advanced_2025-03-04.xml.bz2"
OFAC_NEW = "ofac/sdn_advanced_2025-11-19.xml.bz2"
UN = "un/un_consolidated_2026-05-08.xml"
NAME_PROPS = ("name", "alias", "weakAlias", "previousName")
LAZARUS_ETH = "0x098b716b8aaf21512996dc57eb0615e2383e2f96"
TORNADO_UID = "39796"


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("lists") / "lists.duckdb"
    base = shared_data / "sanctions"
    with open_store(db) as store:
        load_list_files(store, [base / OFAC_OLD, base / OFAC_NEW, base / UN])
        yield store


def names_of(entity_json: str) -> set[str]:
    props = json.loads(entity_json)["properties"]
    return {name for prop in NAME_PROPS for name in props.get(prop, [])}


def norm(name: str) -> str:
    return " ".join(name.replace('"', " ").split())


def scan_ofac(path: Path) -> tuple[dict[str, set[str]], dict[str, set[str]], Counter[str]]:
    """Independent scan: names and programs per profile, digital currency features."""
    names: dict[str, set[str]] = defaultdict(set)
    programs: dict[str, set[str]] = defaultdict(set)
    crypto_types: set[str] = set()
    crypto: Counter[str] = Counter()
    with bz2.open(path) as fh:
        for _, el in ET.iterparse(fh):  # noqa: S314 - our own test data
            tag = el.tag.rpartition("}")[2]
            if tag == "FeatureType" and "Digital Currency Address" in (el.text or ""):
                crypto_types.add(str(el.get("ID")))
            elif tag == "Profile":
                uid = str(el.get("ID"))
                for dn in el.iter():
                    if dn.tag.endswith("}DocumentedName"):
                        parts = [v.text or "" for v in dn.iter() if v.tag.endswith("NamePartValue")]
                        names[uid].add(" ".join(p.strip() for p in parts))
                for feature in el.iter():
                    if feature.tag.endswith("}Feature") and feature.get("FeatureTypeID") in (
                        crypto_types
                    ):
                        crypto[uid] += 1
                el.clear()
            elif tag == "SanctionsEntry" and el.get("ListID") == "1550":
                for measure in el:
                    if (
                        measure.tag.endswith("SanctionsMeasure")
                        and measure.get("SanctionsTypeID") == "1"
                    ):
                        comment = measure.findtext(f"{el.tag.rpartition('}')[0]}}}Comment")
                        if comment:
                            programs[str(el.get("ProfileID"))].add(comment)
                el.clear()
    return names, programs, crypto


def version_of(store: Store, version_id: str) -> int:
    return int(resolve_version(store, version_id).version)


def test_ofac_2025_11_19_counts(loaded: Store, shared_data: Path) -> None:
    v = resolve_version(loaded, "us_ofac_sdn@2025-11-19")
    assert v.n_targets == 18_367
    counts = json.loads(v.counts or "{}")
    assert counts["address_listings"] == 761  # digital currency address features
    assert v.n_addresses == 760  # one XBT address is listed twice on uid 37070
    checksum = (shared_data / "sanctions/ofac/sdn_advanced_2025-11-19.sha256.txt").read_text()
    assert v.sha256 == checksum.split("=")[-1].strip()
    programs = counts["programs"]
    expected = {
        "DPRK": 69,
        "DPRK2": 124,
        "DPRK3": 160,
        "DPRK4": 190,
        "DPRK-NKSPEA": 2,
        "CYBER2": 269,
        "CYBER3": 9,
        "CYBER4": 52,
    }
    assert {k: programs[k] for k in expected} == expected


def test_ofac_addresses_match_the_per_chain_files(loaded: Store, shared_data: Path) -> None:
    version = version_of(loaded, "us_ofac_sdn@2025-11-19")
    folder = shared_data / "sanctions/ofac/crypto_addresses_by_chain"
    files = sorted(folder.glob("sanctioned_addresses_*.txt"))
    assert len(files) == 19
    for path in files:
        symbol = re.sub(r"^sanctioned_addresses_|\.txt$", "", path.name)
        published = {line.strip() for line in path.read_text().splitlines() if line.strip()}
        ours = {
            row[0]
            for row in loaded.con.execute(
                "SELECT address_as_listed FROM sanction_addresses WHERE version = ? "
                "AND currency = ?",
                [version, symbol],
            ).fetchall()
        }
        assert ours == published, symbol


def test_ofac_dprk_parties_present_with_aliases(loaded: Store, shared_data: Path) -> None:
    names, programs, crypto = scan_ofac(shared_data / "sanctions" / OFAC_NEW)
    dprk = {uid for uid, progs in programs.items() if any(p.startswith("DPRK") for p in progs)}
    assert len(dprk) == 538
    version = version_of(loaded, "us_ofac_sdn@2025-11-19")
    rows = loaded.con.execute(
        "SELECT list_id, programs, entity FROM sanction_entities WHERE version = ? AND target",
        [version],
    ).fetchall()
    stored = {row[0]: (set(row[1]), names_of(row[2])) for row in rows}
    alias_total = 0
    for uid in dprk:
        assert uid in stored, uid
        stored_programs, stored_names = stored[uid]
        assert stored_programs == programs[uid], uid
        assert {norm(n) for n in stored_names} == {norm(n) for n in names[uid]}, uid
        alias_total += len(names[uid]) - 1
    assert alias_total == 680  # distinct alternative names of the 538 DPRK parties
    on_dprk = loaded.con.execute(
        "SELECT currency, count(*) FROM sanction_addresses WHERE version = ? "
        "AND len(list_filter(programs, lambda p: p LIKE 'DPRK%')) > 0 GROUP BY ALL",
        [version],
    ).fetchall()
    assert dict(on_dprk) == {"USDT": 54, "XBT": 42, "ETH": 18, "USDC": 1}
    assert sum(crypto[uid] for uid in dprk) == 115


def test_lazarus_group(loaded: Store) -> None:
    version = version_of(loaded, "us_ofac_sdn@2025-11-19")
    [(entity, programs, listed_on)] = loaded.con.execute(
        "SELECT entity, programs, listed_on FROM sanction_entities "
        "WHERE version = ? AND entity_id = 'ofac-27307'",
        [version],
    ).fetchall()
    assert programs == ["DPRK3"]
    assert listed_on.isoformat() == "2019-09-13"
    assert {"Hidden Cobra", "Guardians of Peace", "Office 91"} <= names_of(entity)
    eth = loaded.con.execute(
        "SELECT count(*) FROM sanction_addresses WHERE version = ? AND entity_id = "
        "'ofac-27307' AND chain = 'ethereum'",
        [version],
    ).fetchall()
    assert eth == [(8,)]
    assert category_of(loaded, LAZARUS_ETH) == "sanctioned"
    [label] = [r for r in labels_for(loaded, LAZARUS_ETH, "ethereum") if r.pack]
    assert label.label == "Lazarus Group"
    assert json.loads(label.context or "{}")["programs"] == ["DPRK3"]
    links = loaded.con.execute(
        "SELECT list_id FROM sanction_entities WHERE version = ? AND schema = 'UnknownLink' "
        "AND entity LIKE '%\"object\": [\"ofac-27307\"]%' AND entity LIKE '%Providing support%'",
        [version],
    ).fetchall()
    assert {row[0] for row in links} >= {"28263", "28264"}  # Tian Yinyin, Li Jiadong


def test_un_1718_entries_present_with_aliases(loaded: Store, shared_data: Path) -> None:
    tree = ET.parse(shared_data / "sanctions" / UN)  # noqa: S314 - our own test data
    expected: dict[str, set[str]] = {}
    for record in [*tree.iter("INDIVIDUAL"), *tree.iter("ENTITY")]:
        if (record.findtext("UN_LIST_TYPE") or "").strip() != "DPRK":
            continue
        reference = (record.findtext("REFERENCE_NUMBER") or "").strip()
        parts = [
            (record.findtext(f"{n}_NAME") or "").strip()
            for n in ("FIRST", "SECOND", "THIRD", "FOURTH")
        ]
        names = {" ".join(p for p in parts if p)}
        for alias in record.iter():
            if alias.tag == "ALIAS_NAME" and (alias.text or "").strip():
                names.add(alias.text or "")
        expected[reference] = {norm(n) for n in names}
    assert Counter(ref[:3] for ref in expected) == {"KPi": 80, "KPe": 75}
    version = version_of(loaded, "un_sc_consolidated@2026-05-08")
    rows = loaded.con.execute(
        "SELECT list_id, schema, programs, entity FROM sanction_entities "
        "WHERE version = ? AND target AND list_id LIKE 'KP%'",
        [version],
    ).fetchall()
    stored = {row[0]: row for row in rows}
    assert set(stored) == set(expected)
    for reference, names in expected.items():
        _, schema, programs, entity = stored[reference]
        assert schema == ("Person" if reference.startswith("KPi") else "Organization")
        assert programs == ["DPRK"]
        assert {norm(n) for n in names_of(entity)} == names, reference
    assert sum(len(n) - 1 for n in expected.values()) > 200


@pytest.fixture(scope="module")
def ofac_diff(loaded: Store) -> ListDiff:
    return diff_versions(
        loaded,
        resolve_version(loaded, "us_ofac_sdn@2025-03-04"),
        resolve_version(loaded, "us_ofac_sdn@2025-11-19"),
    )


def test_tornado_cash_delisting_shows_as_removed(loaded: Store, ofac_diff: ListDiff) -> None:
    removed = {d.list_id: d for d in ofac_diff.removed}
    assert TORNADO_UID in removed
    assert removed[TORNADO_UID].caption == "TORNADO CASH"
    tornado = [a for a in ofac_diff.addresses_removed if f"ofac-{TORNADO_UID}" in a.holders]
    assert len(tornado) == 90
    assert {a.chain for a in tornado} == {"ethereum"}
    assert TORNADO_UID not in {d.list_id for d in ofac_diff.added}
    # the delisted addresses no longer count as sanctioned; their history stays
    address = tornado[0].address
    assert category_of(loaded, address, "ethereum") != "sanctioned"
    [label] = [
        r
        for r in labels_for(loaded, address, "ethereum")
        if r.pack == "sanctions:us_ofac_sdn" and "39796" in (r.source or "")
    ]
    context = json.loads(label.context or "{}")
    assert context["status"] == "delisted"
    assert context["valid_to"] == "2025-11-19"
    assert context["last_version"] == "us_ofac_sdn@2025-03-04"


def test_diff_summary(ofac_diff: ListDiff) -> None:
    summary = ofac_diff.summary()
    old, new = ofac_diff.old, ofac_diff.new
    assert new.n_targets - old.n_targets == (
        summary["designations_added"] - summary["designations_removed"]
    )
    assert summary["addresses_removed"] >= 90
    assert summary["addresses_added"] > 0
    assert summary["designations_changed"] > 0


def test_legacy_csv_trio(store: Store, shared_data: Path) -> None:
    folder = shared_data / "sanctions/ofac/legacy_csv_2021-04-25"
    with (folder / "sdn.csv").open(encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.reader(fh) if len(row) == 12]
    listings = sum(row[11].count("Digital Currency Address - ") for row in rows)
    dprk = {row[0] for row in rows if "DPRK" in row[3]}
    [result] = load_list_files(store, [folder])
    assert result.version_id == "us_ofac_sdn@2021-04-25"
    assert result.n_targets == len(rows) == 8_890
    version = resolve_version(store, result.version_id)
    assert json.loads(version.counts or "{}")["address_listings"] == listings == 81
    stored_dprk = {
        row[0]
        for row in store.con.execute(
            "SELECT list_id FROM sanction_entities WHERE target "
            "AND len(list_filter(programs, lambda p: p LIKE 'DPRK%')) > 0"
        ).fetchall()
    }
    assert stored_dprk == dprk
    assert len(dprk) == 414
    alt_rows = sum(1 for line in (folder / "alt.csv").read_text().splitlines() if line.strip())
    strong = store.scalar(
        "SELECT sum(len(coalesce(json_extract_string(entity, '$.properties.alias[*]'), [])) "
        "+ len(coalesce(json_extract_string(entity, '$.properties.previousName[*]'), []))) "
        "FROM sanction_entities WHERE target"
    )
    assert strong <= alt_rows  # alt.csv names, less exact duplicates of one party


def test_legacy_consolidated_xml(store: Store, shared_data: Path) -> None:
    path = shared_data / "sanctions/ofac/ofac_consolidated_nonsdn_legacy_xml_2026-01-08.xml"
    [result] = load_list_files(store, [path])
    assert result.version_id == "us_ofac_cons@2026-01-08"
    assert result.n_targets == 442  # its Record_Count (checked by the parser too)
    assert result.n_addresses == 0
