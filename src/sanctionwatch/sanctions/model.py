"""What every list parser produces: FollowTheMoney entities plus one ``ListIssue``.

A parser turns one published issue of a list into ``ListedEntity`` records: a
FollowTheMoney entity (Person, Organization, Vessel, CryptoWallet, Sanction, Passport, ...)
with the list's own identifier of the designation it belongs to (OFAC uid, UN reference
number such as ``KPi.008``), its programs and listing date. ``target`` marks the designated
parties themselves; the other entities (sanctions, documents, addresses, wallets, links)
describe them. Crypto addresses are not a separate output: they are the CryptoWallet
entities (``publicKey``, ``currency``, ``holder``), read back by the loader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from followthemoney import EntityProxy, model

LIST_NAMES: dict[str, str] = {
    "us_ofac_sdn": "US OFAC Specially Designated Nationals (SDN) List",
    "us_ofac_cons": "US OFAC Consolidated (non-SDN) List",
    "un_sc_consolidated": "UN Security Council Consolidated List",
    "opensanctions": "OpenSanctions FollowTheMoney export",
}


@dataclass(slots=True)
class ListIssue:
    """One published issue of a list, as read from its file."""

    list_name: str  # one of LIST_NAMES
    format: str  # the parser's format name
    source: str  # path (or URL the file was downloaded from)
    published: date | None = None
    published_from: str = "file"  # file | file name | file time | option
    sha256: str = ""  # of the content (decompressed), set when parsing ends
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ListedEntity:
    """A FollowTheMoney entity with the designation it belongs to."""

    entity: EntityProxy
    list_id: str  # the list's identifier of the designation (OFAC uid, UN reference no.)
    target: bool = False  # True for the designated party itself
    programs: tuple[str, ...] = ()
    listed_on: date | None = None


@dataclass(slots=True)
class ParsedList:
    """A parse in progress: ``issue`` is complete once ``entities`` is exhausted."""

    issue: ListIssue
    entities: Iterator[ListedEntity]


@dataclass(frozen=True, slots=True)
class ListFormat:
    """One list format: how to recognise a file and how to parse it."""

    name: str
    description: str
    detect: Callable[[Path], bool]
    parse: Callable[[Path, str | None], ParsedList]
    fingerprint: Callable[[Path], str] | None = None  # sha256 identifying the input
    directories: bool = False  # whether a folder can be loaded (e.g. the CSV trio)


def make(schema: str, entity_id: str) -> EntityProxy:
    """An empty FollowTheMoney entity with its id set."""
    entity = model.make_entity(schema)
    entity.id = entity_id
    return entity


def put(entity: EntityProxy, prop: str, value: str | None, label: str | None = None) -> None:
    """Add ``value`` to ``prop``; keep it as a note ``label: value`` when it cannot go there.

    FollowTheMoney cleans the value (dates, countries, IMO numbers, ...). A value it
    rejects, or a property the schema lacks, becomes a note, so nothing a list says is lost.
    """
    if value is None:
        return
    value = value.strip()
    if not value:
        return
    target = entity.schema.get(prop)
    if target is not None and not target.stub and entity.unsafe_add(target, value) is not None:
        return
    entity.add("notes", f"{label or prop}: {value}")


def slug(text: str) -> str:
    """``text`` reduced to the characters FtM allows in ids (letters, digits, . and -)."""
    cleaned = "".join(ch if ch.isalnum() and ch.isascii() else "-" for ch in text.strip())
    return "-".join(part for part in cleaned.split("-") if part).lower() or "x"
