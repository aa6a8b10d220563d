"""The fictional services of the scenario world and their addresses on each chain.

Exchanges, a DEX, a THORChain-like cross-chain swap, an eXch-like instant exchanger, a
Tornado-like mixer, an ETH->TRON bridge, OTC desks and a stablecoin issuer. Honest
background users and the launderers use the same services, which is what makes naive
tracing over-include. All names are invented; only token contracts are real addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sanctionwatch.scenario._addresses import P2SH, P2WPKH
from sanctionwatch.scenario._model import MIXER_DENOMS_WEI, STOLEN_TOKENS, TOKENS
from sanctionwatch.scenario._registry import AddressFactory


@dataclass(slots=True)
class Exchange:
    """A centralised exchange: hot wallets on each chain; deposit addresses come from pools."""

    name: str
    slug: str
    share: float
    eth_hot: list[str]
    btc_hot: list[str]
    tron_hot: list[str]


@dataclass(slots=True)
class Services:
    """Every named service address, by role."""

    exchanges: list[Exchange]
    victim_cold: str  # the hacked exchange's cold wallet (a Safe-like contract)
    exploiter: str  # the attacker EOA that sent the malicious transactions
    dex_name: str
    dex_router: str
    dex_pools: dict[str, str]  # token symbol -> pool contract
    thor_name: str
    thor_router: str
    thor_eth_vault: str
    thor_btc_vault: str
    exch_name: str
    exch_eth: str
    exch_btc: str
    bridge_name: str
    bridge_eth: str
    bridge_tron: str
    mixer_name: str
    mixer_pools: dict[int, str]  # denomination in wei -> pool contract
    relayers: list[str]
    otc_desks: list[tuple[str, str]]  # (name, TRON address)
    issuer_tron: str
    misc_contracts: list[str]
    btc_meta: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    @property
    def tron_exchanges(self) -> list[int]:
        """Indices of exchanges that have TRON hot wallets."""
        return [i for i, e in enumerate(self.exchanges) if e.tron_hot]


_EXCHANGES = (
    ("ExampleEx", "exampleex", 0.24),  # the hacked exchange (Bybit's role)
    ("CoinHarbor", "coinharbor", 0.26),
    ("BitPort", "bitport", 0.16),
    ("KoinBay", "koinbay", 0.13),
    ("NorthStar Exchange", "northstar", 0.12),
    ("Kumo Trade", "kumotrade", 0.09),
)
_OTC = ("Lotus OTC", "Mekong OTC Desk", "Harbour OTC", "Jade Street OTC")


def make_services(rng: np.random.Generator, factory: AddressFactory) -> Services:
    """Create all service addresses (deterministic for a given generator state)."""
    exchanges: list[Exchange] = []
    for i, (name, slug, share) in enumerate(_EXCHANGES):
        eth_hot = [factory.eth() for _ in range(1 + int(rng.integers(1, 3)))]
        btc_hot = [factory.btc(P2WPKH if k == 0 else P2SH) for k in range(1 + (i < 3))]
        tron_hot = [factory.tron()] if i < 4 else []
        exchanges.append(Exchange(name, slug, share, eth_hot, btc_hot, tron_hot))
    return Services(
        exchanges=exchanges,
        victim_cold=factory.eth(),
        exploiter=factory.eth(),
        dex_name="SwapChain",
        dex_router=factory.eth(),
        dex_pools={sym: factory.eth() for sym in TOKENS if sym != "WETH"},
        thor_name="CrossFlow",
        thor_router=factory.eth(),
        thor_eth_vault=factory.eth(),
        thor_btc_vault=factory.btc(P2WPKH),
        exch_name="QuickXchange",
        exch_eth=factory.eth(),
        exch_btc=factory.btc(P2WPKH),
        bridge_name="StableHop Bridge",
        bridge_eth=factory.eth(),
        bridge_tron=factory.tron(),
        mixer_name="MixPool",
        mixer_pools={d: factory.eth() for d in MIXER_DENOMS_WEI},
        relayers=[factory.eth() for _ in range(3)],
        otc_desks=[(name, factory.tron()) for name in _OTC],
        issuer_tron=factory.tron(),
        misc_contracts=[factory.eth() for _ in range(40)],
        btc_meta=factory.btc_meta,
    )


def mixer_label(denom_wei: int) -> str:
    """Human label of a mixer pool, e.g. ``MixPool 10 ETH``."""
    eth = denom_wei / 10**18
    text = f"{eth:g}"
    return f"MixPool {text} ETH"


assert set(STOLEN_TOKENS) <= set(TOKENS)
