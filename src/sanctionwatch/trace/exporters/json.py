"""The trace dict as JSON: indent 2, keys in the order the engine gives, non-JSON values as text.

This is the machine output (``--format json``); the other exporters can be run again on it.
"""

from __future__ import annotations

import json
from typing import Any, TextIO


def write(result: dict[str, Any], stream: TextIO) -> None:
    """Write ``result`` as one JSON document followed by a newline."""
    json.dump(result, stream, indent=2, default=str, ensure_ascii=False)
    stream.write("\n")
