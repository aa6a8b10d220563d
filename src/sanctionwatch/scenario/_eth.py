"""Ethereum rows: columnar batches, background traffic, and ethereum-etl CSV tables.

A window of time is generated at once: background events (vectorized with numpy), plus the
laundering and cross-chain rows that fall in the window. The window is then sorted into
blocks, given nonces, transaction indices and log indices, and turned into the three
ethereum-etl tables (transactions, token_transfers, traces).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sanctionwatch.scenario._encode import (
    big_dec_strings,
    big_hex64,
    block_hash_bytes,
    concat,
    dec_strings,
    fixed_strings,
    hex_strings,
    mix64,
    split_big,
)
from sanctionwatch.scenario._model import (
    ETH_BLOCK0,
    ETH_BLOCK_TIME,
    MIXER_DENOMS_WEI,
    T_START,
    TOKENS,
    EthTx,
)
from sanctionwatch.scenario._registry import EthRegistry
from sanctionwatch.scenario._services import Services

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
I8 = npt.NDArray[np.int8]

BLOCK_SALT_ETH = 0xE7E0
TX_COLUMNS = (
    "hash",
    "nonce",
    "block_hash",
    "block_number",
    "transaction_index",
    "from_address",
    "to_address",
    "value",
    "gas",
    "gas_price",
    "input",
    "block_timestamp",
    "max_fee_per_gas",
    "max_priority_fee_per_gas",
    "transaction_type",
    "receipt_status",
)
TOKEN_COLUMNS = (
    "token_address",
    "from_address",
    "to_address",
    "value",
    "transaction_hash",
    "log_index",
    "block_number",
    "block_timestamp",
)
TRACE_COLUMNS = (
    "transaction_hash",
    "transaction_index",
    "from_address",
    "to_address",
    "value",
    "input",
    "output",
    "trace_type",
    "call_type",
    "reward_type",
    "gas",
    "gas_used",
    "subtraces",
    "trace_address",
    "error",
    "status",
    "block_number",
    "block_timestamp",
    "trace_id",
)


def _i64(x: object) -> I64:
    return np.asarray(x, dtype=np.int64)


def _const(text: str, n: int) -> pa.Array:
    """``n`` copies of one string."""
    return pa.repeat(pa.scalar(text, pa.string()), n)


@dataclass(slots=True)
class EthBatch:
    """Transactions plus the token transfers and internal calls that belong to them.

    ``tok_tx`` and ``tr_tx`` index into the transactions of the same batch.
    """

    time: I64
    hash: U8
    frm: I64
    to: I64
    vhi: I64
    vlo: I64
    gas: I64
    input: pa.Array
    status: I8
    tok_tx: I64
    tok_token: I64
    tok_frm: I64
    tok_to: I64
    tok_hi: I64
    tok_lo: I64
    tok_sub: I64
    tr_tx: I64
    tr_frm: I64
    tr_to: I64
    tr_hi: I64
    tr_lo: I64
    tr_sub: I64

    @property
    def n(self) -> int:
        """Number of transactions."""
        return len(self.time)

    @property
    def rows(self) -> int:
        """Rows this batch writes (transactions + token transfers + traces)."""
        return len(self.time) + len(self.tok_tx) + len(self.tr_tx)

    @staticmethod
    def empty() -> EthBatch:
        """A batch without rows."""
        z = np.zeros(0, dtype=np.int64)
        return EthBatch(
            z,
            np.zeros((0, 32), np.uint8),
            z,
            z,
            z,
            z,
            z,
            pa.array([], pa.string()),
            np.zeros(0, np.int8),
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            z,
            z,
        )

    @staticmethod
    def concat(parts: list[EthBatch]) -> EthBatch:
        """All rows of ``parts`` (token/trace references are rebased)."""
        parts = [p for p in parts if p.n] or [EthBatch.empty()]
        if len(parts) == 1:
            return parts[0]
        base = np.cumsum([0] + [p.n for p in parts[:-1]])

        def cat(name: str) -> I64:
            return np.concatenate([getattr(p, name) for p in parts])

        return EthBatch(
            cat("time"),
            np.concatenate([p.hash for p in parts]),
            cat("frm"),
            cat("to"),
            cat("vhi"),
            cat("vlo"),
            cat("gas"),
            pa.concat_arrays([p.input.cast(pa.string()) for p in parts]),
            np.concatenate([p.status for p in parts]).astype(np.int8),
            np.concatenate([p.tok_tx + b for p, b in zip(parts, base, strict=True)]),
            cat("tok_token"),
            cat("tok_frm"),
            cat("tok_to"),
            cat("tok_hi"),
            cat("tok_lo"),
            cat("tok_sub"),
            np.concatenate([p.tr_tx + b for p, b in zip(parts, base, strict=True)]),
            cat("tr_frm"),
            cat("tr_to"),
            cat("tr_hi"),
            cat("tr_lo"),
            cat("tr_sub"),
        )

    def take(self, idx: I64) -> EthBatch:
        """The transactions at ``idx`` (in that order) with their token rows and traces."""
        idx = _i64(idx)
        new_pos = np.full(self.n, -1, dtype=np.int64)
        new_pos[idx] = np.arange(len(idx), dtype=np.int64)
        tk = np.flatnonzero(new_pos[self.tok_tx] >= 0) if len(self.tok_tx) else _i64([])
        tr = np.flatnonzero(new_pos[self.tr_tx] >= 0) if len(self.tr_tx) else _i64([])
        return EthBatch(
            self.time[idx],
            self.hash[idx],
            self.frm[idx],
            self.to[idx],
            self.vhi[idx],
            self.vlo[idx],
            self.gas[idx],
            self.input.take(pa.array(idx)),
            self.status[idx],
            new_pos[self.tok_tx[tk]],
            self.tok_token[tk],
            self.tok_frm[tk],
            self.tok_to[tk],
            self.tok_hi[tk],
            self.tok_lo[tk],
            self.tok_sub[tk],
            new_pos[self.tr_tx[tr]],
            self.tr_frm[tr],
            self.tr_to[tr],
            self.tr_hi[tr],
            self.tr_lo[tr],
            self.tr_sub[tr],
        )


def batch_from_txs(txs: list[EthTx], reg: EthRegistry) -> EthBatch:
    """Convert laundering-core transactions into a batch (sorted by time)."""
    txs = sorted(txs, key=lambda t: t.time)
    if not txs:
        return EthBatch.empty()
    vh, vl = zip(*(split_big(t.value) for t in txs), strict=True)
    tok: list[tuple[int, int, int, int, int, int, int]] = []
    tr: list[tuple[int, int, int, int, int, int]] = []
    for i, t in enumerate(txs):
        for s, (token, frm, to, amount) in enumerate(t.tokens):
            hi, lo = split_big(amount)
            tok.append((i, reg.id(token), reg.id(frm), reg.id(to), hi, lo, s))
        for s, (frm, to, value) in enumerate(t.traces):
            hi, lo = split_big(value)
            tr.append((i, reg.id(frm), reg.id(to), hi, lo, s))
    tok_a = np.array(tok, dtype=np.int64).reshape(-1, 7)
    tr_a = np.array(tr, dtype=np.int64).reshape(-1, 6)
    return EthBatch(
        _i64([t.time for t in txs]),
        np.frombuffer(b"".join(t.hash for t in txs), dtype=np.uint8).reshape(-1, 32).copy(),
        _i64([reg.id(t.frm) for t in txs]),
        _i64([reg.id(t.to) for t in txs]),
        _i64(vh),
        _i64(vl),
        _i64([t.gas for t in txs]),
        pa.array([t.input for t in txs], pa.string()),
        np.ones(len(txs), dtype=np.int8),
        *(tok_a[:, c].copy() for c in range(7)),
        *(tr_a[:, c].copy() for c in range(6)),
    )


def _eth_amounts(rng: np.random.Generator, n: int, median: float, sigma: float) -> tuple[I64, I64]:
    """Log-normal ETH-like amounts (18 decimals) as (hi = gwei, lo = wei below a gwei).

    About 40% are round numbers (people send 0.5 ETH, not 0.4873...).
    """
    x = np.clip(rng.lognormal(np.log(median), sigma, n), 1e-6, 5e4)
    rnd = rng.random(n) < 0.4
    mag = 10.0 ** np.floor(np.log10(x) - 1)
    x = np.where(rnd, np.round(x / mag) * mag, x)
    hi = np.floor(x * 1e9).astype(np.int64)
    lo = np.where(rnd, 0, rng.integers(0, 10**9, n)).astype(np.int64)
    return hi, lo


def _units(x: npt.NDArray[np.float64], decimals: int, rng: np.random.Generator) -> tuple[I64, I64]:
    """Token amounts (in token units) to (hi, lo) base units."""
    if decimals >= 9:
        hi = np.floor(x * 10.0 ** (decimals - 9)).astype(np.int64)
        lo = rng.integers(0, 10**9, len(x)).astype(np.int64)
        return hi, lo
    units = np.floor(x * 10.0**decimals).astype(np.int64)
    return units // 10**9, units % 10**9


def _zipf_ids(rng: np.random.Generator, n: int, size: int, skew: float) -> I64:
    """Ids in [0, size) with heavy-tailed popularity (id 0 most popular)."""
    return np.minimum((size * rng.random(n) ** skew).astype(np.int64), size - 1)


class EthBackground:
    """Honest Ethereum traffic around the services (vectorized, one window at a time)."""

    # event kinds, their probabilities and the rows each writes
    KINDS = (
        "p2p",
        "deposit",
        "withdraw",
        "erc20",
        "dex_buy",
        "dex_sell",
        "call",
        "mix_in",
        "mix_out",
    )
    PROBS = np.array([0.29, 0.14, 0.12, 0.23, 0.05, 0.05, 0.09, 0.015, 0.015])
    ROWS = np.array([1, 2, 1, 2, 3, 3, 1, 1, 3])

    def __init__(self, rng: np.random.Generator, reg: EthRegistry, svc: Services) -> None:
        self.rng = rng
        self.reg = reg
        self.probs = self.PROBS / self.PROBS.sum()
        self.rows_per_event = float((self.probs * self.ROWS).sum())
        ex = svc.exchanges
        self.ex_share = np.array([e.share for e in ex])
        self.ex_share /= self.ex_share.sum()
        self.hot = [np.array([reg.id(a) for a in e.eth_hot], dtype=np.int64) for e in ex]
        self.router = reg.id(svc.dex_router)
        self.weth = reg.id(TOKENS["WETH"].address)
        syms = [s for s in TOKENS if s != "WETH"]
        self.tok_syms = syms
        self.tok_ids = np.array([reg.id(TOKENS[s].address) for s in syms], dtype=np.int64)
        self.tok_dec = np.array([TOKENS[s].decimals for s in syms], dtype=np.int64)
        self.tok_pool = np.array([reg.id(svc.dex_pools[s]) for s in syms], dtype=np.int64)
        self.tok_p = np.array([0.38, 0.25, 0.08, 0.16, 0.05, 0.04, 0.04][: len(syms)])
        self.tok_p /= self.tok_p.sum()
        # median transfer size in token units, and ETH price of one unit (for DEX swaps)
        med = {"USDT": 300.0, "USDC": 400.0, "DAI": 250.0, "stETH": 1.5, "mETH": 1.0, "cmETH": 1.0}
        px = {
            "USDT": 1 / 2650,
            "USDC": 1 / 2650,
            "DAI": 1 / 2650,
            "stETH": 0.999,
            "mETH": 1.032,
            "cmETH": 1.031,
        }
        self.tok_med = np.array([med[s] for s in syms])
        self.tok_px = np.array([px[s] for s in syms])
        self.misc = np.array([reg.id(a) for a in svc.misc_contracts], dtype=np.int64)
        self.pools = np.array(
            [reg.id(svc.mixer_pools[d]) for d in MIXER_DENOMS_WEI], dtype=np.int64
        )
        self.relayers = np.array([reg.id(a) for a in svc.relayers], dtype=np.int64)

    def users(self, n: int, skew: float = 2.2) -> I64:
        """Background user ids with heavy-tailed activity."""
        return _zipf_ids(self.rng, n, self.reg.users, skew)

    def _hot_of(self, ex: npt.NDArray[np.int64]) -> I64:
        out = np.empty(len(ex), dtype=np.int64)
        for e, hots in enumerate(self.hot):
            m = ex == e
            if m.any():
                out[m] = hots[self.rng.integers(0, len(hots), int(m.sum()))]
        return out

    def window(self, t0: int, t1: int, rows: int) -> tuple[EthBatch, EthBatch]:
        """Background rows for [t0, t1): (batch, carried sweeps that fall after ``t1``)."""
        rng, reg = self.rng, self.reg
        n_ev = max(0, round(rows / self.rows_per_event))
        counts = rng.multinomial(n_ev, self.probs)
        c = dict(zip(self.KINDS, counts.tolist(), strict=True))
        parts: list[EthBatch] = []
        z = np.zeros(0, dtype=np.int64)

        def times(n: int) -> I64:
            return rng.integers(t0, t1, n).astype(np.int64)

        def txs(
            time: I64,
            frm: I64,
            to: I64,
            vhi: I64,
            vlo: I64,
            gas: I64,
            inp: pa.Array,
            fail: float = 0.0,
        ) -> EthBatch:
            n = len(time)
            status = (rng.random(n) >= fail).astype(np.int8)
            hs = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)
            return EthBatch(
                time, hs, frm, to, vhi, vlo, gas, inp, status, z, z, z, z, z, z, z, z, z, z, z, z, z
            )

        def plain(n: int) -> pa.Array:
            return _const("0x", n)

        def calldata(n: int, selector: str, nbytes: int) -> pa.Array:
            raw = np.frombuffer(rng.bytes(nbytes * n), dtype=np.uint8).reshape(n, nbytes)
            return hex_strings(raw, ("0x" + selector).encode())

        # plain ETH between users (1% fail)
        n = c["p2p"]
        hi, lo = _eth_amounts(rng, n, 0.2, 2.0)
        parts.append(
            txs(
                times(n),
                self.users(n),
                self.users(n, 2.0),
                hi,
                lo,
                np.full(n, 21_000, np.int64),
                plain(n),
                fail=0.01,
            )
        )
        # exchange deposits and their sweeps to a hot wallet
        n = c["deposit"]
        u = self.users(n)
        dep = reg.dep_base + (u * 2_654_435_761 + 12_345) % reg.deposits
        hi, lo = _eth_amounts(rng, n, 0.5, 1.8)
        td = times(n)
        parts.append(txs(td, u, dep, hi, lo, np.full(n, 21_000, np.int64), plain(n)))
        ts = td + 60 + rng.exponential(3 * 3600, n).astype(np.int64)
        hot = self._hot_of(reg.dep_exchange[dep - reg.dep_base].astype(np.int64))
        sweeps = txs(ts, dep, hot, hi, lo, np.full(n, 21_000, np.int64), plain(n))
        # withdrawals from hot wallets
        n = c["withdraw"]
        ex = rng.choice(len(self.hot), size=n, p=self.ex_share).astype(np.int64)
        hi, lo = _eth_amounts(rng, n, 0.4, 1.8)
        parts.append(
            txs(
                times(n),
                self._hot_of(ex),
                self.users(n, 1.8),
                hi,
                lo,
                rng.integers(21_000, 60_000, n).astype(np.int64),
                plain(n),
            )
        )
        # ERC-20 transfers: a call to the token contract plus one Transfer log
        n = c["erc20"]
        k = rng.choice(len(self.tok_ids), size=n, p=self.tok_p)
        frm = self.users(n)
        to = np.where(
            rng.random(n) < 0.15,
            reg.dep_base + rng.integers(0, reg.deposits, n),
            self.users(n, 2.0),
        )
        x = rng.lognormal(np.log(self.tok_med[k]), 2.0)
        ahi = np.empty(n, np.int64)
        alo = np.empty(n, np.int64)
        for j, d in enumerate(self.tok_dec.tolist()):
            m = k == j
            ahi[m], alo[m] = _units(x[m], d, rng)
        inp = np.empty((n, 138), dtype=np.uint8)
        inp[:, :34] = np.frombuffer(b"0xa9059cbb" + b"0" * 24, dtype=np.uint8)
        inp[:, 34:74] = reg.bare_hex(to)
        inp[:, 74:] = big_hex64(ahi, alo)
        zeros = np.zeros(n, np.int64)
        b = txs(
            times(n),
            frm,
            self.tok_ids[k],
            zeros,
            zeros,
            rng.integers(45_000, 70_000, n).astype(np.int64),
            fixed_strings(inp),
        )
        ar = np.arange(n, dtype=np.int64)
        b.tok_tx, b.tok_token, b.tok_frm, b.tok_to = ar, self.tok_ids[k], frm, to
        b.tok_hi, b.tok_lo, b.tok_sub = ahi, alo, np.zeros(n, np.int64)
        parts.append(b)
        # DEX: buy tokens with ETH (ETH in, token out of the pool)
        for kind in ("dex_buy", "dex_sell"):
            n = c[kind]
            k = rng.choice(len(self.tok_ids), size=n, p=self.tok_p)
            u = self.users(n)
            ehi, elo = _eth_amounts(rng, n, 0.3, 1.6)
            eth = (ehi.astype(np.float64) + elo / 1e9) / 1e9
            x = eth / self.tok_px[k] * rng.uniform(0.97, 1.0, n)
            ahi = np.empty(n, np.int64)
            alo = np.empty(n, np.int64)
            for j, d in enumerate(self.tok_dec.tolist()):
                m = k == j
                ahi[m], alo[m] = _units(x[m], d, rng)
            ar = np.arange(n, dtype=np.int64)
            gas = rng.integers(120_000, 300_000, n).astype(np.int64)
            if kind == "dex_buy":
                b = txs(
                    times(n),
                    u,
                    np.full(n, self.router),
                    ehi,
                    elo,
                    gas,
                    calldata(n, "7ff36ab5", 128),
                )
                b.tok_frm, b.tok_to = self.tok_pool[k], u
                b.tr_frm, b.tr_to = np.full(n, self.router), np.full(n, self.weth)
            else:
                b = txs(
                    times(n),
                    u,
                    np.full(n, self.router),
                    np.zeros(n, np.int64),
                    np.zeros(n, np.int64),
                    gas,
                    calldata(n, "18cbafe5", 160),
                )
                b.tok_frm, b.tok_to = u, self.tok_pool[k]
                b.tr_frm, b.tr_to = np.full(n, self.router), u
            b.tok_tx, b.tok_token, b.tok_hi, b.tok_lo = ar, self.tok_ids[k], ahi, alo
            b.tok_sub = np.zeros(n, np.int64)
            b.tr_tx, b.tr_hi, b.tr_lo, b.tr_sub = ar, ehi, elo, np.zeros(n, np.int64)
            parts.append(b)
        # contract calls without value (NFTs, DeFi): no transfer rows
        n = c["call"]
        parts.append(
            txs(
                times(n),
                self.users(n),
                self.misc[_zipf_ids(rng, n, len(self.misc), 1.5)],
                np.zeros(n, np.int64),
                np.zeros(n, np.int64),
                rng.integers(40_000, 400_000, n).astype(np.int64),
                calldata(n, "a22cb465", 64),
                fail=0.02,
            )
        )
        # mixer deposits and withdrawals of honest users (the anonymity set)
        n = c["mix_in"]
        d = rng.choice(4, size=n, p=[0.3, 0.35, 0.25, 0.1])
        dh = (np.array(MIXER_DENOMS_WEI, dtype=object) // 10**9).astype(np.int64)[d]
        parts.append(
            txs(
                times(n),
                self.users(n),
                self.pools[d],
                dh,
                np.zeros(n, np.int64),
                rng.integers(900_000, 1_200_000, n).astype(np.int64),
                calldata(n, "b214faa5", 32),
            )
        )
        n = c["mix_out"]
        d = rng.choice(4, size=n, p=[0.3, 0.35, 0.25, 0.1])
        dh = (np.array(MIXER_DENOMS_WEI, dtype=object) // 10**9).astype(np.int64)[d]
        fee = dh * 25 // 10_000
        rel = self.relayers[rng.integers(0, len(self.relayers), n)]
        b = txs(
            times(n),
            rel,
            self.pools[d],
            np.zeros(n, np.int64),
            np.zeros(n, np.int64),
            rng.integers(320_000, 420_000, n).astype(np.int64),
            calldata(n, "21a0adb6", 256),
        )
        ar = np.arange(n, dtype=np.int64)
        b.tr_tx = np.concatenate([ar, ar])
        b.tr_frm = np.concatenate([self.pools[d], self.pools[d]])
        b.tr_to = np.concatenate([self.users(n, 1.2), rel])
        b.tr_hi = np.concatenate([dh - fee, fee])
        b.tr_lo = np.zeros(2 * n, np.int64)
        b.tr_sub = np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64)])
        parts.append(b)

        inside = sweeps.time < t1
        parts.append(sweeps.take(np.flatnonzero(inside)))
        carry = sweeps.take(np.flatnonzero(~inside))
        return EthBatch.concat(parts), carry


def finalize(
    batch: EthBatch, reg: EthRegistry, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Order a window into blocks and build the three ethereum-etl tables."""
    n = batch.n
    block = ETH_BLOCK0 + (batch.time - T_START) // ETH_BLOCK_TIME
    order = np.lexsort((rng.random(n), block))
    b = batch.take(order)
    block = block[order]
    bts = T_START + (block - ETH_BLOCK0) * ETH_BLOCK_TIME
    first = np.r_[True, block[1:] != block[:-1]] if n else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    tx_index = np.arange(n, dtype=np.int64) - np.repeat(starts, np.diff(np.r_[starts, n]))
    # nonces: per sender, continuing across windows
    by_sender = np.argsort(b.frm, kind="stable")
    s_sorted = b.frm[by_sender]
    g_first = np.r_[True, s_sorted[1:] != s_sorted[:-1]] if n else np.zeros(0, bool)
    g_starts = np.flatnonzero(g_first)
    g_len = np.diff(np.r_[g_starts, n])
    rank = np.arange(n, dtype=np.int64) - np.repeat(g_starts, g_len)
    nonce = np.empty(n, dtype=np.int64)
    nonce[by_sender] = reg.nonces[s_sorted] + rank
    reg.nonces[s_sorted[g_starts]] += g_len
    # fees: a base fee per block (0.5-12 gwei, skewed low) plus a tip
    u = (mix64(block.astype(np.uint64)) >> np.uint64(11)).astype(np.float64) / 2.0**53
    base = ((0.5 + 11.5 * u**3) * 1e9).astype(np.int64)
    tip = (rng.choice([0.01, 0.05, 0.1, 0.5, 1.0, 2.0], n) * 1e9).astype(np.int64)
    legacy = rng.random(n) < 0.15
    gas_price = base + tip
    max_fee = pa.array(2 * base + tip, mask=legacy)
    max_tip = pa.array(tip, mask=legacy)
    tx_hash = hex_strings(b.hash, b"0x")
    block_s = dec_strings(block)
    bts_s = dec_strings(bts)
    txs = pa.table(
        {
            "hash": tx_hash,
            "nonce": pa.array(nonce),
            "block_hash": hex_strings(block_hash_bytes(block, BLOCK_SALT_ETH), b"0x"),
            "block_number": block_s,
            "transaction_index": pa.array(tx_index),
            "from_address": reg.text(b.frm),
            "to_address": reg.text(b.to),
            "value": big_dec_strings(b.vhi, b.vlo),
            "gas": pa.array(b.gas),
            "gas_price": pa.array(gas_price),
            "input": b.input,
            "block_timestamp": bts_s,
            "max_fee_per_gas": max_fee,
            "max_priority_fee_per_gas": max_tip,
            "transaction_type": pa.array(np.where(legacy, 0, 2).astype(np.int64)),
            "receipt_status": pa.array(b.status.astype(np.int64)),
        }
    )
    # token transfers in transaction order; log_index counts within the block
    ot = np.lexsort((b.tok_sub, b.tok_tx))
    tt = b.tok_tx[ot]
    tb = block[tt]
    tfirst = np.r_[True, tb[1:] != tb[:-1]] if len(tt) else np.zeros(0, bool)
    tstarts = np.flatnonzero(tfirst)
    log_index = np.arange(len(tt), dtype=np.int64) - np.repeat(
        tstarts, np.diff(np.r_[tstarts, len(tt)])
    )
    tt_pa = pa.array(tt)
    toks = pa.table(
        {
            "token_address": reg.text(b.tok_token[ot]),
            "from_address": reg.text(b.tok_frm[ot]),
            "to_address": reg.text(b.tok_to[ot]),
            "value": big_dec_strings(b.tok_hi[ot], b.tok_lo[ot]),
            "transaction_hash": tx_hash.take(tt_pa),
            "log_index": pa.array(log_index),
            "block_number": block_s.take(tt_pa),
            "block_timestamp": bts_s.take(tt_pa),
        }
    )
    # internal calls (traces), one level below the top call
    orr = np.lexsort((b.tr_sub, b.tr_tx))
    rt = b.tr_tx[orr]
    rt_pa = pa.array(rt)
    m = len(rt)
    sub = dec_strings(b.tr_sub[orr])
    rhash = tx_hash.take(rt_pa)
    gas_t = rng.integers(2_300, 60_000, m).astype(np.int64)
    traces = pa.table(
        {
            "transaction_hash": rhash,
            "transaction_index": pa.array(tx_index[rt]),
            "from_address": reg.text(b.tr_frm[orr]),
            "to_address": reg.text(b.tr_to[orr]),
            "value": big_dec_strings(b.tr_hi[orr], b.tr_lo[orr]),
            "input": _const("0x", m),
            "output": _const("0x", m),
            "trace_type": _const("call", m),
            "call_type": _const("call", m),
            "reward_type": pa.nulls(m, pa.string()),
            "gas": pa.array(gas_t),
            "gas_used": pa.array(gas_t // 3),
            "subtraces": pa.array(np.zeros(m, np.int64)),
            "trace_address": sub,
            "error": pa.nulls(m, pa.string()),
            "status": pa.array(np.ones(m, np.int64)),
            "block_number": block_s.take(rt_pa),
            "block_timestamp": bts_s.take(rt_pa),
            "trace_id": concat("call_", rhash, "_", sub),
        }
    )
    return txs, toks, traces


__all__ = [
    "TOKEN_COLUMNS",
    "TRACE_COLUMNS",
    "TX_COLUMNS",
    "EthBackground",
    "EthBatch",
    "batch_from_txs",
    "finalize",
]
