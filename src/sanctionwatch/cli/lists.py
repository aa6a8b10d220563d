"""``sanctionwatch lists``: load, show, compare and update sanctions lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from sanctionwatch.cli.common import settings_of, store_of
from sanctionwatch.cli.output import OutputFormat, err, out, print_json, print_table
from sanctionwatch.errors import InputError

app = typer.Typer(
    help="Sanctions lists (OFAC, UN, OpenSanctions) as versioned FollowTheMoney entities.",
    no_args_is_help=True,
)


def _date_option(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (YYYY-MM-DD).") from None


@app.command("load")
def load(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="List files (.bz2/.gz accepted); the format is detected."),
    ],
    list_name: Annotated[
        str | None,
        typer.Option("--list", help="List name when the file cannot tell (e.g. us_ofac_cons)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="Skip detection: the list format name."),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(help="Publication date (YYYY-MM-DD) for files that do not carry one."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--output-format", "-o", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Load list files; each becomes a version (loading the same file again adds nothing)."""
    from sanctionwatch.sanctions.load import load_list_files

    when = _date_option(published, "--published")
    with store_of(ctx) as store:
        results = load_list_files(store, files, list_name=list_name, fmt=fmt, published=when)
    if output is OutputFormat.json:
        print_json([r.to_dict() for r in results])
        return
    print_table(
        "lists load",
        [
            "file",
            "version",
            "status",
            "parties",
            "entities",
            "addresses",
            "on chains",
            "labels",
            "seconds",
        ],
        [
            [
                r.path,
                r.version_id,
                r.status,
                f"{r.n_targets:,}",
                f"{r.n_entities:,}",
                f"{r.n_addresses:,}",
                f"{r.n_addresses_chain:,}",
                f"{r.labels_active:,} (+{r.labels_delisted:,} delisted)",
                f"{r.seconds:.1f}",
            ]
            for r in results
        ],
    )
    for r in results:
        for note in r.notes:
            err.print(f"{r.path}: {note}", highlight=False)


@app.command("show")
def show(
    ctx: typer.Context,
    list_name: Annotated[str | None, typer.Option("--list", help="Only this list.")] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Loaded list versions with their counts."""
    from sanctionwatch.sanctions.versions import list_versions

    with store_of(ctx, read_only=True) as store:
        versions = list_versions(store, list_name)
    if fmt is OutputFormat.json:
        print_json([v.to_dict() for v in versions])
        return
    if not versions:
        out.print("No list versions in the store; run `sanctionwatch lists load FILE`.")
        return
    print_table(
        "list versions",
        ["version", "published", "parties", "addresses (on chains)", "format", "sha256", "source"],
        [
            [
                v.version_id,
                v.published,
                f"{v.n_targets:,}",
                f"{v.n_addresses:,} ({v.n_addresses_chain:,})",
                v.format,
                v.sha256[:12],
                v.source,
            ]
            for v in versions
        ],
    )


@app.command("diff")
def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="Older version (e.g. us_ofac_sdn@2025-03-04).")],
    new: Annotated[str, typer.Argument(help="Newer version (or us_ofac_sdn@latest).")],
    limit: Annotated[
        int, typer.Option(help="Rows per table in the table output (JSON has all).")
    ] = 50,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Designations and crypto addresses added, removed and changed between two versions."""
    from sanctionwatch.sanctions.diff import diff_versions
    from sanctionwatch.sanctions.versions import resolve_version

    with store_of(ctx, read_only=True) as store:
        result = diff_versions(store, resolve_version(store, old), resolve_version(store, new))
    if fmt is OutputFormat.json:
        print_json(result.to_dict())
        return
    print_table(
        f"{result.old.version_id} -> {result.new.version_id}",
        ["what", "count"],
        [[k.replace("_", " "), f"{v:,}"] for k, v in result.summary().items()],
    )
    for title, items in (
        ("designations added", result.added),
        ("designations removed", result.removed),
        ("designations changed", result.changed),
    ):
        if items:
            print_table(
                f"{title} ({len(items):,}; first {min(limit, len(items))})",
                ["list id", "schema", "name", "programs", "listed on", "what changed"],
                [
                    [
                        d.list_id,
                        d.schema,
                        d.caption,
                        ", ".join(d.programs),
                        d.listed_on,
                        _what_changed(d.changes),
                    ]
                    for d in items[:limit]
                ],
            )
    for title, changes in (
        ("addresses added", result.addresses_added),
        ("addresses removed", result.addresses_removed),
        ("addresses changed", result.addresses_changed),
    ):
        if changes:
            print_table(
                f"{title} ({len(changes):,}; first {min(limit, len(changes))})",
                ["currency", "chain", "address", "holder", "list id", "programs"],
                [
                    [
                        a.currency,
                        a.chain,
                        a.address,
                        "; ".join(a.captions),
                        ", ".join(a.list_ids),
                        ", ".join(a.programs),
                    ]
                    for a in changes[:limit]
                ],
            )


def _what_changed(changes: dict[str, object]) -> str:
    parts = []
    props = changes.get("properties")
    if isinstance(props, dict):
        parts.extend(sorted(props))
    related = changes.get("related")
    if isinstance(related, dict):
        for kind, items in related.items():
            if isinstance(items, list):
                schemata = sorted({str(i.get("schema")) for i in items if isinstance(i, dict)})
                parts.append(f"{kind} {'/'.join(schemata)}")
    return ", ".join(parts)


@app.command("update")
def update(
    ctx: typer.Context,
    source: Annotated[
        list[str],
        typer.Option(
            "--source",
            help="ofac | un | opensanctions (repeatable; default: ofac and un).",
        ),
    ] = [],  # noqa: B006
    url: Annotated[
        str | None,
        typer.Option(help="Download from this address instead of the official one."),
    ] = None,
    dest: Annotated[
        Path | None,
        typer.Option(help="Where to keep downloaded files (default: lists/ beside the store)."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Network timeout in seconds.")] = 60.0,
    output: Annotated[
        OutputFormat, typer.Option("--output-format", "-o", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Download the current issues from the official publication addresses and load them."""
    from sanctionwatch.sanctions.update import SOURCES, update_lists

    sources = source or ["ofac", "un"]
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise InputError(f"Unknown --source {', '.join(unknown)}; use {', '.join(SOURCES)}.")
    if url is not None and len(sources) != 1:
        raise InputError("--url needs exactly one --source (the list it publishes).")
    settings = settings_of(ctx)
    folder = dest or settings.db.resolve().parent / "lists"
    with store_of(ctx) as store:
        results = update_lists(store, sources, folder, url=url, timeout=timeout)
    if output is OutputFormat.json:
        print_json([r.to_dict() for r in results])
        return
    print_table(
        "lists update",
        ["source", "url", "file", "version", "status", "parties", "addresses"],
        [
            [
                r.source,
                r.url,
                r.path,
                r.load.version_id if r.load else "",
                r.load.status if r.load else "",
                f"{r.load.n_targets:,}" if r.load else "",
                f"{r.load.n_addresses:,}" if r.load else "",
            ]
            for r in results
        ],
    )
