"""The bundled incident catalog: it loads, every row is sourced, and its totals reconcile
with the MSMT second report (October 2025) within +-10%."""

from __future__ import annotations

import re

import pytest

from sanctionwatch.errors import InputError, NotFoundError
from sanctionwatch.incidents import Catalog, load_catalog, select, summarize

# MSMT second report (22 October 2025): at least USD 2.84 bn stolen January 2024 -
# September 2025, about 1.19 bn in 2024 and about 1.65 bn in January - September 2025.
MSMT = [
    ("2024-01", "2024-12", 1_190_000_000),
    ("2025-01", "2025-09", 1_650_000_000),
    ("2024-01", "2025-09", 2_840_000_000),
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize(("start", "end", "published"), MSMT)
def test_catalog_reconciles_with_msmt_within_ten_percent(
    catalog: Catalog, start: str, end: str, published: int
) -> None:
    total = summarize(select(catalog.incidents, start=start, end=end)).total_usd
    assert abs(total - published) <= 0.10 * published, (start, end, total)


def test_bybit_dominates_2025(catalog: Catalog) -> None:
    rows = select(catalog.incidents, start="2025-01", end="2025-09")
    total = summarize(rows).total_usd
    bybit = catalog.get("bybit-2025-02")
    assert bybit.usd == 1_460_000_000
    assert bybit.usd is not None
    assert bybit.usd / total > 0.8
    assert bybit.actor == "TraderTraitor"
    assert bybit.confidence == "confirmed"


def test_named_msmt_incidents_are_in_2024(catalog: Catalog) -> None:
    ids = {i.id for i in select(catalog.incidents, start="2024-01", end="2024-12")}
    assert {"dmm-bitcoin-2024-05", "wazirx-2024-07", "playdapp-2024-02", "radiant-2024-10"} <= ids


def test_every_row_is_sourced_and_attributed(catalog: Catalog) -> None:
    assert len(catalog.incidents) >= 30
    years = {i.date.year for i in catalog.incidents}
    assert set(range(2017, 2026)) <= years
    for incident in catalog.incidents:
        assert incident.sources
        assert all(s.startswith("http") for s in incident.sources)
        assert incident.attribution
        assert incident.usd is not None or incident.usd_note
        assert incident.usd is None or incident.usd_source
    ids = [i.id for i in catalog.incidents]
    assert len(ids) == len(set(ids))
    assert [i.date for i in catalog.incidents] == sorted(i.date for i in catalog.incidents)


def test_addresses_are_canonical(catalog: Catalog) -> None:
    evm = [a for i in catalog.incidents for a in i.addresses if a.address.startswith("0x")]
    assert evm
    assert all(a.address == a.address.lower() for a in evm)
    ronin = catalog.get("ronin-2022-03")
    assert "0x098b716b8aaf21512996dc57eb0615e2383e2f96" in {a.address for a in ronin.addresses}


def test_returned_thefts_are_left_out_unless_asked(catalog: Catalog) -> None:
    munchables = catalog.get("munchables")
    assert munchables.status == "returned"
    assert not munchables.counted
    default = summarize(select(catalog.incidents, start="2024-03", end="2024-03"))
    with_returned = summarize(
        select(catalog.incidents, start="2024-03", end="2024-03", include_returned=True)
    )
    assert with_returned.total_usd - default.total_usd == munchables.usd


def test_select_by_period_and_confidence(catalog: Catalog) -> None:
    rows = select(catalog.incidents, start="2023-09", end="2023-09")
    assert {i.id for i in rows} == {"stake-2023-09", "coinex-2023-09", "mixin-2023-09"}
    confirmed = select(catalog.incidents, min_confidence="confirmed")
    assert confirmed
    assert all(i.confidence == "confirmed" for i in confirmed)
    assert len(confirmed) < len(select(catalog.incidents))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2024-13"}, "--from '2024-13' is not a month"),
        ({"end": "2024/01"}, "--to '2024/01' is not a month"),
        ({"start": "2025-01", "end": "2024-01"}, "is after --to"),
        ({"min_confidence": "sure"}, "is not one of"),
    ],
)
def test_bad_selection_is_a_clear_input_error(
    catalog: Catalog, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        select(catalog.incidents, **kwargs)


def test_summary_groups_trace_back_to_rows(catalog: Catalog) -> None:
    rows = select(catalog.incidents, start="2024-01", end="2025-09")
    for by in ("year", "actor", "vector", "sector", "confidence", "month"):
        result = summarize(rows, by)
        assert sum(g.total_usd for g in result.groups) == result.total_usd
        assert sum(g.count for g in result.groups) == result.count == len(rows)
        by_id = {i.id: i for i in rows}
        for group in result.groups:
            assert group.total_usd == sum(by_id[x].usd or 0 for x in group.incident_ids)
    with pytest.raises(InputError, match="--by"):
        summarize(rows, "colour")


def test_lookup_by_id_name_or_victim(catalog: Catalog) -> None:
    assert catalog.get("DMM").id == "dmm-bitcoin-2024-05"
    assert catalog.get("wazirx-2024-07").victim.startswith("WazirX")
    with pytest.raises(NotFoundError, match="several incidents"):
        catalog.get("btcturk")
    with pytest.raises(NotFoundError, match="No incident matches"):
        catalog.get("no-such-exchange")
