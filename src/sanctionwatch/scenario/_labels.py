"""GraphSense TagPacks for the scenario: services, some deposit addresses, the incident.

Coverage is deliberately partial, as in real label sets: every service hot wallet and
contract is labelled, only some exchange deposit addresses are, the theft address and about
half of the first-hop addresses carry an investigator's label, and the frozen USDT address
is on the issuer's blacklist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import yaml

from sanctionwatch.scenario._book import Book
from sanctionwatch.scenario._model import MIXER_DENOMS_WEI
from sanctionwatch.scenario._registry import BtcRegistry, EthRegistry, TronRegistry
from sanctionwatch.scenario._services import Services, mixer_label

SOURCE = "https://example.org/sanctionwatch-scenario"
LASTMOD = dt.date(2025, 4, 30)
CREATOR = "sanctionwatch scenario generator"
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _pack(
    title: str, description: str, confidence: str, tags: list[dict[str, Any]], **common: Any
) -> tuple[str, int]:
    doc: dict[str, Any] = {
        "title": title,
        "creator": CREATOR,
        "description": description,
        "lastmod": LASTMOD,
        "source": SOURCE,
        "confidence": confidence,
        "is_public": True,
        **common,
        "tags": tags,
    }
    text: str = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text, len(tags)


def _tag(address: str, currency: str, label: str, category: str, **extra: Any) -> dict[str, Any]:
    return {"address": address, "currency": currency, "label": label, "category": category, **extra}


def service_tags(svc: Services) -> list[dict[str, Any]]:
    """Tags of every service address (hot wallets, contracts, vaults, desks)."""
    t: list[dict[str, Any]] = []
    for ex in svc.exchanges:
        for a in ex.eth_hot:
            t.append(_tag(a, "ETH", f"{ex.name} hot wallet", "exchange", actor=ex.slug))
        for a in ex.btc_hot:
            t.append(_tag(a, "BTC", f"{ex.name} hot wallet", "exchange", actor=ex.slug))
        for a in ex.tron_hot:
            t.append(_tag(a, "TRX", f"{ex.name} hot wallet", "exchange", actor=ex.slug))
    v = svc.exchanges[0]
    t.append(_tag(svc.victim_cold, "ETH", f"{v.name} cold wallet", "exchange", actor=v.slug))
    t.append(_tag(svc.dex_router, "ETH", f"{svc.dex_name} router", "dex", actor="swapchain"))
    for sym, a in svc.dex_pools.items():
        t.append(_tag(a, "ETH", f"{svc.dex_name} {sym}/WETH pool", "dex", actor="swapchain"))
    t.append(
        _tag(
            svc.thor_router,
            "ETH",
            f"{svc.thor_name} router (THORChain-like)",
            "bridge",
            actor="thorchain",
        )
    )
    t.append(
        _tag(svc.thor_eth_vault, "ETH", f"{svc.thor_name} ETH vault", "bridge", actor="thorchain")
    )
    t.append(
        _tag(svc.thor_btc_vault, "BTC", f"{svc.thor_name} BTC vault", "bridge", actor="thorchain")
    )
    t.append(
        _tag(
            svc.exch_eth,
            "ETH",
            f"{svc.exch_name} instant exchanger (eXch-like)",
            "exchange",
            actor="exch-like",
        )
    )
    t.append(
        _tag(
            svc.exch_btc,
            "BTC",
            f"{svc.exch_name} instant exchanger hot wallet",
            "exchange",
            actor="exch-like",
        )
    )
    t.append(
        _tag(
            svc.bridge_eth,
            "ETH",
            f"{svc.bridge_name} (ETH to USDT-TRC20)",
            "bridge",
            actor="stablehop",
        )
    )
    t.append(
        _tag(
            svc.bridge_tron,
            "TRX",
            f"{svc.bridge_name} TRON payout wallet",
            "bridge",
            actor="stablehop",
        )
    )
    for d in MIXER_DENOMS_WEI:
        t.append(_tag(svc.mixer_pools[d], "ETH", mixer_label(d), "mixing_service", actor="mixpool"))
    for a in svc.relayers:
        t.append(_tag(a, "ETH", f"{svc.mixer_name} relayer", "service", actor="mixpool"))
    for name, a in svc.otc_desks:
        t.append(_tag(a, "TRX", name, "otc_broker"))
    t.append(
        _tag(
            svc.issuer_tron,
            "USDT",
            "StableIssuer treasury (USDT-TRC20 issuer)",
            "service",
            actor="stableissuer",
        )
    )
    return t


def deposit_tags(
    rng: np.random.Generator,
    svc: Services,
    book: Book,
    eth: EthRegistry,
    btc: BtcRegistry,
    tron: TronRegistry,
) -> list[dict[str, Any]]:
    """Some (not all) exchange deposit addresses, background and laundering alike."""
    t: list[dict[str, Any]] = []
    names = [e.name for e in svc.exchanges]
    tron_ex = svc.tron_exchanges

    def pick(n: int) -> list[int]:
        k = min(n, max(1, n // 4), 2_000)
        return sorted(rng.choice(n, size=k, replace=False).tolist()) if n else []

    for i in pick(eth.deposits):
        t.append(
            _tag(
                eth.address(eth.dep_base + i),
                "ETH",
                f"{names[int(eth.dep_exchange[i])]} deposit address",
                "exchange",
            )
        )
    for i in pick(btc.deposits):
        t.append(
            _tag(
                btc.pool_address(btc.dep_base + i),
                "BTC",
                f"{names[int(btc.dep_exchange[i])]} deposit address",
                "exchange",
            )
        )
    for i in pick(tron.deposits):
        ex = tron_ex[int(tron.dep_exchange[i]) % len(tron_ex)]
        t.append(
            _tag(
                tron.text[tron.dep_base + i].as_py(),
                "TRX",
                f"{names[ex]} deposit address",
                "exchange",
            )
        )
    cur = {"ethereum": "ETH", "bitcoin": "BTC", "tron": "TRX"}
    for (chain, addr), info in book.info.items():
        if info.stage == "exchange_deposit" and info.label and rng.random() < 0.4:
            t.append(_tag(addr, cur[chain], info.label, "exchange"))
    return t


def incident_tags(
    rng: np.random.Generator, book: Book, theft: dict[str, Any]
) -> list[dict[str, Any]]:
    """The theft address, the exploiter, and about half of the first-hop addresses."""
    common = {"abuse": "service_hack", "actor": "lazarus"}
    t = [
        _tag(theft["address"], "ETH", "ExampleEx hack 2025: theft address", "hacker", **common),
        _tag(theft["exploiter"], "ETH", "ExampleEx hack 2025: exploiter", "hacker", **common),
    ]
    n = 0
    for (chain, addr), info in book.info.items():
        first_hop = chain == "ethereum" and info.hop == 1
        if first_hop and info.stage in ("split", "dex_swap", "dormant") and rng.random() < 0.5:
            n += 1
            t.append(_tag(addr, "ETH", f"ExampleEx hack 2025: laundering {n}", "hacker", **common))
    return t


def write_tagpacks(
    rng: np.random.Generator,
    svc: Services,
    book: Book,
    theft: dict[str, Any],
    frozen: list[dict[str, Any]],
    eth: EthRegistry,
    btc: BtcRegistry,
    tron: TronRegistry,
) -> dict[str, tuple[str, int]]:
    """File name -> (YAML text, number of tags) of each TagPack."""
    packs = {
        "labels/scenario_services.yaml": _pack(
            "sanctionwatch scenario: services",
            "Hot wallets, contracts, vaults and desks of the fictional services in the "
            "synthetic laundering scenario.",
            "service_data",
            service_tags(svc),
        ),
        "labels/scenario_deposits.yaml": _pack(
            "sanctionwatch scenario: exchange deposit addresses",
            "Some exchange deposit addresses (partial coverage, as in real label sets).",
            "heuristic",
            deposit_tags(rng, svc, book, eth, btc, tron),
        ),
        "labels/scenario_incident.yaml": _pack(
            "sanctionwatch scenario: ExampleEx hack (February 2025)",
            "Investigators' attribution of the synthetic ExampleEx theft.",
            "forensic_investigation",
            incident_tags(rng, book, theft),
        ),
        "labels/scenario_blacklist.yaml": _pack(
            "sanctionwatch scenario: USDT-TRC20 blacklist",
            "Addresses the (fictional) stablecoin issuer froze.",
            "authority_data",
            [
                _tag(
                    f["address"],
                    "TRX",
                    "USDT-TRC20 blacklisted (frozen by issuer)",
                    "black_list",
                    context=f'{{"transaction": "{f["tx"]}", "token": "USDT"}}',
                )
                for f in frozen
            ],
        ),
    }
    return packs
