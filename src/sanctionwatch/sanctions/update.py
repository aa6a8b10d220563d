"""``lists update``: download the current issue of each list from its publisher, then load it.

Official publication addresses (``--url`` overrides them, e.g. for a mirror):

- ``ofac``: OFAC Sanctions List Service, SDN list in the advanced XML format
  https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML
- ``un``: UN Security Council Consolidated List
  https://scsanctions.un.org/resources/xml/en/consolidated.xml
- ``opensanctions``: OpenSanctions consolidated sanctions collection, FtM JSON lines
  https://data.opensanctions.org/datasets/latest/sanctions/entities.ftm.json
  (non-commercial licence: CC BY-NC 4.0; commercial users need an OpenSanctions licence)

A download goes to ``<dest>/<name>_<UTC timestamp><suffix>`` through a ``.part`` file,
so a broken transfer never looks like a list. A file whose content is already a loaded
version is deleted again and reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sanctionwatch import __version__
from sanctionwatch.errors import FormatError, InputError, RemoteError
from sanctionwatch.sanctions.load import LoadResult, load_list_file
from sanctionwatch.store.db import Store


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    list_name: str
    url: str
    filename: str  # stem and suffix of the downloaded file


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "ofac",
            "us_ofac_sdn",
            "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
            "SDN_ADVANCED.XML",
            "sdn_advanced.xml",
        ),
        Source(
            "un",
            "un_sc_consolidated",
            "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
            "un_consolidated.xml",
        ),
        Source(
            "opensanctions",
            "opensanctions",
            "https://data.opensanctions.org/datasets/latest/sanctions/entities.ftm.json",
            "opensanctions_sanctions.ftm.json",
        ),
    )
}


@dataclass(slots=True)
class UpdateResult:
    source: str
    url: str
    path: str
    size: int
    load: LoadResult | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "bytes": self.size,
            "load": None if self.load is None else self.load.to_dict(),
        }


def download(url: str, dest: Path, filename: str, *, timeout: float = 60.0) -> Path:
    """Stream ``url`` into ``dest``; RemoteError when the server or network fails."""
    if not url.startswith(("http://", "https://")):
        raise InputError(f"{url!r} is not an http(s) address.")
    dest.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = filename.partition(".")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = dest / f"{stem}_{stamp}{dot}{suffix}"
    n = 1
    while target.exists():  # never overwrite an earlier download (it is evidence)
        n += 1
        target = dest / f"{stem}_{stamp}-{n}{dot}{suffix}"
    partial = dest / f".{target.name}.part"
    headers = {"User-Agent": f"sanctionwatch/{__version__} (sanctions list update)"}
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise RemoteError(
                    f"{url} answered HTTP {response.status_code}; the list was not updated."
                )
            with partial.open("wb") as fh:
                for chunk in response.iter_bytes(1 << 20):
                    fh.write(chunk)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise RemoteError(f"Cannot download {url}: {exc}; the list was not updated.") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


def update_lists(
    store: Store,
    sources: list[str],
    dest: Path,
    *,
    url: str | None = None,
    timeout: float = 60.0,
) -> list[UpdateResult]:
    """Download and load each source; ``url`` replaces the address of a single source."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise InputError(f"Unknown source {', '.join(unknown)}; use {', '.join(SOURCES)}.")
    if url is not None and len(sources) != 1:
        raise InputError("A URL override needs exactly one source.")
    results = []
    for name in sources:
        source = SOURCES[name]
        address = url or source.url
        path = download(address, dest, source.filename, timeout=timeout)
        size = path.stat().st_size
        try:
            loaded = load_list_file(store, path, list_name=source.list_name, source=address)
        except FormatError as exc:
            raise FormatError(
                f"The file downloaded from {address} (kept at {path}) is not a usable list: "
                f"{exc.message}"
            ) from exc
        if loaded.status != "loaded":
            path.unlink(missing_ok=True)
        results.append(UpdateResult(name, address, str(path), size, loaded))
    return results
