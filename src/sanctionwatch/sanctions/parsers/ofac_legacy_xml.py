"""OFAC's legacy XML (``sdnList``): ``sdn.xml`` and the consolidated non-SDN ``consolidated.xml``.

Both files share one schema; nothing inside tells them apart, so the list is
``us_ofac_cons`` when the file name says "cons" and ``us_ofac_sdn`` otherwise (``--list``
overrides). The issue date is ``publshInformation/Publish_Date`` (MM/DD/YYYY). The legacy
format has no listing dates.

What becomes what (ids as in the advanced XML, ``ofac-<uid>``, so both formats of one
list can be compared):
- ``sdnEntry`` -> Person / Organization / Vessel / Airplane by ``sdnType``; the name is
  ``lastName firstName`` (the advanced XML's order); ``akaList`` entries by ``type``
  (``a.k.a.``/``n.k.a.`` -> ``alias``, ``f.k.a.`` -> ``previousName``) and ``category``
  (``weak`` -> ``weakAlias``);
- dates and places of birth, nationalities, citizenships -> ``birthDate`` prefixes,
  ``birthPlace``, ``nationality``, ``citizenship``;
- ``idList``: ``Digital Currency Address - <SYM>`` -> CryptoWallet; features OFAC also
  keeps there (website, e-mail, gender, secondary sanctions risk, ...) as in the advanced
  XML; every other ``idType`` -> an Identification / Passport;
- ``addressList`` -> Address entities; ``vesselInfo`` -> the vessel's properties;
- ``programList`` -> the programs of a Sanction entity.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from sanctionwatch.errors import FormatError
from sanctionwatch.sanctions.dates import parse_day, text_prefixes
from sanctionwatch.sanctions.model import ListedEntity, ListIssue, ParsedList
from sanctionwatch.sanctions.parsers import _ofac
from sanctionwatch.sanctions.source import (
    HashingReader,
    iter_xml,
    open_content,
    read_head,
    translate_errors,
)

FORMAT = "ofac-legacy-xml"
DESCRIPTION = "OFAC legacy XML (sdn.xml / consolidated.xml, <sdnList>)"

_VESSEL_FACTS = {
    "callSign": "Vessel Call Sign",
    "vesselType": "VESSEL TYPE",
    "vesselFlag": "Vessel Flag",
    "vesselOwner": "Vessel Owner",
    "tonnage": "Vessel Tonnage",
    "grossRegisteredTonnage": "Vessel Gross Registered Tonnage",
}
_ADDRESS_PARTS = (
    ("address1", "street"),
    ("address2", "street"),
    ("address3", "street"),
    ("city", "city"),
    ("stateOrProvince", "state"),
    ("postalCode", "postalCode"),
    ("region", "region"),
)


def detect(path: Path) -> bool:
    return b"<sdnList" in read_head(path)


def parse(path: Path, list_name: str | None = None) -> ParsedList:
    guessed = "us_ofac_cons" if "cons" in path.name.lower() else "us_ofac_sdn"
    issue = ListIssue(list_name=list_name or guessed, format=FORMAT, source=str(path))
    if list_name is None:
        issue.notes.append(f"list {guessed} told by the file name (override with --list)")
    return ParsedList(issue, _entities(path, issue))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element: ET.Element) -> dict[str, ET.Element]:
    return {_local(child.tag): child for child in element}


def _text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return " ".join((child.text or "").split()) or None
    return None


def _items(element: ET.Element | None, list_name: str) -> list[ET.Element]:
    if element is None:
        return []
    for child in element:
        if _local(child.tag) == list_name:
            return list(child)
    return []


def _entities(path: Path, issue: ListIssue) -> Iterator[ListedEntity]:
    found = 0
    record_count: int | None = None
    with translate_errors(path), open_content(path) as raw:
        reader = HashingReader(raw)
        root_seen = False
        for event, element in iter_xml(reader):
            local = _local(element.tag)
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if local != "sdnList":
                        raise FormatError(f"{path} is XML but not an OFAC <sdnList>.")
                continue
            if local == "publshInformation":
                issue.published = parse_day(_text(element, "Publish_Date"))
                count = _text(element, "Record_Count")
                record_count = int(count) if count and count.isdigit() else None
            elif local == "sdnEntry":
                found += 1
                yield from _ofac.legacy_entities(_party(path, element))
                element.clear()
        reader.drain()
        issue.sha256 = reader.hexdigest()
    if found == 0:
        raise FormatError(f"{path} has no sdnEntry records; nothing was loaded.")
    if record_count is not None and record_count != found:
        raise FormatError(
            f"{path} says Record_Count {record_count} but holds {found} sdnEntry records; "
            "is it truncated? Nothing was loaded."
        )
    if issue.published is None:
        issue.notes.append("the file has no Publish_Date; pass --published")


def _party(path: Path, element: ET.Element) -> _ofac.LegacyParty:
    uid = _text(element, "uid")
    if uid is None:
        raise FormatError(f"{path}: an sdnEntry has no uid; nothing was loaded.")
    party = _ofac.LegacyParty(uid=uid, party_type=_text(element, "sdnType") or "Entity")
    last, first = _text(element, "lastName"), _text(element, "firstName")
    party.names.append(("name", " ".join(p for p in (last, first) if p)))
    party.name_parts += [(p, v) for p, v in (("lastName", last), ("firstName", first)) if v]
    title = _text(element, "title")
    if title:
        party.facts.append(("Title", title))
    remarks = _text(element, "remarks")
    if remarks:
        party.notes.append(remarks)
    party.programs = [" ".join((p.text or "").split()) for p in _items(element, "programList")]
    party.programs = [p for p in party.programs if p]
    for aka in _items(element, "akaList"):
        kind = _text(aka, "type") or "a.k.a."
        weak = (_text(aka, "category") or "").lower() == "weak"
        name = " ".join(p for p in (_text(aka, "lastName"), _text(aka, "firstName")) if p)
        prop = "weakAlias" if weak else _ofac.ALIAS_PROPS.get(kind, "alias")
        party.names.append((prop, name))
    for item in _items(element, "dateOfBirthList"):
        value = _text(item, "dateOfBirth")
        if value:
            prefixes = text_prefixes(value)
            party.facts += [("Birthdate", p) for p in prefixes] or [("Birthdate", value)]
    for item in _items(element, "placeOfBirthList"):
        value = _text(item, "placeOfBirth")
        if value:
            party.facts.append(("Place of Birth", value))
    for list_name, label in (
        ("nationalityList", "Nationality Country"),
        ("citizenshipList", "Citizenship Country"),
    ):
        for item in _items(element, list_name):
            value = _text(item, "country")
            if value:
                party.facts.append((label, value))
    for item in _items(element, "idList"):
        _identifier(party, item)
    for item in _items(element, "addressList"):
        parts = [(prop, text) for tag, prop in _ADDRESS_PARTS if (text := _text(item, tag))]
        party.addresses.append(
            (_text(item, "uid") or str(len(party.addresses)), parts, _text(item, "country"))
        )
    vessel = _children(element).get("vesselInfo")
    if vessel is not None:
        for tag, label in _VESSEL_FACTS.items():
            value = _text(vessel, tag)
            if value:
                party.facts.append((label, value))
    return party


def _identifier(party: _ofac.LegacyParty, item: ET.Element) -> None:
    label = _text(item, "idType") or "ID"
    number = _text(item, "idNumber") or ""
    currency = _ofac.crypto_currency(label)
    if currency is not None:
        if number:
            party.wallets.append((currency, number))
        return
    if label in _ofac.FEATURE_PROPS or _ofac.is_sanction_feature(label) or not number:
        if number:
            party.facts.append((label, number))
        return
    if label in ("Website", "Email Address", "Phone Number", "Gender", "Target Type"):
        party.facts.append((label, number))
        return
    issued = text_prefixes(_text(item, "issueDate"))
    expires = text_prefixes(_text(item, "expirationDate"))
    party.documents.append(
        (_text(item, "uid") or number, label, number, _text(item, "idCountry"), issued, expires)
    )
