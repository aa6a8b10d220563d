"""Reading records: JSON lines and CSV, every bad row reported with its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanctionwatch.errors import InputError
from sanctionwatch.itw.records import MAX_FIELD_CHARS, read_records, write_records


def test_jsonl_rows_lists_and_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps({"record_id": "a", "emails": ["x@example.com", "y@example.com"],
                    "phones": "+12015550123; +12015550124", "favourite_colour": "blue"})
        + "\n\n"
        + json.dumps({"record_id": "b", "full_name": "B"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    records, rejects = read_records([path])
    assert rejects == []
    assert [r.record_id for r in records] == ["a", "b"]
    assert records[0].emails == ("x@example.com", "y@example.com")
    assert records[0].phones == ("+12015550123", "+12015550124")
    assert records[0].extra == {"favourite_colour": "blue"}
    assert (records[0].line, records[1].line) == (1, 3)


def test_bad_rows_are_reported_with_lines_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [
        json.dumps({"record_id": "ok"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"full_name": "no id"}),
        json.dumps({"record_id": "ok"}),
        json.dumps({"record_id": "huge", "resume_text": "x" * (MAX_FIELD_CHARS + 1)}),
        json.dumps({"record_id": "nested", "full_name": {"a": 1}}),
        json.dumps({"record_id": "fine", "emails": ["a@b.example"]}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, rejects = read_records([path])
    assert [r.record_id for r in records] == ["ok", "fine"]
    reasons = {r.line: r.reason for r in rejects}
    assert set(reasons) == {2, 3, 4, 5, 6, 7}
    assert reasons[2].startswith("not JSON")
    assert "object" in reasons[3]
    assert reasons[4] == "no record_id"
    assert "duplicate record_id 'ok'" in reasons[5]
    assert ":1)" in reasons[5]
    assert f"at most {MAX_FIELD_CHARS:,}" in reasons[6]
    assert "must be text" in reasons[7]
    assert all(r.file == str(path) for r in rejects)
    assert len(records) + len(rejects) == len(lines)  # nothing lost


def test_csv_multivalued_cells_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "record_id,full_name,emails,shipping_addresses\n"
        'a,Ann,a@x.example;a2@x.example,"12 Main St, Apt 4"\n'
        "b,Bob\n"
        ",Nobody,n@x.example,\n"
        '"c","multi\nline name",c@x.example,\n',
        encoding="utf-8",
    )
    records, rejects = read_records([path])
    assert [r.record_id for r in records] == ["a", "c"]
    assert records[0].emails == ("a@x.example", "a2@x.example")
    assert records[0].shipping_addresses == ("12 Main St, Apt 4",)
    assert records[1].line == 5
    assert [(r.line, r.reason) for r in rejects] == [
        (3, "2 cells where the header has 4"),
        (4, "no record_id"),
    ]


def test_csv_without_record_id_column_and_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,name\n1,a\n", encoding="utf-8")
    with pytest.raises(InputError, match="no record_id column"):
        read_records([path])
    other = tmp_path / "r.xlsx"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="unknown record format"):
        read_records([other])
    with pytest.raises(InputError, match="no such file"):
        read_records([tmp_path / "missing.jsonl"])


def test_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"record_id": "\xff\xfe"}\n')
    with pytest.raises(InputError, match="not UTF-8"):
        read_records([path])


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    rows = [{"record_id": "a", "emails": ["a@x.example"], "full_name": "A"}]
    for name in ("r.jsonl", "r.csv"):
        write_records(rows, tmp_path / name)
        records, rejects = read_records([tmp_path / name])
        assert not rejects
        assert records[0].to_dict() == rows[0]
