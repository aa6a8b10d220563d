"""Incident attacker addresses as theft labels, and ``trace incident:NAME`` seeds."""

from __future__ import annotations

import json

import pytest

from sanctionwatch.errors import InputError
from sanctionwatch.incidents import load_catalog
from sanctionwatch.incidents.labels import load_incident_labels, pack_of
from sanctionwatch.store import Store
from sanctionwatch.trace.seeds import resolve_seeds

BYBIT_THEFT = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"


def test_load_writes_theft_labels_with_actor_and_evidence(store: Store) -> None:
    catalog = load_catalog()
    result = load_incident_labels(store, catalog)
    expected = sum(len(i.addresses) for i in catalog.incidents)
    assert result.labels == expected > 40
    rows = store.con.execute(
        "SELECT category, actor, pack, label, context, file_id FROM labels "
        "WHERE address = ? AND chain = 'ethereum'",
        [BYBIT_THEFT],
    ).fetchall()
    assert len(rows) == 1
    category, actor, pack, label, context, file_id = rows[0]
    assert (category, actor, pack) == ("theft", "tradertraitor", pack_of(catalog))
    assert label == "Bybit theft 2025-02-21 [bybit-2025-02]: theft"
    data = json.loads(context)
    assert data["incident"] == "bybit-2025-02"
    assert data["catalog_version"] == catalog.version
    log = store.con.execute(
        "SELECT format, rows_new, options FROM ingest_log WHERE file_id = ?", [file_id]
    ).fetchall()
    assert log[0][0] == "incident-catalog"
    assert log[0][1] == expected
    assert json.loads(log[0][2])["version"] == catalog.version
    categories = store.con.execute(
        "SELECT category FROM address_categories ac JOIN addresses a ON a.id = ac.address_id "
        "WHERE a.address = ?",
        [BYBIT_THEFT],
    ).fetchall()
    assert categories == [("theft",)]


def test_loading_twice_replaces_instead_of_adding(store: Store) -> None:
    catalog = load_catalog()
    first = load_incident_labels(store, catalog)
    second = load_incident_labels(store, catalog)
    assert second.replaced == first.labels
    count = store.scalar("SELECT count(*) FROM labels WHERE pack = ?", [pack_of(catalog)])
    assert count == first.labels


def test_incident_seeds_start_from_catalog_addresses(store: Store) -> None:
    catalog = load_catalog()
    with pytest.raises(InputError, match="No theft-labelled addresses match incident"):
        resolve_seeds(store, ["incident:bybit"])
    load_incident_labels(store, catalog)
    bybit = {a.address for a in catalog.get("bybit").addresses}
    for seed in ("incident:bybit", "incident:bybit-2025-02", "incident:Bybit"):
        ids = resolve_seeds(store, [seed])
        found = {
            r[0]
            for r in store.con.execute(
                "SELECT address FROM addresses WHERE list_contains(?, id)", [ids]
            ).fetchall()
        }
        assert found == bybit, seed
    # without the labels, the catalog's addresses that the store knows still seed the trace
    store.con.execute("DELETE FROM labels")
    assert len(resolve_seeds(store, ["incident:ronin"])) == len(catalog.get("ronin").addresses)
