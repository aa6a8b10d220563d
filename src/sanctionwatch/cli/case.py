"""``sanctionwatch case``: case files in the store (new, add, run, show, list, export)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import OutputFormat, err, out, print_json, print_table
from sanctionwatch.errors import InputError

app = typer.Typer(
    help="Cases: seeds, runs and evidence of an investigation, kept in the store.",
    no_args_is_help=True,
)

AnalystOption = Annotated[
    str | None,
    typer.Option("--analyst", help="Who acts (default: SANCTIONWATCH_ANALYST or login)."),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table | json")]


def _items(
    incidents: list[str] | None,
    addresses: list[str] | None,
    names: list[str] | None,
    files: list[Path] | None,
    notes: list[str] | None,
    sources: list[str] | None,
    chain: str | None,
    records: list[Path] | None = None,
) -> list[Any]:
    from pydantic import ValidationError

    from sanctionwatch.cases.casefile import CaseItem

    raw: list[dict[str, Any]] = []
    raw += [{"kind": "incident", "value": v} for v in incidents or []]
    raw += [{"kind": "address", "value": v, "chain": chain} for v in addresses or []]
    raw += [{"kind": "name", "value": v} for v in names or []]
    # stored absolute: a case is run later, maybe from another folder
    raw += [{"kind": "file", "value": str(v.resolve())} for v in files or []]
    raw += [{"kind": "records", "value": str(v.resolve())} for v in records or []]
    raw += [{"kind": "note", "value": v} for v in notes or []]
    raw += [{"kind": "source", "value": v} for v in sources or []]
    items, problems = [], []
    for data in raw:
        try:
            items.append(CaseItem.model_validate(data))
        except ValidationError as exc:
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            problems.append(f"{data['kind']} {data['value']!r}: {message}")
    if problems:
        raise InputError("; ".join(problems) + ".")
    return items


@app.command("new")
def new(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Case name.", show_default=False)] = None,
    description: Annotated[str | None, typer.Option(help="What the case is about.")] = None,
    case_file: Annotated[
        Path | None, typer.Option("--file", help="A case file (YAML: name, description, items).")
    ] = None,
    incident: Annotated[list[str] | None, typer.Option(help="Incident id or name.")] = None,
    address: Annotated[list[str] | None, typer.Option(help="Address to trace/screen.")] = None,
    chain: Annotated[str | None, typer.Option(help="Chain of the --address values.")] = None,
    person: Annotated[list[str] | None, typer.Option("--name", help="Name to screen.")] = None,
    analyst: AnalystOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Open a case (from arguments or a case file); print its id."""
    from sanctionwatch.cases.casefile import parse_case_file
    from sanctionwatch.cases.cases import new_case

    items = _items(incident, address, person, None, None, None, chain)
    if case_file is not None:
        parsed = parse_case_file(case_file)
        name = name or parsed.name
        description = description or parsed.description
        items = [*parsed.items, *items]
    if not name:
        raise InputError("Give the case a NAME (or --file with a name).")
    with store_of(ctx) as store:
        case_id = new_case(store, name, description, items, analyst)
    if fmt is OutputFormat.json:
        print_json({"case_id": case_id, "name": name, "items": len(items)})
        return
    out.print(f"case {case_id}: {name} ({len(items)} item(s))")


