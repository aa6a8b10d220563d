"""OFAC's legacy CSV trio: ``sdn.csv`` with ``add.csv`` (addresses) and ``alt.csv`` (aliases).

Load ``sdn.csv`` (or the folder holding it); ``add.csv``, ``alt.csv`` and, when present,
``sdn_comments.csv`` (the continuation of long remarks) are read from beside it. The
files carry no date: the publication date comes from a ``YYYY-MM-DD`` in the file or
folder name, else from the file's modification time (``lists load --published`` sets it).
The list is ``us_ofac_sdn`` (``cons_prim.csv``-style consolidated files: ``--list
us_ofac_cons``). ``-0-`` means empty; the trailing ``\\x1a`` end-of-file byte is ignored.

Most facts are in the free-text ``Remarks``, ``; ``-separated, which are parsed into the
same FollowTheMoney properties as the XML formats give (ids ``ofac-<uid>`` too):
``DOB`` (also ``circa``/ranges) -> ``birthDate``; ``POB``; ``nationality``;
``citizen``; ``a.k.a. 'X'`` (quoted: OFAC's weak aliases) -> ``weakAlias``;
``Digital Currency Address - XBT ...`` -> CryptoWallet; OFAC's feature names
(``Website``, ``Gender``, ``Secondary sanctions risk:``, ...); ``<document type>
<number> (<country>) issued <date> expires <date>`` -> Passport / Identification; anything
else -> ``notes``. ``alt.csv`` aliases are strong: ``aka``/``nka`` -> ``alias``, ``fka``
-> ``previousName``. Program cells such as ``NPWMD] [DPRK2`` are split into programs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from sanctionwatch.errors import FormatError
from sanctionwatch.sanctions.dates import text_prefixes
from sanctionwatch.sanctions.model import ListedEntity, ListIssue, ParsedList
from sanctionwatch.sanctions.parsers import _ofac
from sanctionwatch.sanctions.source import (
    HashingReader,
    file_sha256,
    open_content,
    read_head,
    translate_errors,
)

FORMAT = "ofac-csv"
DESCRIPTION = "OFAC legacy CSV trio (sdn.csv with add.csv and alt.csv beside it)"
MAIN = "sdn.csv"
COMPANIONS = ("add.csv", "alt.csv", "sdn_comments.csv")
_COMPRESSED = ("", ".gz", ".bz2")
_NULL = "-0-"
_FIRST_LINE = re.compile(rb'^\s*\d+,"[^"]*",')
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMBER_PART = r"[A-Za-z0-9\-/.#]*\d[A-Za-z0-9\-/.#]*"
_DOCUMENT = re.compile(
    rf"^(?P<type>[A-Z][^;]*?) (?:No\. )?(?P<number>{_NUMBER_PART}(?: {_NUMBER_PART})*)"
    r"(?: \((?P<country>[^)]+)\))?"
    r"(?:,? issued (?P<issued>[0-9A-Za-z ]+?))?(?:,? expires (?P<expires>[0-9A-Za-z ]+?))?$"
)
_QUOTED_ALIAS = re.compile(r"^(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.) '(.+)'$")
_DOC_FEATURES = ("Vessel Registration Identification", "MMSI", "Aircraft Serial Identification")
_EXTRA_FEATURES = (
    "Website",
    "Email Address",
    "Phone Number",
    "Gender",
    "Issuer Name",
    "ISIN",
    "Equity Ticker",
    "UN/LOCODE",
    "MICEX Code",
    "Vessel Owner",
    "Aircraft Operator",
    "Previous Aircraft Tail Number",
    "Aircraft Mode S Transponder Code",
)
_LABELS = sorted(
    {
        *_ofac.FEATURE_PROPS,
        *_ofac.SANCTION_FEATURES,
        *_ofac.SANCTION_FEATURE_PREFIXES,
        *_EXTRA_FEATURES,
    },
    key=len,
    reverse=True,
)


def _base_name(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".gz", ".bz2"):
        name = name.removesuffix(suffix)
    return name


def main_file(path: Path) -> Path:
    """``sdn.csv`` itself, or the ``sdn.csv`` inside a folder."""
    if path.is_dir():
        for suffix in _COMPRESSED:
            for name in (MAIN, MAIN.upper()):
                candidate = path / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
        raise FormatError(f"{path} is a folder without an sdn.csv.")
    return path


def companion(path: Path, name: str) -> Path | None:
    for suffix in _COMPRESSED:
        for candidate_name in (name, name.upper()):
            candidate = path.parent / f"{candidate_name}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def is_companion(path: Path) -> bool:
    """Whether ``path`` is add.csv / alt.csv / sdn_comments.csv (read with sdn.csv)."""
    return path.is_file() and _base_name(path) in COMPANIONS


def is_main(path: Path) -> bool:
    """Whether ``path`` is an sdn.csv, or a folder holding one."""
    if path.is_dir():
        return any((path / f"{MAIN}{s}").is_file() for s in _COMPRESSED)
    return path.is_file() and _base_name(path) == MAIN


def detect(path: Path) -> bool:
    if is_main(path):
        return True
    if path.is_dir():
        return False
    head = read_head(path, 512)
    return (
        _base_name(path).endswith(".csv")
        and bool(_FIRST_LINE.match(head))
        and (head.split(b"\n", 1)[0].count(b",") >= 11)
    )


def fingerprint(path: Path) -> str:
    """sha256 over the trio's file hashes: a new add.csv alone is a new version."""
    main = main_file(path)
    parts = [f"{MAIN}:{file_sha256(main)}"]
    for name in COMPANIONS:
        found = companion(main, name)
        if found is not None:
            parts.append(f"{name}:{file_sha256(found)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def parse(path: Path, list_name: str | None = None) -> ParsedList:
    main = main_file(path)
    issue = ListIssue(list_name=list_name or "us_ofac_sdn", format=FORMAT, source=str(path))
    return ParsedList(issue, _entities(main, issue))


def _rows(path: Path, hashes: list[str], name: str) -> list[list[str]]:
    """The CSV rows of one file of the trio (content hashed into ``hashes``)."""
    with translate_errors(path, "CSV file"), open_content(path) as raw:
        reader = HashingReader(raw)
        text = reader.read().decode("utf-8")
        hashes.append(f"{name}:{reader.hexdigest()}")
    text = text.replace("\x1a", "")
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise FormatError(f"{path} is not valid CSV ({exc}); nothing was loaded.") from exc
    return rows


def _cell(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if not value or value == _NULL else value


def _publication(main: Path, issue: ListIssue) -> None:
    for text in (main.name, main.parent.name):
        match = _DATE_IN_NAME.search(text)
        if match:
            try:
                issue.published = date(*(int(g) for g in match.groups()))
            except ValueError:
                continue
            issue.published_from = "file name"
            return
    issue.published = datetime.fromtimestamp(main.stat().st_mtime, UTC).date()
    issue.published_from = "file time"
    issue.notes.append(
        "the CSV files carry no date: publication date taken from the file's modification "
        "time (set it with --published)"
    )


def _entities(main: Path, issue: ListIssue) -> Iterator[ListedEntity]:
    hashes: list[str] = []
    sdn_rows = _rows(main, hashes, MAIN)
    extra: dict[str, list[list[str]]] = {}
    for name in COMPANIONS:
        beside = companion(main, name)
        if beside is None:
            if name != "sdn_comments.csv":
                issue.notes.append(f"{name} not found beside {main.name}: no {name[:3]} rows")
            continue
        extra[name] = _rows(beside, hashes, name)
    issue.sha256 = hashlib.sha256("\n".join(hashes).encode()).hexdigest()
    _publication(main, issue)
    addresses: dict[str, list[list[str]]] = defaultdict(list)
    aliases: dict[str, list[list[str]]] = defaultdict(list)
    comments: dict[str, str] = {}
    for row in extra.get("add.csv", []):
        addresses[row[0].strip()].append(row)
    for row in extra.get("alt.csv", []):
        aliases[row[0].strip()].append(row)
    for row in extra.get("sdn_comments.csv", []):
        if len(row) >= 2:
            comments[row[0].strip()] = comments.get(row[0].strip(), "") + row[1]
    found = 0
    for line, row in enumerate(sdn_rows, start=1):
        if len(row) != 12 or not row[0].strip().isdigit():
            raise FormatError(
                f"{main} line {line}: expected 12 columns starting with a number (OFAC "
                f"sdn.csv), got {len(row)}; nothing was loaded."
            )
        found += 1
        uid = row[0].strip()
        party = _party(row, comments.get(uid))
        for alt in aliases.get(uid, []):
            _alias(party, alt)
        for add in addresses.get(uid, []):
            _address(party, add)
        yield from _ofac.legacy_entities(party)
    if found == 0:
        raise FormatError(f"{main} has no rows; nothing was loaded.")


def _person_name(name: str, person: bool) -> str:
    return name.replace(", ", " ", 1) if person else name


def _party(row: list[str], more_remarks: str | None) -> _ofac.LegacyParty:
    uid, name, sdn_type, programs, title = (_cell(c) for c in row[:5])
    party = _ofac.LegacyParty(uid=uid or "", party_type=sdn_type or "")
    person = (sdn_type or "").lower() == "individual"
    if name:
        party.names.append(("name", _person_name(name, person)))
        if person and ", " in name:
            last, first = name.split(", ", 1)
            party.name_parts += [("lastName", last), ("firstName", first)]
    party.programs = [p.strip(" []") for p in (programs or "").split("] [") if p.strip(" []")]
    if title:
        party.facts.append(("Title", title))
    vessel = dict(
        zip(
            (
                "Vessel Call Sign",
                "VESSEL TYPE",
                "Vessel Tonnage",
                "Vessel Gross Registered Tonnage",
                "Vessel Flag",
                "Vessel Owner",
            ),
            (_cell(c) for c in row[5:11]),
            strict=True,
        )
    )
    party.facts += [(label, value) for label, value in vessel.items() if value]
    remarks = (_cell(row[11]) or "") + (more_remarks or "")
    for item in _split_remarks(remarks):
        _remark(party, item, person)
    return party


def _split_remarks(remarks: str) -> list[str]:
    text = remarks.strip()
    if text.endswith("."):
        text = text[:-1]
    return [item.strip() for item in text.split("; ") if item.strip()]


def _remark(party: _ofac.LegacyParty, item: str, person: bool) -> None:
    text = item.removeprefix("alt. ").strip()
    quoted = _QUOTED_ALIAS.match(text)
    if quoted:
        _kind, name = quoted.groups()
        party.names.append(("weakAlias", _person_name(name, person)))
        return
    for prefix, label in (
        ("DOB ", "Birthdate"),
        ("POB ", "Place of Birth"),
        ("nationality ", "Nationality Country"),
        ("citizen ", "Citizenship Country"),
    ):
        if text.startswith(prefix):
            value = text[len(prefix) :].strip()
            if label == "Birthdate":
                party.facts += [(label, p) for p in text_prefixes(value)] or [(label, value)]
            else:
                party.facts.append((label, value))
            return
    if text.startswith(_ofac.CRYPTO_PREFIX):
        currency, _, address = text[len(_ofac.CRYPTO_PREFIX) :].partition(" ")
        if currency and address.strip():
            party.wallets.append((currency.strip(), address.strip()))
        return
    if text.startswith("Linked To: "):
        party.notes.append(text)
        return
    for label in _DOC_FEATURES:
        if text.startswith(label + " "):
            number = text[len(label) + 1 :].strip()
            party.documents.append((f"{label}:{number}", label, number, None, [], []))
            return
    for label in _LABELS:
        if text.startswith(label + " ") or text == label:
            value = text[len(label) :].strip()
            if value:
                party.facts.append((label, value))
            return
    match = _DOCUMENT.match(text)
    if match:
        number = match.group("number")
        party.documents.append(
            (
                f"{match.group('type')}:{number}",
                match.group("type"),
                number,
                match.group("country"),
                text_prefixes(match.group("issued")),
                text_prefixes(match.group("expires")),
            )
        )
        return
    party.notes.append(text)


def _alias(party: _ofac.LegacyParty, row: list[str]) -> None:
    if len(row) < 4:
        return
    kind, name = (_cell(row[2]) or "aka").lower(), _cell(row[3])
    if not name:
        return
    person = party.party_type.lower() == "individual"
    party.names.append((_ofac.ALIAS_PROPS.get(kind, "alias"), _person_name(name, person)))
    remark = _cell(row[4]) if len(row) > 4 else None
    if remark:
        party.notes.append(f"alias {name}: {remark}")


def _address(party: _ofac.LegacyParty, row: list[str]) -> None:
    if len(row) < 5:
        return
    street, city, country = _cell(row[2]), _cell(row[3]), _cell(row[4])
    parts = [(prop, text) for prop, text in (("street", street), ("city", city)) if text]
    party.addresses.append((_cell(row[1]) or str(len(party.addresses)), parts, country))
    remark = _cell(row[5]) if len(row) > 5 else None
    if remark:
        party.notes.append(f"address: {remark}")
