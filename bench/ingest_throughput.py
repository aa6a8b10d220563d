"""Ingest throughput: sanctionwatch's ingest vs. a plain DuckDB load of the same file.

The plain load (``CREATE TABLE t AS SELECT * FROM read_csv/read_parquet``) is the floor our
own work (validation, address dictionary, dedupe, sorting, rejects, log) is measured against.
Both run in the same process, on the same file, into fresh database files.

    python bench/ingest_throughput.py [--transfers 10000000] [--workdir bench/out]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import open_store


def make_files(workdir: Path, n: int) -> tuple[Path, Path]:
    """Canonical transfer files with valid EVM addresses and a heavy-tailed sender set."""
    csv_path = workdir / f"transfers_{n}.csv"
    parquet_path = workdir / f"transfers_{n}.parquet"
    if csv_path.exists() and parquet_path.exists():
        return csv_path, parquet_path
    con = duckdb.connect()
    senders = max(n // 5, 10)
    # md5 gives 32 hex digits; two of them make a valid 40-digit (lower-case) EVM address.
    con.execute(
        f"""
        CREATE TABLE t AS
        SELECT 'ethereum' AS chain,
               '0x' || md5(i::VARCHAR) || md5((i + 7)::VARCHAR) AS tx_hash,
               '0' AS position,
               21500000 + i // 200 AS block_number,
               make_timestamp((1735689600 + i // 200 * 12)::BIGINT * 1000000) AS block_time,
               '0x' || md5(s::VARCHAR) || substr(md5((s + 1)::VARCHAR), 1, 8) AS from_address,
               '0x' || md5(r::VARCHAR) || substr(md5((r + 1)::VARCHAR), 1, 8) AS to_address,
               'native' AS asset,
               (hash(i) % 1000000000000000000)::DECIMAL(38, 0) AS amount
        FROM (SELECT i, (i * 7919) % {senders} AS s,
                     ((i * 104729) + 3) % {senders} AS r FROM range({n}) r(i))
        """
    )
    con.execute(f"COPY t TO '{csv_path}' (HEADER)")
    con.execute(f"COPY t TO '{parquet_path}' (FORMAT parquet, COMPRESSION zstd)")
    con.close()
    return csv_path, parquet_path


def plain_load(path: Path, db: Path) -> float:
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    clock = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{path}')")
    seconds = time.perf_counter() - clock
    con.close()
    return seconds


def our_ingest(path: Path, db: Path) -> tuple[float, int]:
    db.unlink(missing_ok=True)
    store = open_store(db)
    fmt = "parquet" if path.suffix == ".parquet" else "csv"
    clock = time.perf_counter()
    result = ingest_transfer_file(store, path, fmt, ReadOptions(chain=get_chain("ethereum")))
    seconds = time.perf_counter() - clock
    assert result.rows_rejected == 0, result.reject_reasons
    reclock = time.perf_counter()
    again = ingest_transfer_file(store, path, fmt, ReadOptions(chain=get_chain("ethereum")))
    print(
        f"    re-ingest: {again.rows_new} new, {again.rows_duplicate:,} duplicate "
        f"in {time.perf_counter() - reclock:.1f} s"
    )
    store.close()
    return seconds, result.rows_new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    n = args.transfers
    print(f"ingest throughput, {n:,} transfers")
    clock = time.perf_counter()
    csv_path, parquet_path = make_files(args.workdir, n)
    print(
        f"  input files ready in {time.perf_counter() - clock:.1f} s "
        f"(csv {csv_path.stat().st_size / 1e9:.2f} GB, "
        f"parquet {parquet_path.stat().st_size / 1e9:.2f} GB)"
    )
    for path, target in ((parquet_path, 1_000_000), (csv_path, 300_000)):
        kind = path.suffix.lstrip(".")
        plain = plain_load(path, args.workdir / "plain.duckdb")
        ours, rows = our_ingest(path, args.workdir / "ours.duckdb")
        rate = rows / ours
        print(
            f"  {kind:8s} sanctionwatch {ours:6.1f} s = {rate:>11,.0f} transfers/s "
            f"(target {target:,}/s: {'met' if rate >= target else 'NOT met'})"
        )
        print(
            f"  {kind:8s} plain duckdb  {plain:6.1f} s = {n / plain:>11,.0f} rows/s   "
            f"ratio ours/plain time = {ours / plain:.2f}x"
        )
    (args.workdir / "plain.duckdb").unlink(missing_ok=True)
    (args.workdir / "ours.duckdb").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
