"""Shared vocabulary of the scenario generator: clocks, assets, rates and plain records.

Everything time-related lives here so that the three chains agree on one timeline
(12-second Ethereum blocks, 10-minute Bitcoin blocks, 3-second TRON blocks, all starting
at 2025-01-01T00:00:00Z), and so that the laundering core, the background generators and
the writers convert amounts the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# -- timeline ------------------------------------------------------------------------------
T_START = 1_735_689_600  # 2025-01-01T00:00:00Z
T_END = 1_746_057_600  # 2025-05-01T00:00:00Z (exclusive)
T_THEFT = 1_740_147_180  # 2025-02-21T14:13:00Z
DAY = 86_400
HOUR = 3_600
MINUTE = 60

ETH_BLOCK0, ETH_BLOCK_TIME = 21_500_000, 12
BTC_BLOCK0, BTC_BLOCK_TIME = 877_000, 600
TRON_BLOCK0, TRON_BLOCK_TIME = 68_000_000, 3

# -- assets (base units) -------------------------------------------------------------------
WEI = 10**18
SAT = 10**8
USDT_UNIT = 10**6
USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


@dataclass(frozen=True, slots=True)
class Token:
    """An ERC-20 token the scenario moves (real contract addresses, so readers know them)."""

    symbol: str
    address: str
    decimals: int


TOKENS: dict[str, Token] = {
    t.symbol: t
    for t in (
        Token("WETH", "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", 18),
        Token("USDT", "0xdac17f958d2ee523a2206206994597c13d831ec7", 6),
        Token("USDC", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 6),
        Token("DAI", "0x6b175474e89094c44da98b954eedeac495271d0f", 18),
        Token("stETH", "0xae7ab96520de3a18e5e111b5eaab095312d7fe84", 18),
        Token("mETH", "0xd5f7838f5c461feff7fe49ea5ebaf7728bb0adfa", 18),
        Token("cmETH", "0xe6829d9a7ee3040e1276fa75293bde931859e8fa", 18),
    )
}
STOLEN_TOKENS = ("stETH", "mETH", "cmETH")

# Nominal prices in Feb 2025 (per ETH); the generator jitters them per seed.
ETH_BTC_SAT = 2_800_000  # 0.028 BTC per ETH
ETH_USDT_UNITS = 2_650 * USDT_UNIT
TOKEN_ETH_PPM = {"stETH": 999_000, "mETH": 1_032_000, "cmETH": 1_031_000, "WETH": 1_000_000}

# Fees charged by services, in basis points (part of the conversion rate).
FEE_BP_DEX = 30
FEE_BP_THORCHAIN = 50
FEE_BP_EXCHANGER = 100
FEE_BP_BRIDGE = 30
FEE_BP_MIXER_RELAYER = 25

MIXER_DENOMS_WEI = (10**17, 10**18, 10 * 10**18, 100 * 10**18)

STAGES = (
    "theft",
    "split",
    "dex_swap",
    "bridge",
    "mixer",
    "coinjoin",
    "peel_chain",
    "dormant",
    "otc",
    "exchange_deposit",
    "frozen",
)


def eth_block(t: int) -> int:
    """Ethereum block number holding unix time ``t``."""
    return ETH_BLOCK0 + (t - T_START) // ETH_BLOCK_TIME


def eth_time(t: int) -> int:
    """Timestamp of the Ethereum block holding ``t`` (times snap down to block times)."""
    return T_START + (t - T_START) // ETH_BLOCK_TIME * ETH_BLOCK_TIME


def btc_time(t: int) -> int:
    """Timestamp of the Bitcoin block holding ``t``."""
    return T_START + (t - T_START) // BTC_BLOCK_TIME * BTC_BLOCK_TIME


def tron_time(t: int) -> int:
    """Timestamp of the TRON block holding ``t``."""
    return T_START + (t - T_START) // TRON_BLOCK_TIME * TRON_BLOCK_TIME


# -- records produced by the laundering core ------------------------------------------------
@dataclass(slots=True)
class EthTx:
    """One Ethereum transaction with the token transfers and internal calls it carries."""

    time: int
    hash: bytes
    frm: str
    to: str
    value: int
    input: str = "0x"
    gas: int = 21_000
    tokens: list[tuple[str, str, str, int]] = field(default_factory=list)  # token, from, to
    traces: list[tuple[str, str, int]] = field(default_factory=list)  # from, to, wei


@dataclass(slots=True)
class BtcIn:
    """A spent output: the transaction that created it, its index, owner and value."""

    hash: bytes
    vout: int
    address: str
    value: int


@dataclass(slots=True)
class BtcOut:
    """A created output; ``address`` None with ``memo`` set is an OP_RETURN output.

    ``to_pool`` hands an honest output to the background wallets, which may spend it later.
    """

    address: str | None
    value: int
    memo: bytes | None = None
    to_pool: bool = False


@dataclass(slots=True)
class BtcTx:
    """One Bitcoin transaction (coinbase when it has no inputs)."""

    time: int
    hash: bytes
    inputs: list[BtcIn]
    outputs: list[BtcOut]
    coinbase: bool = False


@dataclass(slots=True)
class TronTransfer:
    """One TRC-20 USDT transfer (one transaction, position 0)."""

    time: int
    hash: bytes
    frm: str
    to: str
    amount: int
    position: int = 0


@dataclass(slots=True)
class Outbound:
    """A payout a cross-chain service makes on Bitcoin after an inbound on Ethereum."""

    time: int
    hash: bytes
    dest: str
    amount: int
    memo: bytes | None  # OP_RETURN payload (THORChain ``OUT:<HASH>``), None for exchangers
    service: str  # "thorchain" or "exchanger"
    honest: bool
