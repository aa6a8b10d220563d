"""Opening list files: transparent ``.bz2``/``.gz``, a hashed stream, clear format errors.

Compression is recognised by its magic bytes, not the file name. ``HashingReader`` computes
the sha256 of the *content* (the decompressed bytes) while a parser streams it, so that the
same issue delivered as ``.xml`` or ``.xml.bz2`` is recognised as one version, and OFAC's own
published checksum of the unpacked file can be compared. Every decompression, decoding or
XML error becomes a ``FormatError`` that names the file.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import pyexpat
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast
from xml.etree.ElementTree import ParseError

from sanctionwatch.errors import FormatError, MissingDependencyError

_BZ2_MAGIC = b"BZh"
_GZIP_MAGIC = b"\x1f\x8b"
HEAD_BYTES = 8192


def compression_of(path: Path) -> str | None:
    """``"bz2"``, ``"gzip"`` or None, from the file's first bytes."""
    with path.open("rb") as fh:
        magic = fh.read(3)
    if magic.startswith(_BZ2_MAGIC):
        return "bz2"
    if magic.startswith(_GZIP_MAGIC):
        return "gzip"
    return None


def open_content(path: Path) -> IO[bytes]:
    """The file's content as a binary stream, decompressed when it is bz2 or gzip."""
    kind = compression_of(path)
    if kind == "bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    if kind == "gzip":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of the (decompressed) content; FormatError if unreadable."""
    with translate_errors(path), open_content(path) as fh:
        return fh.read(size)


def file_sha256(path: Path) -> str:
    """sha256 of the file as stored (compressed or not)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


class HashingReader(io.RawIOBase):
    """A read-only binary stream that hashes what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._digest = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._digest.update(data)
        self.bytes_read += size
        return size

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._digest.update(data)
        self.bytes_read += len(data)
        return data

    def drain(self) -> None:
        """Read (and hash) whatever the parser left unread, e.g. trailing whitespace."""
        while self.read(1 << 20):
            pass

    def hexdigest(self) -> str:
        return self._digest.hexdigest()

    def close(self) -> None:
        self._raw.close()
        super().close()


def iter_xml(stream: IO[bytes] | HashingReader) -> Iterator[tuple[str, ET.Element]]:
    """``ElementTree.iterparse`` (start and end events) over an untrusted list file.

    Safe enough for adversarial files: ElementTree never fetches external entities or
    DTDs, and expat 2.4.1+ (checked here) caps entity expansion ("billion laughs").
    """
    if pyexpat.version_info < (2, 4, 1):
        raise MissingDependencyError(
            f"XML lists need expat 2.4.1 or newer (this Python has {pyexpat.EXPAT_VERSION}); "
            "upgrade Python."
        )
    return ET.iterparse(stream, events=("start", "end"))  # noqa: S314 - see docstring


@contextmanager
def translate_errors(path: Path, what: str = "list file") -> Iterator[None]:
    """Turn decompression, decoding and XML errors into one clear FormatError."""
    try:
        yield
    except ParseError as exc:
        line, column = exc.position
        raise FormatError(
            f"{path} is not a well-formed XML {what}: {_reason(exc)} (line {line}, column "
            f"{column}); nothing was loaded."
        ) from exc
    except EOFError as exc:
        raise FormatError(
            f"{path} is truncated (the compressed stream ends early); nothing was loaded."
        ) from exc
    except (OSError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
            raise FormatError(f"Cannot read {path}: {exc.strerror}.") from exc
        raise FormatError(
            f"{path} cannot be decompressed ({exc}); is it a complete .bz2/.gz file? "
            "Nothing was loaded."
        ) from exc
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{path} is not valid text ({exc.reason} at byte {exc.start}); nothing was loaded."
        ) from exc


def _reason(exc: ParseError) -> str:
    message = str(exc)
    return message.split(":", 1)[0] if ":" in message else message
