"""Sorted-array operations against numpy's own (``np.isin``, ``np.unique``, stable
``np.argsort``) and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctionwatch.trace import arrays
from sanctionwatch.trace.arrays import (
    distinct,
    distinct_counts,
    distinct_first,
    distinct_inverse,
    expand_ranges,
    find_sorted,
    grouped_order,
    in_first_order,
    lookup,
    member_mask,
    sorted_ints,
    stable_order,
)


def test_expand_ranges() -> None:
    lo = np.array([0, 5, 5, 9], dtype=np.int64)
    hi = np.array([2, 5, 8, 10], dtype=np.int64)
    assert expand_ranges(lo, hi).tolist() == [0, 1, 5, 6, 7, 9]
    assert expand_ranges(lo[:0], hi[:0]).tolist() == []


@pytest.mark.parametrize("n_keys", [0, 1, 3, 60, 5_000])
def test_member_mask_is_isin(n_keys: int) -> None:
    rng = np.random.default_rng(n_keys)
    values = rng.integers(-50, 10_000, 20_000)
    keys = rng.integers(-50, 10_000, n_keys)  # repeats among them too
    assert member_mask(values, keys).tolist() == np.isin(values, keys).tolist()
    assert member_mask(values.astype(np.int32), keys).tolist() == np.isin(values, keys).tolist()
    found, at = lookup(keys, values)
    assert (keys[at[found]] == values[found]).all()  # where found, the index points at it
    first = {k: i for i, k in reversed(list(enumerate(keys.tolist())))}
    assert at[found].tolist() == [first[v] for v in values[found].tolist()]  # the first of equal


@given(
    st.lists(st.integers(-5, 2**40), max_size=50)
    | st.lists(st.integers(0, 20), max_size=200)
    | st.lists(st.integers(2**61, 2**62), max_size=5)
)
def test_distinct_helpers_equal_np_unique(values: list[int]) -> None:
    a = np.asarray(values, dtype=np.int64)
    found, first, inverse, counts = np.unique(
        a, return_index=True, return_inverse=True, return_counts=True
    )
    assert distinct(a).tolist() == found.tolist()
    assert [x.tolist() for x in distinct_counts(a)] == [found.tolist(), counts.tolist()]
    assert [x.tolist() for x in distinct_first(a)] == [found.tolist(), first.tolist()]
    assert [x.tolist() for x in distinct_inverse(a)] == [found.tolist(), inverse.tolist()]
    assert stable_order(a).tolist() == np.argsort(a, kind="stable").tolist()
    assert in_first_order(a).tolist() == list(dict.fromkeys(a.tolist()))
    ordered = np.sort(a)
    probe = np.concatenate([a, a + 1, [-7]])
    first = {v: k for k, v in reversed(list(enumerate(ordered.tolist())))}
    assert find_sorted(ordered, probe).tolist() == [first.get(v, -1) for v in probe.tolist()]
    # floats take numpy's own stable argsort (2**61 and 2**61 + 1 are one float: compared
    # with the integers' order, the test failed on such a pair)
    floats = a.astype(np.float64)
    assert stable_order(floats).tolist() == np.argsort(floats, kind="stable").tolist()


@given(
    st.lists(st.integers(0, 2**63 - 1), max_size=300)
    | st.lists(st.integers(0, 2**16), max_size=300)
    | st.lists(st.integers(-3, 3), max_size=300),
    st.booleans(),
)
def test_sorted_ints_is_np_sort(values: list[int], radix: bool) -> None:
    """The radix path (and np.sort below its threshold) sort, and leave the input as it was."""
    a = np.asarray(values, dtype=np.int64)
    before = a.copy()
    saved = arrays.RADIX_MIN
    arrays.RADIX_MIN = 0 if radix else saved
    try:
        got = sorted_ints(a)
    finally:
        arrays.RADIX_MIN = saved
    assert got.dtype == np.int64
    assert got.tolist() == sorted(values)
    assert a.tolist() == before.tolist()


@pytest.mark.parametrize("high", [1, 300, 2**40, 2**62])
def test_helpers_on_large_arrays_equal_numpy(high: int) -> None:
    """Past RADIX_MIN: the radix sort under distinct, distinct_counts and stable_order."""
    a = np.random.default_rng(high).integers(0, high, 3 * arrays.RADIX_MIN + 5)
    found, counts = np.unique(a, return_counts=True)
    assert np.array_equal(sorted_ints(a), np.sort(a))
    assert np.array_equal(distinct(a), found)
    assert [x.tolist() for x in distinct_counts(a)] == [found.tolist(), counts.tolist()]
    assert np.array_equal(stable_order(a), np.argsort(a, kind="stable"))


@pytest.mark.parametrize("edges", [0, 1, 500, 4095, 4096, 20_000])
def test_grouped_order_of_small_and_large_inputs_agree(edges: int) -> None:
    """Below ``RADIX_MIN`` keys the grouping is numpy's (no numba start-up), above it the
    counting sort's: the same groups in the same order either way."""
    from sanctionwatch.trace._kernels import counting_order

    rng = np.random.default_rng(edges)
    n = max(edges // 3, 1)
    for _ in range(2):  # the tails and the heads of an exposure graph
        ends = rng.integers(0, n, edges).astype(np.int64)
        order, offsets = grouped_order(ends, n)
        expected_order, expected_offsets = counting_order(ends, n)
        assert order.tolist() == expected_order.tolist()
        assert offsets.tolist() == expected_offsets.tolist()
        assert order.dtype == offsets.dtype == np.int64
