"""The chains sanctionwatch knows, with their address family and native coin.

Adding an EVM chain is one line here: it inherits EVM address rules and the EVM readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sanctionwatch.errors import InputError

Family = Literal["evm", "bitcoin", "tron"]
Model = Literal["account", "utxo"]


@dataclass(frozen=True, slots=True)
class Chain:
    name: str
    family: Family
    model: Model
    native_symbol: str
    native_decimals: int


CHAINS: dict[str, Chain] = {
    c.name: c
    for c in (
        Chain("ethereum", "evm", "account", "ETH", 18),
        Chain("bsc", "evm", "account", "BNB", 18),
        Chain("polygon", "evm", "account", "POL", 18),
        Chain("arbitrum", "evm", "account", "ETH", 18),
        Chain("optimism", "evm", "account", "ETH", 18),
        Chain("base", "evm", "account", "ETH", 18),
        Chain("avalanche", "evm", "account", "AVAX", 18),
        Chain("bitcoin", "bitcoin", "utxo", "BTC", 8),
        Chain("tron", "tron", "account", "TRX", 6),
    )
}

UTXO_CHAINS: tuple[str, ...] = tuple(c.name for c in CHAINS.values() if c.model == "utxo")


def is_utxo(name: str) -> bool:
    """A known chain traced output by output (Bitcoin); False for account-model chains and
    for names this module does not know."""
    return name in UTXO_CHAINS


# Names used by other tools (TagPack currencies, explorers, OFAC asset codes).
ALIASES: dict[str, str] = {
    "eth": "ethereum",
    "btc": "bitcoin",
    "xbt": "bitcoin",
    "trx": "tron",
    "bnb": "bsc",
    "bsc": "bsc",
    "matic": "polygon",
    "arb": "arbitrum",
    "op": "optimism",
    "avax": "avalanche",
}


def get_chain(name: str) -> Chain:
    """The chain called ``name`` (or one of its aliases), or a clear error."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    try:
        return CHAINS[key]
    except KeyError:
        known = ", ".join(sorted(CHAINS))
        raise InputError(f"Unknown chain {name!r}; known chains: {known}.") from None
