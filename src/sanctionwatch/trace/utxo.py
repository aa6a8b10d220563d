"""Exact per-output taint tracing on UTXO chains (Bitcoin): the counterpart of ``engine``.

Bitcoin moves value output by output: an output is spent whole by one input of a later
transaction, so links are exact, but a transaction pools all its inputs. The tracer starts
from injected tainted outputs (``UtxoInjection``: e.g. the landing output of a THORChain-like
swap, found by the cross-chain linker) and follows them through the spend graph.

Two phases, like ``engine.trace``:

1. **Reach** (vectorized on ``UtxoIndex``): a frontier search over spends. A transaction's
   hop is 1 + the smallest hop of the followed outputs it spends; an injected output has the
   injection's hop (counted from the start of the whole trace, so the lead's hop limit
   applies across chains). Transactions above ``hops`` are not entered. An output is not
   followed when it pays a ``stop`` address (a terminal of that category), an exchange
   deposit address found by the sweep heuristic (below; terminal "exchange"), or an address
   whose degree (outputs received + outputs spent) exceeds ``hub_degree`` ("unlabeled_hub",
   or "hub:<category>" when labelled with a category outside ``stop``).
2. **Simulate** in topological order of the spend DAG (levels: every transaction comes after
   the transactions whose outputs it spends; this is time order, and stays exact for chains
   of transactions inside one block), one vectorized step per level: a transaction pools the
   dirty amounts of its tainted inputs and the taint model (``UTXO_MODELS``) distributes the
   pool over its outputs and its fee.

Deposit-address (sweep) heuristic: an address without a stop label whose every spend pays
only exchange-labelled addresses, none of which itself forwards everything to exchange
addresses (so a launderer paying a *labelled deposit address* is not mistaken for one), is
that exchange's deposit address: the taint it receives is an ``exchange`` terminal there
(stage ``exchange_deposit``), where a freeze request goes, and its sweep is not traced.

Accounting, per trace (the tests check it): ``injected + absorbed = terminals + held + fees
+ below_dust + hop_limit`` where ``fees`` is the dirty part of miner fees, ``held`` the
dirty value of unspent outputs (per address; outputs without an address count under id
-1), ``below_dust`` dirty outputs smaller than ``dust_abs`` (not followed), ``hop_limit``
dirty outputs spent by a transaction above ``hops`` and ``absorbed`` clean value turned
dirty (poison only). An injected output that also receives propagated taint holds at most
its value; only the increase counts as injected.

Stages, per traced transaction (first match wins): ``coinjoin`` (>= ``coinjoin_min_equal``
equal-value outputs, at least that many inputs, >= 2 input addresses), ``peel_chain`` (1-2
inputs, 2 outputs, one >= ``PEEL_RATIO`` x the other and spent by the next such transaction;
>= ``PEEL_MIN_CHAIN`` in a row, every one marked), ``exchange_deposit`` (pays an exchange
terminal), ``split`` (>= 3 tainted outputs), ``consolidation`` (>= 3 inputs, <= 2 outputs),
``transfer``. An output paying an exchange terminal has stage ``exchange_deposit`` unless
its transaction is a CoinJoin. Every tainted output downstream of a CoinJoin is flagged
``after_coinjoin``: there the models disagree most (haircut dilutes by the other
participants' share; poison counts it all), and terminals report that part.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.errors import InputError
from sanctionwatch.labels.query import categories_of_ids, label_fields
from sanctionwatch.store.db import Store
from sanctionwatch.trace.arrays import (
    distinct,
    distinct_counts,
    distinct_inverse,
    expand_ranges,
    find_sorted,
    stable_order,
)
from sanctionwatch.trace.engine import DEFAULT_STOP, UNLABELED_HUB
from sanctionwatch.trace.index import F64, I32, I64
from sanctionwatch.trace.transactions import read_addresses, sweep_fields

B8 = npt.NDArray[np.bool_]
I8 = npt.NDArray[np.int8]

EXCHANGE = "exchange"
PEEL_RATIO = 4.0  # the continuing output of a peel is at least this many times the peel
PEEL_MIN_CHAIN = 3  # peel-shaped transactions in a row that make a peel chain
SPLIT_MIN = 3  # tainted outputs of a fan-out
CONSOLIDATION_MIN = 3  # inputs of a consolidation
NO_HOP = np.int32(2**30)

# address roles (per dense address, per trace)
FOLLOW, STOP, HUB, DEPOSIT = 0, 1, 2, 3


# -- the index ---------------------------------------------------------------------------
@dataclass(slots=True)
class UtxoIndex:
    """One chain's outputs and inputs as numpy arrays, transactions numbered in time order.

    Transactions ``k`` are numbered by (block_time, block_number, first output row); outputs
    are sorted by (k, vout) and inputs by (k, vin), with CSR offsets per transaction. The
    order inside a block does not matter: the simulation follows the spend DAG. An input
    points at the output it spends (``in_out``, -1 when that output is not in the store: its
    value then comes from ``utxo_inputs.value`` and counts as clean); inputs of transactions
    without any output in the store are left out. ``out_rowid`` is the DuckDB rowid of the
    ``utxo_outputs`` row (the store is append-only), used to fetch txids for evidence.
    About 56-64 bytes per output (measured, inputs included).
    """

    chain: str
    tx_time: I64  # epoch seconds per transaction
    out_off: I64  # outputs of tx k: out_off[k]:out_off[k+1]
    in_off: I64
    out_tx: I32
    out_vout: I32
    out_addr: I32  # dense address, -1 without an address
    out_value: I64  # satoshi, exact
    out_rowid: I64
    out_spent: I32  # spending transaction, -1 while unspent
    in_out: I64  # spent output position, -1 when not in the store
    in_addr: I32
    in_value: I64
    addr_ids: I64  # dense -> addresses.id (sorted)
    degree: I64  # outputs received + outputs spent, per dense address
    n_spent: I64  # inputs per dense address
    build_seconds: float = 0.0
    _rowid_order: I64 | None = None

    @classmethod
    def build(cls, store: Store, chain: str) -> UtxoIndex:
        """Load the chain's outputs and inputs (one query) and index them in numpy."""
        clock = time.perf_counter()
        cols = store.con.execute(_INDEX_SQL, [chain, chain, chain]).fetchnumpy()
        side = np.asarray(cols["side"], dtype=np.int8)
        out_rows = np.flatnonzero(side == 0)
        in_rows = np.flatnonzero(side == 1)

        def col(name: str, rows: I64) -> I64:
            return np.asarray(cols[name], dtype=np.int64)[rows]

        # outputs in (time, block, transaction, vout) order; a transaction is known by the
        # rowid of its first output row (``tx``), so no string sort is needed
        t, bn, tx_key, vout = (col(c, out_rows) for c in ("t", "bn", "tx", "n"))
        order = np.lexsort((vout, tx_key, bn, t))
        t, tx_key, vout = t[order], tx_key[order], vout[order]
        rid = col("rid", out_rows)[order]
        out_value = col("value", out_rows)[order]
        out_addr_raw = col("address_id", out_rows)[order]
        n_out = len(order)
        new = np.r_[True, tx_key[1:] != tx_key[:-1]] if n_out else np.zeros(0, dtype=bool)
        out_tx = np.cumsum(new) - 1
        n_tx = int(out_tx[-1]) + 1 if n_out else 0
        tx_time = t[new]
        out_off = np.r_[np.flatnonzero(new), n_out].astype(np.int64)
        # inputs: spending transaction and spent output through the same keys
        keys = tx_key[new]
        key_order = stable_order(keys)
        found = find_sorted(keys[key_order], col("tx", in_rows))
        in_tx = np.where(found >= 0, key_order[np.maximum(found, 0)], -1)
        vin = col("n", in_rows)
        keep = in_tx >= 0
        order_in = np.lexsort((vin[keep], in_tx[keep]))
        in_tx = in_tx[keep][order_in]
        rid_order = stable_order(rid)
        prev = col("prev", in_rows)[keep][order_in]
        at = find_sorted(rid[rid_order], prev)
        in_out = np.where(at >= 0, rid_order[np.maximum(at, 0)], -1).astype(np.int64)
        linked = in_out >= 0
        in_value = col("value", in_rows)[keep][order_in]
        in_value[linked] = out_value[in_out[linked]]
        in_value = np.maximum(in_value, 0)
        in_addr_raw = col("address_id", in_rows)[keep][order_in]
        in_addr_raw[linked] = out_addr_raw[in_out[linked]]
        both = np.concatenate([out_addr_raw, in_addr_raw])
        known = both >= 0
        ids, inverse = distinct_inverse(both[known])
        dense = np.full(len(both), -1, dtype=np.int32)
        dense[known] = inverse
        out_addr, in_addr = dense[:n_out], dense[n_out:]
        degree = np.bincount(out_addr[out_addr >= 0], minlength=len(ids)).astype(np.int64)
        n_spent = np.bincount(in_addr[in_addr >= 0], minlength=len(ids)).astype(np.int64)
        out_spent = np.full(n_out, -1, dtype=np.int32)
        out_spent[in_out[linked]] = in_tx[linked]
        # an output spent twice (inconsistent data) counts for its last spender only
        twice = linked & (out_spent[np.maximum(in_out, 0)] != in_tx)
        in_out[twice] = -1
        index = cls(
            chain=chain,
            tx_time=tx_time,
            out_off=out_off,
            in_off=np.searchsorted(in_tx, np.arange(n_tx + 1)).astype(np.int64),
            out_tx=out_tx.astype(np.int32),
            out_vout=vout.astype(np.int32),
            out_addr=out_addr,
            out_value=out_value,
            out_rowid=rid,
            out_spent=out_spent,
            in_out=in_out,
            in_addr=in_addr,
            in_value=in_value,
            addr_ids=ids,
            degree=degree + n_spent,
            n_spent=n_spent,
        )
        index._rowid_order = rid_order
        index.build_seconds = time.perf_counter() - clock
        return index

    def is_stale(self, store: Store) -> bool:
        """The store has other outputs for this chain than the index (ingest ran since)."""
        count = store.scalar("SELECT count(*) FROM utxo_outputs WHERE chain = ?", [self.chain])
        return int(count) != self.n_outputs

    @property
    def n_outputs(self) -> int:
        return len(self.out_tx)

    @property
    def n_tx(self) -> int:
        return len(self.tx_time)

    @property
    def nbytes(self) -> int:
        arrays = (self.tx_time, self.out_off, self.in_off, self.out_tx, self.out_vout)
        more = (self.out_addr, self.out_value, self.out_rowid, self.out_spent, self.in_out)
        rest = (self.in_addr, self.in_value, self.addr_ids, self.degree, self.n_spent)
        return sum(a.nbytes for a in (*arrays, *more, *rest))

    def dense(self, address_ids: Iterable[int]) -> I64:
        """Dense ids of store address ids; -1 for addresses without outputs or inputs."""
        return find_sorted(self.addr_ids, np.fromiter(address_ids, dtype=np.int64))

    def positions_of_rowids(self, rowids: I64) -> I64:
        """Output positions of ``utxo_outputs`` rowids (-1 when not indexed)."""
        if self._rowid_order is None:
            self._rowid_order = stable_order(self.out_rowid)
        order = self._rowid_order
        at = find_sorted(self.out_rowid[order], rowids)
        return np.where(at >= 0, order[np.maximum(at, 0)] if len(order) else -1, -1)

    def locate(self, store: Store, outpoints: Sequence[tuple[str, int]]) -> I64:
        """Output positions of (txid, vout) pairs (-1 when not in the store)."""
        if not outpoints:
            return np.zeros(0, dtype=np.int64)
        rows = store.con.execute(
            "SELECT o.rowid, w.i FROM utxo_outputs o JOIN (SELECT unnest(?::VARCHAR[]) AS txid, "
            "unnest(?::INTEGER[]) AS vout, unnest(?::BIGINT[]) AS i) w "
            "ON o.txid = w.txid AND o.vout = w.vout WHERE o.chain = ?",
            [
                [tx for tx, _ in outpoints],
                [int(v) for _, v in outpoints],
                list(range(len(outpoints))),
                self.chain,
            ],
        ).fetchall()
        found = np.full(len(outpoints), -1, dtype=np.int64)
        if rows:
            rid = np.array([r[0] for r in rows], dtype=np.int64)
            found[np.array([r[1] for r in rows], dtype=np.int64)] = self.positions_of_rowids(rid)
        return found


