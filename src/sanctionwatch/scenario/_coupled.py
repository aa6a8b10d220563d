"""Honest users of the cross-chain services, so the launderers are not alone in them.

THORChain-like swaps (ETH in with a memo, BTC out with ``OUT:<hash>``), instant-exchanger
swaps (ETH in, BTC out) and bridge transfers (ETH in, USDT out on TRON) by ordinary users.
A naive tracer that follows every payout of these services sweeps these users in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sanctionwatch.scenario._encode import encode_text_hex
from sanctionwatch.scenario._eth import EthBatch, _eth_amounts, _zipf_ids
from sanctionwatch.scenario._model import (
    BTC_BLOCK_TIME,
    DAY,
    FEE_BP_BRIDGE,
    FEE_BP_EXCHANGER,
    FEE_BP_THORCHAIN,
    HOUR,
    T_END,
    T_START,
    Outbound,
    btc_time,
    eth_time,
    tron_time,
)
from sanctionwatch.scenario._plan import Plan
from sanctionwatch.scenario._registry import BtcRegistry, EthRegistry, TronRegistry
from sanctionwatch.scenario._services import Services
from sanctionwatch.scenario._tron import TronBatch


@dataclass(slots=True)
class Coupled:
    """Honest cross-chain traffic: Ethereum rows, Bitcoin payouts and TRON payouts."""

    eth: EthBatch
    outbounds: list[Outbound]
    tron: TronBatch


def make_coupled(
    rng: np.random.Generator,
    plan: Plan,
    svc: Services,
    eth: EthRegistry,
    btc: BtcRegistry,
    tron: TronRegistry,
    eth_sat: int,
    eth_usdt: int,
) -> Coupled:
    """Generate the honest cross-chain swaps for the whole period."""
    z = np.zeros(0, dtype=np.int64)
    batches: list[EthBatch] = []
    outbounds: list[Outbound] = []

    def base(n: int, to: int, inp: pa.Array, gas: tuple[int, int]) -> tuple[EthBatch, np.ndarray]:
        t = np.sort(rng.integers(T_START + DAY, T_END - 3 * HOUR, n)).astype(np.int64)
        t = np.array([eth_time(int(x)) for x in t], dtype=np.int64)
        hi, lo = _eth_amounts(rng, n, 1.2, 1.5)
        hashes = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32).copy()
        b = EthBatch(
            t,
            hashes,
            _zipf_ids(rng, n, eth.users, 2.0),
            np.full(n, to, np.int64),
            hi,
            lo,
            rng.integers(gas[0], gas[1], n).astype(np.int64),
            inp,
            np.ones(n, np.int8),
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
        wei = hi.astype(object) * 10**9 + lo.astype(object)
        return b, wei

    # THORChain-like: deposits with memos; the vault pays BTC to the memo's address
    n = plan.honest_thorchain
    dests = rng.integers(0, btc.wallets, n)
    memos = []
    for i, d in enumerate(dests.tolist()):
        addr = btc.pool_address(d)
        memos.append(f"=:BTC.BTC:{addr}" + (":0/1/0" if i % 7 == 3 else ""))
    b, wei = base(n, eth.id(svc.thor_router), encode_text_hex(pa.array(memos)), (70_000, 110_000))
    ar = np.arange(n, dtype=np.int64)
    b.tr_tx, b.tr_frm = ar, np.full(n, eth.id(svc.thor_router), np.int64)
    b.tr_to = np.full(n, eth.id(svc.thor_eth_vault), np.int64)
    b.tr_hi, b.tr_lo, b.tr_sub = b.vhi.copy(), b.vlo.copy(), np.zeros(n, np.int64)
    batches.append(b)
    delay = rng.integers(10 * 60, 60 * 60, n)
    for i in range(n):
        h_in = b.hash[i].tobytes().hex().upper()
        sat = max(20_000, int(wei[i] * eth_sat * (10_000 - FEE_BP_THORCHAIN) // (10**18 * 10_000)))
        t_out = btc_time(int(b.time[i]) + int(delay[i]) + BTC_BLOCK_TIME)  # before T_END
        outbounds.append(
            Outbound(
                t_out,
                rng.bytes(32),
                btc.pool_address(int(dests[i])),
                sat,
                b"OUT:" + h_in.encode(),
                "thorchain",
                True,
            )
        )

    # instant exchanger: ETH in, BTC out (no memo)
    n = plan.honest_exchanger
    b, wei = base(
        n, eth.id(svc.exch_eth), pa.repeat(pa.scalar("0x", pa.string()), n), (21_000, 21_001)
    )
    batches.append(b)
    dests = rng.integers(0, btc.wallets, n)
    delay = rng.integers(15 * 60, 90 * 60, n)
    for i in range(n):
        sat = max(20_000, int(wei[i] * eth_sat * (10_000 - FEE_BP_EXCHANGER) // (10**18 * 10_000)))
        t_out = btc_time(int(b.time[i]) + int(delay[i]) + BTC_BLOCK_TIME)
        outbounds.append(
            Outbound(
                t_out, rng.bytes(32), btc.pool_address(int(dests[i])), sat, None, "exchanger", True
            )
        )

    # bridge: ETH in, USDT out on TRON
    n = plan.honest_bridge
    b, wei = base(
        n, eth.id(svc.bridge_eth), pa.repeat(pa.scalar("0x", pa.string()), n), (21_000, 21_001)
    )
    batches.append(b)
    usdt = np.array(
        [int(w * eth_usdt * (10_000 - FEE_BP_BRIDGE) // (10**18 * 10_000)) for w in wei.tolist()],
        dtype=np.int64,
    )
    t_tron = np.array(
        [
            tron_time(int(t) + int(d))
            for t, d in zip(b.time.tolist(), rng.integers(5 * 60, 30 * 60, n).tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    users = np.minimum((tron.users * rng.random(n) ** 2.0).astype(np.int64), tron.users - 1)
    tron_b = TronBatch(
        t_tron,
        np.frombuffer(rng.bytes(32 * n), np.uint8).reshape(n, 32).copy(),
        np.zeros(n, np.int64),
        np.full(n, tron.id(svc.bridge_tron), np.int64),
        users,
        np.maximum(usdt, 1),
    )
    eth_all = EthBatch.concat(batches)
    eth_all = eth_all.take(np.argsort(eth_all.time, kind="stable"))
    return Coupled(eth_all, outbounds, tron_b)
