"""The HTML page: self-contained, well formed, escaped, usable on large traces."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sanctionwatch.trace.exporters import export
from sanctionwatch.trace.exporters import html as html_exporter
from sanctionwatch.trace.exporters._layout import SankeyNode, layered, sankey

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}


class Checker(HTMLParser):
    """Collects tags, attributes and nesting errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _page(result: dict[str, Any]) -> tuple[str, Checker]:
    text = export(result, "html")
    assert text is not None
    checker = Checker()
    checker.feed(text)
    checker.close()
    return text, checker


def test_page_is_well_formed_and_offline(example: dict[str, Any]) -> None:
    text, checker = _page(example)
    assert checker.errors == []
    assert checker.stack == []
    assert text.startswith("<!DOCTYPE html>")
    assert "<svg" in text
    # nothing is loaded from anywhere (a label's source may be a URL: text, never fetched)
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*https?:", text)
    assert not re.search(r"url\(\s*[\"']?https?:|@import", text)
    assert "label source: https://example.org/sanctionwatch-fixture" in text
    assert not re.search(r"<script[^>]*\ssrc=", text)
    assert not re.search(r"<link\b", text)
    for tag, attrs in checker.tags:
        for name in ("src", "href", "xlink:href"):
            assert name not in attrs, (tag, attrs)
    assert "default-src 'none'" in text  # the CSP forbids any loading


def test_page_shows_the_trace(example: dict[str, Any]) -> None:
    text, checker = _page(example)
    svgs = [a for t, a in checker.tags if t == "svg"]
    assert {a.get("class") for a in svgs} == {"sankey", "graph"}
    assert sum(1 for a in svgs if a.get("class") == "sankey") == 2  # ETH and BTC
    nodes = [a for t, a in checker.tags if t == "g" and "node" in (a.get("class") or "")]
    assert len(nodes) == len(example["nodes"]) + 1
    assert "Tornado Cash: 100 ETH pool" in text
    assert "Wasabi &amp; co. coordinator" in text
    assert "untraced: held" in text
    assert "cross_chain_swap (continued)" in text
    assert "through links" in text
    assert "250 - 300" in text
    assert "Links: swaps, bridges, mixers" in text
    assert text.count('class="edge link"') == 1  # the cross-chain link is drawn


def test_page_escapes_labels(example: dict[str, Any]) -> None:
    evil = '<script>alert("x")</script>'
    example["nodes"][4]["labels"]["label"] = evil
    example["terminals"][1]["label"] = evil
    example["terminals"][1]["category"] = evil
    example["links"][0]["evidence"] = evil
    example["seeds"][0]["address"] = evil
    text, checker = _page(example)
    assert checker.errors == []
    assert text.count("<script") == 1  # only the page's own
    assert "&lt;script&gt;" in text


def test_empty_trace_page(empty: dict[str, Any]) -> None:
    text, checker = _page(empty)
    assert checker.errors == []
    assert "No tainted value was traced." in text
    assert "No addresses were reached." in text


def _big(nodes: int) -> dict[str, Any]:
    """A fan-out of ``nodes`` addresses from one seed, tainted value decreasing."""
    seed = "0x" + "00" * 20
    result: dict[str, Any] = {
        "seeds": [{"address": seed, "chain": "ethereum"}],
        "model": "haircut",
        "nodes": [],
        "edges": [],
        "terminals": [],
        "summary": {"asset_info": {"ETH": {"chain": "ethereum", "decimals": 18}}},
    }
    result["nodes"].append(
        {
            "address": seed,
            "chain": "ethereum",
            "hop": 0,
            "labels": None,
            "tainted_in": {"ETH": 1e24},
            "held": {},
            "stage": None,
        }
    )
    for i in range(1, nodes):
        address = "0x" + f"{i:040x}"
        value = 1e24 / (i + 1)
        result["nodes"].append(
            {
                "address": address,
                "chain": "ethereum",
                "hop": 1 + i % 3,
                "labels": None,
                "tainted_in": {"ETH": value},
                "held": {},
                "stage": None,
            }
        )
        result["edges"].append(
            {
                "tx_hash": f"0x{i:064x}",
                "chain": "ethereum",
                "from_address": seed,
                "to_address": address,
                "asset": "ETH",
                "amount": str(int(value)),
                "tainted_amount": value,
                "block_time": "2025-01-01T00:00:00+00:00",
                "hop": 1,
                "stage": None,
                "stage_evidence": None,
                "link": None,
            }
        )
    return result


def test_large_trace_draws_the_top_nodes_and_says_so() -> None:
    total = html_exporter.MAX_NODES + 500
    text, checker = _page(_big(total))
    assert checker.errors == []
    nodes = [a for t, a in checker.tags if t == "g" and "node" in (a.get("class") or "")]
    assert len(nodes) == html_exporter.MAX_NODES
    assert f"500 of {total} addresses are not drawn" in text
    assert "0x" + f"{1:040x}" in text  # the most tainted is drawn
    assert "0x" + f"{total - 1:040x}" not in text  # the least is not


def test_sankey_layout_is_proportional() -> None:
    nodes = [
        SankeyNode("s", "source", 0),
        SankeyNode("a", "a", 1),
        SankeyNode("b", "b", 1),
    ]
    bands = sankey(nodes, [("s", "a", 3.0), ("s", "b", 1.0), ("a", "s", 5.0)], 300, 112, gap=12)
    assert len(bands) == 2  # the backwards flow is dropped
    source, a, b = nodes
    assert source.height == 100.0  # the fullest column fills the height less its gaps
    assert a.height == 75.0
    assert b.height == 25.0
    assert b.y == a.y + a.height + 12
    assert a.x == 300 - 14
    assert sum(band.width for band in bands) == source.height


def test_layered_layout_orders_by_neighbours() -> None:
    layout = layered(
        {"s": 0, "x": 0, "a": 1, "b": 1},
        ["s", "x", "b", "a"],
        [("s", "a"), ("x", "b")],
    )
    assert layout.position["s"][1] < layout.position["x"][1]
    assert layout.position["a"][1] < layout.position["b"][1]  # follows its parent, not rank
    assert layout.position["a"][0] > layout.position["s"][0]


def test_swept_deposit_names_its_exchange(example: dict[str, Any]) -> None:
    terminal = example["terminals"][0]
    terminal.update(label=None, label_source=None, label_confidence=None)
    terminal["evidence"] = "exchange deposit address (sweep heuristic): <unlabelled>, e.g. sweep X"
    terminal["swept_to"] = {
        "address": "0x" + "ab" * 20,
        "chain": "ethereum",
        "label": 'Kumo "hot" wallet',
        "label_source": "https://example.org/pack",
        "label_confidence": "heuristic",
        "tx_hash": "0x" + "cd" * 32,
        "asset": "ETH",
        "amount": "1",
        "block_time": "2025-03-01T00:00:00+00:00",
    }
    text, checker = _page(example)
    assert checker.errors == []
    assert "(unlabelled) deposit address swept to Kumo &quot;hot&quot; wallet" in text
    cells = [a.get("title") or "" for tag, a in checker.tags if tag == "td"]
    (title,) = (t for t in cells if t.startswith("exchange deposit address"))
    assert title == (
        "exchange deposit address (sweep heuristic): <unlabelled>, e.g. sweep X; "
        "the wallet's label: source https://example.org/pack"
    )
