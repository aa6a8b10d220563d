"""``sanctionwatch ingest``: transfers, labels and a node's JSON-RPC into the store."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.cli.common import parse_pairs, report_files, settings_of, store_of
from sanctionwatch.cli.output import OutputFormat, progress_messages
from sanctionwatch.errors import InputError

app = typer.Typer(help="Load chain data and labels into the store.", no_args_is_help=True)

_DEFAULT_CHAIN = {"bitcoin-etl": "bitcoin"}


@app.command("transfers")
def transfers(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="Files to ingest (.gz accepted; - reads standard input).")
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="ethereum-etl | bitcoin-etl | csv | parquet")
    ],
    chain: Annotated[
        str | None,
        typer.Option(
            help="Chain of rows without a chain column (default ethereum; bitcoin for bitcoin-etl)."
        ),
    ] = None,
    mapping: Annotated[
        list[str],
        typer.Option("--map", help="CANONICAL=SOURCE column mapping for csv/parquet (repeatable)."),
    ] = [],  # noqa: B006
    asset: Annotated[
        str | None,
        typer.Option(
            help="Asset of rows without an asset column: native, a token contract, or a code (USD)."
        ),
    ] = None,
    decimals: Annotated[
        list[str],
        typer.Option("--decimals", help="ASSET=N decimals for tokens the store does not know."),
    ] = [],  # noqa: B006
    amount_unit: Annotated[
        str,
        typer.Option(help="auto | base | whole (whole = amounts in coins, scaled by decimals)."),
    ] = "auto",
    entity: Annotated[
        str | None,
        typer.Option(
            help="ethereum-etl entity when it cannot be "
            "detected: transactions, token_transfers, "
            "traces, logs, blocks."
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--output-format", "-o", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Ingest transfer exports (ethereum-etl, bitcoin-etl, canonical or mapped CSV/Parquet)."""
    from sanctionwatch.chain.ingest import ingest_transfer_file
    from sanctionwatch.chain.readers import READERS, ReadOptions

    if fmt not in READERS:
        raise InputError(f"Unknown --format {fmt!r}; use one of: {', '.join(READERS)}.")
    if amount_unit not in ("auto", "base", "whole"):
        raise InputError("--amount-unit must be auto, base or whole.")
    missing = [str(f) for f in files if str(f) != "-" and not f.is_file()]
    if missing:
        raise InputError(f"No such file: {', '.join(missing)}.")
    try:
        decimal_map = {k: int(v) for k, v in parse_pairs(decimals, "--decimals").items()}
    except ValueError:
        raise InputError("--decimals takes ASSET=N with N an integer.") from None
    options = ReadOptions(
        chain=get_chain(chain or _DEFAULT_CHAIN.get(fmt, "ethereum")),
        mapping=parse_pairs(mapping, "--map"),
        asset=asset,
        decimals=decimal_map,
        amount_unit=amount_unit,  # type: ignore[arg-type]
        entity=entity,
    )
    with (
        store_of(ctx) as store,
        progress_messages() as step,
        tempfile.TemporaryDirectory(prefix="sanctionwatch-stdin-") as scratch,
    ):
        results = []
        for path in files:
            if str(path) == "-":
                # Standard input is saved first: the ingest reads a file twice (data, sha256).
                saved = Path(scratch) / ("stdin.parquet" if fmt == "parquet" else "stdin")
                with saved.open("wb") as fh:
                    shutil.copyfileobj(sys.stdin.buffer, fh)
                results.append(
                    ingest_transfer_file(store, saved, fmt, options, step, source_name="stdin")
                )
            else:
                results.append(ingest_transfer_file(store, path, fmt, options, step))
    report_files(results, output)


@app.command("labels")
def labels(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="TagPack/ActorPack YAML, label CSV, or flattened TagPack Parquet files."
        ),
    ],
    output: Annotated[
        OutputFormat, typer.Option("--output-format", "-o", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Ingest address labels (GraphSense TagPacks and ActorPacks, CSV label files)."""
    from sanctionwatch.labels.ingest import ingest_label_files

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputError(f"No such file: {', '.join(missing)}.")
    with store_of(ctx) as store, progress_messages() as step:
        results = ingest_label_files(
            store, files, progress=lambda r: step(f"{r.path}: {r.rows_new:,} new labels")
        )
    report_files(results, output)


@app.command("rpc")
def rpc(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(help="JSON-RPC endpoint of an EVM node.")],
    blocks: Annotated[str, typer.Option(help="Block range A:B (inclusive).")],
    chain: Annotated[str, typer.Option(help="EVM chain the node serves.")] = "ethereum",
    traces: Annotated[
        bool,
        typer.Option(help="Also fetch internal transfers (trace_block), if the node offers it."),
    ] = True,
    batch_size: Annotated[int | None, typer.Option(help="Requests per batch.")] = None,
    output: Annotated[
        OutputFormat, typer.Option("--output-format", "-o", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Fetch blocks, ERC-20 Transfer logs and traces from a node and ingest them."""
    from sanctionwatch.chain.rpc import ingest_rpc_range, parse_block_range

    settings = settings_of(ctx)
    start, end = parse_block_range(blocks)
    with store_of(ctx) as store, progress_messages() as step:
        results = ingest_rpc_range(
            store,
            url,
            start,
            end,
            chain=get_chain(chain),
            traces=traces,
            batch_size=batch_size or settings.rpc_batch_size,
            retries=settings.rpc_retries,
            timeout=settings.rpc_timeout,
            progress=step,
        )
    report_files(results, output)