# One query for the index: every output (side 0) and every input (side 1), each with the
# rowid of its transaction's first output row as the transaction key (a hash aggregate on
# txid; sorting 64-character strings would cost twice the whole query), inputs also with
# the rowid of the output they spend.
_INDEX_SQL = """
WITH tx AS MATERIALIZED (
    SELECT txid, min(rowid) AS tx FROM utxo_outputs WHERE chain = ? GROUP BY txid
)
SELECT 0 AS side, o.rowid AS rid, tx.tx, o.vout AS n, coalesce(o.address_id, -1) AS address_id,
       o.value::BIGINT AS value, epoch(o.block_time)::BIGINT AS t,
       coalesce(o.block_number, -1) AS bn, -1::BIGINT AS prev
FROM utxo_outputs o JOIN tx USING (txid) WHERE o.chain = ?
UNION ALL
SELECT 1, -1, tx.tx, i.vin, coalesce(i.address_id, -1), coalesce(i.value::BIGINT, -1), -1, -1,
       coalesce(o.rowid, -1)
FROM utxo_inputs i JOIN tx USING (txid)
LEFT JOIN utxo_outputs o
  ON o.chain = i.chain AND o.txid = i.prev_txid AND o.vout = i.prev_vout
WHERE i.chain = ?
"""


# -- inputs and results ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UtxoInjection:
    """A tainted output to start from: ``dirty`` satoshi of output (txid, vout) at ``hop``."""

    txid: str
    vout: int
    dirty: float
    hop: int = 0
    link: dict[str, Any] | None = None  # the cross-chain link that produced it, as evidence


@dataclass(slots=True)
class UtxoEdge:
    """One tainted output: where the taint went, how much, and why (stage)."""

    txid: str
    vout: int
    from_ids: tuple[int, ...]  # addresses of the tainted inputs, largest dirty share first
    to_id: int | None
    value: int  # satoshi, exact
    tainted: float
    block_time: datetime
    hop: int
    stage: str
    stage_evidence: str
    terminal: str | None = None  # the terminal category when the output ends the trace
    after_coinjoin: bool = False  # the taint passed a CoinJoin: amounts depend on the model
    link: dict[str, Any] | None = None  # set on injected outputs

    @property
    def outpoint(self) -> tuple[str, int]:
        return (self.txid, self.vout)


@dataclass(slots=True)
class UtxoTerminal:
    """A terminal address: category, tainted satoshi, why, and the path from an injection."""

    address_id: int
    category: str
    tainted: float
    evidence: str
    path: list[UtxoEdge]  # first tainted arrival, back to the injection (earliest first)
    after_coinjoin: float = 0.0  # part of ``tainted`` that passed a CoinJoin
    swept_to: dict[str, Any] | None = None  # a deposit address: its sweep and hot wallet


