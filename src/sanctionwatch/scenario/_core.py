"""The laundering core: the Bybit-shaped flow of stolen funds, built transfer by transfer.

Shaped on the public accounts of the February 2025 Bybit theft: ETH and staked-ETH tokens
drained into one address; split across ~40-50 fresh addresses in ~10,000 ETH lots; tokens
swapped to ETH on a DEX; most ETH carried to BTC through a THORChain-like swap (memo in
the deposit, ``OUT:`` memo on the payout); some through an instant exchanger, a mixer and
a bridge to USDT on TRON; then BTC fan-out, CoinJoin, peel chains into exchange deposit
addresses, OTC desks, a frozen USDT address, and funds left dormant.

It is plain Python (a few tens of thousands of transfers at most). Every amount moves
through the ``Book``, so value conservation and time order hold by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sanctionwatch.scenario._book import Book
from sanctionwatch.scenario._btc import Genesis, btc_fee
from sanctionwatch.scenario._model import (
    DAY,
    ETH_BTC_SAT,
    ETH_USDT_UNITS,
    FEE_BP_BRIDGE,
    FEE_BP_DEX,
    FEE_BP_EXCHANGER,
    FEE_BP_MIXER_RELAYER,
    FEE_BP_THORCHAIN,
    HOUR,
    MINUTE,
    MIXER_DENOMS_WEI,
    SAT,
    T_END,
    T_THEFT,
    TOKEN_ETH_PPM,
    TOKENS,
    USDT_UNIT,
    WEI,
    BtcIn,
    BtcOut,
    BtcTx,
    EthTx,
    Outbound,
    TronTransfer,
    btc_time,
    eth_time,
    tron_time,
)
from sanctionwatch.scenario._plan import Plan
from sanctionwatch.scenario._registry import AddressFactory
from sanctionwatch.scenario._services import Services, mixer_label

ETH, BTC, TRON = "ethereum", "bitcoin", "tron"
LAST_ACTION = T_END - 2 * DAY  # no laundering step is scheduled after this
DUST = 10_000  # sat: outputs below this are folded into the fee or change
BTC_TIME_GUARD = 600  # a sweep must land in a block before the data ends

# The amounts reported for the Bybit theft (ETH and staked-ETH tokens, base units).
STOLEN_ETH = 401_346 * WEI
STOLEN_TOKENS = {"stETH": 90_375 * WEI, "mETH": 8_000 * WEI, "cmETH": 15_000 * WEI}
# CoinJoin equal-output denominations (sat).
CJ_DENOMS = (
    100_000,
    200_000,
    500_000,
    10**6,
    2 * 10**6,
    5 * 10**6,
    10**7,
    2 * 10**7,
    5 * 10**7,
    10**8,
    2 * 10**8,
    5 * 10**8,
    10**9,
)


def _hex(h: bytes) -> str:
    return "0x" + h.hex()


def _selector_input(selector: str, words: bytes) -> str:
    return "0x" + selector + words.hex()


def _erc20_transfer_input(to: str, amount: int) -> str:
    return "0xa9059cbb" + to[2:].rjust(64, "0") + f"{amount:064x}"


class Core:
    """Builds the laundering transfers of one scenario and its ledger."""

    def __init__(
        self,
        rng: np.random.Generator,
        plan: Plan,
        svc: Services,
        factory: AddressFactory,
        genesis: Genesis,
    ) -> None:
        self.rng = rng
        self.plan = plan
        self.svc = svc
        self.f = factory
        self.genesis = genesis
        self.book = Book()
        self.eth: list[EthTx] = []
        self.btc: list[BtcTx] = []
        self.tron: list[TronTransfer] = []
        self.outbounds: list[Outbound] = []
        self.theft: dict[str, Any] = {}
        self.frozen: list[dict[str, Any]] = []
        self.utxo: dict[str, tuple[bytes, int, int]] = {}  # launderer BTC address -> outpoint
        self.deposits_btc: list[tuple[int, str, bytes, int, int, int]] = []  # ex, addr, ...
        self.dep_addrs: dict[tuple[str, int], list[str]] = {}
        # per-seed prices
        self.eth_sat = int(ETH_BTC_SAT * rng.uniform(0.97, 1.03))
        self.eth_usdt = int(ETH_USDT_UNITS * rng.uniform(0.97, 1.03))
        self.mixer_in: dict[str, int] = {}
        self.mixer_out: dict[str, int] = {}
        self.landings: list[str] = []
        self.tron_landing: list[str] = []
        self.accounting: dict[str, dict[str, str]] = {}
        self.pool_wallet: Callable[[], str] = factory.btc  # the generator sets a pool picker

    # -- small helpers ---------------------------------------------------------------------
    def _u(self, a: float, b: float) -> float:
        return float(self.rng.uniform(a, b))

    def _i(self, a: int, b: int) -> int:
        return int(self.rng.integers(a, b))

    def _split(self, total: int, k: int, sigma: float = 0.6, floor: int = 1) -> list[int]:
        """Split ``total`` into ``k`` positive random parts that sum exactly to it."""
        k = max(1, min(k, total // max(floor, 1)))
        w = self.rng.lognormal(0.0, sigma, size=k)
        parts = [int(total * x) for x in (w / w.sum())]
        parts = [max(p, floor) for p in parts]
        parts[-1] = total - sum(parts[:-1])
        while parts[-1] < floor and len(parts) > 1:
            extra = parts.pop()
            parts[-1] += extra
        return parts

    def eth_tx(
        self,
        t: int,
        frm: str,
        to: str,
        value: int,
        inp: str = "0x",
        gas: int = 21_000,
        tokens: list[tuple[str, str, str, int]] | None = None,
        traces: list[tuple[str, str, int]] | None = None,
    ) -> tuple[int, str]:
        """Record an Ethereum transaction at block time; returns (time, hash)."""
        t = eth_time(t)
        h = self.rng.bytes(32)
        self.eth.append(EthTx(t, h, frm, to, value, inp, gas, tokens or [], traces or []))
        return t, _hex(h)

    def tron_tx(self, t: int, frm: str, to: str, amount: int) -> tuple[int, str]:
        """Record a USDT transfer on TRON; returns (time, hash without 0x)."""
        t = tron_time(t)
        h = self.rng.bytes(32)
        self.tron.append(TronTransfer(t, h, frm, to, amount))
        self.book.move(TRON, frm, to, "USDT", amount, t)
        return t, h.hex()

    def btc_tx(self, t: int, inputs: list[BtcIn], outputs: list[BtcOut]) -> tuple[int, bytes]:
        """Record a Bitcoin transaction; moves value in the book; returns (time, hash)."""
        t = btc_time(t)
        h = self.rng.bytes(32)
        self.btc.append(BtcTx(t, h, inputs, outputs))
        for i in inputs:
            self.book.debit(BTC, i.address, "BTC", i.value, t)
            if self.utxo.get(i.address, (b"",))[0] == i.hash:
                del self.utxo[i.address]
        for n, o in enumerate(outputs):
            if o.address is not None:
                self.book.credit(BTC, o.address, "BTC", o.value, t)
                if (
                    self.book.tracked(BTC, o.address)
                    and self.book.info[(BTC, o.address)].owner == "launderer"
                ):
                    if o.address in self.utxo:
                        raise AssertionError("launderer BTC addresses hold one output at a time")
                    self.utxo[o.address] = (h, n, o.value)
        return t, h

    def ready(self, chain: str, address: str) -> int:
        """Latest time funds arrived at a laundering address."""
        return self.book.ready[(chain, address)]

    # -- the story -------------------------------------------------------------------------
    def run(self) -> None:
        """Generate the whole laundering flow."""
        self._theft()
        carriers = self._split_stage()
        carriers += self._dex_stage()
        self._carrier_stage(carriers)
        self._btc_stage()
        self._btc_sweeps()
        self._finish()

    def _theft(self) -> None:
        s, rng = self.svc, self.rng
        a0 = self.f.eth()
        self.a0 = a0
        self.book.register(ETH, a0, "theft", 0)
        eth_amount = STOLEN_ETH + int(rng.integers(0, WEI))
        # the cold wallet held the funds before the theft (one top-up from the hot wallet)
        hot = s.exchanges[0].eth_hot[0]
        self.eth_tx(T_THEFT - 40 * DAY, hot, s.victim_cold, eth_amount + 5_000 * WEI)
        hashes: list[str] = []
        t, h = self.eth_tx(
            T_THEFT,
            s.exploiter,
            s.victim_cold,
            0,
            _selector_input("6a761202", rng.bytes(160)),
            180_000,
            traces=[(s.victim_cold, a0, eth_amount)],
        )
        self.book.credit(ETH, a0, "ETH", eth_amount, t)
        hashes.append(h)
        amounts = [{"asset": "ETH", "amount": str(eth_amount)}]
        self.book.stolen["ETH"] = eth_amount
        for n, (sym, base) in enumerate(STOLEN_TOKENS.items(), start=1):
            amount = base + int(rng.integers(0, WEI))
            tok = TOKENS[sym].address
            t, h = self.eth_tx(
                T_THEFT + 48 * n,
                s.exploiter,
                s.victim_cold,
                0,
                _selector_input("6a761202", rng.bytes(160)),
                120_000,
                tokens=[(tok, s.victim_cold, a0, amount)],
            )
            self.book.credit(ETH, a0, sym, amount, t)
            self.book.stolen[sym] = amount
            hashes.append(h)
            amounts.append({"asset": sym, "amount": str(amount)})
        self.theft = {
            "chain": ETH,
            "address": a0,
            "tx_hashes": hashes,
            "time": "2025-02-21T14:13:00Z",
            "amounts": amounts,
            "exploiter": s.exploiter,
            "victim": s.victim_cold,
        }

    def _split_stage(self) -> list[tuple[str, int]]:
        """A0 sends ~10,000 ETH lots to fresh carriers; tokens go to two swap addresses."""
        rng, a0 = self.rng, self.a0
        n_tok = max(1, round(self.plan.carriers * 0.2))
        n_eth = self.plan.carriers - n_tok
        self.n_tok_carriers = n_tok
        # tokens to the swap addresses (stETH+mETH to one, cmETH to another)
        self.swappers: list[tuple[str, list[str]]] = [
            (self.f.eth(), ["stETH", "mETH"]),
            (self.f.eth(), ["cmETH"]),
        ]
        t = T_THEFT + 35 * MINUTE
        for addr, syms in self.swappers:
            self.book.register(ETH, addr, "dex_swap", 1)
            for sym in syms:
                amount = self.book.bal[(ETH, a0, sym)]
                tok = TOKENS[sym].address
                t, _ = self.eth_tx(
                    t,
                    a0,
                    tok,
                    0,
                    _erc20_transfer_input(addr, amount),
                    65_000,
                    tokens=[(tok, a0, addr, amount)],
                )
                self.book.move(ETH, a0, addr, sym, amount, t)
                t += self._i(60, 300)
        # ETH lots: most close to 10,000 ETH, some exactly; A0 keeps a small reserve
        total = self.book.bal[(ETH, a0, "ETH")]
        spend = total - int(total * self._u(0.002, 0.004))
        share = spend // n_eth
        lots: list[int] = []
        for _ in range(n_eth - 1):
            x = int(share * self._u(0.985, 1.0))
            if rng.random() < 0.4:
                x = x // WEI * WEI
            lots.append(x)
        lots.append(spend - sum(lots))
        times = np.sort(rng.uniform(T_THEFT + 95 * MINUTE, T_THEFT + 9 * DAY, size=n_eth))
        times[: max(1, n_eth // 3)] = np.sort(
            rng.uniform(T_THEFT + 95 * MINUTE, T_THEFT + 115 * MINUTE, size=max(1, n_eth // 3))
        )
        times.sort()
        carriers: list[tuple[str, int]] = []
        last = T_THEFT + 95 * MINUTE
        for lot, tt in zip(lots, times.tolist(), strict=True):
            c = self.f.eth()
            self.book.register(ETH, c, "split", 1)
            t, _ = self.eth_tx(max(int(tt), last + 15), a0, c, lot)
            last = t
            self.book.move(ETH, a0, c, "ETH", lot, t)
            carriers.append((c, lot))
        return carriers

    def _dex_stage(self) -> list[tuple[str, int]]:
        """Swap the staked-ETH tokens to ETH on the DEX, then forward to fresh carriers."""
        s = self.svc
        carriers: list[tuple[str, int]] = []
        first = max(1, round(self.n_tok_carriers * 0.85))
        per_swapper = [first, self.n_tok_carriers - first]
        for (addr, syms), n_fwd in zip(self.swappers, per_swapper, strict=True):
            t = self.ready(ETH, addr) + int(self._u(0.7, 1.5) * DAY)
            for sym in syms:
                bal = self.book.bal[(ETH, addr, sym)]
                for chunk in self._split(bal, self.plan.dex_swaps_per_token, sigma=0.4):
                    eth_out = chunk * TOKEN_ETH_PPM[sym] * (10_000 - FEE_BP_DEX) // (10**6 * 10_000)
                    eth_out = int(eth_out * self._u(0.995, 1.0))
                    tok = TOKENS[sym].address
                    t, h = self.eth_tx(
                        t,
                        addr,
                        s.dex_router,
                        0,
                        _selector_input("18cbafe5", self.rng.bytes(160)),
                        int(self._u(150_000, 260_000)),
                        tokens=[(tok, addr, s.dex_pools[sym], chunk)],
                        traces=[(s.dex_router, addr, eth_out)],
                    )
                    self.book.debit(ETH, addr, sym, chunk, t)
                    self.book.credit(ETH, addr, "ETH", eth_out, t)
                    self.book.convert("dex_swap", ETH, h, sym, chunk, ETH, h, "ETH", eth_out)
                    t += int(self._u(2, 90) * MINUTE)
            if n_fwd <= 0:
                continue  # the swapper keeps its ETH (dormant)
            t += int(self._u(2, 12) * HOUR)
            bal = self.book.bal[(ETH, addr, "ETH")]
            keep = int(bal * self._u(0.0, 0.01))
            for lot in self._split(bal - keep, n_fwd, sigma=0.1):
                c = self.f.eth()
                self.book.register(ETH, c, "split", 2)
                t, _ = self.eth_tx(t, addr, c, lot)
                self.book.move(ETH, addr, c, "ETH", lot, t)
                carriers.append((c, lot))
                t += self._i(60, 900)
        return carriers

    # -- carriers: THORChain, exchanger, mixer, bridge, dormant ------------------------------
    def _carrier_stage(self, carriers: list[tuple[str, int]]) -> None:
        n = len(carriers)
        order = self.rng.permutation(n).tolist()
        roles: dict[str, list[int]] = {
            "dormant": [],
            "mixer": [],
            "bridge": [],
            "exchanger": [],
            "thor": [],
        }
        counts = [
            ("dormant", 1 + (n >= 30)),
            ("mixer", 1 + (n >= 30)),
            ("bridge", 1 + (n >= 20)),
            ("exchanger", max(1, round(n * 0.08))),
        ]
        pos = 0
        for role, k in counts:
            roles[role] = order[pos : pos + k]
            pos += k
        roles["thor"] = order[pos:]
        for i in roles["dormant"]:
            self.book.info[(ETH, carriers[i][0])].stage = "dormant"
        # THORChain deposits go to thor carriers (all), mixer and bridge carriers (the rest)
        thor_users = roles["thor"] + roles["mixer"] + roles["bridge"]
        weights = np.array([carriers[i][1] for i in thor_users], dtype=float)
        alloc = np.maximum(1, np.floor(weights / weights.sum() * self.plan.thorchain_deposits))
        thor_k = dict(zip(thor_users, alloc.astype(int).tolist(), strict=True))
        exch_k = self._split(self.plan.exchanger_swaps, len(roles["exchanger"]), sigma=0.3)
        mix_k = self._split(self.plan.mixer_deposits, len(roles["mixer"]), sigma=0.2)
        bridge_k = self._split(self.plan.bridge_swaps, len(roles["bridge"]), sigma=0.2)
        for j, i in enumerate(roles["mixer"]):
            self._mixer(carriers[i][0], mix_k[j] if j < len(mix_k) else 1)
        for j, i in enumerate(roles["bridge"]):
            self._bridge(carriers[i][0], bridge_k[j] if j < len(bridge_k) else 1)
        for j, i in enumerate(roles["exchanger"]):
            self._exchanger(carriers[i][0], exch_k[j] if j < len(exch_k) else 1)
        for i in thor_users:
            self._thorchain(carriers[i][0], thor_k[i])
        self._tron_stage()

    def _deposit_times(
        self, c: str, k: int, start_lo: float, start_hi: float, gap_mean: float
    ) -> list[int]:
        start = max(self.ready(ETH, c) + int(self._u(start_lo, start_hi)), self.ready(ETH, c) + 60)
        gaps = np.maximum(60, self.rng.exponential(gap_mean, size=k)).astype(np.int64)
        return [start + int(x) for x in np.cumsum(gaps) - gaps[0]]

    def _thorchain(self, c: str, k: int) -> None:
        """Deposit ETH into the THORChain-like router with ``=:BTC.BTC:<dest>`` memos."""
        s = self.svc
        bal = self.book.bal[(ETH, c, "ETH")]
        keep = int(bal * self._u(0.005, 0.03)) if self.rng.random() < 0.3 else 0
        chunks = self._split(bal - keep, k, sigma=0.5, floor=WEI // 10)
        times = self._deposit_times(c, len(chunks), 6 * HOUR, 4 * DAY, 40 * MINUTE)
        hop = self.book.hop(ETH, c)
        for v, tt in zip(chunks, times, strict=True):
            dest = self.f.btc()
            memo = f"=:BTC.BTC:{dest}"
            t, h = self.eth_tx(
                tt,
                c,
                s.thor_router,
                v,
                "0x" + memo.encode().hex(),
                int(self._u(70_000, 110_000)),
                traces=[(s.thor_router, s.thor_eth_vault, v)],
            )
            self.book.debit(ETH, c, "ETH", v, t)
            sat = v * self.eth_sat * (10_000 - FEE_BP_THORCHAIN) // (WEI * 10_000)
            sat = int(sat * self._u(0.997, 1.0))
            t_out = btc_time(t + int(self._u(15, 45) * MINUTE))
            h_out = self.rng.bytes(32)
            self.outbounds.append(
                Outbound(
                    t_out, h_out, dest, sat, b"OUT:" + h[2:].upper().encode(), "thorchain", False
                )
            )
            self.book.convert("thorchain", ETH, h, "ETH", v, BTC, h_out.hex(), "BTC", sat)
            self.book.links.append(
                {
                    "kind": "thorchain",
                    "from_chain": ETH,
                    "from_tx": h,
                    "to_chain": BTC,
                    "to_tx": h_out.hex(),
                    "memo": memo,
                    "destination": dest,
                }
            )
            self._land_btc(dest, h_out, sat, t_out, hop + 1)

    def _land_btc(self, dest: str, h: bytes, sat: int, t: int, hop: int) -> None:
        self.book.register(BTC, dest, "bridge", hop)
        self.book.credit(BTC, dest, "BTC", sat, t)
        self.utxo[dest] = (h, 0, sat)
        self.landings.append(dest)

    def _exchanger(self, c: str, k: int) -> None:
        """Swap ETH for BTC at the instant exchanger (no memo; paid from its hot wallet)."""
        s = self.svc
        bal = self.book.bal[(ETH, c, "ETH")]
        keep = int(bal * self._u(0.0, 0.02))
        chunks = self._split(bal - keep, k, sigma=0.5, floor=WEI // 10)
        times = self._deposit_times(c, len(chunks), 12 * HOUR, 5 * DAY, 90 * MINUTE)
        hop = self.book.hop(ETH, c)
        for v, tt in zip(chunks, times, strict=True):
            t, h = self.eth_tx(tt, c, s.exch_eth, v)
            self.book.debit(ETH, c, "ETH", v, t)
            sat = v * self.eth_sat * (10_000 - FEE_BP_EXCHANGER) // (WEI * 10_000)
            dest = self.f.btc()
            t_out = btc_time(t + int(self._u(20, 75) * MINUTE))
            h_out = self.rng.bytes(32)
            self.outbounds.append(Outbound(t_out, h_out, dest, sat, None, "exchanger", False))
            self.book.convert("exchanger", ETH, h, "ETH", v, BTC, h_out.hex(), "BTC", sat)
            self.book.links.append(
                {
                    "kind": "exchanger",
                    "from_chain": ETH,
                    "from_tx": h,
                    "to_chain": BTC,
                    "to_tx": h_out.hex(),
                    "destination": dest,
                }
            )
            self._land_btc(dest, h_out, sat, t_out, hop + 1)

    def _mixer(self, c: str, k: int) -> None:
        """Fixed-denomination deposits; most withdrawn weeks later to fresh addresses."""
        s = self.svc
        bal = self.book.bal[(ETH, c, "ETH")]
        cap = int(bal * 0.4)
        denoms: list[int] = []
        probs = np.array([0.05, 0.15, 0.3, 0.5])
        for _ in range(k):
            d = int(MIXER_DENOMS_WEI[int(self.rng.choice(4, p=probs))])
            while d > MIXER_DENOMS_WEI[0] and sum(denoms) + d > cap:
                d //= 10
            if sum(denoms) + d > cap:
                break
            denoms.append(d)
        times = self._deposit_times(c, len(denoms), 1 * DAY, 4 * DAY, 25 * MINUTE)
        hop = self.book.hop(ETH, c)
        deposits: list[tuple[int, int]] = []
        for d, tt in zip(denoms, times, strict=True):
            pool = s.mixer_pools[d]
            t, _ = self.eth_tx(
                tt,
                c,
                pool,
                d,
                _selector_input("b214faa5", self.rng.bytes(32)),
                int(self._u(900_000, 1_200_000)),
            )
            self.book.debit(ETH, c, "ETH", d, t)
            self.mixer_in[pool] = self.mixer_in.get(pool, 0) + d
            deposits.append((d, t))
        # withdrawals: ~80% (at least one, and at least one left in the pool if possible)
        n_wd = max(1, min(len(deposits) - (len(deposits) > 1), round(len(deposits) * 0.8)))
        pick = sorted(self.rng.choice(len(deposits), size=n_wd, replace=False).tolist())
        recipients: list[str] = []
        for j, idx in enumerate(pick):
            d, t_dep = deposits[idx]
            if j == 0 or self.rng.random() < 0.45:
                w = self.f.eth()
                self.book.register(ETH, w, "mixer", hop + 2)
                recipients.append(w)
            w = recipients[-1]
            pool = s.mixer_pools[d]
            relayer = s.relayers[self._i(0, len(s.relayers))]
            fee = d * FEE_BP_MIXER_RELAYER // 10_000
            t_wd = min(t_dep + int(self._u(7, 40) * DAY), LAST_ACTION - 3 * DAY)
            t_wd = max(t_wd, t_dep + HOUR)
            t, _ = self.eth_tx(
                t_wd,
                relayer,
                pool,
                0,
                _selector_input("21a0adb6", self.rng.bytes(256)),
                int(self._u(320_000, 420_000)),
                traces=[(pool, w, d - fee), (pool, relayer, fee)],
            )
            self.book.credit(ETH, w, "ETH", d - fee, t)
            self.book.fees["ETH"] += fee
            self.mixer_out[pool] = self.mixer_out.get(pool, 0) + d
        for n, w in enumerate(recipients):
            if n % 5 in (0, 2, 4):  # ~60% cash out at an exchange, the rest stay dormant
                self._eth_exchange_deposit(w)

    def _eth_exchange_deposit(self, w: str) -> None:
        """Send everything to a fresh exchange deposit address; the exchange sweeps it."""
        ex = 1 + self._i(0, len(self.svc.exchanges) - 1)
        exchange = self.svc.exchanges[ex]
        dep = self.f.eth()
        self.book.register(
            ETH,
            dep,
            "exchange_deposit",
            self.book.hop(ETH, w) + 1,
            owner="service",
            label=f"{exchange.name} deposit address",
        )
        bal = self.book.bal[(ETH, w, "ETH")]
        t0 = min(self.ready(ETH, w) + int(self._u(1, 10) * DAY), LAST_ACTION)
        t0 = max(t0, self.ready(ETH, w) + 60)
        t, _ = self.eth_tx(t0, w, dep, bal)
        self.book.move(ETH, w, dep, "ETH", bal, t)
        self.book.terminal(ETH, dep, "exchange", exchange.name, "ETH", bal)
        hot = exchange.eth_hot[self._i(0, len(exchange.eth_hot))]
        t2, _ = self.eth_tx(t + int(self._u(10, 120) * MINUTE), dep, hot, bal)
        self.book.debit(ETH, dep, "ETH", bal, t2)

    def _bridge(self, c: str, k: int) -> None:
        """Bridge half of the carrier's ETH to USDT on TRON (paid by the bridge's wallet)."""
        s = self.svc
        bal = self.book.bal[(ETH, c, "ETH")]
        chunks = self._split(bal // 2, k, sigma=0.4, floor=WEI)
        times = self._deposit_times(c, len(chunks), 2 * DAY, 5 * DAY, 60 * MINUTE)
        hop = self.book.hop(ETH, c)
        n_land = 1 + (k >= 6) + (k >= 20)
        landing = [self.f.tron() for _ in range(n_land)]
        for a in landing:
            self.book.register(TRON, a, "bridge", hop + 1)
            self.tron_landing.append(a)
        for j, (v, tt) in enumerate(zip(chunks, times, strict=True)):
            t, h = self.eth_tx(tt, c, s.bridge_eth, v)
            self.book.debit(ETH, c, "ETH", v, t)
            usdt = v * self.eth_usdt * (10_000 - FEE_BP_BRIDGE) // (WEI * 10_000)
            dest = landing[j % n_land]
            _t2, h2 = self.tron_tx(t + int(self._u(5, 30) * MINUTE), s.bridge_tron, dest, usdt)
            self.book.convert("bridge", ETH, h, "ETH", v, TRON, h2, "USDT", usdt)
            self.book.links.append(
                {
                    "kind": "bridge",
                    "from_chain": ETH,
                    "from_tx": h,
                    "to_chain": TRON,
                    "to_tx": h2,
                    "destination": dest,
                }
            )

    def _tron_stage(self) -> None:
        """USDT on TRON: to OTC desks, one exchange deposit, one address the issuer freezes."""
        s = self.svc
        per = max(1, self.plan.otc_transfers // max(1, len(self.tron_landing)))
        for n, u in enumerate(self.tron_landing):
            hop = self.book.hop(TRON, u)
            t = self.ready(TRON, u) + int(self._u(1, 4) * DAY)
            bal = self.book.bal[(TRON, u, "USDT")]
            if n == 0:
                frozen = self.f.tron()
                self.book.register(TRON, frozen, "frozen", hop + 1)
                amt = int(bal * self._u(0.08, 0.15))
                t, h = self.tron_tx(t, u, frozen, amt)
                self.frozen.append(
                    {
                        "chain": TRON,
                        "address": frozen,
                        "asset": "USDT",
                        "amount": str(amt),
                        "tx": h,
                        "frozen_at": t + int(self._u(2, 8) * DAY),
                    }
                )
                t += int(self._u(1, 6) * HOUR)
            ex = s.tron_exchanges[self._i(0, len(s.tron_exchanges))]
            exchange = s.exchanges[ex]
            dep = self.f.tron()
            self.book.register(
                TRON,
                dep,
                "exchange_deposit",
                hop + 1,
                owner="service",
                label=f"{exchange.name} deposit address",
            )
            amt = int(self.book.bal[(TRON, u, "USDT")] * self._u(0.05, 0.1))
            t, _ = self.tron_tx(t, u, dep, amt)
            self.book.terminal(TRON, dep, "exchange", exchange.name, "USDT", amt)
            t2 = tron_time(t + int(self._u(10, 120) * MINUTE))
            self._tron_raw(t2, dep, exchange.tron_hot[0], amt)
            bal = self.book.bal[(TRON, u, "USDT")]
            keep = int(bal * self._u(0.01, 0.03))
            for amt in self._split(bal - keep, per, sigma=0.7, floor=100 * USDT_UNIT):
                t += int(self._u(1, 20) * HOUR)
                name, desk = s.otc_desks[self._i(0, len(s.otc_desks))]
                self.book.register(TRON, desk, "otc", hop + 1, owner="service", label=name)
                t, _ = self.tron_tx(min(t, LAST_ACTION), u, desk, amt)
                self.book.terminal(TRON, desk, "otc", name, "USDT", amt)

    def _tron_raw(self, t: int, frm: str, to: str, amount: int) -> None:
        """A TRON transfer out of a service-owned laundering address (a sweep)."""
        h = self.rng.bytes(32)
        self.tron.append(TronTransfer(t, h, frm, to, amount))
        self.book.debit(TRON, frm, "USDT", amount, t)

    # -- Bitcoin: fan-out, peel chains, CoinJoin, exchange deposits --------------------------
    def _btc_stage(self) -> None:
        landings = self.landings
        n_land = len(landings)
        children = np.maximum(
            1,
            self.rng.multinomial(
                max(0, self.plan.btc_children - n_land), np.full(n_land, 1 / n_land)
            ),
        ).tolist()
        span = LAST_ACTION - (T_THEFT + 10 * DAY)
        n_rounds = self.plan.coinjoin_rounds
        self.cj_times = sorted(
            int(T_THEFT + 10 * DAY + span * x) for x in self.rng.uniform(0.05, 0.7, size=n_rounds)
        )
        self.cj_queue: list[list[str]] = [[] for _ in range(n_rounds)]
        forced = ["peel", "coinjoin", "dormant", "direct"]
        behaviours: list[str] = []
        for dest, m in zip(landings, children, strict=True):
            for s_addr in self._fan_out(dest, m):
                if forced:
                    b = forced.pop(0)
                else:
                    b = str(
                        self.rng.choice(
                            ["peel", "coinjoin", "dormant", "direct"], p=[0.5, 0.2, 0.15, 0.15]
                        )
                    )
                behaviours.append(b)
                self._child(s_addr, b)
        for r, t in enumerate(self.cj_times):
            if self.cj_queue[r]:
                self._coinjoin(t, self.cj_queue[r])
        for _ in range(self.plan.honest_coinjoin_rounds):
            t = int(self.rng.uniform(T_THEFT - 40 * DAY, LAST_ACTION))
            self._coinjoin(btc_time(t), [])

    def _fan_out(self, dest: str, m: int) -> list[str]:
        h, vout, value = self.utxo[dest]
        t = self.ready(BTC, dest) + int(self._u(2 * HOUR, 3 * DAY))
        t = min(t, LAST_ACTION - 10 * DAY)
        t = max(t, self.ready(BTC, dest) + HOUR)
        rate = self._i(2, 9)
        fee = btc_fee(1, m, rate)
        m = max(1, min(m, (value - fee) // (20 * DUST)))
        fee = btc_fee(1, m, rate)
        parts = self._split(value - fee, m, sigma=0.5, floor=10 * DUST)
        hop = self.book.hop(BTC, dest)
        kids = [self.f.btc() for _ in parts]
        for k in kids:
            self.book.register(BTC, k, "split", hop + 1)
        self.btc_tx(
            t,
            [BtcIn(h, vout, dest, value)],
            [BtcOut(k, v) for k, v in zip(kids, parts, strict=True)],
        )
        self.book.fees["BTC"] += fee
        return kids

    def _child(self, addr: str, behaviour: str) -> None:
        if behaviour == "peel":
            self._peel(addr, int(self._u(6 * HOUR, 10 * DAY)))
        elif behaviour == "direct":
            self._btc_deposit_all(addr, int(self._u(12 * HOUR, 5 * DAY)))
        elif behaviour == "coinjoin":
            ready = self.ready(BTC, addr) + int(self._u(6 * HOUR, 5 * DAY))
            for r, t in enumerate(self.cj_times):
                if t >= ready:
                    self.cj_queue[r].append(addr)
                    return
            # no round left: stays dormant

    def _deposit_address(self, chain: str, hop: int) -> tuple[int, str]:
        """A launderer's deposit address at some exchange (reused now and then)."""
        s = self.svc
        ex = 1 + self._i(0, len(s.exchanges) - 1)
        got = self.dep_addrs.setdefault((chain, ex), [])
        cap = max(2, self.plan.btc_children // 25)
        if not got or (len(got) < cap and self.rng.random() < 0.2):
            addr = self.f.btc()
            got.append(addr)
            self.book.register(
                BTC,
                addr,
                "exchange_deposit",
                hop,
                owner="service",
                label=f"{s.exchanges[ex].name} deposit address",
            )
        else:
            addr = got[self._i(0, len(got))]
            self.book.register(BTC, addr, "exchange_deposit", hop, owner="service")
        return ex, addr

    def _btc_pay_deposit(self, t: int, ex: int, dep: str, h: bytes, vout: int, value: int) -> None:
        self.book.terminal(BTC, dep, "exchange", self.svc.exchanges[ex].name, "BTC", value)
        self.deposits_btc.append((ex, dep, h, vout, value, t))

    def _btc_deposit_all(self, addr: str, delay: int) -> None:
        h, vout, value = self.utxo[addr]
        t = min(self.ready(BTC, addr) + delay, LAST_ACTION)
        if t <= self.ready(BTC, addr) + HOUR:
            return  # too late: stays dormant
        fee = btc_fee(1, 1, self._i(2, 9))
        ex, dep = self._deposit_address(BTC, self.book.hop(BTC, addr) + 1)
        t, h2 = self.btc_tx(t, [BtcIn(h, vout, addr, value)], [BtcOut(dep, value - fee)])
        self.book.fees["BTC"] += fee
        self._btc_pay_deposit(t, ex, dep, h2, 0, value - fee)

    def _peel(self, addr: str, delay: int) -> None:
        """Each hop pays a small amount to an exchange deposit and moves the change on."""
        hops = self._i(2, self.plan.peel_max_hops + 1)
        t = self.ready(BTC, addr) + delay
        cur = addr
        for n in range(hops):
            h, vout, value = self.utxo[cur]
            if t > LAST_ACTION or t <= self.ready(BTC, cur) + HOUR:
                return  # out of time: the rest stays dormant
            rate = self._i(2, 9)
            fee = btc_fee(1, 2, rate)
            peel = max(DUST * 5, int(value * self._u(0.03, 0.15)) // 1000 * 1000)
            change = value - peel - fee
            hop = self.book.hop(BTC, cur)
            if change < 10 * DUST:
                break
            ex, dep = self._deposit_address(BTC, hop + 1)
            nxt = self.f.btc()
            self.book.register(BTC, nxt, "peel_chain", hop + 1)
            outs = [BtcOut(dep, peel), BtcOut(nxt, change)]
            if self.rng.random() < 0.5:
                outs.reverse()
            t, h2 = self.btc_tx(t, [BtcIn(h, vout, cur, value)], outs)
            self.book.fees["BTC"] += fee
            self._btc_pay_deposit(t, ex, dep, h2, 0 if outs[0].address == dep else 1, peel)
            cur = nxt
            t += int(self._u(1 * HOUR, 2 * DAY)) if n < hops - 1 else 0
        if self.rng.random() < 0.7:
            self._btc_deposit_all(cur, int(self._u(2 * HOUR, 3 * DAY)))

    def _coinjoin(self, t: int, launderer: list[str]) -> None:
        """A CoinJoin: many owners' inputs, equal-value outputs, change outputs."""
        rng = self.rng
        mine = [(a, *self.utxo[a]) for a in launderer]
        # the denomination suits the smallest launderer input; bigger inputs leave a large
        # ("toxic") change output, as happens in real CoinJoins
        v_min = min((v for *_, v in mine), default=int(rng.uniform(0.05, 2) * SAT))
        d = next((x for x in CJ_DENOMS if v_min // x <= 6), CJ_DENOMS[-1])
        rate = self._i(2, 9)
        inputs: list[BtcIn] = []
        outputs: list[BtcOut] = []
        hop = min((self.book.hop(BTC, a) for a in launderer), default=0)
        for a, h, vout, v in mine:
            inputs.append(BtcIn(h, vout, a, v))
            fee = btc_fee(1, 8, rate)
            n_eq = min(6, max(0, (v - fee) // d))
            change = v - fee - n_eq * d
            for _ in range(n_eq):
                j = self.f.btc(2)
                self.book.register(BTC, j, "coinjoin", hop + 1)
                outputs.append(BtcOut(j, d))
            if change >= DUST:
                j = self.f.btc(2)
                self.book.register(BTC, j, "coinjoin", hop + 1)
                outputs.append(BtcOut(j, change))
                self.book.fees["BTC"] += fee
            else:
                self.book.fees["BTC"] += fee + change
        for _ in range(self._i(5, 25)):
            v = int(d * self._u(1.2, 6.0))
            owner = self.pool_wallet()
            gh, gv = self.genesis.fund(owner, v)
            inputs.append(BtcIn(gh, gv, owner, v))
            fee = btc_fee(1, 3, rate)
            n_eq = min(6, max(1, (v - fee) // d))
            for _ in range(n_eq):
                outputs.append(BtcOut(self.pool_wallet(), d, to_pool=True))
            change = v - fee - n_eq * d
            if change >= DUST:
                outputs.append(BtcOut(self.pool_wallet(), change, to_pool=True))
        order = np.lexsort((rng.random(len(outputs)), -np.array([o.value for o in outputs])))
        inputs = [inputs[i] for i in rng.permutation(len(inputs)).tolist()]
        t, h = self.btc_tx(t, inputs, [outputs[i] for i in order.tolist()])
        for n, o in enumerate(outputs):
            del n
            if o.address is not None and self.book.tracked(BTC, o.address) and o.value == d:
                b = rng.random()
                if b < 0.3:
                    self._peel(o.address, int(self._u(1 * DAY, 10 * DAY)))
                elif b < 0.5:
                    self._btc_deposit_all(o.address, int(self._u(1 * DAY, 8 * DAY)))

    def _btc_sweeps(self) -> None:
        """Exchanges sweep the launderers' deposits into their hot wallets, in batches."""
        by_ex: dict[int, list[tuple[int, str, bytes, int, int, int]]] = {}
        for d in self.deposits_btc:
            by_ex.setdefault(d[0], []).append(d)
        for ex, deps in sorted(by_ex.items()):
            deps.sort(key=lambda d: d[5])
            hot = self.svc.exchanges[ex].btc_hot[0]
            i = 0
            while i < len(deps):
                batch = deps[i : i + self._i(1, 9)]
                i += len(batch)
                t = max(d[5] for d in batch) + int(self._u(30 * MINUTE, 6 * HOUR))
                if t >= T_END - BTC_TIME_GUARD:
                    continue  # not swept before the data ends
                total = sum(d[4] for d in batch)
                fee = btc_fee(len(batch), 1, self._i(2, 9))
                self.btc_tx(
                    t,
                    [BtcIn(d[2], d[3], d[1], d[4]) for d in batch],
                    [BtcOut(hot, total - fee, to_pool=True)],
                )

    def _finish(self) -> None:
        """Mixer leftovers and dormant balances become terminals; check the accounting."""
        for d in MIXER_DENOMS_WEI:
            pool = self.svc.mixer_pools[d]
            left = self.mixer_in.get(pool, 0) - self.mixer_out.get(pool, 0)
            if left:
                self.book.terminal(ETH, pool, "mixer", mixer_label(d), "ETH", left)
        for (chain, addr, asset), v in sorted(self.book.bal.items()):
            info = self.book.info[(chain, addr)]
            if v > 0 and info.owner == "launderer":
                cat = "frozen" if info.stage == "frozen" else "dormant"
                self.book.terminal(chain, addr, cat, info.stage, asset, v)
        self.accounting = self.book.accounting()
