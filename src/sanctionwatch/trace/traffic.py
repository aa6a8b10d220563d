"""A swap service's traffic, as link matching reads it to calibrate the service's rate:
its deposits and payouts in a time window, from the trace index for the wallets on the
index's chains (a binary search per wallet) and from the store for the others.

On the 50M scenario the store's scans for an exchange's deposits (``to_id`` is not the sort
key) took half of a trace, and a busy exchange pays out ~10^5 times in the window: payouts
come as columns (``Payouts``), read only near the deposits that matter (``spans``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.chain.chains import CHAINS, is_utxo
from sanctionwatch.store.db import Store, sql_literal
from sanctionwatch.trace.arrays import expand_ranges, member_mask
from sanctionwatch.trace.index import MASK32, TraceIndex


def spans(starts: list[int], window: timedelta) -> tuple[list[int], list[int]]:
    """The union of ``[start, start + window]`` (epoch seconds) as disjoint spans, in order.

    All have the same length, so in start order a span goes on while the next start is at
    most the last one's start + window: one numpy pass (link matching asks with ~10^4
    starts, 17 times in the 50M analyst trace)."""
    span = int(window.total_seconds())
    ordered = np.sort(np.asarray(starts, dtype=np.int64))
    if not len(ordered):
        return [], []
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] > ordered[:-1] + span
    first = np.flatnonzero(new)
    last = np.append(first[1:], len(ordered)) - 1
    return ordered[first].tolist(), (ordered[last] + span).tolist()


@dataclass(slots=True)
class Deposits:
    """A service's deposits as columns, by time: chain (codes into ``chains``), asset id,
    amount, epoch seconds."""

    chains: list[str]
    chain: npt.NDArray[np.int64]
    asset: npt.NDArray[np.int64]
    amount: npt.NDArray[np.float64]
    ts: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ts)

    def rows(self) -> list[tuple[str, int, float, int]]:
        """(chain, asset id, amount, epoch seconds) per deposit."""
        return list(
            zip(
                [self.chains[c] for c in self.chain.tolist()],
                self.asset.tolist(),
                self.amount.tolist(),
                self.ts.tolist(),
                strict=True,
            )
        )


class _DepositColumns:
    """Collects ``Deposits`` part by part."""

    def __init__(self) -> None:
        self.chains: list[str] = []
        self.parts: list[tuple[npt.NDArray[Any], ...]] = []

    def add(
        self,
        chain: str | list[str],  # one for all rows, or one per row
        asset: npt.ArrayLike,
        amount: npt.ArrayLike,
        ts: npt.ArrayLike,
    ) -> None:
        names = [chain] if isinstance(chain, str) else list(dict.fromkeys(chain))
        self.chains += [name for name in names if name not in self.chains]
        ts = np.asarray(ts, dtype=np.int64)
        code = (
            np.full(len(ts), self.chains.index(chain), dtype=np.int64)
            if isinstance(chain, str)
            else np.array([self.chains.index(name) for name in chain], dtype=np.int64)
        )
        self.parts.append(
            (code, np.asarray(asset, dtype=np.int64), np.asarray(amount, dtype=np.float64), ts)
        )

    def done(self, limit: int) -> Deposits:
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return Deposits([], empty, empty, np.zeros(0), empty)
        chain, asset, amount, ts = (np.concatenate(c) for c in zip(*self.parts, strict=True))
        first = np.argsort(ts, kind="stable")[:limit]
        return Deposits(self.chains, chain[first], asset[first], amount[first], ts[first])


@dataclass(slots=True)
class Payouts:
    """A service's payouts as columns (a busy exchange pays ~10^5 times in the window: as
    Python tuples, building and grouping them was most of link matching's time).

    ``ref`` is the store rowid of an account transfer or the vout of a UTXO output; ``asset``
    is -1 for UTXO outputs; ``tx`` and ``t`` (transaction hash, time) are None for account
    payouts read from the index (``ServiceTraffic.details`` gives them for the ones picked);
    ``at`` is the index position of a payout read from the index, else -1."""

    chains: list[str]  # the chain names ``chain`` codes refer to
    utxo: npt.NDArray[np.bool_]
    chain: npt.NDArray[np.int64]
    ref: npt.NDArray[np.int64]
    asset: npt.NDArray[np.int64]
    amount: npt.NDArray[np.float64]
    ts: npt.NDArray[np.int64]  # epoch seconds
    tx: npt.NDArray[np.object_]
    t: npt.NDArray[np.object_]
    at: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ts)

    def row(self, k: int) -> tuple[Any, ...]:
        """(kind, chain, tx, rowid or vout, asset id, amount, time, epoch seconds)."""
        return (
            "utxo" if self.utxo[k] else "account",
            self.chains[int(self.chain[k])],
            self.tx[k],
            int(self.ref[k]),
            int(self.asset[k]),
            float(self.amount[k]),
            self.t[k],
            int(self.ts[k]),
        )

    def rows(self) -> list[tuple[Any, ...]]:
        return [self.row(k) for k in range(len(self))]


class _PayoutColumns:
    """Collects ``Payouts`` part by part."""

    def __init__(self) -> None:
        self.chains: list[str] = []
        self.parts: list[tuple[Any, ...]] = []

    def add(
        self,
        utxo: bool,
        chain: str | list[str],  # one for all rows, or one per row
        ref: npt.ArrayLike,
        asset: npt.ArrayLike,
        amount: npt.ArrayLike,
        ts: npt.ArrayLike,
        tx: list[Any] | None = None,
        t: list[Any] | None = None,
        at: npt.ArrayLike | None = None,
    ) -> None:
        ts = np.asarray(ts, dtype=np.int64)
        if not len(ts):
            return
        count = len(ts)
        for name in [chain] if isinstance(chain, str) else dict.fromkeys(chain):
            if name not in self.chains:
                self.chains.append(name)
        code = (
            np.full(count, self.chains.index(chain), dtype=np.int64)
            if isinstance(chain, str)
            else np.array([self.chains.index(name) for name in chain], dtype=np.int64)
        )
        text = np.full(count, None, dtype=object)
        when = np.full(count, None, dtype=object)
        if tx is not None:
            text[:] = tx
        if t is not None:
            when[:] = t
        self.parts.append(
            (
                np.full(count, utxo, dtype=bool),
                code,
                np.asarray(ref, dtype=np.int64),
                np.asarray(asset, dtype=np.int64),
                np.asarray(amount, dtype=np.float64),
                ts,
                text,
                when,
                np.full(count, -1, dtype=np.int64) if at is None else np.asarray(at, np.int64),
            )
        )

    def done(self) -> Payouts:
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            none = np.zeros(0, dtype=object)
            return Payouts(
                [],
                np.zeros(0, dtype=bool),
                empty,
                empty,
                empty,
                np.zeros(0),
                empty,
                none,
                none,
                empty,
            )
        columns = [np.concatenate(column) for column in zip(*self.parts, strict=True)]
        return Payouts(self.chains, *columns)


class ServiceTraffic:
    """A service's deposits and payouts: from the trace index for the wallets on its chain
    (a binary search per wallet), from the store for the others. On the 50M scenario the
    store's scans for an exchange's deposits (``to_id`` is not the sort key) took half
    of a trace."""

    def __init__(
        self,
        store: Store,
        index: TraceIndex,
        ids: list[int],
        chain_of: dict[int, str] | None = None,
    ) -> None:
        """``chain_of``: each wallet's chain, when the caller has read it already."""
        self.con = store.con
        self.index = index
        self.ids = ids
        if chain_of is None:
            chain_of = {
                int(k): str(v)
                for k, v in self.con.execute(
                    "SELECT id, chain FROM addresses WHERE id IN (SELECT unnest(?::BIGINT[]))",
                    [ids],
                ).fetchall()
            }
        self.chain_of = chain_of
        dense = index.dense(ids) if index.n else np.full(len(ids), -1, dtype=np.int64)
        held = [
            (a, int(d))
            for a, d in zip(ids, dense, strict=True)
            if d >= 0 and self._indexed_chain(self.chain_of.get(int(a), ""))
        ]
        self.held = held  # (address id, dense id) of the wallets the index answers for
        answered = {a for a, _ in held}
        self.rest = [a for a in ids if a not in answered]
        self._stored: dict[str, tuple[bool, bool]] = {}  # see ``_store_holds``
        self.dense_all = np.array([d for d in dense if d >= 0], dtype=np.int64)

    @property
    def rest_chains(self) -> str:
        """The chains of the wallets the store answers for, as SQL constants: DuckDB skips
        the row groups of other chains by their statistics (a store of one chain answers
        for the wallets of others without a scan)."""
        return _sql_texts(sorted({self.chain_of.get(int(a), "") for a in self.rest}))

    def _store_holds(self) -> tuple[bool, bool]:
        """Whether the store holds any account transfers, and any spent UTXO outputs, on the
        chains of the wallets it answers for: asked once per set of chains (two probes the
        row groups' statistics answer), so that a store without those chains is not asked
        four times per call (each a ~1.5 ms query that finds nothing)."""
        chains = self.rest_chains
        if chains not in self._stored:
            rows = self.con.execute(
                f"""
                SELECT EXISTS (SELECT 1 FROM transfers WHERE chain IN ({chains})),
                       EXISTS (SELECT 1 FROM utxo_inputs WHERE chain IN ({chains}))
                """
            ).fetchall()  # not fetchone: see ``details``
            self._stored[chains] = (bool(rows[0][0]), bool(rows[0][1]))
        return self._stored[chains]

    def _indexed_chain(self, chain: str) -> bool:
        if self.index.chain is not None:
            return chain == self.index.chain
        return chain in CHAINS and not is_utxo(chain)

    def deposits(self, lo: datetime, hi: datetime, limit: int) -> Deposits:
        """The first ``limit`` transfers into the wallets from others in [lo, hi], by time
        (ties: in the order read, the store's by rowid), as columns (a trace reads ~10^5, 17
        times at 50M: as a tuple each, building and sorting them was ~75 ms of a trace)."""
        parts = _DepositColumns()
        t_lo, t_hi = self.index.to_t(lo), self.index.to_t(hi)
        index = self.index
        for address, d in self.held:
            window = index.inflows_between(d, t_lo, t_hi)
            # in time order: the first ``limit`` of all wallets are among each one's first;
            # a hot wallet has ~10^6 inflows in the window, so they are read in growing runs
            # until ``limit`` from others are found
            size = 4 * limit
            while True:
                positions = window[:size]
                outside = ~member_mask(index.key[positions] >> 32, self.dense_all)
                if size >= len(window) or int(outside.sum()) >= limit:
                    break
                size *= 4
            outside &= np.cumsum(outside) <= limit
            kept = positions[outside]
            parts.add(
                self.chain_of[int(address)],
                index.asset[kept],
                index.amount[kept],
                (index.key[kept] & MASK32) + index.t0,
            )
        if self.rest and self._store_holds()[0]:
            rows = self.con.execute(
                f"""
                SELECT chain, asset_id, amount::DOUBLE, epoch(block_time)::BIGINT
                FROM transfers
                WHERE chain IN ({self.rest_chains}) AND to_id IN (SELECT unnest(?::BIGINT[]))
                  AND from_id NOT IN (SELECT unnest(?::BIGINT[]))
                  AND block_time BETWEEN ? AND ? AND amount > 0 AND success IS NOT FALSE
                  AND kind <> 'output'
                ORDER BY block_time, rowid LIMIT ?
                """,
                [self.rest, self.ids, lo, hi, limit],
            ).fetchall()
            if rows:
                chain, asset, amount, ts = (list(column) for column in zip(*rows, strict=True))
                parts.add([str(c) for c in chain], asset, amount, ts)
        return parts.done(limit)

    def payouts(
        self,
        lo: datetime,
        hi: datetime,
        spans: tuple[list[int], list[int]],
        skip: tuple[str, int] | None = None,
    ) -> Payouts:
        """Transfers and UTXO outputs paid by the wallets to others in [lo, hi] and in one
        of ``spans`` (epoch seconds, from ``spans``), in order: the index's wallets, the
        store's account transfers by rowid, the UTXO outputs. ``skip``: a (chain, asset id)
        whose account transfers are left out (a caller that cannot use them).

        Account transfers of the store's wallets in two steps: rowids and times (a numpy
        fetch), then the rows of those in a span (a rowid join; a join on the spans in SQL
        was four times slower)."""
        begins = np.asarray(spans[0], dtype=np.int64)
        ends = np.asarray(spans[1], dtype=np.int64)

        def in_spans(ts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
            at = np.searchsorted(begins, ts, side="right") - 1
            return (at >= 0) & (ts <= ends[np.maximum(at, 0)])

        index = self.index
        t_lo, t_hi = self.index.to_t(lo), self.index.to_t(hi)
        found = _PayoutColumns()
        # the spans within [lo, hi] as index times [start, stop): a hot wallet's outflows
        # are read only there (each wallet's are sorted by time: a binary search per span)
        first = np.clip(np.maximum(begins - index.t0, t_lo), 0, 2**32)
        stop = np.clip(np.minimum(ends - index.t0, t_hi) + 1, 0, 2**32)
        stop = np.maximum(stop, first)
        for address, d in self.held:
            row = np.int64(d) << 32
            positions = expand_ranges(
                np.searchsorted(index.key, row + first, "left").astype(np.int64),
                np.searchsorted(index.key, row + stop, "left").astype(np.int64),
            )
            if skip is not None and skip[0] == self.chain_of[int(address)]:
                positions = positions[index.asset[positions] != skip[1]]
            positions = positions[~member_mask(index.dst[positions], self.dense_all)]
            ts = (index.key[positions] & MASK32) + index.t0
            # transaction hash and time are looked up for the payouts picked (``details``)
            found.add(
                False,
                self.chain_of[int(address)],
                index.rowid[positions],
                index.asset[positions],
                index.amount[positions],
                ts,
                at=positions,
            )
        if self.rest and self._store_holds()[0]:
            candidates = self.con.execute(
                f"""
                SELECT rowid, epoch(block_time)::BIGINT AS ts
                FROM transfers
                WHERE chain IN ({self.rest_chains}) AND from_id IN (SELECT unnest(?::BIGINT[]))
                  AND to_id NOT IN (SELECT unnest(?::BIGINT[]))
                  AND block_time BETWEEN ? AND ? AND amount > 0 AND success IS NOT FALSE
                  AND kind <> 'output'
                """,
                [self.rest, self.ids, lo, hi],
            ).fetchnumpy()
            ts = np.asarray(candidates["ts"], dtype=np.int64)
            rowids = np.sort(np.asarray(candidates["rowid"], dtype=np.int64)[in_spans(ts)])
            rows = []
            if len(rowids):
                rows = self.con.execute(
                    """
                    SELECT rowid, chain, tx_hash, asset_id, amount::DOUBLE,
                           block_time, epoch(block_time)::BIGINT
                    FROM transfers WHERE rowid IN (SELECT unnest(?::BIGINT[]))
                    ORDER BY rowid
                    """,
                    [rowids.tolist()],
                ).fetchall()
            if skip is not None:
                rows = [r for r in rows if (str(r[1]), int(r[3])) != skip]
            if rows:
                columns = (list(column) for column in zip(*rows, strict=True))
                rid, c, tx, asset, amount, t, ts_ = columns
                found.add(False, [str(x) for x in c], rid, asset, amount, ts_, tx, t)
        outputs: list[tuple[Any, ...]] = []
        utxo_wallets = [a for a in self.rest if is_utxo(self.chain_of.get(int(a), ""))]
        if utxo_wallets and self._store_holds()[1]:  # only a wallet on a UTXO chain spends
            outputs = self.con.execute(
                f"""
                SELECT o.chain, o.txid, o.vout, o.value::DOUBLE, o.block_time,
                       epoch(o.block_time)::BIGINT
                FROM utxo_outputs o
                WHERE o.chain IN ({self.rest_chains})
                  AND o.block_time BETWEEN ? AND ? AND o.address_id IS NOT NULL
                  AND o.address_id NOT IN (SELECT unnest(?::BIGINT[]))
                  AND o.txid IN (SELECT txid FROM utxo_inputs
                                 WHERE chain IN ({self.rest_chains})
                                   AND address_id IN (SELECT unnest(?::BIGINT[]))
                                   AND block_time BETWEEN ? AND ?)
                ORDER BY o.rowid
                """,
                [lo, hi, self.ids, utxo_wallets, lo, hi],
            ).fetchall()
        if outputs:
            keep = in_spans(np.array([o[5] for o in outputs], dtype=np.int64))
            kept = [o for o, k in zip(outputs, keep.tolist(), strict=True) if k]
            if kept:
                c, txid, vout, value, t, ts_ = (list(column) for column in zip(*kept, strict=True))
                minus = [-1] * len(kept)
                found.add(True, [str(x) for x in c], vout, minus, value, ts_, txid, t)
        return found.done()

    def details(self, rowid: int) -> tuple[str, datetime]:
        """Transaction hash and time of a transfer (payouts from the index lack them)."""
        # fetchall: fetchone leaves the result open, and DuckDB then refuses to register a
        # table on the connection (``store.values_query``) until the next query
        rows = self.con.execute(
            "SELECT tx_hash, block_time FROM transfers WHERE rowid = ?", [rowid]
        ).fetchall()
        assert rows, f"transfer rowid {rowid} from the index is not in the store"
        return str(rows[0][0]), rows[0][1]


def _sql_texts(texts: list[str]) -> str:
    """SQL string literals, comma-separated (``''`` for an empty list: matches nothing)."""
    return ", ".join(map(sql_literal, texts)) or "''"


def epoch(when: datetime) -> int:
    return (
        int(when.replace(tzinfo=UTC).timestamp()) if when.tzinfo is None else int(when.timestamp())
    )
