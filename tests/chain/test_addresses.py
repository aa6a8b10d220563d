"""Per-chain address validation and normalization, on published test vectors.

EVM: the EIP-55 examples; Bitcoin: BIP-173 / BIP-350 segwit vectors and well-known
base58check addresses; TRON: the USDT contract. Property tests encode random payloads
each way and check the round trip and that a single changed character is caught.
"""

from __future__ import annotations

import base58
import bech32m
import pytest
from eth_utils import to_checksum_address
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sanctionwatch.chain.addresses import address_problem, guess_chains, normalize_address
from sanctionwatch.chain.chains import get_chain
from sanctionwatch.errors import InputError

ETH = get_chain("ethereum")
BTC = get_chain("bitcoin")
TRON = get_chain("tron")

# -- EVM ------------------------------------------------------------------------------------

EIP55_EXAMPLES = [
    # all caps
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    # all lower
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    # normal (checksummed)
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]

EVM_INVALID = [
    ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "EIP-55"),  # last letter's case flipped
    ("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6Fb", "EIP-55"),
    ("0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x followed by 40 hex"),
    ("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x followed by 40 hex"),
    ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", "0x followed by 40 hex"),  # 39 digits
    ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd", "0x followed by 40 hex"),  # 41 digits
    ("0xgaaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x followed by 40 hex"),
    ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "0x followed by 40 hex"),
    ("", "empty"),
    ("   ", "empty"),
]


@pytest.mark.parametrize("address", EIP55_EXAMPLES)
def test_eip55_examples_are_valid_and_normalize_to_lower_case(address: str) -> None:
    canonical, problem = address_problem(ETH, address)
    assert problem is None
    assert canonical == address.lower()


@pytest.mark.parametrize(("address", "reason"), EVM_INVALID)
def test_invalid_evm_addresses_are_rejected_with_a_reason(address: str, reason: str) -> None:
    canonical, problem = address_problem(ETH, address)
    assert canonical is None
    assert problem is not None
    assert reason in problem


@pytest.mark.parametrize("chain", ["ethereum", "bsc", "polygon", "arbitrum", "base"])
def test_evm_rules_hold_on_every_evm_chain(chain: str) -> None:
    assert normalize_address(chain, EIP55_EXAMPLES[4]) == EIP55_EXAMPLES[4].lower()
    with pytest.raises(InputError, match="EIP-55"):
        normalize_address(chain, EVM_INVALID[0][0])


def test_surrounding_whitespace_is_ignored() -> None:
    assert normalize_address(ETH, f"  {EIP55_EXAMPLES[4]}\t") == EIP55_EXAMPLES[4].lower()


# -- Bitcoin -------------------------------------------------------------------------------

BTC_VALID = [
    # (input, canonical) -- BIP-173 / BIP-350 mainnet vectors; bech32 upper case -> lower
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
    (
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
    ),
    (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    ),
    ("BC1SW50QGDZ25J", "bc1sw50qgdz25j"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    ),
    # base58check P2PKH (genesis coinbase) and P2SH: kept as written
    ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
    ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
]

BTC_INVALID = [
    # testnet (BIP-173/350 vectors for tb): not mainnet
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
    # BIP-173 v1+ vectors with a bech32 checksum: invalid since BIP-350
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
    "BC1SW50QA3JX3S",
    "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
    # BIP-173 invalid
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # checksum
    "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",  # witness version
    "bc1rw5uspcuh",  # program length
    "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # v0 program length
    "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",  # zero padding > 4 bits
    "bc1gmk9yu",  # empty data
    # BIP-350 invalid
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",  # hrp
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # bech32 not bech32m
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with a bech32m checksum
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # 'o' in checksum
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # witness version 17
    "bc1pw5dgrnzv",  # 1-byte program
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  # 41 bytes
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  # padding
    # base58check
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # checksum
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0",  # '0' is not base58
    "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet P2PKH
    "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc",  # testnet P2SH
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",  # TRON
    "0x52908400098527886E0F7030069857D2E4169EE7",  # EVM
    "",
]


@pytest.mark.parametrize(("address", "canonical"), BTC_VALID)
def test_bitcoin_valid_vectors(address: str, canonical: str) -> None:
    assert address_problem(BTC, address) == (canonical, None)


@pytest.mark.parametrize("address", BTC_INVALID)
def test_bitcoin_invalid_vectors(address: str) -> None:
    canonical, problem = address_problem(BTC, address)
    assert canonical is None
    assert problem


def test_bech32_mixed_case_is_rejected_as_such() -> None:
    # BIP-350's mixed-case vector, on a mainnet address
    mixed = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jJ0"
    assert address_problem(BTC, mixed) == (None, "bech32 address mixes upper and lower case")


def test_bitcoin_testnet_base58_reason_names_the_payload() -> None:
    _, problem = address_problem(BTC, "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn")
    assert problem is not None
    assert "mainnet" in problem


