"""IT-worker indicators: small pure functions with a weight, a catalogue id and a source.

Three levels:

- **record** indicators look at one prepared record: ``check(p, ctx) -> evidence | None``;
- **shared** indicators weigh a value that several records of a network share (a shipping
  address, a payout account, a near-duplicate résumé): ``weight(n_records)``;
- **pattern** indicators: a record indicator that fires on at least two members and at
  least half of a network counts once more at network level (a consistent pattern).

The one-line docstring of each check is its user documentation (``docs/itw.md`` lists them).
Catalogue ids refer to ``../shared/data/itw/indicators/itw_indicator_catalogue.csv``.
No indicator looks at ethnicity, nationality or a name's origin: country fields are only
compared with each other (claimed vs phone vs payout vs IP), never scored by which country.
Scores combine as a noisy-OR: ``100 * (1 - prod(1 - weight))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.itw.normalize import IpRange, IpRanges, Phone, utc_offset_hours

Evidence = dict[str, Any]


@dataclass(slots=True)
class Prepared:
    """A record's normalised values (``scan.prepare``) — what indicators and linkage read."""

    index: int
    record_id: str
    emails: list[str] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    shipping: list[str] = field(default_factory=list)
    home: list[str] = field(default_factory=list)
    payouts: list[tuple[str, str | None]] = field(default_factory=list)
    wallets: list[tuple[str, str]] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    device_ids: list[str] = field(default_factory=list)
    device_names: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    ip_hits: list[tuple[str, IpRange]] = field(default_factory=list)
    photo: int | None = None
    photo_bits: int = 64
    resume: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros(0, np.uint32))
    #: activity times, seconds since the epoch (UTC)
    times: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    country: str | None = None
    timezone: str | None = None
    created: datetime | None = None
    name_key: str = ""
    birth_date: str | None = None
    referred_by: str | None = None
    repositories: frozenset[str] = frozenset()
    follows: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Context:
    """What record indicators may consult besides the record."""

    ip_ranges: IpRanges | None = None


#: Extra weight of a shared value per holder beyond three (at most three steps).
MANY_STEP = 0.05


@dataclass(slots=True, frozen=True)
class Indicator:
    name: str
    catalogue: str
    weight: float
    source: str
    level: str
    doc: str
    check: Callable[[Prepared, Context], Evidence | None] | None = None
    weight_many: float | None = None
    pattern: bool = True
    many_step: float = MANY_STEP

    def weight_for(self, n_records: int) -> float:
        """Weight of a shared value held by ``n_records``: ``weight`` for 2, ``weight_many``
        for 3, then ``many_step`` (0.05; 0 for declared addresses) per further holder, at
        most three steps (6 holders or more)."""
        if self.weight_many is not None and n_records >= 3:
            return round(self.weight_many + self.many_step * min(n_records - 3, 3), 4)
        return self.weight

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.name,
            "catalogue_id": self.catalogue,
            "weight": self.weight,
            "weight_3_or_more": self.weight_many,
            "level": self.level,
            "source": self.source,
            "doc": self.doc,
        }


# -- record indicators ------------------------------------------------------------------
def voip_phone(p: Prepared, ctx: Context) -> Evidence | None:
    """A phone number whose line type is VoIP (phonenumbers metadata)."""
    voip = [ph.e164 for ph in p.phones if ph.voip]
    return {"phones": voip} if voip else None


def vpn_or_hosting_ip(p: Prepared, ctx: Context) -> Evidence | None:
    """A login IP inside a user-supplied VPN / hosting / proxy range (e.g. Astrill exits)."""
    if not p.ip_hits:
        return None
    return {
        "ips": [
            {"ip": ip, "provider": r.provider, "kind": r.kind, "ranges_line": r.line}
            for ip, r in p.ip_hits
        ]
    }


def country_mismatch(p: Prepared, ctx: Context) -> Evidence | None:
    """Claimed country disagrees with the phone, payout-account or IP-range country."""
    if p.country is None:
        return None
    others: dict[str, list[str]] = {}
    for ph in p.phones:
        if ph.region and ph.region != p.country and not ph.voip:
            others.setdefault("phone", []).append(f"{ph.e164} ({ph.region.upper()})")
    for key, country in p.payouts:
        if country and country != p.country:
            others.setdefault("payout", []).append(f"{key} ({country.upper()})")
    for ip, r in p.ip_hits:
        if r.country and r.country != p.country:
            others.setdefault("ip", []).append(f"{ip} ({r.country.upper()})")
    if not others:
        return None
    return {"claimed_country": p.country.upper(), "disagreeing": others}


#: A working day at UTC+8/+9 (09:00-19:00 local) is 00:00-11:00 UTC.
_ASIA_END_HOUR_UTC = 11
MIN_ACTIVITY = 8
ASIA_HOURS_SHARE = 0.75


