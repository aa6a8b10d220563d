"""Bitcoin transactions as columnar tables, and their bitcoin-etl JSON lines.

Every Bitcoin transaction the scenario writes (genesis coinbases, service payout chains,
laundering hops, background payments) passes through ``BtcTable`` and is rendered by one
vectorized function, so all of them have exactly the same JSON shape. This module also
holds the genesis funding and the payout chains of the THORChain-like vault and the
instant exchanger, which spend their own change output by output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sanctionwatch.scenario._encode import (
    block_hash_bytes,
    concat,
    dec_strings,
    hex_strings,
    join_lists,
)
from sanctionwatch.scenario._model import (
    BTC_BLOCK0,
    BTC_BLOCK_TIME,
    T_START,
    BtcTx,
    Outbound,
)
from sanctionwatch.scenario._registry import BtcRegistry

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
BOOL = npt.NDArray[np.bool_]

COINBASE_MAX_OUTPUTS = 2_500
BLOCK_SALT_BTC = 0xB7C0


def btc_fee(n_in: int, n_out: int, rate: int) -> int:
    """A simple miner fee: estimated virtual size times a sat/vB rate."""
    return (11 + 68 * n_in + 31 * n_out) * rate


def nulldata_frag(memo: bytes) -> str:
    """bitcoin-etl output fields of an OP_RETURN output carrying ``memo``."""
    h = memo.hex()
    push = f"{len(memo):02x}" if len(memo) <= 75 else f"4c{len(memo):02x}"
    return (
        f'"script_asm":"OP_RETURN {h}","script_hex":"6a{push}{h}",'
        '"required_signatures":null,"type":"nulldata","addresses":[]'
    )


def _ranges(starts: I64, counts: I64) -> I64:
    """Concatenation of ``arange(s, s + c)`` for each (s, c)."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    base = np.repeat(starts - (ends - counts), counts)
    return base + np.arange(total, dtype=np.int64)


def segment_sums(values: I64, offsets: I64) -> I64:
    """Sum of ``values[offsets[i]:offsets[i+1]]`` for each i (exact integers)."""
    cs = np.concatenate([np.zeros(1, np.int64), np.cumsum(values, dtype=np.int64)])
    out: I64 = cs[offsets[1:]] - cs[offsets[:-1]]
    return out


