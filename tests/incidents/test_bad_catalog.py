"""A malformed catalog gives one clear error naming every bad row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctionwatch.errors import FormatError
from sanctionwatch.incidents import load_catalog, parse_catalog

GOOD_ROW = """
  - id: good-2024-01
    name: Good
    date: 2024-01-02
    victim: Good Exchange
    sector: exchange
    chains: [ethereum]
    usd: 1000000
    usd_source: the victim's statement
    vector: unknown
    actor: Lazarus Group
    attribution:
      - {party: FBI, kind: government, confidence: confirmed, url: "https://example.org/fbi"}
    addresses:
      - {chain: ethereum, address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", role: theft}
    sources: ["https://example.org/a"]
    description: A well-formed row used to check the loader.
"""

HEADER = "catalog: test\nversion: '1'\nupdated: 2026-01-01\nincidents:\n"


def test_good_row_loads_and_address_is_canonical() -> None:
    catalog = parse_catalog(HEADER + GOOD_ROW, source="test.yaml")
    (incident,) = catalog.incidents
    assert incident.addresses[0].address == "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    assert incident.confidence == "confirmed"


def test_every_bad_row_and_field_is_named_at_once() -> None:
    bad_address = GOOD_ROW.replace("good-2024-01", "bad-address").replace(
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
    )
    no_sources = GOOD_ROW.replace("good-2024-01", "no-sources").replace(
        'sources: ["https://example.org/a"]', "sources: []"
    )
    bad_date = GOOD_ROW.replace("good-2024-01", "bad-date").replace("2024-01-02", "2099-01-01")
    duplicate = GOOD_ROW
    text = HEADER + GOOD_ROW + bad_address + no_sources + bad_date + duplicate
    with pytest.raises(FormatError) as caught:
        parse_catalog(text, source="/somewhere/test.yaml")
    message = caught.value.message
    assert "4 problem(s)" in message
    assert "test.yaml, incident 2 (id 'bad-address'): addresses.0:" in message
    assert "checksum" in message.lower()
    assert "test.yaml, incident 3 (id 'no-sources'): sources:" in message
    assert "test.yaml, incident 4 (id 'bad-date'): date: date 2099-01-01 is outside" in message
    assert "incident 5 (id 'good-2024-01'): id 'good-2024-01' repeats row 1" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("usd: 1000000", "usd: 1.5e6", "usd: usd must be a whole number"),
        ("usd: 1000000", "usd: null", "usd is null: give usd_note"),
        ("usd_source: the victim's statement", "", "usd needs usd_source"),
        ("vector: unknown", "vector: magic", "vector: Input should be"),
        ("confidence: confirmed", "confidence: sure", "attribution.0.confidence"),
        ('url: "https://example.org/fbi"', 'url: "fbi.gov"', "is not an http(s) URL"),
        ("chains: [ethereum]", "chains: [Ethereum]", "must be lower-case"),
        ("role: theft", "role: theft, colour: red", "addresses.0.colour: Extra inputs"),
        ("chain: ethereum,", "chain: solana,", "chain 'solana' is not one the store knows"),
        ("id: good-2024-01", "id: Good 2024", "must be lower-case words"),
    ],
)
def test_field_errors_name_row_and_field(old: str, new: str, expected: str) -> None:
    assert old in GOOD_ROW
    with pytest.raises(FormatError) as caught:
        parse_catalog(HEADER + GOOD_ROW.replace(old, new), source="c.yaml")
    assert "c.yaml, incident 1" in caught.value.message
    assert expected in caught.value.message


def test_not_yaml_names_the_line() -> None:
    with pytest.raises(FormatError, match=r"c.yaml, line 3: not valid YAML \(found character"):
        parse_catalog("catalog: x\nincidents:\n\t- id: x\n", source="c.yaml")


def test_wrong_shape_and_missing_header() -> None:
    with pytest.raises(FormatError, match="expected a mapping with an 'incidents' list"):
        parse_catalog("- 1\n- 2\n", source="c.yaml")
    with pytest.raises(FormatError, match="header field 'version' is missing"):
        parse_catalog("catalog: x\nupdated: 2026-01-01\nincidents: []\n", source="c.yaml")
    with pytest.raises(FormatError, match="incident 1: expected a mapping"):
        parse_catalog(HEADER + "  - just text\n", source="c.yaml")


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="Cannot read the incident catalog"):
        load_catalog(tmp_path / "nope.yaml")
