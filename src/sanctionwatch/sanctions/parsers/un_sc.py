"""The UN Security Council Consolidated List XML (``CONSOLIDATED_LIST``).

Published at https://scsanctions.un.org/resources/xml/en/consolidated.xml; the issue date
is the root's ``dateGenerated``. Streamed one ``INDIVIDUAL`` / ``ENTITY`` at a time.

What becomes what:
- ``INDIVIDUAL`` -> Person, ``ENTITY`` -> Organization, id ``unsc-<DATAID>``; the list id
  is the ``REFERENCE_NUMBER`` (``KPi.008``: 1718 Committee individual, ``KPe.*`` entity);
  the program is the regime (``UN_LIST_TYPE``: DPRK, Al-Qaida, ...); ``LISTED_ON`` the
  listing date;
- the name is FIRST_NAME .. FOURTH_NAME joined in the list's order (for Korean names the
  UN puts the surname first: ``RA KY'ONG-SU``); ``NAME_ORIGINAL_SCRIPT`` -> ``alias``;
- aliases by ``QUALITY``: ``Good``, ``a.k.a.`` and unmarked -> ``alias``, ``Low`` ->
  ``weakAlias``, ``f.k.a.`` -> ``previousName``;
- dates of birth: ``EXACT`` -> the date, ``APPROXIMATELY`` -> the year (or date),
  ``BETWEEN`` -> every year of the range (``sanctions.dates``);
- nationality -> ``nationality``; place of birth -> ``birthPlace``/``birthCountry``;
  designation -> ``position``; title -> ``title``; gender; comments -> ``notes``;
- documents -> Passport (passport types, in any of the UN's languages) or Identification
  (one per distinct number; the UN repeats a number under types in several languages);
- addresses -> Address entities; every designation -> a Sanction (``unscId``, program,
  listing date, authority "United Nations Security Council").
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from followthemoney import EntityProxy

from sanctionwatch.errors import FormatError
from sanctionwatch.sanctions.dates import parse_day, range_prefixes, text_prefixes
from sanctionwatch.sanctions.model import ListedEntity, ListIssue, ParsedList, make, put, slug
from sanctionwatch.sanctions.source import (
    HashingReader,
    iter_xml,
    open_content,
    read_head,
    translate_errors,
)

FORMAT = "un-sc-xml"
DESCRIPTION = "UN Security Council Consolidated List XML (consolidated.xml)"
LIST = "un_sc_consolidated"
AUTHORITY = "United Nations Security Council"
SOURCE_URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"

_ALIAS_PROPS = {
    "good": "alias",
    "a.k.a.": "alias",
    "": "alias",
    "low": "weakAlias",
    "f.k.a.": "previousName",
}
_PASSPORT_WORDS = ("passport", "passeport", "pasaporte")


def detect(path: Path) -> bool:
    return b"<CONSOLIDATED_LIST" in read_head(path)


def parse(path: Path, list_name: str | None = None) -> ParsedList:
    issue = ListIssue(list_name=list_name or LIST, format=FORMAT, source=str(path))
    return ParsedList(issue, _entities(path, issue))


def _text(element: ET.Element, tag: str) -> str | None:
    found = element.find(tag)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def _values(element: ET.Element, tag: str) -> list[str]:
    out = []
    for holder in element.findall(tag):
        for value in holder.findall("VALUE"):
            if value.text and value.text.strip():
                out.append(" ".join(value.text.split()))
    return out


def _entities(path: Path, issue: ListIssue) -> Iterator[ListedEntity]:
    found = 0
    with translate_errors(path), open_content(path) as raw:
        reader = HashingReader(raw)
        root_seen = False
        for event, element in iter_xml(reader):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if element.tag != "CONSOLIDATED_LIST":
                        raise FormatError(
                            f"{path} is XML but not the UN consolidated list (root "
                            f"<{element.tag}>)."
                        )
                    issue.published = parse_day(element.get("dateGenerated"))
                continue
            if element.tag in ("INDIVIDUAL", "ENTITY"):
                found += 1
                yield from _record(element, element.tag == "INDIVIDUAL")
                element.clear()
        reader.drain()
        issue.sha256 = reader.hexdigest()
    if found == 0:
        raise FormatError(f"{path} has no INDIVIDUAL or ENTITY records; nothing was loaded.")
    if issue.published is None:
        issue.notes.append("the file has no dateGenerated; pass --published")


def _record(element: ET.Element, person: bool) -> Iterator[ListedEntity]:
    data_id = _text(element, "DATAID")
    reference = _text(element, "REFERENCE_NUMBER")
    if data_id is None or reference is None:
        raise FormatError(
            f"a UN {'INDIVIDUAL' if person else 'ENTITY'} record lacks DATAID or "
            "REFERENCE_NUMBER; nothing was loaded."
        )
    entity = make("Person" if person else "Organization", f"unsc-{data_id}")
    parts = [_text(element, f"{n}_NAME") for n in ("FIRST", "SECOND", "THIRD", "FOURTH")]
    entity.add("name", " ".join(p for p in parts if p))
    put(entity, "alias", _text(element, "NAME_ORIGINAL_SCRIPT"))
    entity.add("topics", "sanction")
    entity.add("sourceUrl", SOURCE_URL)
    put(entity, "notes", _text(element, "COMMENTS1"))
    program = _text(element, "UN_LIST_TYPE")
    programs = (program,) if program else ()
    listed_on = parse_day(_text(element, "LISTED_ON"))
    others: list[EntityProxy] = []
    kind = "INDIVIDUAL" if person else "ENTITY"
    for alias in element.findall(f"{kind}_ALIAS"):
        name = _text(alias, "ALIAS_NAME")
        if not name:
            continue
        quality = (_text(alias, "QUALITY") or "").lower()
        put(entity, _ALIAS_PROPS.get(quality, "alias"), name)
        for tag in ("DATE_OF_BIRTH", "CITY_OF_BIRTH", "COUNTRY_OF_BIRTH", "NOTE"):
            put(entity, "notes", _text(alias, tag), label=f"alias {name} {tag.lower()}")
    if person:
        _person_details(entity, element)
    for value in _values(element, "DESIGNATION"):
        put(entity, "position", value)
    for value in _values(element, "TITLE"):
        put(entity, "title", value)
    for address in element.findall(f"{kind}_ADDRESS"):
        made = _address(entity, address)
        if made is not None:
            others.append(made)
    for document in element.findall("INDIVIDUAL_DOCUMENT"):
        _document(entity, document, others)
    sanction = make("Sanction", f"unsc-{data_id}-sanction")
    sanction.add("entity", entity.id)
    sanction.add("authority", AUTHORITY)
    sanction.add("unscId", reference)
    sanction.add("authorityId", reference)
    sanction.add("program", program)
    if listed_on is not None:
        sanction.add("listingDate", listed_on.isoformat())
        sanction.add("startDate", listed_on.isoformat())
    for value in _values(element, "LAST_DAY_UPDATED"):
        sanction.add("modifiedAt", value)
    for value in _values(element, "LIST_TYPE"):
        sanction.add("summary", f"list type: {value}")
    others.append(sanction)
    yield ListedEntity(entity, reference, True, programs, listed_on)
    for other in others:
        yield ListedEntity(other, reference, False, programs, listed_on)


def _person_details(entity: EntityProxy, element: ET.Element) -> None:
    put(entity, "gender", _text(element, "GENDER"))
    for value in _values(element, "NATIONALITY"):
        put(entity, "nationality", value)
    for dob in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = (_text(dob, "TYPE_OF_DATE") or "").upper()
        prefixes: list[str] = []
        if kind == "BETWEEN":
            low, high = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
            if low and high and low.isdigit() and high.isdigit():
                prefixes = text_prefixes(f"{low} to {high}")
        else:
            day = parse_day(_text(dob, "DATE"))
            year = _text(dob, "YEAR")
            if day is not None:
                prefixes = range_prefixes(day, day)
            elif year:
                prefixes = text_prefixes(year)
        for prefix in prefixes:
            entity.add("birthDate", prefix)
        if kind == "APPROXIMATELY" and prefixes:
            entity.add("notes", f"date of birth approximately {', '.join(prefixes)}")
        put(entity, "notes", _text(dob, "NOTE"), label="date of birth")
    for place in element.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        texts = [_text(place, t) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")]
        joined = ", ".join(t for t in texts if t)
        put(entity, "birthPlace", joined)
        put(entity, "birthCountry", _text(place, "COUNTRY"))


def _address(entity: EntityProxy, element: ET.Element) -> EntityProxy | None:
    fields = {
        "street": _text(element, "STREET"),
        "city": _text(element, "CITY"),
        "state": _text(element, "STATE_PROVINCE"),
        "postalCode": _text(element, "ZIP_CODE"),
    }
    country = _text(element, "COUNTRY")
    note = _text(element, "NOTE")
    if country:
        entity.add("country", country)
    texts = [v for v in fields.values() if v]
    if not texts:
        if note:
            entity.add("notes", f"address: {note}")
        return None
    full = ", ".join(texts + ([country] if country else []))
    key = hashlib.sha1(full.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
    address = make("Address", f"{entity.id}-addr-{key}")
    for prop, value in fields.items():
        put(address, prop, value)
    address.add("full", full)
    put(address, "country", country)
    put(address, "remarks", note)
    entity.add("address", full)
    entity.add("addressEntity", address.id)
    return address


def _document(entity: EntityProxy, element: ET.Element, others: list[EntityProxy]) -> None:
    number = _text(element, "NUMBER")
    doc_type = _text(element, "TYPE_OF_DOCUMENT") or "Identification"
    note = "; ".join(t for t in (_text(element, "TYPE_OF_DOCUMENT2"), _text(element, "NOTE")) if t)
    if not number:
        if note or doc_type:
            put(entity, "notes", note or None, label=doc_type)
        return
    is_passport = any(word in doc_type.lower() for word in _PASSPORT_WORDS)
    doc_id = f"{entity.id}-doc-{slug(number)}"
    existing = next((o for o in others if o.id == doc_id), None)
    if existing is not None:  # the same number under a type in another language
        existing.add("type", doc_type)
        return
    country = _text(element, "ISSUING_COUNTRY") or _text(element, "COUNTRY_OF_ISSUE")
    document = make("Passport" if is_passport else "Identification", doc_id)
    document.add("holder", entity.id)
    document.add("number", number)
    document.add("type", doc_type)
    put(document, "country", country)
    issued = _text(element, "DATE_OF_ISSUE")
    if issued:
        document.add("startDate", text_prefixes(issued) or issued)
    put(document, "summary", note or None)
    put(entity, "passportNumber" if is_passport else "idNumber", number)
    if country:
        entity.add("country", country)
    others.append(document)