@dataclass(slots=True)
class UtxoTrace:
    """Everything a UTXO trace found, with store address ids; ``to_parts`` spells them out."""

    chain: str
    model: str
    asset: str
    injected: float = 0.0
    absorbed: float = 0.0
    fees: float = 0.0
    below_dust: float = 0.0
    hop_limit: float = 0.0
    held: float = 0.0
    terminals: dict[int, float] = field(default_factory=dict)  # address id -> tainted sat
    terminal_info: dict[int, UtxoTerminal] = field(default_factory=dict)
    held_at: dict[int, float] = field(default_factory=dict)  # address id (-1: none) -> sat
    nodes: dict[int, tuple[int, float, float]] = field(default_factory=dict)  # hop, in, held
    edges: list[UtxoEdge] = field(default_factory=list)
    coinjoins: list[dict[str, Any]] = field(default_factory=list)
    peel_chains: list[list[str]] = field(default_factory=list)  # txids, in chain order
    tx_stages: dict[str, tuple[str, str]] = field(default_factory=dict)  # txid -> stage, why
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def terminal_total(self) -> float:
        return float(sum(self.terminals.values()))

    def balance_error(self) -> float:
        """Left minus right side of the accounting identity (0 up to float rounding)."""
        right = self.terminal_total + self.held + self.fees + self.below_dust + self.hop_limit
        return self.injected + self.absorbed - right

    def summary(self) -> dict[str, Any]:
        by_category: dict[str, float] = {}
        for info in self.terminal_info.values():
            by_category[info.category] = by_category.get(info.category, 0.0) + info.tainted
        return {
            "chain": self.chain,
            "model": self.model,
            "asset": self.asset,
            "injected": self.injected,
            "absorbed_clean": self.absorbed,
            "terminals": self.terminal_total,
            "by_category": by_category,
            "untraced": {
                "held": self.held,
                "fees": self.fees,
                "below_dust": self.below_dust,
                "hop_limit": self.hop_limit,
            },
            "balance_error": self.balance_error(),
            "counts": {
                "edges": len(self.edges),
                "nodes": len(self.nodes),
                "terminals": len(self.terminals),
                "coinjoins": len(self.coinjoins),
                "peel_chains": len(self.peel_chains),
            },
            "seconds": dict(self.timings),
        }

    def to_parts(self, store: Store) -> dict[str, Any]:
        """JSON-ready edges, terminals, nodes (the trace JSON's shapes) and coinjoins.

        Address ids become addresses (``transactions.read_addresses``) and labels
        (``labels.query.categories_of_ids``, as a trace's account-model nodes get them).
        Amounts are satoshi: ``amount`` is the exact output value as text, ``tainted_amount``
        a float.
        """
        senders = {e.from_ids for e in self.edges}
        for info in self.terminal_info.values():
            senders.update(e.from_ids for e in info.path)
        ids = set(self.nodes) | set(self.terminals) | {i for f in senders for i in f}
        ids.discard(-1)
        wanted = sorted(ids)
        book = read_addresses(store.con, wanted)
        text: dict[int | None, str] = dict(zip(book.ids.tolist(), book.texts.tolist(), strict=True))
        labels = categories_of_ids(store.con, wanted)
        from_names = {f: [text.get(i) for i in f] for f in senders}
        times: dict[datetime, str] = {}
        chain, asset = self.chain, self.asset
        done: dict[int, dict[str, Any]] = {}  # id(edge) -> its dict (paths repeat edges)

        def name(address_id: int | None) -> str | None:
            return text.get(address_id)

        def edge(e: UtxoEdge) -> dict[str, Any]:
            if id(e) in done:
                return dict(done[id(e)])
            froms = from_names[e.from_ids]
            when = times.get(e.block_time)
            if when is None:
                when = times[e.block_time] = e.block_time.isoformat()
            out: dict[str, Any] = {
                "tx_hash": e.txid,
                "kind": "output",  # the store's kind and position of the output
                "position": str(e.vout),
                "vout": e.vout,
                "chain": chain,
                "from_address": froms[0] if froms else None,
                "from_addresses": list(froms),
                "to_address": text.get(e.to_id),
                "asset": asset,
                "amount": str(e.value),
                "tainted_amount": e.tainted,
                "block_time": when,
                "hop": e.hop,
                "stage": e.stage,
                "stage_evidence": e.stage_evidence,
                "after_coinjoin": e.after_coinjoin,
                "link": e.link,
            }
            done[id(e)] = out
            return out

        edges = [edge(e) for e in self.edges]
        terminals = [
            {
                "address": name(i),
                "chain": self.chain,
                "category": info.category,
                **label_fields(labels.get(i)),
                "asset": self.asset,
                "tainted_amount": info.tainted,
                "continued": False,
                "evidence": info.evidence,
                "after_coinjoin": info.after_coinjoin,
                **({"swept_to": info.swept_to} if info.swept_to else {}),
                "path": [edge(e) for e in info.path],
            }
            for i, info in sorted(self.terminal_info.items(), key=lambda kv: -kv[1].tainted)
        ]
        nodes = [
            {
                "address": name(i),
                "chain": self.chain,
                "hop": hop,
                "labels": labels.get(i),
                "tainted_in": {self.asset: tainted_in},
                "held": {self.asset: held} if held > 0 else {},
                "stage": None,
                "stage_evidence": None,
            }
            for i, (hop, tainted_in, held) in sorted(self.nodes.items())
        ]
        return {
            "edges": edges,
            "terminals": terminals,
            "nodes": nodes,
            "coinjoins": self.coinjoins,
            "peel_chains": self.peel_chains,
            "summary": self.summary(),
        }


# -- taint models ------------------------------------------------------------------------
@dataclass(slots=True)
class _Batch:
    """Transactions of one level (local ids 0..m-1) with their inputs and outputs."""

    pool: F64  # pooled dirty input per tx
    total_in: F64  # input value per tx (at least the output value)
    fee: F64
    in_tx: I64  # per input, sorted by (tx, vin)
    in_value: I64
    in_dirty: F64
    out_tx: I64  # per output, sorted by (tx, vout)
    out_value: I64


def model_haircut(b: _Batch) -> tuple[F64, F64, float]:
    """Haircut: each output and the fee get the pool pro rata to their value (taint diluted)."""
    share = np.divide(b.pool, b.total_in, out=np.zeros_like(b.pool), where=b.total_in > 0)
    out = np.asarray(b.out_value * share[b.out_tx], dtype=np.float64)
    return out, b.fee * share, 0.0


def model_poison(b: _Batch) -> tuple[F64, F64, float]:
    """Poison (upper bound): a tx with any dirty input has all outputs and its fee wholly dirty."""
    hit = b.pool > 0
    out = np.where(hit[b.out_tx], b.out_value, 0).astype(np.float64)
    return out, np.where(hit, b.fee, 0.0), float((b.total_in - b.pool)[hit].sum())


def model_fifo(b: _Batch) -> tuple[F64, F64, float]:
    """FIFO: input value ranges in vin order map onto output ranges in vout order, fee last."""
    return _ranges(b, reverse_inputs=False)


def model_lifo(b: _Batch) -> tuple[F64, F64, float]:
    """LIFO: input value ranges in reverse vin order map onto outputs in vout order, fee last."""
    return _ranges(b, reverse_inputs=True)


def model_tiho(b: _Batch) -> tuple[F64, F64, float]:
    """TIHO (taint in, highest out): the pool fills the highest-value outputs first, fee last."""
    order = np.lexsort((np.arange(len(b.out_tx)), -b.out_value, b.out_tx))
    tx, v = b.out_tx[order], b.out_value[order]
    before = _segment_exclusive_cumsum(v, tx).astype(np.float64)
    got = np.clip(b.pool[tx] - before, 0.0, v.astype(np.float64))
    out = np.empty(len(order), dtype=np.float64)
    out[order] = got
    return out, _fee_rest(b, out), 0.0


def _fee_rest(b: _Batch, out: F64) -> F64:
    given = np.bincount(b.out_tx, weights=out, minlength=len(b.pool))
    return np.maximum(b.pool - given, 0.0)


