"""Trace indexes cached beside the store: reused while the transfers are the same, rebuilt
when they change or the cache is damaged, and the trace the same either way."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.labels import ingest_label_files
from sanctionwatch.scenario import generate
from sanctionwatch.settings import Settings
from sanctionwatch.store import Store, open_store
from sanctionwatch.trace import engine
from sanctionwatch.trace.index import RunIds, TraceIndex
from sanctionwatch.trace.index_cache import IndexCacheWarning, cache_root, load_index

from .conftest import GraphStore, fill


def _settings(root: Path, **overrides: Any) -> Settings:
    return Settings(**{"index_cache_min_transfers": 0, "index_cache_dir": root, **overrides})


def _same_index(a: TraceIndex, b: TraceIndex) -> None:
    assert (a.chain, a.t0, a.n_store_rows) == (b.chain, b.t0, b.n_store_rows)
    for name in ("key", "dst", "asset", "amount", "rowid", "in_order", "in_offsets"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name
    assert np.array_equal(a.out_offsets, b.out_offsets)
    assert isinstance(a.ids, RunIds) == isinstance(b.ids, RunIds)
    assert np.array_equal(np.asarray(a.ids), np.asarray(b.ids))


@pytest.fixture
def disk_store(tmp_path: Path) -> Any:
    """A store on disk with a small graph."""
    store = open_store(tmp_path / "s.duckdb")
    fill(store, [("a", "b", 0, 5), ("b", "c", 10, 4), ("c", "d", 20, 3), ("b", "e", 30, 1)])
    yield store
    store.close()


def test_cached_index_is_reused_until_the_transfers_change(
    disk_store: Store, tmp_path: Path
) -> None:
    settings = _settings(tmp_path / "cache")
    root = cache_root(disk_store, settings)
    assert root is not None
    built = load_index(disk_store, "ethereum", settings=settings)
    assert built.load_seconds is None
    [folder] = list(root.iterdir())
    assert folder.name.startswith("ethereum-")
    assert (folder / "manifest.json").exists()
    loaded = load_index(disk_store, "ethereum", settings=settings)
    assert loaded.load_seconds is not None
    _same_index(built, loaded)
    _same_index(TraceIndex.build(disk_store, "ethereum"), loaded)
    assert isinstance(loaded.key, np.memmap)
    # copy-on-write: writable in memory (the kernels are compiled for that), file unchanged
    saved = np.load(folder / "amount.npy")
    loaded.amount[0] = -1.0
    assert np.array_equal(np.load(folder / "amount.npy"), saved)
    # another chain's index is cached beside it; so is one whose name starts like it
    load_index(disk_store, None, settings=settings)
    other = root / f"ethereum-classic-{'0' * 16}"
    other.mkdir()
    crashed = root / ".tmp-crashed"
    crashed.mkdir()
    os.utime(crashed, (0, 0))  # a write that crashed long ago
    # one more transfer: another fingerprint, a new build, the old one removed
    disk_store.con.execute(
        "INSERT INTO transfers SELECT * REPLACE (amount + 1 AS amount, position || 'x' AS "
        "position) FROM transfers LIMIT 1"
    )
    again = load_index(disk_store, "ethereum", settings=settings)
    assert again.load_seconds is None
    assert again.n == built.n + 1
    names = sorted(p.name for p in root.iterdir())
    assert folder.name not in names
    # (by chain: the names sort by their fingerprints, which change with the build code)
    assert sorted(n.rsplit("-", 1)[0] for n in names) == ["all", "ethereum", "ethereum-classic"]
    # a changed amount alone (same count) is another fingerprint too
    disk_store.con.execute("UPDATE transfers SET amount = amount * 2 WHERE rowid = 0")
    changed = load_index(disk_store, "ethereum", settings=settings)
    assert changed.load_seconds is None
    assert float(changed.amount.sum()) > float(again.amount.sum())


def test_damaged_cache_is_rebuilt_with_a_warning(disk_store: Store, tmp_path: Path) -> None:
    settings = _settings(tmp_path / "cache")
    built = load_index(disk_store, "ethereum", settings=settings)
    [folder] = list((tmp_path / "cache").glob("*/ethereum-*"))
    (folder / "dst.npy").write_bytes(b"not an array")
    with pytest.warns(IndexCacheWarning, match="unreadable"):
        rebuilt = load_index(disk_store, "ethereum", settings=settings)
    assert rebuilt.load_seconds is None
    _same_index(built, rebuilt)
    # an array cut short (its header intact): rebuilt too
    data = (folder / "amount.npy").read_bytes()
    (folder / "amount.npy").write_bytes(data[: len(data) - 8])
    with pytest.warns(IndexCacheWarning, match="unreadable"):
        assert load_index(disk_store, "ethereum", settings=settings).load_seconds is None
    # arrays that do not fit together: rebuilt too
    np.save(folder / "in_order.npy", np.zeros(1, dtype=np.int32))
    with pytest.warns(IndexCacheWarning, match="other lengths"):
        load_index(disk_store, "ethereum", settings=settings)
    assert load_index(disk_store, "ethereum", settings=settings).load_seconds is not None
    # a manifest of other transfers under this name is not trusted
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["fingerprint"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.warns(IndexCacheWarning, match="other transfers"):
        assert load_index(disk_store, "ethereum", settings=settings).load_seconds is None


def test_unwritable_cache_warns_and_traces_on(disk_store: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings = _settings(blocker / "cache")  # cannot be made: its parent is a file
    with pytest.warns(IndexCacheWarning, match="could not cache"):
        index = load_index(disk_store, "ethereum", settings=settings)
    _same_index(TraceIndex.build(disk_store, "ethereum"), index)


def test_when_nothing_is_cached(disk_store: Store, tmp_path: Path, graph_store: GraphStore) -> None:
    root = tmp_path / "cache"
    # below the size where caching pays, or switched off: built, nothing written
    load_index(disk_store, "ethereum", settings=_settings(root, index_cache_min_transfers=5))
    load_index(disk_store, "ethereum", settings=_settings(root, index_cache=False))
    assert not root.exists()
    memory = graph_store([("a", "b", 0, 1)])
    assert cache_root(memory, _settings(root)) is None
    assert load_index(memory, settings=_settings(root)).n == 1
    # by default beside the store; in a shared folder, a folder per store
    assert cache_root(disk_store, Settings()) == tmp_path / "s.duckdb.index"
    shared = cache_root(disk_store, _settings(root))
    assert shared is not None
    assert shared.parent == root
    assert shared.name.startswith("s.duckdb-")
    elsewhere = open_store(tmp_path / "other" / "s.duckdb")
    assert cache_root(elsewhere, _settings(root)) != shared
    elsewhere.close()


def test_run_ids_round_trip(tmp_path: Path) -> None:
    """Ids stored as runs (``RunIds``: 40 addresses numbered in one run) come back as runs."""
    store = open_store(tmp_path / "runs.duckdb")
    fill(store, [(f"n{k}", f"n{k + 1}", k, 40 - k) for k in range(40)])
    settings = _settings(tmp_path / "cache")
    built = load_index(store, "ethereum", settings=settings)
    loaded = load_index(store, "ethereum", settings=settings)
    store.close()
    assert isinstance(built.ids, RunIds)
    assert isinstance(loaded.ids, RunIds)
    assert loaded.load_seconds is not None
    _same_index(built, loaded)
    assert loaded.dense([1, 20, 41, 99]).tolist() == built.dense([1, 20, 41, 99]).tolist()


@pytest.mark.slow
def test_trace_on_a_cached_index_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scenario's theft traced with a built index, then with the cached one: the same
    JSON (every kernel runs on the memory-mapped arrays)."""
    generate(tmp_path / "sc", seed=3, transfers=20_000)
    store = open_store(tmp_path / "s.duckdb")
    for name in ("transactions.csv", "token_transfers.csv", "traces.csv"):
        ingest_transfer_file(
            store,
            tmp_path / "sc" / "ethereum" / name,
            "ethereum-etl",
            ReadOptions(chain=get_chain("ethereum")),
        )
    ingest_label_files(store, sorted((tmp_path / "sc" / "labels").glob("*.yaml")))
    theft = json.loads((tmp_path / "sc" / "ground_truth.json").read_text())["theft"]
    since = datetime.fromisoformat(theft["time"].replace("Z", "+00:00"))
    monkeypatch.setenv("SANCTIONWATCH_INDEX_CACHE_MIN_TRANSFERS", "0")
    monkeypatch.setenv("SANCTIONWATCH_INDEX_CACHE_DIR", str(tmp_path / "cache"))

    def traced() -> tuple[dict[str, Any], dict[str, Any]]:
        result = engine.trace(
            store, [("ethereum", theft["address"])], since=since, model="all", hops=8
        )
        data = json.loads(json.dumps(result.to_dict(), default=str))
        index = data["summary"].pop("index")
        for timing in ("seconds", "phase_seconds"):
            data["summary"].pop(timing)
        return data, index

    first, first_index = traced()
    second, second_index = traced()
    store.close()
    assert first_index["load_seconds"] is None
    assert second_index["load_seconds"] is not None
    assert first["edges"]
    assert first["terminals"]
    assert first == second


@pytest.mark.parametrize("source", ["index.py", "_kernels.py"])
def test_the_build_code_is_in_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """Another index.py or _kernels.py (the build's kernels) gives another fingerprint: an
    index built by other code is not reused."""
    from sanctionwatch.trace.index_cache import fingerprint

    store = open_store(tmp_path / "s.duckdb")
    before = fingerprint(store, "ethereum")
    read = Path.read_bytes

    def edited(path: Path) -> bytes:
        return read(path) + (b"# edited" if path.name == source else b"")

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert fingerprint(store, "ethereum") != before
    store.close()
