"""``sanctionwatch itw``: find networks of false identities among applicants (DPRK IT workers)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sanctionwatch.cli.common import settings_of
from sanctionwatch.cli.output import err, out, print_json, print_table
from sanctionwatch.jsontext import dumps

if TYPE_CHECKING:
    from sanctionwatch.itw.scan import ScanResult

app = typer.Typer(
    help="IT-worker detection: link applicant records through shared attributes, score "
    "documented indicators, explain every flag.",
    no_args_is_help=True,
)


class ScanFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"
    ftm = "ftm"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {output}", highlight=False)


def print_networks(result: ScanResult, limit: int = 20) -> None:
    """The flagged networks as tables: members, shared values, indicators."""
    flagged = [n for n in result.networks if n["flagged"]]
    rows: list[list[Any]] = []
    for network in flagged[:limit]:
        shared = "; ".join(
            f"{s['kind']}={s['value'][:40]} ({len(s['record_ids'])})" for s in network["shared"][:6]
        )
        more = len(network["shared"]) - 6
        flags = ", ".join(f"{f['indicator']} {f['weight']}" for f in network["flags"])
        rows.append(
            [
                network["network_id"],
                network["score"],
                len(network["record_ids"]),
                ", ".join(network["record_ids"][:6])
                + (" …" if len(network["record_ids"]) > 6 else ""),
                shared + (f" (+{more} more)" if more > 0 else ""),
                flags,
            ]
        )
    print_table(
        f"flagged networks ({len(flagged):,} of {len(result.networks):,})",
        ["network", "score", "records", "record ids", "shared values (holders)", "indicators"],
        rows,
    )
    if len(flagged) > limit:
        out.print(f"… {len(flagged) - limit:,} more flagged networks (use --format json|html)")


def _report_problems(result: ScanResult) -> None:
    for reject in result.rejects[:20]:
        err.print(f"[yellow]rejected[/] {reject}", highlight=False)
    if len(result.rejects) > 20:
        err.print(f"… {len(result.rejects) - 20:,} more rejected rows (all in --format json)")
    for warning in result.warnings[:10]:
        err.print(
            f"[yellow]warning[/] {warning['file']}:{warning['line']} "
            f"({warning['record_id']}): {warning['warning']}",
            highlight=False,
        )
    if len(result.warnings) > 10:
        err.print(f"… {len(result.warnings) - 10:,} more warnings (all in --format json)")
    for item in result.not_evaluated:
        err.print(f"not evaluated: {item['indicator']} ({item['reason']})", highlight=False)


@app.command("scan")
def scan_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Record files (.jsonl or .csv).")],
    vpn_ranges: Annotated[
        Path | None,
        typer.Option(
            "--vpn-ranges",
            help="CSV of VPN / hosting ranges: range (CIDR) or start,end; provider; kind; country.",
        ),
    ] = None,
    fmt: Annotated[
        ScanFormat, typer.Option("--format", help="table | json | html | ftm (JSON lines)")
    ] = ScanFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the output here, not stdout.")
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0, max=100, help="Score (0-100) from which a flag is raised.")
    ] = 50.0,
    max_share: Annotated[
        int,
        typer.Option(min=2, help="A value held by more records than this is common: no link."),
    ] = 25,
    use_store: Annotated[
        bool,
        typer.Option(
            "--store/--no-store",
            help="Screen names and wallet exposure with the store (--db) when it exists.",
        ),
    ] = True,
    all_records: Annotated[
        bool, typer.Option("--all", help="ftm: export every record, not only flagged ones.")
    ] = False,
) -> None:
    """Link records into networks, score indicators, and show every flag with its evidence."""
    from sanctionwatch.itw.normalize import IpRanges
    from sanctionwatch.itw.records import read_records
    from sanctionwatch.itw.scan import ScanOptions, scan
    from sanctionwatch.store import open_store

    ranges = IpRanges.load(vpn_ranges) if vpn_ranges is not None else None
    records, rejects = read_records(files)
    options = ScanOptions(threshold=threshold, max_share=max_share, ip_ranges=ranges)
    settings = settings_of(ctx)
    if use_store and settings.db.exists():
        with open_store(settings.db, settings=settings, read_only=True) as store:
            options.store = store
            result = scan(records, options, rejects)
    else:
        result = scan(records, options, rejects)
    _report_problems(result)
    if fmt is ScanFormat.json:
        data = result.to_dict()
        if output is None:
            print_json(data)
        else:
            _write(dumps(data) + "\n", output)
        return
    if fmt is ScanFormat.html:
        from sanctionwatch.itw.export import to_html

        _write(to_html(result.to_dict()), output)
        return
    if fmt is ScanFormat.ftm:
        from sanctionwatch.itw.export import iter_jsonl, to_ftm

        entities = to_ftm(result.to_dict(), result.raw_records, only_flagged=not all_records)
        _write("".join(iter_jsonl(entities)), output)
        return
    s = result.summary
    out.print(
        f"{s['records']:,} records ({s['rejected_rows']:,} rejected rows, {s['warnings']:,} "
        f"warnings): {s['networks']:,} networks, {s['flagged_networks']:,} flagged; "
        f"{s['flagged_records']:,} flagged records (threshold {s['threshold']}) in "
        f"{s['seconds']['total']:.2f} s"
    )
    print_networks(result)


@app.command("generate")
def generate_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    honest: Annotated[int, typer.Option(min=0, help="Honest records (traps included).")] = 2_000,
    networks: Annotated[int, typer.Option(min=0, help="DPRK-style networks (3-10 each).")] = 20,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same pool).")] = 1,
    csv_format: Annotated[
        bool, typer.Option("--csv", help="Write records.csv instead of records.jsonl.")
    ] = False,
) -> None:
    """Generate an applicant pool with ground truth (truth.json) and VPN ranges (vpn_ranges.csv)."""
    from sanctionwatch.itw.generate import generate_pool
    from sanctionwatch.itw.records import write_records

    pool = generate_pool(honest=honest, networks=networks, seed=seed)
    path = out_dir / ("records.csv" if csv_format else "records.jsonl")
    count = write_records(pool.records, path)
    (out_dir / "truth.json").write_text(json.dumps(pool.truth, indent=1), encoding="utf-8")
    (out_dir / "vpn_ranges.csv").write_text(pool.vpn_ranges_csv, encoding="utf-8")
    out.print(
        f"wrote {count:,} records ({len(pool.truth['networks'])} networks) to {path}, "
        f"ground truth to {out_dir / 'truth.json'}, ranges to {out_dir / 'vpn_ranges.csv'}"
    )


@app.command("gh-import")
def gh_import_command(
    root: Annotated[
        Path, typer.Argument(help="gh-fake-analyzer folder: <investigation>/<login>/report.json")
    ],
    output: Annotated[Path, typer.Option("--out", "-o", help="Records file (.jsonl or .csv).")],
) -> None:
    """Turn gh-fake-analyzer account dumps into records (one per GitHub account)."""
    from sanctionwatch.itw.ghfake import records_from_dumps
    from sanctionwatch.itw.records import write_records

    count = write_records(records_from_dumps(root), output)
    out.print(f"wrote {count:,} records to {output}")


@app.command("indicators")
def indicators_command(
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """List every indicator with its weight, catalogue id and source."""
    from sanctionwatch.itw.indicators import all_indicators

    items = [i.to_dict() for i in all_indicators()]
    if fmt == "json":
        print_json(items)
        return
    print_table(
        "IT-worker indicators",
        ["indicator", "level", "catalogue", "weight", "weight (3+)", "source", "what"],
        [
            [i["indicator"], i["level"], i["catalogue_id"], i["weight"],
             i["weight_3_or_more"] or "", i["source"], i["doc"]]
            for i in items
        ],
    )  # fmt: skip