@app.command("add")
def add(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    incident: Annotated[list[str] | None, typer.Option(help="Incident id or name.")] = None,
    address: Annotated[list[str] | None, typer.Option(help="Address to trace/screen.")] = None,
    chain: Annotated[str | None, typer.Option(help="Chain of the --address values.")] = None,
    person: Annotated[list[str] | None, typer.Option("--name", help="Name to screen.")] = None,
    seed_file: Annotated[
        list[Path] | None,
        typer.Option("--file", exists=True, dir_okay=False, help="Seed file."),
    ] = None,
    records: Annotated[
        list[Path] | None,
        typer.Option(
            "--records",
            exists=True,
            dir_okay=False,
            help="IT-worker record file (JSON lines or CSV) to scan.",
        ),
    ] = None,
    note: Annotated[list[str] | None, typer.Option(help="A note.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="A source URL.")] = None,
    analyst: AnalystOption = None,
) -> None:
    """Add seeds, names, notes or sources to a case."""
    from sanctionwatch.cases.cases import add_items

    items = _items(incident, address, person, seed_file, note, source, chain, records)
    if not items:
        raise InputError(
            "Nothing to add: give --incident, --address, --name, --file, --records, ..."
        )
    with store_of(ctx) as store:
        added = add_items(store, case_id, items, analyst)
    out.print(f"case {case_id}: {added} item(s) added ({len(items) - added} already there)")


@app.command("run")
def run(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="incidents | trace | screen_names | screen_addresses | exposure | itw "
            "(repeatable)."
        ),
    ] = None,
    hops: Annotated[int, typer.Option(min=1, max=50, help="Trace hop limit (1-50).")] = 6,
    model: Annotated[str, typer.Option(help="Taint model of the trace.")] = "haircut",
    since: Annotated[
        str | None, typer.Option(help="Trace from this time (ISO; default: first incident).")
    ] = None,
    analyst: AnalystOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run the engines for the case and record each run with its data versions."""
    from sanctionwatch.cases.cases import RUN_KINDS, run_case
    from sanctionwatch.cli.trace import parse_time

    start = parse_time(since) if since else None
    with store_of(ctx) as store:
        runs = run_case(
            store, case_id, only or RUN_KINDS, hops=hops, model=model, since=start, by=analyst
        )
    if fmt is OutputFormat.json:
        print_json(runs)
        return
    print_table(
        f"case {case_id} runs",
        ["run", "kind", "status", "summary"],
        [[r["run_id"], r["kind"], r["status"], _short(r)] for r in runs],
    )


#: The counts a run's summary line shows, in this order (each kind has some of them).
SHORT_KEYS = (
    "total_usd",
    "count",
    "nodes",
    "edges",
    "terminals",
    "links",
    "records",
    "rejected_rows",
    "networks",
    "flagged_networks",
    "flagged_records",
    "names",
    "matches",
    "addresses",
    "flagged",
    "exposed",
    "not_in_store",
)


def _short(run: dict[str, Any]) -> str:
    if run.get("message"):
        return str(run["message"])
    summary = run.get("summary") or {}
    parts = [f"{k} {summary[k]:,}" for k in SHORT_KEYS if isinstance(summary.get(k), int)]
    if run.get("kind") == "exposure":  # addresses exposed per category (the non-zero ones)
        counts = summary.get("by_category") or {}
        named = [f"{c} {n:,}" for c, n in counts.items() if isinstance(n, int) and n]
        if named:
            parts.append("exposed to " + ", ".join(named))
    return ", ".join(parts)


@app.command("show")
def show(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The case's items and runs (who ran what, when, on which data)."""
    from sanctionwatch.cases.cases import get_case

    with store_of(ctx) as store:
        case = get_case(store, case_id)
    if fmt is OutputFormat.json:
        print_json(case.to_dict())
        return
    out.print(
        f"[bold]case {case.case_id}: {case.name}[/] ({case.status}; opened "
        f"{case.created_at:%Y-%m-%d %H:%M} UTC by {case.created_by})"
    )
    if case.description:
        out.print(case.description)
    print_table(
        "items",
        ["#", "kind", "value", "chain", "added by"],
        [[i["item_id"], i["kind"], i["value"], i["chain"], i["added_by"]] for i in case.items],
    )
    print_table(
        "runs",
        ["run", "kind", "status", "finished (UTC)", "by", "data", "summary"],
        [
            [
                r["run_id"],
                r["kind"],
                r["status"],
                r["finished_at"][:19],
                r["run_by"],
                f"catalog {r['data_versions']['incident_catalog'].split()[-1]}, "
                f"{len(r['data_versions']['lists'])} list(s), "
                f"{r['data_versions']['ingest_log']['files']} file(s)",
                _short(r),
            ]
            for r in case.runs
        ],
    )


@app.command("list")
def list_cases(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """All cases with item and run counts."""
    from sanctionwatch.cases.cases import list_cases as listed

    with store_of(ctx) as store:
        rows = listed(store)
    if fmt is OutputFormat.json:
        print_json(rows)
        return
    print_table(
        "cases",
        ["id", "name", "status", "opened by", "items", "runs", "last run"],
        [
            [
                r["case_id"],
                r["name"],
                r["status"],
                r["created_by"],
                r["items"],
                r["runs"],
                r["last_run"],
            ]
            for r in rows
        ],
    )


@app.command("export")
def export(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    fmt: Annotated[str, typer.Option("--format", help="json | ftm | stix")] = "json",
    output: Annotated[Path, typer.Option("--out", help="File ('-' for stdout).")] = Path("-"),
) -> None:
    """Export the case: its full record (json), FtM entities, or a STIX bundle."""
    from sanctionwatch.cases.export import export_case

    with store_of(ctx) as store:
        if str(output) == "-":
            export_case(store, case_id, fmt, sys.stdout)
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8") as stream:
            count = export_case(store, case_id, fmt, stream)
    err.print(f"wrote {count} {fmt} record(s) of case {case_id} to {output}")
