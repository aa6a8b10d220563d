"""Shared store helpers: the values a query reads as rows (``values_query``), and finding
addresses by their text (``Store.address_ids``, by the addresses' key)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sanctionwatch.store import Store, db, open_store
from sanctionwatch.store.dictionary import assign_address_ids
from sanctionwatch.store.schema import ADDRESS_KEY, SCHEMA_VERSION


@pytest.mark.parametrize("size", [0, 3, db.ARROW_MIN - 1, db.ARROW_MIN, 5000])
def test_values_query_reads_the_same_rows_bound_or_registered(size: int) -> None:
    store = open_store(":memory:")
    con = store.con
    ids = np.arange(size, dtype=np.int64) * 7 - 3
    texts = [f"a{k}" for k in range(size)]
    registered = (
        "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE '_sanctionwatch_values_%'"
    )
    with db.values_query(con, id=ids, text=texts) as (sql, params):
        assert (params == []) == (size >= db.ARROW_MIN)  # bound, or registered
        rows = con.execute(f"SELECT id, text FROM ({sql}) ORDER BY id", params).fetchall()
        assert con.execute(registered).fetchall() == [(int(size >= db.ARROW_MIN),)]
    assert rows == list(zip(ids.tolist(), texts, strict=True))
    with db.values_query(con, id=ids.tolist()) as (sql, params):
        assert con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall() == [(size,)]
    assert con.execute(registered).fetchall() == [(0,)]  # gone after the block
    store.close()


def test_address_ids_of_many_pairs() -> None:
    # more pairs than ARROW_MIN: the lookup reads a registered table
    store = open_store(":memory:")
    con = store.con
    pairs = [("ethereum", f"0x{k:040x}") for k in range(1, db.ARROW_MIN + 50)]
    con.executemany(
        "INSERT INTO addresses (id, chain, address) VALUES (?, ?, ?)",
        [[k, c, a] for k, (c, a) in enumerate(pairs[::2], start=1)],
    )
    found = store.address_ids([*pairs, ("tron", "nowhere")])
    assert found == {pair: k for k, pair in enumerate(pairs[::2], start=1)}
    store.close()


def test_values_query_refuses_columns_of_different_lengths() -> None:
    store = open_store(":memory:")
    with (
        pytest.raises(ValueError, match="different lengths"),
        db.values_query(store.con, id=[1, 2], text=["a"]),
    ):
        pass
    store.close()


def _assigned(
    store: Store, pairs: list[tuple[str, str]], *, in_transaction: bool = False
) -> dict[tuple[str, str], int]:
    """Ids given to ``pairs`` by the ingest's address dictionary (inside a transaction of
    its own, as the ingest calls it, or in auto-commit mode)."""
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE _pairs (chain VARCHAR, address VARCHAR)")
    con.executemany("INSERT INTO _pairs VALUES (?, ?)", [list(p) for p in pairs])
    if in_transaction:
        con.execute("BEGIN TRANSACTION")
    assign_address_ids(con, "_pairs")
    if in_transaction:
        con.execute("COMMIT")
    rows = con.execute("SELECT chain, address, id FROM addresses").fetchall()
    return {(c, a): i for c, a, i in rows}


@pytest.mark.parametrize("asked", [1, 7, db.ARROW_MIN + 20])
def test_address_ids_by_key_find_what_the_ingest_wrote(asked: int) -> None:
    store = open_store(":memory:")
    pairs = [("ethereum", f"0x{k:040x}") for k in range(1, 3000)]
    pairs += [("bitcoin", "1BoatSLRHtKNngkdXEeobR76b6mjNw1aX3"), ("tron", f"0x{1:040x}")]
    ids = _assigned(store, pairs)
    keys = store.con.execute(
        "SELECT count(*) FROM addresses WHERE address_key = "
        + ADDRESS_KEY.format(chain="chain", address="address")
    ).fetchall()
    assert keys == [(len(pairs),)]  # every row has its key
    assert store.keyed
    wanted = pairs[-asked:]
    absent = [("ethereum", f"0x{0:040x}"), ("bitcoin", pairs[5][1])]  # the text on another chain
    assert store.address_ids([*wanted, *absent]) == {p: ids[p] for p in wanted}
    store.close()


@pytest.mark.parametrize("in_transaction", [False, True])
def test_new_addresses_get_ids_in_the_order_of_their_keys(in_transaction: bool) -> None:
    """The same addresses, given in any order and in batches, get the same ids: ascending
    with their keys within a batch (ties by chain and address), right after the ids before
    (1, 2, ..., with no gap: inside a transaction DuckDB numbers a new table's rows from
    its MAX_ROW_ID, ~2**55, and the trace index's build relies on ids not much larger than
    their count)."""
    pairs = [("ethereum", f"0x{k:040x}") for k in range(1, 5000)]
    pairs += [("tron", f"0x{k:040x}") for k in range(1, 50)]
    first = open_store(":memory:")
    ids = _assigned(first, pairs[:100], in_transaction=in_transaction)
    ids = _assigned(first, pairs, in_transaction=in_transaction)  # 100 known, the rest new
    rows = first.con.execute("SELECT id, address_key, chain, address FROM addresses ORDER BY id")
    listed = rows.fetchall()
    assert [r[0] for r in listed] == list(range(1, len(pairs) + 1))
    for batch in (listed[:100], listed[100:]):
        assert batch == sorted(batch, key=lambda r: (r[1], r[2], r[3]))
    second = open_store(":memory:")
    _assigned(second, pairs[:100][::-1])
    assert _assigned(second, pairs[::-1]) == ids
    first.close()
    second.close()


def test_address_ids_compare_the_text_when_keys_collide() -> None:
    store = open_store(":memory:")
    a, b = ("ethereum", f"0x{1:040x}"), ("ethereum", f"0x{2:040x}")
    ids = _assigned(store, [a, b])
    # a stored with b's key, as if their hashes collided: asking for b finds both rows by
    # the key, and only b by its text
    store.con.execute(
        "UPDATE addresses SET address_key = (SELECT address_key FROM addresses WHERE address = ?) "
        "WHERE address = ?",
        [b[1], a[1]],
    )
    assert store.scalar("SELECT count(DISTINCT address_key) FROM addresses") == 1
    assert store.address_ids([b]) == {b: ids[b]}
    store.close()


def test_a_schema_1_store_is_read_without_the_key_and_migrated_when_opened(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    store = open_store(path)
    pairs = [("ethereum", f"0x{k:040x}") for k in range(1, 50)]
    ids = _assigned(store, pairs)
    # as schema 1 wrote it: no key column
    store.con.execute("ALTER TABLE addresses DROP COLUMN address_key")
    store.con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    store.close()

    old = open_store(path, read_only=True)
    assert not old.keyed
    assert old.address_ids(pairs[:3]) == {p: ids[p] for p in pairs[:3]}  # by the text
    old.close()

    store = open_store(path)  # migrates
    assert store.keyed
    assert store.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(
        SCHEMA_VERSION
    )
    unkeyed = store.scalar(
        "SELECT count(*) FROM addresses WHERE address_key IS DISTINCT FROM "
        + ADDRESS_KEY.format(chain="chain", address="address")
    )
    assert unkeyed == 0
    assert store.address_ids(pairs[:3]) == {p: ids[p] for p in pairs[:3]}
    store.close()


def test_the_store_draws_no_progress_bar(tmp_path: Path) -> None:
    # DuckDB's bar goes to stdout, where commands write their JSON or CSV
    for store in (open_store(":memory:"), open_store(tmp_path / "s.duckdb")):
        assert store.scalar("SELECT current_setting('enable_progress_bar')") is False
        store.close()
