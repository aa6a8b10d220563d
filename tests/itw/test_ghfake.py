"""gh-fake-analyzer dumps to records, on small hand-made dumps (no shared data needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanctionwatch.errors import InputError
from sanctionwatch.itw.ghfake import records_from_dumps


def dump(
    root: Path, investigation: str, login: str, report: dict, name: str = "report.json"
) -> None:  # type: ignore[type-arg]
    folder = root / investigation / login
    folder.mkdir(parents=True)
    (folder / name).write_text(json.dumps(report), encoding="utf-8")


def test_report_becomes_a_record(tmp_path: Path) -> None:
    dump(tmp_path, "Inv", "dev1", {
        "profile_info": {"login": "dev1", "id": 42, "name": "Dev One",
                         "created_at": "2024-01-01T00:00:00Z", "location": "Somewhere"},
        "unique_emails": {"dev1@gmail.com": "dev1", "noreply@github.com": "GitHub",
                          "42+oldname@users.noreply.github.com": "x",
                          "7+someone@users.noreply.github.com": "y",
                          "49699333+dependabot[bot]@users.noreply.github.com": "bot",
                          "not-an-email": "z"},
        "followers": ["https://github.com/Friend"], "following": ["https://github.com/other"],
        "repo_list": ["a", "b"], "forked_repo_list": ["c"],
        "potential_copy": [{"repo": "a", "commit_date": "2022-05-01T00:00:00Z"}],
    })  # fmt: skip
    (record,) = records_from_dumps(tmp_path)
    assert record["record_id"] == "github:dev1"
    assert record["source"] == "gh-fake-analyzer/Inv"
    assert record["handles"] == ["github:dev1", "github-id:42", "github:oldname"]
    assert record["emails"] == ["dev1@gmail.com"]
    assert record["follows"] == ["github:friend", "github:other"]
    assert record["repositories"] == ["a", "b", "c"]
    assert record["activity_times"] == ["2022-05-01T00:00:00Z"]
    assert record["account_created_at"] == "2024-01-01T00:00:00Z"
    assert record["full_name"] == "Dev One"


def test_empty_dump_still_gives_a_record_and_bad_json_is_an_error(tmp_path: Path) -> None:
    dump(tmp_path, "Inv", "gone", {"profile_data": None, "repos": []}, name="gone.json")
    (record,) = records_from_dumps(tmp_path)
    assert record["record_id"] == "github:gone"
    assert record["dump_empty"] is True
    broken = tmp_path / "Inv" / "bad"
    broken.mkdir()
    (broken / "report.json").write_text("{nope", encoding="utf-8")
    with pytest.raises(InputError, match=r"report\.json"):
        records_from_dumps(tmp_path)


def test_not_a_dump_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no <investigation>"):
        records_from_dumps(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        records_from_dumps(tmp_path / "missing")
