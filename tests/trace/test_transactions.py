"""The transaction columns a trace's edges and exposure paths are written from."""

from __future__ import annotations

import numpy as np

from sanctionwatch.trace.transactions import Transactions, objects


def test_transactions_are_gathered_by_position_and_a_missing_one_is_none() -> None:
    """``Transactions``: columns in the order of their positions; ``joined`` keeps that
    order; a position never read is not found, None in every column; a NULL is None."""

    def columns(*rows: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        return tuple(np.array(list(c), dtype=object) for c in zip(*rows, strict=True))

    read = Transactions(np.array([2, 9]), columns(("a", "1", "t2", ""), ("b", "2", "t9", "0")))
    more = Transactions(np.array([5]), columns(("c", "3", "t5", "1")))
    both = read.joined(more)
    assert both.positions.tolist() == [2, 5, 9]
    found, cols = both.gather(np.array([9, 4, 2, 5]))
    assert found.tolist() == [True, False, True, True]
    assert cols == [
        ["b", None, "a", "c"],
        ["2", None, "1", "3"],
        ["t9", None, "t2", "t5"],
        ["0", None, "", "1"],
    ]
    assert both.holds(np.array([2, 5]))
    assert not both.holds(np.array([2, 4]))
    masked = np.ma.masked_array(np.array(["x", "y"], dtype=object), mask=[False, True])
    assert objects(masked).tolist() == ["x", None]


def test_addresses_are_found_by_id_and_a_missing_one_is_the_given_value() -> None:
    """``read_addresses``: the (chain, address) of each asked id in the asked order, in one
    query; an id the store does not hold gets ``missing`` in both columns."""
    import duckdb

    from sanctionwatch.trace.transactions import read_addresses

    con = duckdb.connect()
    con.execute("CREATE TABLE addresses (id BIGINT, chain VARCHAR, address VARCHAR)")
    con.execute("INSERT INTO addresses VALUES (7, 'ethereum', '0xseven'), (3, 'tron', 'Tthree')")
    book = read_addresses(con, [3, 7, 9])
    assert book.columns([7, 9, 3, 7], "?") == (
        ["ethereum", "?", "tron", "ethereum"],
        ["0xseven", "?", "Tthree", "0xseven"],
    )
    assert read_addresses(con, [9]).columns([9, 9], None) == ([None, None], [None, None])