@dataclass(slots=True)
class BtcTable:
    """Columnar Bitcoin transactions with their inputs and outputs."""

    time: I64
    hash: U8
    coinbase: BOOL
    in_off: I64
    in_hash: U8
    in_vout: I64
    in_addr: I64
    in_value: I64
    out_off: I64
    out_addr: I64  # -1 for OP_RETURN
    out_value: I64
    out_memo: list[bytes | None]
    out_pool: BOOL  # honest outputs handed to the background wallets

    @property
    def n(self) -> int:
        """Number of transactions."""
        return len(self.time)

    @staticmethod
    def empty() -> BtcTable:
        """A table without transactions."""
        z = np.zeros(0, dtype=np.int64)
        return BtcTable(
            z,
            np.zeros((0, 32), np.uint8),
            np.zeros(0, bool),
            np.zeros(1, np.int64),
            np.zeros((0, 32), np.uint8),
            z,
            z,
            z,
            np.zeros(1, np.int64),
            z,
            z,
            [],
            np.zeros(0, bool),
        )

    def take(self, idx: I64) -> BtcTable:
        """The transactions at ``idx``, in that order."""
        idx = np.asarray(idx, dtype=np.int64)
        in_cnt = np.diff(self.in_off)[idx]
        out_cnt = np.diff(self.out_off)[idx]
        ri = _ranges(self.in_off[:-1][idx], in_cnt)
        ro = _ranges(self.out_off[:-1][idx], out_cnt)
        memo = self.out_memo
        return BtcTable(
            self.time[idx],
            self.hash[idx],
            self.coinbase[idx],
            np.concatenate([[0], np.cumsum(in_cnt)]).astype(np.int64),
            self.in_hash[ri],
            self.in_vout[ri],
            self.in_addr[ri],
            self.in_value[ri],
            np.concatenate([[0], np.cumsum(out_cnt)]).astype(np.int64),
            self.out_addr[ro],
            self.out_value[ro],
            [memo[i] for i in ro.tolist()],
            self.out_pool[ro],
        )

    def slice(self, a: int, b: int) -> BtcTable:
        """Transactions ``a:b`` (cheap: contiguous ranges)."""
        i0, i1 = int(self.in_off[a]), int(self.in_off[b])
        o0, o1 = int(self.out_off[a]), int(self.out_off[b])
        return BtcTable(
            self.time[a:b],
            self.hash[a:b],
            self.coinbase[a:b],
            self.in_off[a : b + 1] - i0,
            self.in_hash[i0:i1],
            self.in_vout[i0:i1],
            self.in_addr[i0:i1],
            self.in_value[i0:i1],
            self.out_off[a : b + 1] - o0,
            self.out_addr[o0:o1],
            self.out_value[o0:o1],
            self.out_memo[o0:o1],
            self.out_pool[o0:o1],
        )

    @staticmethod
    def concat(tables: list[BtcTable]) -> BtcTable:
        """Transactions of all tables, in order."""
        tables = [t for t in tables if t.n] or [BtcTable.empty()]
        if len(tables) == 1:
            return tables[0]

        def offs(parts: list[I64]) -> I64:
            out = [np.zeros(1, np.int64)]
            base = 0
            for p in parts:
                out.append(p[1:] + base)
                base += int(p[-1])
            return np.concatenate(out)

        memo: list[bytes | None] = []
        for t in tables:
            memo.extend(t.out_memo)
        return BtcTable(
            np.concatenate([t.time for t in tables]),
            np.concatenate([t.hash for t in tables]),
            np.concatenate([t.coinbase for t in tables]),
            offs([t.in_off for t in tables]),
            np.concatenate([t.in_hash for t in tables]),
            np.concatenate([t.in_vout for t in tables]),
            np.concatenate([t.in_addr for t in tables]),
            np.concatenate([t.in_value for t in tables]),
            offs([t.out_off for t in tables]),
            np.concatenate([t.out_addr for t in tables]),
            np.concatenate([t.out_value for t in tables]),
            memo,
            np.concatenate([t.out_pool for t in tables]),
        )

    def sorted_by_time(self) -> BtcTable:
        """Stable sort by time (dependent transactions keep their order)."""
        return self.take(np.argsort(self.time, kind="stable"))


def table_from_txs(txs: list[BtcTx], reg: BtcRegistry) -> BtcTable:
    """Convert laundering-core transactions (plain Python) into a table."""
    if not txs:
        return BtcTable.empty()
    in_off = [0]
    out_off = [0]
    in_hash: list[bytes] = []
    in_vout: list[int] = []
    in_addr: list[int] = []
    in_value: list[int] = []
    out_addr: list[int] = []
    out_value: list[int] = []
    out_memo: list[bytes | None] = []
    out_pool: list[bool] = []
    for tx in txs:
        for i in tx.inputs:
            in_hash.append(i.hash)
            in_vout.append(i.vout)
            in_addr.append(reg.id(i.address))
            in_value.append(i.value)
        for o in tx.outputs:
            out_addr.append(-1 if o.address is None else reg.id(o.address))
            out_value.append(o.value)
            out_memo.append(o.memo)
            out_pool.append(o.to_pool)
        in_off.append(len(in_hash))
        out_off.append(len(out_addr))
    return BtcTable(
        np.array([t.time for t in txs], dtype=np.int64),
        np.frombuffer(b"".join(t.hash for t in txs), dtype=np.uint8).reshape(-1, 32).copy(),
        np.array([t.coinbase for t in txs], dtype=bool),
        np.array(in_off, dtype=np.int64),
        np.frombuffer(b"".join(in_hash), dtype=np.uint8).reshape(-1, 32).copy(),
        np.array(in_vout, dtype=np.int64),
        np.array(in_addr, dtype=np.int64),
        np.array(in_value, dtype=np.int64),
        np.array(out_off, dtype=np.int64),
        np.array(out_addr, dtype=np.int64),
        np.array(out_value, dtype=np.int64),
        out_memo,
        np.array(out_pool, dtype=bool),
    )


