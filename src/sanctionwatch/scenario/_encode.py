"""Vectorized text encodings for the scenario writers (hex, big decimals, JSON pieces).

The generator writes tens of millions of rows; building each cell in Python would take
minutes. These helpers turn numpy arrays into Arrow string arrays directly (fixed-width
character matrices become Arrow buffers without a Python object per cell), so the CSV and
JSONL writers stay within the time budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# HEX_PAIRS[b] = the two ASCII hex characters of byte b.
HEX_PAIRS: U8 = np.stack([_HEX_DIGITS[np.arange(256) >> 4], _HEX_DIGITS[np.arange(256) & 15]], 1)
GWEI = 10**9


def hex_chars(data: U8, prefix: bytes = b"") -> U8:
    """(n, k) bytes -> (n, len(prefix) + 2k) ASCII hex characters, lower case."""
    n, k = data.shape
    body = np.empty((n, k, 2), dtype=np.uint8)
    body[:, :, 0] = data >> np.uint8(4)
    body[:, :, 1] = data & np.uint8(15)
    body += np.uint8(48)  # '0'
    body += (body > 57) * np.uint8(39)  # 'a' - '0' - 10
    if not prefix:
        return body.reshape(n, 2 * k)
    out = np.empty((n, len(prefix) + 2 * k), dtype=np.uint8)
    out[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    out[:, len(prefix) :] = body.reshape(n, 2 * k)
    return out


def fixed_strings(chars: U8) -> pa.StringArray:
    """(n, w) ASCII matrix -> Arrow string array of n strings of width w (zero-copy)."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n, w = chars.shape
    if n * w >= 2**31:
        raise ValueError("string column too large for one Arrow chunk")
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(w)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.reshape(-1)))


def hex_strings(data: U8, prefix: bytes = b"") -> pa.StringArray:
    """(n, k) bytes -> Arrow strings ``prefix + hex``."""
    return fixed_strings(hex_chars(data, prefix))


def hex_upper_strings(data: U8) -> pa.StringArray:
    """(n, k) bytes -> Arrow strings of upper-case hex (THORChain ``OUT:`` memos)."""
    return pc.utf8_upper(hex_strings(data))


def encode_text_hex(arr: pa.Array, prefix: bytes = b"0x") -> pa.StringArray:
    """UTF-8 strings -> ``prefix`` + hex of their bytes (memos carried in calldata)."""
    arr = pa.array(arr, type=pa.large_string()) if not isinstance(arr, pa.Array) else arr
    arr = arr.cast(pa.large_string())
    n = len(arr)
    if n == 0:
        return pa.array([], type=pa.string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    raw = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    hexed = HEX_PAIRS[raw].reshape(-1)
    rel = (offsets - offsets[0]) * 2
    body = pa.LargeStringArray.from_buffers(n, pa.py_buffer(rel), pa.py_buffer(hexed))
    out = body.cast(pa.string())
    if prefix:
        out = pc.binary_join_element_wise(prefix.decode(), out, "")
    return out


def dec_strings(values: npt.NDArray[Any]) -> pa.StringArray:
    """Integers -> decimal strings."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def big_dec_strings(hi: I64, lo: I64) -> pa.StringArray:
    """Decimal text of ``hi * 10**9 + lo`` (0 <= lo < 10**9): wei amounts beyond 2**63."""
    hi_a = pa.array(np.asarray(hi, dtype=np.int64))
    lo_s = pc.cast(pa.array(np.asarray(lo, dtype=np.int64)), pa.string())
    joined = pc.binary_join_element_wise(pc.cast(hi_a, pa.string()), pc.utf8_lpad(lo_s, 9, "0"), "")
    return pc.if_else(pc.greater(hi_a, 0), joined, lo_s)


def split_big(value: int) -> tuple[int, int]:
    """Python int -> (hi, lo) with value = hi * 10**9 + lo."""
    hi, lo = divmod(value, GWEI)
    return hi, lo


def big_hex64(hi: I64, lo: I64) -> U8:
    """``hi * 10**9 + lo`` as 64 lower-case hex characters (a uint256 ABI word)."""
    hi_u = np.asarray(hi, dtype=np.uint64)
    lo_u = np.asarray(lo, dtype=np.uint64)
    m32 = np.uint64(0xFFFFFFFF)
    g = np.uint64(GWEI)
    p_lo = (hi_u & m32) * g  # < 2**62
    p_hi = (hi_u >> np.uint64(32)) * g  # weight 2**32
    s0 = (p_lo & m32) + (lo_u & m32)
    w0 = s0 & m32
    s1 = (p_lo >> np.uint64(32)) + (lo_u >> np.uint64(32)) + (p_hi & m32) + (s0 >> np.uint64(32))
    w1 = s1 & m32
    s2 = (p_hi >> np.uint64(32)) + (s1 >> np.uint64(32))
    words = np.stack([s2, w1, w0], 1).astype(">u4")  # big-endian 3 x 32 bits
    raw = words.view(np.uint8).reshape(len(hi_u), 12)
    out = np.full((len(hi_u), 64), ord("0"), dtype=np.uint8)
    out[:, 40:] = HEX_PAIRS[raw].reshape(len(hi_u), 24)
    return out


def concat(*parts: Any) -> pa.StringArray:
    """Element-wise string concatenation of arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def join_lists(offsets: I64, values: pa.Array, sep: str = ",") -> pa.StringArray:
    """Join ``values[offsets[i]:offsets[i+1]]`` with ``sep`` for each i."""
    lst = pa.LargeListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int64)), values)
    return pc.binary_join(lst, sep)


def iso_strings(ts: I64) -> pa.StringArray:
    """Unix seconds -> ``YYYY-MM-DDTHH:MM:SSZ``."""
    stamps = pa.array(np.asarray(ts, dtype=np.int64), type=pa.timestamp("s"))
    return pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%SZ")


def mix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finalizer: a fast deterministic pseudo-random hash of uint64 values."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def block_hash_bytes(numbers: I64, salt: int) -> U8:
    """A stable pseudo-random 32-byte hash for each block number (same block, same hash)."""
    base = np.asarray(numbers, dtype=np.int64).astype(np.uint64) * np.uint64(4)
    s = np.uint64(salt & 0xFFFFFFFFFFFFFFFF)
    words = np.stack([mix64(base + np.uint64(k) + s) for k in range(4)], 1)
    return words.astype(">u8").view(np.uint8).reshape(len(base), 32)
