"""Seeds of a trace as users write them: addresses, ``incident:NAME`` and ``file:PATH``.

- an address: looked up on ``chain``, or on every chain where it is valid and in the store;
- ``incident:NAME``: the addresses labelled ``theft`` whose label, actor or pack mentions
  NAME (case-insensitive) — the incident catalog (issue 6) adds its own attacker addresses
  as such labels (``incidents load-labels``), and the attacker addresses of the catalog's
  incidents whose id, name or victim match NAME are added when they are in the store;
- ``file:PATH``: one seed per line (``#`` comments allowed), each an address or
  ``chain:address``, or a CSV with an ``address`` column and an optional ``chain`` column.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from sanctionwatch.errors import InputError
from sanctionwatch.labels.query import candidate_addresses
from sanctionwatch.store.db import Store


def resolve_seeds(store: Store, seeds: Sequence[str], chain: str | None = None) -> list[int]:
    """Store address ids of the seeds, in order, without repeats; clear errors otherwise."""
    ids: list[int] = []
    for seed in seeds:
        if seed.startswith("incident:"):
            ids += _incident(store, seed.removeprefix("incident:"))
        elif seed.startswith("file:"):
            ids += _from_file(store, Path(seed.removeprefix("file:")), chain)
        else:
            ids.append(_address(store, seed, chain))
    if not ids:
        raise InputError("No seed addresses given.")
    return list(dict.fromkeys(ids))


def _address(store: Store, text: str, chain: str | None) -> int:
    text = text.strip()
    if chain is None and ":" in text and not text.lower().startswith(("bc1", "tb1")):
        prefix, _, rest = text.partition(":")
        if prefix.isalpha():
            chain, text = prefix.lower(), rest
    found = [
        i for c, a in candidate_addresses(text, chain) if (i := store.address_id(c, a)) is not None
    ]
    if not found:
        where = f"on {chain}" if chain else "on any chain"
        raise InputError(f"Seed address {text} is not in the store ({where}).")
    if len(found) > 1:
        raise InputError(f"Seed address {text} exists on several chains; pass --chain.")
    return found[0]


def _incident(store: Store, name: str) -> list[int]:
    pattern = f"%{name.strip().lower()}%"
    rows = store.con.execute(
        """
        SELECT DISTINCT address_id FROM labels
        WHERE category = 'theft'
          AND (lower(label) LIKE ? OR lower(coalesce(actor, '')) LIKE ?
               OR lower(coalesce(pack, '')) LIKE ?)
        ORDER BY address_id
        """,
        [pattern, pattern, pattern],
    ).fetchall()
    ids = [int(r[0]) for r in rows]
    # the incident catalog's attacker addresses (issue 6), when they are in the store
    from sanctionwatch.incidents.catalog import load_catalog
    from sanctionwatch.incidents.labels import incident_address_ids

    ids += incident_address_ids(store, load_catalog(), name)
    if not ids:
        raise InputError(
            f"No theft-labelled addresses match incident {name!r}; load the incident's labels "
            "(ingest labels, incidents load-labels) or give the addresses."
        )
    return list(dict.fromkeys(ids))


def _from_file(store: Store, path: Path, chain: str | None) -> list[int]:
    if not path.is_file():
        raise InputError(f"Seed file {path} does not exist.")
    text = path.read_text(encoding="utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    ids: list[int] = []
    if "address" in [c.strip().lower() for c in first.split(",")]:
        for n, row in enumerate(csv.DictReader(text.splitlines()), start=2):
            lowered = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            try:
                ids.append(_address(store, lowered["address"], lowered.get("chain") or chain))
            except InputError as exc:
                raise InputError(f"{path}, line {n}: {exc.message}") from exc
        return ids
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            ids.append(_address(store, line, chain))
        except InputError as exc:
            raise InputError(f"{path}, line {n}: {exc.message}") from exc
    return ids