def _segment_exclusive_cumsum(values: I64, segment: I64) -> I64:
    """Sum of the earlier values of the same segment (segments contiguous)."""
    c = np.cumsum(values)
    start = np.r_[True, segment[1:] != segment[:-1]] if len(segment) else np.zeros(0, bool)
    base = (c - values)[start]
    seg_no = np.cumsum(start) - 1
    out: I64 = c - values - base[seg_no]
    return out


def _ranges(b: _Batch, reverse_inputs: bool) -> tuple[F64, F64, float]:
    """Map input value ranges (each with uniform dirty density) onto output value ranges."""
    m = len(b.pool)
    n_in = len(b.in_tx)
    order = (np.lexsort((-np.arange(n_in), b.in_tx)) if reverse_inputs else np.arange(n_in)).astype(
        np.int64
    )
    a, d, tx = b.in_value[order], b.in_dirty[order], b.in_tx[order]
    end = np.cumsum(a)
    start = end - a
    dens = np.divide(d, a, out=np.zeros(n_in, dtype=np.float64), where=a > 0)
    dend = np.cumsum(d)
    base = np.zeros(m, dtype=np.int64)
    length = np.bincount(tx, weights=a, minlength=m).astype(np.int64)
    if n_in:
        first = np.r_[True, tx[1:] != tx[:-1]]
        base[tx[first]] = start[first]
    # output ranges [s, e) inside the tx's input range; beyond it (unknown inputs) is clean
    before = _segment_exclusive_cumsum(b.out_value, b.out_tx)
    top = base + length
    s = np.minimum(base[b.out_tx] + before, top[b.out_tx])
    e = np.minimum(s + b.out_value, top[b.out_tx])

    def dirty_until(x: I64) -> F64:
        i = np.searchsorted(end, x, side="right")
        inside = i < n_in
        j = np.minimum(i, max(n_in - 1, 0))
        total = float(dend[-1]) if n_in else 0.0
        if not n_in:
            return np.zeros(len(x), dtype=np.float64)
        at: F64 = np.where(inside, dend[j] - d[j] + (x - start[j]) * dens[j], total)
        return at

    out = np.clip(dirty_until(e) - dirty_until(s), 0.0, b.out_value.astype(np.float64))
    return out, _fee_rest(b, out), 0.0


ModelFn = Callable[[_Batch], tuple[F64, F64, float]]
UTXO_MODELS: dict[str, ModelFn] = {
    "poison": model_poison,
    "haircut": model_haircut,
    "fifo": model_fifo,
    "lifo": model_lifo,
    "tiho": model_tiho,
}


def model_doc(name: str) -> str:
    """The one-line documentation of a UTXO taint model."""
    return " ".join((UTXO_MODELS[name].__doc__ or "").split())


# -- the trace ---------------------------------------------------------------------------
@dataclass(slots=True)
class _Roles:
    role: I8  # per dense address: FOLLOW, STOP, HUB, DEPOSIT
    category: dict[int, str]  # dense -> stop category
    deposit_sweep: dict[int, int]  # dense deposit -> a sweep transaction


def _roles(index: UtxoIndex, stop: Mapping[int, str], hub_degree: int) -> _Roles:
    """Stop labels, the sweep heuristic for deposit addresses, and hubs, per dense address."""
    n_addr = len(index.addr_ids)
    role = np.zeros(n_addr, dtype=np.int8)
    keys = list(stop)
    dense = index.dense(keys)
    category = {int(d): stop[k] for k, d in zip(keys, dense.tolist(), strict=True) if d >= 0}
    exchange = np.zeros(n_addr, dtype=bool)
    for d, c in category.items():
        role[d] = STOP
        exchange[d] = c == EXCHANGE
    deposit_sweep: dict[int, int] = {}
    if exchange.any():
        # labelled exchange addresses that forward everything to exchange addresses are
        # deposit addresses themselves, not hot wallets
        forwarding, _ = _sweepers(index, exchange)
        hot = exchange.copy()
        hot[forwarding] = False
        found, sweeps = _sweepers(index, hot)
        keep = role[found] == FOLLOW
        role[found[keep]] = DEPOSIT
        deposit_sweep = dict(zip(found[keep].tolist(), sweeps[keep].tolist(), strict=True))
    role[(index.degree > hub_degree) & (role == FOLLOW)] = HUB
    return _Roles(role, category, deposit_sweep)


def _sweepers(index: UtxoIndex, target: B8) -> tuple[I64, I64]:
    """Addresses whose every spend pays only ``target`` addresses, and one such spend each."""
    hit = np.flatnonzero(target[np.maximum(index.out_addr, 0)] & (index.out_addr >= 0))
    if not len(hit):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    txs, n_hit = distinct_counts(index.out_tx[hit])
    n_out = index.out_off[txs + 1] - index.out_off[txs]
    txs = txs[n_hit == n_out].astype(np.int64)  # every output pays a target
    inputs = expand_ranges(index.in_off[txs], index.in_off[txs + 1])
    spender = index.in_addr[inputs].astype(np.int64)
    spend_tx = np.repeat(txs, index.in_off[txs + 1] - index.in_off[txs])
    ok = spender >= 0
    spender, spend_tx = spender[ok], spend_tx[ok]
    addrs, first, counts = np.unique(spender, return_index=True, return_counts=True)
    whole = counts == index.n_spent[addrs]
    return addrs[whole].astype(np.int64), spend_tx[first[whole]].astype(np.int64)


def _reach(index: UtxoIndex, start: I64, start_hop: I64, role: I8, hops: int) -> tuple[I64, I32]:
    """Transactions reachable from ``start`` outputs within ``hops`` and their hops."""
    tx_hop = np.full(index.n_tx, NO_HOP, dtype=np.int32)
    pos, hop = start, start_hop
    reached: list[I64] = []
    while len(pos):
        addr = index.out_addr[pos]
        spent = index.out_spent[pos].astype(np.int64)
        follow = ((addr < 0) | (role[np.maximum(addr, 0)] == FOLLOW)) & (spent >= 0)
        tx, h = spent[follow], hop[follow] + 1
        keep = h <= hops
        tx, h = tx[keep], h[keep]
        if not len(tx):
            break
        order = np.lexsort((h, tx))
        tx, h = tx[order], h[order]
        first = np.r_[True, tx[1:] != tx[:-1]]
        tx, h = tx[first], h[first]
        better = h < tx_hop[tx]
        tx, h = tx[better], h[better]
        if not len(tx):
            break
        tx_hop[tx] = h
        reached.append(tx)
        pos = expand_ranges(index.out_off[tx], index.out_off[tx + 1])
        hop = np.repeat(h, index.out_off[tx + 1] - index.out_off[tx]).astype(np.int64)
    txs = distinct(np.concatenate(reached)) if reached else np.zeros(0, dtype=np.int64)
    return txs.astype(np.int64), tx_hop


def _levels(parent: I64, child: I64, n: int) -> I64:
    """Longest-path level of each local transaction in the spend DAG (parents first)."""
    level = np.zeros(n, dtype=np.int64)
    for _ in range(n + 1):
        new = level.copy()
        np.maximum.at(new, child, level[parent] + 1)
        if np.array_equal(new, level):
            return level
        level = new
    raise InputError("The UTXO data has a cycle of spends; check the ingested files.")


@dataclass(slots=True)
class _Sim:
    """Per local output and transaction results of the simulation."""

    out_pos: I64  # global output positions (sorted)
    out_made_by: I64  # local tx that created it, -1 for injected outputs from outside
    dirty: F64  # final dirty (after injection)
    fate: I8  # 0 none, 1 followed, 2 terminal, 3 dust, 4 hop limit, 5 held
    hop: I64
    tx: I64  # global tx ids (sorted)
    pool: F64  # pooled dirty per local tx
    in_pos: I64  # global input positions of the local txs
    in_tx: I64  # local tx per input
    in_src: I64  # local output per input, -1 when not a traced output
    in_dirty: F64  # dirty the input carried into its tx
    spent_local: I64  # local tx spending each output, -1 when not traced


