"""An in-memory CSR index of account-model transfers for time-respecting traces.

Why: MEASURED.md shows a numpy CSR with ``key = src << 32 | time`` and one ``searchsorted``
per frontier is 10x faster than SQL frontier loops. Layout (``n`` transfers, ``m`` addresses):

- addresses are renumbered densely (``ids[dense] = addresses.id``, int32 while every id is
  < 2**31, else int64), so int32 suffices for ``dst``;
- transfers sorted by (sender, time, rowid): ``key`` int64 = ``dense_from << 32 | t`` where
  ``t`` is seconds since ``t0`` (int32 range: 68 years), ``dst`` int32, ``asset`` int8 while
  every asset id fits (else int16, else int32), ``amount`` float64 (base units; tracing
  arithmetic, not accounting), ``rowid``;
- inflows: ``in_order`` int32 (positions sorted by (receiver, time, position)) and
  ``in_offsets``; where each address's outflows start in ``key``: ``out_offsets`` (both
  int32 while there are < 2**31 transfers).

``rowid`` is DuckDB's rowid of the ``transfers`` row: the store is append-only (ingest never
deletes or updates), so it is stable; ``n_store_rows`` records the table size at build time
so a stale index can be detected. Stored as uint32 while the table has < 2**32 rows.

About 29 bytes per transfer (30 with int16 asset ids, 32 with int32: a store of more than
32,767 assets) plus 8 bytes per address for the two offsets, and the ids: 4 bytes per
address, or runs of consecutive ids (``RunIds``) where one chain's addresses were numbered
in long runs, as ingest does (11,688 runs, 183 KB, for 1.79M addresses at 10M). Every array
counted: 31.1 bytes per transfer on the 10M scenario (3.8 transfers per address), 30.6 on
the 50M one. Until 2026-11-27 the out-offsets were a cache beside the index (int64) that
the figure left out, and the ids an array (32.1 and 31.35 counting both). Columns are
fetched in the narrowest type the table's bounds allow (before, asset ids past 32,767
wrapped around in int16).

Positions of store transfers (``positions_of``: link legs found in the store) are searched by
sender and time, then rowid: no rowid-ordered copy of the index (8 bytes per transfer more,
and a 6 s stable argsort at 45M transfers, which an earlier version built on first use).

Build (2 cores, 10M scenario: 6.8M indexed transfers, 1.8M addresses): 0.6-0.7 s (0.7-1.8 s
as the first build of a process; 6.4-7.6 s before), 0.055 s at 1M. Dense ids come from a
presence bitmap and its running count over the id range (0.05 s; ``np.unique`` took 3.4 s
and the two ``searchsorted`` 1.3 s); the inflow order from an LSD radix sort of receiver
and time (``_kernels.radix_positions``: 1.3-1.5 s at 34M transfers, where two ``np.sort``
of keys packed with the position and two gathers took 6.5-7.6 s on a day numpy's sort ran
at 2.7 s per 34M int64, 2.5-3.0 s on the earlier days; ``lexsort`` slower still). The 50M
build, old and new code alternated in fresh processes: 10.9-14.2 -> 5.8-7.0 s, the same
index. DuckDB computing the dense ids (a join to
ranked distinct ids: 1.3 s; ``dense_rank``) and Arrow fetches were measured slower than
``con.sql(...).fetchnumpy()`` plus numpy. The transfers are fetched unordered and put in
sender order by a counting sort (``_in_sender_order``): at 34M transfers (50M scenario) a
build took 3.2-3.5 s of CPU and a 4.9 GB peak, against 4.2-4.3 s and 5.9 GB with DuckDB's
ORDER BY; its wall time here (3.4-6.5 s) is mostly the VM faulting in fresh memory.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.chain.chains import UTXO_CHAINS
from sanctionwatch.store.db import Store, sql_literal
from sanctionwatch.trace.arrays import distinct, expand_ranges

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
MASK32 = np.int64(0xFFFFFFFF)
Assets = npt.NDArray[np.int8] | npt.NDArray[np.int16] | npt.NDArray[np.int32]
_ASSET_TYPES = (("TINYINT", 8), ("SMALLINT", 16))
# Dense ids by a presence bitmap over [0, max id] while the range is at most this many times
# the number of transfers (plus a floor); beyond it (a small chain in a big store) by sorting.
_BITMAP_IDS_PER_TRANSFER = 8
_BITMAP_MIN_RANGE = 1 << 20


def as_utc(when: datetime) -> datetime:
    """``when`` in UTC; a naive time is taken as UTC, as the store keeps its times."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@dataclass(slots=True)
