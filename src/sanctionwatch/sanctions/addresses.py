"""Listed digital currency addresses: which chain, and the canonical form there.

A list names a currency (OFAC: ``Digital Currency Address - XBT``; OpenSanctions: the
wallet's ``currency``), not a chain. The currency code gives the chain (XBT -> bitcoin,
ETH -> ethereum, TRX -> tron, ARB -> arbitrum, BSC -> bsc); token codes that live on
several chains (USDT, USDC, BNB) are placed by the address's shape (``0x...`` EVM, ``T...``
TRON, Bitcoin/Omni). The address is then validated and normalised by
``sanctionwatch.chain.addresses`` (EVM lower case; base58 kept case-sensitive).

Addresses of currencies the store has no chain for (LTC, XMR, BCH, ZEC, DASH, ETC, SOL,
XRP, ...) are kept as written with ``chain`` NULL and the reason, so that the list's
counts reconcile and address screening can still match them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sanctionwatch.chain.addresses import address_problem
from sanctionwatch.labels.rows import resolve_chain


@dataclass(frozen=True, slots=True)
class ListedAddress:
    """One listed address after validation."""

    currency: str
    chain: str | None  # None: not a chain of the store (see reason)
    address: str  # canonical when chain is set, else as listed (stripped)
    reason: str | None


def normalize_listed(currency: str, address: str) -> ListedAddress:
    """Resolve the chain of a listed ``currency`` and normalise ``address`` on it."""
    written = address.strip()
    code = currency.strip().upper()
    chain, problem = resolve_chain(code, written)
    if chain is None:
        return ListedAddress(code, None, written, problem or f"chain {code} is not supported")
    canonical, problem = address_problem(chain, written)
    if canonical is None:
        return ListedAddress(code, None, written, f"invalid {chain.name} address: {problem}")
    return ListedAddress(code, chain.name, canonical, None)