FATE_NONE, FATE_FOLLOW, FATE_TERMINAL, FATE_DUST, FATE_HOP, FATE_HELD = range(6)


def _simulate(
    index: UtxoIndex,
    txs: I64,
    tx_hop: I32,
    inj_pos: I64,
    inj_dirty: F64,
    inj_hop: I64,
    role: I8,
    model: ModelFn,
    dust_abs: float,
    result: UtxoTrace,
) -> _Sim:
    n_tx = len(txs)
    made = expand_ranges(index.out_off[txs], index.out_off[txs + 1])
    out_pos = distinct(np.concatenate([made, inj_pos]))
    n_out = len(out_pos)
    made_by_global = index.out_tx[out_pos].astype(np.int64)
    out_made_by = find_sorted(txs, made_by_global)
    in_r = out_made_by >= 0
    # injections (summed per output, capped at the value below)
    inj_local = np.searchsorted(out_pos, inj_pos)
    injected = np.bincount(inj_local, weights=inj_dirty, minlength=n_out)
    hop = np.full(n_out, int(NO_HOP), dtype=np.int64)
    hop[in_r] = tx_hop[made_by_global[in_r]]
    np.minimum.at(hop, inj_local, inj_hop)
    # inputs of the traced transactions and the traced outputs they spend
    in_pos = expand_ranges(index.in_off[txs], index.in_off[txs + 1])
    in_tx = np.repeat(np.arange(n_tx), index.in_off[txs + 1] - index.in_off[txs])
    in_src = find_sorted(out_pos, index.in_out[in_pos])
    linked = in_src >= 0
    parent = out_made_by[in_src[linked]]
    has_parent = parent >= 0
    level = _levels(parent[has_parent], in_tx[linked][has_parent], n_tx)
    # fates of outputs that do not depend on amounts
    addr = index.out_addr[out_pos]
    follow = (addr < 0) | (role[np.maximum(addr, 0)] == FOLLOW)
    spent = index.out_spent[out_pos].astype(np.int64)
    spent_local = find_sorted(txs, spent)
    spent_traced = spent_local >= 0
    dirty = np.zeros(n_out, dtype=np.float64)
    fate = np.zeros(n_out, dtype=np.int8)
    pool = np.zeros(n_tx, dtype=np.float64)
    in_dirty = np.zeros(len(in_pos), dtype=np.float64)
    value_f = index.out_value[out_pos].astype(np.float64)

    def settle(outs: I64, raw: F64) -> None:
        """Add injections, cap at the value, and decide where each output's taint goes."""
        total = np.minimum(raw + injected[outs], np.maximum(value_f[outs], raw))
        result.injected += float((total - raw).sum())
        dirty[outs] = total
        has = total > 0
        dust = has & (total < dust_abs)
        f = np.where(~follow[outs], FATE_TERMINAL, FATE_NONE)
        f = np.where(follow[outs] & spent_traced[outs], FATE_FOLLOW, f)
        f = np.where(follow[outs] & ~spent_traced[outs] & (spent[outs] >= 0), FATE_HOP, f)
        f = np.where(follow[outs] & (spent[outs] < 0), FATE_HELD, f)
        f = np.where(dust, FATE_DUST, np.where(has, f, FATE_NONE))
        fate[outs] = f

    # outside injections first, then the levels in order
    outside = np.flatnonzero(out_made_by < 0)
    settle(outside, np.zeros(len(outside), dtype=np.float64))
    out_level = level[np.maximum(out_made_by, 0)] if n_tx else np.zeros(n_out, np.int64)
    out_level = np.where(out_made_by >= 0, out_level, -1)
    tx_order = stable_order(level)
    out_order = stable_order(out_level)
    in_order = stable_order(level[in_tx]) if n_tx else np.zeros(0, dtype=np.int64)
    lv_tx, lv_out, lv_in = level[tx_order], out_level[out_order], level[in_tx][in_order]
    in_value = index.in_value[in_pos]
    for lv in range(int(level.max()) + 1 if n_tx else 0):
        bt = tx_order[np.searchsorted(lv_tx, lv) : np.searchsorted(lv_tx, lv, side="right")]
        bo = out_order[np.searchsorted(lv_out, lv) : np.searchsorted(lv_out, lv, side="right")]
        bi = in_order[np.searchsorted(lv_in, lv) : np.searchsorted(lv_in, lv, side="right")]
        # bt, bo and bi keep their (tx, vout) and (tx, vin) order: stable sorts of sorted data
        s = in_src[bi]
        carried = np.where((s >= 0) & (fate[np.maximum(s, 0)] == FATE_FOLLOW), 1.0, 0.0)
        carried = carried * dirty[np.maximum(s, 0)]
        in_dirty[bi] = carried
        local = np.searchsorted(bt, in_tx[bi])
        m = len(bt)
        bpool = np.asarray(np.bincount(local, weights=carried, minlength=m), dtype=np.float64)
        pool[bt] = bpool
        if not bpool.any():
            settle(bo, np.zeros(len(bo), dtype=np.float64))
            continue
        total_in = np.asarray(np.bincount(local, weights=in_value[bi], minlength=m), np.float64)
        out_local = np.searchsorted(bt, out_made_by[bo])
        total_out = np.asarray(np.bincount(out_local, weights=value_f[bo], minlength=m), np.float64)
        total_in = np.maximum(total_in, total_out)
        batch = _Batch(
            pool=bpool,
            total_in=total_in,
            fee=total_in - total_out,
            in_tx=local.astype(np.int64),
            in_value=in_value[bi].astype(np.int64),
            in_dirty=carried,
            out_tx=out_local.astype(np.int64),
            out_value=index.out_value[out_pos[bo]],
        )
        out_d, fee_d, absorbed = model(batch)
        result.fees += float(fee_d.sum())
        result.absorbed += absorbed
        settle(bo, out_d)
    return _Sim(
        out_pos=out_pos,
        out_made_by=out_made_by,
        dirty=dirty,
        fate=fate,
        hop=hop,
        tx=txs,
        pool=pool,
        in_pos=in_pos,
        in_tx=in_tx,
        in_src=in_src,
        in_dirty=in_dirty,
        spent_local=spent_local,
    )


