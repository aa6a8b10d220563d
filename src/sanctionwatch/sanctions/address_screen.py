"""Address screening: is this crypto address on a loaded sanctions list or attributed to DPRK?

Exact lookup of the address normalised per chain (``labels.query.candidate_addresses``: EVM
addresses lower case, so any case matches; base58 and bech32 as the chain spells them, so
Bitcoin/TRON case matters) against:

- ``sanction_addresses`` of **every** loaded version of every list: a hit is ``listed`` when
  the address is on the list's latest loaded issue, else ``delisted`` with the first later
  issue that no longer has it (``delisted_in``, ``delisted_on``);
- ``labels`` from other sources attributing the address to a DPRK actor (Lazarus Group,
  APT38, TraderTraitor, ... or any actor whose ``actors`` row has jurisdiction KP).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.errors import InputError
from sanctionwatch.labels.query import candidate_addresses
from sanctionwatch.store.db import Store

#: Actor ids (substrings, lower case) read as DPRK attributions in labels.
DPRK_ACTOR_PATTERN = (
    "lazarus|apt ?-?38|bluenoroff|andariel|kimsuky|tradertraitor|trader traitor|jade ?sleet"
    "|famous ?chollima|apt ?-?43|dprk|north ?korea|hidden ?cobra|stardust ?chollima"
)


@dataclass(slots=True, frozen=True)
class AddressHit:
    """One reason an address is flagged: a list entry or a DPRK attribution label."""

    query: str
    chain: str
    address: str
    source: str  # "list" | "label"
    status: str  # listed | delisted (lists); the label's category (labels)
    list: str | None
    list_id: str | None
    entity_id: str | None
    caption: str | None
    programs: tuple[str, ...]
    currency: str | None
    list_version: str | None  # latest version that has it (lists)
    published: date | None
    listed_on: date | None
    first_version: str | None
    delisted_in: str | None
    delisted_on: date | None
    actor: str | None
    label: str | None
    label_source: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings)."""
        out = asdict(self)
        out["programs"] = list(self.programs)
        for key in ("published", "listed_on", "delisted_on"):
            value = out[key]
            out[key] = None if value is None else value.isoformat()
        return out


@dataclass(slots=True, frozen=True)
class AddressResult:
    """The answer for one queried address: its (chain, address) forms and every hit."""

    query: str
    candidates: tuple[tuple[str, str], ...]
    hits: tuple[AddressHit, ...]
    error: str | None = None

    @property
    def flagged(self) -> bool:
        """True when the address is listed now or attributed to DPRK (not only delisted)."""
        return any(h.status != "delisted" for h in self.hits)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (documented in docs/screening.md)."""
        return {
            "query": self.query,
            "candidates": [{"chain": c, "address": a} for c, a in self.candidates],
            "flagged": self.flagged,
            "hits": [h.to_dict() for h in self.hits],
            "error": self.error,
        }


_LIST_SQL = """
WITH v AS (
    SELECT version, version_id, list, published,
           row_number() OVER (PARTITION BY list ORDER BY published DESC NULLS LAST,
                              version DESC) AS recency
    FROM sanction_list_versions
), hits AS (
    SELECT a.chain, a.address, a.currency, a.entity_id, a.list_id, a.programs, a.listed_on,
           v.list, v.version, v.version_id, v.published, v.recency,
           (v.recency, a.wallet_id) AS latest
    FROM sanction_addresses a JOIN v USING (version)
    WHERE a.chain = ? AND a.address = ?
), grouped AS (
    -- the latest listing, whole: one version can list the address twice (ETH and USDT),
    -- ``latest`` takes the smaller wallet id, and every value comes from that one row
    SELECT list, entity_id, chain, address,
           arg_min(hits, latest) AS last,
           arg_max(version_id, latest) AS first_version_id
    FROM hits GROUP BY ALL
)
SELECT g.list, g.entity_id, g.chain, g.address, g.last.version_id AS last_version_id,
       g.first_version_id, g.last.published AS published, g.last.list_id AS list_id,
       g.last.programs AS programs, g.last.currency AS currency,
       g.last.listed_on AS listed_on, g.last.recency AS last_recency,
       e.caption,
       (SELECT arg_max(v2.version_id, v2.recency) FROM v v2
        WHERE v2.list = g.list AND v2.recency < g.last.recency) AS delisted_in,
       (SELECT arg_max(v2.published, v2.recency) FROM v v2
        WHERE v2.list = g.list AND v2.recency < g.last.recency) AS delisted_on
