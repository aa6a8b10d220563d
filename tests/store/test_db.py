"""Shared store helpers: the values a query reads as rows (``values_query``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sanctionwatch.store import db, open_store


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


def test_the_store_draws_no_progress_bar(tmp_path: Path) -> None:
    # DuckDB's bar goes to stdout, where commands write their JSON or CSV
    for store in (open_store(":memory:"), open_store(tmp_path / "s.duckdb")):
        assert store.scalar("SELECT current_setting('enable_progress_bar')") is False
        store.close()
