"""Fixtures of the RPC ingest tests: replaying nodes on 127.0.0.1.

``store`` and ``shared_data`` (skipped when ../shared/data is absent, failing when CI=true)
come from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .fakenode import SYNTHETIC, FakeNode, load_answers
from .make_fixtures import golden_answers


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests go straight to 127.0.0.1, never through a proxy from the environment."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_node() -> Iterator[Callable[[list[dict[str, Any]]], FakeNode]]:
    """Start replaying nodes for a test; all are stopped at its end."""
    nodes: list[FakeNode] = []

    def make(answers: list[dict[str, Any]]) -> FakeNode:
        node = FakeNode(answers).start()
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.stop()


@pytest.fixture
def synthetic_node(make_node: Callable[[list[dict[str, Any]]], FakeNode]) -> FakeNode:
    return make_node(load_answers(SYNTHETIC))


@pytest.fixture(scope="session")
def golden_node_answers(shared_data: Path) -> list[dict[str, Any]]:
    return golden_answers(shared_data)


@pytest.fixture
def golden_node(
    make_node: Callable[[list[dict[str, Any]]], FakeNode], golden_node_answers: list[dict[str, Any]]
) -> FakeNode:
    return make_node(golden_node_answers)
