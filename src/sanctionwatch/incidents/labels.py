"""Attacker addresses of the incident catalog as ``labels`` for tracing and exposure.

Loading is a projection, like the sanctions lists' labels: all labels of pack
``incidents:<catalog>`` are replaced in one transaction by the current catalog's, so
loading twice changes nothing and a corrected catalog replaces the old labels. The load is
recorded in ``ingest_log`` (format ``incident-catalog``, the file's sha256, the catalog
version in ``options``), whose ``file_id`` the labels carry as evidence.

Each label: category ``theft`` (source category ``hacker``, abuse ``service_hack``), the
incident's ``actor`` as a lower-case id (e.g. ``tradertraitor``), the address's own
confidence, ``label`` = "NAME theft YYYY-MM-DD [incident-id]: role" (so that
``trace incident:NAME`` and ``incident:ID`` both find it), ``source`` the address's source
(or the incident's first source) and ``context`` a JSON object with the incident id, role,
catalog version, attributing parties and confidence.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sanctionwatch.incidents.catalog import Catalog, Incident
from sanctionwatch.labels.ingest import replace_pack_labels
from sanctionwatch.labels.query import ensure_label_views
from sanctionwatch.labels.rows import LabelRow
from sanctionwatch.labels.taxonomy import confidence_level
from sanctionwatch.store.db import Store
from sanctionwatch.store.ingestlog import FileResult, next_file_id, write_log

CREATOR = "sanctionwatch incidents"
FORMAT = "incident-catalog"


def pack_of(catalog: Catalog) -> str:
    """The ``labels.pack`` of a catalog's labels."""
    return f"incidents:{catalog.catalog}"


def actor_id(actor: str) -> str:
    """An actor name as a TagPack-style id: 'Lazarus Group' -> 'lazarusgroup'."""
    return re.sub(r"[^a-z0-9]", "", actor.split("(")[0].lower()) or "unknown"


def incident_label(incident: Incident, role: str) -> str:
    return f"{incident.name} theft {incident.date.isoformat()} [{incident.id}]: {role}"


@dataclass(slots=True)
class LabelLoad:
    file_id: int
    catalog_version: str
    incidents: int
    labels: int
    replaced: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "catalog_version": self.catalog_version,
            "incidents": self.incidents,
            "labels": self.labels,
            "replaced": self.replaced,
        }


def load_incident_labels(store: Store, catalog: Catalog) -> LabelLoad:
    """Replace the catalog's labels in the store (one transaction); return what was done."""
    started = datetime.now(UTC)
    pack = pack_of(catalog)
    labels: list[LabelRow] = []
    with_addresses = 0
    for incident in catalog.incidents:
        if incident.addresses:
            with_addresses += 1
        for address in incident.addresses:
            context = {
                "incident": incident.id,
                "incident_name": incident.name,
                "incident_date": incident.date.isoformat(),
                "role": address.role,
                "catalog": catalog.catalog,
                "catalog_version": catalog.version,
                "attribution": [
                    {"party": a.party, "kind": a.kind, "confidence": a.confidence}
                    for a in incident.attribution
                ],
                "attribution_confidence": incident.confidence,
            }
            labels.append(
                LabelRow(
                    chain=address.chain,
                    address=address.address,
                    label=incident_label(incident, address.role),
                    category="theft",
                    source_category="hacker",
                    abuse="service_hack",
                    actor=actor_id(incident.actor),
                    confidence=address.confidence,
                    confidence_level=confidence_level(address.confidence),
                    source=address.source or incident.sources[0],
                    pack=pack,
                    creator=CREATOR,
                    lastmod=catalog.updated,
                    context=json.dumps(context, ensure_ascii=False),
                    line=len(labels) + 1,
                )
            )
    path = Path(catalog.path) if catalog.path else None
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else ""
    with store.transaction() as con:
        file_id = next_file_id(con)
        replaced = replace_pack_labels(con, pack, labels, file_id)
        result = FileResult(
            path=str(path) if path else pack,
            format=FORMAT,
            file_id=file_id,
            sha256=digest,
            rows_read=len(catalog.incidents),
            rows_new=len(labels),
        )
        write_log(
            con,
            result,
            started,
            {"catalog": catalog.catalog, "version": catalog.version, "replaced": replaced},
        )
        ensure_label_views(con)
    return LabelLoad(
        file_id=file_id,
        catalog_version=catalog.version,
        incidents=with_addresses,
        labels=len(labels),
        replaced=replaced,
    )


def incident_address_ids(store: Store, catalog: Catalog, name: str) -> list[int]:
    """Store ids of the catalog addresses of the incidents matching ``name`` (by id, name
    or victim) that are already in the store; empty if none is."""
    pairs = [(a.chain, a.address) for incident in catalog.find(name) for a in incident.addresses]
    found = store.address_ids(pairs)
    return list(dict.fromkeys(found[pair] for pair in pairs if pair in found))
