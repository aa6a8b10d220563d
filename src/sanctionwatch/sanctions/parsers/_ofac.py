"""What the three OFAC formats share: feature names, document types, relation types.

OFAC names the same facts identically in the advanced XML (``FeatureType``,
``IDRegDocType``, ``RelationType``), the legacy XML (``idType``) and the legacy CSV
remarks, so one table maps them onto FollowTheMoney for all three readers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from followthemoney import EntityProxy

from sanctionwatch.sanctions.dates import text_prefixes
from sanctionwatch.sanctions.model import ListedEntity, make, put, slug

AUTHORITY = "US Treasury Office of Foreign Assets Control (OFAC)"
SOURCE_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={uid}"
ID_PREFIX = "ofac"

CRYPTO_PREFIX = "Digital Currency Address - "

# party type (advanced: PartySubType, else PartyType; legacy: sdnType) -> FtM schema
SCHEMATA = {
    "Individual": "Person",
    "Entity": "Organization",
    "Vessel": "Vessel",
    "Aircraft": "Airplane",
    "Transport": "Vehicle",
    "Location": "Address",
    "Other Entity": "Organization",
}

# alias type -> FtM name property (strong aliases); LowQuality / "weak" -> weakAlias
ALIAS_PROPS = {
    "Name": "name",
    "A.K.A.": "alias",
    "a.k.a.": "alias",
    "aka": "alias",
    "F.K.A.": "previousName",
    "f.k.a.": "previousName",
    "fka": "previousName",
    "N.K.A.": "alias",
    "n.k.a.": "alias",
    "nka": "alias",
}

# feature label -> FtM property of the party ("*date" values go through text_prefixes)
FEATURE_PROPS: dict[str, str] = {
    "Birthdate": "birthDate",
    "Place of Birth": "birthPlace",
    "Nationality Country": "nationality",
    "Citizenship Country": "citizenship",
    "Gender": "gender",
    "Title": "position",
    "Website": "website",
    "Email Address": "email",
    "Phone Number": "phone",
    "SWIFT/BIC": "swiftBic",
    "D-U-N-S Number": "dunsCode",
    "BIK (RU)": "bikCode",
    "Organization Established Date": "incorporationDate",
    "Organization Type:": "legalForm",
    "Registration Country": "jurisdiction",
    "Nationality of Registration": "jurisdiction",
    "Target Type": "classification",
    "Vessel Call Sign": "callSign",
    "Other Vessel Call Sign": "callSign",
    "VESSEL TYPE": "type",
    "Other Vessel Type": "pastTypes",
    "Vessel Flag": "flag",
    "Other Vessel Flag": "pastFlags",
    "Former Vessel Flag": "pastFlags",
    "Vessel Tonnage": "tonnage",
    "Vessel Gross Registered Tonnage": "grossRegisteredTonnage",
    "Vessel Year of Build": "buildDate",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "serialNumber",
    "Aircraft Manufacturer's Serial Number (MSN)": "serialNumber",
    "Aircraft Manufacture Date": "buildDate",
    "Aircraft Model": "model",
    "Aircraft Tail Number": "registrationNumber",
}
DATE_PROPS = {"birthDate", "incorporationDate", "buildDate"}
COUNTRY_PROPS = {"nationality", "citizenship", "jurisdiction", "flag", "pastFlags", "country"}

# features that describe the sanction rather than the party -> Sanction property
SANCTION_FEATURES = {
    "Secondary sanctions risk:": "summary",
    "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial "
    "Institutions:": "summary",
    "Additional Sanctions Information -": "summary",
    "CAATSA Section 235 Information:": "summary",
    "Executive Order 13846 information:": "summary",
    "Executive Order 14024 Directive Information -": "summary",
    "Executive Order 14024 Directive Information": "summary",
    "Executive Order 13662 Directive Determination -": "summary",
    "IFCA Determination -": "summary",
    "PEESA Information:": "summary",
}

SANCTION_FEATURE_PREFIXES = ("Listing Date", "Effective Date", "Purchase/Sales For Divestment")


def is_sanction_feature(label: str) -> bool:
    """Whether a feature describes the sanction (directives, risks, dates) not the party."""
    return label in SANCTION_FEATURES or label.startswith(SANCTION_FEATURE_PREFIXES)


PASSPORT_TYPES = {
    "Passport",
    "Diplomatic Passport",
    "British National Overseas Passport",
    "Stateless Person Passport",
}
VEHICLE_DOC_PROPS = {
    "Vessel Registration Identification": "imoNumber",
    "MMSI": "mmsi",
    "Aircraft Serial Identification": "serialNumber",
}
TAX_WORDS = ("tax", "r.f.c", "rfc", "nit", "c.u.i.t", "ruc", "v.a.t", "fiscal", "inn", "c.i.f")
REGISTRATION_WORDS = ("registration", "registry", "company number", "incorporation", "c.r. no")

# relation type -> (FtM schema, from-property, to-property, needs: "Person" | "any")
RELATIONS: dict[str, tuple[str, str, str, str]] = {
    "Family member of": ("Family", "person", "relative", "Person"),
    "Associate Of": ("Associate", "person", "associate", "Person"),
}


def party_id(uid: str) -> str:
    return f"{ID_PREFIX}-{uid}"


def crypto_currency(label: str) -> str | None:
    """``XBT`` from ``Digital Currency Address - XBT``; None for other features."""
    if label.startswith(CRYPTO_PREFIX):
        return label[len(CRYPTO_PREFIX) :].strip() or None
    return None


def wallet(uid: str, holder: EntityProxy, currency: str, address: str) -> EntityProxy:
    """The CryptoWallet of one listed digital currency address, held by the party."""
    key = hashlib.sha1(f"{currency}:{address}".encode(), usedforsecurity=False).hexdigest()
    entity = make("CryptoWallet", f"{ID_PREFIX}-{uid}-wallet-{key[:16]}")
    entity.add("publicKey", address)
    entity.add("currency", currency)
    entity.add("holder", holder.id)
    entity.add("topics", "sanction")
    return entity


def apply_feature(party: EntityProxy, label: str, values: Iterable[str]) -> bool:
    """Put a party feature on the entity; False when it belongs elsewhere (crypto, sanction)."""
    if crypto_currency(label) is not None or is_sanction_feature(label):
        return False
    prop = FEATURE_PROPS.get(label)
    for value in values:
        if prop is None:
            put(party, "notes", value, label=label.rstrip(":- "))
        elif prop in DATE_PROPS:
            prefixes = text_prefixes(value) or ([value] if value[:4].isdigit() else [])
            if party.schema.get(prop) is None or not prefixes:
                put(party, "notes", value, label=label)
            for prefix in prefixes:
                put(party, prop, prefix, label=label)
        else:
            put(party, prop, value, label=label)
    return True


def sanction(
    uid: str,
    party: EntityProxy,
    key: str,
    programs: Iterable[str],
    listed_on: date | None,
) -> EntityProxy:
    """The Sanction entity of a designation (programs, listing date, authority)."""
    entity = make("Sanction", f"{ID_PREFIX}-{uid}-sanction-{slug(key)}")
    entity.add("entity", party.id)
    entity.add("authority", AUTHORITY)
    entity.add("authorityId", uid)
    entity.add("country", "us")
    entity.add("sourceUrl", SOURCE_URL.format(uid=uid))
    for program in programs:
        entity.add("program", program)
    if listed_on is not None:
        entity.add("listingDate", listed_on.isoformat())
        entity.add("startDate", listed_on.isoformat())
    return entity


def document(
    uid: str,
    party: EntityProxy,
    key: str,
    doc_type: str,
    number: str,
    country: str | None = None,
    start: Iterable[str] = (),
    end: Iterable[str] = (),
    authority: str | None = None,
    note: str | None = None,
) -> EntityProxy | None:
    """An ID document: number on the party, plus an Identification/Passport entity.

    Vessels and aircraft are not legal entities: their numbers (IMO, MMSI, serial) only
    become properties. Returns the document entity, if any.
    """
    number = number.strip()
    if not number:
        return None
    vehicle_prop = VEHICLE_DOC_PROPS.get(doc_type)
    if not party.schema.is_a("LegalEntity"):
        if vehicle_prop is not None:
            put(party, vehicle_prop, number, label=doc_type)
        else:
            put(party, "registrationNumber", number, label=doc_type)
        return None
    lowered = doc_type.lower()
    is_passport = doc_type in PASSPORT_TYPES
    if is_passport:
        put(party, "passportNumber", number, label=doc_type)
    elif any(word in lowered for word in TAX_WORDS):
        put(party, "taxNumber", number, label=doc_type)
    elif any(word in lowered for word in REGISTRATION_WORDS):
        put(party, "registrationNumber", number, label=doc_type)
    else:
        put(party, "idNumber", number, label=doc_type)
    if country:
        party.add("country", country)
    entity = make(
        "Passport" if is_passport and party.schema.is_a("Person") else "Identification",
        f"{ID_PREFIX}-{uid}-doc-{slug(key)}",
    )
    entity.add("holder", party.id)
    entity.add("number", number)
    entity.add("type", doc_type)
    if country:
        entity.add("country", country)
    for value in start:
        entity.add("startDate", value)
    for value in end:
        entity.add("endDate", value)
    if authority:
        entity.add("authority", authority)
    if note:
        entity.add("summary", note)
    return entity


def relation(
    key: str,
    from_entity: EntityProxy,
    to_entity: EntityProxy,
    relation_type: str,
    note: str | None = None,
) -> EntityProxy:
    """A relationship between two parties.

    Family and Associate when both are people; an UnknownLink (subject -> object, with
    the relation as its role, e.g. "Providing support to") otherwise.
    """
    spec = RELATIONS.get(relation_type)
    both_people = from_entity.schema.is_a("Person") and to_entity.schema.is_a("Person")
    if spec is not None and both_people:
        schema, from_prop, to_prop, _ = spec
        entity = make(schema, f"{ID_PREFIX}-rel-{slug(key)}")
        entity.add(from_prop, from_entity.id)
        entity.add(to_prop, to_entity.id)
        entity.add("relationship", relation_type)
    else:
        entity = make("UnknownLink", f"{ID_PREFIX}-rel-{slug(key)}")
        entity.add("subject", from_entity.id)
        entity.add("object", to_entity.id)
        entity.add("role", relation_type)
    if note:
        entity.add("summary", note)
    return entity


# -- the legacy formats (sdn.xml, consolidated.xml, the CSV trio) share one record shape --
LEGACY_SCHEMATA = {
    "individual": "Person",
    "entity": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
    "": "Organization",  # the CSV leaves entities' type empty ("-0-")
}


@dataclass(slots=True)
class LegacyParty:
    """One legacy SDN record, before it becomes entities."""

    uid: str
    party_type: str  # Individual | Entity | Vessel | Aircraft (any case)
    names: list[tuple[str, str]] = field(default_factory=list)  # (FtM prop, name)
    name_parts: list[tuple[str, str]] = field(default_factory=list)  # primary (prop, part)
    programs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (feature label, value)
    documents: list[tuple[str, str, str, str | None, list[str], list[str]]] = field(
        default_factory=list
    )  # (key, type, number, country, issued, expires)
    addresses: list[tuple[str, list[tuple[str, str]], str | None]] = field(
        default_factory=list
    )  # (key, [(Address prop, text)], country)
    wallets: list[tuple[str, str]] = field(default_factory=list)  # (currency, address)
    sanction_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def legacy_entities(party: LegacyParty) -> Iterator[ListedEntity]:
    """The FtM entities of a legacy record (the same ids as the advanced XML gives)."""
    schema = LEGACY_SCHEMATA.get(party.party_type.strip().lower(), "Organization")
    entity = make(schema, party_id(party.uid))
    entity.add("topics", "sanction")
    entity.add("sourceUrl", SOURCE_URL.format(uid=party.uid))
    for prop, name in party.names:
        put(entity, prop, name)
    if schema == "Person":
        for prop, part in party.name_parts:
            put(entity, prop, part)
    for note in party.notes:
        put(entity, "notes", note)
    others: list[EntityProxy] = []
    for label, value in party.facts:
        if is_sanction_feature(label):
            party.sanction_notes.append(f"{label} {value}")
            continue
        feature_prop = FEATURE_PROPS.get(label)
        if feature_prop in COUNTRY_PROPS:
            put(entity, feature_prop or "country", value, label=label)
        else:
            apply_feature(entity, label, [value])
    for key, doc_type, number, country, issued, expires in party.documents:
        doc = document(
            party.uid, entity, key, doc_type, number, country=country, start=issued, end=expires
        )
        if doc is not None:
            others.append(doc)
    for key, parts, country in party.addresses:
        texts = [text for _, text in parts]
        if country:
            entity.add("country", country)
        if not texts:
            continue
        address = make("Address", f"{ID_PREFIX}-{party.uid}-addr-{slug(key)}")
        for prop, text in parts:
            put(address, prop, text)
        full = ", ".join(texts + ([country] if country else []))
        address.add("full", full)
        put(address, "country", country)
        entity.add("address", full)
        entity.add("addressEntity", address.id)
        others.append(address)
    for currency, address_text in party.wallets:
        others.append(wallet(party.uid, entity, currency, address_text))
    programs = tuple(sorted(set(party.programs)))
    sanction_entity = sanction(party.uid, entity, party.uid, programs, None)
    for note in party.sanction_notes:
        sanction_entity.add("summary", note)
    others.append(sanction_entity)
    yield ListedEntity(entity, party.uid, True, programs, None)
    for other in others:
        yield ListedEntity(other, party.uid, False, programs, None)
