"""OFAC's advanced XML (``sdn_advanced.xml``, ``cons_advanced.xml``): the current format.

The file is streamed (``iterparse``; each record is cleared once read), in its own order:
``DateOfIssue``, ``ReferenceValueSets`` (alias types, feature types, countries, programs,
... : every coded value in the file), ``Locations``, ``IDRegDocuments``,
``DistinctParties`` (one ``Profile`` per party: names, features), ``ProfileRelationships``
and ``SanctionsEntries`` (programs and listing dates). Parties are turned into entities as
they are read; programs, listing dates and relationships are attached at the end, when the
sanctions entries have been read.

What becomes what:
- a party -> Person / Organization / Vessel / Airplane (id ``ofac-<uid>``); every alias
  with its quality: the primary ``Name`` -> ``name``, ``A.K.A.``/``N.K.A.`` -> ``alias``,
  ``F.K.A.`` -> ``previousName``, low-quality (weak) aliases -> ``weakAlias``; the primary
  name's parts -> ``firstName``/``lastName``/...;
- ``Birthdate`` periods -> ``birthDate`` prefixes (``sanctions.dates``); nationality,
  citizenship and registration countries -> ISO codes; other features per
  ``_ofac.FEATURE_PROPS`` (unknown ones are kept as ``notes``);
- ``Location`` features -> Address entities (``addressEntity``);
- ID documents -> Passport / Identification entities (and the number on the party);
- ``Digital Currency Address - <SYM>`` -> CryptoWallet (``publicKey``, ``currency``,
  ``holder``);
- each sanctions entry -> a Sanction (``program`` per program, ``listingDate``, legal
  basis as ``reason``, sanction-related features as ``summary``);
- relationships -> Family / Associate between people, else UnknownLink with the
  relation as ``role`` ("Providing support to", "Owned or Controlled By", ...).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from followthemoney import EntityProxy

from sanctionwatch.errors import FormatError
from sanctionwatch.sanctions.dates import range_prefixes, safe_date
from sanctionwatch.sanctions.model import ListedEntity, ListIssue, ParsedList, make, put
from sanctionwatch.sanctions.parsers import _ofac
from sanctionwatch.sanctions.source import (
    HashingReader,
    iter_xml,
    open_content,
    read_head,
    translate_errors,
)

FORMAT = "ofac-advanced-xml"
DESCRIPTION = "OFAC advanced XML (sdn_advanced.xml / cons_advanced.xml)"

_NAME_PART_PROPS = {
    "Last Name": "lastName",
    "First Name": "firstName",
    "Middle Name": "middleName",
    "Patronymic": "fatherName",
    "Matronymic": "motherName",
}
_ADDRESS_PARTS = (
    ("ADDRESS1", "street"),
    ("ADDRESS2", "street"),
    ("ADDRESS3", "street"),
    ("CITY", "city"),
    ("STATE/PROVINCE", "state"),
    ("POSTAL CODE", "postalCode"),
    ("REGION", "region"),
    ("Unknown", "remarks"),
)


def detect(path: Path) -> bool:
    head = read_head(path)
    return b"<Sanctions" in head and (b"ADVANCED_XML" in head or b"<DateOfIssue" in head)


def parse(path: Path, list_name: str | None = None) -> ParsedList:
    issue = ListIssue(list_name=list_name or "us_ofac_sdn", format=FORMAT, source=str(path))
    return ParsedList(issue, _Reader(path, issue, list_name).entities())


@dataclass(slots=True)
class _Location:
    country_code: str | None
    country_name: str | None
    parts: list[tuple[str, str]]


@dataclass(slots=True)
class _Document:
    key: str
    doc_type: str
    number: str
    country: str | None
    validity: str | None
    issued: list[str]
    expires: list[str]
    authority: str | None
    comment: str | None


@dataclass(slots=True)
class _Party:
    uid: str
    entity: EntityProxy
    others: list[EntityProxy] = field(default_factory=list)
    sanction_notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Entry:
    entry_id: str
    list_name: str
    events: list[tuple[date | None, str | None, str | None]]  # date, legal basis, comment
    measures: list[tuple[str, str | None]]  # sanctions type, comment


class _Reader:
    """One streaming pass over the file; ``entities()`` yields the results."""

    def __init__(self, path: Path, issue: ListIssue, list_name: str | None) -> None:
        self.path = path
        self.issue = issue
        self.list_name = list_name
        self.ns = ""
        self.refs: dict[str, dict[str, tuple[str, dict[str, str]]]] = {}
        self.locations: dict[str, _Location] = {}
        self.documents: dict[str, list[_Document]] = defaultdict(list)
        self.parties: dict[str, _Party] = {}
        self.relations: list[tuple[str, str, str, str, str | None]] = []
        self.entries: dict[str, list[_Entry]] = defaultdict(list)

    # -- reading ----------------------------------------------------------------------
    def entities(self) -> Iterator[ListedEntity]:
        self._read()
        yield from self._emit()

    def _read(self) -> None:
        handlers = {
            "DateOfIssue": self._date_of_issue,
            "ReferenceValueSets": self._references,
            "Location": self._location,
            "IDRegDocument": self._document,
            "DistinctParty": self._party,
            "ProfileRelationship": self._relation,
            "SanctionsEntry": self._entry,
        }
        sections = {"Locations", "IDRegDocuments", "DistinctParties", "ProfileRelationships"}
        root_seen = False
        with translate_errors(self.path), open_content(self.path) as raw:
            reader = HashingReader(raw)
            for event, element in iter_xml(reader):
                namespace, _, local = element.tag.rpartition("}")
                if event == "start":
                    if not root_seen:
                        root_seen = True
                        if local != "Sanctions":
                            raise FormatError(
                                f"{self.path} is XML but not an OFAC advanced list (root "
                                f"<{local}>, expected <Sanctions>)."
                            )
                        self.ns = f"{namespace}}}" if namespace else ""
                    continue
                handler = handlers.get(local)
                if handler is not None:
                    handler(element)
                    element.clear()
                elif local in sections or local == "SanctionsEntries":
                    element.clear()
            reader.drain()
            self.issue.sha256 = reader.hexdigest()
        if not self.parties:
            raise FormatError(f"{self.path} has no DistinctParty records; nothing was loaded.")
        if self.issue.published is None:
            raise FormatError(f"{self.path} has no DateOfIssue; nothing was loaded.")

    def _q(self, name: str) -> str:
        return f"{self.ns}{name}"

    def _text(self, element: ET.Element | None, path: str) -> str | None:
        if element is None:
            return None
        found = element.find("/".join(self._q(p) for p in path.split("/")))
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def _ref(self, kind: str, ref_id: str | None) -> str | None:
        if ref_id is None:
            return None
        found = self.refs.get(kind, {}).get(ref_id)
        return None if found is None else found[0]

    def _ref_attr(self, kind: str, ref_id: str | None, attr: str) -> str | None:
        found = self.refs.get(kind, {}).get(ref_id or "")
        return None if found is None else found[1].get(attr)

    def _ymd(self, element: ET.Element | None) -> date | None:
        if element is None:
            return None
        return safe_date(
            self._text(element, "Year"), self._text(element, "Month"), self._text(element, "Day")
        )

    def _period(self, period: ET.Element | None) -> list[str]:
        """FtM date prefixes of a DatePeriod (earliest start .. latest end)."""
        if period is None:
            return []
        start, end = period.find(self._q("Start")), period.find(self._q("End"))
        low = self._ymd(start.find(self._q("From")) if start is not None else None)
        high = self._ymd(end.find(self._q("To")) if end is not None else None)
        if low is None or high is None:
            return [d.isoformat() for d in (low, high) if d is not None]
        return range_prefixes(low, high)

    def _country(self, country_id: str | None) -> tuple[str | None, str | None]:
        """(ISO code in lower case or the name, name) of a CountryID."""
        name = self._ref("Country", country_id)
        iso = self._ref_attr("Country", country_id, "ISO2")
        return (iso.lower() if iso else name), name

    # -- handlers ---------------------------------------------------------------------
    def _date_of_issue(self, element: ET.Element) -> None:
        self.issue.published = self._ymd(element)

    def _references(self, element: ET.Element) -> None:
        for group in element:
            kind = group.tag.rpartition("}")[2].removesuffix("Values")
            values: dict[str, tuple[str, dict[str, str]]] = {}
            for item in group:
                ref_id = item.get("ID")
                if ref_id is not None:
                    values[ref_id] = ((item.text or "").strip(), dict(item.attrib))
            self.refs[kind] = values

    def _location(self, element: ET.Element) -> None:
        loc_id = element.get("ID")
        if loc_id is None:
            return
        code = name = None
        country = element.find(self._q("LocationCountry"))
        if country is not None:
            code, name = self._country(country.get("CountryID"))
        parts = []
        for part in element.findall(self._q("LocationPart")):
            part_type = self._ref("LocPartType", part.get("LocPartTypeID")) or "Unknown"
            value = self._text(part, "LocationPartValue/Value")
            if value:
                parts.append((part_type, value))
        self.locations[loc_id] = _Location(code, name, parts)

    def _document(self, element: ET.Element) -> None:
        identity = element.get("IdentityID")
        if identity is None:
            return
        issued: list[str] = []
        expires: list[str] = []
        for doc_date in element.findall(self._q("DocumentDate")):
            kind = self._ref("IDRegDocDateType", doc_date.get("IDRegDocDateTypeID"))
            prefixes = self._period(doc_date.find(self._q("DatePeriod")))
            (expires if kind == "Expiration Date" else issued).extend(prefixes)
        country = element.get("IssuedBy-CountryID")
        self.documents[identity].append(
            _Document(
                key=element.get("ID") or "",
                doc_type=self._ref("IDRegDocType", element.get("IDRegDocTypeID")) or "ID",
                number=self._text(element, "IDRegistrationNo") or "",
                country=self._country(country)[0] if country else None,
                validity=self._ref("Validity", element.get("ValidityID")),
                issued=issued,
                expires=expires,
                authority=self._text(element, "IssuingAuthority"),
                comment=self._text(element, "Comment"),
            )
        )

    def _schema(self, profile: ET.Element) -> str:
        subtype_id = profile.get("PartySubTypeID")
        subtype = self._ref("PartySubType", subtype_id) or "Unknown"
        if subtype == "Unknown":
            type_id = self._ref_attr("PartySubType", subtype_id, "PartyTypeID")
            subtype = self._ref("PartyType", type_id) or "Entity"
        return _ofac.SCHEMATA.get(subtype, "LegalEntity")

    def _party(self, element: ET.Element) -> None:
        profile = element.find(self._q("Profile"))
        if profile is None or profile.get("ID") is None:
            raise FormatError(f"{self.path}: a DistinctParty has no Profile ID.")
        uid = str(profile.get("ID"))
        entity = make(self._schema(profile), _ofac.party_id(uid))
        entity.add("topics", "sanction")
        entity.add("sourceUrl", _ofac.SOURCE_URL.format(uid=uid))
        put(entity, "notes", self._text(element, "Comment"))
        party = _Party(uid, entity)
        identity = profile.find(self._q("Identity"))
        if identity is not None:
            self._names(entity, identity)
            for doc in self.documents.pop(identity.get("ID") or "", []):
                self._apply_document(party, doc)
        for feature in profile.findall(self._q("Feature")):
            self._feature(party, feature)
        self.parties[uid] = party

    def _names(self, entity: EntityProxy, identity: ET.Element) -> None:
        group_types = {
            group.get("ID"): self._ref("NamePartType", group.get("NamePartTypeID")) or ""
            for group in identity.iter(self._q("NamePartGroup"))
        }
        for alias in identity.findall(self._q("Alias")):
            alias_type = self._ref("AliasType", alias.get("AliasTypeID")) or "A.K.A."
            weak = alias.get("LowQuality") == "true"
            primary = alias.get("Primary") == "true"
            prop = "weakAlias" if weak else _ofac.ALIAS_PROPS.get(alias_type, "alias")
            for name in alias.findall(self._q("DocumentedName")):
                parts: list[tuple[str, str]] = []
                for value in name.iter(self._q("NamePartValue")):
                    if value.text and value.text.strip():
                        parts.append(
                            (group_types.get(value.get("NamePartGroupID"), ""), value.text.strip())
                        )
                full = " ".join(text for _, text in parts)
                latin = self._ref("DocNameStatus", name.get("DocNameStatusID")) == "Primary Latin"
                put(entity, prop if latin or prop != "name" else "alias", full)
                if primary and latin and entity.schema.is_a("Person"):
                    for part_type, text in parts:
                        part_prop = _NAME_PART_PROPS.get(part_type)
                        if part_prop is not None:
                            entity.add(part_prop, text)

    def _apply_document(self, party: _Party, doc: _Document) -> None:
        note = "fraudulent document" if doc.validity == "Fraudulent" else None
        note = "; ".join(n for n in (note, doc.comment) if n) or None
        entity = _ofac.document(
            party.uid,
            party.entity,
            doc.key,
            doc.doc_type,
            doc.number,
            country=doc.country,
            start=doc.issued,
            end=doc.expires,
            authority=doc.authority,
            note=note,
        )
        if entity is not None:
            party.others.append(entity)

    def _feature(self, party: _Party, feature: ET.Element) -> None:
        label = (self._ref("FeatureType", feature.get("FeatureTypeID")) or "Feature").strip()
        values: list[str] = []
        countries: list[str] = []
        for version in feature.findall(self._q("FeatureVersion")):
            location = version.find(self._q("VersionLocation"))
            if location is not None:
                loc = self.locations.get(location.get("LocationID") or "")
                if loc is not None and label == "Location" and loc.parts:
                    self._address(party, feature.get("ID") or "", loc)
                elif loc is not None and (loc.country_code or loc.parts):
                    countries.extend(c for c in (loc.country_code,) if c)
                    values.extend(text for _, text in loc.parts)
            values.extend(self._period(version.find(self._q("DatePeriod"))))
            detail = version.find(self._q("VersionDetail"))
            if detail is not None:
                reference = detail.get("DetailReferenceID")
                text = self._ref("DetailReference", reference) if reference else detail.text
                if text and text.strip():
                    values.append(text.strip())
        currency = _ofac.crypto_currency(label)
        if currency is not None:
            for address in values:
                party.others.append(_ofac.wallet(party.uid, party.entity, currency, address))
            return
        if _ofac.is_sanction_feature(label):
            party.sanction_notes.extend(f"{label} {value}" for value in values)
            return
        if label == "Location":
            for code in countries:
                party.entity.add("country", code)
            return
        prop = _ofac.FEATURE_PROPS.get(label)
        if prop in _ofac.COUNTRY_PROPS and countries:
            for code in countries:
                put(party.entity, prop if prop else "country", code, label=label)
            return
        if prop in _ofac.DATE_PROPS:
            for value in values:
                put(party.entity, prop or "notes", value, label=label)
            return
        _ofac.apply_feature(party.entity, label, values + countries)

    def _address(self, party: _Party, key: str, loc: _Location) -> None:
        address = make("Address", f"{_ofac.ID_PREFIX}-{party.uid}-addr-{key}")
        by_type = dict(_ADDRESS_PARTS)
        texts = []
        for part_type, text in loc.parts:
            put(address, by_type.get(part_type, "remarks"), text)
            texts.append(text)
        if loc.country_name:
            texts.append(loc.country_name)
        full = ", ".join(texts)
        address.add("full", full)
        if loc.country_code:
            address.add("country", loc.country_code)
            party.entity.add("country", loc.country_code)
        party.entity.add("address", full)
        party.entity.add("addressEntity", address.id)
        party.others.append(address)

    def _relation(self, element: ET.Element) -> None:
        self.relations.append(
            (
                element.get("ID") or "",
                element.get("From-ProfileID") or "",
                element.get("To-ProfileID") or "",
                self._ref("RelationType", element.get("RelationTypeID")) or "Related to",
                self._text(element, "Comment"),
            )
        )

    def _entry(self, element: ET.Element) -> None:
        profile = element.get("ProfileID")
        if profile is None:
            return
        events = [
            (
                self._ymd(event.find(self._q("Date"))),
                self._ref("LegalBasis", event.get("LegalBasisID")),
                self._text(event, "Comment"),
            )
            for event in element.findall(self._q("EntryEvent"))
        ]
        measures = [
            (
                self._ref("SanctionsType", measure.get("SanctionsTypeID")) or "",
                self._text(measure, "Comment"),
            )
            for measure in element.findall(self._q("SanctionsMeasure"))
        ]
        self.entries[profile].append(
            _Entry(
                element.get("ID") or profile,
                self._ref("List", element.get("ListID")) or "",
                events,
                measures,
            )
        )

    # -- output -----------------------------------------------------------------------
    def _emit(self) -> Iterator[ListedEntity]:
        lists = {entry.list_name for entries in self.entries.values() for entry in entries}
        if self.list_name is None:
            self.issue.list_name = "us_ofac_sdn" if "SDN List" in lists else "us_ofac_cons"
        if lists:
            self.issue.notes.append("lists in file: " + ", ".join(sorted(lists)))
        main_list = "SDN List" if self.issue.list_name == "us_ofac_sdn" else None
        designations: dict[str, tuple[tuple[str, ...], date | None]] = {}
        for uid, party in self.parties.items():
            entries = self.entries.get(uid, [])
            # programs and listing date of the list this file publishes (an SDN party may
            # also carry older entries of other OFAC lists, e.g. sectoral sanctions)
            main = [e for e in entries if e.list_name == main_list] or entries
            programs = sorted(
                {
                    comment
                    for entry in main
                    for kind, comment in entry.measures
                    if kind == "Program" and comment
                }
            )
            dates = [d for entry in main for d, _, _ in entry.events if d is not None]
            listed_on = min(dates) if dates else None
            designations[uid] = (tuple(programs), listed_on)
            yield ListedEntity(party.entity, uid, True, tuple(programs), listed_on)
            for other in party.others:
                yield ListedEntity(other, uid, False, tuple(programs), listed_on)
            for entry in entries:
                entry_programs = [c for kind, c in entry.measures if kind == "Program" and c]
                entry_dates = [d for d, _, _ in entry.events if d is not None]
                sanction = _ofac.sanction(
                    uid,
                    party.entity,
                    entry.entry_id,
                    entry_programs,
                    min(entry_dates) if entry_dates else None,
                )
                for kind, _comment in entry.measures:
                    if kind and kind != "Program":
                        sanction.add("provisions", kind)
                for _, basis, comment in entry.events:
                    sanction.add("reason", basis)
                    sanction.add("summary", comment)
                for note in party.sanction_notes:
                    sanction.add("summary", note)
                if entry.list_name:
                    sanction.add("summary", f"list: {entry.list_name}")
                yield ListedEntity(sanction, uid, False, tuple(programs), listed_on)
        for key, from_uid, to_uid, relation_type, comment in self.relations:
            source, target = self.parties.get(from_uid), self.parties.get(to_uid)
            if source is None or target is None:
                self.issue.notes.append(
                    f"relationship {key} names a party not in the file ({from_uid} -> {to_uid})"
                )
                continue
            link = _ofac.relation(key, source.entity, target.entity, relation_type, comment)
            link_programs, link_listed = designations[from_uid]
            yield ListedEntity(link, from_uid, False, link_programs, link_listed)