class RunIds:
    """Sorted distinct store ids as runs of consecutive ids: ``ids[d] = d + shift`` of the
    run d is in. Ingest numbers addresses in order of first appearance, file by file, so one
    chain's addresses come in long runs (the 10M scenario: 1.79M addresses in 11,688 runs):
    a few hundred KB where the array takes 4 bytes per address. ``compact_ids`` picks it
    when it is at most a quarter of the array's size. Gives what the trace uses of an array:
    ``len``, ``ids[d]`` and ``ids[positions]`` (int64), ``np.asarray(ids)``, ``nbytes``."""

    starts: I64  # dense position where each run starts; starts[0] == 0
    shift: I64  # ids[d] - d within each run (non-decreasing)
    size: int

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, at: Any) -> Any:
        where = np.asarray(at, dtype=np.int64)
        return where + self.shift[np.searchsorted(self.starts, where, side="right") - 1]

    def __array__(self, dtype: Any = None, copy: Any = None) -> I64:
        return np.asarray(self[np.arange(self.size, dtype=np.int64)], dtype=dtype)

    @property
    def dtype(self) -> np.dtype[np.int64]:
        return np.dtype(np.int64)

    @property
    def nbytes(self) -> int:
        return int(self.starts.nbytes + self.shift.nbytes)

    def positions(self, wanted: I64) -> I64:
        """Dense positions of store ids (-1 where not among them)."""
        if not self.size:
            return np.full(wanted.shape, -1, dtype=np.int64)
        first = self.starts + self.shift  # the first id of each run
        run = np.maximum(np.searchsorted(first, wanted, side="right") - 1, 0)
        d = wanted - self.shift[run]
        ends = np.append(self.starts[1:], self.size)
        ok = (wanted >= first[0]) & (d >= self.starts[run]) & (d < ends[run])
        return np.where(ok, d, -1).astype(np.int64)


def compact_ids(ids: I32 | I64) -> I32 | I64 | RunIds:
    """``ids`` (sorted, distinct) as ``RunIds`` when that is at most a quarter of its size."""
    if not len(ids):
        return ids
    shift = ids.astype(np.int64) - np.arange(len(ids), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, shift[1:] != shift[:-1]]).astype(np.int64)
    if 16 * len(starts) * 4 > ids.nbytes:
        return ids
    return RunIds(starts, shift[starts], len(ids))


