"""gh-fake-analyzer dumps (GitHub API profiles of suspected DPRK IT-worker accounts) as records.

Each account folder holds ``report.json`` (profile_info, unique_emails, followers,
following, repo_list, forked_repo_list, potential_copy, ...) and/or ``<login>.json``
(profile_data, commits, followers, following). One record per account:

- ``record_id`` ``github:<login>``, ``source`` ``gh-fake-analyzer/<investigation>``;
- ``handles``: ``github:<login>`` and ``github-id:<numeric id>``, plus the other logins the
  account's own id has used (from ``<id>+<login>@users.noreply.github.com`` addresses);
- ``emails``: ``unique_emails`` without GitHub's no-reply and bot addresses (the dump's
  authors warn that these can include contributors' or spoofed addresses);
- ``account_created_at`` and ``activity_times`` (dates of commits, including those the
  analyzer lists as ``potential_copy``: commits older than the account);
- ``repositories``: own and forked repository names; ``follows``: ``github:<login>`` of the
  accounts it follows or is followed by.

Missing or empty dumps (accounts deleted before the dump) still give a record, so that the
list of investigated accounts is complete; unreadable JSON is an InputError naming the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sanctionwatch.errors import InputError

_NOREPLY = re.compile(r"^(\d+)\+([^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable gh-fake-analyzer JSON dump ({exc}).") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a gh-fake-analyzer dump is a JSON object.")
    return data


def _login(url_or_login: str) -> str:
    return url_or_login.rstrip("/").rsplit("/", 1)[-1].lower()


def account_record(folder: Path, investigation: str) -> dict[str, Any]:
    """The record of one account folder (module docstring)."""
    login = folder.name
    report = _load(folder / "report.json") if (folder / "report.json").is_file() else {}
    dump_path = folder / f"{login}.json"
    dump = _load(dump_path) if dump_path.is_file() else {}
    profile = report.get("profile_info") or dump.get("profile_data") or {}
    login = str(profile.get("login") or login)
    account_id = profile.get("id")
    handles = [f"github:{login.lower()}"]
    if account_id is not None:
        handles.append(f"github-id:{account_id}")
    emails: list[str] = []
    for email in report.get("unique_emails") or {}:
        text = str(email).strip()
        match = _NOREPLY.match(text)
        if match:
            if account_id is not None and match.group(1) == str(account_id):
                handles.append(f"github:{match.group(2).lower()}")
            continue
        if "@" not in text or text.lower() == "noreply@github.com" or "[bot]" in text:
            continue
        emails.append(text)
    times: list[str] = []
    for item in report.get("potential_copy") or []:
        if isinstance(item, dict) and item.get("commit_date"):
            times.append(str(item["commit_date"]))
    for commits in (dump.get("commits") or {}).values():
        for commit in commits or []:
            author = ((commit or {}).get("commit") or {}).get("author") or {}
            if author.get("date"):
                times.append(str(author["date"]))
    follows = {
        f"github:{_login(str(u))}"
        for key in ("following", "followers")
        for u in (report.get(key) or dump.get(key) or [])
        if u
    }
    repositories = [*(report.get("repo_list") or []), *(report.get("forked_repo_list") or [])]
    if not repositories:
        repositories = [str(r.get("name")) for r in dump.get("repos") or [] if r.get("name")]
    record: dict[str, Any] = {
        "record_id": f"github:{login}",
        "source": f"gh-fake-analyzer/{investigation}",
        "handles": list(dict.fromkeys(handles)),
        "emails": list(dict.fromkeys(emails)),
        "repositories": repositories,
        "follows": sorted(follows),
        "activity_times": times,
    }
    if profile.get("name"):
        record["full_name"] = str(profile["name"])
    if profile.get("created_at"):
        record["account_created_at"] = str(profile["created_at"])
    if profile.get("location"):
        record["claimed_location"] = str(profile["location"])  # kept, not scored
    if not profile:
        record["dump_empty"] = True
    return record


def records_from_dumps(root: Path) -> list[dict[str, Any]]:
    """One record per account folder under ``root/<investigation>/<login>/``."""
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of gh-fake-analyzer investigations.")
    records = []
    for investigation in sorted(p for p in root.iterdir() if p.is_dir()):
        for folder in sorted(p for p in investigation.iterdir() if p.is_dir()):
            records.append(account_record(folder, investigation.name))
    if not records:
        raise InputError(f"{root}: no <investigation>/<login>/ account folders found.")
    return records
