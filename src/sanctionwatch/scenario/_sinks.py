"""Output files that count their rows and hash their bytes while they are written.

Hashing while writing saves re-reading gigabytes for the manifest. CSV bodies come from
``pyarrow.csv`` (no quoting: no value the scenario writes contains a comma or a quote); the
header is written by hand because Arrow quotes header names.

Encoding, writing and hashing run on one background thread (all three release the GIL),
so they overlap with the generation of the next window on the machine's other core. The
queue is short, so memory stays bounded; order per file is the order of submission.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

_CSV_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)


class Writer:
    """A single background thread that runs write jobs in submission order."""

    def __init__(self, depth: int = 3) -> None:
        self._q: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="scenario-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._q.get()
            try:
                if job is None:
                    return
                if self._error is None:
                    job()
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc
            finally:
                self._q.task_done()

    def submit(self, job: Callable[[], None]) -> None:
        """Queue a job (blocks while the queue is full)."""
        self.check()
        self._q.put(job)

    def drain(self) -> None:
        """Wait until every queued job ran; raise the first error a job raised."""
        self._q.join()
        self.check()

    def check(self) -> None:
        """Raise the first error of a job, if any."""
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Finish all jobs and stop the thread."""
        self._q.put(None)
        self._thread.join()
        self.check()


class Sink:
    """One output file: bytes written, sha256 and the number of rows/lines."""

    def __init__(
        self,
        root: Path,
        relpath: str,
        header: tuple[str, ...] | None = None,
        writer: Writer | None = None,
    ) -> None:
        self.relpath = relpath
        self.path = root / relpath
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = self.path.open("wb")
        self._sha = hashlib.sha256()
        self._writer = writer
        self.rows = 0
        self.bytes = 0
        self.header = header
        if header is not None:
            self._write((",".join(header) + "\n").encode("ascii"))

    def _write(self, data: Any) -> None:
        self._f.write(data)
        self._sha.update(data)
        self.bytes += len(data)

    def _run(self, job: Callable[[], None]) -> None:
        if self._writer is None:
            job()
        else:
            self._writer.submit(job)

    def write_table(self, table: pa.Table) -> None:
        """Append CSV rows (columns must already be in header order)."""
        if table.num_rows == 0:
            return
        if self.header is not None and tuple(table.column_names) != self.header:
            raise AssertionError(f"{self.relpath}: columns {table.column_names}")
        self.rows += table.num_rows

        def job() -> None:
            buf = pa.BufferOutputStream()
            pcsv.write_csv(table, buf, _CSV_OPTIONS)
            self._write(buf.getvalue())

        self._run(job)

    def write_lines(self, lines: pa.Array) -> None:
        """Append newline-terminated strings (JSON lines) without copying them."""
        n = len(lines)
        if n == 0:
            return
        if lines.null_count:
            raise AssertionError("null line")
        arr = lines.cast(pa.string())
        self.rows += n

        def job() -> None:
            offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[
                arr.offset : arr.offset + n + 1
            ]
            data = arr.buffers()[2]
            self._write(memoryview(data)[int(offsets[0]) : int(offsets[-1])])

        self._run(job)

    def write_text(self, text: str) -> None:
        """Append text (small files: YAML, JSON)."""
        data = text.encode("utf-8")
        self._run(lambda: self._write(data))

    def close(self) -> dict[str, Any]:
        """Close (after pending writes) and describe the file for the manifest."""
        if self._writer is not None:
            self._writer.drain()
        self._f.close()
        return {
            "path": self.relpath,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self._sha.hexdigest(),
        }
