"""Normalisation of record values, with the libraries made for each kind.

- e-mail: ``email-validator`` (syntax, IDN) and provider rules: Gmail ignores dots and
  ``+tags`` in the local part, Outlook/Hotmail/Live, iCloud, Proton, Fastmail and Yahoo
  (``-`` suffix) ignore their tags; other domains keep the local part as written.
- phone: ``phonenumbers`` (E.164, region, line type; national numbers read in the claimed
  country).
- postal address: a documented rule set (``usaddress``/``libpostal`` need system libraries):
  lower case, punctuation removed, street-type and direction abbreviations expanded, the
  unit designator (``apt``, ``unit``, ``suite``, ``#``, ``flat``, ``room``) taken out and
  appended, so ``Apt 4, 12 Main St.`` and ``12 Main Street #4`` give ``12 main street #4``.
- IP: ``ipaddress``; optional ranges CSV (``range`` CIDR or ``start``/``end``, ``provider``,
  ``kind`` vpn|hosting|proxy, optional ``country``) looked up by binary search.
- payout account ``kind:value``: IBANs validated with ``python-stdnum`` (country from the
  IBAN), e-mail-like PayPal/Payoneer/Wise ids as e-mails, others upper-cased without blanks.
- wallet ``chain:address`` or bare: the foundation's per-chain validation
  (``chain.addresses``); the key is family-wide, so one EVM address on two chains is one.
- photo: ``imagehash`` perceptual hash (pHash, 64 bits) of an image, or a given hex hash.
"""

from __future__ import annotations

import bisect
import csv
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberType

from sanctionwatch.errors import InputError

_GMAIL = {"gmail.com", "googlemail.com"}
_PLUS_TAGS = {
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "fastmail.com",
}


#: Plain ASCII addresses (dot-atom local part, LDH domain labels, alphabetic TLD) that
#: email-validator would accept unchanged; everything else goes through it.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


@lru_cache(maxsize=200_000)
def normalize_email(text: str) -> tuple[str | None, str | None]:
    """(canonical address, None) or (None, reason); provider rules in the module docstring."""
    text = text.strip()
    if _PLAIN_EMAIL.fullmatch(text):  # the common case, without email-validator's full parse
        local, _, domain = text.lower().rpartition("@")
    else:
        from email_validator import EmailNotValidError, validate_email

        try:
            valid = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            return None, str(exc)
        local, domain = valid.local_part.lower(), valid.ascii_domain.lower()
    if domain in _GMAIL:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    elif domain in _PLUS_TAGS:
        local = local.split("+", 1)[0]
    elif domain.startswith("yahoo."):
        local = local.split("-", 1)[0]
    return f"{local}@{domain}", None


@dataclass(slots=True, frozen=True)
class Phone:
    e164: str
    region: str | None
    voip: bool


@lru_cache(maxsize=200_000)
def normalize_phone(text: str, region: str | None = None) -> tuple[Phone | None, str | None]:
    """(Phone, None) or (None, reason); national numbers are read in ``region``."""
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        return None, str(exc)
    if not phonenumbers.is_possible_number(number):
        return None, "not a possible phone number"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(number)
    found = phonenumbers.region_code_for_number(number)
    return Phone(e164, found.lower() if found else None, kind == PhoneNumberType.VOIP), None


