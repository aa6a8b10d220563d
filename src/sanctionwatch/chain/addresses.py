"""Per-chain address validation and normalization.

Canonical forms: EVM lower-case ``0x`` + 40 hex (a mixed-case input must pass EIP-55);
Bitcoin base58check P2PKH/P2SH as written, bech32 (segwit v0) and bech32m (v1+) lower-case;
TRON base58check ``T...`` (a ``41``-prefixed hex form is converted to base58).
``address_problem`` returns a reason instead of raising so that bulk ingest can collect
every bad row with its reason.
"""

from __future__ import annotations

import re

import base58
import bech32m
from eth_utils.address import is_checksum_address

from sanctionwatch.chain.chains import Chain, get_chain
from sanctionwatch.errors import InputError

_EVM_LOWER = re.compile(r"0x[0-9a-f]{40}")
_EVM_ANY = re.compile(r"0x[0-9a-fA-F]{40}")
_TRON_HEX = re.compile(r"41[0-9a-fA-F]{40}")

# base58check version bytes of Bitcoin mainnet addresses
_BTC_P2PKH = 0x00
_BTC_P2SH = 0x05
_TRON_VERSION = 0x41


def normalize_evm(address: str) -> tuple[str | None, str | None]:
    """EVM: ``0x`` + 40 hex; mixed case must be a valid EIP-55 checksum."""
    if _EVM_LOWER.fullmatch(address):
        return address, None
    if not _EVM_ANY.fullmatch(address):
        return None, "not an EVM address (0x followed by 40 hex digits)"
    digits = address[2:]
    if digits == digits.upper() or is_checksum_address(address):
        return address.lower(), None
    return None, "mixed-case EVM address fails its EIP-55 checksum"


def normalize_bitcoin(address: str) -> tuple[str | None, str | None]:
    """Bitcoin mainnet: base58check P2PKH (1...) / P2SH (3...), bech32 / bech32m (bc1...)."""
    lowered = address.lower()
    if lowered.startswith("bc1"):
        if address != lowered and address != address.upper():
            return None, "bech32 address mixes upper and lower case"
        try:
            decoded = bech32m.decode("bc", lowered)
        except Exception:  # the library raises several types; all mean "invalid"
            return None, "invalid bech32/bech32m address (checksum or encoding)"
        if decoded.witver is None:
            return None, "invalid bech32/bech32m address (checksum or encoding)"
        return lowered, None
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        return None, "invalid base58check address (checksum or characters)"
    if len(raw) != 21 or raw[0] not in (_BTC_P2PKH, _BTC_P2SH):
        return None, "base58check payload is not a Bitcoin mainnet P2PKH/P2SH address"
    return address, None


def normalize_tron(address: str) -> tuple[str | None, str | None]:
    """TRON: base58check with version byte 0x41 (``T...``); ``41`` + 40 hex is converted."""
    if _TRON_HEX.fullmatch(address):
        return base58.b58encode_check(bytes.fromhex(address)).decode("ascii"), None
    if address.startswith("0x") and _EVM_ANY.fullmatch(address):
        return None, "an EVM-style 0x address is not a TRON address (expected T... base58)"
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        return None, "invalid base58check TRON address (checksum or characters)"
    if len(raw) != 21 or raw[0] != _TRON_VERSION:
        return None, "base58check payload is not a TRON address (version byte 0x41)"
    return address, None


_NORMALIZERS = {"evm": normalize_evm, "bitcoin": normalize_bitcoin, "tron": normalize_tron}


def address_problem(chain: Chain, address: str) -> tuple[str | None, str | None]:
    """(canonical address, None) when valid for ``chain``, else (None, reason)."""
    candidate = address.strip()
    if not candidate:
        return None, "empty address"
    return _NORMALIZERS[chain.family](candidate)


def normalize_address(chain: Chain | str, address: str) -> str:
    """The canonical form of ``address`` on ``chain``; raises InputError when invalid."""
    resolved = get_chain(chain) if isinstance(chain, str) else chain
    canonical, problem = address_problem(resolved, address)
    if canonical is None:
        raise InputError(f"{address!r} is not a valid {resolved.name} address: {problem}.")
    return canonical


def guess_chains(address: str) -> list[Chain]:
    """Chains on which ``address`` is valid (EVM addresses are valid on every EVM chain)."""
    from sanctionwatch.chain.chains import CHAINS

    return [c for c in CHAINS.values() if address_problem(c, address)[0] is not None]
