"""``lists update`` downloads over HTTP: tested against a server on 127.0.0.1 only."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctionwatch.errors import FormatError, InputError, RemoteError
from sanctionwatch.sanctions.update import SOURCES, update_lists
from sanctionwatch.sanctions.versions import list_versions
from sanctionwatch.store import Store


def test_official_addresses_are_documented() -> None:
    assert SOURCES["ofac"].url.startswith("https://sanctionslistservice.ofac.treas.gov/")
    assert SOURCES["un"].url == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    assert SOURCES["opensanctions"].url.startswith("https://data.opensanctions.org/")
    docs = Path(__file__).resolve().parents[2] / "docs" / "sanctions.md"
    text = docs.read_text(encoding="utf-8")
    for source in SOURCES.values():
        assert source.url in text, source.name


def test_download_and_load(store: Store, server: str, tmp_path: Path) -> None:
    url = f"{server}/ofac_advanced_v1.xml"
    [result] = update_lists(store, ["ofac"], tmp_path / "lists", url=url)
    assert result.load is not None
    assert result.load.status == "loaded"
    assert result.load.version_id == "us_ofac_sdn@2025-01-15"
    assert Path(result.path).is_file()
    assert Path(result.path).parent == tmp_path / "lists"
    assert not list((tmp_path / "lists").glob(".*.part"))
    [version] = list_versions(store)
    assert version.source == url  # the version remembers where it came from
    # the same issue again: nothing added, the duplicate download is not kept
    [again] = update_lists(store, ["ofac"], tmp_path / "lists", url=url)
    assert again.load is not None
    assert again.load.status == "already loaded"
    assert not Path(again.path).exists()
    assert len(list((tmp_path / "lists").iterdir())) == 1


def test_un_and_opensanctions(store: Store, server: str, tmp_path: Path) -> None:
    update_lists(store, ["un"], tmp_path, url=f"{server}/un_sample.xml")
    update_lists(store, ["opensanctions"], tmp_path, url=f"{server}/opensanctions_sample.ftm.json")
    assert [v.list_name for v in list_versions(store)] == ["opensanctions", "un_sc_consolidated"]


def test_http_error(store: Store, server: str, tmp_path: Path) -> None:
    with pytest.raises(RemoteError, match="answered HTTP 404"):
        update_lists(store, ["un"], tmp_path, url=f"{server}/missing.xml")
    assert list_versions(store) == []
    assert not list(tmp_path.iterdir())  # no partial file left


def test_unreachable(store: Store, tmp_path: Path) -> None:
    with pytest.raises(RemoteError, match="Cannot download"):
        update_lists(store, ["un"], tmp_path, url="http://127.0.0.1:9/list.xml", timeout=2)


def test_download_that_is_not_a_list(store: Store, server: str, tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="is not a usable list"):
        update_lists(store, ["un"], tmp_path, url=f"{server}/ofac_csv_2025-02-20/add.csv")
    assert list_versions(store) == []


def test_bad_arguments(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Unknown source"):
        update_lists(store, ["eu"], tmp_path)
    with pytest.raises(InputError, match="exactly one source"):
        update_lists(store, ["ofac", "un"], tmp_path, url="http://127.0.0.1/x")
    with pytest.raises(InputError, match="not an http"):
        update_lists(store, ["un"], tmp_path, url="file:///etc/passwd")