# -- TRON ----------------------------------------------------------------------------------

USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
USDT_TRON_HEX = "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"


@pytest.mark.parametrize("address", [USDT_TRON, USDT_TRON_HEX, USDT_TRON_HEX.upper()])
def test_tron_base58_and_hex_forms_normalize_to_base58(address: str) -> None:
    assert address_problem(TRON, address) == (USDT_TRON, None)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T", "checksum"),
        ("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c", "EVM-style"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "version byte 0x41"),
        ("41a614f803b6fd780986a42c78ec9c7f77e6ded1", "checksum"),  # 19-byte hex: not hex form
    ],
)
def test_tron_invalid(address: str, reason: str) -> None:
    canonical, problem = address_problem(TRON, address)
    assert canonical is None
    assert problem is not None
    assert reason in problem


def test_normalize_address_raises_input_error_naming_chain_and_address() -> None:
    with pytest.raises(
        InputError, match=r"'1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb' is not a valid bitcoin"
    ):
        normalize_address("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")


def test_guess_chains() -> None:
    assert {c.family for c in guess_chains(EIP55_EXAMPLES[0])} == {"evm"}
    assert [c.name for c in guess_chains(USDT_TRON)] == ["tron"]
    assert [c.name for c in guess_chains("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")] == ["bitcoin"]


# -- properties ----------------------------------------------------------------------------

payload20 = st.binary(min_size=20, max_size=20)
payload32 = st.binary(min_size=32, max_size=32)
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
PROPS = settings(max_examples=40)


def _replace(text: str, index: int, alphabet: str, pick: int) -> str:
    """``text`` with the character at ``index`` replaced by a different one of ``alphabet``."""
    choices = [c for c in alphabet if c != text[index]]
    return text[:index] + choices[pick % len(choices)] + text[index + 1 :]


@PROPS
@given(payload=payload20, data=st.data())
def test_evm_checksum_round_trip_and_single_case_flip(payload: bytes, data: st.DataObject) -> None:
    lower = "0x" + payload.hex()
    checksummed = to_checksum_address(lower)
    for form in (lower, lower.upper().replace("0X", "0x"), checksummed):
        assert address_problem(ETH, form) == (lower, None)
    letters = [i for i, c in enumerate(checksummed) if i >= 2 and c.isalpha()]
    assume(letters)
    i = data.draw(st.sampled_from(letters))
    flipped = checksummed[:i] + checksummed[i].swapcase() + checksummed[i + 1 :]
    digits = flipped[2:]
    # one flip may leave a single-case address, which carries no checksum (still the same one)
    assume(digits != digits.lower() and digits != digits.upper())
    assert address_problem(ETH, flipped) == (
        None,
        "mixed-case EVM address fails its EIP-55 checksum",
    )


@PROPS
@given(payload=payload20, version=st.sampled_from([0x00, 0x05]), data=st.data())
def test_bitcoin_base58check_round_trip_and_single_change(
    payload: bytes, version: int, data: st.DataObject
) -> None:
    address = base58.b58encode_check(bytes([version]) + payload).decode()
    assert address_problem(BTC, address) == (address, None)
    i = data.draw(st.integers(0, len(address) - 1))
    changed = _replace(address, i, BASE58, data.draw(st.integers(0, 100)))
    assert address_problem(BTC, changed)[0] is None


@PROPS
@given(
    program=st.one_of(
        st.tuples(st.just(0), payload20),
        st.tuples(st.just(0), payload32),
        st.tuples(st.just(1), payload32),
    ),
    upper=st.booleans(),
    data=st.data(),
)
def test_bech32_and_bech32m_round_trip_and_single_change(
    program: tuple[int, bytes], upper: bool, data: st.DataObject
) -> None:
    version, payload = program
    address = bech32m.encode("bc", version, payload)
    written = address.upper() if upper else address
    assert address_problem(BTC, written) == (address, None)
    # bech32 detects every single substitution in the data part
    i = data.draw(st.integers(3, len(address) - 1))
    changed = _replace(address, i, BECH32, data.draw(st.integers(0, 100)))
    assert address_problem(BTC, changed)[0] is None


@PROPS
@given(payload=payload20, data=st.data())
def test_tron_round_trip_hex_to_base58_and_single_change(
    payload: bytes, data: st.DataObject
) -> None:
    raw = b"\x41" + payload
    address = base58.b58encode_check(raw).decode()
    assert address.startswith("T")
    assert address_problem(TRON, address) == (address, None)
    assert address_problem(TRON, raw.hex()) == (address, None)
    assert address_problem(TRON, raw.hex().upper()) == (address, None)
    i = data.draw(st.integers(0, len(address) - 1))
    changed = _replace(address, i, BASE58, data.draw(st.integers(0, 100)))
    assert address_problem(TRON, changed)[0] is None
