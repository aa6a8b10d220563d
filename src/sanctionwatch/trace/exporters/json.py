"""The trace dict as JSON: indent 2, keys in the order the engine gives, non-JSON values as text.

This is the machine output (``--format json``); the other exporters can be run again on it.
The text is ``sanctionwatch.jsontext``'s (orjson; what differs from the standard library's).
"""

from __future__ import annotations

from typing import Any, TextIO

from sanctionwatch.jsontext import dumps


def write(result: dict[str, Any], stream: TextIO) -> None:
    """Write ``result`` as one JSON document followed by a newline."""
    stream.write(dumps(result))
    stream.write("\n")