@dataclass(slots=True)
class TraceIndex:
    """Transfers of one chain (or all) as CSR arrays; build with ``TraceIndex.build``."""

    chain: str | None
    t0: int  # epoch seconds of t == 0
    ids: I32 | I64 | RunIds  # dense id -> addresses.id (sorted); int32 while every id < 2**31
    key: I64  # dense_from << 32 | t, sorted
    dst: I32
    asset: Assets  # int8 while every asset id fits (else int16, else int32)
    amount: F64
    rowid: npt.NDArray[np.uint32] | I64
    in_order: I32 | I64  # int64 only from 2**31 transfers on
    in_offsets: I32 | I64  # int32 while there are < 2**31 transfers
    n_store_rows: int
    build_seconds: float = 0.0
    # where each address's outgoing transfers start in ``key`` (a lookup instead of two
    # binary searches per expanded address); from ``key`` when not given
    out_offsets: I32 | I64 = field(default_factory=lambda: np.zeros(1, dtype=np.int32))
    # seconds to check and map it, when it came from the cache (``index_cache``)
    load_seconds: float | None = None

    def __post_init__(self) -> None:
        if len(self.out_offsets) != len(self.ids) + 1:
            self.out_offsets = _offsets(self.key, len(self.ids), len(self.key), shift=32)

    # -- construction -----------------------------------------------------------------
    @classmethod
    def build(cls, store: Store, chain: str | None = None) -> TraceIndex:
        """Load successful transfers with amount > 0 and both ends known, and index them.

        ``chain`` None indexes every account-model chain; UTXO chains are traced output by
        output (``trace.utxo``), so their convenience ``output`` rows are left out. Transfers
        of one sender at the same second are ordered by rowid, so a build is reproducible.
        """
        clock = time.perf_counter()
        where = "success IS NOT FALSE AND amount > 0 AND from_id IS NOT NULL AND to_id IS NOT NULL"
        params: list[object] = []
        if chain is not None:
            where += " AND chain = ?"
            params.append(chain)
        else:
            # constants, not a list parameter: DuckDB plans ``NOT IN (SELECT unnest(?))`` as a
            # join, whose output is not in the table's order (see ``_in_sender_order``)
            where += f" AND chain NOT IN ({', '.join(map(sql_literal, sorted(UTXO_CHAINS)))})"
        n_store_rows = int(store.scalar("SELECT count(*) FROM transfers"))
        # the narrowest type each column fits (bounds of the whole table: DuckDB answers from
        # its statistics in ~1 ms): fresh memory is slow to fault in (~1 s per GB on the
        # 2-core VM), and at 34M transfers this fetches 0.5 GB less than all-64-bit
        bounds = store.con.execute(
            "SELECT min(from_id), min(to_id), max(from_id), max(to_id), min(asset_id), "
            "max(asset_id) FROM transfers"
        ).fetchall()[0]
        lo_from, lo_to, hi_from, hi_to, asset_lo, asset_hi = (
            int(b) if b is not None else 0 for b in bounds
        )
        id_lo, id_hi = min(lo_from, lo_to), max(hi_from, hi_to)
        id_type = "INTEGER" if _fits(id_lo, id_hi, 32) else "BIGINT"
        asset_type = next(
            (name for name, bits in _ASSET_TYPES if _fits(asset_lo, asset_hi, bits)), "INTEGER"
        )
        # con.sql(...).fetchnumpy(): at 6.8M rows 0.33 s, execute().fetchnumpy() 0.5 s, Arrow
        # (to_arrow_table, then to_numpy) 0.36 s. Unordered: DuckDB's ORDER BY took 2.6-3.3 s
        # at 34M rows, the fetch 0.6-0.8 s and the order here 0.4 s (``_in_sender_order``).
        cols: dict[str, Any] = store.con.sql(
            f"SELECT rowid::{'UINTEGER' if n_store_rows < 2**32 else 'BIGINT'} AS rid, "
            f"from_id::{id_type} AS from_id, to_id::{id_type} AS to_id, "
            "epoch(block_time)::BIGINT AS t, "
            f"asset_id::{asset_type} AS asset_id, "
            f"amount::DOUBLE AS amount FROM transfers WHERE {where}",
            params=params,
        ).fetchnumpy()
        ids, src, dst = _dense_ids(np.asarray(cols.pop("from_id")), np.asarray(cols.pop("to_id")))
        t = np.asarray(cols.pop("t"), dtype=np.int64)
        rid = np.asarray(cols.pop("rid"))
        order = _in_sender_order(src, t, rid, len(ids))
        src, dst, t, rid = src[order], dst[order], t[order], rid[order]
        t0 = int(t.min()) if len(t) else 0
        t -= t0
        if len(t) and int(t.max()) >= 2**31:
            raise ValueError("transfers span more than 68 years; the index stores int32 seconds")
        key = src.astype(np.int64)
        del src
        key <<= 32
        key |= t
        rowid: npt.NDArray[np.uint32] | I64 = rid  # uint32 while the table has < 2**32 rows
        del rid
        asset: Assets = np.asarray(cols.pop("asset_id"))[order]
        if asset.dtype != np.int8 and (not len(asset) or _fits(asset.min(), asset.max(), 8)):
            asset = asset.astype(np.int8)  # the table's bounds are wider than this chain's
        elif asset.dtype == np.int32 and _fits(asset.min(), asset.max(), 16):
            asset = asset.astype(np.int16)
        amount = np.asarray(cols.pop("amount"), dtype=np.float64)[order]
        del order
        in_order = _positions_sorted_by(dst, t)  # after the narrowing above: a lower peak
        del t
        in_offsets = _offsets(dst, len(ids), len(key))
        index = cls(
            chain=chain,
            t0=t0,
            ids=compact_ids(ids),
            key=key,
            dst=dst,
            asset=asset,
            amount=amount,
            rowid=rowid,
            in_order=in_order,
            in_offsets=in_offsets,
            n_store_rows=n_store_rows,
        )
        index.build_seconds = time.perf_counter() - clock
        return index

    # -- sizes ------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.key)

    @property
    def nbytes(self) -> int:
        arrays = (self.ids, self.key, self.dst, self.asset, self.amount, self.rowid)
        offsets = (self.in_order, self.in_offsets, self.out_offsets)
        return sum(a.nbytes for a in (*arrays, *offsets))

    def bytes_per_transfer(self) -> float:
        return self.nbytes / max(self.n, 1)

    def facts(self) -> dict[str, Any]:
        """The ``index`` block of a trace's and an exposure's summary: its size and how long
        it took to have (``load_seconds`` None: built in this run, not from the cache)."""
        return {
            "transfers": self.n,
            "build_seconds": round(self.build_seconds, 4),
            "load_seconds": None if self.load_seconds is None else round(self.load_seconds, 4),
        }

    # -- lookups ----------------------------------------------------------------------
    def dense(self, address_ids: npt.ArrayLike) -> I64:
        """Dense ids of store address ids; -1 for addresses without indexed transfers."""
        wanted = np.asarray(address_ids, dtype=np.int64)
        ids = self.ids
        if isinstance(ids, RunIds):
            return ids.positions(wanted)
        if ids.dtype != np.int64:  # search in the ids' own dtype (no int64 copy of ``ids``)
            info = np.iinfo(ids.dtype)
            inside = (wanted >= info.min) & (wanted <= info.max)
            wanted = np.where(inside, wanted, 0).astype(ids.dtype)
        else:
            inside = np.ones(wanted.shape, dtype=bool)
        pos = np.searchsorted(ids, wanted)
        pos_c = np.minimum(pos, max(len(ids) - 1, 0))
        found = inside & (pos < len(ids)) & (ids[pos_c] == wanted) if len(ids) else pos < 0
        return np.where(found, pos_c, -1).astype(np.int64)

    def src(self, positions: npt.ArrayLike) -> I64:
        return (self.key[np.asarray(positions, dtype=np.int64)] >> 32).astype(np.int64)

    def t(self, positions: npt.ArrayLike) -> I64:
        return (self.key[np.asarray(positions, dtype=np.int64)] & MASK32).astype(np.int64)

    def to_t(self, when: datetime) -> int:
        """Index time (seconds since t0) of a datetime; naive datetimes are UTC."""
        return int(as_utc(when).timestamp()) - self.t0

    def out_ranges(self, nodes: I64, after: I64) -> tuple[I64, I64]:
        """[lo, hi) of each node's outgoing transfers at index time >= ``after``."""
        lo = np.searchsorted(self.key, (nodes << 32) | np.maximum(after, 0), side="left")
        hi = np.searchsorted(self.key, (nodes + 1) << 32, side="left")
        return lo.astype(np.int64), hi.astype(np.int64)

    def out_degree(self, nodes: I64) -> I64:
        lo = np.searchsorted(self.key, nodes << 32, side="left")
        hi = np.searchsorted(self.key, (nodes + 1) << 32, side="left")
        return (hi - lo).astype(np.int64)

    def in_degree(self, nodes: I64) -> I64:
        return (self.in_offsets[nodes + 1] - self.in_offsets[nodes]).astype(np.int64)

    def positions_of(
        self, senders: npt.ArrayLike, times: npt.ArrayLike, rowids: npt.ArrayLike
    ) -> I64:
        """Index positions of store transfers given by sender (store address id), time
        (``epoch(block_time)::BIGINT``, as the build reads it) and rowid; -1 for a transfer
        not in the index. A binary search for the sender's transfers in that second, then
        its rowid among them: no rowid-ordered copy of the index (8 bytes per transfer, and
        6 s to sort at 45M transfers)."""
        rid = np.asarray(rowids, dtype=np.int64)
        out = np.full(len(rid), -1, dtype=np.int64)
        if not len(rid) or not self.n:
            return out
        dense = self.dense(senders)
        t = np.asarray(times, dtype=np.int64) - self.t0
        ok = (dense >= 0) & (t >= 0) & (t < 2**32)
        key = (np.where(ok, dense, 0) << 32) | np.where(ok, t, 0)
        lo = np.searchsorted(self.key, key, side="left")
        hi = np.searchsorted(self.key, key + 1, side="left")
        for k in np.flatnonzero(ok & (hi > lo)).tolist():
            a, b = int(lo[k]), int(hi[k])
            hit = np.flatnonzero(self.rowid[a:b] == rid[k])
            if len(hit):
                out[k] = a + int(hit[0])
        return out

    def inflows(self, node: int) -> I32 | I64:
        """Positions of every transfer received by ``node``, in time order."""
        return self.in_order[self.in_offsets[node] : self.in_offsets[node + 1]]

    def inflows_between(self, node: int, t_lo: int, t_hi: int) -> I32 | I64:
        """Positions of the transfers ``node`` received at index times in [t_lo, t_hi], in
        time order (a binary search: a hot wallet receives ~10^6)."""
        inflows = self.inflows(node)

        def time_of(position: int) -> int:
            return int(self.key[position] & MASK32)

        a = bisect.bisect_left(inflows, t_lo, key=time_of)
        return inflows[a : bisect.bisect_right(inflows, t_hi, lo=a, key=time_of)]

    def inflows_between_many(
        self, nodes: npt.ArrayLike, t_lo: npt.ArrayLike, t_hi: npt.ArrayLike
    ) -> tuple[I64, I64]:
        """``inflows_between`` of many (node, t_lo, t_hi) at once: (which query, position)
        pairs, by query, each query's inflows in time order."""
        from sanctionwatch.trace._kernels import inflow_windows

        nodes = np.asarray(nodes, dtype=np.int64)
        lo, hi = inflow_windows(
            self.key,
            self.in_order,
            self.in_offsets,
            nodes,
            np.broadcast_to(np.asarray(t_lo, dtype=np.int64), nodes.shape),
            np.broadcast_to(np.asarray(t_hi, dtype=np.int64), nodes.shape),
        )
        which = np.repeat(np.arange(len(nodes), dtype=np.int64), hi - lo)
        return which, self.in_order[expand_ranges(lo, hi)].astype(np.int64)


