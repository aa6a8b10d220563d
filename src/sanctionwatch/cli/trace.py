"""``sanctionwatch trace``: follow stolen funds forward, with evidence."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import err
from sanctionwatch.errors import InputError

FORMATS = ("table", "json", "csv", "graphml", "ftm", "html")


def parse_time(text: str) -> datetime:
    """ISO date or time, in UTC; naive times are UTC."""
    from sanctionwatch.trace.index import as_utc

    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"--since {text!r} is not an ISO date or time.") from exc
    return as_utc(when)


def trace(
    ctx: typer.Context,
    seeds: Annotated[
        list[str],
        typer.Argument(
            help="Addresses, chain:address, incident:NAME or file:PATH.", show_default=False
        ),
    ],
    chain: Annotated[str | None, typer.Option(help="Chain of the seed addresses.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Theft time (ISO); value arriving earlier is clean.")
    ] = None,
    hops: Annotated[int, typer.Option(min=1, max=50, help="Hop limit (1-50).")] = 10,
    model: Annotated[
        str, typer.Option(help="poison | haircut | fifo | lifo | tiho | all")
    ] = "haircut",
    asset: Annotated[
        str | None, typer.Option(help="Trace one asset (symbol or token contract).")
    ] = None,
    stop_at: Annotated[
        list[str] | None,
        typer.Option("--stop-at", help="Categories to stop at (repeatable); default: services."),
    ] = None,
    hub_degree: Annotated[
        int, typer.Option(help="Stop at unlabelled addresses with more transfers than this.")
    ] = 1000,
    dust: Annotated[
        float, typer.Option(help="Do not follow taint below this share of the stolen amount.")
    ] = 1e-9,
    victims: Annotated[
        bool,
        typer.Option(
            "--victims", help="SEEDs are victims: what they sent since --since is the stolen value."
        ),
    ] = False,
    links: Annotated[
        bool, typer.Option("--links/--no-links", help="Continue through swaps, bridges, mixers.")
    ] = True,
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "table",
    out_path: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Trace value forward from SEED addresses: where it went, by stage and destination."""
    from sanctionwatch.trace.engine import DEFAULT_STOP
    from sanctionwatch.trace.engine import trace as run_trace
    from sanctionwatch.trace.exporters import export
    from sanctionwatch.trace.exporters._common import had_source
    from sanctionwatch.trace.seeds import resolve_seeds, seed_incidents

    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.")
    start = parse_time(since) if since else None
    with store_of(ctx, read_only=True) as store:
        seed_ids = resolve_seeds(store, seeds, chain)
        incidents = seed_incidents(seeds) if start is None else []
        if incidents:  # as a case does: from the theft's day
            from sanctionwatch.incidents.catalog import theft_start

            start = theft_start(incidents)
        if start is not None and since is None:  # say so, and how to change it
            named = ", ".join(i.id for i in incidents[:5]) + (" ..." if len(incidents) > 5 else "")
            err.print(
                f"--since {start.date().isoformat()} (00:00 UTC), the date of the earliest "
                f"incident named ({named}); pass --since to change it",
                highlight=False,
            )
        asset_id = _asset_id(store, asset, seed_ids) if asset else None
        result = run_trace(
            store,
            seed_ids,
            since=start,
            hops=hops,
            model=model,
            asset_id=asset_id,
            stop_categories=tuple(stop_at) if stop_at else DEFAULT_STOP,
            hub_degree=hub_degree,
            dust=dust,
            follow_links=links,
            seed_role="sender" if victims else "receiver",
        )
    if not had_source(result.summary):  # an empty result is easy to misread as "clean"
        moved = "sent" if victims else "received"
        when = f"since {start.isoformat()}" if start is not None else "in the store"
        err.print(
            f"nothing to trace: the seeds {moved} no value {when}"
            + (f" in asset {asset}" if asset else ""),
            highlight=False,
        )
    text = export(result.to_dict(), fmt, out_path)
    if text is not None:
        sys.stdout.write(text)
    else:
        err.print(f"wrote {out_path}", highlight=False)


def _asset_id(store: object, asset: str, seed_ids: list[int]) -> int:
    from sanctionwatch.store.db import Store

    assert isinstance(store, Store)
    rows = store.con.execute(
        """
        SELECT id FROM assets
        WHERE (lower(symbol) = lower(?) OR lower(asset) = lower(?))
          AND chain IN (SELECT chain FROM addresses WHERE id IN (SELECT unnest(?::BIGINT[])))
        """,
        [asset, asset, seed_ids],
    ).fetchall()
    if not rows:
        raise InputError(f"Asset {asset!r} is not known on the seeds' chain.")
    if len(rows) > 1:
        raise InputError(f"Asset {asset!r} is ambiguous; give the token contract address.")
    return int(rows[0][0])
