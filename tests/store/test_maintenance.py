"""`store optimize` re-sorts the big tables without changing a row."""

from __future__ import annotations

from pathlib import Path

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import Store
from sanctionwatch.store.maintenance import optimize_store

HEADER = "tx_hash,block_time,from_address,to_address,amount"


def _file(tmp_path: Path, name: str, senders: list[int], start: int) -> Path:
    lines = [HEADER]
    for i, sender in enumerate(senders):
        n = start + i
        lines.append(f"0x{n:064x},{1_700_000_000 + n},0x{sender:040x},0x{sender + 1000:040x},{n}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_optimize_sorts_across_files_and_keeps_rows(store: Store, tmp_path: Path) -> None:
    eth = ReadOptions(chain=get_chain("ethereum"))
    # two files, each sorted by sender on its own, interleaved across files
    ingest_transfer_file(store, _file(tmp_path, "a.csv", [5, 1, 9], 0), "csv", eth)
    ingest_transfer_file(store, _file(tmp_path, "b.csv", [3, 1, 7], 10), "csv", eth)
    query = "SELECT * FROM transfers ORDER BY tx_hash"
    before = store.con.execute(query).fetchall()

    results = optimize_store(store)

    assert {r.table: r.rows for r in results}["transfers"] == 6
    assert store.con.execute(query).fetchall() == before
    in_storage_order = store.con.execute("SELECT from_id, block_time FROM transfers").fetchall()
    assert in_storage_order == sorted(in_storage_order)
    # the natural key still dedupes after the rewrite
    again = ingest_transfer_file(store, _file(tmp_path, "a.csv", [5, 1, 9], 0), "csv", eth)
    assert (again.rows_new, again.rows_duplicate) == (0, 3)
