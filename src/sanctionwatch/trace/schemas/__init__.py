"""JSON Schemas (draft 2020-12) of the machine outputs: ``trace.schema.json`` for
``trace --format json`` and ``exposure.schema.json`` for ``exposure --format json``.

They say exactly which keys each object holds and of what type (``docs/trace.md`` says what
they mean); the tests validate real results against them, so the documented format and the
written one cannot drift apart unnoticed. Programs that read the outputs can validate
with any JSON Schema validator:

    import jsonschema
    from sanctionwatch.trace.schemas import load_schema
    jsonschema.validate(result, load_schema("trace"))
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

NAMES = ("trace", "exposure")


def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of output ``name`` (one of ``NAMES``)."""
    if name not in NAMES:
        raise ValueError(f"no schema {name!r}; known: {', '.join(NAMES)}")
    text = (resources.files(__name__) / f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
