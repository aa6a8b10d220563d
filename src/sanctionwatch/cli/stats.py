"""``sanctionwatch stats``: what the store holds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import OutputFormat, print_json, print_table
from sanctionwatch.store import Store


def store_summary(store: Store) -> dict[str, Any]:
    """Counts per table, per chain and kind, label categories, and the ingest history."""
    con = store.con
    per_chain = con.execute(
        """
        SELECT t.chain, t.kind, count(*) AS n, min(block_time), max(block_time),
               count(DISTINCT asset_id)
        FROM transfers t GROUP BY ALL ORDER BY t.chain, n DESC, t.kind
        """
    ).fetchall()
    labels = con.execute(
        "SELECT category, count(*), count(DISTINCT address_id) FROM labels "
        "GROUP BY category ORDER BY 2 DESC, 1"
    ).fetchall()
    files = con.execute(
        """
        SELECT file_id, path, format, rows_read, rows_new, rows_duplicate, rows_skipped,
               rows_rejected, finished_at
        FROM ingest_log ORDER BY file_id
        """
    ).fetchall()
    return {
        "db": str(store.path) if store.path else ":memory:",
        "tables": store.counts(),
        "transfers_by_chain": [
            {"chain": r[0], "kind": r[1], "rows": r[2], "first": r[3], "last": r[4], "assets": r[5]}
            for r in per_chain
        ],
        "labels_by_category": [
            {"category": r[0], "labels": r[1], "addresses": r[2]} for r in labels
        ],
        "ingests": [
            {
                "file_id": r[0],
                "path": r[1],
                "format": r[2],
                "read": r[3],
                "new": r[4],
                "duplicate": r[5],
                "skipped": r[6],
                "rejected": r[7],
                "at": r[8],
            }
            for r in files
        ],
    }


def print_summary(summary: dict[str, Any], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        print_json(summary)
        return
    print_table(
        f"store {summary['db']}",
        ["table", "rows"],
        [[k, f"{v:,}"] for k, v in summary["tables"].items()],
    )
    print_table(
        "transfers by chain and kind",
        ["chain", "kind", "rows", "first", "last", "assets"],
        [
            [r["chain"], r["kind"], f"{r['rows']:,}", r["first"], r["last"], r["assets"]]
            for r in summary["transfers_by_chain"]
        ],
    )
    if summary["labels_by_category"]:
        print_table(
            "labels by category",
            ["category", "labels", "addresses"],
            [
                [r["category"], f"{r['labels']:,}", f"{r['addresses']:,}"]
                for r in summary["labels_by_category"]
            ],
        )


def stats(
    ctx: typer.Context,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Show what the store holds: tables, chains, label categories, ingest history."""
    with store_of(ctx, read_only=True) as store:
        summary = store_summary(store)
    print_summary(summary, fmt)


def rejects(
    ctx: typer.Context,
    file_id: Annotated[int | None, typer.Option(help="Only this ingest (see `stats`).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """List rejected input lines with file, line, reason and raw text."""
    with store_of(ctx, read_only=True) as store:
        rows = store.con.execute(
            "SELECT file_id, path, line, reason, raw FROM rejects "
            "WHERE ?::INTEGER IS NULL OR file_id = ? ORDER BY file_id, line, reason, raw LIMIT ?",
            [file_id, file_id, limit],
        ).fetchall()
    if fmt is OutputFormat.json:
        print_json(
            [
                {"file_id": r[0], "path": r[1], "line": r[2], "reason": r[3], "raw": r[4]}
                for r in rows
            ]
        )
        return
    print_table(
        "rejects",
        ["file", "path", "line", "reason", "raw"],
        [[r[0], r[1], r[2], r[3], (r[4] or "")[:80]] for r in rows],
    )
