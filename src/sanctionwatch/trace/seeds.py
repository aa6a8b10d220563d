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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sanctionwatch.errors import InputError
from sanctionwatch.labels.query import candidate_addresses
from sanctionwatch.store.db import Store

if TYPE_CHECKING:  # the catalog (pydantic, YAML) is loaded only for incident: seeds
    from sanctionwatch.incidents.catalog import Incident


def resolve_seeds(store: Store, seeds: Sequence[str], chain: str | None = None) -> list[int]:
    """Store address ids of the seeds, in order, without repeats; clear errors otherwise.

    Every address (of the arguments and the files) is looked up in one scan of the store's
    addresses."""
    parts: list[list[int] | list[_Wanted]] = []
    for seed in seeds:
        if seed.startswith("incident:"):
            parts.append(_incident(store, seed.removeprefix("incident:")))
        elif seed.startswith("file:"):
            parts.append(_from_file(Path(seed.removeprefix("file:")), chain))
        else:
            parts.append([_wanted(seed, chain, "")])
    found = store.address_ids(
        pair for part in parts for w in part if isinstance(w, _Wanted) for pair in w.pairs
    )
    ids: list[int] = []
    for part in parts:
        ids += [w if isinstance(w, int) else w.pick(found) for w in part]
    if not ids:
        raise InputError("No seed addresses given.")
    return list(dict.fromkeys(ids))


def seed_incidents(seeds: Sequence[str]) -> list[Incident]:
    """The catalog's incidents that the ``incident:NAME`` seeds name (by id, name or victim),
    in catalog order: what gives a trace from them its default theft time
    (``incidents.catalog.theft_start``)."""
    names = [s.removeprefix("incident:") for s in seeds if s.startswith("incident:")]
    if not names:
        return []
    from sanctionwatch.incidents.catalog import load_catalog

    catalog = load_catalog()
    found = {i.id for name in names for i in catalog.find(name)}
    return [i for i in catalog.incidents if i.id in found]


@dataclass(frozen=True, slots=True)
class _Wanted:
    """One address seed: the (chain, address) pairs it can be, and where it was written."""

    text: str
    chain: str | None
    pairs: list[tuple[str, str]]
    where: str  # "PATH, line N: " or ""

    def pick(self, found: dict[tuple[str, str], int]) -> int:
        ids = [found[pair] for pair in self.pairs if pair in found]
        if not ids:
            on = f"on {self.chain}" if self.chain else "on any chain"
            raise InputError(f"{self.where}Seed address {self.text} is not in the store ({on}).")
        if len(ids) > 1:
            raise InputError(
                f"{self.where}Seed address {self.text} exists on several chains; pass --chain."
            )
        return ids[0]


def _wanted(text: str, chain: str | None, where: str) -> _Wanted:
    text = text.strip()
    if chain is None and ":" in text and not text.lower().startswith(("bc1", "tb1")):
        prefix, _, rest = text.partition(":")
        if prefix.isalpha():
            chain, text = prefix.lower(), rest
    try:
        return _Wanted(text, chain, candidate_addresses(text, chain), where)
    except InputError as exc:
        raise InputError(f"{where}{exc.message}") from exc


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


def _from_file(path: Path, chain: str | None) -> list[_Wanted]:
    if not path.is_file():
        raise InputError(f"Seed file {path} does not exist.")
    text = path.read_text(encoding="utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    if "address" in [c.strip().lower() for c in first.split(",")]:
        wanted = []
        for n, row in enumerate(csv.DictReader(text.splitlines()), start=2):
            lowered = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            where = f"{path}, line {n}: "
            wanted.append(_wanted(lowered["address"], lowered.get("chain") or chain, where))
        return wanted
    return [
        _wanted(line.split("#", 1)[0], chain, f"{path}, line {n}: ")
        for n, line in enumerate(text.splitlines(), start=1)
        if line.split("#", 1)[0].strip()
    ]
