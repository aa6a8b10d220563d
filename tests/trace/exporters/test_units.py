"""Base units to whole units, and the rounding shown to people."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sanctionwatch.trace.exporters._common import (
    accounting,
    graph_nodes,
    human,
    link_connectors,
    plain,
    primary_asset,
    primary_model,
    terminal_category,
    to_whole,
    with_edge_chains,
)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("1000000000000000000000", 18, "1000"),
        ("49990000000000000000", 18, "49.99"),
        ("1", 18, "0.000000000000000001"),
        (749990000, 8, "7.4999"),
        (1.5e20, 18, "150"),
        (
            str(2**256 - 1),
            18,
            "115792089237316195423570985008687907853269984665640564039457.584007913129639935",
        ),
        ("12", None, "12"),
        ("2.5", 0, "2.5"),
    ],
)
def test_to_whole_is_exact(value: Any, decimals: int | None, expected: str) -> None:
    number = to_whole(value, decimals)
    assert number is not None
    assert plain(number) == expected


@pytest.mark.parametrize("value", [None, "abc", float("nan"), float("inf"), True])
def test_to_whole_of_non_numbers(value: Any) -> None:
    assert to_whole(value, 18) is None


@pytest.mark.parametrize(
    ("number", "text"),
    [
        ("0", "0"),
        ("1000", "1,000"),
        ("266.66666666666666", "266.6667"),
        ("0.0035555555", "0.00355556"),
        ("0.000000000000000001", "1e-18"),
        ("0.00000002666666", "2.67e-08"),
        ("0.000001", "0.000001"),
        ("-12.5", "-12.5"),
        ("1234567.891", "1,234,567.891"),
    ],
)
def test_human_rounding(number: str, text: str) -> None:
    assert human(Decimal(number)) == text


def test_primary_asset_and_model(example: dict[str, Any]) -> None:
    assert primary_asset(example) == "ETH"
    example["parameters"]["asset"] = "BTC"
    assert primary_asset(example) == "BTC"
    assert primary_model(example) == "haircut"
    example["model"] = example["primary_model"] = "fifo"
    assert primary_model(example) == "fifo"
    del example["primary_model"]  # a result written before the key: from the model
    assert primary_model(example) == "fifo"


def test_graph_nodes_add_edge_endpoints(example: dict[str, Any]) -> None:
    nodes = graph_nodes(example)
    assert len(nodes) == len(example["nodes"]) + 1  # the sender of the source value
    outside = [n for n in nodes if not n.listed]
    assert outside[0].data["hop"] == -1
    assert sum(n.seed for n in nodes) == 1
    hub = next(n for n in nodes if n.data["address"].startswith("0xe7c1"))
    assert hub.category == "unlabeled_hub"  # from the terminal, it has no label
    assert hub.terminal


def test_link_connector_joins_router_to_vault(example: dict[str, Any]) -> None:
    [connector] = link_connectors(example)
    assert connector.source == "ethereum:0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146"
    assert connector.target == "bitcoin:bc1qe0lgm3dkhs9z3u8e8wqtxm5dm3h7qeqfgsfqyz"


def test_edge_chains_filled_from_nodes(bare: dict[str, Any]) -> None:
    filled = with_edge_chains(bare)
    assert [e["chain"] for e in filled["edges"]][-1] == "bitcoin"
    assert "chain" not in bare["edges"][0]


def test_accounting_columns_and_identity(example: dict[str, Any]) -> None:
    headers, rows = accounting(example)
    assert headers[:5] == ["source", "absorbed clean", "traced", "to terminals", "through links"]
    assert headers[5:] == [
        "untraced: held",
        "untraced: below dust",
        "untraced: hop limit",
        "untraced: fees",
    ]
    assert len(rows) == 10  # 2 assets x 5 models
    for asset, model, values in rows:
        traced, rest = values[2], values[3:]
        assert traced == pytest.approx(sum(rest), rel=1e-12), (asset, model)


def test_terminal_category_marks_continued(example: dict[str, Any]) -> None:
    assert terminal_category(example["terminals"][0]) == "cross_chain_swap (continued)"
    assert terminal_category(example["terminals"][1]) == "mixer"


def test_edge_without_address_is_one_node_per_chain(example: dict[str, Any]) -> None:
    example["edges"][-1]["to_address"] = None
    nodes = graph_nodes(example)
    keys = [n.key for n in nodes]
    assert "bitcoin:(no address)" in keys
    assert len(keys) == len(set(keys))
