"""Incidents as FollowTheMoney entities (JSON lines for Aleph, nomenklatura, OpenSanctions
tools).

- ``Organization`` per threat actor (``name``, ``alias``, ``country`` kp, ``topics``
  crime.cyber, ``description``, ``sourceUrl`` the alias table's source) and per victim
  (``name``, ``country``);
- ``Sanction`` per designation of an actor in the actor table (``entity`` the actor,
  ``authority``, ``program``, ``authorityId``, ``listingDate``, ``sourceUrl``);
- ``Event`` per incident (``name``, ``date``, ``country``, ``summary`` our description,
  ``description`` amounts and valuation, ``involved`` victim and actor, ``organizer`` the
  actor, ``keywords`` sector/vector/confidence, ``topics`` crime.theft, ``sourceUrl`` every
  source, ``notes`` attributions and disputes, ``recordId`` the incident id);
- ``Payment`` per stolen asset, from the victim to the actor (``amount`` in native units,
  ``currency``, ``amountUsd`` when one asset carries the whole value, ``date``, ``purpose``
  theft); an incident known only in USD gets one Payment in USD;
- ``CryptoWallet`` per attacker address (``publicKey``, ``blockchain``, ``holder`` the
  actor, ``topics`` crime.theft, ``summary`` the role, ``sourceUrl``). Its id is the one the
  trace exporter gives the same address, so incident and trace exports merge in Aleph.

Ids are deterministic (``make_id`` of a kind and the natural key), so exporting twice gives
the same entities.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from sanctionwatch.incidents.actors import Actor, ActorTable, load_actors
from sanctionwatch.incidents.catalog import Catalog, Incident
from sanctionwatch.trace.exporters.ftm import wallet_id

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy

PUBLISHER = "sanctionwatch incident catalog"


def _make(schema: str, *key: str) -> EntityProxy:
    from followthemoney import model

    entity = model.make_entity(schema)
    entity.make_id(*key)
    return entity


def actor_entity(actor: Actor, table: ActorTable) -> EntityProxy:
    entity = _make("Organization", "actor", actor.name)
    entity.add("name", actor.name)
    entity.add("alias", list(actor.aliases))
    entity.add("country", actor.country.lower())
    entity.add("topics", "crime.cyber")
    if actor.description:
        entity.add("description", actor.description)
    if actor.attack_id:
        entity.add("idNumber", actor.attack_id)
        entity.add("sourceUrl", f"https://attack.mitre.org/groups/{actor.attack_id}/")
    entity.add("sourceUrl", table.source_url)
    return entity


def _unlisted_actor(name: str) -> EntityProxy:
    entity = _make("Organization", "actor", name)
    entity.add("name", name)
    entity.add("topics", "crime.cyber")
    return entity


def sanction_entities(actor: Actor, holder: EntityProxy) -> list[EntityProxy]:
    out = []
    for sanction in actor.sanctions:
        entity = _make("Sanction", "sanction", actor.name, sanction.authority, sanction.list_id)
        entity.add("entity", holder.id)
        entity.add("authority", sanction.authority)
        entity.add("program", sanction.program)
        entity.add("authorityId", sanction.list_id)
        entity.add("listingDate", sanction.listed.isoformat())
        entity.add("sourceUrl", sanction.url)
        out.append(entity)
    return out


def victim_entity(incident: Incident) -> EntityProxy:
    entity = _make("Organization", "victim", incident.victim)
    entity.add("name", incident.victim)
    if incident.victim_country:
        entity.add("country", incident.victim_country.lower())
    return entity


def event_entity(
    incident: Incident, victim: EntityProxy, actor: EntityProxy, version: str
) -> EntityProxy:
    entity = _make("Event", "incident", incident.id)
    entity.add("name", f"{incident.name} theft")
    entity.add("date", incident.date.isoformat())
    if incident.victim_country:
        entity.add("country", incident.victim_country.lower())
    entity.add("summary", incident.description)
    amounts = ", ".join(f"{s.amount} {s.asset}" for s in incident.stolen)
    value = (
        f"USD {incident.usd:,} at the time ({incident.usd_source})"
        if incident.usd is not None
        else f"USD value unknown ({incident.usd_note})"
    )
    entity.add("description", "; ".join(p for p in (amounts, value) if p))
    entity.add("involved", [victim.id, actor.id])
    entity.add("organizer", actor.id)
    entity.add("keywords", [incident.sector, incident.vector, f"confidence:{incident.confidence}"])
    entity.add("topics", "crime.theft")
    entity.add("sourceUrl", list(incident.sources))
    notes = [
        f"attributed by {a.party} ({a.kind}, {a.confidence}): {a.url}" for a in incident.attribution
    ]
    if incident.disputed:
        notes.append(f"disputed: {incident.disputed}")
    if incident.status == "returned":
        notes.append("funds returned in full")
    entity.add("notes", notes)
    entity.add("recordId", incident.id)
    entity.add("publisher", f"{PUBLISHER} {version}")
    return entity


def payment_entities(
    incident: Incident, victim: EntityProxy, actor: EntityProxy
) -> list[EntityProxy]:
    out = []
    stolen = list(incident.stolen)
    for n, item in enumerate(stolen):
        entity = _make("Payment", "theft", incident.id, item.asset, str(n))
        entity.add("amount", item.amount)
        entity.add("currency", item.asset)
        if len(stolen) == 1 and incident.usd is not None:
            entity.add("amountUsd", str(incident.usd))
        out.append(entity)
    if not stolen and incident.usd is not None:
        entity = _make("Payment", "theft", incident.id, "USD")
        entity.add("amount", str(incident.usd))
        entity.add("currency", "USD")
        entity.add("amountUsd", str(incident.usd))
        out.append(entity)
    for entity in out:
        entity.add("payer", victim.id)
        entity.add("beneficiary", actor.id)
        entity.add("date", incident.date.isoformat())
        entity.add("purpose", "theft")
        entity.add("summary", f"{incident.name} theft ({incident.id})")
        entity.add("recordId", incident.id)
        entity.add("sourceUrl", incident.sources[0])
    return out


def wallet_entities(incident: Incident, actor: EntityProxy) -> list[EntityProxy]:
    from followthemoney import model

    out = []
    for address in incident.addresses:
        entity = model.make_entity("CryptoWallet")
        entity.id = wallet_id(address.chain, address.address)
        entity.add("publicKey", address.address)
        entity.add("blockchain", address.chain)
        entity.add("holder", actor.id)
        entity.add("topics", "crime.theft")
        entity.add("summary", f"{incident.name} theft {incident.date.isoformat()}: {address.role}")
        entity.add("keywords", [incident.id, address.role])
        entity.add("sourceUrl", address.source or incident.sources[0])
        out.append(entity)
    return out


def entities(incidents: Sequence[Incident], version: str = "") -> list[EntityProxy]:
    """All entities of ``incidents``: actors and their sanctions, victims, events, payments,
    wallets; each entity once (wallets shared by incidents are merged)."""
    table = load_actors()
    found: dict[str, EntityProxy] = {}

    def keep(items: Iterable[EntityProxy]) -> None:
        for entity in items:
            assert entity.id is not None
            if entity.id in found:
                found[entity.id].merge(entity)
            else:
                found[entity.id] = entity

    actors: dict[str, EntityProxy] = {}
    for incident in incidents:
        if incident.actor not in actors:
            listed = table.get(incident.actor)
            if listed is None:
                actors[incident.actor] = _unlisted_actor(incident.actor)
            else:
                actors[incident.actor] = actor_entity(listed, table)
            keep([actors[incident.actor]])
            if listed is not None:
                keep(sanction_entities(listed, actors[incident.actor]))
        actor = actors[incident.actor]
        victim = victim_entity(incident)
        keep([victim])
        keep([event_entity(incident, victim, actor, version)])
        keep(payment_entities(incident, victim, actor))
        keep(wallet_entities(incident, actor))
    return list(found.values())


def write(catalog: Catalog, incidents: Sequence[Incident], stream: TextIO) -> int:
    """Write the incidents' entities as JSON lines; return how many."""
    items = entities(incidents, catalog.version)
    for entity in items:
        stream.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    return len(items)
