"""Incidents as a STIX 2.1 bundle (``stix2`` library; ``pip install sanctionwatch[exports]``).

- one ``identity`` (sanctionwatch, the bundle's ``created_by_ref``);
- ``intrusion-set`` per actor: ``name``, ``aliases`` from the actor table, and an
  ``external_references`` entry ``mitre-attack`` with the ATT&CK group ID where one exists;
- ``incident`` per theft: ``name``, ``description``, ``external_references`` (every source,
  and each attribution with its party and confidence), relationship ``attributed-to`` its
  intrusion set;
- ``indicator`` per attacker address with the STIX pattern
  ``[x-crypto-wallet:address = '…' AND x-crypto-wallet:blockchain = '…']`` (STIX 2.1 has no
  standard wallet object; ``x-`` is its convention for custom ones), ``valid_from`` the
  theft date, and relationships ``indicates`` (the intrusion set) and ``related-to`` (the
  incident);
- one ``report`` listing every object (``report_types`` threat-actor and attack-pattern-free
  ``threat-report``), published at the catalog's date.

Ids are UUIDv5 of the natural keys (actor name, incident id, chain:address), and
timestamps come from the catalog, so the same input gives the same bundle.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sanctionwatch.errors import MissingDependencyError
from sanctionwatch.incidents.actors import load_actors
from sanctionwatch.incidents.catalog import Catalog, Incident

NAMESPACE = uuid.UUID("5d1b1c3e-6f0a-4b8e-9a53-3c9e2f4d7a10")  # sanctionwatch's STIX ids


def _stix() -> Any:
    try:
        import stix2
    except ImportError:
        raise MissingDependencyError(
            "STIX export needs the stix2 library: pip install 'sanctionwatch[exports]'."
        ) from None
    return stix2.v21


def sid(kind: str, *key: str) -> str:
    """A deterministic STIX id of ``kind`` for a natural key."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, kind + ':' + ':'.join(key))}"


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def bundle(catalog: Catalog, incidents: Sequence[Incident], title: str | None = None) -> Any:
    """A ``stix2`` Bundle of the incidents (see the module docstring)."""
    v21 = _stix()
    table = load_actors()
    created = _stamp(catalog.updated)
    identity = v21.Identity(
        id=sid("identity", "sanctionwatch"),
        name="sanctionwatch",
        identity_class="system",
        created=created,
        modified=created,
    )
    common: dict[str, Any] = {
        "created_by_ref": identity.id,
        "created": created,
        "modified": created,
    }
    objects: list[Any] = [identity]
    sets: dict[str, Any] = {}
    for incident in incidents:
        if incident.actor in sets:
            continue
        actor = table.get(incident.actor)
        refs = []
        if actor is not None and actor.attack_id:
            refs.append(
                {
                    "source_name": "mitre-attack",
                    "external_id": actor.attack_id,
                    "url": f"https://attack.mitre.org/groups/{actor.attack_id}/",
                }
            )
        if actor is not None:
            refs.append({"source_name": "misp-galaxy", "url": table.source_url})
        sets[incident.actor] = v21.IntrusionSet(
            id=sid("intrusion-set", incident.actor),
            name=incident.actor,
            aliases=list(actor.aliases) if actor is not None and actor.aliases else None,
            description=actor.description if actor is not None and actor.description else None,
            external_references=refs or None,
            **common,
        )
        objects.append(sets[incident.actor])
    for incident in incidents:
        intrusion = sets[incident.actor]
        refs = [{"source_name": "source", "url": url} for url in incident.sources]
        refs += [
            {
                "source_name": "attribution",
                "description": f"{a.party} ({a.kind}, confidence {a.confidence})",
                "url": a.url,
            }
            for a in incident.attribution
        ]
        value = f"USD {incident.usd:,} at the time" if incident.usd is not None else "USD unknown"
        event = v21.Incident(
            id=sid("incident", incident.id),
            name=f"{incident.name} theft ({incident.date.isoformat()})",
            description=f"{incident.description} [{value}; vector {incident.vector}; "
            f"attribution confidence {incident.confidence}]",
            external_references=refs,
            labels=[incident.sector, incident.vector],
            **common,
        )
        objects.append(event)
        objects.append(
            v21.Relationship(
                id=sid("relationship", incident.id, "attributed-to", incident.actor),
                relationship_type="attributed-to",
                source_ref=event.id,
                target_ref=intrusion.id,
                **common,
            )
        )
        for address in incident.addresses:
            key = f"{address.chain}:{address.address}"
            indicator = v21.Indicator(
                id=sid("indicator", key),
                name=f"{incident.name} theft: {address.role} {address.address}",
                pattern=(
                    f"[x-crypto-wallet:address = '{address.address}' AND "
                    f"x-crypto-wallet:blockchain = '{address.chain}']"
                ),
                pattern_type="stix",
                valid_from=_stamp(incident.date),
                indicator_types=["malicious-activity", "attribution"],
                external_references=[
                    {"source_name": "source", "url": address.source or incident.sources[0]}
                ],
                **common,
            )
            objects.append(indicator)
            objects.append(
                v21.Relationship(
                    id=sid("relationship", key, "indicates", incident.actor),
                    relationship_type="indicates",
                    source_ref=indicator.id,
                    target_ref=intrusion.id,
                    **common,
                )
            )
            objects.append(
                v21.Relationship(
                    id=sid("relationship", key, "related-to", incident.id),
                    relationship_type="related-to",
                    source_ref=indicator.id,
                    target_ref=event.id,
                    **common,
                )
            )
    unique = list({o.id: o for o in objects}.values())
    report = v21.Report(
        id=sid("report", catalog.catalog, catalog.version, *(i.id for i in incidents)),
        name=title or f"DPRK-attributed crypto thefts ({catalog.catalog} {catalog.version})",
        published=created,
        report_types=["threat-actor", "threat-report"],
        object_refs=[o.id for o in unique],
        **common,
    )
    return v21.Bundle(*unique, report, id=sid("bundle", report.id), allow_custom=False)


def write(catalog: Catalog, incidents: Sequence[Incident], stream: Any) -> int:
    """Write the bundle as JSON; return how many objects it holds."""
    made = bundle(catalog, incidents)
    stream.write(made.serialize(pretty=True, sort_keys=True) + "\n")
    return len(made.objects)
