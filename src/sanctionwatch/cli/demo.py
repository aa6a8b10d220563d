"""``sanctionwatch demo``: the main job end to end on generated data.

The demo is a list of steps; later parts (trace, screening, reports) append theirs to
``DEMO_STEPS`` so that ``make demo`` grows with the system.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.cli.common import report_files, store_of
from sanctionwatch.cli.output import OutputFormat, out, progress_messages
from sanctionwatch.cli.stats import print_summary, store_summary
from sanctionwatch.scenario import GENERATOR_VERSION
from sanctionwatch.store import Store
from sanctionwatch.store.ingestlog import FileResult


@dataclass(slots=True)
class DemoContext:
    store: Store
    data_dir: Path
    seed: int
    transfers: int


DemoStep = Callable[[DemoContext], None]


def step_generate(ctx: DemoContext) -> None:
    from sanctionwatch.cli.scenario import run_generator

    if (ctx.data_dir / "manifest.json").exists() and _same_params(ctx):
        out.print(f"[bold]1. scenario[/]: reusing {ctx.data_dir} (seed {ctx.seed})")
        return
    clock = time.perf_counter()
    run_generator(ctx.data_dir, ctx.seed, ctx.transfers)
    out.print(
        f"[bold]1. scenario[/]: {ctx.transfers:,} transfers written to {ctx.data_dir} "
        f"in {time.perf_counter() - clock:.1f} s"
    )


def _same_params(ctx: DemoContext) -> bool:
    import json

    manifest = json.loads((ctx.data_dir / "manifest.json").read_text())
    return bool(
        manifest.get("seed") == ctx.seed
        and manifest.get("transfers_requested") == ctx.transfers
        and manifest.get("generator_version") == GENERATOR_VERSION
    )


def step_ingest(ctx: DemoContext) -> None:
    from sanctionwatch.labels.ingest import ingest_label_files

    out.print("[bold]2. ingest[/]: chain data and labels into the store")
    d = ctx.data_dir
    plan = [
        (d / "ethereum" / "transactions.csv", "ethereum-etl", "ethereum"),
        (d / "ethereum" / "token_transfers.csv", "ethereum-etl", "ethereum"),
        (d / "ethereum" / "traces.csv", "ethereum-etl", "ethereum"),
        (d / "bitcoin" / "transactions.jsonl", "bitcoin-etl", "bitcoin"),
        (d / "tron" / "usdt_transfers.csv", "csv", "tron"),
    ]
    results: list[FileResult] = []
    with progress_messages() as step:
        for path, fmt, chain in plan:
            if path.exists():
                results.append(
                    ingest_transfer_file(
                        ctx.store, path, fmt, ReadOptions(chain=get_chain(chain)), step
                    )
                )
        label_files = sorted((d / "labels").glob("*.yaml"))
        results.extend(
            ingest_label_files(
                ctx.store,
                label_files,
                progress=lambda r: step(f"{r.path}: {r.rows_new:,} new labels"),
            )
        )
    report_files(results, OutputFormat.table)


def step_stats(ctx: DemoContext) -> None:
    out.print("[bold]3. the store now holds[/]")
    print_summary(store_summary(ctx.store), OutputFormat.table)


DEMO_STEPS: list[DemoStep] = [step_generate, step_ingest, step_stats]


def demo(
    ctx: typer.Context,
    data_dir: Annotated[Path, typer.Option("--out", help="Folder for the generated data.")] = Path(
        "demo-data"
    ),
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 7,
    transfers: Annotated[int, typer.Option(help="Scenario size in transfers.")] = 1_000_000,
) -> None:
    """Generate the default scenario, ingest it, and show what the store holds."""
    with store_of(ctx) as store:
        context = DemoContext(store=store, data_dir=data_dir, seed=seed, transfers=transfers)
        for step in DEMO_STEPS:
            step(context)
