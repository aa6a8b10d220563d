"""Helpers shared by the command modules."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from sanctionwatch.cli.output import OutputFormat, err, print_json, print_table
from sanctionwatch.settings import Settings
from sanctionwatch.store import Store, open_store
from sanctionwatch.store.ingestlog import FileResult


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.obj if ctx is not None else None
    if isinstance(obj, Settings):
        return obj
    from sanctionwatch.settings import get_settings

    return get_settings()


def store_of(ctx: typer.Context, *, read_only: bool = False) -> Store:
    settings = settings_of(ctx)
    return open_store(settings.db, settings=settings, read_only=read_only)


def parse_pairs(values: Sequence[str], option: str) -> dict[str, str]:
    """``KEY=VALUE`` options into a dict, with a clear error for malformed ones."""
    from sanctionwatch.errors import InputError

    pairs: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise InputError(f"{option} {value!r} is not KEY=VALUE.")
        pairs[key.strip()] = val.strip()
    return pairs


def report_files(results: Sequence[FileResult], fmt: OutputFormat) -> None:
    """Print ingest results; rejects are summarised with where to find them."""
    if fmt is OutputFormat.json:
        print_json([r.to_dict() for r in results])
        return
    print_table(
        "ingest",
        ["file", "format", "read", "new", "duplicate", "skipped", "rejected", "seconds"],
        [
            [
                r.path,
                r.format,
                f"{r.rows_read:,}",
                f"{r.rows_new:,}",
                f"{r.rows_duplicate:,}",
                f"{r.rows_skipped:,}",
                f"{r.rows_rejected:,}",
                f"{r.seconds:.2f}",
            ]
            for r in results
        ],
    )
    for r in results:
        for reason, count in r.skipped_reasons.items():
            err.print(f"{r.path}: skipped {count:,} row(s): {reason}", highlight=False)
        for note in r.notes:
            err.print(f"{r.path}: {note}", highlight=False)
        if r.rows_rejected:
            lines = ", ".join(str(n) for n in r.first_reject_lines)
            err.print(
                f"[yellow]{r.path}: {r.rows_rejected:,} line(s) rejected[/] "
                f"(first at line(s) {lines}); see `sanctionwatch rejects --file-id "
                f"{r.file_id}`",
                highlight=False,
            )
            for reason, count in r.reject_reasons.items():
                err.print(f"  {count:,} x {reason}", highlight=False)
