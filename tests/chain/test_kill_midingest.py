"""A SIGKILL in the middle of an ingest leaves the store as it was before that file.

A child process ingests a large generated CSV into a file store and reports each step
(reading / validating / storing) on stdout; the test kills it with SIGKILL right after a
step begins (so inside the file's transaction), reopens the store and checks it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import open_store

pytestmark = pytest.mark.slow

BIG = 1_200_000
SMALL = 20_000

# The child: ingest argv[2] into the store argv[1], printing each step as it starts.
CHILD = """
import sys
from pathlib import Path
from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.store import open_store

def step(message):
    print(message, flush=True)

with open_store(sys.argv[1]) as store:
    ingest_transfer_file(store, Path(sys.argv[2]), "csv", ReadOptions(get_chain("ethereum")), step)
print("finished", flush=True)
"""


def generate(path: Path, rows: int, offset: int) -> Path:
    """Canonical CSV with ``rows`` valid EVM transfers; amounts are the row numbers."""
    duckdb.connect().execute(
        f"""
        COPY (
            SELECT 'ethereum' AS chain, '0x' || lpad(lower(to_hex(i)), 64, '0') AS tx_hash,
                   0 AS position, 1000 + i // 100 AS block_number,
                   1600000000 + i AS block_time,
                   '0x' || lpad(lower(to_hex(i % 50000)), 40, '0') AS from_address,
                   '0x' || lpad(lower(to_hex((i * 7) % 50000 + 1)), 40, '0') AS to_address,
                   'native' AS asset, i AS amount
            FROM range({offset}, {offset + rows}) t(i)
        ) TO '{path}' (HEADER)
        """
    )
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("kill") / "big.csv", BIG, 0)


def kill_when(db: Path, csv: Path, marker: str) -> list[str]:
    """Run the child and SIGKILL it as soon as it prints a line containing ``marker``."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(csv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    assert child.stdout is not None
    for line in child.stdout:
        seen.append(line.strip())
        if marker in line:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    child.stdout.close()
    assert child.stderr is not None
    stderr = child.stderr.read()
    child.stderr.close()
    assert any(marker in s for s in seen), (seen, stderr)
    # killed, not finished
    assert child.returncode == -signal.SIGKILL, (child.returncode, seen, stderr)
    assert "finished" not in seen
    return seen


def test_kill_during_store_step_then_complete(tmp_path: Path, big_csv: Path) -> None:
    db = tmp_path / "store.duckdb"
    open_store(db).close()  # schema exists before the child starts
    seen = kill_when(db, big_csv, "storing")
    assert seen[0].endswith("reading")

    with open_store(db) as store:
        logged = store.scalar("SELECT count(*) FROM ingest_log")
        transfers = store.scalar("SELECT count(*) FROM transfers")
        if logged:  # committed just before the kill: then it must be complete
            assert (logged, transfers) == (1, BIG)
        else:
            assert transfers == 0
            assert store.scalar("SELECT count(*) FROM addresses") == 0
            assert store.scalar("SELECT count(*) FROM rejects") == 0
        # run the same file to completion on the reopened store
        result = ingest_transfer_file(store, big_csv, "csv", ReadOptions(get_chain("ethereum")))
        assert result.rows_read == BIG
        assert result.rows_new + result.rows_duplicate == BIG
        assert result.rows_rejected == 0
        assert store.scalar("SELECT count(*) FROM transfers") == BIG
        assert store.scalar("SELECT count(DISTINCT tx_hash) FROM transfers") == BIG
        assert store.scalar("SELECT sum(amount) FROM transfers") == BIG * (BIG - 1) // 2
        assert store.scalar("SELECT count(*) FROM addresses") == 50_001  # ids 0..50000
        assert store.scalar("SELECT count(*) FROM ingest_log") == 1 + logged


def test_kill_during_second_file_keeps_the_first(tmp_path: Path, big_csv: Path) -> None:
    db = tmp_path / "store.duckdb"
    first = generate(tmp_path / "first.csv", SMALL, BIG)  # tx hashes differ from big.csv
    with open_store(db) as store:
        result = ingest_transfer_file(store, first, "csv", ReadOptions(get_chain("ethereum")))
        assert result.rows_new == SMALL
        before = store.counts()
        first_sum = store.scalar("SELECT sum(amount) FROM transfers")

    kill_when(db, big_csv, "validating")

    with open_store(db) as store:
        assert store.counts() == before
        assert store.scalar("SELECT sum(amount) FROM transfers") == first_sum
        assert store.scalar("SELECT count(*) FROM transfers WHERE file_id <> 1") == 0
        assert store.con.execute("SELECT file_id, path FROM ingest_log").fetchall() == [
            (1, str(first))
        ]
