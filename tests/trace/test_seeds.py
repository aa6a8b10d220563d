"""Seeds as users write them, looked up in one pass over the store's addresses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sanctionwatch.errors import InputError
from sanctionwatch.trace.seeds import resolve_seeds

EDGES = [("S", "M", 10, 40.0), ("M", "A", 20, 30.0), ("M", "B", 30, 10.0)]


def test_store_looks_up_many_addresses_at_once(graph_store: Any) -> None:
    g = graph_store
    store = g(EDGES)
    wanted = [("ethereum", g.addr(n)) for n in ("S", "A", "Z")] + [("tron", g.addr("S"))]
    found = store.address_ids([*wanted, wanted[0]])
    assert found == {
        ("ethereum", g.addr("S")): store.address_id("ethereum", g.addr("S")),
        ("ethereum", g.addr("A")): store.address_id("ethereum", g.addr("A")),
    }
    assert store.address_ids([]) == {}
    assert store.address_id("ethereum", g.addr("Z")) is None


def test_file_and_arguments_in_order_without_repeats(graph_store: Any, tmp_path: Path) -> None:
    g = graph_store
    store = g(EDGES)
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(
        f"# thief wallets\nethereum:{g.addr('M')}\n\n{g.addr('A')}  # bare: any chain\n"
        f"{g.addr('S')}\n"
    )
    table = tmp_path / "seeds.csv"
    table.write_text(f"chain,address\nethereum,{g.addr('B')}\n,{g.addr('M')}\n")
    ids = resolve_seeds(store, [g.addr("S"), f"file:{seeds}", f"file:{table}"])
    names = ["S", "M", "A", "B"]
    assert ids == [store.address_id("ethereum", g.addr(n)) for n in names]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("0x" + "ab" * 20, "line 3: Seed address 0x" + "ab" * 20 + " is not in the store"),
        ("not-an-address", "line 3: 'not-an-address' is not a valid address"),
    ],
)
def test_a_bad_line_is_named(graph_store: Any, tmp_path: Path, line: str, message: str) -> None:
    g = graph_store
    store = g(EDGES)
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"{g.addr('S')}\n# a comment\n{line}\n")
    with pytest.raises(InputError) as caught:
        resolve_seeds(store, [f"file:{seeds}"])
    assert f"{seeds}, {message}" in caught.value.message
