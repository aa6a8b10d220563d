"""Sanctions lists (OFAC, UN, OpenSanctions) as versioned FollowTheMoney entities.

- ``parsers/``: one module per list format (OFAC advanced XML, legacy XML, CSV trio; UN
  consolidated XML; OpenSanctions FtM JSON lines), each with ``detect(path)`` and
  ``parse(path)`` giving FtM entities plus a ``ListIssue`` (list, date, sha256);
- ``load``: every file is a version in the store (``sanction_list_versions``,
  ``sanction_entities``, ``sanction_addresses``), one transaction per file, idempotent;
- ``labels``: listed crypto addresses become ``sanctioned`` labels; delisted ones stop
  counting as sanctioned and keep their history;
- ``diff``: designations and addresses added, removed and changed between two versions;
- ``versions``: listing and naming loaded versions; ``update``: official downloads.

Screening builds on these tables (docs/screening.md):

- ``address_screen``: exact per-chain lookup of crypto addresses on every loaded version
  (listed or delisted) and in DPRK attribution labels;
- ``korean``: Hangul romanization and McCune-Reischauer/Revised Romanization folding;
- ``index``: the blocking index of the latest issue of each list;
- ``screen``: name scoring (Korean-aware token matcher plus nomenklatura's logic-v2 when
  installed), qualifiers, JSON and yente ``/match`` output.

See docs/sanctions.md.
"""

from sanctionwatch.sanctions.diff import ListDiff, diff_versions
from sanctionwatch.sanctions.load import LoadResult, load_list_file, load_list_files
from sanctionwatch.sanctions.model import LIST_NAMES, ListedEntity, ListIssue, ParsedList
from sanctionwatch.sanctions.versions import VersionInfo, list_versions, resolve_version

__all__ = [
    "LIST_NAMES",
    "ListDiff",
    "ListIssue",
    "ListedEntity",
    "LoadResult",
    "ParsedList",
    "VersionInfo",
    "diff_versions",
    "list_versions",
    "load_list_file",
    "load_list_files",
    "resolve_version",
]
