"""Reading labels back: every label of an address, and one category per address.

``labels_for`` answers "what do the sources say about this address?" (CLI ``labels show``).
The ``address_categories`` view answers the tracer's question "what is this address?" with
one row per labelled address: its best label and its primary category.

Primary category rule: among the address's labels with a category other than
``unknown_service``, the one with the highest confidence level (unknown level counts lowest),
ties broken by severity (sanctioned, theft, scam, mixer, cross_chain_swap, bridge, dex,
exchange, otc, payment_service, defi); ``unknown_service`` only when nothing else is known.
``categories`` lists every category any source gave, so a tracer can still see, e.g., that
an exchange address was also reported as a theft address.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import duckdb

from sanctionwatch.chain.addresses import address_problem, normalize_address
from sanctionwatch.chain.chains import CHAINS, get_chain
from sanctionwatch.errors import InputError
from sanctionwatch.labels.taxonomy import CATEGORY_RANK, UNKNOWN
from sanctionwatch.store.db import Store, values_query


@dataclass(slots=True, frozen=True)
class LabelRecord:
    """One stored label (a row of the ``labels`` table)."""

    address_id: int
    chain: str
    address: str
    label: str
    category: str
    source_category: str | None
    abuse: str | None
    actor: str | None
    confidence: str | None
    confidence_level: int | None
    source: str | None
    pack: str | None
    creator: str | None
    lastmod: date | None
    is_cluster_definer: bool | None
    context: str | None
    file_id: int
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["lastmod"] = None if self.lastmod is None else self.lastmod.isoformat()
        return out


@dataclass(slots=True, frozen=True)
class AddressCategory:
    """One row of the ``address_categories`` view."""

    address_id: int
    chain: str
    address: str
    category: str  # primary category (see module docstring)
    categories: tuple[str, ...]
    label: str  # best label: highest confidence, then severity, then newest
    label_category: str
    confidence: str | None
    confidence_level: int | None
    source: str | None
    n_labels: int

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["categories"] = list(self.categories)
        return out


_RECORD_COLUMNS = ", ".join(f.name for f in fields(LabelRecord))

# Severity as a SQL list literal built from our own constant category names (no input).
_RANK_LIST = "[" + ", ".join(f"'{name}'" for name in CATEGORY_RANK) + "]"
_RANK = f"coalesce(list_position({_RANK_LIST}, category), 99)"


def best_labels_sql(where: str = "") -> str:
    """SELECT giving one row per address_id (columns of AddressCategory).

    ``where`` is an optional fixed condition on ``labels`` (placeholders only, no values).
    """
    condition = f"WHERE {where}" if where else ""
    return f"""
    WITH ranked AS (
        SELECT *, {_RANK} AS crank FROM labels {condition}
    ), best AS (
        SELECT address_id, chain, address, label, category AS label_category,
               confidence, confidence_level, source
        FROM ranked
        QUALIFY row_number() OVER (
            PARTITION BY address_id
            ORDER BY confidence_level DESC NULLS LAST, crank, lastmod DESC NULLS LAST,
                     label, source NULLS LAST, file_id, line) = 1
    ), agg AS (
        SELECT address_id,
               arg_min(category, (category = '{UNKNOWN}')::INTEGER * 100000
                                 + (101 - coalesce(confidence_level, -1)) * 100
                                 + crank) AS category,
               list_sort(list(DISTINCT category)) AS categories,
               count(*) AS n_labels
        FROM ranked GROUP BY address_id
    )
    SELECT b.address_id, b.chain, b.address, a.category, a.categories, b.label,
           b.label_category, b.confidence, b.confidence_level, b.source, a.n_labels
    FROM best b JOIN agg a USING (address_id)
    """


def ensure_label_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or refresh) the ``address_categories`` view the tracer joins on address_id."""
    con.execute(f"CREATE OR REPLACE VIEW address_categories AS {best_labels_sql()}")


