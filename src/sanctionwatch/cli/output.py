"""Printing results: tables for people, JSON for programs (``--format json``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from sanctionwatch.jsontext import dumps

out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def print_json(data: Any) -> None:
    sys.stdout.write(dumps(data) + "\n")


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    out.print(table)


@contextmanager
def progress_messages(enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A callback that shows the current step (a spinner on a terminal, silent otherwise)."""
    if not enabled or not err.is_terminal:
        yield lambda _msg: None
        return
    with err.status("working...") as status:
        yield lambda msg: status.update(msg)
