"""The other list formats on hand-written fixtures (fictional entries): UN XML, OFAC
legacy XML and CSV trio, OpenSanctions FtM JSON lines; detection of every format."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from followthemoney import EntityProxy

from sanctionwatch.errors import FormatError
from sanctionwatch.labels import category_of
from sanctionwatch.sanctions.load import load_list_files
from sanctionwatch.sanctions.model import ListedEntity, ParsedList
from sanctionwatch.sanctions.parsers import detect_format
from sanctionwatch.sanctions.versions import list_versions
from sanctionwatch.store import Store


def parse(path: Path) -> tuple[ParsedList, list[ListedEntity]]:
    parsed = detect_format(path).parse(path, None)
    return parsed, list(parsed.entities)


def entity(items: list[ListedEntity], entity_id: str) -> EntityProxy:
    return next(i.entity for i in items if i.entity.id == entity_id)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("ofac_advanced_v1.xml", "ofac-advanced-xml"),
        ("ofac_legacy_sdn.xml", "ofac-legacy-xml"),
        ("ofac_csv_2025-02-20", "ofac-csv"),
        ("ofac_csv_2025-02-20/sdn.csv", "ofac-csv"),
        ("un_sample.xml", "un-sc-xml"),
        ("opensanctions_sample.ftm.json", "opensanctions-ftm-json"),
    ],
)
def test_detection(fixtures: Path, name: str, fmt: str) -> None:
    assert detect_format(fixtures / name).name == fmt


def test_companion_csv_alone_is_explained(fixtures: Path) -> None:
    with pytest.raises(FormatError, match=r"load the sdn\.csv beside it"):
        detect_format(fixtures / "ofac_csv_2025-02-20" / "alt.csv")


def test_un_list(fixtures: Path) -> None:
    parsed, items = parse(fixtures / "un_sample.xml")
    assert parsed.issue.list_name == "un_sc_consolidated"
    assert parsed.issue.published == date(2026, 3, 1)
    targets = {i.list_id: i for i in items if i.target}
    assert set(targets) == {"KPi.901", "QDi.901", "KPe.901"}
    person = targets["KPi.901"]
    assert person.programs == ("DPRK",)
    assert person.listed_on == date(2016, 3, 2)
    props = person.entity.to_dict()["properties"]
    assert props["name"] == ["PAK FICTIONAL-SU"]  # the UN's order: surname first
    assert props["alias"] == ["Pak Fictional Su"]  # Good
    assert props["weakAlias"] == ["Ficto"]  # Low
    assert props["previousName"] == ["Park Fictional Soo"]  # f.k.a.
    assert set(props["birthDate"]) == {"1961-04-02", "1958", "1959", "1960"}
    assert props["nationality"] == ["kp"]
    passport = entity(items, "unsc-9900001-doc-990000001")  # one document, two languages
    assert passport.schema.name == "Passport"
    assert set(passport.get("type")) == {"Passport", "Numéro de passeport"}
    org = targets["KPe.901"].entity
    assert org.schema.name == "Organization"
    assert org.get("previousName") == ["OLD FICTIONAL CORP"]
    sanction = entity(items, "unsc-9900003-sanction")
    assert sanction.get("unscId") == ["KPe.901"]
    assert targets["QDi.901"].entity.get("alias") == ["فكتيف"]  # NAME_ORIGINAL_SCRIPT


def test_ofac_legacy_xml_matches_the_advanced_format(fixtures: Path) -> None:
    parsed, items = parse(fixtures / "ofac_legacy_sdn.xml")
    assert parsed.issue.published == date(2025, 2, 20)
    assert parsed.issue.list_name == "us_ofac_sdn"
    legacy = entity(items, "ofac-900001")
    _, advanced_items = parse(fixtures / "ofac_advanced_v1.xml")
    advanced = entity(advanced_items, "ofac-900001")
    for prop in (
        "name",
        "alias",
        "weakAlias",
        "previousName",
        "birthDate",
        "nationality",
        "passportNumber",
        "gender",
    ):
        assert set(legacy.get(prop)) <= set(advanced.get(prop)), prop
        assert legacy.get(prop), prop
    wallet = next(i.entity for i in items if i.entity.schema.name == "CryptoWallet")
    assert wallet.id == "ofac-900001-wallet-e62d7f268eb6b1f7"  # the same id in both formats
    vessel = entity(items, "ofac-900004")
    assert vessel.get("imoNumber") == ["IMO9074729"]
    assert vessel.get("flag") == ["kp"]


def test_legacy_xml_record_count_must_match(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "ofac_legacy_sdn.xml").read_text(encoding="utf-8")
    bad = tmp_path / "sdn.xml"
    bad.write_text(text.replace("<Record_Count>2<", "<Record_Count>3<"), encoding="utf-8")
    with pytest.raises(FormatError, match="Record_Count 3 but holds 2"):
        parse(bad)


def test_ofac_csv_trio(fixtures: Path) -> None:
    parsed, items = parse(fixtures / "ofac_csv_2025-02-20" / "sdn.csv")
    assert parsed.issue.published == date(2025, 2, 20)
    assert parsed.issue.published_from == "file name"
    person = entity(items, "ofac-900001")
    props = person.to_dict()["properties"]
    assert props["name"] == ["KIM Chol Su"]
    assert props["alias"] == ["KIM Cholsu"]  # alt.csv aka: strong
    assert props["previousName"] == ["PAK Chol Su"]  # alt.csv fka
    assert props["weakAlias"] == ["Tester"]  # a.k.a. 'quoted' in the remarks: weak
    assert set(props["birthDate"]) == {"1980-03-01", "1979", "1980", "1981"}
    assert props["nationality"] == ["kp"]
    passport = entity(items, "ofac-900001-doc-passport-p12345678")
    assert passport.get("endDate") == ["2025-04-30"]
    wallets = {i.entity.first("currency") for i in items if i.entity.schema.name == "CryptoWallet"}
    assert wallets == {"ETH", "XBT"}
    target = next(i for i in items if i.target and i.list_id == "900001")
    assert target.programs == ("CYBER2", "DPRK3")  # from "DPRK3] [CYBER2"
    company = entity(items, "ofac-900003")
    assert company.get("registrationNumber") == ["1234567"]
    assert company.get("address") == ["Potonggang District, Pyongyang, Korea, North"]
    assert entity(items, "ofac-900004").get("imoNumber") == ["IMO9074729"]


def test_csv_trio_loads_once_whatever_is_named(store: Store, fixtures: Path) -> None:
    folder = fixtures / "ofac_csv_2025-02-20"
    results = load_list_files(store, [folder / "sdn.csv", folder / "add.csv", folder / "alt.csv"])
    assert [r.status for r in results] == ["loaded"]
    again = load_list_files(store, [folder])
    assert [r.status for r in again] == ["already loaded"]


def test_opensanctions(fixtures: Path) -> None:
    parsed, items = parse(fixtures / "opensanctions_sample.ftm.json")
    assert parsed.issue.list_name == "opensanctions"
    assert parsed.issue.published == date(2026, 2, 1)  # latest last_seen
    targets = {i.list_id: i for i in items if i.target}
    assert set(targets) == {"os-fict-person-1", "os-fict-org-1"}
    assert targets["os-fict-person-1"].programs == ("EU-DPRK",)
    assert targets["os-fict-person-1"].listed_on == date(2024, 1, 9)
    assert targets["os-fict-org-1"].programs == ("UK DPRK regime",)
    wallet = next(i for i in items if i.entity.id == "os-fict-wallet-2")
    assert wallet.list_id == "os-fict-org-1"  # a wallet belongs to its holder's designation
    link = next(i for i in items if i.entity.id == "os-fict-link-1")
    assert link.list_id == "os-fict-person-1"


def test_opensanctions_loads_with_addresses(store: Store, fixtures: Path) -> None:
    [result] = load_list_files(store, [fixtures / "opensanctions_sample.ftm.json"])
    assert (result.n_targets, result.n_addresses, result.n_addresses_chain) == (2, 2, 2)
    assert category_of(store, "0x1111111111111111111111111111111111111111") == "sanctioned"
    assert category_of(store, "THkQfRopincF6emzbk6VMC7jTHqJ8MP8g7", "tron") == "sanctioned"
    [version] = list_versions(store)
    assert version.version_id == "opensanctions@2026-02-01"
    stored = store.scalar(
        "SELECT entity FROM sanction_entities WHERE entity_id = 'os-fict-person-1'"
    )
    assert json.loads(stored)["datasets"] == ["eu_fsf"]


def test_opensanctions_bad_lines_reported_together(tmp_path: Path, fixtures: Path) -> None:
    lines = (fixtures / "opensanctions_sample.ftm.json").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "entities.ftm.json"
    bad.write_text(
        "\n".join([lines[0], "{not json", lines[1], '{"id": "x"}', *lines[2:]]), encoding="utf-8"
    )
    with pytest.raises(FormatError, match=r"line 2: not JSON.*line 4: not an entity"):
        parse(bad)


def test_opensanctions_unknown_schema(tmp_path: Path) -> None:
    bad = tmp_path / "entities.ftm.json"
    bad.write_text(
        '{"id": "a", "schema": "Spaceship", "properties": {"name": ["X"]}}\n', encoding="utf-8"
    )
    with pytest.raises(FormatError, match="line 1: not a valid FollowTheMoney entity"):
        parse(bad)
