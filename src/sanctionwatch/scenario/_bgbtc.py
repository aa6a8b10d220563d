"""Honest Bitcoin traffic: wallets paying each other, exchange sweeps and withdrawals.

The background keeps a pool of unspent outputs. Each time window spends outputs created in
earlier windows only (so every input refers to an output written before it), removes them
from the pool, and adds the new outputs. Values conserve exactly (inputs = outputs + fee).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sanctionwatch.scenario._btc import BtcTable, Genesis, segment_sums
from sanctionwatch.scenario._model import SAT
from sanctionwatch.scenario._registry import BtcRegistry
from sanctionwatch.scenario._services import Services

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

MIN_SPEND = 20_000  # sat: smaller outputs stay unspent (dust)
DUST = 1_000
POOL_CAP_FACTOR = 4  # keep at most this many wallet outputs per wallet address


class BtcBackground:
    """The UTXO pool and the vectorized generation of background transactions."""

    def __init__(
        self, rng: np.random.Generator, reg: BtcRegistry, svc: Services, genesis: Genesis
    ) -> None:
        self.rng = rng
        self.reg = reg
        self.hot = [np.array([reg.id(a) for a in e.btc_hot], dtype=np.int64) for e in svc.exchanges]
        share = np.array([e.share for e in svc.exchanges])
        self.ex_share = share / share.sum()
        self.p_hash = np.zeros((0, 32), dtype=np.uint8)
        self.p_vout = np.zeros(0, dtype=np.int64)
        self.p_val = np.zeros(0, dtype=np.int64)
        self.p_addr = np.zeros(0, dtype=np.int64)
        # genesis: seed wallets (log-normal balances) and exchange hot wallets
        # half the wallets (the most active ids) start funded; the rest get paid later
        seeds = rng.lognormal(np.log(0.03 * SAT), 1.6, reg.wallets // 2).astype(np.int64)
        seeds += 50_000
        for i, v in enumerate(seeds.tolist()):
            genesis.fund(i, v, to_pool=True)
        per_hot = int(np.clip(reg.wallets // 100, 3, 40))
        for hots in self.hot:
            for h in hots.tolist():
                for _ in range(per_hot):
                    genesis.fund(h, int(rng.uniform(20, 400) * SAT), to_pool=True)

    def release(self, tab: BtcTable) -> None:
        """Add a table's pool outputs (``out_pool``) to the spendable pool."""
        m = np.flatnonzero(tab.out_pool)
        if not len(m):
            return
        tx_of = np.repeat(np.arange(tab.n), np.diff(tab.out_off))
        vout = np.arange(len(tab.out_addr)) - tab.out_off[:-1][tx_of]
        self.p_hash = np.concatenate([self.p_hash, tab.hash[tx_of[m]]])
        self.p_vout = np.concatenate([self.p_vout, vout[m]])
        self.p_val = np.concatenate([self.p_val, tab.out_value[m]])
        self.p_addr = np.concatenate([self.p_addr, tab.out_addr[m]])

    def _wallet_ids(self, n: int, skew: float = 2.0) -> I64:
        w = self.reg.wallets
        return np.minimum((w * self.rng.random(n) ** skew).astype(np.int64), w - 1)

    def window(self, t0: int, t1: int, outputs: int) -> BtcTable:
        """Background transactions in [t0, t1) with about ``outputs`` outputs."""
        rng, reg = self.rng, self.reg
        kind = reg.kind_of_id[self.p_addr]
        ex_of = reg.exchange_of_id[self.p_addr]
        spent = np.zeros(len(self.p_val), dtype=bool)
        tables: list[BtcTable] = []

        # 1. payments between wallets (some to exchange deposit addresses)
        cand = np.flatnonzero((kind == 0) & (self.p_val >= MIN_SPEND))
        n_pay = min(int(outputs * 0.62 / 1.85), len(cand) // 2)
        if n_pay > 0:
            k_in = rng.choice([1, 2, 3], size=n_pay, p=[0.72, 0.2, 0.08]).astype(np.int64)
            while k_in.sum() > len(cand):
                k_in = k_in[: len(k_in) // 2]
            n_pay = len(k_in)
            sel = cand[rng.choice(len(cand), size=int(k_in.sum()), replace=False)]
            spent[sel] = True
            in_off = np.concatenate([[0], np.cumsum(k_in)]).astype(np.int64)
            in_total = segment_sums(self.p_val[sel], in_off)
            rate = rng.integers(2, 15, n_pay).astype(np.int64)
            pay_all = rng.random(n_pay) < 0.15
            fee = (11 + 68 * k_in + 31 * np.where(pay_all, 1, 2)) * rate
            spend = in_total - fee
            pay = np.where(
                pay_all, spend, (spend * rng.uniform(0.05, 0.95, n_pay)).astype(np.int64)
            )
            change = spend - pay
            small = change < DUST
            pay = np.where(small, spend, pay)
            change = np.where(small, 0, change)
            n_out = np.where(change > 0, 2, 1).astype(np.int64)
            to = np.where(
                rng.random(n_pay) < 0.12,
                reg.dep_base + rng.integers(0, reg.deposits, n_pay),
                self._wallet_ids(n_pay),
            )
            change_to = rng.integers(0, reg.wallets, n_pay).astype(np.int64)
            out_off = np.concatenate([[0], np.cumsum(n_out)]).astype(np.int64)
            m = int(out_off[-1])
            out_addr = np.empty(m, np.int64)
            out_val = np.empty(m, np.int64)
            first = out_off[:-1]
            # change goes first or second at random
            swap = (rng.random(n_pay) < 0.5) & (n_out == 2)
            out_addr[first] = np.where(swap, change_to, to)
            out_val[first] = np.where(swap, change, pay)
            two = np.flatnonzero(n_out == 2)
            out_addr[first[two] + 1] = np.where(swap[two], to[two], change_to[two])
            out_val[first[two] + 1] = np.where(swap[two], pay[two], change[two])
            tables.append(self._table(t0, t1, in_off, sel, out_off, out_addr, out_val))

        # 2. exchanges sweep deposit addresses into hot wallets (batches of up to 50)
        dep_idx = np.flatnonzero((kind == 1) & (self.p_val >= MIN_SPEND))
        if len(dep_idx):
            dep_idx = dep_idx[np.argsort(ex_of[dep_idx], kind="stable")]
            exs = ex_of[dep_idx]
            bounds = np.flatnonzero(np.r_[True, exs[1:] != exs[:-1]])
            groups = np.split(dep_idx, bounds[1:])
            sizes: list[int] = []
            sel_parts: list[I64] = []
            dest: list[int] = []
            for g in groups:
                e = int(ex_of[g[0]])
                for j in range(0, len(g), 50):
                    part = g[j : j + 50]
                    sel_parts.append(part)
                    sizes.append(len(part))
                    hots = self.hot[e]
                    dest.append(int(hots[rng.integers(0, len(hots))]))
            sel = np.concatenate(sel_parts)
            spent[sel] = True
            k_in = np.array(sizes, dtype=np.int64)
            in_off = np.concatenate([[0], np.cumsum(k_in)]).astype(np.int64)
            total = segment_sums(self.p_val[sel], in_off)
            fee = (11 + 68 * k_in + 31) * rng.integers(2, 10, len(k_in))
            out_val = total - fee  # inputs are >= MIN_SPEND each, so this stays positive
            out_off = np.arange(len(k_in) + 1, dtype=np.int64)
            tables.append(
                self._table(t0, t1, in_off, sel, out_off, np.array(dest, dtype=np.int64), out_val)
            )

        # 3. batched withdrawals from hot wallets
        n_wd = int(outputs * 0.33 / 15)
        hot_idx = np.flatnonzero((kind == 2) & ~spent & (self.p_val > 2 * SAT))
        n_wd = min(n_wd, len(hot_idx))
        if n_wd > 0:
            sel = hot_idx[rng.choice(len(hot_idx), size=n_wd, replace=False)]
            spent[sel] = True
            b = rng.integers(3, 28, n_wd).astype(np.int64)
            fee = (11 + 68 + 31 * (b + 1)) * rng.integers(3, 12, n_wd)
            budget = (self.p_val[sel] - fee) * 0.9
            amounts = rng.lognormal(np.log(0.02 * SAT), 1.5, int(b.sum()))
            off = np.concatenate([[0], np.cumsum(b)]).astype(np.int64)
            sums = np.add.reduceat(amounts, off[:-1])
            scale = np.minimum(1.0, budget / sums)
            amounts = np.maximum(DUST, amounts * np.repeat(scale, b)).astype(np.int64)
            paid = segment_sums(amounts, off)
            change = self.p_val[sel] - fee - paid
            n_out = b + 1
            out_off = np.concatenate([[0], np.cumsum(n_out)]).astype(np.int64)
            m = int(out_off[-1])
            out_addr = np.empty(m, np.int64)
            out_val = np.empty(m, np.int64)
            mask = np.ones(m, dtype=bool)
            mask[out_off[1:] - 1] = False  # last output of each tx is the change
            out_addr[mask] = self._wallet_ids(int(b.sum()), 1.6)
            out_val[mask] = amounts
            out_addr[~mask] = self.p_addr[sel]
            out_val[~mask] = change
            in_off = np.arange(n_wd + 1, dtype=np.int64)
            tables.append(self._table(t0, t1, in_off, sel, out_off, out_addr, out_val))

        # drop spent outputs; keep the wallet pool bounded
        keep = ~spent
        wallet_kept = np.flatnonzero(keep & (kind == 0))
        cap = POOL_CAP_FACTOR * reg.wallets
        if len(wallet_kept) > cap:
            keep[wallet_kept[: len(wallet_kept) - cap]] = False  # oldest stay unspent forever
        self.p_hash = self.p_hash[keep]
        self.p_vout = self.p_vout[keep]
        self.p_val = self.p_val[keep]
        self.p_addr = self.p_addr[keep]
        tab = BtcTable.concat(tables)
        tab.out_pool = np.ones(len(tab.out_addr), dtype=bool)
        return tab

    def _table(
        self, t0: int, t1: int, in_off: I64, sel: I64, out_off: I64, out_addr: I64, out_val: I64
    ) -> BtcTable:
        n = len(in_off) - 1
        return BtcTable(
            self.rng.integers(t0, t1, n).astype(np.int64),
            np.frombuffer(self.rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32),
            np.zeros(n, dtype=bool),
            in_off,
            self.p_hash[sel],
            self.p_vout[sel],
            self.p_addr[sel],
            self.p_val[sel],
            out_off,
            out_addr,
            out_val.astype(np.int64),
            [None] * len(out_addr),
            np.ones(len(out_addr), dtype=bool),
        )
