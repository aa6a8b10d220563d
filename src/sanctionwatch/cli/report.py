"""``sanctionwatch report``: an HTML or PDF report of a case or of a period."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sanctionwatch.cli.common import store_of
from sanctionwatch.cli.output import err
from sanctionwatch.errors import InputError


def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="FILE.html or FILE.pdf.")],
    case: Annotated[int | None, typer.Option("--case", help="Report on this case.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Period report: first month (YYYY-MM).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Period report: last month (YYYY-MM).")
    ] = None,
) -> None:
    """Write a report (executive summary, thefts, flows, off-ramps, hits, annex, methods)."""
    from sanctionwatch.report.build import case_report, period_report
    from sanctionwatch.report.render import write_report

    if case is not None and (start or end):
        raise InputError("Give either --case or --from/--to, not both.")
    if case is None and not (start or end):
        raise InputError("Give --case ID, or a period with --from YYYY-MM and/or --to YYYY-MM.")
    if case is not None:
        from sanctionwatch.cases.cases import get_case

        with store_of(ctx) as store:
            record = get_case(store, case).to_dict(with_results=True)
        data = case_report(record)
    else:
        data = period_report(start, end)
    write_report(data, out)
    err.print(f"wrote {out}", highlight=False)