def _fits(low: Any, high: Any, bits: int) -> bool:
    """[low, high] within a signed integer of ``bits`` bits."""
    return bool(int(low) >= -(2 ** (bits - 1)) and int(high) < 2 ** (bits - 1))


def _offsets(ends: npt.NDArray[np.integer[Any]], m: int, n: int, shift: int = 0) -> I32 | I64:
    """Where each of ``m`` addresses' run starts among ``n`` transfers grouped by
    ``ends >> shift`` (m + 1 entries; int32 while n < 2**31)."""
    from sanctionwatch.trace._kernels import run_offsets

    offsets: I32 | I64
    offsets = np.zeros(m + 1, dtype=np.int32) if n < 2**31 else np.zeros(m + 1, dtype=np.int64)
    if len(ends):
        run_offsets(ends, shift, offsets)
    return offsets


def _dense_ids(src_raw: I32 | I64, dst_raw: I32 | I64) -> tuple[I32 | I64, I32, I32]:
    """Sorted distinct store ids of both ends, and both ends renumbered densely into them.

    While the ids are non-negative and their range is not much larger than the data, a
    presence bitmap over [0, max id] and its running count give the same as ``np.unique`` +
    ``searchsorted`` in O(n + max id).
    """
    n = len(src_raw)
    if n == 0:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, empty
    lo = min(int(src_raw.min()), int(dst_raw.min()))
    hi = max(int(src_raw.max()), int(dst_raw.max()))
    ids: I32 | I64
    if lo >= 0 and hi < max(_BITMAP_IDS_PER_TRANSFER * n, _BITMAP_MIN_RANGE):
        from sanctionwatch.trace._kernels import dense_rank, take_into

        ids, rank = dense_rank(src_raw, dst_raw, hi)
        src = np.empty(n, dtype=np.int32)
        dst = np.empty(n, dtype=np.int32)
        take_into(rank, src_raw, src)  # a read at random in ``rank`` each: on both cores
        take_into(rank, dst_raw, dst)
        return (ids.astype(np.int32) if hi < 2**31 else ids), src, dst
    ids = distinct(np.concatenate([src_raw, dst_raw]))
    if lo >= -(2**31) and hi < 2**31:
        ids = ids.astype(np.int32)
    src = np.searchsorted(ids, src_raw).astype(np.int32)
    dst = np.searchsorted(ids, dst_raw).astype(np.int32)
    return ids, src, dst


