"""Assets the store knows from the start: native coins, major tokens, and fiat codes.

Unknown token contracts are added on ingest with unknown symbol and decimals; their
amounts stay exact base units.
"""

from __future__ import annotations

from dataclasses import dataclass

from sanctionwatch.chain.chains import CHAINS


@dataclass(frozen=True, slots=True)
class KnownAsset:
    chain: str
    asset: str  # 'native', a token contract (canonical form), or a code such as 'USD'
    kind: str  # native | token | fiat
    symbol: str
    decimals: int


# USD is a pseudo-asset for research files that give values in dollars. 18 decimals so
# that float-printed figures (e.g. 347.55300000000005) load exactly as written.
FIAT_DECIMALS = 18

_TOKENS: tuple[tuple[str, str, str, int], ...] = (
    ("ethereum", "0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", 6),
    ("ethereum", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "USDC", 6),
    ("ethereum", "0x6b175474e89094c44da98b954eedeac495271d0f", "DAI", 18),
    ("ethereum", "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "WETH", 18),
    ("ethereum", "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599", "WBTC", 8),
    ("ethereum", "0xae7ab96520de3a18e5e111b5eaab095312d7fe84", "stETH", 18),
    ("ethereum", "0xd5f7838f5c461feff7fe49ea5ebaf7728bb0adfa", "mETH", 18),
    ("ethereum", "0xe6829d9a7ee3040e1276fa75293bde931859e8fa", "cmETH", 18),
    ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", 6),
)

KNOWN_ASSETS: tuple[KnownAsset, ...] = (
    *(
        KnownAsset(c.name, "native", "native", c.native_symbol, c.native_decimals)
        for c in CHAINS.values()
    ),
    *(KnownAsset(chain, addr, "token", sym, dec) for chain, addr, sym, dec in _TOKENS),
    *(KnownAsset(c.name, "USD", "fiat", "USD", FIAT_DECIMALS) for c in CHAINS.values()),
)
