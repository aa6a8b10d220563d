"""Normalisation of values with the libraries made for them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from sanctionwatch.errors import InputError
from sanctionwatch.itw.link import minhash_signatures, shingle_hashes
from sanctionwatch.itw.normalize import (
    IpRanges,
    normalize_email,
    normalize_payout,
    normalize_phone,
    normalize_postal,
    normalize_wallet,
    parse_ip,
    photo_hash_of,
    utc_offset_hours,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Jane.Doe+jobs@GMail.com", "janedoe@gmail.com"),
        ("jane.doe@googlemail.com", "janedoe@gmail.com"),
        ("dev+tag@outlook.com", "dev@outlook.com"),
        ("dev.one+x@proton.me", "dev.one@proton.me"),
        ("bob-alias@yahoo.com", "bob@yahoo.com"),
        ("first.last+x@company.example", "first.last+x@company.example"),
    ],
)
def test_email_provider_rules(text: str, canonical: str) -> None:
    assert normalize_email(text) == (canonical, None)


def test_email_invalid_has_a_reason() -> None:
    canonical, problem = normalize_email("not-an-email")
    assert canonical is None
    assert problem


def test_phone_e164_region_and_voip() -> None:
    phone, _ = normalize_phone("(201) 555-0123", "us")
    assert phone is not None
    assert phone.e164 == "+12015550123"
    assert phone.region == "us"
    voip, _ = normalize_phone("+44 56 1234 5678")
    assert voip is not None
    assert voip.voip
    assert voip.region == "gb"
    mobile, _ = normalize_phone("+44 7400 123456")
    assert mobile is not None
    assert not mobile.voip
    bad, problem = normalize_phone("12")
    assert bad is None
    assert problem


def test_postal_addresses_meet() -> None:
    assert normalize_postal("Apt 4, 12 Main St.") == normalize_postal("12 Main Street #4")
    assert normalize_postal("12 Main Street, Unit 4") == "12 main street #4"
    assert normalize_postal("12 Main St") != normalize_postal("14 Main St")


def test_ip_ranges(tmp_path: Path) -> None:
    path = tmp_path / "ranges.csv"
    path.write_text(
        "range,provider,kind,country\n198.18.0.0/24,Astrill VPN,vpn,\n"
        "2001:db8::/32,V6 host,hosting,nl\n",
        encoding="utf-8",
    )
    ranges = IpRanges.load(path)
    hit = ranges.lookup("198.18.0.77")
    assert hit is not None
    assert hit.provider == "Astrill VPN"
    assert hit.line == 2
    v6 = ranges.lookup("2001:db8::1")
    assert v6 is not None
    assert v6.country == "nl"
    assert ranges.lookup("198.18.1.1") is None
    assert parse_ip("198.18.0.1@2025-01-01T10:00:00Z") == ("198.18.0.1", None)
    assert parse_ip("nope")[0] is None


def test_ip_ranges_bad_rows_are_errors_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "ranges.csv"
    path.write_text("range,provider\n10.0.0.0/8,x\nnot-a-range,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3"):
        IpRanges.load(path)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("cidr\n10.0.0.0/8\n", encoding="utf-8")
    with pytest.raises(InputError, match="'range' column"):
        IpRanges.load(wrong)


def test_payout_accounts() -> None:
    assert normalize_payout("iban:DE89 3704 0044 0532 0130 00") == (
        "iban:DE89370400440532013000",
        "de",
        None,
    )
    key, _, problem = normalize_payout("iban:DE00 0000")
    assert key is None
    assert problem is not None
    assert "IBAN" in problem
    assert normalize_payout("PayPal:Jane.Doe@gmail.com")[0] == "paypal:janedoe@gmail.com"
    assert normalize_payout("bank:12-34 56")[0] == "bank:123456"
    assert normalize_payout("no-kind")[0] is None


def test_wallets_use_the_foundation_validation() -> None:
    key, chain, _ = normalize_wallet("ethereum:0x52908400098527886E0F7030069857D2E4169EE7")
    assert key == "evm:0x52908400098527886e0f7030069857d2e4169ee7"
    assert chain == "ethereum"
    bare, _, _ = normalize_wallet("0x52908400098527886e0f7030069857d2e4169ee7")
    assert bare == key  # the same EVM address written bare meets the chain-qualified one
    bad, _, problem = normalize_wallet("ethereum:0x52908400098527886E0F7030069857D2E4169Ee7")
    assert bad is None
    assert problem
    assert "checksum" in problem.lower()
    assert normalize_wallet("dogecoin:xyz")[0] is None


def test_photo_hash_and_reencoded_copy(tmp_path: Path) -> None:
    from PIL import Image

    image = Image.new("RGB", (96, 96))
    for x in range(96):
        for y in range(96):
            image.putpixel((x, y), ((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256))
    image.save(tmp_path / "a.png")
    image.resize((80, 80)).save(tmp_path / "b.jpg", quality=60)
    first, second = (int(photo_hash_of(tmp_path / n), 16) for n in ("a.png", "b.jpg"))
    assert (first ^ second).bit_count() <= 8
    (tmp_path / "fake.jpg").write_text("this is not an image", encoding="utf-8")
    with pytest.raises(InputError, match="not an image"):
        photo_hash_of(tmp_path / "fake.jpg")


def test_minhash_signatures_equal_datasketch() -> None:
    texts = ["built the zenlum platform with react and rust for many users today", "a b c d", "x"]
    arrays = [shingle_hashes(t) for t in texts]
    assert len(arrays[1]) == 3  # word bigrams
    signatures = minhash_signatures(arrays, num_perm=128)
    for items, row in zip(arrays, signatures, strict=True):
        reference = MinHash(128, hashfunc=int)
        reference.update_batch(items.tolist())
        assert np.array_equal(reference.hashvalues, row)


def test_bigram_hashes_meet_for_the_same_words() -> None:
    same = shingle_hashes("Senior Engineer, built APIs")
    assert np.array_equal(same, shingle_hashes("senior engineer built apis"))
    assert len(np.intersect1d(same, shingle_hashes("senior engineer built bots"))) == 2


def test_utc_offsets() -> None:
    assert utc_offset_hours("UTC+8") == 8
    assert utc_offset_hours("+09:00") == 9
    assert utc_offset_hours("Asia/Tokyo") == 9
    assert utc_offset_hours("Mars/Base") is None