def _in_sender_order(src: I32, t: I64, rid: npt.NDArray[np.uint32] | I64, m: int) -> I64:
    """Row numbers by (sender, time, rowid): a counting sort by sender (``m`` of them), then
    each sender's rows by (time, rowid), most already in order (``_kernels.sender_order``).
    Rowids past 2**32 (not packable with the time into one key): ``np.lexsort``."""
    if not len(src):
        return np.zeros(0, dtype=np.int64)
    if int(rid.max()) >= 2**32 or int(t.min()) < 0 or int(t.max()) >= 2**31:
        return np.lexsort((rid, t, src)).astype(np.int64)
    from sanctionwatch.trace._kernels import sender_order

    if len(rid) > 1 and bool(np.any(rid[1:] < rid[:-1])):
        # the runs are mostly in order only when the rows come in rowid order, as a filtered
        # scan gives them: a query planned as a join gave them in a few blocks (two
        # descents at 34M rows), and nearly every run then had to be sorted: 28 s instead
        # of ~1 s. A stable argsort of nearly sorted rowids is a few merges (timsort).
        by_rid = np.argsort(rid, kind="stable")
        order: I64 = by_rid[sender_order(src[by_rid], t[by_rid], rid[by_rid], m)]
        return order
    return sender_order(src, t, rid, m)  # type: ignore[no-any-return]


def _positions_sorted_by(major: I32, minor: I64) -> I32 | I64:
    """Positions sorted by (major, minor, position): ``np.lexsort((minor, major))``, faster.

    Both non-negative. An LSD radix sort of ``major << minor bits | minor``
    (``_kernels.radix_positions``: int32 positions); np.lexsort when that key does not fit
    in 63 bits (int32 positions) or the positions do not fit in int32 (int64).
    """
    n = len(major)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    minor_bits = int(minor.max()).bit_length()
    key_bits = int(major.max()).bit_length() + minor_bits
    if key_bits > 63 or n >= 2**31:
        order = np.lexsort((minor, major))
        return order.astype(np.int32) if n < 2**31 else order.astype(np.int64)
    from sanctionwatch.trace._kernels import radix_positions

    out: I32 = radix_positions(major, minor, minor_bits, key_bits)
    return out