def categories_of_ids(con: duckdb.DuckDBPyConnection, ids: Any) -> dict[int, dict[str, Any]]:
    """Address id -> its primary ``category``, all its ``categories``, and the best
    ``label`` with its ``source`` (the list entry, pack or file it came from) and
    ``confidence`` (``address_categories``), for the ids that have labels: one query for
    them all. What a trace or an exposure says of a labelled address, with its evidence."""
    with values_query(con, id=ids) as (sql, params):
        return {
            int(i): {
                "category": c,
                "categories": list(cs),
                "label": lab,
                "source": source,
                "confidence": confidence,
            }
            for i, c, cs, lab, source, confidence in con.execute(
                "SELECT address_id, category, categories, label, source, confidence "
                f"FROM address_categories WHERE address_id IN ({sql})",
                params,
            ).fetchall()
        }


def label_fields(labels: dict[str, Any] | None) -> dict[str, Any]:
    """What a trace terminal says of its address's label (``categories_of_ids``): its text,
    source and confidence, as ``label``, ``label_source`` and ``label_confidence``."""
    found = labels or {}
    return {
        "label": found.get("label"),
        "label_source": found.get("source"),
        "label_confidence": found.get("confidence"),
    }


def candidate_addresses(address: str, chain: str | None = None) -> list[tuple[str, str]]:
    """(chain, canonical address) pairs to look up; every chain where it is valid if None."""
    if chain is not None:
        resolved = get_chain(chain)
        return [(resolved.name, normalize_address(resolved, address))]
    pairs = []
    for candidate in CHAINS.values():
        canonical, _ = address_problem(candidate, address)
        if canonical is not None:
            pairs.append((candidate.name, canonical))
    if not pairs:
        raise InputError(f"{address!r} is not a valid address on any known chain.")
    return pairs


def _pair_filter(pairs: list[tuple[str, str]]) -> tuple[str, list[str]]:
    condition = " OR ".join("(chain = ? AND address = ?)" for _ in pairs)
    params = [value for pair in pairs for value in pair]
    return f"({condition})", params


def labels_for(store: Store, address: str, chain: str | None = None) -> list[LabelRecord]:
    """Every label of ``address`` (on ``chain``, or on every chain where it is valid).

    Sorted by confidence level (highest first, unknown last), then severity, then newest.
    Raises InputError when the address is not valid (on ``chain``).
    """
    condition, params = _pair_filter(candidate_addresses(address, chain))
    rows = store.con.execute(
        f"""
        SELECT {_RECORD_COLUMNS} FROM labels WHERE {condition}
        ORDER BY confidence_level DESC NULLS LAST, {_RANK}, lastmod DESC NULLS LAST,
                 label, source NULLS LAST, file_id, line
        """,
        params,
    ).fetchall()
    return [LabelRecord(*row) for row in rows]


def best_labels(store: Store, address: str, chain: str | None = None) -> list[AddressCategory]:
    """The ``address_categories`` row(s) of ``address``: one per chain where it is labelled."""
    condition, params = _pair_filter(candidate_addresses(address, chain))
    rows = store.con.execute(
        f"SELECT * FROM ({best_labels_sql(condition)}) "
        "ORDER BY category = ?, confidence_level DESC NULLS LAST, chain",
        [*params, UNKNOWN],
    ).fetchall()
    return [
        AddressCategory(
            address_id=int(row[0]),
            chain=row[1],
            address=row[2],
            category=row[3],
            categories=tuple(row[4]),
            label=row[5],
            label_category=row[6],
            confidence=row[7],
            confidence_level=row[8],
            source=row[9],
            n_labels=int(row[10]),
        )
        for row in rows
    ]


def category_of(store: Store, address: str, chain: str | None = None) -> str | None:
    """The primary category of ``address`` (see module docstring); None when unlabelled."""
    found = best_labels(store, address, chain)
    return found[0].category if found else None