LOCAL_HOURS_SHARE = 0.5


def utc8_9_working_hours(p: Prepared, ctx: Context) -> Evidence | None:
    """75%+ of 8+ activity times in UTC+8/+9 office hours, under half in the claimed zone's."""
    if len(p.times) < MIN_ACTIVITY:
        return None
    hours = (p.times % 86_400) / 3600.0
    share = float(np.mean(hours < _ASIA_END_HOUR_UTC))
    if share < ASIA_HOURS_SHARE:
        return None
    offset = utc_offset_hours(p.timezone) if p.timezone else None
    local_share = None
    if offset is not None:
        local = (hours + offset) % 24
        local_share = float(np.mean((local >= 8) & (local < 19)))
        if local_share >= LOCAL_HOURS_SHARE:
            return None
    return {
        "activity_times": len(p.times),
        "share_in_00_11_utc": round(share, 3),
        "claimed_timezone": p.timezone,
        "claimed_offset_hours": offset,
        "share_in_claimed_office_hours": None if local_share is None else round(local_share, 3),
    }


_RMM = (
    "anydesk",
    "teamviewer",
    "chrome remote desktop",
    "rustdesk",
    "splashtop",
    "remote desktop",
    "mstsc",
    "rdp",
    "vnc",
    "parsec",
)
_KVM = ("pikvm", "tinypilot", "jetkvm", "blikvm", "ip-kvm", "ip kvm", "kvm over ip")


def remote_access_tool(p: Prepared, ctx: Context) -> Evidence | None:
    """Remote-access / RMM software on the device list (AnyDesk, TeamViewer, RDP, ...)."""
    found = [d for d in p.device_names if any(t in d for t in _RMM)]
    return {"devices": found} if found else None


def ip_kvm_hardware(p: Prepared, ctx: Context) -> Evidence | None:
    """IP-KVM hardware attached (PiKVM, TinyPilot, JetKVM)."""
    found = [d for d in p.device_names if any(t in d for t in _KVM)]
    return {"devices": found} if found else None


def crypto_only_payout(p: Prepared, ctx: Context) -> Evidence | None:
    """Paid only into crypto wallets (stablecoins), no bank or payment-platform account."""
    if p.wallets and not p.payouts:
        return {"wallets": [w for w, _ in p.wallets]}
    return None


def shipping_not_declared(p: Prepared, ctx: Context) -> Evidence | None:
    """Laptop shipping address is none of the record's declared addresses."""
    if not p.shipping or not p.home:
        return None
    other = [s for s in p.shipping if s not in p.home]
    return {"shipping": other, "declared": p.home} if other else None


YOUNG_ACCOUNT_DAYS = 180


def young_account_copied_history(p: Prepared, ctx: Context) -> Evidence | None:
    """Activity dated before the account existed (copied history) or account < 180 days old."""
    if p.created is None or not len(p.times):
        return None
    created = int(p.created.timestamp())
    before = int(np.count_nonzero(p.times < created - 30 * 86_400))
    age = (int(p.times.max()) - created) // 86_400
    if before:
        return {
            "account_created_at": p.created.isoformat(),
            "activity_before_creation": before,
        }
    if age < YOUNG_ACCOUNT_DAYS:
        return {"account_created_at": p.created.isoformat(), "age_days_at_last_activity": age}
    return None


def _doc(check: Callable[..., Any]) -> str:
    return (check.__doc__ or "").strip().splitlines()[0]


def _record(
    check: Callable[[Prepared, Context], Evidence | None],
    catalogue: str,
    weight: float,
    source: str,
    pattern: bool = True,
) -> Indicator:
    return Indicator(
        check.__name__, catalogue, weight, source, "record", _doc(check), check, None, pattern
    )


RECORD_INDICATORS: tuple[Indicator, ...] = (
    _record(voip_phone, "I07", 0.10, "FBI/State/Treasury advisory May 2022 (contact details)"),
    _record(vpn_or_hosting_ip, "I18", 0.15, "LevelBlue case (Astrill); advisory May 2022"),
    _record(country_mismatch, "I06", 0.15, "SEAL DPRK IT-worker TTPs"),
    _record(utc8_9_working_hours, "I20", 0.15, "SEAL TTPs; advisory May 2022"),
    _record(remote_access_tool, "I16", 0.15, "advisory May 2022; FBI PSA 240516/250123"),
    _record(ip_kvm_hardware, "I17", 0.35, "Mandiant UNC5267; Microsoft Jasper Sleet"),
    _record(crypto_only_payout, "I13", 0.05, "advisory May 2022; SEAL"),
    # not a network pattern: a shared undeclared address is already shared_shipping_address
    _record(shipping_not_declared, "I10", 0.10, "advisory May 2022; FBI PSA 240516", False),
    _record(young_account_copied_history, "I04", 0.15, "SEAL TTPs; gh-fake-analyzer"),
)


