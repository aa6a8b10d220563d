"""Reading loaded list versions back: which issues are in the store, and naming one.

A version is named by its ``version_id`` (``us_ofac_sdn@2025-11-19``), its integer
``version``, or relative to its list: ``us_ofac_sdn`` or ``us_ofac_sdn@latest`` (the
newest issue by publication date), ``us_ofac_sdn@previous`` (the one before).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sanctionwatch.errors import NotFoundError
from sanctionwatch.store.db import Store


@dataclass(slots=True, frozen=True)
class VersionInfo:
    """One row of ``sanction_list_versions``."""

    version: int
    version_id: str
    list_name: str
    published: date | None
    published_from: str | None
    format: str
    source: str
    sha256: str
    file_sha256: str
    file_id: int
    loaded_at: datetime
    n_entities: int
    n_targets: int
    n_addresses: int
    n_addresses_chain: int
    counts: str | None
    notes: str | None

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["list"] = out.pop("list_name")
        out["published"] = None if self.published is None else self.published.isoformat()
        out["loaded_at"] = self.loaded_at.isoformat()
        out["counts"] = json.loads(self.counts) if self.counts else {}
        out["notes"] = json.loads(self.notes) if self.notes else []
        return out


_COLUMNS = ", ".join(
    "list AS list_name" if f.name == "list_name" else f.name for f in fields(VersionInfo)
)
_ORDER = "ORDER BY list, published NULLS FIRST, version"


def list_versions(store: Store, list_name: str | None = None) -> list[VersionInfo]:
    """Every loaded version (of ``list_name``), by list and publication date."""
    where, params = ("WHERE list = ?", [list_name]) if list_name else ("", [])
    rows = store.con.execute(
        f"SELECT {_COLUMNS} FROM sanction_list_versions {where} {_ORDER}", params
    ).fetchall()
    return [VersionInfo(*row) for row in rows]


def resolve_version(store: Store, ref: str) -> VersionInfo:
    """The version named ``ref`` (see module docstring); NotFoundError otherwise."""
    text = ref.strip()
    if text.isdigit():
        rows = store.con.execute(
            f"SELECT {_COLUMNS} FROM sanction_list_versions WHERE version = ?", [int(text)]
        ).fetchall()
        if rows:
            return VersionInfo(*rows[0])
    rows = store.con.execute(
        f"SELECT {_COLUMNS} FROM sanction_list_versions WHERE version_id = ?", [text]
    ).fetchall()
    if rows:
        return VersionInfo(*rows[0])
    list_name, _, which = text.partition("@")
    if which in ("", "latest", "previous"):
        versions = list_versions(store, list_name)
        if which == "previous" and len(versions) >= 2:
            return versions[-2]
        if which != "previous" and versions:
            return versions[-1]
    known = ", ".join(v.version_id for v in list_versions(store)) or "none loaded yet"
    raise NotFoundError(f"No list version {ref!r} in the store; loaded versions: {known}.")
