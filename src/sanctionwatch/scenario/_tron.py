"""TRON USDT rows in the project's canonical transfer CSV, background and laundering.

TRON carries the USDT leg of the scenario: a bridge pays USDT to the launderers, who move
it to OTC desks, an exchange and an address the issuer later freezes. Around it, honest
users, exchanges (deposit addresses that sweep to hot wallets, batched withdrawals) and the
same OTC desks trade USDT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sanctionwatch.chain.readers.table import CANONICAL_HEADER
from sanctionwatch.scenario._encode import dec_strings, hex_strings, iso_strings
from sanctionwatch.scenario._model import (
    T_START,
    TRON_BLOCK0,
    TRON_BLOCK_TIME,
    USDT_TRC20,
    USDT_UNIT,
    TronTransfer,
)
from sanctionwatch.scenario._registry import TronRegistry
from sanctionwatch.scenario._services import Services

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

# The TRON side is written in the project's canonical transfer CSV.
TRON_COLUMNS = CANONICAL_HEADER


@dataclass(slots=True)
class TronBatch:
    """USDT transfers (several may share a transaction hash, told apart by position)."""

    time: I64
    hash: U8
    pos: I64
    frm: I64
    to: I64
    amount: I64

    @property
    def n(self) -> int:
        """Number of transfers."""
        return len(self.time)

    @staticmethod
    def concat(parts: list[TronBatch]) -> TronBatch:
        """All transfers of ``parts``."""
        return TronBatch(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("time", "hash", "pos", "frm", "to", "amount")
            )
        )

    def take(self, idx: I64) -> TronBatch:
        """Transfers at ``idx``."""
        return TronBatch(
            self.time[idx],
            self.hash[idx],
            self.pos[idx],
            self.frm[idx],
            self.to[idx],
            self.amount[idx],
        )


def batch_from_transfers(rows: list[TronTransfer], reg: TronRegistry) -> TronBatch:
    """Convert laundering-core transfers into a batch."""
    rows = sorted(rows, key=lambda r: r.time)
    return TronBatch(
        np.array([r.time for r in rows], dtype=np.int64),
        np.frombuffer(b"".join(r.hash for r in rows), dtype=np.uint8).reshape(-1, 32).copy(),
        np.array([r.position for r in rows], dtype=np.int64),
        np.array([reg.id(r.frm) for r in rows], dtype=np.int64),
        np.array([reg.id(r.to) for r in rows], dtype=np.int64),
        np.array([r.amount for r in rows], dtype=np.int64),
    )


class TronBackground:
    """Honest USDT traffic on TRON (vectorized, one window at a time)."""

    KINDS = ("p2p", "deposit", "withdraw", "to_otc", "from_otc", "mint")
    PROBS = np.array([0.36, 0.15, 0.19, 0.14, 0.14, 0.002])
    ROWS = np.array([1.0, 2.0, 2.5, 1.0, 1.0, 1.0])

    def __init__(self, rng: np.random.Generator, reg: TronRegistry, svc: Services) -> None:
        self.rng = rng
        self.reg = reg
        self.probs = self.PROBS / self.PROBS.sum()
        self.rows_per_event = float((self.probs * self.ROWS).sum())
        self.hot = np.array(
            [reg.id(svc.exchanges[i].tron_hot[0]) for i in svc.tron_exchanges], dtype=np.int64
        )
        self.otc = np.array([reg.id(a) for _, a in svc.otc_desks], dtype=np.int64)
        self.issuer = reg.id(svc.issuer_tron)

    def _users(self, n: int, skew: float = 2.2) -> I64:
        return np.minimum(
            (self.reg.users * self.rng.random(n) ** skew).astype(np.int64), self.reg.users - 1
        )

    def _amounts(self, n: int, median: float, sigma: float) -> I64:
        x = np.clip(self.rng.lognormal(np.log(median), sigma, n), 1.0, 5e7)
        return (x * USDT_UNIT).astype(np.int64)

    def window(self, t0: int, t1: int, rows: int) -> tuple[TronBatch, TronBatch]:
        """Background transfers in [t0, t1) and the deposit sweeps that fall after it."""
        rng, reg = self.rng, self.reg
        n_ev = max(0, round(rows / self.rows_per_event))
        c = dict(zip(self.KINDS, rng.multinomial(n_ev, self.probs).tolist(), strict=True))
        parts: list[TronBatch] = []

        def mk(
            time: I64,
            frm: I64,
            to: I64,
            amount: I64,
            pos: I64 | None = None,
            hashes: U8 | None = None,
        ) -> TronBatch:
            n = len(time)
            if hashes is None:
                hashes = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)
            return TronBatch(
                time, hashes, np.zeros(n, np.int64) if pos is None else pos, frm, to, amount
            )

        def times(n: int) -> I64:
            return rng.integers(t0, t1, n).astype(np.int64)

        n = c["p2p"]
        parts.append(mk(times(n), self._users(n), self._users(n, 2.0), self._amounts(n, 150, 2)))
        n = c["deposit"]
        u = self._users(n)
        dep = reg.dep_base + (u * 2_654_435_761 + 7) % reg.deposits
        amt = self._amounts(n, 400, 1.8)
        td = times(n)
        parts.append(mk(td, u, dep, amt))
        hot = self.hot[reg.dep_exchange[dep - reg.dep_base].astype(np.int64) % len(self.hot)]
        sweeps = mk(td + 60 + rng.exponential(2 * 3600, n).astype(np.int64), dep, hot, amt)
        # withdrawals, some batched: one transaction, several positions
        n = c["withdraw"]
        size = np.where(rng.random(n) < 0.2, rng.integers(2, 6, n), 1).astype(np.int64)
        total = int(size.sum())
        ev = np.repeat(np.arange(n), size)
        starts = np.cumsum(size) - size
        pos = np.arange(total, dtype=np.int64) - np.repeat(starts, size)
        hashes = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)[ev]
        src = self.hot[rng.integers(0, len(self.hot), n)][ev]
        parts.append(
            mk(
                times(n)[ev],
                src,
                self._users(total, 1.8),
                self._amounts(total, 250, 1.8),
                pos,
                hashes,
            )
        )
        n = c["to_otc"]
        parts.append(
            mk(
                times(n),
                self._users(n),
                self.otc[rng.integers(0, len(self.otc), n)],
                self._amounts(n, 5_000, 1.5),
            )
        )
        n = c["from_otc"]
        parts.append(
            mk(
                times(n),
                self.otc[rng.integers(0, len(self.otc), n)],
                self._users(n),
                self._amounts(n, 4_000, 1.5),
            )
        )
        n = c["mint"]
        parts.append(
            mk(
                times(n),
                np.full(n, self.issuer),
                self.hot[rng.integers(0, len(self.hot), n)],
                self._amounts(n, 5e6, 0.5),
            )
        )
        inside = sweeps.time < t1
        parts.append(sweeps.take(np.flatnonzero(inside)))
        return TronBatch.concat(parts), sweeps.take(np.flatnonzero(~inside))


def finalize(batch: TronBatch, reg: TronRegistry) -> pa.Table:
    """Sort a window into blocks and build the canonical transfer table."""
    block = TRON_BLOCK0 + (batch.time - T_START) // TRON_BLOCK_TIME
    key = batch.hash[:, :8].copy().view(">u8").reshape(-1)
    order = np.lexsort((batch.pos, key, block))
    b = batch.take(order)
    block = block[order]
    n = b.n
    bts = T_START + (block - TRON_BLOCK0) * TRON_BLOCK_TIME
    return pa.table(
        {
            "chain": pa.repeat(pa.scalar("tron", pa.string()), n),
            "tx_hash": hex_strings(b.hash),
            "position": pa.array(b.pos),
            "block_number": dec_strings(block),
            "block_time": iso_strings(bts),
            "from_address": reg.text.take(pa.array(b.frm)),
            "to_address": reg.text.take(pa.array(b.to)),
            "asset": pa.repeat(pa.scalar(USDT_TRC20, pa.string()), n),
            "amount": dec_strings(b.amount),
        }
    )
