"""HTML and PDF reports: every summary figure traces to rows; the PDF renders to pages
that carry the figures; a case report draws its laundering flows and off-ramps."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from sanctionwatch.cases.casefile import CaseItem
from sanctionwatch.cases.cases import get_case, new_case, run_case, trace_summary
from sanctionwatch.errors import InputError
from sanctionwatch.incidents import load_catalog
from sanctionwatch.report.build import OFF_RAMPS, case_report, period_report
from sanctionwatch.report.render import render_html, write_report
from sanctionwatch.report.sankey import Flow, sankey_svg
from sanctionwatch.store import Store


@pytest.fixture(autouse=True)
def _report_libraries(installed: Callable[[str], ModuleType]) -> None:
    """The report extra that `make` installs: charts (Altair, vl-convert)."""
    installed("altair")
    installed("vl_convert")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI", "").lower() == "true":  # like the `installed` fixture
            pytest.fail(f"{name} is missing (scripts/system-deps.sh installs poppler-utils)")
        pytest.skip(f"{name} not installed")
    return path


def test_period_figures_trace_to_catalog_rows() -> None:
    data = period_report("2024-01", "2025-09")
    catalog = {i.id: i for i in load_catalog().incidents}
    assert data.figures
    for figure in data.figures:
        assert figure.rows, figure.label
        assert all(r in catalog for r in figure.rows)
        if figure.unit == "USD":
            assert figure.value == sum(catalog[r].usd or 0 for r in figure.rows), figure.label
        elif figure.unit == "count":
            assert figure.value == len(figure.rows)
    stolen = data.figures[0]
    assert stolen.text() == "USD 2,800.4 m"
    assert sum(g["total_usd"] for g in data.by_year) == stolen.value


def test_html_report_is_self_contained() -> None:
    html = render_html(period_report("2025-01", "2025-09"))
    assert "<svg" in html  # the chart, inline
    assert "USD 1,654.4 m" in html
    assert "bybit-2025-02" in html
    assert "https://www.ic3.gov/PSA/2025/PSA250226" in html  # sources annex
    assert "http://" not in html.split("<h2>Annex: sources</h2>")[0].split("<svg")[0]


def test_pdf_pages_render_and_carry_the_figures(
    tmp_path: Path, installed: Callable[[str], ModuleType]
) -> None:
    installed("weasyprint")
    pdftoppm, pdftotext = _tool("pdftoppm"), _tool("pdftotext")
    from PIL import Image

    pdf = write_report(period_report("2024-01", "2025-09"), tmp_path / "r.pdf")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 2
    with Image.open(pages[0]) as first:
        colours = first.convert("L").getextrema()
    assert colours[0] < 100  # dark text on the first page, not a blank page
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Executive summary" in text
    assert "USD 2,800.4 m" in text
    assert "Theft over time" in text  # the chart's title, drawn as SVG text
    assert "Methods" in text


def test_case_report_has_flows_and_off_ramps(
    store: Store, tmp_path: Path, bybit_graph: Callable[[Store], None]
) -> None:
    bybit_graph(store)
    case_id = new_case(store, "Bybit", items=[CaseItem(kind="incident", value="bybit-2025-02")])
    run_case(store, case_id, ["incidents", "trace", "screen_addresses"], hops=4)
    data = case_report(get_case(store, case_id).to_dict(with_results=True))
    assert data.sankeys
    assert data.off_ramps
    ramp = data.figures[-1]
    assert ramp.unit == "count"
    assert ramp.value == len(ramp.rows) == len(data.off_ramps)
    eth = next(f for f in data.figures if f.unit == "ETH")
    assert eth.value == pytest.approx(sum(t["amount"] for t in data.off_ramps))
    html = render_html(data)
    assert "Laundering flows" in html
    # the engine infers the hop that forwards to the labelled deposit as an exchange deposit
    assert "0x" + "a1" * 20 in html
    assert data.off_ramps[0]["category"] == "exchange"
    # and names it by the wallet it sweeps to: which exchange to ask
    inferred = next(t for t in data.off_ramps if t["address"] == "0x" + "a1" * 20)
    assert inferred["label"] is None
    wallet = inferred["swept_to"]["label"] or inferred["swept_to"]["address"]
    assert inferred["service"] == f"exchange: deposit address swept to {wallet}"
    assert f"exchange: deposit address swept to {wallet}" in html
    path = write_report(data, tmp_path / "case.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(InputError, match=r"\.html or \.pdf"):
        write_report(data, tmp_path / "case.docx")


def test_rows_only_other_models_reach_are_not_off_ramps(
    store: Store, bybit_graph: Callable[[Store], None]
) -> None:
    """Under ``--model all`` a destination only other models reach is a terminal row with 0
    under the primary model: not an off-ramp of the report, nor a terminal of the case's
    summary (their figures are the primary model's)."""
    bybit_graph(store)
    case_id = new_case(store, "Bybit", items=[CaseItem(kind="incident", value="bybit-2025-02")])
    run_case(store, case_id, ["trace"], hops=4)
    case = get_case(store, case_id).to_dict(with_results=True)
    run = next(r for r in case["runs"] if r["kind"] == "trace")
    other = "0x" + "b7" * 20
    ramp = next(t for t in run["result"]["terminals"] if t["category"] == "exchange")
    run["result"]["terminals"].append(
        {**ramp, "address": other, "tainted_amount": 0.0, "path_model": "poison"}
    )
    data = case_report(case)
    assert data.off_ramps
    assert other not in {t["address"] for t in data.off_ramps}
    assert not any(other in row for figure in data.figures for row in figure.rows)
    summary = trace_summary(run["result"])
    assert summary["terminals"] == len(data.off_ramps) + sum(
        1 for t in run["result"]["terminals"]
        if not t["continued"] and t["tainted_amount"] > 0 and t["category"] not in OFF_RAMPS
    )  # fmt: skip
    assert other not in {t["address"] for t in summary["top_terminals"]}
    # each named as the report names it (a swept deposit address by its wallet)
    ramps = {t["address"]: t["service"] for t in data.off_ramps}
    assert ramps
    for t in summary["top_terminals"]:
        assert t["service"] == ramps.get(t["address"], t["service"])
        assert t["service"].startswith(str(t["category"]))
    assert any("deposit address swept to" in t["service"] for t in summary["top_terminals"])


def test_sankey_svg() -> None:
    svg = sankey_svg(
        [["ETH traced"], ["via mixer", "via split"], ["exchange: A", "held"]],
        [
            Flow("ETH traced", "via mixer", 3.0),
            Flow("ETH traced", "via split", 1.0),
            Flow("via mixer", "exchange: A", 3.0),
            Flow("via split", "held", 1.0),
            Flow("ETH traced", "held", 5.0),  # skips a column: ignored
        ],
        unit="ETH",
    )
    assert svg.count("<path") == 4
    assert "exchange: A (3.00)" in svg
    assert "amounts in ETH" in svg
    assert "No flows" in sankey_svg([["a"], ["b"]], [])


def test_report_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sanctionwatch.cli.app import app

    runner = CliRunner()
    out = tmp_path / "r.html"
    done = runner.invoke(app, ["report", "--from", "2024-01", "--to", "2024-12", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "USD 1,146.0 m" in out.read_text(encoding="utf-8")
    both = runner.invoke(app, ["report", "--case", "1", "--from", "2024-01", "--out", str(out)])
    assert isinstance(both.exception, InputError)
    neither = runner.invoke(app, ["report", "--out", str(out)])
    assert isinstance(neither.exception, InputError)
