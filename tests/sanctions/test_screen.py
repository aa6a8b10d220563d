"""Name and address screening on the small fictional fixture lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from sanctionwatch.cli.app import app
from sanctionwatch.errors import InputError
from sanctionwatch.labels import labels_for
from sanctionwatch.sanctions.address_screen import screen_addresses
from sanctionwatch.sanctions.index import build_index
from sanctionwatch.sanctions.labels import sync_list_labels
from sanctionwatch.sanctions.load import load_list_files
from sanctionwatch.sanctions.screen import (
    NameResult,
    Screener,
    make_query,
    screen_names,
    to_yente,
)
from sanctionwatch.store import Store

ETH_V1_ONLY = "0xc0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff"  # ofac-900002, gone in v2
ETH_LISTED = "0xabababababababababababababababababababab"  # ofac-900001 (KIM Chol Su)
BTC_LISTED = "36MjimMJHwQkrTKrKyw4KepHsd975kSGTs"  # ofac-900005 (NEW FRONT LLC)
NAMES_MODE = "names-only"


@pytest.fixture
def lists(store: Store, fixtures: Path) -> Store:
    load_list_files(
        store,
        [
            fixtures / "ofac_advanced_v1.xml",
            fixtures / "ofac_advanced_v2.xml",
            fixtures / "un_sample.xml",
            fixtures / "opensanctions_sample.ftm.json",
        ],
    )
    return store


def _top(result: NameResult) -> tuple[str, float]:
    assert result.matches, result
    best = result.matches[0]
    return best.entity_id, best.score


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "entity_id"),
    [
        ("KIM Chol Su", "ofac-900001"),
        ("Kim Cheol-su", "ofac-900001"),  # Revised Romanization, hyphenated given name
        ("Gim Chulsoo", "ofac-900001"),
        ("Chol Su Kim", "ofac-900001"),  # surname last
        ("김철수", "ofac-900001"),  # Hangul
        ("Bak Fictional Su", "unsc-9900001"),
        ("Lee Fictional", "os-fict-person-1"),
        ("Rhee Fictional", "os-fict-person-1"),
        ("Korea Fictional Trading Corporation", "unsc-9900003"),
    ],
)
def test_variants_find_the_entry(lists: Store, query: str, entity_id: str) -> None:
    [result] = screen_names(lists, [query])
    found = {m.entity_id: m for m in result.matches}
    assert entity_id in found, [m.entity_id for m in result.matches]
    assert found[entity_id].match
    assert found[entity_id].score >= 0.9


def test_index_holds_latest_versions_only(lists: Store) -> None:
    index = build_index(lists)
    versions = {e.list_version for e in index.entries}
    assert "us_ofac_sdn@2025-04-01" in versions
    assert "us_ofac_sdn@2025-01-15" not in versions
    assert "ofac-900002" not in {e.entity_id for e in index.entries}  # delisted in v2


def test_unrelated_name_does_not_match(lists: Store) -> None:
    [result] = screen_names(lists, ["Kim Yong Nam"])
    assert not any(m.match for m in result.matches)
    [result] = screen_names(lists, ["Jane Doe"])
    assert result.matches == ()


def test_output_fields_are_stable(lists: Store) -> None:
    [result] = screen_names(lists, ["Park Fictional Soo"], limit=1)
    data = result.to_dict()
    assert set(data) == {"query", "matches", "candidates", "error"}
    [match] = data["matches"]
    assert set(match) == {
        "list",
        "list_id",
        "entity_id",
        "schema",
        "name",
        "matched_name",
        "matched_property",
        "score",
        "match",
        "programs",
        "list_version",
        "explanation",
    }
    assert match["list"] == "un_sc_consolidated"
    assert match["list_id"] == "KPi.901"
    assert match["matched_name"] == "Park Fictional Soo"
    assert match["programs"] == ["DPRK"]
    assert "name_tokens" in match["explanation"]


def test_birth_date_and_nationality_are_qualifiers(lists: Store) -> None:
    base = Screener(build_index(lists), use_logic_v2=False)
    plain = base.screen(make_query("Kim Cholsu")).matches[0]
    same_day = base.screen(make_query("Kim Cholsu", birth_date="1980-03-01")).matches[0]
    other_year = base.screen(make_query("Kim Cholsu", birth_date="1990")).matches[0]
    wrong_country = base.screen(make_query("Kim Cholsu", nationality="ru")).matches[0]
    assert same_day.score >= plain.score
    assert other_year.score < plain.score - 0.1
    assert wrong_country.score < plain.score
    assert "birth_date" in other_year.explanation
    # a birth date alone never makes a match
    unrelated = base.screen(make_query("Nobody Known", birth_date="1980-03-01"))
    assert not any(m.match for m in unrelated.matches)


def test_schema_filter(lists: Store) -> None:
    [result] = screen_names(lists, ["Fictional Trading"], schema="Person")
    assert all(m.schema == "Person" for m in result.matches)
    [result] = screen_names(lists, ["Fictional Trading"], schema="Organization")
    assert result.matches
    assert all(m.schema != "Person" for m in result.matches)


def test_bad_queries(lists: Store) -> None:
    empty, long_, symbols = screen_names(lists, [" ", "x" * 10_000, "!!!"])
    assert empty.error == "empty name"
    assert long_.error is not None
    assert "10,000 characters" in long_.error
    assert symbols.error is not None
    [mixed] = screen_names(lists, ["KIM 철수"])
    assert mixed.error is None
    with pytest.raises(InputError):
        make_query("Kim", birth_date="80-03-01")
    with pytest.raises(InputError):
        make_query("Kim", nationality="Atlantis")
    with pytest.raises(InputError):
        make_query("Kim", schema="Cat")
    with pytest.raises(InputError):
        Screener(build_index(lists), threshold=2.0)


def test_logic_v2_alone(lists: Store, installed: Callable[[str], ModuleType]) -> None:
    installed("nomenklatura")  # `make` installs it with --no-deps (see the Makefile)
    screener = Screener(build_index(lists), matcher="logic-v2")
    result = screener.screen(make_query("KIM Chol Su"))
    assert _top(result) == ("ofac-900001", pytest.approx(1.0))
    assert set(result.matches[0].explanation) == {"name_logic_v2"}


def test_yente_shape(lists: Store) -> None:
    results = screen_names(lists, ["KIM Chol Su", "Nobody"], limit=2)
    data = to_yente(results, 0.7, 2)
    assert set(data["responses"]) == {"q0", "q1"}
    first = data["responses"]["q0"]
    assert first["query"]["properties"]["name"] == ["KIM Chol Su"]
    assert first["total"] == {"value": len(first["results"]), "relation": "eq"}
    top = first["results"][0]
    assert top["id"] == "ofac-900001"
    assert top["match"] is True
    assert top["datasets"] == ["us_ofac_sdn"]
    assert "name_tokens" in top["features"]


# -- addresses -----------------------------------------------------------------------------


def test_address_listed_any_case(lists: Store) -> None:
    [result] = screen_addresses(lists, [ETH_LISTED.upper().replace("0X", "0x")])
    [hit] = [h for h in result.hits if h.chain == "ethereum"]
    assert hit.status == "listed"
    assert (hit.entity_id, hit.list_id, hit.caption) == ("ofac-900001", "900001", "KIM Chol Su")
    assert hit.programs == ("CYBER2", "DPRK3")
    assert hit.list_version == "us_ofac_sdn@2025-04-01"
    assert hit.first_version == "us_ofac_sdn@2025-01-15"
    assert str(hit.listed_on) == "2020-01-02"
    assert result.flagged


def test_address_delisted(lists: Store) -> None:
    [result] = screen_addresses(lists, [ETH_V1_ONLY], chain="ethereum")
    [hit] = result.hits
    assert hit.status == "delisted"
    assert hit.list_version == "us_ofac_sdn@2025-01-15"
    assert hit.delisted_in == "us_ofac_sdn@2025-04-01"
    assert not result.flagged


def test_base58_is_case_sensitive(lists: Store) -> None:
    exact, wrong_case = screen_addresses(lists, [BTC_LISTED, BTC_LISTED.lower()])
    assert [h.entity_id for h in exact.hits] == ["ofac-900005"]
    assert wrong_case.hits == ()


def test_dprk_attribution_labels(lists: Store) -> None:
    address = "0x2222222222222222222222222222222222222222"
    lists.con.execute(
        "INSERT INTO labels (address_id, chain, address, label, category, actor, pack, file_id)"
        " VALUES (999999, 'ethereum', ?, 'Bybit hack exploiter', 'theft', 'lazarusgroup',"
        " 'fictional pack', 0)",
        [address],
    )
    [result] = screen_addresses(lists, [address], chain="ethereum")
    [hit] = result.hits
    assert (hit.source, hit.status, hit.actor) == ("label", "theft", "lazarusgroup")
    assert result.flagged


def test_bad_addresses(lists: Store) -> None:
    [bad] = screen_addresses(lists, ["not-an-address"])
    assert bad.error is not None
    assert bad.hits == ()
    with pytest.raises(InputError):
        screen_addresses(lists, [ETH_LISTED], chain="nochain")


# -- CLI -----------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, fixtures: Path) -> Path:
    path = tmp_path / "store.duckdb"
    runner = CliRunner()
    files = [str(fixtures / "ofac_advanced_v1.xml"), str(fixtures / "ofac_advanced_v2.xml")]
    loaded = runner.invoke(app, ["--db", str(path), "lists", "load", *files])
    assert loaded.exit_code == 0, loaded.output
    return path


def test_cli_names_json_and_yente(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    names = tmp_path / "names.txt"
    names.write_text("김철수\n\nKim Chul Soo\n", encoding="utf-8")
    result = runner.invoke(
        app, ["--db", str(db), "screen", "names", "--file", str(names), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["query"]["name"] for d in data] == ["김철수", "Kim Chul Soo"]
    assert all(d["matches"][0]["entity_id"] == "ofac-900001" for d in data)
    yente = runner.invoke(
        app, ["--db", str(db), "screen", "names", "KIM Chol Su", "--format", "yente"]
    )
    assert yente.exit_code == 0, yente.output
    assert json.loads(yente.output)["responses"]["q0"]["results"][0]["id"] == "ofac-900001"
    table = runner.invoke(app, ["--db", str(db), "screen", "names", "Kim Cholsu"])
    assert table.exit_code == 0
    assert "MATCH" in table.output


def test_cli_addresses(db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["--db", str(db), "screen", "addresses", ETH_LISTED, ETH_V1_ONLY, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    listed, delisted = json.loads(result.output)
    assert listed["flagged"]
    assert listed["hits"][0]["entity_id"] == "ofac-900001"
    assert not delisted["flagged"]
    assert delisted["hits"][0]["status"] == "delisted"
    table = runner.invoke(app, ["--db", str(db), "screen", "addresses", ETH_LISTED])
    assert table.exit_code == 0
    assert "KIM Chol Su" in table.output


def test_cli_input_errors(db: Path) -> None:
    runner = CliRunner()
    none = runner.invoke(app, ["--db", str(db), "screen", "names"])
    assert isinstance(none.exception, InputError)
    assert "No names given" in none.exception.message
    bad = runner.invoke(app, ["--db", str(db), "screen", "names", "Kim", "--birth-date", "x"])
    assert isinstance(bad.exception, InputError)


def test_an_address_listed_twice_in_one_issue_gives_the_same_hit_each_time(lists: Store) -> None:
    # OFAC lists one 0x address as ETH and as USDT: both rows are on the same chain and
    # issue, so the values come from one row chosen by its wallet id, not by scan order.
    lists.con.execute(
        "INSERT INTO sanction_addresses SELECT * REPLACE ('USDT' AS currency, "
        "'0-listed-again' AS wallet_id) FROM sanction_addresses WHERE address = ? "
        "AND version = (SELECT max(version) FROM sanction_addresses WHERE address = ?)",
        [ETH_LISTED, ETH_LISTED],
    )
    [result] = screen_addresses(lists, [ETH_LISTED])
    [hit] = [h for h in result.hits if h.chain == "ethereum"]
    assert hit.currency == "USDT"  # the smaller wallet id
    sync_list_labels(lists.con, "us_ofac_sdn")
    [label] = labels_for(lists, ETH_LISTED, "ethereum")
    assert json.loads(label.context or "{}")["currency"] == "USDT"
