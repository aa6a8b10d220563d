"""``sanctionwatch scenario``: synthetic laundering scenarios with ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sanctionwatch.cli.output import OutputFormat, err, print_json, print_table
from sanctionwatch.errors import InputError

if TYPE_CHECKING:  # the generator is imported by the command that runs it
    from sanctionwatch.scenario import ScenarioManifest

app = typer.Typer(help="Generate laundering scenarios to run the system on.", no_args_is_help=True)


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Option(help="Output folder.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    transfers: Annotated[int, typer.Option(help="Approximate number of transfers.")] = 1_000_000,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table | json")
    ] = OutputFormat.table,
) -> None:
    """Write a Bybit-shaped laundering scenario (ethereum-etl, bitcoin-etl, TRON CSV,
    TagPacks, ground truth) into OUT."""
    manifest = run_generator(out, seed, transfers)
    data = manifest.to_dict()
    if fmt is OutputFormat.json:
        print_json(data)
        return
    files = data.get("files", [])
    print_table(
        f"scenario seed={seed} in {out}",
        ["file", "rows"],
        [[f.get("path"), f"{f.get('rows', 0):,}"] for f in files],
    )


def run_generator(out: Path, seed: int, transfers: int) -> ScenarioManifest:
    from sanctionwatch.scenario import generate as generate_scenario

    last = [-1]

    def progress(done: int, total: int) -> None:
        pct = 100 * done // max(total, 1)
        if pct // 10 != last[0] // 10 and err.is_terminal:
            err.print(f"scenario: {done:,} / {total:,} transfers", highlight=False)
        last[0] = pct

    try:
        return generate_scenario(out, seed=seed, transfers=transfers, progress=progress)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
