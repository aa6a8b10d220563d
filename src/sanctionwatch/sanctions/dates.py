"""Dates as lists write them, turned into FollowTheMoney date prefixes.

FollowTheMoney dates are ISO prefixes: ``1984-08-15`` (a day), ``1984-08`` (a month),
``1984`` (a year). Lists give ranges: OFAC's advanced XML writes every date as a period
(earliest start .. latest end), the legacy files write ``circa 1962`` or ``1955 to 1957``,
the UN writes ``BETWEEN 1955 AND 1957``. A range becomes the coarsest prefixes that cover
it exactly: a whole year is the year, a whole month the month, several whole years each
year (at most ``MAX_YEARS``, else the two ends), anything else its two end days.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

MAX_YEARS = 12

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def safe_date(
    year: int | str | None, month: int | str | None, day: int | str | None
) -> date | None:
    """A date from parts (strings allowed); None when incomplete or impossible."""
    try:
        return date(int(year or 0), int(month or 0), int(day or 0))
    except (TypeError, ValueError):
        return None


def range_prefixes(low: date, high: date) -> list[str]:
    """The FtM date prefixes covering ``low``..``high`` (see module docstring)."""
    if high < low:
        low, high = high, low
    if low == high:
        return [low.isoformat()]
    whole_start_year = (low.month, low.day) == (1, 1)
    whole_end_year = (high.month, high.day) == (12, 31)
    if whole_start_year and whole_end_year:
        if high.year - low.year + 1 <= MAX_YEARS:
            return [str(year) for year in range(low.year, high.year + 1)]
        return [str(low.year), str(high.year)]
    last_day = monthrange(high.year, high.month)[1]
    if low.day == 1 and high.day == last_day and (low.year, low.month) == (high.year, high.month):
        return [f"{low.year:04d}-{low.month:02d}"]
    return [low.isoformat(), high.isoformat()]


_YEAR = re.compile(r"^\d{4}$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_DMY = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
_MY = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
_RANGE = re.compile(r"^(.+?)\s+(?:to|-|and)\s+(.+)$", re.IGNORECASE)
_CIRCA = re.compile(r"^(?:circa|ca\.?|approximately|approx\.?|about|c\.)\s*", re.IGNORECASE)


def _one(text: str, *, end: bool) -> date | None:
    """A single written date as its first (or, with ``end``, last) day."""
    text = text.strip().rstrip(".")
    match = _ISO.match(text)
    if match:
        year, month, day = match.groups()
        if day:
            return safe_date(year, month, day)
        if month:
            m = int(month)
            return safe_date(year, m, monthrange(int(year), m)[1] if end and 1 <= m <= 12 else 1)
        return date(int(year), 12, 31) if end else date(int(year), 1, 1)
    match = _DMY.match(text)
    if match:
        day, month_name, year = match.groups()
        return safe_date(year, _MONTHS.get(month_name.lower()), day)
    match = _MY.match(text)
    if match:
        month_name, year = match.groups()
        month = _MONTHS.get(month_name.lower())
        if month is None:
            return None
        return safe_date(year, month, monthrange(int(year), month)[1] if end else 1)
    return None


def text_prefixes(text: str | None) -> list[str]:
    """FtM prefixes of a written date (``15 Aug 1984``, ``circa 1962``, ``1955 to 1957``).

    Returns [] when the text is not a date we can read (callers keep the text as a note).
    """
    if text is None:
        return []
    cleaned = _CIRCA.sub("", text.strip())
    if not cleaned:
        return []
    match = _RANGE.match(cleaned)
    if match:
        low, high = _one(match.group(1), end=False), _one(match.group(2), end=True)
        if low is None or high is None:
            return []
        return range_prefixes(low, high)
    low, high = _one(cleaned, end=False), _one(cleaned, end=True)
    if low is None or high is None:
        return []
    return range_prefixes(low, high)


def parse_day(text: str | None) -> date | None:
    """A full date written ISO (``2019-09-13``), ``MM/DD/YYYY`` or ``15 Aug 1984``."""
    if not text:
        return None
    text = text.strip()
    match = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    if match:
        month, day, year = match.groups()
        return safe_date(year, month, day)
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return safe_date(*match.groups())
    match = _DMY.match(text)
    if match:
        day, month_name, year = match.groups()
        return safe_date(year, _MONTHS.get(month_name.lower()), day)
    return None