FROM grouped g
LEFT JOIN sanction_entities e ON e.version = g.last.version AND e.entity_id = g.entity_id
ORDER BY g.last.recency, g.list, g.entity_id
"""

_LABEL_SQL = f"""
SELECT l.chain, l.address, l.category, l.actor, l.label, l.source, l.pack
FROM labels l
WHERE l.chain = ? AND l.address = ?
  AND coalesce(l.pack, '') NOT LIKE 'sanctions:%'
  AND (regexp_matches(lower(coalesce(l.actor, '')), '{DPRK_ACTOR_PATTERN}')
       OR regexp_matches(lower(l.label), '{DPRK_ACTOR_PATTERN}')
       -- EXISTS, not a join: an actor defined in two packs would repeat the label
       OR EXISTS (SELECT 1 FROM actors a WHERE a.actor = l.actor
                  AND coalesce(a.jurisdictions, '') LIKE '%"KP"%'))
ORDER BY l.category, l.actor, l.label, l.source NULLS LAST, l.pack NULLS LAST, l.file_id, l.line
"""


def _list_hits(store: Store, query: str, chain: str, address: str) -> list[AddressHit]:
    rows = store.con.execute(_LIST_SQL, [chain, address]).fetchall()
    hits = []
    for row in rows:
        (list_name, entity_id, chain_, address_, last_vid, first_vid, published, list_id) = row[:8]
        programs, currency, listed_on, recency, caption, delisted_in, delisted_on = row[8:]
        hits.append(
            AddressHit(
                query=query,
                chain=chain_,
                address=address_,
                source="list",
                status="listed" if recency == 1 else "delisted",
                list=list_name,
                list_id=list_id,
                entity_id=entity_id,
                caption=caption,
                programs=tuple(programs or ()),
                currency=currency,
                list_version=last_vid,
                published=published,
                listed_on=listed_on,
                first_version=first_vid,
                delisted_in=delisted_in if recency != 1 else None,
                delisted_on=delisted_on if recency != 1 else None,
                actor=None,
                label=None,
                label_source=None,
            )
        )
    return hits


def _label_hits(store: Store, query: str, chain: str, address: str) -> list[AddressHit]:
    rows = store.con.execute(_LABEL_SQL, [chain, address]).fetchall()
    return [
        AddressHit(
            query=query,
            chain=chain_,
            address=address_,
            source="label",
            status=category,
            list=None,
            list_id=None,
            entity_id=None,
            caption=None,
            programs=(),
            currency=None,
            list_version=None,
            published=None,
            listed_on=None,
            first_version=None,
            delisted_in=None,
            delisted_on=None,
            actor=actor,
            label=label,
            label_source=source or pack,
        )
        for chain_, address_, category, actor, label, source, pack in rows
    ]


def screen_address(store: Store, address: str, chain: str | None = None) -> AddressResult:
    """Every list entry (current or delisted) and DPRK attribution of one address.

    An address that is not valid on ``chain`` (or on any known chain) gives a result with
    ``error`` set and no hits, so one bad line of a batch does not stop the others.
    """
    query = address.strip()
    try:
        pairs = candidate_addresses(query, chain)
    except InputError as exc:
        return AddressResult(query=query, candidates=(), hits=(), error=exc.message)
    hits: list[AddressHit] = []
    for chain_name, canonical in pairs:
        hits.extend(_list_hits(store, query, chain_name, canonical))
        hits.extend(_label_hits(store, query, chain_name, canonical))
    return AddressResult(query=query, candidates=tuple(pairs), hits=tuple(hits))


def screen_addresses(
    store: Store, addresses: list[str], chain: str | None = None
) -> list[AddressResult]:
    """``screen_address`` for each address (blank entries skipped), in input order.

    An unknown ``chain`` is an InputError before anything is looked up.
    """
    if chain is not None:
        chain = get_chain(chain).name
    return [screen_address(store, a, chain) for a in addresses if a.strip()]
