"""The example trace (hand-written, ``--model all``, ETH into BTC through a cross-chain swap)
and an empty one, for the exporter tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).with_name("example_trace.json")
_LOADED: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def example() -> dict[str, Any]:
    """A fresh copy of ``example_trace.json`` (tests may change it)."""
    return copy.deepcopy(_LOADED)


@pytest.fixture
def empty() -> dict[str, Any]:
    """A trace that reached nothing: no nodes, edges, terminals or links."""
    return {
        "seeds": [{"address": "0x098b716b8aaf21512996dc57eb0615e2383e2f96", "chain": "ethereum"}],
        "model": "haircut",
        "models": ["haircut"],
        "parameters": {
            "since": None,
            "hops": 6,
            "stop_at": ["exchange"],
            "hub_degree": 10000,
            "dust": 0.0001,
            "asset": None,
        },
        "nodes": [],
        "edges": [],
        "terminals": [],
        "links": [],
        "summary": {
            "by_category": {},
            "by_stage": {},
            "assets": {},
            "asset_info": {},
            "seconds": 0.01,
            "index": {},
        },
    }


@pytest.fixture
def bare(example: dict[str, Any]) -> dict[str, Any]:
    """The example with only the keys the first engine version wrote (no links, parameters,
    models, asset_info, edge chains, continued terminals): exporters must still work."""
    out = {k: example[k] for k in ("seeds", "model", "nodes", "edges", "terminals", "summary")}
    out["summary"] = {k: v for k, v in out["summary"].items() if k in ("by_category", "assets")}
    for edge in out["edges"]:
        for key in ("chain", "stage_evidence", "link", "vout", "from_addresses", "after_coinjoin"):
            edge.pop(key, None)
    for terminal in out["terminals"]:
        for key in ("continued", "evidence", "models", "range"):
            terminal.pop(key, None)
    return out
