"""Valid synthetic addresses for Ethereum, Bitcoin and TRON, made in bulk.

Readers and tests validate every address (base58check checksums, bech32 checksums), so the
scenario cannot use placeholders. Base58check goes through the ``base58`` package (about
5 microseconds an address); bech32 P2WPKH addresses are encoded here with numpy because
the pure-Python ``bech32m`` package is ten times slower and the Bitcoin pool is large.
"""

from __future__ import annotations

import base58
import numpy as np
import numpy.typing as npt

from sanctionwatch.scenario._encode import hex_chars

U8 = npt.NDArray[np.uint8]

# Bitcoin script kinds used in the scenario.
P2PKH, P2SH, P2WPKH = 0, 1, 2
BTC_KIND_WEIGHTS = (0.30, 0.20, 0.50)

_BECH32_ALPHABET = np.frombuffer(b"qpzry9x8gf2tvdw0s3jn54khce6mua7l", dtype=np.uint8)
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def eth_hex_chars(raw: U8) -> U8:
    """(n, 20) bytes -> (n, 42) ``0x`` + lower-case hex characters."""
    return hex_chars(raw, b"0x")


def eth_address(raw: bytes) -> str:
    """20 bytes -> lower-case ``0x`` address."""
    return "0x" + raw.hex()


def _bech32_polymod(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """BIP-173 checksum polymod over the columns of ``values`` (one row per address)."""
    chk = np.ones(values.shape[0], dtype=np.uint32)
    for col in range(values.shape[1]):
        top = chk >> np.uint32(25)
        chk = ((chk & np.uint32(0x1FFFFFF)) << np.uint32(5)) ^ values[:, col]
        for i, g in enumerate(_BECH32_GEN):
            chk ^= np.where((top >> np.uint32(i)) & np.uint32(1), np.uint32(g), np.uint32(0))
    return chk


def p2wpkh_addresses(programs: U8, hrp: str = "bc") -> list[str]:
    """(n, 20) witness programs -> bech32 (witness v0) addresses, vectorized."""
    n = programs.shape[0]
    if n == 0:
        return []
    bits = np.unpackbits(programs, axis=1)  # (n, 160)
    groups = bits.reshape(n, 32, 5)
    data5 = (groups * np.array([16, 8, 4, 2, 1], dtype=np.uint8)).sum(2).astype(np.uint32)
    hrp_b = hrp.encode()
    hrp_exp = [c >> 5 for c in hrp_b] + [0] + [c & 31 for c in hrp_b]
    values = np.zeros((n, len(hrp_exp) + 1 + 32 + 6), dtype=np.uint32)
    values[:, : len(hrp_exp)] = hrp_exp
    values[:, len(hrp_exp)] = 0  # witness version 0
    values[:, len(hrp_exp) + 1 : len(hrp_exp) + 33] = data5
    polymod = _bech32_polymod(values) ^ np.uint32(1)
    checksum = np.stack([(polymod >> np.uint32(5 * (5 - i))) & np.uint32(31) for i in range(6)], 1)
    words = np.concatenate([np.zeros((n, 1), dtype=np.uint32), data5, checksum], 1)
    chars = _BECH32_ALPHABET[words]
    prefix = np.frombuffer((hrp + "1").encode(), dtype=np.uint8)
    full = np.concatenate([np.broadcast_to(prefix, (n, prefix.size)), chars], 1)
    blob = np.ascontiguousarray(full).tobytes().decode("ascii")
    width = full.shape[1]
    return [blob[i * width : (i + 1) * width] for i in range(n)]


def btc_addresses(kinds: npt.NDArray[np.int8], h160: U8) -> list[str]:
    """Encode each 20-byte hash as P2PKH (1...), P2SH (3...) or P2WPKH (bc1q...)."""
    out: list[str] = [""] * len(kinds)
    seg = np.flatnonzero(kinds == P2WPKH)
    for i, a in zip(seg.tolist(), p2wpkh_addresses(h160[seg]), strict=True):
        out[i] = a
    for i in np.flatnonzero(kinds != P2WPKH).tolist():
        version = b"\x00" if kinds[i] == P2PKH else b"\x05"
        out[i] = base58.b58encode_check(version + h160[i].tobytes()).decode("ascii")
    return out


def tron_addresses(raw: U8) -> list[str]:
    """(n, 20) bytes -> TRON base58check addresses (version byte 0x41, ``T...``)."""
    return [base58.b58encode_check(b"\x41" + r.tobytes()).decode("ascii") for r in raw]


def btc_out_script(kind: int, h160: bytes) -> tuple[str, str, str]:
    """(script_asm, script_hex, type) of the output script paying ``h160``."""
    h = h160.hex()
    if kind == P2PKH:
        return (f"OP_DUP OP_HASH160 {h} OP_EQUALVERIFY OP_CHECKSIG", f"76a914{h}88ac", "pubkeyhash")
    if kind == P2SH:
        return f"OP_HASH160 {h} OP_EQUAL", f"a914{h}87", "scripthash"
    return f"0 {h}", f"0014{h}", "witness_v0_keyhash"


def btc_in_script(kind: int, h160: bytes, sig: bytes, pubkey: bytes) -> tuple[str, str]:
    """(script_asm, script_hex) of the scriptSig spending an output of this kind.

    Signatures are random bytes of the right shape, not real signatures: the data are
    synthetic and no reader verifies scripts. Segwit inputs have an empty scriptSig.
    """
    if kind == P2PKH:
        s, p = sig.hex() + "01", pubkey.hex()
        return f"{sig.hex()}[ALL] {p}", f"{len(s) // 2:02x}{s}{len(p) // 2:02x}{p}"
    if kind == P2SH:
        redeem = "0014" + h160.hex()  # P2SH-wrapped P2WPKH
        return redeem, f"16{redeem}"
    return "", ""
