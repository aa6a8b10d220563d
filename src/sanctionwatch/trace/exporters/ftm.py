"""FollowTheMoney entities as JSON lines (``followthemoney`` / Aleph / nomenklatura input).

- ``CryptoWallet`` per address (the nodes, then edge endpoints outside them): ``publicKey``
  (the address; a UTXO output without one is a wallet named ``(no address) on CHAIN``),
  ``blockchain`` (the chain), ``currency`` (the assets it received taint in, else the
  assets of its chain, else the chain), ``name`` (the label), ``summary`` (category and
  label), ``keywords`` (categories, stage, ``seed``/``terminal``), ``topics`` (``sanction``,
  ``crime.theft``, ``crime.fraud``, ``asset.frozen`` where the category or stage says so),
  ``notes`` (hop, a terminal's evidence, and tainted amounts in whole units).
- ``Payment`` per edge: ``payer``/``beneficiary`` (wallet ids), ``amount`` (exact, whole
  units), ``currency`` (the asset), ``date`` (block time, UTC), ``transactionNumber`` (tx
  hash), ``purpose`` (the stage), ``summary`` (tainted amount and share, hop, link),
  ``description`` (the stage's evidence), ``programme`` (``sanctionwatch trace``).
- ``UnknownLink`` per link whose two transactions are among the edges: ``subject`` the
  depositor's wallet, ``object`` the payout recipient's wallet, ``role`` the link kind,
  ``summary`` the evidence and confidence, ``date`` the deposit time.

Ids are deterministic: ``make_id("wallet", "chain:address")`` and ``make_id("payment",
"chain:tx_hash:kind:position")`` (the store's key of the transfer, so that the same payment
has the same id in every trace and entities of several traces merge), ``make_id("link",
"from_chain:from_tx:to_chain:to_tx")``. A result without ``kind`` and ``position`` (written
before them) falls back to ``chain:tx_hash:from:to:asset`` with a running number for
repeats within a transaction.

FtM declares ``Payment.payer`` and ``beneficiary`` with the range LegalEntity; a wallet is
not one, so consumers that check ranges see the wallets as untyped references. The values
themselves are valid for their property types.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from sanctionwatch.trace.exporters._common import (
    NO_ADDRESS,
    GraphNode,
    amounts_text,
    asset_decimals,
    edge_link,
    graph_nodes,
    link_edges,
    node_key,
    plain,
    primary_model,
    show,
    stage_name,
    to_whole,
    with_edge_chains,
)

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy

#: FtM topics for the categories and stages that carry one.
TOPICS: dict[str, str] = {
    "sanctioned": "sanction",
    "theft": "crime.theft",
    "scam": "crime.fraud",
    "frozen": "asset.frozen",
}


def write(result: dict[str, Any], stream: TextIO) -> None:
    """Write one FtM entity per line: wallets, then payments, then links."""
    for entity in entities(result):
        stream.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True))
        stream.write("\n")


def entities(result: dict[str, Any]) -> list[EntityProxy]:
    """The FtM entities of a trace result, in output order."""
    result = with_edge_chains(result)
    wallets = {node.key: _wallet(result, node) for node in graph_nodes(result)}
    out: list[EntityProxy] = list(wallets.values())
    seen: dict[str, int] = {}
    for edge in result.get("edges") or []:
        out.append(_payment(result, edge, wallets, seen))
    for link, deposit, payout in link_edges(result):
        if deposit is not None and payout is not None:
            out.append(_link(link, deposit, payout, wallets))
    return out


def wallet_id(chain: Any, address: Any) -> str:
    """The id of the CryptoWallet of an address."""
    from followthemoney.util import make_entity_id

    made = make_entity_id("wallet", node_key(chain, address))
    assert made is not None  # non-empty parts always give an id
    return made


def _wallet(result: dict[str, Any], node: GraphNode) -> EntityProxy:
    from followthemoney import model

    data = node.data
    labels = data.get("labels") or {}
    entity = model.make_entity("CryptoWallet")
    entity.id = wallet_id(data.get("chain"), data.get("address"))
    if data.get("address") is None:  # a UTXO output without an address
        entity.add("name", f"{NO_ADDRESS} on {data.get('chain')}")
    else:
        entity.add("publicKey", str(data.get("address")))
    entity.add("blockchain", str(data.get("chain")))
    entity.add("currency", _currencies(result, data))
    label = labels.get("label")
    if label:
        entity.add("name", str(label))
    if node.category or label:
        entity.add("summary", ": ".join(str(p) for p in (node.category, label) if p))
    categories = [str(c) for c in labels.get("categories") or []]
    if node.category and node.category not in categories:
        categories.insert(0, node.category)
    stage = data.get("stage")
    keywords = [*categories, *([f"stage:{stage}"] if stage else [])]
    keywords += [k for k, on in (("seed", node.seed), ("terminal", node.terminal)) if on]
    entity.add("keywords", keywords)
    entity.add("topics", [TOPICS[c] for c in [*categories, str(stage)] if c in TOPICS])
    notes = [f"hop {data.get('hop')}"]
    if node.evidence:  # an unlabelled terminal: why it is one (e.g. an exchange deposit)
        notes.append(str(node.evidence))
    if labels.get("source"):  # the list entry or pack the label comes from
        confidence = f", {labels['confidence']}" if labels.get("confidence") else ""
        notes.append(f"label source: {labels['source']}{confidence}")
    if data.get("tainted_in"):
        notes.append(f"tainted in: {amounts_text(result, data.get('tainted_in'))}")
    if data.get("held"):
        notes.append(f"tainted held: {amounts_text(result, data.get('held'))}")
    entity.add("notes", f"sanctionwatch trace ({primary_model(result)}): " + "; ".join(notes))
    return entity


def _currencies(result: dict[str, Any], data: dict[str, Any]) -> list[str]:
    held = [str(a) for a in data.get("tainted_in") or {}]
    if held:
        return held
    info = (result.get("summary") or {}).get("asset_info") or {}
    on_chain = [str(a) for a, i in info.items() if (i or {}).get("chain") == data.get("chain")]
    return on_chain or [str(data.get("chain"))]


_OLD_KEY = ("chain", "tx_hash", "from_address", "to_address", "asset")


def _payment(
    result: dict[str, Any],
    edge: dict[str, Any],
    wallets: dict[str, EntityProxy],
    seen: dict[str, int],
) -> EntityProxy:
    from followthemoney import model

    chain, asset = edge.get("chain"), str(edge.get("asset"))
    keyed = edge.get("kind") is not None and edge.get("position") is not None
    fields = ("chain", "tx_hash", "kind", "position") if keyed else _OLD_KEY
    natural = ":".join(str(edge.get(f)) for f in fields)
    repeat = seen.get(natural, 0)
    seen[natural] = repeat + 1
    entity = model.make_entity("Payment")
    entity.make_id("payment", natural, *([str(repeat)] if repeat else []))
    payer = wallets[node_key(chain, edge.get("from_address"))]
    beneficiary = wallets[node_key(chain, edge.get("to_address"))]
    entity.add("payer", payer.id)
    entity.add("beneficiary", beneficiary.id)
    amount = to_whole(edge.get("amount"), asset_decimals(result, asset))
    if amount is not None:
        entity.add("amount", plain(amount))
    entity.add("currency", asset)
    entity.add("date", _date(edge.get("block_time")))
    entity.add("transactionNumber", str(edge.get("tx_hash")))
    entity.add("purpose", stage_name(edge.get("stage")))
    entity.add("programme", "sanctionwatch trace")
    entity.add("summary", _payment_summary(result, edge))
    if edge.get("stage_evidence"):
        entity.add("description", str(edge["stage_evidence"]))
    return entity


def _payment_summary(result: dict[str, Any], edge: dict[str, Any]) -> str:
    asset = str(edge.get("asset"))
    tainted = edge.get("tainted_amount")
    parts = [f"tainted {show(result, tainted, asset)} {asset} ({primary_model(result)})"]
    total = to_whole(edge.get("amount"), 0)
    if isinstance(tainted, int | float) and total is not None and total > 0:
        parts[0] += f", {100 * float(tainted) / float(total):.1f}% of the transfer"
    parts.append(f"hop {edge.get('hop')}")
    parts.append(f"stage {stage_name(edge.get('stage'))}")
    kind, confidence = edge_link(edge)
    if kind:
        parts.append(
            f"link {kind}" + (f" (confidence {confidence:.2f})" if confidence is not None else "")
        )
    return "; ".join(parts)


def _link(
    link: dict[str, Any],
    deposit: dict[str, Any],
    payout: dict[str, Any],
    wallets: dict[str, EntityProxy],
) -> EntityProxy:
    from followthemoney import model

    subject = wallets[node_key(deposit.get("chain"), deposit.get("from_address"))]
    target = wallets[node_key(payout.get("chain"), payout.get("to_address"))]
    entity = model.make_entity("UnknownLink")
    entity.make_id(
        "link",
        ":".join(str(link.get(f)) for f in ("from_chain", "from_tx", "to_chain", "to_tx")),
    )
    entity.add("subject", subject.id)
    entity.add("object", target.id)
    entity.add("role", str(link.get("kind")))
    confidence = link.get("confidence")
    summary = f"{link.get('kind')}: {link.get('from_chain')} {link.get('from_tx')} -> "
    summary += f"{link.get('to_chain')} {link.get('to_tx')}"
    if isinstance(confidence, int | float):
        summary += f" (confidence {confidence:.2f})"
    if link.get("evidence"):
        summary += f"; {link['evidence']}"
    entity.add("summary", summary)
    entity.add("date", _date(deposit.get("block_time")))
    return entity


def _date(value: Any) -> str | None:
    """An ISO time as FtM's date text, in UTC (FtM drops offsets without converting)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat(timespec="seconds")