_STREET = {
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "hwy": "highway",
    "pkwy": "parkway",
    "ter": "terrace",
    "cir": "circle",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
}
_UNIT = re.compile(
    r"(?:\b(?:apt|apartment|unit|suite|ste|flat|room|rm|no)\b\.?|#)\s*([a-z0-9-]+)",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^\w#]+")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=200_000)
def normalize_postal(text: str) -> str:
    """A comparison key for a postal address (rules in the module docstring)."""
    folded = _fold(text)
    units = _UNIT.findall(folded)
    rest = _UNIT.sub(" ", folded)
    tokens = [_STREET.get(t, t) for t in _NON_WORD.split(rest) if t]
    key = " ".join(tokens)
    if units:
        key += " #" + "/".join(u.strip("-") for u in units)
    return key


def email_domain(canonical: str) -> str:
    return canonical.rsplit("@", 1)[-1]


def parse_ip(text: str) -> tuple[str | None, str | None]:
    """(canonical IP, None) or (None, reason) for ``address`` or ``address@ISO-time``."""
    parsed, problem = parse_ip_address(text)
    return (None, problem) if parsed is None else (str(parsed), None)


def parse_ip_address(
    text: str,
) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address | None, str | None]:
    """The IP object of ``address`` or ``address@ISO-time``, or (None, reason)."""
    address = text.split("@", 1)[0].strip()
    try:
        return ipaddress.ip_address(address), None
    except ValueError:
        return None, f"{address!r} is not an IP address"


@dataclass(slots=True, frozen=True)
class IpRange:
    start: int
    end: int
    version: int
    provider: str
    kind: str
    country: str | None
    line: int


class IpRanges:
    """User-supplied VPN / hosting ranges, looked up by binary search per IP version."""

    def __init__(self, ranges: list[IpRange], source: str) -> None:
        self.source = source
        self._by_version: dict[int, tuple[list[int], list[IpRange]]] = {}
        for version in (4, 6):
            mine = sorted((r for r in ranges if r.version == version), key=lambda r: r.start)
            self._by_version[version] = ([r.start for r in mine], mine)
        self.count = len(ranges)

    def lookup(self, ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> IpRange | None:
        address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        starts, ranges = self._by_version[address.version]
        value = int(address)
        k = bisect.bisect_right(starts, value) - 1
        # ranges may nest or overlap: look back over the few that start before the IP
        for j in range(k, max(k - 8, -1), -1):
            if ranges[j].start <= value <= ranges[j].end:
                return ranges[j]
        return None

    @classmethod
    def load(cls, path: Path) -> IpRanges:
        """Read the ranges CSV; a malformed row is an error naming its line."""
        name = str(path)
        try:
            handle = path.open("r", encoding="utf-8", newline="")
        except OSError as exc:
            raise InputError(f"{name}: cannot be read ({exc.strerror}).") from None
        ranges: list[IpRange] = []
        bad: list[str] = []
        with handle:
            reader = csv.DictReader(handle)
            fields = set(reader.fieldnames or [])
            if "range" not in fields and not {"start", "end"} <= fields:
                raise InputError(
                    f"{name}: the VPN ranges CSV needs a 'range' column (CIDR) or "
                    f"'start' and 'end' columns."
                )
            for row in reader:
                line = reader.line_num
                try:
                    if row.get("range"):
                        net = ipaddress.ip_network(row["range"].strip(), strict=False)
                        start, end, version = (
                            int(net.network_address),
                            int(net.broadcast_address),
                            net.version,
                        )
                    else:
                        first = ipaddress.ip_address(row["start"].strip())
                        last = ipaddress.ip_address(row["end"].strip())
                        if first.version != last.version or int(last) < int(first):
                            raise ValueError("start and end do not make a range")
                        start, end, version = int(first), int(last), first.version
                except (ValueError, AttributeError) as exc:
                    bad.append(f"line {line}: {exc}")
                    continue
                country = (row.get("country") or "").strip().lower() or None
                ranges.append(
                    IpRange(
                        start,
                        end,
                        version,
                        (row.get("provider") or "").strip() or "unnamed",
                        (row.get("kind") or "vpn").strip().lower(),
                        country,
                        line,
                    )
                )
        if bad:
            shown = "; ".join(bad[:10])
            raise InputError(f"{name}: {len(bad)} malformed range row(s): {shown}.")
        return cls(ranges, name)


_BLANKS = re.compile(r"[\s-]+")


@lru_cache(maxsize=200_000)
def normalize_payout(text: str) -> tuple[str | None, str | None, str | None]:
    """(``kind:value`` key, country of the account if known, problem)."""
    kind, sep, value = text.partition(":")
    if not sep or not kind.strip() or not value.strip():
        return None, None, "not kind:value (e.g. paypal:name@example.com, iban:DE89...)"
    kind = kind.strip().lower()
    value = value.strip()
    if kind == "iban":
        from stdnum import iban
        from stdnum.exceptions import ValidationError

        try:
            compact = iban.validate(value)
        except ValidationError as exc:
            return None, None, f"invalid IBAN ({exc})"
        return f"iban:{compact}", compact[:2].lower(), None
    if "@" in value:
        email, _problem = normalize_email(value)
        if email is not None:
            return f"{kind}:{email}", None, None
    compact = _BLANKS.sub("", value).upper()
    return f"{kind}:{compact}", None, None


@lru_cache(maxsize=200_000)
def normalize_wallet(text: str) -> tuple[str | None, str | None, str | None]:
    """(family-wide key, chain name, problem) through ``chain.addresses``."""
    from sanctionwatch.chain.addresses import address_problem, guess_chains
    from sanctionwatch.chain.chains import CHAINS

    chain_name, sep, address = text.partition(":")
    if sep and chain_name.strip().lower() in CHAINS:
        chain = CHAINS[chain_name.strip().lower()]
        canonical, problem = address_problem(chain, address)
        if canonical is None:
            return None, None, f"not a valid {chain.name} address ({problem})"
        return f"{chain.family}:{canonical}", chain.name, None
    if sep and not text.strip().lower().startswith(("bitcoincash:", "bc1")):
        return None, None, f"unknown chain {chain_name!r}"
    chains = guess_chains(text.strip())
    if not chains:
        return None, None, "not a valid address on any supported chain"
    canonical, _ = address_problem(chains[0], text)
    return f"{chains[0].family}:{canonical}", chains[0].name, None


def photo_hash_of(path: Path) -> str:
    """The 64-bit perceptual hash (imagehash pHash) of an image file, as 16 hex digits."""
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return str(imagehash.phash(image))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        reason = "not an image" if isinstance(exc, UnidentifiedImageError) else str(exc)
        raise InputError(f"{path}: {reason}.") from None
    except Image.DecompressionBombError as exc:
        raise InputError(f"{path}: image too large ({exc}).") from None


def parse_photo_hash(text: str) -> int | None:
    """A hex perceptual hash as an int; None when not hex or longer than 256 bits."""
    cleaned = text.strip().lower().removeprefix("0x")
    if not cleaned or len(cleaned) > 64 or not re.fullmatch(r"[0-9a-f]+", cleaned):
        return None
    return int(cleaned, 16)


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def shingles(text: str, size: int = 2) -> set[str]:
    """Word n-grams (bigrams by default) of a text, folded to lower-case ASCII where possible."""
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[k : k + size]) for k in range(len(tokens) - size + 1)}