def trace_utxo(
    store: Store,
    chain: str,
    injections: Sequence[UtxoInjection],
    *,
    model: str = "haircut",
    hops: int = 10,
    stop: Mapping[int, str] | None = None,
    hub_degree: int = 1000,
    dust_abs: float = 0.0,
    coinjoin_min_equal: int = 5,
    index: UtxoIndex | None = None,
) -> UtxoTrace:
    """Trace tainted outputs forward on a UTXO chain under ``model`` (see module docs).

    ``stop`` maps address ids to the category that ends the trace there (None: the chain's
    addresses labelled with a category of ``engine.DEFAULT_STOP``); ``hops`` limits the hop
    of traced transactions (injections carry their own hop); ``dust_abs`` is in satoshi.
    Pass a prebuilt ``index`` to trace several times without reloading the chain.
    """
    if model not in UTXO_MODELS:
        raise InputError(f"Unknown taint model {model!r}; use one of {', '.join(UTXO_MODELS)}.")
    if not 0 <= hops <= 50:
        raise InputError("hops must be between 0 and 50.")
    if not injections:
        raise InputError("No tainted outputs to trace from.")
    if coinjoin_min_equal < 2:
        raise InputError("coinjoin_min_equal must be at least 2.")
    spec = get_chain(chain)
    if spec.model != "utxo":
        raise InputError(f"{spec.name} is not a UTXO chain; use the account-model trace.")
    clock = time.perf_counter()
    built = index is None or index.chain != spec.name
    if index is None or built:
        index = UtxoIndex.build(store, spec.name)
    if stop is None:
        stop = {
            int(a): str(c)
            for a, c in store.con.execute(
                "SELECT address_id, category FROM address_categories WHERE chain = ? "
                "AND category IN (SELECT unnest(?::VARCHAR[]))",
                [spec.name, list(DEFAULT_STOP)],
            ).fetchall()
        }
    result = UtxoTrace(spec.name, model, spec.native_symbol)
    result.timings["index"] = round(index.build_seconds, 4) if built else 0.0
    t_start = time.perf_counter()
    pos = index.locate(store, [(i.txid, i.vout) for i in injections])
    missing = [f"{i.txid}:{i.vout}" for i, p in zip(injections, pos.tolist(), strict=True) if p < 0]
    if missing:
        raise InputError(f"Outputs not in the store for {spec.name}: {', '.join(missing)}.")
    inj_hop = np.array([i.hop for i in injections], dtype=np.int64)
    inj_dirty = np.array([max(float(i.dirty), 0.0) for i in injections], dtype=np.float64)
    roles = _roles(index, stop, hub_degree)
    t_roles = time.perf_counter()
    txs, tx_hop = _reach(index, pos, inj_hop, roles.role, hops)
    t_reach = time.perf_counter()
    sim = _simulate(
        index,
        txs,
        tx_hop,
        pos,
        inj_dirty,
        inj_hop,
        roles.role,
        UTXO_MODELS[model],
        dust_abs,
        result,
    )
    t_sim = time.perf_counter()
    _evidence(store, index, sim, roles, injections, pos, coinjoin_min_equal, result)
    t_end = time.perf_counter()
    result.timings.update(
        roles=round(t_roles - t_start, 4),
        reach=round(t_reach - t_roles, 4),
        simulate=round(t_sim - t_reach, 4),
        evidence=round(t_end - t_sim, 4),
        trace=round(t_end - t_start, 4),
        total=round(t_end - clock, 4),
    )
    return result


# -- evidence ----------------------------------------------------------------------------
def _amount(value: float, decimals: int) -> str:
    text = f"{value / 10**decimals:.{decimals}f}".rstrip("0").rstrip(".")
    return text or "0"


def _evidence(
    store: Store,
    index: UtxoIndex,
    sim: _Sim,
    roles: _Roles,
    injections: Sequence[UtxoInjection],
    inj_pos: I64,
    coinjoin_min_equal: int,
    result: UtxoTrace,
) -> None:
    """Fill totals, nodes, terminals with paths, edges with stages, coinjoins and peels."""
    decimals = get_chain(result.chain).native_decimals
    sym = result.asset
    ids = index.addr_ids
    out_pos, dirty, fate = sim.out_pos, sim.dirty, sim.fate
    addr = index.out_addr[out_pos]
    store_id = np.where(addr >= 0, ids[np.maximum(addr, 0)], -1)
    # totals
    result.below_dust = float(dirty[fate == FATE_DUST].sum())
    result.hop_limit = float(dirty[fate == FATE_HOP].sum())
    held_mask = fate == FATE_HELD
    result.held = float(dirty[held_mask].sum())
    for a, v in _sum_by(store_id[held_mask], dirty[held_mask]).items():
        result.held_at[a] = v
    term_mask = fate == FATE_TERMINAL
    for a, v in _sum_by(store_id[term_mask], dirty[term_mask]).items():
        result.terminals[a] = v
    # tainted outputs, in time order (time, tx, vout): the edges
    tainted = np.flatnonzero((dirty > 0) & (fate != FATE_DUST))
    o_tx = index.out_tx[out_pos[tainted]].astype(np.int64)
    tainted = tainted[np.lexsort((index.out_vout[out_pos[tainted]], o_tx))]
    o_tx = index.out_tx[out_pos[tainted]].astype(np.int64)
    # nodes: hop, tainted in, held
    if len(tainted):
        keys, inv = distinct_inverse(store_id[tainted])
        sums = np.bincount(inv, weights=dirty[tainted])
        hops = np.full(len(keys), int(NO_HOP), dtype=np.int64)
        np.minimum.at(hops, inv, sim.hop[tainted])
        for a, h, v in zip(keys.tolist(), hops.tolist(), sums.tolist(), strict=True):
            if a >= 0:
                result.nodes[a] = (h, v, result.held_at.get(a, 0.0))
    # txids of every transaction with a tainted output and of the deposit sweeps
    sweep_of = {int(ids[d]): t for d, t in roles.deposit_sweep.items()}
    deposit_ids = {a for a in result.terminals if a in sweep_of}
    needed = set(o_tx.tolist()) | {sweep_of[a] for a in deposit_ids}
    txid = _txids(store, index, sorted(needed))
    terminal_why, swept_to = _terminal_reasons(
        store, index, roles, result, sweep_of, txid, decimals, sym
    )
    # stages of the traced transactions that carried taint
    hot_tx = np.flatnonzero(sim.pool > 0)
    exchange_ids = {a for a, (c, _) in terminal_why.items() if c == EXCHANGE}
    stages = _tx_stages(
        index, sim, hot_tx, coinjoin_min_equal, exchange_ids, decimals, sym, txid, result
    )
    # from addresses per traced transaction: tainted inputs, largest first
    lists: dict[int, list[int]] = {}
    carried = np.flatnonzero(sim.in_dirty > 0)
    order = carried[np.lexsort((-sim.in_dirty[carried], sim.in_tx[carried]))]
    ia = index.in_addr[sim.in_pos[order]]
    sender_ids = np.where(ia >= 0, ids[np.maximum(ia, 0)], -1)
    for gt, a in zip(sim.tx[sim.in_tx[order]].tolist(), sender_ids.tolist(), strict=True):
        lst = lists.setdefault(gt, [])
        if a not in lst:
            lst.append(a)
    senders = {gt: tuple(lst) for gt, lst in lists.items()}
    # injected outputs: evidence is the link; senders are the paying transaction's inputs
    link_of: dict[int, dict[str, Any] | None] = {}
    for inj, p in zip(injections, inj_pos.tolist(), strict=True):
        link_of.setdefault(int(p), inj.link)
    after_cj = _after_coinjoin(sim, [lt for lt, (st, _) in stages.items() if st == "coinjoin"])
    uniq_tx = distinct(o_tx)
    when = {
        t: datetime.fromtimestamp(s, UTC)
        for t, s in zip(uniq_tx.tolist(), index.tx_time[uniq_tx].tolist(), strict=True)
    }
    pos_l = out_pos[tainted].tolist()
    columns = zip(
        o_tx.tolist(),
        pos_l,
        store_id[tainted].tolist(),
        sim.out_made_by[tainted].tolist(),
        fate[tainted].tolist(),
        index.out_vout[pos_l].tolist(),
        index.out_value[pos_l].tolist(),
        dirty[tainted].tolist(),
        sim.hop[tainted].tolist(),
        after_cj[tainted].tolist(),
        strict=True,
    )
    pool = (sim.pool > 0).tolist()
    edges = result.edges
    tx_hash = [txid.get(t, "?") for t in o_tx.tolist()]
    for k, (gtx, p, a, made_by, f, vout, value, d, hop, mixed) in enumerate(columns):
        if made_by >= 0 and pool[made_by]:
            stage, why = stages[made_by]
            froms = senders.get(gtx, ())
            link = None
        else:
            link = link_of.get(p)
            stage, why = "injection", _link_text(link)
            froms = _payers(index, gtx)
        term = None
        if f == FATE_TERMINAL:
            term, term_text = terminal_why[a]
            if term == EXCHANGE and stage not in ("coinjoin", "injection"):
                why = f"{term_text}; in a {stage} transaction ({why})"
                stage = "exchange_deposit"
        to_id = a if a >= 0 else None
        edges.append(
            UtxoEdge(
                tx_hash[k],
                vout,
                froms,
                to_id,
                value,
                d,
                when[gtx],
                hop,
                stage,
                why,
                term,
                mixed,
                link,
            )
        )
    edge_no = np.full(len(out_pos), -1, dtype=np.int64)
    edge_no[tainted] = np.arange(len(tainted))
    # terminals with the path of first tainted arrivals back to an injection
    first_in: dict[int, int] = {}
    mixed_in: dict[int, float] = {}
    for lo in tainted[fate[tainted] == FATE_TERMINAL].tolist():
        a = int(store_id[lo])
        first_in.setdefault(a, lo)
        if after_cj[lo]:
            mixed_in[a] = mixed_in.get(a, 0.0) + float(dirty[lo])
    best_input = _largest_inputs(sim)
    for a, lo in first_in.items():
        category, text = terminal_why[a]
        path: list[UtxoEdge] = []
        cur, seen = lo, set()
        while cur >= 0 and cur not in seen and edge_no[cur] >= 0:
            seen.add(cur)
            path.append(edges[int(edge_no[cur])])
            made_by = int(sim.out_made_by[cur])
            cur = best_input.get(made_by, -1) if made_by >= 0 else -1
        path.reverse()
        mixed = mixed_in.get(a, 0.0)
        if mixed > 0:
            share = mixed / result.terminals[a]
            text += f"; {share:.0%} of the taint passed a CoinJoin (model-dependent)"
        info = UtxoTerminal(a, category, result.terminals[a], text, path, mixed, swept_to.get(a))
        result.terminal_info[a] = info
    for lt, (stage, why) in stages.items():
        result.tx_stages[txid.get(int(sim.tx[lt]), "?")] = (stage, why)


