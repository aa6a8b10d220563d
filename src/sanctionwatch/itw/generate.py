"""Applicant pools with ground truth: honest records, false-positive traps, DPRK-style networks.

Honest records have names and phone numbers from many countries, their own e-mail, payout
account, photo and résumé. Traps (each honest record lists the trap kinds it belongs to):

- ``colleagues``: 5-20 people of one firm, laptops shipped to the office, which most of them
  declare as an address; one e-mail domain;
- ``family``: 2-4 people at one home address (shipping there too); parents sometimes share a
  joint bank account or a landline;
- ``vpn_user``: logins from commercial VPN exits (the same ranges the DPRK personas use);
- ``night_shift``: activity at night in their own zone (which falls in UTC+8/+9 office hours
  for the Americas);
- ``expat``: claimed country differs from the phone's country;
- ``crypto_payee``: paid only in stablecoins;
- ``it_admin``: remote-access tools on their device list;
- ``stock_avatar``: the platform's default avatar (one photo hash for many people);
- ``resume_template``: a résumé written on a common template (shared boilerplate);
- ``referral``: referred by another honest record.

A DPRK-style network has 3-10 personas run by one team, sharing a random subset (at least
two kinds) of: a laptop-farm shipping address, payout accounts, a payout wallet, one photo
(re-encoded: a few pHash bits differ), one résumé (paraphrased), a phone, a recovery e-mail
and a KVM device id. Each persona also shows record-level signals at random (VPN exits,
UTC+8/+9 activity, VoIP numbers, a foreign payout account, RMM tools, IP-KVM, crypto-only
pay, referrals from another persona, a re-application under another spelling of the name).
Nothing depends on a persona's claimed nationality: DPRK personas claim the same countries
as honest applicants. Reproducible from ``seed``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberType

GENERATOR_VERSION = 1

#: (country, timezone, first names, surnames) — names only to make records look real.
LOCALES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "US",
        "America/New_York",
        (
            "James",
            "Mary",
            "Robert",
            "Linda",
            "Michael",
            "Emily",
            "David",
            "Sarah",
            "Kevin",
            "Laura",
        ),
        (
            "Smith",
            "Johnson",
            "Brown",
            "Miller",
            "Davis",
            "Wilson",
            "Moore",
            "Taylor",
            "Anderson",
            "Clark",
        ),
    ),
    (
        "US",
        "America/Los_Angeles",
        ("Daniel", "Jessica", "Chris", "Ashley", "Brian", "Megan", "Jason", "Nicole"),
        ("Garcia", "Martinez", "Lopez", "Young", "King", "Wright", "Hill", "Scott"),
    ),
    (
        "CA",
        "America/Toronto",
        ("Liam", "Olivia", "Noah", "Emma", "Ethan", "Chloe"),
        ("Tremblay", "Roy", "Gagnon", "Wong", "MacDonald", "Campbell"),
    ),
    (
        "GB",
        "Europe/London",
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Ava"),
        ("Jones", "Williams", "Evans", "Thomas", "Roberts", "Walker"),
    ),
    (
        "DE",
        "Europe/Berlin",
        ("Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker"),
    ),
    (
        "PL",
        "Europe/Warsaw",
        ("Jakub", "Zuzanna", "Kacper", "Julia", "Szymon", "Maja"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski"),
    ),
    (
        "UA",
        "Europe/Kyiv",
        ("Oleksandr", "Anastasiia", "Dmytro", "Sofiia", "Andrii", "Iryna"),
        ("Shevchenko", "Bondarenko", "Kovalenko", "Tkachenko", "Kravchenko", "Oliinyk"),
    ),
    (
        "IN",
        "Asia/Kolkata",
        ("Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Sneha"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair"),
    ),
    (
        "NG",
        "Africa/Lagos",
        ("Chinedu", "Ngozi", "Emeka", "Aisha", "Tunde", "Funke"),
        ("Okafor", "Adeyemi", "Bello", "Eze", "Okonkwo", "Balogun"),
    ),
    (
        "BR",
        "America/Sao_Paulo",
        ("Lucas", "Ana", "Gabriel", "Beatriz", "Rafael", "Camila"),
        ("Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira"),
    ),
    (
        "JP",
        "Asia/Tokyo",
        ("Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
    ),
    (
        "KR",
        "Asia/Seoul",
        ("Minjun", "Seoyeon", "Jiho", "Jiwoo", "Hyunwoo", "Soyeon"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang"),
    ),
    (
        "PH",
        "Asia/Manila",
        ("Jose", "Maria", "Mark", "Angel", "John", "Grace"),
        ("Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza"),
    ),
    (
        "VN",
        "Asia/Ho_Chi_Minh",
        ("Minh", "Linh", "Huy", "Trang", "Nam", "Mai"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu"),
    ),
    (
        "FR",
        "Europe/Paris",
        ("Louis", "Léa", "Hugo", "Chloé", "Jules", "Manon"),
        ("Martin", "Bernard", "Dubois", "Durand", "Moreau", "Laurent"),
    ),
    (
        "AU",
        "Australia/Sydney",
        ("Jack", "Charlotte", "William", "Mia", "Thomas", "Grace"),
        ("Smith", "Jones", "Kelly", "Ryan", "Walsh", "Byrne"),
    ),
)
#: The countries DPRK personas claim (the same pool honest applicants come from).
PERSONA_COUNTRIES = ("US", "US", "CA", "GB", "JP", "PL", "UA", "AU")
IBAN_COUNTRIES = {"DE": 22, "FR": 27, "PL": 28, "UA": 29}
VOIP_REGIONS = ("GB", "CA", "AU", "JP", "FR")
STREETS = (
    "Main",
    "Oak",
    "Maple",
    "Cedar",
    "Park",
    "Lake",
    "Hill",
    "Pine",
    "Elm",
    "River",
    "Church",
    "Mill",
    "Station",
    "Forest",
    "Spring",
    "Sunset",
    "Ridge",
    "Valley",
)
CITIES = (
    "Springfield",
    "Riverton",
    "Fairview",
    "Georgetown",
    "Clinton",
    "Salem",
    "Madison",
    "Franklin",
    "Arlington",
    "Ashland",
    "Dover",
    "Milton",
    "Newport",
    "Oxford",
)
SKILLS = (
    "react",
    "typescript",
    "node",
    "solidity",
    "rust",
    "golang",
    "python",
    "django",
    "kubernetes",
    "aws",
    "postgres",
    "graphql",
    "web3",
    "ethers",
    "nextjs",
    "flutter",
    "java",
    "spring",
    "redis",
    "docker",
    "terraform",
    "vue",
    "angular",
    "kotlin",
    "swift",
    "defi",
    "nft",
    "smart",
    "contracts",
    "microservices",
    "ci",
    "testing",
    "security",
)
VERBS = (
    "built",
    "designed",
    "led",
    "shipped",
    "maintained",
    "migrated",
    "optimised",
    "automated",
    "scaled",
    "refactored",
    "launched",
    "integrated",
    "audited",
    "mentored",
)
NOUNS = (
    "platform",
    "dashboard",
    "exchange",
    "wallet",
    "marketplace",
    "api",
    "pipeline",
    "service",
    "protocol",
    "app",
    "backend",
    "frontend",
    "bridge",
    "indexer",
    "bot",
)
MAIL_DOMAINS = ("gmail.com", "outlook.com", "proton.me", "yahoo.com", "fastmail.com")
PACKAGES = ("sdk", "cli", "library", "plugin", "spec")
SYLLABLES = (
    "ka",
    "zen",
    "tor",
    "lum",
    "vex",
    "ria",
    "bo",
    "quin",
    "sol",
    "mar",
    "dex",
    "ny",
    "pra",
    "gil",
    "ox",
    "tra",
    "vel",
    "cor",
    "syn",
    "nov",
    "ar",
    "eko",
    "fi",
    "jun",
    "lux",
    "mo",
    "pix",
    "rho",
    "sta",
    "ul",
    "wyn",
    "xi",
    "yo",
    "zu",
    "bel",
    "cy",
)
TITLES = (
    "senior engineer",
    "full stack developer",
    "blockchain engineer",
    "backend developer",
    "frontend engineer",
    "software engineer",
    "lead developer",
    "staff engineer",
)
FIRMS = ("labs", "capital", "finance", "studio", "networks", "health", "games", "logistics")
AUDIENCES = ("users", "customers", "traders", "merchants", "players", "clients", "requests")
METRICS = ("latency", "costs", "errors", "build time", "churn", "downtime", "gas fees")
SYNONYMS = {
    "built": "developed",
    "designed": "architected",
    "led": "headed",
    "shipped": "delivered",
    "maintained": "supported",
    "platform": "system",
    "dashboard": "portal",
    "service": "module",
    "app": "application",
    "scaled": "grew",
    "experienced": "seasoned",
    "engineer": "developer",
    "years": "yrs",
    "team": "squad",
}
TEMPLATE = (
    "professional summary results driven engineer with a passion for clean code "
    "core competencies technical skills professional experience education and "
    "certifications references available upon request"
)
RMM = ("AnyDesk 8.0", "TeamViewer 15", "Chrome Remote Desktop", "RustDesk 1.2")
KVM = ("PiKVM v4 Plus", "TinyPilot Voyager 2a", "JetKVM")
SOFTWARE = (
    "Visual Studio Code",
    "Slack",
    "Zoom",
    "Google Chrome",
    "Firefox",
    "Docker Desktop",
    "Logitech MX Keys",
    "Dell U2720Q monitor",
    "Microsoft Teams",
    "1Password",
)
VPN_RANGES = (
    ("198.18.0.0/24", "Astrill VPN", "vpn", ""),
    ("198.18.1.0/24", "Astrill VPN", "vpn", ""),
    ("198.19.10.0/24", "NordVPN", "vpn", ""),
    ("203.0.113.0/24", "Example VPS host", "hosting", ""),
)
HONEST_TRAP_RATES = {
    "vpn_user": 0.08,
    "night_shift": 0.05,
    "expat": 0.06,
    "crypto_payee": 0.05,
    "it_admin": 0.05,
    "resume_template": 0.10,
    "referral": 0.08,
}
EPOCH = datetime(2025, 3, 1, tzinfo=UTC)


@dataclass(slots=True)
class Pool:
    records: list[dict[str, Any]]
    truth: dict[str, Any]
    vpn_ranges_csv: str


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0
        self.used: set[str] = set()

    def uid(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial:07d}"

    # -- values ------------------------------------------------------------------------
    def locale(
        self, country: str | None = None
    ) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
        options = [loc for loc in LOCALES if country is None or loc[0] == country]
        return self.rng.choice(options)

    def name(
        self, first: tuple[str, ...], last: tuple[str, ...], surname: str | None = None
    ) -> str:
        return f"{self.rng.choice(first)} {surname or self.rng.choice(last)}"

    def phone(self, region: str, kind: int = PhoneNumberType.MOBILE) -> str:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        assert example is not None
        digits = str(example.national_number)
        for attempt in range(60):
            width = len(digits) - 3 if attempt < 20 else 4 if attempt < 40 else 3
            tail = "".join(self.rng.choice("0123456789") for _ in range(width))
            candidate = digits[: len(digits) - len(tail)] + tail
            number = phonenumbers.parse(f"+{example.country_code}{candidate}", None)
            text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(number) and text not in self.used:
                self.used.add(text)
                return text
        if kind != PhoneNumberType.MOBILE:
            return self.phone(region)
        raise RuntimeError(f"no free {region} phone number")  # pragma: no cover

    def email(self, name: str, domain: str | None = None) -> str:
        base = "".join(c for c in name.lower() if c.isascii() and (c.isalnum() or c == " "))
        self.serial += 1
        local = base.replace(" ", self.rng.choice([".", "", "_"])) + str(self.serial)
        return f"{local}@{domain or self.rng.choice(MAIL_DOMAINS)}"

    def address(self, country: str) -> str:
        kind = self.rng.choice(["St", "Street", "Ave", "Rd", "Lane"])
        street = f"{self.rng.randint(1, 9999)} {self.rng.choice(STREETS)} {kind}"
        unit = f", Apt {self.rng.randint(1, 40)}" if self.rng.random() < 0.3 else ""
        return (
            f"{street}{unit}, {self.rng.choice(CITIES)} {self.rng.randint(10000, 99999)}, {country}"
        )

    def iban(self, country: str) -> str:
        from stdnum import iban

        length = IBAN_COUNTRIES[country]
        bban = "".join(self.rng.choice("0123456789") for _ in range(length - 4))
        check = iban.calc_check_digits(f"{country}00{bban}")
        return f"{country}{check}{bban}"

    def payout(self, country: str, name: str) -> str:
        if country in IBAN_COUNTRIES and self.rng.random() < 0.5:
            return f"iban:{self.iban(country)}"
        kind = self.rng.choice(["paypal", "payoneer", "wise"])
        return f"{kind}:{self.email(name)}"

    def wallet(self) -> str:
        from eth_utils.address import to_checksum_address

        raw = "0x" + "".join(self.rng.choice("0123456789abcdef") for _ in range(40))
        return f"ethereum:{to_checksum_address(raw)}"

    def photo(self) -> int:
        return self.rng.getrandbits(64)

    def reencode(self, photo: int) -> int:
        for _ in range(self.rng.randint(0, 4)):
            photo ^= 1 << self.rng.randrange(64)
        return photo

    def codename(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3)))

    def resume(self, years: int | None = None) -> str:
        rng = self.rng
        parts = [
            f"{rng.choice(TITLES)} with {years or rng.randint(3, 15)} years of experience "
            f"in {rng.choice(SKILLS)} and {rng.choice(SKILLS)}"
        ]
        for _ in range(rng.randint(6, 10)):
            skills = rng.sample(SKILLS, 3)
            template = rng.randrange(5)
            if template == 0:
                text = (
                    f"{rng.choice(VERBS)} the {self.codename()} {rng.choice(NOUNS)} "
                    f"using {skills[0]} {skills[1]} and {skills[2]}"
                )
            elif template == 1:
                text = (
                    f"at {self.codename()} {rng.choice(FIRMS)} {rng.choice(VERBS)} "
                    f"{rng.randint(2, 90)} {rng.choice(NOUNS)}s in {skills[0]}"
                )
            elif template == 2:
                text = (
                    f"{rng.choice(VERBS)} {skills[0]} {rng.choice(NOUNS)} for "
                    f"{rng.randint(2, 900)}k {rng.choice(AUDIENCES)} cutting "
                    f"{rng.choice(METRICS)} by {rng.randint(5, 80)} percent"
                )
            elif template == 3:
                text = (
                    f"{self.codename()} {rng.choice(NOUNS)} owner {skills[1]} "
                    f"{skills[2]} {rng.choice(METRICS)} {rng.choice(VERBS)}"
                )
            else:
                text = (
                    f"contributed to {self.codename()} {rng.choice(PACKAGES)} "
                    f"{rng.choice(VERBS)} {skills[0]} {rng.choice(NOUNS)} support"
                )
            parts.append(text)
        return ". ".join(parts)

    def paraphrase(self, text: str) -> str:
        sentences = text.split(". ")
        if len(sentences) > 3 and self.rng.random() < 0.5:
            sentences.pop(self.rng.randrange(1, len(sentences)))
        if self.rng.random() < 0.5:
            k = self.rng.randrange(1, len(sentences))
            sentences.insert(self.rng.randrange(1, len(sentences)), sentences.pop(k))
        out = []
        for sentence in sentences:
            words = [SYNONYMS.get(w, w) if self.rng.random() < 0.5 else w for w in sentence.split()]
            out.append(" ".join(words))
        return ". ".join(out)

    def times(self, offset_hours: float, night: bool = False, n: int | None = None) -> list[str]:
        """Activity in local office hours (or at night) of a zone ``offset_hours`` from UTC."""
        out = []
        for _ in range(n or self.rng.randint(10, 30)):
            day = EPOCH + timedelta(days=self.rng.randint(0, 120))
            local = (
                self.rng.choice([22, 23, 0, 1, 2, 3, 4, 5]) if night else self.rng.randint(9, 17)
            )
            moment = day + timedelta(hours=local - offset_hours, minutes=self.rng.randint(0, 59))
            out.append(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return out

    def ip(self) -> str:
        r = self.rng
        return f"{r.randint(11, 190)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def vpn_ip(self) -> str:
        net = self.rng.choice(["198.18.0", "198.18.1", "198.19.10", "203.0.113"])
        return f"{net}.{self.rng.randint(1, 254)}"

    def birth(self) -> str:
        return (datetime(1975, 1, 1) + timedelta(days=self.rng.randint(0, 9000))).strftime(
            "%Y-%m-%d"
        )


_OFFSETS = {
    "America/New_York": -5,
    "America/Los_Angeles": -8,
    "America/Toronto": -5,
    "Europe/London": 0,
    "Europe/Berlin": 1,
    "Europe/Warsaw": 1,
    "Europe/Kyiv": 2,
    "Asia/Kolkata": 5.5,
    "Africa/Lagos": 1,
    "America/Sao_Paulo": -3,
    "Asia/Tokyo": 9,
    "Asia/Seoul": 9,
    "Asia/Manila": 8,
    "Asia/Ho_Chi_Minh": 7,
    "Europe/Paris": 1,
    "Australia/Sydney": 11,
}


def _honest(g: _Gen, traps: set[str], country: str | None = None) -> dict[str, Any]:
    rng = g.rng
    country_, zone, first, last = g.locale(country)
    name = g.name(first, last)
    record: dict[str, Any] = {
        "record_id": g.uid("R"),
        "source": rng.choice(["ats", "freelance-platform", "contractor-portal"]),
        "full_name": name,
        "birth_date": g.birth(),
        "claimed_country": country_,
        "claimed_timezone": zone,
        "emails": [g.email(name)],
        "phones": [g.phone(country_)],
        "addresses": [g.address(country_)],
        "ip_addresses": [g.ip() for _ in range(rng.randint(1, 3))],
        "payout_accounts": [g.payout(country_, name)],
        "handles": [f"github:{name.split()[0].lower()}{g.uid('')}"],
        "photo_hash": f"{g.photo():016x}",
        "resume_text": g.resume(),
        "activity_times": g.times(_OFFSETS[zone]),
        "devices": rng.sample(SOFTWARE, 3),
        "client": rng.choice(["Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Hooli"]),
    }
    record["shipping_addresses"] = list(record["addresses"])
    for trap, rate in HONEST_TRAP_RATES.items():
        if rng.random() < rate:
            traps.add(trap)
    if "vpn_user" in traps:
        record["ip_addresses"] = [g.vpn_ip() for _ in range(rng.randint(1, 3))]
    if "night_shift" in traps:
        record["activity_times"] = g.times(_OFFSETS[zone], night=True)
    if "expat" in traps:
        other = rng.choice([loc[0] for loc in LOCALES if loc[0] != country_])
        record["phones"] = [g.phone(other)]
    if "crypto_payee" in traps:
        record["payout_accounts"] = []
        record["wallets"] = [g.wallet()]
    if "it_admin" in traps:
        record["devices"] = [*record["devices"], rng.choice(RMM)]
    if "resume_template" in traps:
        record["resume_text"] = TEMPLATE + ". " + g.resume()
    return record


def generate_pool(
    honest: int = 2_000, networks: int = 20, seed: int = 1, sparse: float = 0.0
) -> Pool:
    """``honest`` honest records (traps included) and ``networks`` DPRK-style networks.

    ``sparse`` is the share of networks made hard to find: one shared kind only, record-level
    signals at half the rate, no re-applications.
    """
    g = _Gen(seed)
    rng = g.rng
    records: list[dict[str, Any]] = []
    truth_records: dict[str, dict[str, Any]] = {}

    def add(record: dict[str, Any], truth: dict[str, Any]) -> None:
        records.append(record)
        truth_records[record["record_id"]] = truth

    made = 0
    # colleagues: one firm, laptops to the office, mostly declared
    while made < honest * 0.15:
        size = rng.randint(5, 20)
        firm = rng.choice(CITIES).lower() + rng.choice(["labs", "soft", "tech", "systems"])
        domain = f"{firm}{rng.randint(1, 999)}.com"
        country = rng.choice(LOCALES)[0]
        office = g.address(country)
        for _ in range(size):
            traps: set[str] = {"colleagues"}
            record = _honest(g, traps, country)
            record["emails"] = [g.email(record["full_name"], domain)]
            record["shipping_addresses"] = [office]
            if rng.random() < 0.85:
                record["addresses"] = [*record["addresses"], office]
            add(record, {"label": "honest", "traps": sorted(traps)})
            made += 1
    # families: one home, sometimes a joint account or landline for the parents
    while made < honest * 0.30:
        size = rng.randint(2, 4)
        country, _zone, _first, last = g.locale()
        home = g.address(country)
        surname = rng.choice(last)
        joint = g.payout(country, surname) if rng.random() < 0.3 else None
        landline = g.phone(country, PhoneNumberType.FIXED_LINE) if rng.random() < 0.15 else None
        for k in range(size):
            traps = {"family"}
            record = _honest(g, traps, country)
            record["full_name"] = f"{record['full_name'].split()[0]} {surname}"
            record["addresses"] = [home]
            record["shipping_addresses"] = [home]
            if k < 2 and joint:
                record["payout_accounts"] = [joint]
            if k < 2 and landline:
                record["phones"] = [*record["phones"], landline]
            add(record, {"label": "honest", "traps": sorted(traps)})
            made += 1
    # stock avatars: the platform's default picture
    avatar = f"{g.photo():016x}"
    avatar_users = max(30, honest // 50)
    while made < honest:
        traps = set()
        record = _honest(g, traps)
        if avatar_users > 0:
            record["photo_hash"] = avatar
            traps.add("stock_avatar")
            avatar_users -= 1
        add(record, {"label": "honest", "traps": sorted(traps)})
        made += 1
    honest_ids = [r["record_id"] for r in records]
    for record in records:
        if "referral" in truth_records[record["record_id"]]["traps"]:
            record["referred_by"] = rng.choice(honest_ids)

    truth_networks: dict[str, dict[str, Any]] = {}
    for n in range(networks):
        network_id = f"T{n + 1:03d}"
        members, kinds = _network(g, network_id, sparse > 0 and rng.random() < sparse)
        truth_networks[network_id] = {
            "record_ids": [m["record_id"] for m in members],
            "shared_kinds": kinds,
            "sparse": len(kinds) == 1,
        }
        for m in members:
            add(m, {"label": "dprk", "network": network_id})
    rng.shuffle(records)
    vpn_csv = "range,provider,kind,country\n" + "".join(
        f"{r},{p},{k},{c}\n" for r, p, k, c in VPN_RANGES
    )
    truth = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "honest": honest,
        "networks": truth_networks,
        "records": truth_records,
    }
    return Pool(records, truth, vpn_csv)


_RESOURCES = ("farm", "payout", "wallet", "photo", "resume", "phone", "email", "device")
_RESOURCE_P = (0.6, 0.55, 0.35, 0.4, 0.55, 0.15, 0.15, 0.15)


def _network(
    g: _Gen, network_id: str, sparse: bool = False
) -> tuple[list[dict[str, Any]], list[str]]:
    rng = g.rng
    size = rng.randint(3, 10)
    kinds = [k for k, p in zip(_RESOURCES, _RESOURCE_P, strict=True) if rng.random() < p]
    if sparse:
        kinds = [rng.choice(_RESOURCES)]
    while len(kinds) < (1 if sparse else 2):
        kind = rng.choice(_RESOURCES)
        if kind not in kinds:
            kinds.append(kind)
    farm_country = rng.choice(["US", "US", "CA", "GB"])
    farm = g.address(farm_country)
    accounts = [g.payout(farm_country, "team" + network_id) for _ in range(rng.randint(1, 2))]
    wallet = g.wallet()
    photo = g.photo()
    resume = g.resume(years=rng.randint(6, 12))
    phone = g.phone(rng.choice(VOIP_REGIONS), PhoneNumberType.VOIP)
    email = f"recovery.{network_id.lower()}{rng.randint(1, 999)}@proton.me"
    device = f"serial:KVM-{rng.randint(100000, 999999)}"
    members: list[dict[str, Any]] = []
    uses: list[set[str]] = []
    for _ in range(size):
        mine = {k for k in kinds if rng.random() < 0.75} or {rng.choice(kinds)}
        uses.append(mine)
    for kind in kinds:  # every chosen kind held by >= 2 personas
        holders = [u for u in uses if kind in u]
        while len(holders) < 2:
            pick = rng.choice(uses)
            pick.add(kind)
            holders = [u for u in uses if kind in u]
    for mine in uses:
        country = rng.choice(PERSONA_COUNTRIES)
        _c, zone, first, last = g.locale(country)
        name = g.name(first, last)
        record: dict[str, Any] = {
            "record_id": g.uid("R"),
            "source": rng.choice(["ats", "freelance-platform", "contractor-portal"]),
            "full_name": name,
            "birth_date": g.birth(),
            "claimed_country": country,
            "claimed_timezone": zone,
            "emails": [g.email(name)],
            "phones": [g.phone(country)],
            "addresses": [g.address(country)],
            "ip_addresses": [g.ip()],
            "payout_accounts": [g.payout(country, name)],
            "handles": [f"github:{name.split()[0].lower()}dev{g.uid('')}"],
            "photo_hash": f"{g.photo():016x}",
            "resume_text": g.resume(),
            "activity_times": g.times(_OFFSETS[zone]),
            "devices": rng.sample(SOFTWARE, 3),
            "client": rng.choice(["Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Hooli"]),
        }
        record["shipping_addresses"] = list(record["addresses"])
        if "farm" in mine:
            record["shipping_addresses"] = [farm]
            if rng.random() < 0.2:
                record["addresses"] = [farm]
        if "payout" in mine:
            record["payout_accounts"] = [rng.choice(accounts)]
        if "wallet" in mine:
            record["wallets"] = [wallet]
        if "photo" in mine:
            record["photo_hash"] = f"{g.reencode(photo):016x}"
        if "resume" in mine:
            record["resume_text"] = g.paraphrase(resume)
        if "phone" in mine:
            record["phones"] = [phone]
        if "email" in mine:
            record["emails"] = [*record["emails"], email]
        if "device" in mine:
            record["devices"] = [*record["devices"], device]
        # record-level signals (half as often in sparse networks)
        rate = 0.5 if sparse else 1.0
        if rng.random() < 0.5 * rate:
            record["ip_addresses"] = [g.vpn_ip() for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.6 * rate:
            record["activity_times"] = g.times(rng.choice([8, 9]))
        if rng.random() < 0.4 * rate and "phone" not in mine:
            record["phones"] = [g.phone(rng.choice(VOIP_REGIONS), PhoneNumberType.VOIP)]
        if rng.random() < 0.25 * rate:
            record["payout_accounts"] = [f"iban:{g.iban(rng.choice(['PL', 'UA', 'DE']))}"]
        if rng.random() < 0.3 * rate:
            record["devices"] = [*record["devices"], rng.choice(RMM)]
        if rng.random() < 0.15 * rate:
            record["devices"] = [*record["devices"], rng.choice(KVM)]
        if rng.random() < 0.2 * rate and "payout" not in mine:
            record["payout_accounts"] = []
            record.setdefault("wallets", [g.wallet()])
        if members and rng.random() < 0.3 * rate:
            record["referred_by"] = rng.choice(members)["record_id"]
        members.append(record)
        if not sparse and rng.random() < 0.15:  # re-application under another spelling
            again = dict(record)
            again["record_id"] = g.uid("R")
            first_name, _, surname = record["full_name"].partition(" ")
            again["full_name"] = f"{first_name[:-1] + first_name[-1] * 2} {surname}"
            again["photo_hash"] = f"{g.reencode(int(record['photo_hash'], 16)):016x}"
            again["emails"] = [g.email(again["full_name"])]
            members.append(again)
    return members, kinds