# -- shared values ------------------------------------------------------------------------
def _shared(
    name: str,
    catalogue: str,
    weight: float,
    many: float,
    source: str,
    doc: str,
    many_step: float = MANY_STEP,
) -> Indicator:
    return Indicator(name, catalogue, weight, source, "shared", doc, None, many, True, many_step)


#: Shared-value kind -> indicator. Hard kinds join records into networks; soft kinds
#: (similar photo, near-duplicate résumé, similar name + birth date, copied repositories,
#: follows) are pairwise similarities above a documented threshold.
SHARED_INDICATORS: dict[str, Indicator] = {
    "laptop_farm": _shared(
        "shared_shipping_address",
        "I11",
        0.30,
        0.45,
        "Chapman case; DOJ June 2025 laptop-farm actions",
        "Laptops of several hires shipped to one address most of them do not declare.",
        0.0,
    ),
    "shared_declared_address": _shared(
        "shared_declared_address",
        "I11",
        0.05,
        0.10,
        "Chapman case (shared-housing caveat)",
        "Shipping address shared, but it is each sharer's declared home or office address.",
        0.0,
    ),
    "payout": _shared(
        "shared_payout_account",
        "I12",
        0.25,
        0.55,
        "advisory May 2022 (shared PayPal)",
        "One PayPal / Payoneer / Wise / bank account paid several workers.",
    ),
    "wallet": _shared(
        "shared_payout_wallet",
        "I12",
        0.35,
        0.55,
        "tayvano (shared payroll address)",
        "One crypto payout wallet used by several workers.",
    ),
    "photo": _shared(
        "reused_photo",
        "I01",
        0.35,
        0.50,
        "SEAL TTPs; FBI PSA 231018",
        "The same or a near-identical profile photo (pHash) on several identities.",
    ),
    "resume": _shared(
        "reused_resume",
        "I02",
        0.30,
        0.45,
        "advisory May 2022 (templates across accounts)",
        "Near-duplicate résumé / bid text (MinHash over word bigrams) on several identities.",
    ),
    "email": _shared(
        "shared_email",
        "I07",
        0.35,
        0.50,
        "advisory May 2022 (contact details)",
        "One e-mail address (provider rules applied) on several identities.",
    ),
    "phone": _shared(
        "shared_phone",
        "I07",
        0.20,
        0.45,
        "advisory May 2022 (contact details)",
        "One phone number (E.164) on several identities.",
    ),
    "device": _shared(
        "shared_device",
        "I11",
        0.40,
        0.55,
        "Chapman case (laptop farms)",
        "One device id (serial / MAC / asset tag) on several identities.",
    ),
    "handle": _shared(
        "shared_handle",
        "I05",
        0.30,
        0.45,
        "gh-fake-analyzer; tayvano",
        "One online handle (GitHub, Telegram, ...) on several identities.",
    ),
    "name_birth": _shared(
        "similar_name_same_birth_date",
        "I03",
        0.20,
        0.30,
        "FBI PSA 231018; SEAL",
        "Similar names with the same birth date on different records (re-applications).",
    ),
    "repositories": _shared(
        "copied_repositories",
        "I04",
        0.30,
        0.40,
        "gh-fake-analyzer; SEAL TTPs",
        "Largely the same repository names on several accounts (copied history).",
    ),
    "follows": _shared(
        "follow_ring",
        "I24",
        0.10,
        0.20,
        "gh-fake-analyzer; SEAL TTPs",
        "Accounts that follow each other (a ring of linked accounts).",
    ),
}

REFERRAL = Indicator(
    "referred_by_flagged",
    "I24",
    0.30,
    "SEAL TTPs",
    "record",
    "Referred by a record that is itself flagged.",
)
SANCTIONED_NAME = Indicator(
    "sanctioned_name_match",
    "I25",
    0.60,
    "OFAC/UN lists in the store (sanctions screening)",
    "record",
    "Full name or client matches a listed person or front company (name screening).",
)
EXPOSED_WALLET = Indicator(
    "wallet_exposed_to_sanctioned",
    "I14",
    0.60,
    "store labels + transfers (trace exposure)",
    "record",
    "Payout wallet within 3 transfers of sanctioned or theft-labelled addresses (exposure).",
)
STORE_INDICATORS: tuple[Indicator, ...] = (SANCTIONED_NAME, EXPOSED_WALLET)


def all_indicators() -> list[Indicator]:
    """Every indicator, for the docs and the JSON ``indicators`` section."""
    return [*RECORD_INDICATORS, *SHARED_INDICATORS.values(), REFERRAL, *STORE_INDICATORS]


def combine(weights: list[float]) -> float:
    """Noisy-OR of weights in [0, 1], as a 0-100 score."""
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - w
    return round(100.0 * (1.0 - remaining), 1)
