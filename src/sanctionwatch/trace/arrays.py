"""Sorted-array operations on integer ids and positions, shared by the trace index, the
engine, the evidence, stages, exposure and the UTXO tracer: membership and lookup by binary
search, ``np.unique``'s results by one sort, and ranges expanded without a loop.

Why not numpy's own: ``np.isin`` makes one pass over the values per key when the keys are
few, and ``np.unique`` (numpy 2.4) hashes or sorts stably where a plain sort is ~10x
faster on this machine (figures below).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


def lookup(keys: npt.ArrayLike, values: npt.ArrayLike) -> tuple[npt.NDArray[np.bool_], I64]:
    """Where each of ``values`` is among ``keys`` (any order): (found, its index in ``keys``,
    meaningless where not found; the first of equal keys). A binary search per value in the
    sorted keys: ``np.isin`` makes one pass over the values per key when the keys are few (a
    service's wallets, a wave's legs), and sorts both otherwise."""
    table = np.asarray(keys)
    order = stable_order(table)
    at = find_sorted(table[order], values)
    return at >= 0, order[np.maximum(at, 0)] if len(table) else np.zeros(at.shape, np.int64)


def find_sorted(ordered: npt.ArrayLike, values: npt.ArrayLike) -> I64:
    """Position of each of ``values`` in the sorted array ``ordered`` (the first of equal
    values), -1 where it is not there: one binary search each."""
    table = np.asarray(ordered)
    wanted = np.asarray(values)
    if not len(table):
        return np.full(wanted.shape, -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(table, wanted), len(table) - 1)
    return np.where(table[at] == wanted, at, -1).astype(np.int64)


# ``np.unique`` in numpy 2.4 hashes the values when asked for nothing else (0.66 s for 1.3M
# int64 on this machine) and sorts stably when asked for first indexes or an inverse (0.12
# s); ``np.sort`` and a neighbour mask take 9 ms. The helpers below give np.unique's
# results that way: an index or inverse comes from ``stable_order``, one sort of
# ``value << bits | position`` keys (a stable argsort where those do not fit in 63 bits).


RADIX_MIN = 1 << 12  # values to sort: from here a radix sort when none is negative


def sorted_ints(values: npt.ArrayLike) -> I64:
    """``np.sort`` of integers as int64 (a new array). From ``RADIX_MIN`` values on, when none
    is negative, by ``_kernels.radix_sorted``: numpy's sort of int64 ran at ~80 ns a value on
    this VM, the radix sort at ~20 (1.46M event keys: 83-90 -> 26-29 ms)."""
    a = np.asarray(values, dtype=np.int64)
    if not len(a) or len(a) < RADIX_MIN or int(a.min()) < 0:
        return np.sort(a)
    from sanctionwatch.trace._kernels import radix_sorted  # numba: only when needed

    out: I64 = radix_sorted(a)
    return out


def grouped_order(keys: I64, m: int) -> tuple[I64, I64]:
    """Positions sorted by key (keys in [0, m)), a key's positions in order (a stable
    argsort), and where each key's run starts (m + 1 entries). From ``RADIX_MIN`` keys on by
    ``_kernels.counting_order`` (two passes); below, by numpy, so that a small call (one
    address's exposure) does not start numba (~0.45 s in a fresh process)."""
    if len(keys) >= RADIX_MIN:
        from sanctionwatch.trace._kernels import counting_order  # numba: only when needed

        order, starts = counting_order(keys, m)
        return order, starts
    starts = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=m), out=starts[1:])
    return np.argsort(keys, kind="stable").astype(np.int64), starts


def distinct(values: npt.ArrayLike) -> I64:
    """``np.unique(values)`` (integers), by a sort."""
    ordered = sorted_ints(values)
    return ordered[_heads(ordered)]


def distinct_counts(values: npt.ArrayLike) -> tuple[I64, I64]:
    """``np.unique(values, return_counts=True)`` (integers), by a sort."""
    ordered = sorted_ints(values)
    starts = np.flatnonzero(_heads(ordered))
    return ordered[starts], np.diff(np.append(starts, len(ordered))).astype(np.int64)


def _heads(ordered: I64) -> npt.NDArray[np.bool_]:
    """Where each run of equal values starts in a sorted array."""
    head = np.empty(len(ordered), dtype=bool)
    head[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=head[1:])
    return head


def distinct_first(values: npt.ArrayLike) -> tuple[I64, I64]:
    """``np.unique(values, return_index=True)``: distinct values and where each first is."""
    found, first, _ = _distinct_positions(np.asarray(values, dtype=np.int64))
    return found, first


def distinct_inverse(values: npt.ArrayLike) -> tuple[I64, I64]:
    """``np.unique(values, return_inverse=True)``: distinct values and each value's slot."""
    found, _, inverse = _distinct_positions(np.asarray(values, dtype=np.int64))
    return found, inverse


def in_first_order(values: npt.ArrayLike) -> I64:
    """The distinct values in order of first appearance (``dict.fromkeys`` of the values)."""
    found, first = distinct_first(values)
    return found[np.argsort(first)]


def stable_order(values: npt.ArrayLike) -> I64:
    """``np.argsort(values, kind="stable")`` of integers, by one sort of ``value << bits |
    position`` keys when they fit in 63 bits (a stable argsort of 10^6 int64 takes ~10x as
    long)."""
    a = np.asarray(values)
    n = len(a)
    if not n or a.dtype.kind not in "iu":
        return np.argsort(a, kind="stable").astype(np.int64)
    bits = max(1, (n - 1).bit_length())
    if int(a.min()) < 0 or int(a.max()) >= 2 ** (63 - bits):
        return np.argsort(a, kind="stable").astype(np.int64)
    keys = (a.astype(np.int64) << bits) | np.arange(n, dtype=np.int64)
    return sorted_ints(keys) & ((1 << bits) - 1)


def _distinct_positions(values: I64) -> tuple[I64, I64, I64]:
    """Distinct values, the first position of each, each value's slot (``stable_order``:
    each value's first position leads its run)."""
    at = stable_order(values)
    ordered = values[at]
    head = _heads(ordered)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[at] = np.cumsum(head) - 1
    return ordered[head], at[head], inverse


def member_mask(values: npt.ArrayLike, keys: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """``np.isin(values, keys)`` (``lookup``)."""
    return lookup(keys, values)[0]


def expand_ranges(lo: I64, hi: I64) -> I64:
    """Concatenate ``range(lo[i], hi[i])`` for all i, vectorized."""
    lengths = hi - lo
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return (starts + np.arange(total)).astype(np.int64)