def _sum_by(keys: I64, values: F64) -> dict[int, float]:
    if not len(keys):
        return {}
    uniq, inv = distinct_inverse(keys)
    sums = np.bincount(inv, weights=values)
    return {int(k): float(v) for k, v in zip(uniq.tolist(), sums.tolist(), strict=True)}


def _txids(store: Store, index: UtxoIndex, txs: list[int]) -> dict[int, str]:
    """Global tx id -> txid, through the rowid of each transaction's first output."""
    if not txs:
        return {}
    arr = np.array(txs, dtype=np.int64)
    has = index.out_off[arr + 1] > index.out_off[arr]
    arr = arr[has]
    rowids = index.out_rowid[index.out_off[arr]]
    rows = store.con.execute(
        "SELECT rowid, txid FROM utxo_outputs WHERE rowid IN (SELECT unnest(?::BIGINT[]))",
        [rowids.tolist()],
    ).fetchall()
    by_rowid = {int(r): str(t) for r, t in rows}
    return {
        int(t): by_rowid[int(r)]
        for t, r in zip(arr.tolist(), rowids.tolist(), strict=True)
        if int(r) in by_rowid
    }


def _payers(index: UtxoIndex, tx: int) -> tuple[int, ...]:
    """Input addresses of a transaction, largest input first."""
    lo, hi = int(index.in_off[tx]), int(index.in_off[tx + 1])
    order = np.argsort(-index.in_value[lo:hi], kind="stable")
    out: list[int] = []
    for d in index.in_addr[lo:hi][order].tolist():
        a = int(index.addr_ids[d]) if d >= 0 else -1
        if a not in out:
            out.append(a)
    return tuple(out)


def _after_coinjoin(sim: _Sim, coinjoins: list[int]) -> B8:
    """Per local output: its taint passed a CoinJoin (made by one, or downstream of one)."""
    made = sim.out_made_by
    if not coinjoins:
        return np.zeros(len(made), dtype=bool)
    flag = np.zeros(len(sim.tx), dtype=bool)
    flag[coinjoins] = True
    carries = (made >= 0) & (sim.dirty > 0) & (sim.fate == FATE_FOLLOW)
    for _ in range(len(sim.tx) + 1):
        hit = carries & flag[np.maximum(made, 0)]
        new = flag.copy()
        new[sim.spent_local[hit]] = True
        if np.array_equal(new, flag):
            break
        flag = new
    out: B8 = (made >= 0) & flag[np.maximum(made, 0)] & (sim.dirty > 0)
    return out


def _link_text(link: dict[str, Any] | None) -> str:
    if not link:
        return "injected tainted output"
    kind = link.get("kind") or link.get("service") or "cross-chain link"
    origin = link.get("from_tx") or link.get("tx_hash") or "?"
    chain = link.get("from_chain") or "?"
    return f"landing of a {kind} swap from {chain} transaction {origin}"


def _largest_inputs(sim: _Sim) -> dict[int, int]:
    """Local tx -> the local output of its largest tainted input (for evidence paths)."""
    carried = np.flatnonzero((sim.in_dirty > 0) & (sim.in_src >= 0))
    if not len(carried):
        return {}
    order = carried[np.lexsort((-sim.in_dirty[carried], sim.in_tx[carried]))]
    tx = sim.in_tx[order]
    first = np.r_[True, tx[1:] != tx[:-1]]
    return dict(zip(tx[first].tolist(), sim.in_src[order][first].tolist(), strict=True))


def _terminal_reasons(
    store: Store,
    index: UtxoIndex,
    roles: _Roles,
    result: UtxoTrace,
    sweep_of: dict[int, int],
    txid: dict[int, str],
    decimals: int,
    sym: str,
) -> tuple[dict[int, tuple[str, str]], dict[int, dict[str, Any]]]:
    """Address id -> (terminal category, evidence) for every terminal of the trace; and for
    each deposit address (sweep heuristic), its ``swept_to``: the sweep transaction and the
    hot wallet it pays (a labelled one first), as a trace's account-model terminals say it."""
    terminals = list(result.terminals)
    dense = index.dense(terminals).tolist()
    role = {
        a: int(roles.role[d]) if d >= 0 else FOLLOW for a, d in zip(terminals, dense, strict=True)
    }
    hot_of: dict[int, list[int]] = {}
    for a in terminals:
        if role[a] == DEPOSIT:
            tx = sweep_of[a]
            lo, hi = int(index.out_off[tx]), int(index.out_off[tx + 1])
            hot_of[a] = sorted({int(index.addr_ids[x]) for x in index.out_addr[lo:hi] if x >= 0})
    hubs = [a for a in terminals if role[a] not in (STOP, DEPOSIT)]
    wanted = sorted({h for hot in hot_of.values() for h in hot} | set(hubs))
    _, texts = read_addresses(store.con, wanted).columns(wanted, None)
    text_of = {h: t for h, t in zip(wanted, texts, strict=True) if t is not None}
    labels = categories_of_ids(store.con, wanted)
    reasons: dict[int, tuple[str, str]] = {}
    sweeps: dict[int, dict[str, Any]] = {}
    for a, d in zip(terminals, dense, strict=True):
        if role[a] == STOP:
            category = roles.category[d]
            reasons[a] = (category, f"labelled {category} address")
        elif role[a] == DEPOSIT:
            tx = sweep_of[a]
            swept = int(index.out_value[int(index.out_off[tx]) : int(index.out_off[tx + 1])].sum())
            hot = [h for h in hot_of[a] if h in text_of]
            label_of = {h: (labels.get(h) or {}).get("label") for h in hot}
            to = ", ".join(f"{label_of[h] or 'exchange'} {text_of[h]}" for h in hot)
            reasons[a] = (
                EXCHANGE,
                "exchange deposit address (sweep heuristic): unlabelled, and every spend pays "
                f"only exchange addresses, e.g. sweep {txid.get(tx, '?')} of "
                f"{_amount(swept, decimals)} {sym} to {to}",
            )
            if hot:  # the wallet named: a labelled one first
                h = min(hot, key=lambda h: label_of[h] is None)
                when = datetime.fromtimestamp(int(index.tx_time[tx]), UTC).isoformat()
                sweeps[a] = sweep_fields(
                    (index.chain, text_of[h]), labels.get(h), txid.get(tx), sym, str(swept), when
                )
        else:
            hub: str | None = (labels.get(a) or {}).get("category")
            degree = int(index.degree[d])
            reasons[a] = (
                UNLABELED_HUB if hub is None else f"hub:{hub}",
                f"{hub or 'unlabelled'} hub ({degree} outputs received and spent)",
            )
    return reasons, sweeps


