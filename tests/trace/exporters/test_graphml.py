"""GraphML: parses back with xml.etree and networkx; types as declared; parallel edges."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctionwatch.trace.exporters import export
from sanctionwatch.trace.exporters.graphml import _element, _text

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


def _tree(result: dict[str, Any]) -> ET.Element:
    text = export(result, "graphml")
    assert text is not None
    return ET.fromstring(text)  # noqa: S314  (our own output, not untrusted input)


def test_graphml_parses_with_counts(example: dict[str, Any]) -> None:
    root = _tree(example)
    graph = root.find("g:graph", NS)
    assert graph is not None
    assert graph.get("edgedefault") == "directed"
    nodes = graph.findall("g:node", NS)
    edges = graph.findall("g:edge", NS)
    assert len(nodes) == len(example["nodes"]) + 1  # + the sender of the source value
    assert len(edges) == len(example["edges"]) + len(example["links"])
    keys = root.findall("g:key", NS)
    assert all(k.get("attr.type") in {"string", "int", "double", "boolean"} for k in keys)
    names = {(k.get("for"), k.get("attr.name")) for k in keys}
    for field in ("address", "chain", "hop", "category", "label", "tainted_in", "tainted", "stage"):
        assert ("node", field) in names
    for field in ("tx_hash", "amount", "tainted_amount", "block_time", "link_kind", "weight"):
        assert ("edge", field) in names


def test_graphml_reads_in_networkx(example: dict[str, Any], tmp_path: Any) -> None:
    nx = pytest.importorskip("networkx")
    out = tmp_path / "trace.graphml"
    export(example, "graphml", out)
    graph = nx.read_graphml(out)
    assert graph.number_of_nodes() == len(example["nodes"]) + 1
    assert graph.number_of_edges() == len(example["edges"]) + 1
    seed = graph.nodes["ethereum:" + example["seeds"][0]["address"]]
    assert seed["seed"] is True
    assert seed["hop"] == 0
    assert seed["tainted"] == pytest.approx(1000.0)  # whole ETH, the primary asset
    assert seed["tainted_in"] == "1,000 ETH"
    assert seed["category"] == "theft"
    weights = sorted(d["weight"] for _, _, d in graph.edges(data=True) if "weight" in d)
    assert weights[-1] == pytest.approx(1000.0)
    kinds = [d["kind"] for _, _, d in graph.edges(data=True)]
    assert kinds.count("link") == 1
    # an unlabelled terminal says why it is one
    deposit = graph.nodes["ethereum:0x4be8c2d1a6f3e5b7c9d0e2f4a6b8c0d2e4f6a8b0"]
    assert deposit["evidence"] == (
        "deposit address: swept to a labelled exchange hot wallet within 2 hours"
    )
    assert "evidence" not in seed


def test_graphml_keeps_parallel_edges(example: dict[str, Any], tmp_path: Any) -> None:
    nx = pytest.importorskip("networkx")
    twin = dict(example["edges"][1], tx_hash="0x" + "ab" * 32)
    example["edges"].append(twin)
    out = tmp_path / "trace.graphml"
    export(example, "graphml", out)
    graph = nx.read_graphml(out)
    assert graph.is_multigraph()
    source = "ethereum:" + twin["from_address"]
    target = "ethereum:" + twin["to_address"]
    assert graph.number_of_edges(source, target) == 2


def test_graphml_drops_characters_xml_cannot_carry(example: dict[str, Any]) -> None:
    example["nodes"][0]["labels"]["label"] = "bad\x00\x07 label <&>"
    root = _tree(example)
    texts = [d.text for d in root.iter("{http://graphml.graphdrawing.org/xmlns}data")]
    assert "bad label <&>" in texts


def test_graphml_of_empty_trace(empty: dict[str, Any]) -> None:
    root = _tree(empty)
    graph = root.find("g:graph", NS)
    assert graph is not None
    assert graph.findall("g:node", NS) == []


def test_graphml_declares_extra_edge_fields(example: dict[str, Any], tmp_path: Any) -> None:
    nx = pytest.importorskip("networkx")
    root = _tree(example)
    types = {
        k.get("attr.name"): k.get("attr.type")
        for k in root.findall("g:key", NS)
        if k.get("for") == "edge"
    }
    assert types["vout"] == "int"
    assert types["after_coinjoin"] == "boolean"
    assert types["from_addresses"] == "string"
    out = tmp_path / "trace.graphml"
    export(example, "graphml", out)
    graph = nx.read_graphml(out)
    otc = [d for _, _, d in graph.edges(data=True) if d.get("stage") == "otc"]
    assert otc[0]["vout"] == 1
    assert otc[0]["after_coinjoin"] is False


_XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"),
    max_size=12,
).map(_text)


@given(
    attrs=st.dictionaries(st.sampled_from(["id", "source", "target"]), _XML_TEXT, max_size=3),
    data=st.lists(st.tuples(st.sampled_from(["ke0", "kn1"]), _XML_TEXT), max_size=3),
    text=_XML_TEXT,
    level=st.integers(0, 3),
)
def test_elements_as_elementtree_wrote_them(
    attrs: dict[str, str], data: list[tuple[str, str]], text: str, level: int
) -> None:
    """``_element`` writes the bytes ``ElementTree.indent`` and ``tostring`` wrote."""
    element = ET.Element("edge", attrs)
    for key, value in data:
        child = ET.SubElement(element, "data", {"key": key})
        child.text = value
    if not data:
        element.text = text
    ET.indent(element, space="  ", level=level)
    want = "  " * level + ET.tostring(element, encoding="unicode") + "\n"
    assert _element("edge", attrs, data, level, "" if data else text) == want
