"""Listed crypto addresses as ``labels`` the tracer and exposure read.

For each list, the labels are a projection of every loaded version of that list (the
history itself stays in ``sanction_addresses``, one row per version): one label per
(chain, address, designation), rebuilt in the loading transaction whenever a version of
the list is loaded, so the result does not depend on the order issues were loaded in.

- An address on the *latest* issue of the list is ``sanctioned`` (abuse ``sanction``,
  confidence ``authority_data``), labelled with the holder's name.
- An address that was on an earlier issue but is missing from a later one is *delisted*:
  from the publication date of the first issue without it, it no longer counts as
  sanctioned. Its label stays (category ``unknown_service``, source category
  ``delisted``), so the history remains visible in ``labels show`` and every other label
  of the address (mixer, exchange, ...) decides its category again.

Every label's ``context`` (JSON) names the list, entry (``list_id``), holder entity,
programs, listing date, the versions it was first and last seen in, ``valid_from``,
``valid_to`` (the delisting date, or null) and the ``status`` (listed | delisted).
``pack`` is ``sanctions:<list>`` and ``file_id`` the load of the version it was last seen in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from sanctionwatch.labels.taxonomy import confidence_level
from sanctionwatch.store.dictionary import assign_address_ids

CREATOR = "sanctionwatch lists"
CONFIDENCE = "authority_data"
DELISTED_CATEGORY = "unknown_service"


def pack_of(list_name: str) -> str:
    """The ``labels.pack`` of one list's labels."""
    return f"sanctions:{list_name}"


@dataclass(slots=True, frozen=True)
class LabelSync:
    active: int
    delisted: int


_KEYS_SQL = """
WITH v AS (
    SELECT version, version_id, published, file_id,
           row_number() OVER (ORDER BY published NULLS FIRST, version) AS seq
    FROM sanction_list_versions WHERE list = ?
), seen AS (
    SELECT a.*, v.seq, v.version_id, v.published, v.file_id,
           -- one version can list the address twice (ETH and USDT): the smallest wallet
           -- id breaks the tie, as in screening (address_screen)
           (-v.seq, a.wallet_id) AS latest, (v.seq, a.wallet_id) AS earliest
    FROM sanction_addresses a JOIN v USING (version)
    WHERE a.chain IS NOT NULL
), keys AS (
    -- the first and the latest listing of each key, whole rows
    SELECT chain, address, list_id,
           arg_min(seen, earliest) AS first, arg_min(seen, latest) AS last
    FROM seen GROUP BY chain, address, list_id
)
SELECT k.chain, k.address, k.list_id, k.last.entity_id AS entity_id,
       k.last.currency AS currency, k.last.address_as_listed AS address_as_listed,
       k.last.programs AS programs, k.last.listed_on AS listed_on,
       k.first.version_id AS first_version_id, k.first.published AS first_published,
       k.last.version_id AS last_version_id, k.last.published AS last_published,
       k.last.file_id AS file_id,
       k.last.seq = (SELECT max(seq) FROM v) AS active,
       nxt.version_id AS delisted_in, nxt.published AS delisted_on,
       coalesce(e.caption, k.last.entity_id) AS caption
FROM keys k
LEFT JOIN v nxt ON nxt.seq = k.last.seq + 1
LEFT JOIN sanction_entities e ON e.version = k.last.version AND e.entity_id = k.last.entity_id
ORDER BY k.chain, k.address, k.list_id
"""

_LABEL_SCHEMA = pa.schema(
    [
        ("chain", pa.string()),
        ("address", pa.string()),
        ("label", pa.string()),
        ("category", pa.string()),
        ("source_category", pa.string()),
        ("abuse", pa.string()),
        ("source", pa.string()),
        ("lastmod", pa.date32()),
        ("context", pa.string()),
        ("file_id", pa.int32()),
    ]
)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def sync_list_labels(con: duckdb.DuckDBPyConnection, list_name: str) -> LabelSync:
    """Rebuild the labels of ``list_name`` from all its versions (inside the caller's
    transaction); return how many are active and how many delisted."""
    rows = con.execute(_KEYS_SQL, [list_name]).fetchall()
    labels: dict[str, list[object]] = {name: [] for name in _LABEL_SCHEMA.names}
    active = delisted = 0
    for (
        chain,
        address,
        list_id,
        entity_id,
        currency,
        as_listed,
        programs,
        listed_on,
        first_version,
        first_published,
        last_version,
        last_published,
        file_id,
        is_active,
        delisted_in,
        delisted_on,
        caption,
    ) in rows:
        if is_active:
            active += 1
        else:
            delisted += 1
        context = {
            "list": list_name,
            "list_id": list_id,
            "entity_id": entity_id,
            "currency": currency,
            "address_as_listed": as_listed,
            "programs": list(programs or []),
            "listed_on": _iso(listed_on),
            "status": "listed" if is_active else "delisted",
            "first_version": first_version,
            "last_version": last_version,
            "valid_from": _iso(listed_on or first_published),
            "valid_to": None if is_active else _iso(delisted_on),
            "delisted_in": None if is_active else delisted_in,
        }
        labels["chain"].append(chain)
        labels["address"].append(address)
        labels["label"].append(caption)
        labels["category"].append("sanctioned" if is_active else DELISTED_CATEGORY)
        labels["source_category"].append("sanctioned" if is_active else "delisted")
        labels["abuse"].append("sanction" if is_active else None)
        labels["source"].append(f"{list_name} {list_id}")
        labels["lastmod"].append(last_published if is_active else delisted_on)
        labels["context"].append(json.dumps(context, ensure_ascii=False))
        labels["file_id"].append(file_id)
    con.execute("DELETE FROM labels WHERE pack = ?", [pack_of(list_name)])
    con.register("_sanction_labels", pa.Table.from_pydict(labels, schema=_LABEL_SCHEMA))
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _sanction_label_rows AS SELECT * FROM _sanction_labels"
        )
    finally:
        con.unregister("_sanction_labels")
    assign_address_ids(con, "_sanction_label_rows")
    con.execute(
        """
        INSERT INTO labels (address_id, chain, address, label, category, source_category,
                            abuse, actor, confidence, confidence_level, source, pack,
                            creator, lastmod, is_cluster_definer, context, file_id, line)
        SELECT a.id, r.chain, r.address, r.label, r.category, r.source_category, r.abuse,
               NULL, ?, ?, r.source, ?, ?, r.lastmod, NULL, r.context, r.file_id, NULL
        FROM _sanction_label_rows r JOIN addresses a USING (chain, address)
        """,
        [CONFIDENCE, confidence_level(CONFIDENCE), pack_of(list_name), CREATOR],
    )
    con.execute("DROP TABLE _sanction_label_rows")
    return LabelSync(active=active, delisted=delisted)