def _tx_stages(
    index: UtxoIndex,
    sim: _Sim,
    hot_tx: I64,
    coinjoin_min_equal: int,
    exchange_ids: set[int],
    decimals: int,
    sym: str,
    txid: dict[int, str],
    result: UtxoTrace,
) -> dict[int, tuple[str, str]]:
    """Local tx -> (stage, evidence) for traced transactions that carried taint."""
    out: dict[int, tuple[str, str]] = {}
    if not len(hot_tx):
        return out
    g = sim.tx[hot_tx]
    n_in = (index.in_off[g + 1] - index.in_off[g]).astype(np.int64)
    n_out = (index.out_off[g + 1] - index.out_off[g]).astype(np.int64)
    # equal-value outputs: the largest group per transaction
    o = expand_ranges(index.out_off[g], index.out_off[g + 1])
    o_t = np.repeat(np.arange(len(g)), n_out)
    v = index.out_value[o]
    order = np.lexsort((v, o_t))
    o_t, v = o_t[order], v[order]
    new = np.r_[True, (o_t[1:] != o_t[:-1]) | (v[1:] != v[:-1])] if len(v) else np.zeros(0, bool)
    run_start = np.flatnonzero(new)
    run_len = np.diff(np.r_[run_start, len(v)])
    eq_n = np.zeros(len(g), dtype=np.int64)
    eq_v = np.zeros(len(g), dtype=np.int64)
    if len(run_start):
        r_tx = o_t[run_start]
        best = np.lexsort((-run_len, r_tx))
        first = np.r_[True, r_tx[best][1:] != r_tx[best][:-1]]
        eq_n[r_tx[best][first]] = run_len[best][first]
        eq_v[r_tx[best][first]] = v[run_start][best][first]
    # distinct input addresses
    i_pos = expand_ranges(index.in_off[g], index.in_off[g + 1])
    i_t = np.repeat(np.arange(len(g)), n_in)
    pairs = np.unique(np.stack([i_t, index.in_addr[i_pos].astype(np.int64)]), axis=1)
    n_addrs = np.bincount(pairs[0], minlength=len(g)) if pairs.size else np.zeros(len(g), int)
    coinjoin = (eq_n >= coinjoin_min_equal) & (n_in >= coinjoin_min_equal) & (n_addrs >= 2)
    # tainted outputs per transaction
    hot_local = np.full(len(sim.pool), -1, dtype=np.int64)
    hot_local[hot_tx] = np.arange(len(hot_tx))
    tainted = (sim.dirty > 0) & (sim.out_made_by >= 0)
    made = sim.out_made_by[tainted]
    n_tainted = np.bincount(hot_local[made][hot_local[made] >= 0], minlength=len(g))
    exch = np.zeros(len(g), dtype=bool)
    term = np.flatnonzero(tainted & (sim.fate == FATE_TERMINAL))
    for lo in term.tolist():
        a = int(index.addr_ids[index.out_addr[sim.out_pos[lo]]])
        h = int(hot_local[sim.out_made_by[lo]])
        if h >= 0 and a in exchange_ids:
            exch[h] = True
    peel_pos, peel_len, peel_values, chains = _peel_chains(index, sim, hot_tx, n_in, n_out)
    rows = zip(
        hot_tx.tolist(),
        g.tolist(),
        coinjoin.tolist(),
        exch.tolist(),
        n_in.tolist(),
        n_out.tolist(),
        n_tainted.tolist(),
        strict=True,
    )
    for k, (lt, gtx, is_cj, is_ex, ni, no, nt) in enumerate(rows):
        if is_cj:
            why = (
                f"{ni} inputs ({int(n_addrs[k])} addresses), {int(eq_n[k])} equal "
                f"outputs of {_amount(int(eq_v[k]), decimals)} {sym}"
            )
            out[lt] = ("coinjoin", why)
            result.coinjoins.append(
                {
                    "tx_hash": txid.get(gtx, "?"),
                    "block_time": datetime.fromtimestamp(int(index.tx_time[gtx]), UTC).isoformat(),
                    "inputs": ni,
                    "input_addresses": int(n_addrs[k]),
                    "outputs": no,
                    "equal_outputs": int(eq_n[k]),
                    "denomination": str(int(eq_v[k])),
                    "tainted_in": float(sim.pool[lt]),
                    "tainted_outputs": nt,
                    "evidence": why,
                }
            )
        elif peel_len.get(lt, 0) >= PEEL_MIN_CHAIN:
            small, big = peel_values[lt]
            why = (
                f"peel {peel_pos[lt]} of a {peel_len[lt]}-transaction peel chain: "
                f"{_amount(small, decimals)} {sym} peeled off, {_amount(big, decimals)} {sym} "
                "continues"
            )
            out[lt] = ("peel_chain", why)
        elif is_ex:
            out[lt] = ("exchange_deposit", "pays an exchange terminal")
        elif nt >= SPLIT_MIN:
            out[lt] = ("split", f"{nt} of {no} outputs carry taint")
        elif ni >= CONSOLIDATION_MIN and no <= 2:
            out[lt] = ("consolidation", f"{ni} inputs into {no} outputs")
        else:
            out[lt] = ("transfer", f"{ni} inputs, {no} outputs")
    for chain in chains:
        if len(chain) >= PEEL_MIN_CHAIN:
            result.peel_chains.append([txid.get(int(sim.tx[t]), "?") for t in chain])
    return out


def _peel_chains(
    index: UtxoIndex, sim: _Sim, hot_tx: I64, n_in: I64, n_out: I64
) -> tuple[dict[int, int], dict[int, int], dict[int, tuple[int, int]], list[list[int]]]:
    """Peel-shaped traced transactions linked by their larger output; chain positions.

    Peel-shaped: 1-2 inputs, exactly 2 outputs, the larger >= ``PEEL_RATIO`` x the smaller.
    A transaction continues a chain when it spends the larger output of a peel-shaped one.
    """
    shaped = (n_in >= 1) & (n_in <= 2) & (n_out == 2)
    lt = hot_tx[shaped]
    lo = index.out_off[sim.tx[lt]]
    a, b = index.out_value[lo], index.out_value[lo + 1]
    small, big = np.minimum(a, b), np.maximum(a, b)
    ok = (big >= PEEL_RATIO * small) & (big > 0)
    lt, lo, small, big = lt[ok], lo[ok], small[ok], big[ok]
    big_pos = np.where(a[ok] >= b[ok], lo, lo + 1)
    spender = sim.spent_local[np.searchsorted(sim.out_pos, big_pos)]
    peels = set(lt.tolist())
    nxt = {
        int(x): int(y)
        for x, y in zip(lt.tolist(), spender.tolist(), strict=True)
        if y >= 0 and y in peels
    }
    values = {
        int(x): (int(s), int(v))
        for x, s, v in zip(lt.tolist(), small.tolist(), big.tolist(), strict=True)
    }
    chains: list[list[int]] = []
    for head in sorted(peels - set(nxt.values())):
        chain = [head]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        chains.append(chain)
    pos: dict[int, int] = {}
    length: dict[int, int] = {}
    for chain in chains:
        for i, t in enumerate(chain):
            pos[t] = i + 1
            length[t] = len(chain)
    return pos, length, values, chains
