"""What the store says of transfers at trace-index positions (transaction hash, exact
amount, block time in ISO 8601 UTC, kind and position in the transaction: by rowid; the
hash, kind and position name one transfer, the store's key) and of the
addresses at their ends ((chain, address) by id), each read in one query for all of them.
The evidence of a trace (``evidence``) and of exposure paths (``exposure``) both come from
here, so both write a transfer the same way; so does a swept deposit's sweep
(``sweep_fields``), for the account and the UTXO tracer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from sanctionwatch.store.db import values_query
from sanctionwatch.trace.arrays import find_sorted, lookup, stable_order
from sanctionwatch.trace.index import I64, TraceIndex

# the store keeps UTC without an offset; ``datetime.isoformat`` of the UTC time (microseconds
# only when there are some), written by DuckDB for every row at once
ISO_UTC = (
    "CASE WHEN epoch_us(block_time) % 1000000 = 0 "
    "THEN strftime(block_time, '%Y-%m-%dT%H:%M:%S') "
    "ELSE strftime(block_time, '%Y-%m-%dT%H:%M:%S.%f') END || '+00:00'"
)
NO_TIME = datetime.fromtimestamp(0, UTC).isoformat()


@dataclass(slots=True)
class Transactions:
    """What the store says of transfers at index positions, as columns in the order of
    ``positions`` (sorted): transaction hash, exact amount, block time (ISO, UTC), position
    in the transaction and kind (tx, trace, token, ...). Columns, not a tuple per
    transfer: they are read on the worker thread, and every Python object made there holds
    the GIL the trace's own work needs (a flood trace at 50M reads 3.5 x 10^5)."""

    positions: I64
    columns: tuple[npt.NDArray[np.object_], ...]

    def joined(self, other: Transactions) -> Transactions:
        if not len(other.positions):
            return self
        at = np.concatenate([self.positions, other.positions])
        order = stable_order(at)
        cols = tuple(
            np.concatenate([a, b])[order] for a, b in zip(self.columns, other.columns, strict=True)
        )
        return Transactions(at[order], cols)

    def holds(self, positions: I64) -> bool:
        return bool((find_sorted(self.positions, positions) >= 0).all())

    def gather(self, positions: I64) -> tuple[npt.NDArray[np.bool_], list[list[Any]]]:
        """(found, columns) at these positions; a position not read: None in each."""
        at = find_sorted(self.positions, positions)
        found = at >= 0
        if not len(self.positions):
            return found, [[None] * len(positions) for _ in self.columns]
        row = np.maximum(at, 0)
        if found.all():
            return found, [c[row].tolist() for c in self.columns]
        out = []
        for c in self.columns:
            values = np.full(len(positions), None, dtype=np.object_)
            values[found] = c[row[found]]
            out.append(values.tolist())
        return found, out


def read_transactions(
    con: duckdb.DuckDBPyConnection, index: TraceIndex, positions: Sequence[int] | I64
) -> Transactions:
    """The transactions of these index positions (``Transactions``), by rowid."""
    empty = np.empty(0, dtype=np.object_)
    if not len(positions):
        return Transactions(np.empty(0, dtype=np.int64), (empty,) * 5)
    at = np.sort(np.asarray(positions, dtype=np.int64))  # (usually sorted already)
    rowids = index.rowid[at].astype(np.int64)
    with values_query(con, rowid=rowids) as (rowids_sql, params):
        cols = con.execute(
            f"SELECT rowid, tx_hash, amount::VARCHAR, {ISO_UTC}, position, kind FROM transfers "
            f"WHERE rowid IN ({rowids_sql})",
            params,
        ).fetchnumpy()
    found, *rest = cols.values()
    # each asked position's row, by its rowid (one the store no longer holds: none)
    kept, row = lookup(np.asarray(found, dtype=np.int64), rowids)
    columns = tuple(objects(c)[row[kept]] for c in rest)
    return Transactions(at[kept], columns)


def objects(column: Any) -> npt.NDArray[np.object_]:
    """A fetched column as objects, a masked (NULL) entry None."""
    values = np.array(np.ma.getdata(column), dtype=np.object_)
    if np.ma.isMaskedArray(column):  # (``filled(None)`` would fill with the default, "?")
        values[np.ma.getmaskarray(column)] = None
    return values


@dataclass(slots=True)
class Addresses:
    """(chain, address) of store address ids, as columns sorted by id and found by a binary
    search (~2x faster than a dictionary of the rows at 10^5)."""

    ids: I64
    chains: npt.NDArray[np.object_]
    texts: npt.NDArray[np.object_]

    def columns(self, store_ids: npt.ArrayLike, missing: Any) -> tuple[list[Any], list[Any]]:
        """The chains and the addresses of these ids, ``missing`` for an id not read."""
        wanted = np.asarray(store_ids, dtype=np.int64)
        if not len(self.ids):
            return [missing] * len(wanted), [missing] * len(wanted)
        at = find_sorted(self.ids, wanted)
        row = np.maximum(at, 0)
        chains, texts = self.chains[row], self.texts[row]
        chains[at < 0] = missing
        texts[at < 0] = missing
        return chains.tolist(), texts.tolist()


def read_addresses(con: duckdb.DuckDBPyConnection, store_ids: Sequence[int] | I64) -> Addresses:
    """The (chain, address) of these store ids (``Addresses``)."""
    with values_query(con, id=store_ids) as (ids_sql, params):
        found = con.execute(
            f"SELECT id, chain, address FROM addresses WHERE id IN ({ids_sql})", params
        ).fetchnumpy()
    ids = np.asarray(found["id"], dtype=np.int64)
    by_id = stable_order(ids)
    return Addresses(ids[by_id], objects(found["chain"])[by_id], objects(found["address"])[by_id])


def sweep_fields(
    wallet: tuple[str, str],
    label: dict[str, Any] | None,
    tx_hash: str | None,
    asset: str,
    amount: str | None,
    block_time: str,
    in_tx: tuple[str | None, str | None] | None = None,
) -> dict[str, Any]:
    """A swept deposit terminal's ``swept_to`` (the account and the UTXO tracer write it
    alike): the exchange wallet ``(chain, address)`` it sweeps to, the wallet's label with
    its source (``labels.query.label_fields``), and the sweep: transaction, asset, exact
    amount, time and, for one transfer of an account chain, its ``(kind, position)``."""
    from sanctionwatch.labels.query import label_fields

    kind_position = {} if in_tx is None else {"kind": in_tx[0], "position": in_tx[1]}
    return {
        "address": wallet[1],
        "chain": wallet[0],
        **label_fields(label),
        "tx_hash": tx_hash,
        **kind_position,
        "asset": asset,
        "amount": amount,
        "block_time": block_time,
    }
