"""The registry and ``export``: every format on the example, the empty and the bare trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sanctionwatch.errors import InputError
from sanctionwatch.trace.exporters import EXPORTERS, export

FORMATS = ("table", "json", "csv", "graphml", "ftm", "html")


def test_registry_has_every_format() -> None:
    assert tuple(EXPORTERS) == FORMATS
    for name, exporter in EXPORTERS.items():
        assert exporter.name == name
        assert exporter.suffix.startswith(".")
        assert exporter.description


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_the_example(example: dict[str, Any], fmt: str) -> None:
    text = export(example, fmt)
    assert text
    assert example["seeds"][0]["address"] in text or fmt == "csv"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_an_empty_trace(empty: dict[str, Any], fmt: str) -> None:
    text = export(empty, fmt)
    assert text is not None
    if fmt == "csv":
        assert text.splitlines() == [text.splitlines()[0]]  # the header only
    if fmt == "ftm":
        assert text == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_takes_the_first_engine_shape(bare: dict[str, Any], fmt: str) -> None:
    """No links, parameters, models, asset_info, edge chains: still exported."""
    assert export(bare, fmt)


def test_exporters_do_not_change_the_result(example: dict[str, Any]) -> None:
    import copy

    before = copy.deepcopy(example)
    for fmt in FORMATS:
        export(example, fmt)
    assert example == before


def test_unknown_format_names_the_known_ones(example: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        export(example, "xlsx")
    assert "xlsx" in caught.value.message
    for fmt in FORMATS:
        assert fmt in caught.value.message


def test_export_to_a_file(example: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "trace.csv"
    assert export(example, "csv", out) is None
    assert out.read_text(encoding="utf-8") == export(example, "csv")


def test_unwritable_file_is_an_input_error(example: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot write"):
        export(example, "json", tmp_path)  # a directory


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_takes_an_output_without_address(example: dict[str, Any], fmt: str) -> None:
    """A UTXO output with a nonstandard script has no address."""
    example["edges"][-1]["to_address"] = None
    example["terminals"][-2]["path"][-1]["to_address"] = None
    assert export(example, fmt)
