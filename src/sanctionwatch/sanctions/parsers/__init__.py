"""List parsers: one module per format, each with ``detect(path)`` and ``parse(path)``.

Adding a format is adding a module here and a line in ``FORMATS``. ``detect_format``
tries them in order on the file's first bytes (decompressed).
"""

from __future__ import annotations

from pathlib import Path

from sanctionwatch.errors import FormatError
from sanctionwatch.sanctions.model import ListFormat
from sanctionwatch.sanctions.parsers import (
    ofac_advanced,
    ofac_csv,
    ofac_legacy_xml,
    opensanctions,
    un_sc,
)

FORMATS: dict[str, ListFormat] = {
    f.name: f
    for f in (
        ListFormat(
            ofac_advanced.FORMAT,
            ofac_advanced.DESCRIPTION,
            ofac_advanced.detect,
            ofac_advanced.parse,
        ),
        ListFormat(
            ofac_legacy_xml.FORMAT,
            ofac_legacy_xml.DESCRIPTION,
            ofac_legacy_xml.detect,
            ofac_legacy_xml.parse,
        ),
        ListFormat(
            ofac_csv.FORMAT,
            ofac_csv.DESCRIPTION,
            ofac_csv.detect,
            ofac_csv.parse,
            fingerprint=ofac_csv.fingerprint,
            directories=True,
        ),
        ListFormat(un_sc.FORMAT, un_sc.DESCRIPTION, un_sc.detect, un_sc.parse),
        ListFormat(
            opensanctions.FORMAT,
            opensanctions.DESCRIPTION,
            opensanctions.detect,
            opensanctions.parse,
        ),
    )
}


def detect_format(path: Path) -> ListFormat:
    """The format of ``path``; FormatError naming the supported formats otherwise."""
    if not path.exists():
        raise FormatError(f"No such file: {path}.")
    if path.is_dir():
        for fmt in FORMATS.values():
            if fmt.directories and fmt.detect(path):
                return fmt
        raise FormatError(f"{path} is a folder without a list file this tool can read.")
    if path.stat().st_size == 0:
        raise FormatError(f"{path} is empty; nothing was loaded.")
    if ofac_csv.is_companion(path):
        raise FormatError(
            f"{path.name} is part of OFAC's CSV trio; load the sdn.csv beside it (it reads "
            "add.csv and alt.csv too)."
        )
    for fmt in FORMATS.values():
        if fmt.detect(path):
            return fmt
    known = "; ".join(f.description for f in FORMATS.values())
    raise FormatError(f"Cannot tell the list format of {path}; supported: {known}.")


def get_format(name: str) -> ListFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise FormatError(f"Unknown list format {name!r}; known: {', '.join(FORMATS)}.") from None


__all__ = ["FORMATS", "detect_format", "get_format"]
