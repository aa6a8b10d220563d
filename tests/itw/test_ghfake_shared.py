"""Real data: gh-fake-analyzer dumps of accounts that investigators tied together."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctionwatch.itw.ghfake import records_from_dumps
from sanctionwatch.itw.records import record_from_mapping
from sanctionwatch.itw.scan import scan

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def result(shared_data: Path) -> dict:  # type: ignore[type-arg]
    root = shared_data / "itw" / "gh-fake-analyzer"
    rows = records_from_dumps(root)
    return scan([record_from_mapping(r, str(root), k + 1) for k, r in enumerate(rows)]).to_dict()


def network_of(result: dict, login: str) -> dict:  # type: ignore[type-arg]
    (rec,) = [r for r in result["records"] if r["record_id"] == f"github:{login}"]
    assert rec["network_id"], f"{login} is in no network"
    (net,) = [n for n in result["networks"] if n["network_id"] == rec["network_id"]]
    return net


def test_every_account_folder_is_a_record(result: dict) -> None:  # type: ignore[type-arg]
    ids = {r["record_id"] for r in result["records"]}
    assert len(ids) == 31  # 14 + 3 + 3 + 11 account folders
    assert {"github:0xl2", "github:warmice71", "github:sebastian4098"} <= ids


def test_large_fake_network_accounts_share_emails(result: dict) -> None:  # type: ignore[type-arg]
    net = network_of(result, "warmice71")
    assert {"github:AI0228", "github:warmice0228", "github:warmice71"} <= set(net["record_ids"])
    emails = {s["value"]: set(s["record_ids"]) for s in net["shared"] if s["kind"] == "email"}
    assert emails["awl19950228@gmail.com"] == {"github:AI0228", "github:warmice0228",
                                                "github:warmice71"}  # fmt: skip
    assert net["flagged"]


def test_contagious_interview_accounts_share_an_email(result: dict) -> None:  # type: ignore[type-arg]
    net = network_of(result, "eduales99")
    assert set(net["record_ids"]) == {"github:eduales99", "github:sebastian4098"}
    assert any(
        s["kind"] == "email" and s["value"] == "ortegamontenegrosebastian@gmail.com"
        for s in net["shared"]
    )


def test_jason_kwon_aliases_are_linked(result: dict) -> None:  # type: ignore[type-arg]
    """0xm00neth -> hightechrun (copied repositories), hightechrun <-> bluesky0309 (follows)."""
    net = network_of(result, "hightechrun")
    assert {"github:0xm00neth", "github:hightechrun", "github:bluesky0309"} <= set(
        net["record_ids"]
    )
    kinds = {s["kind"] for s in net["shared"]}
    assert {"repositories", "follows"} <= kinds
