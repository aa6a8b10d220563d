"""How big each part of a scenario is, derived from the requested number of transfers.

One place decides the counts (laundering stages, address pools, background shares) so the
generator scales from a 2,000-transfer unit-test scenario, where every stage is still
present, to 50 million transfers for benchmarks, where the laundering core stays small and
the background fills the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MIN_TRANSFERS = 2_000
MAX_TRANSFERS = 200_000_000

# Shares of the requested transfers per chain (the rest of Ethereum is the default).
SHARE_BTC = 0.07
SHARE_TRON = 0.03
# Honest users of the cross-chain services, per requested transfer.
SHARE_HONEST_THORCHAIN = 0.004
SHARE_HONEST_EXCHANGER = 0.002
SHARE_HONEST_BRIDGE = 0.002


def _clamp(x: float, lo: int, hi: int) -> int:
    return int(max(lo, min(hi, round(x))))


@dataclass(frozen=True, slots=True)
class Plan:
    """Counts for one scenario (all derived from ``transfers``)."""

    transfers: int
    carriers: int  # fresh addresses the stolen ETH is split over (~40-50 at full size)
    thorchain_deposits: int
    exchanger_swaps: int
    mixer_deposits: int
    bridge_swaps: int
    dex_swaps_per_token: int
    btc_children: int  # BTC addresses the landed BTC fans out to
    coinjoin_rounds: int
    honest_coinjoin_rounds: int
    otc_transfers: int
    peel_max_hops: int
    eth_users: int
    eth_deposit_addresses: int
    btc_wallets: int
    btc_deposit_addresses: int
    tron_users: int
    tron_deposit_addresses: int
    honest_thorchain: int
    honest_exchanger: int
    honest_bridge: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the manifest."""
        return asdict(self)


def make_plan(transfers: int) -> Plan:
    """The plan for ``transfers`` (validated by the caller)."""
    t = float(transfers)
    btc = t * SHARE_BTC
    tron = t * SHARE_TRON
    return Plan(
        transfers=transfers,
        carriers=_clamp(6 + (t - MIN_TRANSFERS) / 4_000, 6, 48),
        thorchain_deposits=_clamp(t / 300, 8, 2_500),
        exchanger_swaps=_clamp(t / 3_000, 2, 300),
        mixer_deposits=_clamp(t / 2_500, 4, 200),
        bridge_swaps=_clamp(t / 10_000, 2, 120),
        dex_swaps_per_token=_clamp(t / 8_000, 2, 60),
        btc_children=_clamp(t / 250, 16, 6_000),
        coinjoin_rounds=_clamp(t / 20_000, 1, 40),
        honest_coinjoin_rounds=_clamp(t / 50_000, 1, 60),
        otc_transfers=_clamp(t / 5_000, 4, 400),
        peel_max_hops=_clamp(3 + t / 100_000, 3, 8),
        eth_users=_clamp(t / 6, 1_000, 6_000_000),
        eth_deposit_addresses=_clamp(t / 50, 200, 800_000),
        btc_wallets=_clamp(btc / 4, 150, 250_000),
        btc_deposit_addresses=_clamp(btc / 40, 50, 25_000),
        tron_users=_clamp(tron / 3, 200, 200_000),
        tron_deposit_addresses=_clamp(tron / 30, 30, 20_000),
        honest_thorchain=_clamp(t * SHARE_HONEST_THORCHAIN, 4, 400_000),
        honest_exchanger=_clamp(t * SHARE_HONEST_EXCHANGER, 2, 200_000),
        honest_bridge=_clamp(t * SHARE_HONEST_BRIDGE, 2, 200_000),
    )
