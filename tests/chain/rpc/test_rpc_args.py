"""--blocks parsing and argument checks: user mistakes get one clear InputError, no traffic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.rpc import check_url, ingest_rpc_range, parse_block_range
from sanctionwatch.errors import InputError
from sanctionwatch.store.db import Store


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17173049:17173050", (17173049, 17173050)),
        ("17173049", (17173049, 17173049)),
        (" 5 : 9 ", (5, 9)),
        ("0:0", (0, 0)),
        ("7:7", (7, 7)),
    ],
)
def test_parse_block_range_accepts(text: str, expected: tuple[int, int]) -> None:
    assert parse_block_range(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9:5", "ends before it starts"),
        ("-1:3", "non-negative whole block numbers"),
        ("1:-3", "non-negative whole block numbers"),
        ("a:b", "non-negative whole block numbers"),
        ("1.5", "non-negative whole block numbers"),
        ("0x10:0x20", "non-negative whole block numbers"),
        ("1:2:3", "non-negative whole block numbers"),
        ("1:", "non-negative whole block numbers"),
        (":5", "non-negative whole block numbers"),
        ("", "non-negative whole block numbers"),
        ("١:٢", "non-negative whole block numbers"),  # non-ASCII digits  # noqa: RUF001
        ("1:99999999999999999999", r"2\^63-1"),
    ],
)
def test_parse_block_range_rejects(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_block_range(text)
    assert info.value.message.count(". ") == 0  # one sentence
    assert info.value.message.endswith(".")


@given(st.integers(0, 2**63 - 1), st.integers(0, 10**6))
def test_parse_block_range_round_trips(start: int, length: int) -> None:
    end = min(start + length, 2**63 - 1)
    assert parse_block_range(f"{start}:{end}") == (start, end)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1:8545",
        "localhost:8545",
        "127.0.0.1:8545",
        "",
        "http://",
        "ws://127.0.0.1:8546",
    ],
)
def test_url_must_be_http(store: Store, url: str) -> None:
    with pytest.raises(InputError, match="not an http"):
        ingest_rpc_range(store, url, 1, 2, chain=get_chain("ethereum"))


def test_url_credentials_stay_out_of_messages_and_log() -> None:
    assert check_url("https://user:secret@node.invalid:8545/x") == "https://node.invalid:8545/x"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chain": get_chain("bitcoin")}, "not an EVM chain"),
        ({"batch_size": 0}, "at least 1"),
        ({"chunk_blocks": 0}, "at least 1"),
        ({"retries": -1}, "must not be negative"),
        ({"timeout": 0.0}, "positive"),
        ({"start": 5, "end": 4}, "start <= end"),
    ],
)
def test_bad_arguments(store: Store, kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"chain": get_chain("ethereum"), "start": 1, "end": 2} | kwargs
    with pytest.raises(InputError, match=message):
        ingest_rpc_range(store, "http://127.0.0.1:9/", **args)  # type: ignore[arg-type]
