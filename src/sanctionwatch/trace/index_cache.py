"""Trace indexes kept on disk beside the store, reused while the transfers are unchanged.

Why: every ``sanctionwatch trace`` or ``exposure`` is a new process, and building the index
is most of its time on a large store (the 50M scenario: 5-11 s to build, then ~2-4 s for the
analyst trace). A cached index is checked and mapped in ~1 s.

- Where: ``<db>.index/<chain or all>-<fingerprint>/`` (or under
  ``settings.index_cache_dir``, a folder per store): one ``.npy`` file per array and
  ``manifest.json`` with the scalars.
- When it is reused: its fingerprint is a hash of every transfer's indexed columns
  (``count(*)`` and a sum of DuckDB's ``hash()`` of rowid, chain, ends, time, asset, amount
  and success: one scan, ~1 s at 45M rows), the DuckDB version (``hash`` may change with
  it) and this build code (``index.py`` and ``_kernels.py``: an index built by other code is
  not reused).
  Any change to the transfers gives another fingerprint, so a stale index is never used.
- How it is read: the arrays are memory-mapped copy-on-write: nothing is read until a
  trace touches it, the page cache is shared between processes, and the arrays stay
  writable in memory (the numba kernels are compiled for writable arrays) while the files
  are never written.
- Safety: written into a temporary folder and renamed into place (another process sees
  all of it or none); a cache that is unreadable or inconsistent is rebuilt, with a
  ``IndexCacheWarning``; a cache that cannot be written (a read-only folder) only warns.
- Small stores (below ``settings.index_cache_min_transfers``) are not cached: their build
  takes about as long as the check.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from sanctionwatch import __version__
from sanctionwatch.settings import Settings, get_settings
from sanctionwatch.store.db import Store
from sanctionwatch.trace import index as index_module
from sanctionwatch.trace.index import RunIds, TraceIndex

FORMAT = 1  # of the folder's layout (the build code is fingerprinted on its own)
_SCALARS = ("chain", "t0", "n_store_rows", "build_seconds")
_PER_TRANSFER = ("key", "dst", "asset", "amount", "rowid", "in_order")
_PER_ADDRESS_PLUS_ONE = ("in_offsets", "out_offsets")


class IndexCacheWarning(UserWarning):
    """A cached trace index could not be read or written (the trace goes on without it)."""


def load_index(
    store: Store, chain: str | None = None, *, settings: Settings | None = None
) -> TraceIndex:
    """The trace index of ``store`` (``TraceIndex.build``): from the cache when it holds one
    of the same transfers, else built (and cached, for a large store on disk)."""
    settings = settings or get_settings()
    root = cache_root(store, settings)
    if root is None:
        return TraceIndex.build(store, chain)
    n_rows = int(store.scalar("SELECT count(*) FROM transfers"))
    if n_rows < settings.index_cache_min_transfers:
        return TraceIndex.build(store, chain)
    clock = time.perf_counter()
    fp = fingerprint(store, chain)
    folder = root / f"{chain or 'all'}-{fp[:16]}"
    if folder.exists():
        try:
            index = read_index(folder, fp)
        except Exception as exc:  # a cache: whatever is wrong with it, rebuild it
            warnings.warn(
                f"the cached trace index {folder} is unreadable ({exc}); rebuilding it",
                IndexCacheWarning,
                stacklevel=2,
            )
            shutil.rmtree(folder, ignore_errors=True)
        else:
            index.load_seconds = time.perf_counter() - clock
            return index
    index = TraceIndex.build(store, chain)
    try:
        write_index(index, root, folder.name, fp)
    except OSError as exc:
        warnings.warn(
            f"could not cache the trace index in {root} ({exc}); set "
            "SANCTIONWATCH_INDEX_CACHE=false or SANCTIONWATCH_INDEX_CACHE_DIR",
            IndexCacheWarning,
            stacklevel=2,
        )
    return index


def cache_root(store: Store, settings: Settings) -> Path | None:
    """The cache folder of ``store`` (None: not cached, e.g. an in-memory store): beside it,
    or in ``settings.index_cache_dir`` a folder per store (stores sharing that folder would
    otherwise remove each other's indexes of a chain as stale)."""
    if not settings.index_cache or store.path is None:
        return None
    if settings.index_cache_dir is not None:
        where = hashlib.sha256(str(store.path.resolve()).encode()).hexdigest()[:12]
        return settings.index_cache_dir / f"{store.path.name}-{where}"
    return store.path.with_name(store.path.name + ".index")


def fingerprint(store: Store, chain: str | None) -> str:
    """A hash of the transfers as the index reads them, the DuckDB version and the index's
    build code (see the module's notes)."""
    count, total = store.con.execute(
        "SELECT count(*), sum(hash(rowid, chain, from_id, to_id, block_time, asset_id, "
        "amount, success)::HUGEINT) FROM transfers"
    ).fetchall()[0]
    try:
        # the build's kernels too (dense ids, sender order, gathers), read beside it: not
        # imported here (numba's import is ~0.6 s a command need not pay)
        source = Path(index_module.__file__)
        code = hashlib.sha256(
            source.read_bytes() + source.with_name("_kernels.py").read_bytes()
        ).hexdigest()
    except OSError:  # not installed as files (a zip): the version it was released as
        code = __version__
    facts = [FORMAT, duckdb.__version__, code, chain, int(count), str(total)]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def write_index(index: TraceIndex, root: Path, name: str, fp: str) -> Path:
    """Write ``index`` as ``root/name`` (a temporary folder renamed into place; older
    indexes of the same chain are removed)."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        tmp.chmod(0o755)  # as the store's other readers may read it (mkdtemp gives 0o700)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "fingerprint": fp,
            **{k: getattr(index, k) for k in _SCALARS},
        }
        arrays = _arrays(index)
        if isinstance(index.ids, RunIds):
            manifest["ids_runs"] = index.ids.size
        for k, a in arrays.items():
            np.save(tmp / f"{k}.npy", a)
        manifest["arrays"] = sorted(arrays)
        # last: a folder without its manifest is never read as an index
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        final = root / name
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / "manifest.json").exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process wrote it first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_stale(root, name)
    return final


def _remove_stale(root: Path, kept: str) -> None:
    """Remove the other indexes of ``kept``'s chain (of older transfers: a process still
    mapping their files keeps them until it is done, on POSIX) and the temporary folders of
    writes that crashed (a day old: one in progress is younger). Best effort: another
    process may be doing the same."""
    chain = kept.rsplit("-", 1)[0]
    crashed_before = time.time() - 86_400
    for old in root.iterdir():
        try:
            if old.name.startswith(".tmp-"):
                if old.stat().st_mtime < crashed_before:
                    shutil.rmtree(old, ignore_errors=True)
            elif old.name.rsplit("-", 1)[0] == chain and old.name != kept:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def read_index(folder: Path, fp: str) -> TraceIndex:
    """The index in ``folder``, its arrays memory-mapped copy-on-write; ValueError when it is
    not the index of fingerprint ``fp`` or its arrays do not fit together."""
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("format") != FORMAT or manifest.get("fingerprint") != fp:
        raise ValueError("written for other transfers or by another version")
    arrays = {k: np.load(folder / f"{k}.npy", mmap_mode="c") for k in manifest["arrays"]}
    if "ids_runs" in manifest:
        ids: Any = RunIds(arrays.pop("ids_starts"), arrays.pop("ids_shift"), manifest["ids_runs"])
    else:
        ids = arrays.pop("ids")
    n, m = len(arrays["key"]), len(ids)
    short = [k for k in _PER_TRANSFER if len(arrays[k]) != n]
    short += [k for k in _PER_ADDRESS_PLUS_ONE if len(arrays[k]) != m + 1]
    if short or (n and int(arrays["in_offsets"][-1]) != n):
        raise ValueError(f"arrays of other lengths than the index's: {', '.join(short)}")
    return TraceIndex(ids=ids, **{k: manifest[k] for k in _SCALARS}, **arrays)


def _arrays(index: TraceIndex) -> dict[str, np.ndarray[Any, Any]]:
    out: dict[str, np.ndarray[Any, Any]] = {}
    for f in dataclasses.fields(index):
        value = getattr(index, f.name)
        if isinstance(value, RunIds):
            out["ids_starts"], out["ids_shift"] = value.starts, value.shift
        elif isinstance(value, np.ndarray):
            out[f.name] = value
    return out
