"""OpenSanctions FollowTheMoney exports (``entities.ftm.json``: one entity per line).

These are already FollowTheMoney entities (``id``, ``schema``, ``properties``, plus
OpenSanctions' ``target``, ``datasets``, ``first_seen``, ``last_seen``, ``last_change``),
so users can load the EU, UK and other lists that way. Each line is validated as untrusted
input (``model.get_proxy(..., cleaned=False)``); every bad line is reported at once.

- ``target`` marks the designated parties (when absent: people, organisations, vessels
  and aircraft that a Sanction entity points at, or that carry the ``sanction`` topic);
- the list id of a designation is the entity id; describing entities (Sanction,
  Identification, CryptoWallet, Address, links) take the id of the party they point at;
- programs are the ``programId`` values of the party's Sanction entities (else their
  ``program``); the listing date is their earliest ``listingDate`` (else ``startDate``);
- the publication date is the latest ``last_change`` / ``last_seen`` in the file (else
  the file's modification time);
- CryptoWallet entities give the crypto addresses (``publicKey``, ``currency``,
  ``holder``) like the other formats.

The file is read twice (once for sanctions, wallets and dates, once to emit), so a large
export is never held in memory.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from followthemoney import EntityProxy, model
from followthemoney.exc import InvalidData

from sanctionwatch.errors import FormatError
from sanctionwatch.sanctions.dates import parse_day
from sanctionwatch.sanctions.model import ListedEntity, ListIssue, ParsedList
from sanctionwatch.sanctions.source import (
    HashingReader,
    open_content,
    read_head,
    translate_errors,
)

FORMAT = "opensanctions-ftm-json"
DESCRIPTION = "OpenSanctions FollowTheMoney JSON lines (entities.ftm.json)"
LIST = "opensanctions"
MAX_REPORTED = 10
_TARGET_SCHEMATA = ("Person", "Organization", "LegalEntity", "Vessel", "Airplane")
_REFERENCE_PROPS = (
    "entity",
    "holder",
    "subject",
    "person",
    "owner",
    "director",
    "member",
    "asset",
    "object",
    "relative",
    "associate",
    "organization",
)


def detect(path: Path) -> bool:
    head = read_head(path).lstrip()
    if not head.startswith(b"{"):
        return False
    first = head.split(b"\n", 1)[0]
    return b'"schema"' in first and b'"properties"' in first and b'"id"' in first


def parse(path: Path, list_name: str | None = None) -> ParsedList:
    issue = ListIssue(list_name=list_name or LIST, format=FORMAT, source=str(path))
    return ParsedList(issue, _entities(path, issue))


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) of every non-blank line; FormatError lists bad ones."""
    problems: list[str] = []
    with translate_errors(path, "JSON-lines file"), open_content(path) as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                problems.append(
                    f"line {number}: not JSON ({exc.msg if hasattr(exc, 'msg') else exc})"
                )
                continue
            if not isinstance(data, dict) or not data.get("id") or not data.get("schema"):
                problems.append(f"line {number}: not an entity (needs id and schema)")
                continue
            if not problems:
                yield number, data
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED])
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise FormatError(f"{path} has bad lines: {shown}{more}; nothing was loaded.")


def _proxy(path: Path, number: int, data: dict[str, Any]) -> EntityProxy:
    try:
        return model.get_proxy(data, cleaned=False)
    except (InvalidData, TypeError, ValueError, KeyError) as exc:
        raise FormatError(
            f"{path} line {number}: not a valid FollowTheMoney entity ({exc}); nothing was loaded."
        ) from exc


def _entities(path: Path, issue: ListIssue) -> Iterator[ListedEntity]:
    programs: dict[str, set[str]] = defaultdict(set)
    listed: dict[str, date] = {}
    owner: dict[str, str] = {}  # describing entity -> the party it points at
    targets: set[str] = set()
    latest: date | None = None
    count = 0
    for number, data in _lines(path):
        count += 1
        for key in ("last_change", "last_seen"):
            seen = parse_day(data.get(key))
            if seen is not None and (latest is None or seen > latest):
                latest = seen
        props = data.get("properties") or {}
        if not isinstance(props, dict):
            raise FormatError(f"{path} line {number}: properties is not an object.")
        if data.get("target") is True:
            targets.add(str(data["id"]))
        for prop in _REFERENCE_PROPS:
            refs = props.get(prop)
            if isinstance(refs, list) and refs and isinstance(refs[0], str):
                owner.setdefault(str(data["id"]), refs[0])
                break
        if data.get("schema") == "Sanction":
            for party in props.get("entity") or []:
                values = props.get("programId") or props.get("program") or []
                programs[party].update(str(v) for v in values)
                for value in props.get("listingDate") or props.get("startDate") or []:
                    day = parse_day(str(value))
                    if day is not None and (party not in listed or day < listed[party]):
                        listed[party] = day
    if count == 0:
        raise FormatError(f"{path} has no entities; nothing was loaded.")
    if latest is not None:
        issue.published, issue.published_from = latest, "file"
    else:
        issue.published = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        issue.published_from = "file time"
        issue.notes.append("no last_change/last_seen in the file: dated by its modification time")
    with translate_errors(path, "JSON-lines file"), open_content(path) as raw:
        reader = HashingReader(raw)
        reader.drain()
        issue.sha256 = reader.hexdigest()
    explicit = bool(targets)
    for number, data in _lines(path):
        entity = _proxy(path, number, data)
        entity_id = str(entity.id)
        if explicit:
            is_target = entity_id in targets
        else:
            is_target = entity.schema.name in _TARGET_SCHEMATA and (
                entity_id in programs or "sanction" in entity.get("topics", quiet=True)
            )
        party = entity_id if is_target else owner.get(entity_id, entity_id)
        yield ListedEntity(
            entity,
            party,
            is_target,
            tuple(sorted(programs.get(party, ()))),
            listed.get(party),
        )
