"""The OFAC advanced XML parser on a hand-written two-issue fixture (fictional entries)."""

from __future__ import annotations

import bz2
import gzip
import hashlib
from pathlib import Path

from followthemoney import EntityProxy

from sanctionwatch.sanctions.model import ListedEntity, ListIssue
from sanctionwatch.sanctions.parsers import detect_format, ofac_advanced


def parse_all(path: Path) -> tuple[list[ListedEntity], ListIssue]:
    parsed = ofac_advanced.parse(path)
    entities = list(parsed.entities)
    return entities, parsed.issue


def by_id(entities: list[ListedEntity]) -> dict[str, EntityProxy]:
    return {str(item.entity.id): item.entity for item in entities}


def test_detected(fixtures: Path) -> None:
    assert detect_format(fixtures / "ofac_advanced_v1.xml").name == "ofac-advanced-xml"


def test_issue_record(fixtures: Path) -> None:
    path = fixtures / "ofac_advanced_v1.xml"
    _, issue = parse_all(path)
    assert issue.list_name == "us_ofac_sdn"
    assert issue.published is not None
    assert issue.published.isoformat() == "2025-01-15"
    assert issue.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_person_names_with_quality(fixtures: Path) -> None:
    entities, _ = parse_all(fixtures / "ofac_advanced_v1.xml")
    person = by_id(entities)["ofac-900001"]
    assert person.schema.name == "Person"
    assert person.get("name") == ["KIM Chol Su"]
    assert person.get("lastName") == ["KIM"]
    assert person.get("firstName") == ["Chol Su"]
    assert set(person.get("alias")) == {"KIM Cholsu", "김철수"}  # strong a.k.a., Hangul
    assert person.get("weakAlias") == ["Tester"]  # LowQuality a.k.a.
    assert person.get("previousName") == ["PAK Chol Su"]  # f.k.a.


def test_person_facts(fixtures: Path) -> None:
    entities, _ = parse_all(fixtures / "ofac_advanced_v1.xml")
    person = by_id(entities)["ofac-900001"]
    # an exact date and a 1979..1981 range (three whole years)
    assert set(person.get("birthDate")) == {"1980-03-01", "1979", "1980", "1981"}
    assert person.get("nationality") == ["kp"]
    assert person.get("gender") == ["male"]
    assert person.get("passportNumber") == ["P12345678"]
    passport = by_id(entities)["ofac-900001-doc-8001"]
    assert passport.schema.name == "Passport"
    assert passport.get("holder") == ["ofac-900001"]
    assert passport.get("startDate") == ["2015-05-01"]


def test_programs_listing_and_sanction(fixtures: Path) -> None:
    entities, _ = parse_all(fixtures / "ofac_advanced_v1.xml")
    target = next(e for e in entities if e.target and e.list_id == "900001")
    assert target.programs == ("CYBER2", "DPRK3")
    assert target.listed_on is not None
    assert target.listed_on.isoformat() == "2020-01-02"
    sanction = by_id(entities)["ofac-900001-sanction-900001"]
    assert set(sanction.get("program")) == {"DPRK3", "CYBER2"}
    assert sanction.get("listingDate") == ["2020-01-02"]
    assert sanction.get("provisions") == ["Block"]
    assert sanction.get("reason") == ["Executive Order 13722 (North Korea)"]
    assert any(s.startswith("Secondary sanctions risk:") for s in sanction.get("summary"))


def test_wallets_relationship_vessel_address(fixtures: Path) -> None:
    entities, _ = parse_all(fixtures / "ofac_advanced_v1.xml")
    wallets = [e.entity for e in entities if e.entity.schema.name == "CryptoWallet"]
    assert {(w.first("currency"), w.first("holder")) for w in wallets} == {
        ("ETH", "ofac-900001"),
        ("XBT", "ofac-900001"),
        ("ETH", "ofac-900002"),
        ("USDT", "ofac-900002"),
        ("XMR", "ofac-900002"),
    }
    link = by_id(entities)["ofac-rel-6001"]
    assert link.schema.name == "UnknownLink"
    assert link.get("subject") == ["ofac-900001"]
    assert link.get("object") == ["ofac-900003"]
    assert link.get("role") == ["Providing support to"]
    vessel = by_id(entities)["ofac-900004"]
    assert vessel.schema.name == "Vessel"
    assert vessel.get("imoNumber") == ["IMO9074729"]
    address = by_id(entities)["ofac-900003-addr-5201"]
    assert address.get("city") == ["Pyongyang"]
    assert address.get("country") == ["kp"]


def test_every_entity_is_valid_ftm(fixtures: Path) -> None:
    entities, _ = parse_all(fixtures / "ofac_advanced_v2.xml")
    for item in entities:
        data = item.entity.to_dict()
        assert data["id"]
        assert data["schema"]
        for prop in item.entity.schema.required:
            assert item.entity.get(prop), (data["id"], prop)


def test_compressed_copies_have_the_same_content_hash(fixtures: Path, tmp_path: Path) -> None:
    source = fixtures / "ofac_advanced_v1.xml"
    raw = source.read_bytes()
    packed = tmp_path / "sdn_advanced.xml.bz2"
    packed.write_bytes(bz2.compress(raw))
    zipped = tmp_path / "renamed.dat"  # compression is recognised by content, not name
    zipped.write_bytes(gzip.compress(raw))
    hashes = set()
    for path in (source, packed, zipped):
        entities, issue = parse_all(path)
        hashes.add(issue.sha256)
        assert sum(e.target for e in entities) == 4
    assert hashes == {hashlib.sha256(raw).hexdigest()}
