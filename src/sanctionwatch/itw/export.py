"""Exports of a scan: a self-contained HTML view of flagged networks, FollowTheMoney entities.

HTML: one section per flagged network with an inline SVG drawing (records on an outer
circle, the shared values that join them on an inner circle, a line for each holder), the
network's flags with weights, sources and evidence, and its records' scores. No scripts,
no external resources: it opens offline.

FtM: for the records of flagged networks (or all records), ``Person`` (name, birth date,
e-mails, phones, address entities), ``UserAccount`` (handles and payment-platform
accounts, ``owner`` -> Person), ``CryptoWallet`` (``holder`` -> Person), ``Address``
(declared and shipping addresses), ``BankAccount`` with an ``Ownership`` link for IBAN /
bank payouts. Shared values become one entity linked to every holder, which is how the
network shows in Aleph or any FtM tool. Every entity is built through followthemoney's
model, so property values are cleaned and validated by it.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

from sanctionwatch.itw.records import Record

_KIND_COLOURS = {
    "payout": "#d62728",
    "wallet": "#9467bd",
    "email": "#1f77b4",
    "phone": "#17becf",
    "shipping": "#ff7f0e",
    "photo": "#8c564b",
    "photo_similar": "#8c564b",
    "resume": "#2ca02c",
    "device": "#e377c2",
    "handle": "#7f7f7f",
    "name_birth": "#bcbd22",
    "repositories": "#2ca02c",
    "follows": "#aaaaaa",
}


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _svg(network: dict[str, Any]) -> str:
    records = network["record_ids"]
    shared = network["shared"]
    size = 520
    centre = size / 2
    outer, inner = size / 2 - 70, size / 5
    pos: dict[str, tuple[float, float]] = {}
    for k, rid in enumerate(records):
        angle = 2 * math.pi * k / len(records)
        pos[rid] = (centre + outer * math.cos(angle), centre + outer * math.sin(angle))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img">'
    ]
    nodes = []
    for k, item in enumerate(shared):
        angle = 2 * math.pi * k / max(len(shared), 1) + 0.3
        radius = inner if len(shared) > 1 else 0
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        colour = _KIND_COLOURS.get(item["kind"], "#333333")
        for rid in item["record_ids"]:
            rx, ry = pos[rid]
            parts.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{rx:.1f}" y2="{ry:.1f}" '
                f'stroke="{colour}" stroke-opacity="0.6" stroke-width="1.5"/>'
            )
        label = f"{item['kind']}: {item['value']}"
        nodes.append(
            f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" fill="{colour}">'
            f"<title>{_esc(label)} ({len(item['record_ids'])} records)</title></rect>"
            f'<text x="{x + 9:.1f}" y="{y + 4:.1f}" font-size="10">{_esc(item["kind"])}</text>'
        )
    parts.extend(nodes)
    for rid, (x, y) in pos.items():
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#ffffff" stroke="#000"><title>'
            f"{_esc(rid)}</title></circle>"
            f'<text x="{x:.1f}" y="{y + 22:.1f}" font-size="10" text-anchor="middle">'
            f"{_esc(rid)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def to_html(result: dict[str, Any], title: str = "sanctionwatch: IT-worker networks") -> str:
    """A self-contained HTML page of the flagged networks of a scan (``ScanResult.to_dict``)."""
    scores = {r["record_id"]: r for r in result["records"]}
    flagged = [n for n in result["networks"] if n["flagged"]]
    summary = result["summary"]
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_esc(title)}</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
        "padding:3px 6px;font-size:13px;vertical-align:top}section{border-top:2px solid #444;"
        "margin-top:2em}code{font-size:12px;word-break:break-all}.legend span{margin-right:1em}",
        "</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f"<p>{summary['records']:,} records, {summary['networks']:,} networks, "
        f"<b>{summary['flagged_networks']:,} flagged</b> (threshold {summary['threshold']}), "
        f"{summary['flagged_records']:,} flagged records, {summary['rejected_rows']:,} "
        f"rejected rows. No single signal proves anything; every flag lists its evidence.</p>",
        "<p class='legend'>"
        + "".join(
            f"<span style='color:{c}'>&#9632; {_esc(k)}</span>" for k, c in _KIND_COLOURS.items()
        )
        + "</p>",
    ]
    if result.get("not_evaluated"):
        out.append(
            "<p>Not evaluated: "
            + "; ".join(
                f"{_esc(x['indicator'])} ({_esc(x['reason'])})" for x in result["not_evaluated"]
            )
            + "</p>"
        )
    for network in flagged:
        out.append(f"<section><h2>{_esc(network['network_id'])}: score {network['score']}, "
                   f"{len(network['record_ids'])} records</h2>")  # fmt: skip
        out.append(_svg(network))
        out.append("<h3>Flags</h3><table><tr><th>indicator</th><th>catalogue</th><th>weight</th>"
                   "<th>source</th><th>evidence</th></tr>")  # fmt: skip
        for flag in network["flags"]:
            out.append(
                f"<tr><td>{_esc(flag['indicator'])}</td><td>{_esc(flag['catalogue_id'])}</td>"
                f"<td>{flag['weight']}</td><td>{_esc(flag['source'])}</td>"
                f"<td><code>{_esc(_brief(flag['evidence']))}</code></td></tr>"
            )
        out.append("</table><h3>Shared values</h3><table><tr><th>kind</th><th>value</th>"
                   "<th>records</th><th>similarity</th></tr>")  # fmt: skip
        for item in network["shared"]:
            out.append(
                f"<tr><td>{_esc(item['kind'])}</td><td><code>{_esc(item['value'])}</code></td>"
                f"<td>{_esc(', '.join(item['record_ids']))}</td>"
                f"<td>{_esc(item.get('similarity', ''))}</td></tr>"
            )
        out.append("</table><h3>Records</h3><table><tr><th>record</th><th>score</th>"
                   "<th>flagged</th><th>indicators</th></tr>")  # fmt: skip
        for rid in network["record_ids"]:
            rec = scores[rid]
            names = ", ".join(f"{f['indicator']} ({f['weight']})" for f in rec["flags"])
            out.append(
                f"<tr><td>{_esc(rid)}</td><td>{rec['score']}</td><td>{rec['flagged']}</td>"
                f"<td>{_esc(names)}</td></tr>"
            )
        out.append("</table></section>")
    if not flagged:
        out.append("<p>No flagged network.</p>")
    out.append("</body></html>")
    return "\n".join(out)


def _brief(evidence: dict[str, Any]) -> str:
    import json

    text = json.dumps(evidence, ensure_ascii=False, default=str)
    return text if len(text) <= 1500 else text[:1500] + " …"


def _id(*parts: str) -> str:
    return "sw-itw-" + hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]  # noqa: S324 - an id, not security


def to_ftm(
    result: dict[str, Any], records: Sequence[Record], only_flagged: bool = True
) -> list[dict[str, Any]]:
    """FollowTheMoney entities (dicts) of the flagged networks' records (or of all records)."""
    from followthemoney import model

    from sanctionwatch.itw.normalize import normalize_payout, normalize_postal, normalize_wallet

    by_id = {r.record_id: r for r in records}
    scored = {r["record_id"]: r for r in result["records"]}
    if only_flagged:
        wanted = [rid for n in result["networks"] if n["flagged"] for rid in n["record_ids"]]
        wanted += [rid for rid, r in scored.items() if r["flagged"] and rid not in wanted]
    else:
        wanted = list(by_id)
    entities: dict[str, Any] = {}

    def entity(schema: str, key: str) -> Any:
        proxy = entities.get(key)
        if proxy is None:
            proxy = model.make_entity(schema)
            proxy.id = key
            entities[key] = proxy
        return proxy

    for rid in wanted:
        record = by_id.get(rid)
        if record is None:
            continue
        score = scored[rid]
        person = entity("Person", _id("person", rid))
        person.add("name", record.full_name or rid)
        person.add("alias", list(record.other_names))
        person.add("birthDate", record.birth_date)
        person.add("email", list(record.emails))
        person.add("phone", list(record.phones))
        person.add("sourceUrl", record.source if record.source and "://" in record.source else None)
        indicators = ", ".join(sorted({f["indicator"] for f in score["flags"]}))
        person.add(
            "description",
            f"sanctionwatch itw record {rid}: score {score['score']}, network "
            f"{score['network_id'] or '-'}; indicators: {indicators or 'none'}",
        )
        for text in (*record.addresses, *record.shipping_addresses):
            address = entity("Address", _id("address", normalize_postal(text)))
            address.add("full", text)
            person.add("addressEntity", address.id)
        for handle in record.handles:
            service, _, name = handle.partition(":")
            account = entity("UserAccount", _id("account", handle.lower()))
            account.add("username", name or handle)
            account.add("service", service if name else None)
            account.add("owner", person.id)
        for text in record.payout_accounts:
            key, _country, _problem = normalize_payout(text)
            kind, _, value = (key or text).partition(":")
            if kind in {"iban", "bank"}:
                bank = entity("BankAccount", _id("bank", key or text))
                bank.add("iban" if kind == "iban" else "accountNumber", value)
                link = entity("Ownership", _id("ownership", key or text, rid))
                link.add("owner", person.id)
                link.add("asset", bank.id)
                link.add("role", "payout account")
            else:
                account = entity("UserAccount", _id("account", key or text))
                account.add("username", value)
                account.add("service", kind)
                account.add("owner", person.id)
        for text in record.wallets:
            key, chain, _problem = normalize_wallet(text)
            wallet = entity("CryptoWallet", _id("wallet", key or text))
            wallet.add("publicKey", (key or text).split(":", 1)[-1])
            wallet.add("blockchain", chain)
            wallet.add("holder", person.id)
    return [proxy.to_dict() for proxy in entities.values()]


def iter_jsonl(items: Iterable[dict[str, Any]]) -> Iterable[str]:
    import json

    for item in items:
        yield json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n"