def name_key(name: str) -> str:
    """Folded name tokens in sorted order (``Kwon, Jason`` and ``Jason Kwon`` meet)."""
    return " ".join(sorted(words(name)))


@lru_cache(maxsize=10_000)
def clean_country(text: str) -> str | None:
    """ISO 3166-1 alpha-2 (lower case) of a country name or code, via followthemoney."""
    from followthemoney.types import registry

    code = registry.country.clean(text)
    return code.lower() if code else None


def parse_time(text: str) -> datetime | None:
    """An ISO timestamp in UTC (naive ones are taken as UTC); None when unreadable."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@lru_cache(maxsize=1_000)
def utc_offset_hours(zone: str, when: datetime | None = None) -> float | None:
    """UTC offset of an IANA zone (or ``UTC+8``/``+08:00`` style) in hours; None if unknown."""
    match = re.fullmatch(r"(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", zone.strip().lower())
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return sign * (int(match.group(2)) + int(match.group(3) or 0) / 60)
    if zone.strip().upper() in {"UTC", "GMT", "Z"}:
        return 0.0
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        info = ZoneInfo(zone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None
    offset = (when or datetime(2025, 1, 15, tzinfo=UTC)).astimezone(info).utcoffset()
    return None if offset is None else offset.total_seconds() / 3600
