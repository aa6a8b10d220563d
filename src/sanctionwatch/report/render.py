"""Rendering a report: HTML (Jinja2, charts as inline SVG) and PDF (WeasyPrint).

Charts are Vega-Altair specifications rendered to SVG by ``vl-convert`` (a self-contained
engine: no browser, no network); the laundering Sankey is drawn by ``report.sankey``. The
HTML is one self-contained file that prints well; the PDF is that HTML through WeasyPrint
(A4, page numbers). Both need the ``report`` extra: ``pip install 'sanctionwatch[report]'``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from sanctionwatch.errors import InputError, MissingDependencyError
from sanctionwatch.report.build import ReportData
from sanctionwatch.report.sankey import sankey_svg

EXTRA = "pip install 'sanctionwatch[report]'"


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(f"Reports need {module}: {EXTRA}.") from None
    except OSError as exc:  # WeasyPrint without its system libraries (Pango)
        raise MissingDependencyError(
            f"{module} cannot load its system libraries ({exc}); run scripts/system-deps.sh."
        ) from None


def theft_chart_svg(data: ReportData) -> str:
    """Bar chart of USD stolen per year, stacked by actor (Vega-Altair -> SVG)."""
    alt = _need("altair")
    vlc = _need("vl_convert")
    rows = [
        {"year": str(i.date.year), "actor": i.actor, "usd_m": (i.usd or 0) / 1e6, "id": i.id}
        for i in data.incidents
        if i.counted
    ]
    if not rows:
        return ""
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="year"),
            y=alt.Y("sum(usd_m):Q", title="USD million (value at the time)"),
            color=alt.Color("actor:N", title="attributed to"),
            tooltip=["id:N", "usd_m:Q"],
        )
        .properties(width=520, height=220, title="Theft over time")
        .configure_legend(orient="bottom", columns=2, labelLimit=0)
    )
    return str(vlc.vegalite_to_svg(chart.to_json()))


def amount_text(value: float | None) -> str:
    """Whole-unit amounts for people: 1,234.57; small ones with significant digits."""
    if value is None:
        return ""
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page."""
    jinja2 = _need("jinja2")
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["usd"] = lambda v: "n/a" if v is None else f"{v / 1e6:,.1f} m"
    env.filters["num"] = amount_text
    sankeys = [
        {"asset": s["asset"], "svg": sankey_svg(s["columns"], s["flows"], unit=s["asset"])}
        for s in data.sankeys
    ]
    markup = _need("markupsafe").Markup
    template = env.from_string(template_text())
    return str(
        template.render(
            d=data,
            chart=markup(theft_chart_svg(data)),
            sankeys=[{**s, "svg": markup(s["svg"])} for s in sankeys],
        )
    )


def write_report(data: ReportData, out: Path) -> Path:
    """Write ``out`` as HTML (.html/.htm) or PDF (.pdf)."""
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError(f"--out {out} must end in .html or .pdf.")
    html = render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        with warnings.catch_warnings():
            # older systems lack libharfbuzz-subset; WeasyPrint still works, and says so
            warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
            weasyprint = _need("weasyprint")
            weasyprint.HTML(string=html, base_url=str(out.parent)).write_pdf(str(out))
    else:
        out.write_text(html, encoding="utf-8")
    return out


def template_text() -> str:
    """The Jinja2 template of the report (``report.html.j2`` beside this module)."""
    from importlib import resources

    return (resources.files("sanctionwatch.report") / "report.html.j2").read_text(encoding="utf-8")
