"""What changed between two versions of a list: designations and crypto addresses.

- **Designations** (designated parties, by entity id): *added* (only in NEW), *removed*
  (only in OLD: delisted), *changed* (in both, but the party or anything describing it
  differs: names, programs, documents, addresses, wallets, relationships). A change lists
  the party's property values added and removed, and the describing entities
  (Sanction, Passport, Address, CryptoWallet, links, ...) added, removed or changed.
- **Addresses** (by currency and normalised address): *added*, *removed* (delisted),
  *changed* (same address, other holders or programs).

Equality is content equality: ``content_hash`` of a party covers the party and every
entity describing it, with property values sorted, so re-ordering alone is no change.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sanctionwatch.errors import InputError
from sanctionwatch.sanctions.versions import VersionInfo
from sanctionwatch.store.db import Store


@dataclass(slots=True)
class Designation:
    """A designated party in a diff."""

    entity_id: str
    list_id: str | None
    schema: str
    caption: str | None
    programs: list[str]
    listed_on: date | None
    changes: dict[str, Any] = field(default_factory=dict)  # only for "changed"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity_id": self.entity_id,
            "list_id": self.list_id,
            "schema": self.schema,
            "caption": self.caption,
            "programs": self.programs,
            "listed_on": None if self.listed_on is None else self.listed_on.isoformat(),
        }
        if self.changes:
            out["changes"] = self.changes
        return out


@dataclass(slots=True)
class AddressChange:
    """A listed crypto address in a diff; ``old_*`` are set for "changed"."""

    currency: str
    chain: str | None
    address: str
    holders: list[str]
    list_ids: list[str]
    captions: list[str]
    programs: list[str]
    old_holders: list[str] | None = None
    old_programs: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "currency": self.currency,
            "chain": self.chain,
            "address": self.address,
            "holders": self.holders,
            "list_ids": self.list_ids,
            "captions": self.captions,
            "programs": self.programs,
        }
        if self.old_holders is not None:
            out["old_holders"] = self.old_holders
            out["old_programs"] = self.old_programs
        return out


@dataclass(slots=True)
class ListDiff:
    old: VersionInfo
    new: VersionInfo
    added: list[Designation] = field(default_factory=list)
    removed: list[Designation] = field(default_factory=list)
    changed: list[Designation] = field(default_factory=list)
    addresses_added: list[AddressChange] = field(default_factory=list)
    addresses_removed: list[AddressChange] = field(default_factory=list)
    addresses_changed: list[AddressChange] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "designations_added": len(self.added),
            "designations_removed": len(self.removed),
            "designations_changed": len(self.changed),
            "addresses_added": len(self.addresses_added),
            "addresses_removed": len(self.addresses_removed),
            "addresses_changed": len(self.addresses_changed),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.version_id,
            "new": self.new.version_id,
            "summary": self.summary(),
            "designations": {
                "added": [d.to_dict() for d in self.added],
                "removed": [d.to_dict() for d in self.removed],
                "changed": [d.to_dict() for d in self.changed],
            },
            "addresses": {
                "added": [a.to_dict() for a in self.addresses_added],
                "removed": [a.to_dict() for a in self.addresses_removed],
                "changed": [a.to_dict() for a in self.addresses_changed],
            },
        }


def diff_versions(store: Store, old: VersionInfo, new: VersionInfo) -> ListDiff:
    """Designations and addresses added, removed and changed from ``old`` to ``new``."""
    if old.version == new.version:
        raise InputError(f"OLD and NEW are the same version ({old.version_id}).")
    if old.list_name != new.list_name:
        raise InputError(
            f"{old.version_id} and {new.version_id} are versions of different lists "
            f"({old.list_name}, {new.list_name}); compare two issues of one list."
        )
    result = ListDiff(old=old, new=new)
    _designations(store, result)
    _addresses(store, result)
    return result


def _designations(store: Store, result: ListDiff) -> None:
    rows = store.con.execute(
        """
        WITH o AS (SELECT * FROM sanction_entities WHERE version = ? AND target),
             n AS (SELECT * FROM sanction_entities WHERE version = ? AND target)
        SELECT coalesce(n.entity_id, o.entity_id) AS entity_id,
               o.entity_id IS NULL AS is_added, n.entity_id IS NULL AS is_removed,
               coalesce(n.list_id, o.list_id), coalesce(n.schema, o.schema),
               coalesce(n.caption, o.caption), coalesce(n.programs, o.programs),
               coalesce(n.listed_on, o.listed_on),
               o.entity, n.entity, o.list_id, n.list_id
        FROM o FULL OUTER JOIN n USING (entity_id)
        WHERE o.content_hash IS DISTINCT FROM n.content_hash
        ORDER BY 1
        """,
        [result.old.version, result.new.version],
    ).fetchall()
    changed_rows = []
    for row in rows:
        entity_id, is_added, is_removed, list_id, schema, caption, programs, listed_on = row[:8]
        item = Designation(entity_id, list_id, schema, caption, list(programs or []), listed_on)
        if is_added:
            result.added.append(item)
        elif is_removed:
            result.removed.append(item)
        else:
            result.changed.append(item)
            changed_rows.append((item, row[8], row[9], row[10], row[11]))
    if not changed_rows:
        return
    old_related = _related(store, result.old.version, [r[3] for r in changed_rows])
    new_related = _related(store, result.new.version, [r[4] for r in changed_rows])
    for item, old_json, new_json, old_list_id, new_list_id in changed_rows:
        old_entity, new_entity = json.loads(old_json), json.loads(new_json)
        changes: dict[str, Any] = {}
        props = _property_changes(old_entity, new_entity)
        if props:
            changes["properties"] = props
        related = _related_changes(old_related[old_list_id], new_related[new_list_id])
        if related:
            changes["related"] = related
        item.changes = changes


def _related(
    store: Store, version: int, list_ids: list[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """list_id -> {entity_id: entity dict} of the non-target entities of those designations."""
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    rows = store.con.execute(
        "SELECT list_id, entity_id, entity FROM sanction_entities "
        "WHERE version = ? AND NOT target AND list_id IN (SELECT unnest(?::VARCHAR[]))",
        [version, list_ids],
    ).fetchall()
    for list_id, entity_id, entity in rows:
        out[list_id][entity_id] = json.loads(entity)
    return out


def _property_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """{prop: {"added": [...], "removed": [...]}} between two FtM entity dicts."""
    changes: dict[str, Any] = {}
    if old.get("schema") != new.get("schema"):
        changes["schema"] = {"added": [new.get("schema")], "removed": [old.get("schema")]}
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for prop in sorted(set(old_props) | set(new_props)):
        before, after = set(old_props.get(prop, [])), set(new_props.get(prop, []))
        if before != after:
            changes[prop] = {"added": sorted(after - before), "removed": sorted(before - after)}
    return changes


def _label(entity: dict[str, Any]) -> dict[str, Any]:
    props = entity.get("properties", {})
    caption = next(
        (
            props[p][0]
            for p in ("name", "number", "full", "publicKey", "program", "role")
            if props.get(p)
        ),
        None,
    )
    return {"id": entity.get("id"), "schema": entity.get("schema"), "caption": caption}


def _related_changes(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    added = [_label(new[k]) for k in sorted(set(new) - set(old))]
    removed = [_label(old[k]) for k in sorted(set(old) - set(new))]
    changed = []
    for key in sorted(set(old) & set(new)):
        props = _property_changes(old[key], new[key])
        if props:
            changed.append({**_label(new[key]), "properties": props})
    if added:
        out["added"] = added
    if removed:
        out["removed"] = removed
    if changed:
        out["changed"] = changed
    return out


_ADDRESS_SQL = """
WITH a AS (
    SELECT s.currency, s.chain, s.address, s.entity_id, s.list_id, s.programs,
           coalesce(e.caption, s.entity_id) AS caption
    FROM sanction_addresses s
    LEFT JOIN sanction_entities e ON e.version = s.version AND e.entity_id = s.entity_id
    WHERE s.version = ?
)
SELECT currency, any_value(chain), address,
       list_sort(list(DISTINCT entity_id)), list_sort(list(DISTINCT list_id)),
       list_sort(list(DISTINCT caption)), list_sort(flatten(list(programs)))
FROM a GROUP BY currency, address
"""


def _addresses(store: Store, result: ListDiff) -> None:
    def load(version: int) -> dict[tuple[str, str], AddressChange]:
        rows = store.con.execute(_ADDRESS_SQL, [version]).fetchall()
        return {
            (row[0], row[2]): AddressChange(
                currency=row[0],
                chain=row[1],
                address=row[2],
                holders=list(row[3]),
                list_ids=list(row[4]),
                captions=list(row[5]),
                programs=sorted(set(row[6])),
            )
            for row in rows
        }

    old, new = load(result.old.version), load(result.new.version)
    for key in sorted(set(new) - set(old)):
        result.addresses_added.append(new[key])
    for key in sorted(set(old) - set(new)):
        result.addresses_removed.append(old[key])
    for key in sorted(set(old) & set(new)):
        before, after = old[key], new[key]
        if before.holders != after.holders or before.programs != after.programs:
            after.old_holders, after.old_programs = before.holders, before.programs
            result.addresses_changed.append(after)
