"""``sanctionwatch incidents``: the catalog of DPRK-attributed thefts (list, show, summary,
load-labels)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import OutputFormat, err, out, print_json, print_table

if TYPE_CHECKING:
    from sanctionwatch.incidents.catalog import Catalog, Incident

app = typer.Typer(
    help="The incident catalog: DPRK-attributed crypto thefts with sources.",
    no_args_is_help=True,
)


class GroupBy(StrEnum):
    year = "year"
    month = "month"
    actor = "actor"
    vector = "vector"
    sector = "sector"
    confidence = "confidence"


class MinConfidence(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    confirmed = "confirmed"


CatalogOption = Annotated[
    Path | None,
    typer.Option("--catalog", help="Another catalog file of the same schema (default: bundled)."),
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="First month (YYYY-MM), inclusive.", show_default=False)
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last month (YYYY-MM), inclusive.", show_default=False)
]
ConfidenceOption = Annotated[
    MinConfidence,
    typer.Option("--min-confidence", help="Keep incidents attributed at least this surely."),
]
ReturnedOption = Annotated[
    bool,
    typer.Option("--include-returned", help="Also count thefts whose funds were returned."),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table | json")]


def usd(value: int | None) -> str:
    """Dollars for people: 1,460,000,000 -> '1,460.0 m'; unknown -> 'n/a'."""
    if value is None:
        return "n/a"
    return f"{value / 1e6:,.1f} m"


def _selected(
    catalog_path: Path | None,
    start: str | None,
    end: str | None,
    min_confidence: MinConfidence,
    include_returned: bool,
) -> tuple[Catalog, list[Incident]]:
    """The catalog and its incidents that the period and filters select."""
    from sanctionwatch.incidents import load_catalog, select

    catalog = load_catalog(catalog_path)
    rows = select(
        catalog.incidents,
        start=start,
        end=end,
        min_confidence=min_confidence.value,
        include_returned=include_returned,
    )
    return catalog, rows


@app.command("list")
def list_incidents(
    start: FromOption = None,
    end: ToOption = None,
    min_confidence: ConfidenceOption = MinConfidence.low,
    include_returned: ReturnedOption = True,
    catalog_path: CatalogOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List incidents in date order (returned thefts included and marked)."""

    catalog, rows = _selected(catalog_path, start, end, min_confidence, include_returned)
    if fmt is OutputFormat.json:
        print_json(
            {
                "catalog": catalog.catalog,
                "version": catalog.version,
                "incidents": [i.to_dict() for i in rows],
            }
        )
        return
    print_table(
        f"incidents ({catalog.catalog} {catalog.version}): {len(rows)}",
        ["date", "id", "victim", "sector", "USD", "vector", "actor", "confidence", "addresses"],
        [
            [
                i.date.isoformat(),
                i.id,
                i.victim,
                i.sector,
                usd(i.usd) + ("" if i.counted else " (returned)"),
                i.vector,
                i.actor,
                i.confidence + (" (disputed)" if i.disputed else ""),
                len(i.addresses),
            ]
            for i in rows
        ],
    )


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Incident id, or part of its name or victim.")],
    catalog_path: CatalogOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Everything the catalog holds about one incident, with sources."""
    from sanctionwatch.incidents import load_catalog

    catalog = load_catalog(catalog_path)
    incident = catalog.get(name)
    if fmt is OutputFormat.json:
        print_json(incident.to_dict())
        return
    out.print(f"[bold]{incident.name}[/] ({incident.id}), {incident.date.isoformat()}")
    fields = [
        ["victim", f"{incident.victim} ({incident.victim_country or '?'})"],
        ["sector", incident.sector],
        ["chains", ", ".join(incident.chains)],
        ["stolen", ", ".join(f"{s.amount} {s.asset}" for s in incident.stolen) or "-"],
        ["USD at the time", usd(incident.usd)],
        ["valuation", incident.usd_source or incident.usd_note or "-"],
        ["status", incident.status],
        ["vector", incident.vector],
        ["actor", incident.actor],
        ["confidence", incident.confidence],
        ["disputed", incident.disputed or "-"],
        ["notes", incident.notes or "-"],
        ["description", incident.description],
    ]
    print_table(None, ["field", "value"], fields)
    print_table(
        "attribution",
        ["party", "kind", "confidence", "date", "source"],
        [
            [a.party, a.kind, a.confidence, a.date.isoformat() if a.date else "", a.url]
            for a in incident.attribution
        ],
    )
    if incident.addresses:
        print_table(
            "attacker addresses",
            ["chain", "address", "role", "confidence", "source"],
            [
                [a.chain, a.address, a.role, a.confidence, a.source or ""]
                for a in incident.addresses
            ],
        )
    out.print("sources:\n  " + "\n  ".join(incident.sources), highlight=False)


@app.command("summary")
def summary(
    start: FromOption = None,
    end: ToOption = None,
    by: Annotated[GroupBy, typer.Option("--by", help="Group by this field.")] = GroupBy.year,
    min_confidence: ConfidenceOption = MinConfidence.low,
    include_returned: ReturnedOption = False,
    catalog_path: CatalogOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Total USD stolen (value at the time) and incident count, grouped."""
    from sanctionwatch.incidents import summarize

    catalog, rows = _selected(catalog_path, start, end, min_confidence, include_returned)
    result = summarize(rows, by.value, start=start, end=end, catalog_version=catalog.version)
    if fmt is OutputFormat.json:
        print_json(result.to_dict())
        return
    period = f"{start or 'start'} .. {end or 'now'}"
    print_table(
        f"stolen {period} by {by.value} ({catalog.catalog} {catalog.version})",
        [by.value, "USD", "incidents"],
        [[g.key, usd(g.total_usd), g.count] for g in result.groups]
        + [["total", usd(result.total_usd), result.count]],
    )
    if result.without_usd:
        err.print(f"{result.without_usd} incident(s) have no USD value and add nothing.")


@app.command("load-labels")
def load_labels(
    ctx: typer.Context,
    catalog_path: CatalogOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write the catalog's attacker addresses into the store as theft labels."""
    from sanctionwatch.incidents import load_catalog
    from sanctionwatch.incidents.labels import load_incident_labels

    catalog = load_catalog(catalog_path)
    with store_of(ctx) as store:
        result = load_incident_labels(store, catalog)
    if fmt is OutputFormat.json:
        print_json(result.to_dict())
        return
    out.print(
        f"incident labels: {result.labels} address label(s) from {result.incidents} "
        f"incident(s) of catalog {result.catalog_version} (replaced {result.replaced}; "
        f"file id {result.file_id})"
    )


class ExportFormat(StrEnum):
    ftm = "ftm"
    stix = "stix"


@app.command("export")
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="ftm (JSON lines) | stix (2.1 bundle)")
    ],
    output: Annotated[Path, typer.Option("--out", help="File to write ('-' for stdout).")],
    start: FromOption = None,
    end: ToOption = None,
    min_confidence: ConfidenceOption = MinConfidence.low,
    include_returned: ReturnedOption = True,
    catalog_path: CatalogOption = None,
) -> None:
    """Export incidents as FollowTheMoney entities or a STIX 2.1 bundle."""
    import sys

    from sanctionwatch.report import ftm, stix

    catalog, rows = _selected(catalog_path, start, end, min_confidence, include_returned)
    writer = ftm.write if fmt is ExportFormat.ftm else stix.write
    if str(output) == "-":
        writer(catalog, rows, sys.stdout)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as stream:
        count = writer(catalog, rows, stream)
    err.print(f"wrote {count} {fmt.value} object(s) for {len(rows)} incident(s) to {output}")