class Genesis:
    """Coinbase transactions at the start of the timeline that fund every Bitcoin wallet.

    Named outputs (service wallets, CoinJoin participants) are allocated one by one and get
    their outpoint at once; background wallet seeds are added in bulk at the end.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._txs: list[tuple[bytes, list[tuple[str | int, int, bool]]]] = []

    def _current(self) -> tuple[bytes, list[tuple[str | int, int, bool]]]:
        if not self._txs or len(self._txs[-1][1]) >= COINBASE_MAX_OUTPUTS:
            self._txs.append((self._rng.bytes(32), []))
        return self._txs[-1]

    def fund(self, address: str | int, value: int, to_pool: bool = False) -> tuple[bytes, int]:
        """Create a genesis output; returns its (tx hash, output index)."""
        h, outs = self._current()
        outs.append((address, value, to_pool))
        return h, len(outs) - 1

    @property
    def blocks(self) -> int:
        """Number of blocks the genesis transactions occupy (one coinbase each)."""
        return len(self._txs)

    def table(self, reg: BtcRegistry) -> BtcTable:
        """All genesis transactions, one per block from the first block on."""
        txs = self._txs
        n = len(txs)
        out_addr: list[int] = []
        out_value: list[int] = []
        out_pool: list[bool] = []
        out_off = [0]
        for _, outs in txs:
            for a, v, p in outs:
                out_addr.append(a if isinstance(a, int) else reg.id(a))
                out_value.append(v)
                out_pool.append(p)
            out_off.append(len(out_addr))
        z = np.zeros(0, dtype=np.int64)
        return BtcTable(
            T_START + BTC_BLOCK_TIME * np.arange(n, dtype=np.int64),
            np.frombuffer(b"".join(h for h, _ in txs), dtype=np.uint8).reshape(-1, 32).copy(),
            np.ones(n, dtype=bool),
            np.zeros(n + 1, dtype=np.int64),
            np.zeros((0, 32), np.uint8),
            z,
            z,
            z,
            np.array(out_off, dtype=np.int64),
            np.array(out_addr, dtype=np.int64),
            np.array(out_value, dtype=np.int64),
            [None] * len(out_addr),
            np.array(out_pool, dtype=bool),
        )


def payout_chain(
    requests: list[Outbound],
    wallet: str,
    reg: BtcRegistry,
    genesis: Genesis,
    rng: np.random.Generator,
) -> BtcTable:
    """Payouts of one service wallet, each spending the change of the one before.

    Output 0 pays the destination, output 1 is the change back to the wallet, and a
    THORChain-style payout adds an OP_RETURN ``OUT:<inbound hash>`` as output 2. The wallet
    is funded at genesis with what the payouts need (plus a margin it keeps).
    """
    if not requests:
        return BtcTable.empty()
    reqs = sorted(requests, key=lambda r: r.time)
    rates = rng.integers(2, 9, size=len(reqs)).tolist()
    fees = [btc_fee(1, 2 + (r.memo is not None), rate) for r, rate in zip(reqs, rates, strict=True)]
    need = sum(r.amount for r in reqs) + sum(fees)
    margin = max(need // 20, 50 * 10**8)
    prev_hash, prev_vout = genesis.fund(wallet, need + margin)
    prev_value = need + margin
    wid = reg.id(wallet)
    txs_in_off = [0]
    txs_out_off = [0]
    in_hash: list[bytes] = []
    in_vout: list[int] = []
    in_value: list[int] = []
    out_addr: list[int] = []
    out_value: list[int] = []
    out_memo: list[bytes | None] = []
    out_pool: list[bool] = []
    for r, fee in zip(reqs, fees, strict=True):
        in_hash.append(prev_hash)
        in_vout.append(prev_vout)
        in_value.append(prev_value)
        change = prev_value - r.amount - fee
        if change <= 0:
            raise AssertionError("payout chain ran dry")  # funded with need + margin above
        out_addr += [reg.id(r.dest), wid]
        out_value += [r.amount, change]
        out_memo += [None, None]
        out_pool += [r.honest, False]
        if r.memo is not None:
            out_addr.append(-1)
            out_value.append(0)
            out_memo.append(r.memo)
            out_pool.append(False)
        txs_in_off.append(len(in_hash))
        txs_out_off.append(len(out_addr))
        prev_hash, prev_vout, prev_value = r.hash, 1, change
    n = len(reqs)
    return BtcTable(
        np.array([r.time for r in reqs], dtype=np.int64),
        np.frombuffer(b"".join(r.hash for r in reqs), dtype=np.uint8).reshape(n, 32).copy(),
        np.zeros(n, dtype=bool),
        np.array(txs_in_off, dtype=np.int64),
        np.frombuffer(b"".join(in_hash), dtype=np.uint8).reshape(n, 32).copy(),
        np.array(in_vout, dtype=np.int64),
        np.full(n, wid, dtype=np.int64),
        np.array(in_value, dtype=np.int64),
        np.array(txs_out_off, dtype=np.int64),
        np.array(out_addr, dtype=np.int64),
        np.array(out_value, dtype=np.int64),
        out_memo,
        np.array(out_pool, dtype=bool),
    )


def json_lines(tab: BtcTable, reg: BtcRegistry) -> tuple[pa.StringArray, int]:
    """bitcoin-etl JSON lines (newline-terminated) for a table sorted by block.

    Returns the lines and the number of outputs. The ``index`` of a transaction is its
    position in its block, counted within this table (callers never split a block).
    """
    n = tab.n
    if n == 0:
        return pa.array([], type=pa.string()), 0
    block = BTC_BLOCK0 + (tab.time - T_START) // BTC_BLOCK_TIME
    bts = T_START + (block - BTC_BLOCK0) * BTC_BLOCK_TIME
    first = np.r_[True, block[1:] != block[:-1]]
    starts = np.flatnonzero(first)
    pos = np.arange(n, dtype=np.int64) - np.repeat(starts, np.diff(np.r_[starts, n]))

    in_cnt = np.diff(tab.in_off)
    out_cnt = np.diff(tab.out_off)
    k, m = len(tab.in_addr), len(tab.out_addr)
    in_idx = np.arange(k, dtype=np.int64) - np.repeat(tab.in_off[:-1], in_cnt)
    out_idx = np.arange(m, dtype=np.int64) - np.repeat(tab.out_off[:-1], out_cnt)

    if k:
        ins = concat(
            '{"index":',
            dec_strings(in_idx),
            ',"spent_transaction_hash":"',
            hex_strings(tab.in_hash),
            '","spent_output_index":',
            dec_strings(tab.in_vout),
            ",",
            reg.in_frag.take(pa.array(tab.in_addr)),
            ',"value":',
            dec_strings(tab.in_value),
            "}",
        )
    else:
        ins = pa.array([], type=pa.string())
    null_mask = tab.out_addr < 0
    frag = reg.out_frag.take(pa.array(np.where(null_mask, 0, tab.out_addr)))
    if null_mask.any():
        memos = [nulldata_frag(tab.out_memo[i] or b"") for i in np.flatnonzero(null_mask)]
        frag = pc.replace_with_mask(frag, pa.array(null_mask), pa.array(memos, pa.string()))
    outs = concat(
        '{"index":', dec_strings(out_idx), ",", frag, ',"value":', dec_strings(tab.out_value), "}"
    )

    in_val = segment_sums(tab.in_value, tab.in_off)
    out_val = segment_sums(tab.out_value, tab.out_off)
    fee = np.where(tab.coinbase, 0, in_val - out_val)
    memo_len = np.zeros(m, dtype=np.int64)
    if null_mask.any():
        memo_len[null_mask] = [len(tab.out_memo[i] or b"") for i in np.flatnonzero(null_mask)]
    extra = segment_sums(memo_len, tab.out_off)
    size = 10 + 148 * in_cnt + 34 * out_cnt + extra
    vsize = 10 + 91 * in_cnt + 32 * out_cnt + extra
    block_hash = hex_strings(block_hash_bytes(block, BLOCK_SALT_BTC))
    line = concat(
        '{"hash":"',
        hex_strings(tab.hash),
        '","size":',
        dec_strings(size),
        ',"virtual_size":',
        dec_strings(vsize),
        ',"version":2,"lock_time":0,"block_number":',
        dec_strings(block),
        ',"block_hash":"',
        block_hash,
        '","block_timestamp":',
        dec_strings(bts),
        ',"is_coinbase":',
        pc.if_else(pa.array(tab.coinbase), "true", "false"),
        ',"index":',
        dec_strings(pos),
        ',"inputs":[',
        join_lists(tab.in_off, ins),
        '],"outputs":[',
        join_lists(tab.out_off, outs),
        '],"input_count":',
        dec_strings(in_cnt),
        ',"output_count":',
        dec_strings(out_cnt),
        ',"input_value":',
        dec_strings(in_val),
        ',"output_value":',
        dec_strings(out_val),
        ',"fee":',
        dec_strings(fee),
        "}\n",
    )
    return line, m
