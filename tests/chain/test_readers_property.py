"""Property tests: what goes into a file comes out of the store, exactly.

Random valid rows (every chain family, every address spelling the readers accept, amounts
up to 2**127 - 1, times to the second in several notations) are written as canonical CSV,
Parquet, and ethereum-etl token transfers (CSV and JSON lines), ingested, and compared with
the store. Random corruption of some rows must reject exactly those lines, and a second
ingest of the same file must add nothing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import base58
import bech32m
import pyarrow as pa
import pyarrow.parquet as pq
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.chain.readers.table import CANONICAL_HEADER
from sanctionwatch.store import Store, open_store

PROPS = settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
MAX_AMOUNT = 2**127 - 1
COLUMNS = (*CANONICAL_HEADER, "usd_value")


@dataclass(frozen=True)
class Address:
    written: str  # as in the file
    canonical: str  # as the store must hold it


@dataclass(frozen=True)
class Row:
    chain: str
    tx_hash: str
    position: int
    block_number: int | None
    time: datetime  # naive UTC, whole seconds
    time_text: str
    sender: Address
    receiver: Address
    asset: Address
    amount: int
    usd_value: Decimal | None

    def cells(self) -> list[str]:
        return [
            self.chain,
            self.tx_hash,
            str(self.position),
            "" if self.block_number is None else str(self.block_number),
            self.time_text,
            self.sender.written,
            self.receiver.written,
            self.asset.written,
            str(self.amount),
            "" if self.usd_value is None else f"{self.usd_value:f}",
        ]

    def expected(self, line: int) -> tuple[object, ...]:
        return (
            self.chain,
            self.tx_hash,
            "transfer",
            str(self.position),
            self.block_number,
            self.time,
            self.sender.canonical,
            self.receiver.canonical,
            self.asset.canonical,
            self.amount,
            self.usd_value,
            line,
        )


STORED = (
    "SELECT chain, tx_hash, kind, position, block_number, block_time, from_address, "
    "to_address, asset, amount, usd_value, line FROM transfers_view ORDER BY line"
)

payload20 = st.binary(min_size=20, max_size=20)


@st.composite
def addresses(draw: st.DrawFn, family: str) -> Address:
    payload = draw(payload20)
    if family == "evm":
        lower = "0x" + payload.hex()
        spelled = draw(
            st.sampled_from([lower, to_checksum_address(lower), "0x" + payload.hex().upper()])
        )
        return Address(spelled, lower)
    if family == "tron":
        raw = b"\x41" + payload
        canonical = base58.b58encode_check(raw).decode()
        return Address(draw(st.sampled_from([canonical, raw.hex()])), canonical)
    kind = draw(st.sampled_from(["p2pkh", "p2sh", "p2wpkh", "P2WPKH"]))
    if kind in ("p2pkh", "p2sh"):
        version = b"\x00" if kind == "p2pkh" else b"\x05"
        text = base58.b58encode_check(version + payload).decode()
        return Address(text, text)
    text = bech32m.encode("bc", 0, payload)
    return Address(text.upper() if kind == "P2WPKH" else text, text)


def time_texts(moment: datetime, draw: st.DrawFn) -> str:
    style = draw(st.sampled_from(["unix", "space", "iso_z", "offset"]))
    if style == "unix":
        return str(int(moment.replace(tzinfo=UTC).timestamp()))
    if style == "space":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if style == "iso_z":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    hours = draw(st.integers(-11, 13))
    zone = timezone(timedelta(hours=hours))
    return moment.replace(tzinfo=UTC).astimezone(zone).isoformat()


@st.composite
def rows(draw: st.DrawFn) -> Row:
    chain = get_chain(draw(st.sampled_from(["ethereum", "bsc", "tron", "bitcoin"])))
    digest = draw(st.binary(min_size=32, max_size=32)).hex()
    moment = draw(
        st.datetimes(min_value=datetime(2009, 1, 3), max_value=datetime(2099, 12, 31))
    ).replace(microsecond=0)
    native = Address("native", "native")
    tokens = addresses("evm") if chain.family == "evm" else st.nothing()
    asset = draw(st.one_of(st.just(native), tokens))
    usd = draw(
        st.one_of(
            st.none(),
            st.decimals(min_value=0, max_value=10**20, places=6, allow_nan=False),
        )
    )
    return Row(
        chain=chain.name,
        tx_hash=("0x" + digest) if chain.family == "evm" else digest,
        position=draw(st.integers(0, 5000)),
        block_number=draw(st.one_of(st.none(), st.integers(0, 2**62))),
        time=moment,
        time_text=time_texts(moment, draw),
        sender=draw(addresses(chain.family)),
        receiver=draw(addresses(chain.family)),
        asset=asset,
        amount=draw(st.integers(0, MAX_AMOUNT)),
        usd_value=usd,
    )


row_lists = st.lists(
    rows(), min_size=1, max_size=25, unique_by=lambda r: (r.chain, r.tx_hash, r.position)
)


@contextmanager
def workspace() -> Iterator[tuple[Store, Path]]:
    with tempfile.TemporaryDirectory() as folder, open_store(":memory:") as store:
        yield store, Path(folder)


def write_csv(folder: Path, data: list[Row], lines: dict[int, str] | None = None) -> Path:
    """The rows as canonical CSV; ``lines`` replaces the text of some rows (by index)."""
    texts = [",".join(r.cells()) for r in data]
    for index, text in (lines or {}).items():
        texts[index] = text
    path = folder / "transfers.csv"
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(texts) + "\n")
    return path


def ingest(store: Store, path: Path, fmt: str = "csv"):  # type: ignore[no-untyped-def]
    return ingest_transfer_file(store, path, fmt, ReadOptions(get_chain("ethereum")))


def assert_idempotent(store: Store, path: Path, fmt: str, good: int) -> None:
    before = store.counts()
    again = ingest(store, path, fmt)
    assert (again.rows_new, again.rows_duplicate) == (0, good)
    after = store.counts()
    assert after["transfers"] == before["transfers"]
    assert after["addresses"] == before["addresses"]
    assert after["assets"] == before["assets"]


@PROPS
@given(data=row_lists)
def test_canonical_csv_round_trip(data: list[Row]) -> None:
    with workspace() as (store, folder):
        path = write_csv(folder, data)
        result = ingest(store, path)
        assert (result.rows_read, result.rows_new, result.rows_rejected) == (
            len(data),
            len(data),
            0,
        )
        assert (result.rows_duplicate, result.rows_skipped) == (0, 0)
        assert store.con.execute(STORED).fetchall() == [
            r.expected(line) for line, r in enumerate(data, start=2)
        ]
        assert_idempotent(store, path, "csv", len(data))


@PROPS
@given(data=row_lists, amount_type=st.sampled_from(["string", "decimal", "int64"]))
def test_parquet_round_trip(data: list[Row], amount_type: str) -> None:
    if amount_type == "decimal":
        data = [replace(r, amount=r.amount % 10**38) for r in data]
        amounts = pa.array([Decimal(r.amount) for r in data], pa.decimal128(38, 0))
    elif amount_type == "int64":
        data = [replace(r, amount=r.amount % 2**63) for r in data]
        amounts = pa.array([r.amount for r in data], pa.int64())
    else:
        amounts = pa.array([str(r.amount) for r in data], pa.string())
    table = pa.table(
        {
            "chain": pa.array([r.chain for r in data]),
            "tx_hash": pa.array([r.tx_hash for r in data]),
            "position": pa.array([r.position for r in data], pa.int64()),
            "block_number": pa.array([r.block_number for r in data], pa.int64()),
            "block_time": pa.array(
                [r.time.replace(tzinfo=UTC) for r in data], pa.timestamp("s", tz="UTC")
            ),
            "from_address": pa.array([r.sender.written for r in data]),
            "to_address": pa.array([r.receiver.written for r in data]),
            "asset": pa.array([r.asset.written for r in data]),
            "amount": amounts,
            "usd_value": pa.array([r.usd_value for r in data], pa.decimal128(38, 6)),
        }
    )
    with workspace() as (store, folder):
        path = folder / "transfers.parquet"
        pq.write_table(table, path, row_group_size=7)
        result = ingest(store, path, "parquet")
        assert (result.rows_read, result.rows_new, result.rows_rejected) == (
            len(data),
            len(data),
            0,
        )
        assert (result.rows_duplicate, result.rows_skipped) == (0, 0)
        assert result.format == "parquet"
        assert store.con.execute(STORED).fetchall() == [
            r.expected(line)
            for line, r in enumerate(data, start=1)  # no header in Parquet
        ]
        assert_idempotent(store, path, "parquet", len(data))


# -- corruption --------------------------------------------------------------------------

CORRUPTIONS = {
    # name -> (change of the row's text, reason the line must be rejected with)
    "sender": (lambda r: replace(r, sender=Address("0xnothex", "")), "from_address: "),
    "receiver": (lambda r: replace(r, receiver=Address("T" + "1" * 33, "")), "to_address: "),
    "negative": (lambda r: replace(r, amount=-r.amount - 1), "amount is negative"),
    "time": (lambda r: replace(r, time_text="31/12/2020"), "block time is missing"),
    "hash": (lambda r: replace(r, tx_hash=r.tx_hash[:-1]), "transaction "),
    "transaction id": (lambda r: replace(r, tx_hash=r.tx_hash.upper() + "G"), "transaction"),
    "chain": (lambda r: replace(r, chain="dogecoin"), "unknown chain dogecoin"),
    "block": (lambda r: replace(r, block_number=-1), "block number is not"),
}


def corrupted_text(row: Row, kind: str) -> str:
    if kind == "too_many":
        return ",".join([*row.cells(), "x"])
    if kind == "too_few":
        return ",".join(row.cells()[:-2])
    if kind == "amount_text":
        return ",".join([*row.cells()[:8], "12e3", row.cells()[9]])
    change, _ = CORRUPTIONS[kind]
    return ",".join(change(row).cells())


REASONS = {k: reason for k, (_, reason) in CORRUPTIONS.items()} | {
    "too_many": "CSV too many columns",
    "too_few": "CSV missing columns",
    "amount_text": "amount is not an integer in base units",
}


@PROPS
@given(data=st.data(), good_rows=row_lists)
def test_corrupt_lines_are_rejected_exactly(data: st.DataObject, good_rows: list[Row]) -> None:
    n = len(good_rows)
    bad = data.draw(
        st.dictionaries(st.integers(0, n - 1), st.sampled_from(sorted(REASONS)), max_size=n)
    )
    texts = {i: corrupted_text(good_rows[i], kind) for i, kind in bad.items()}
    with workspace() as (store, folder):
        path = write_csv(folder, good_rows, texts)
        result = ingest(store, path)
        got = store.con.execute("SELECT line, reason, raw FROM rejects ORDER BY line").fetchall()
        assert [line for line, _, _ in got] == sorted(i + 2 for i in bad)
        for line, reason, raw in got:
            assert str(reason).startswith(REASONS[bad[line - 2]]), (bad[line - 2], reason)
            assert raw == texts[line - 2]
        kept = [(i + 2, r) for i, r in enumerate(good_rows) if i not in bad]
        assert store.con.execute(STORED).fetchall() == [r.expected(line) for line, r in kept]
        assert (result.rows_read, result.rows_new, result.rows_rejected) == (n, len(kept), len(bad))
        assert (result.rows_duplicate, result.rows_skipped) == (0, 0)
        assert_idempotent(store, path, "csv", len(kept))


# -- ethereum-etl token transfers ----------------------------------------------------------


@st.composite
def token_transfers(draw: st.DrawFn) -> dict[str, object]:
    moment = draw(st.integers(1_438_269_973, 4_000_000_000))  # Ethereum's genesis on
    return {
        "token_address": "0x" + draw(payload20).hex(),
        "from_address": "0x" + draw(payload20).hex(),
        "to_address": "0x" + draw(payload20).hex(),
        "value": draw(st.integers(0, MAX_AMOUNT)),
        "transaction_hash": "0x" + draw(st.binary(min_size=32, max_size=32)).hex(),
        "log_index": draw(st.integers(0, 2000)),
        "block_number": draw(st.integers(0, 30_000_000)),
        "block_timestamp": moment,
    }


@PROPS
@given(
    transfers=st.lists(
        token_transfers(),
        min_size=1,
        max_size=25,
        unique_by=lambda t: (t["transaction_hash"], t["log_index"]),
    ),
    as_json=st.booleans(),
)
def test_ethereum_etl_token_transfers_round_trip(
    transfers: list[dict[str, object]], as_json: bool
) -> None:
    with workspace() as (store, folder):
        if as_json:
            path = folder / "token_transfers.json"
            path.write_text(
                "".join(json.dumps({"type": "token_transfer", **t}) + "\n" for t in transfers)
            )
        else:
            path = folder / "token_transfers.csv"
            names = list(transfers[0])
            path.write_text(
                ",".join(names)
                + "\n"
                + "".join(",".join(str(t[c]) for c in names) + "\n" for t in transfers)
            )
        result = ingest(store, path, "ethereum-etl")
        n = len(transfers)
        assert (result.rows_read, result.rows_new, result.rows_rejected) == (n, n, 0)
        assert (result.rows_duplicate, result.rows_skipped) == (0, 0)
        stored = store.con.execute(
            "SELECT tx_hash, position, from_address, to_address, asset, amount, block_number, "
            "block_time, kind, line FROM transfers_view ORDER BY line"
        ).fetchall()
        assert stored == [
            (
                t["transaction_hash"],
                str(t["log_index"]),
                t["from_address"],
                t["to_address"],
                t["token_address"],
                t["value"],
                t["block_number"],
                datetime.fromtimestamp(int(str(t["block_timestamp"])), UTC).replace(tzinfo=None),
                "token",
                line,
            )
            for line, t in enumerate(transfers, start=1 if as_json else 2)
        ]
        assert_idempotent(store, path, "ethereum-etl", n)
