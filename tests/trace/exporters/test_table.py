"""The rich summary: what it shows; text from the data is never markup."""

from __future__ import annotations

from typing import Any

from sanctionwatch.trace.exporters import export
from sanctionwatch.trace.exporters.table import WIDTH


def test_table_shows_the_summary(example: dict[str, Any]) -> None:
    text = export(example, "table")
    assert text is not None
    assert example["seeds"][0]["address"] in text
    assert "(theft: Bybit exploiter 1)" in text  # the seed's label: why it is a seed
    assert "Terminals (6)" in text
    assert "266.6667" in text  # the Tornado pool in whole ETH
    assert "250 - 300" in text  # its range over models
    assert "7.4999" in text
    assert "cross_chain_swap" in text
    assert "peel_chain" in text
    assert "cross_chain_swap (continued)" in text
    assert "through links" in text
    assert "Continued through links" in text
    assert "\x1b[" not in text  # no colours into a file
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_table_does_not_read_labels_as_markup(example: dict[str, Any]) -> None:
    example["terminals"][0]["label"] = "[bold red]evil[/]"
    seed = example["seeds"][0]
    for node in example["nodes"]:
        if (node["chain"], node["address"]) == (seed["chain"], seed["address"]):
            node["labels"]["label"] = "[blue]seed[/]"
    text = export(example, "table")
    assert text is not None
    assert "[bold red]evil[/]" in text
    assert "[blue]seed[/]" in text


def test_table_of_empty_trace(empty: dict[str, Any]) -> None:
    text = export(empty, "table")
    assert text is not None
    assert "Nothing traced: no value to follow" in text
    assert "Terminals" not in text  # no empty tables
    assert "0 addresses, 0 transfers, 0 terminals" in text


def test_table_counts_in_the_singular(example: dict[str, Any]) -> None:
    example["terminals"] = example["terminals"][:1]
    text = export(example, "table")
    assert text is not None
    assert ", 1 terminal;" in text or text.rstrip().endswith(", 1 terminal")


def test_table_says_why_an_unlabelled_terminal_is_one(example: dict[str, Any]) -> None:
    terminal = example["terminals"][0]
    terminal["label"] = None
    terminal["evidence"] = "swept deposit"
    text = export(example, "table")
    assert text is not None
    assert "swept deposit" in text
    terminal["swept_to"] = {"address": "0x" + "ab" * 20, "label": "Kumo hot wallet"}
    text = export(example, "table")
    assert text is not None
    assert "(unlabelled) deposit" in text
    assert "swept deposit" not in text  # the rule's words are in the JSON's evidence


def test_table_of_a_trace_with_no_source(empty: dict[str, Any]) -> None:
    # an asset the seeds never received (--asset): a row of zeros is still nothing traced
    zeros = {"source": 0.0, "traced": 0.0, "terminals": 0.0, "untraced": {"held": 0.0}}
    empty["summary"]["assets"] = {"USDT": {"haircut": zeros}}
    text = export(empty, "table")
    assert text is not None
    assert "Nothing traced: no value to follow" in text
