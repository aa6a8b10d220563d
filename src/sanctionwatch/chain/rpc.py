"""EVM JSON-RPC ingest: blocks, receipts and traces from a node, stored like ethereum-etl files.

Why this shape: the ethereum-etl reader already validates, deduplicates and stores these
records atomically, so the node's answers are converted to ethereum-etl JSON lines (the
mapping of ethereum-etl's own mappers: hex quantities become integers, addresses lower
case, receipt status and block time copied onto each transaction) and every chunk of
blocks goes through ``ingest_transfer_file`` as one temporary file. A chunk is therefore
stored completely or not at all, and fetching a range again adds nothing.

Everything a chunk needs is fetched before anything is stored: a node failure never
leaves half a chunk behind. Calls are batched (one JSON array per POST) and retried with
exponential backoff on connection errors, HTTP 408/425/429/5xx and transient JSON-RPC
errors; a method the node lacks (-32601) switches to the fallback once for the whole run.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

from sanctionwatch.chain.chains import Chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers.base import ReadOptions
from sanctionwatch.chain.readers.ethereum_etl import TRANSFER_TOPIC
from sanctionwatch.errors import InputError, RemoteError
from sanctionwatch.store.db import Store
from sanctionwatch.store.ingestlog import FileResult

Progress = Callable[[str], None]
Sleep = Callable[[float], None]

# EIP-155 chain ids of the EVM chains in ``chains.CHAINS``: a node serving another chain
# would silently mix foreign data into the store.
CHAIN_IDS: dict[str, int] = {
    "ethereum": 1,
    "bsc": 56,
    "polygon": 137,
    "arbitrum": 42161,
    "optimism": 10,
    "base": 8453,
    "avalanche": 43114,
}
TRACE_METHODS = ("trace_block", "debug_traceBlockByNumber")  # preferred first
TRACES_UNAVAILABLE = (
    "traces skipped: the node offers neither trace_block nor debug_traceBlockByNumber, "
    "so internal transfers (value moved by contracts) of these blocks are missing"
)
DASH = "\u2013"  # en dash of ranges in progress and error messages
MAX_DELAY = 60.0  # seconds; cap of backoff and Retry-After
MAX_BLOCK = 2**63 - 1  # blocks.number is a BIGINT
CHUNK_ATTEMPTS = 3  # re-fetches of a chunk whose blocks changed meanwhile (reorg)

_MISSING_CODES = frozenset({-32601, -32004})  # method not found / method not supported
_MISSING_PHRASES = (
    "method not found",
    "does not exist/is not available",
    "method not supported",
    "unsupported method",
)
_TRANSIENT_PHRASES = ("rate limit", "too many requests", "timeout", "timed out", "busy")
_RANGE = re.compile(r"\s*([0-9]+)\s*(?::\s*([0-9]+)\s*)?")
_QUANTITY = re.compile(r"0[xX][0-9a-fA-F]+")


def parse_block_range(text: str) -> tuple[int, int]:
    """``"A:B"`` (inclusive) or ``"A"`` as (A, B): the CLI's ``--blocks`` option."""
    match = _RANGE.fullmatch(text)
    if match is None:
        raise InputError(
            f"Block range {text!r} is not A:B or A with non-negative whole block numbers "
            "(for example 17173049:17173050)."
        )
    start = int(match[1])
    end = int(match[2]) if match[2] is not None else start
    if end < start:
        raise InputError(f"Block range {text!r} ends before it starts; give A:B with A <= B.")
    if end > MAX_BLOCK:
        raise InputError(f"Block range {text!r} goes beyond the largest block number 2^63-1.")
    return start, end


def ingest_rpc_range(
    store: Store,
    url: str,
    start: int,
    end: int,
    *,
    chain: Chain,
    traces: bool = True,
    batch_size: int = 50,
    retries: int = 5,
    timeout: float = 30.0,
    progress: Progress | None = None,
    chunk_blocks: int = 100,
    backoff: float = 0.25,
    sleep: Sleep = time.sleep,
) -> list[FileResult]:
    """Fetch blocks ``start..end`` from the node at ``url`` and ingest them chunk by chunk.

    Each chunk of ``chunk_blocks`` blocks is one atomic, idempotent ingest; a failure
    raises ``RemoteError`` and keeps the chunks stored before it (the message says where to
    continue). ``backoff``/``sleep`` set the retry delays (``backoff * 2**attempt``).
    """
    shown = check_url(url)
    _check_arguments(chain, start, end, batch_size, retries, timeout, chunk_blocks, backoff)
    step = progress or (lambda _msg: None)
    results: list[FileResult] = []
    with _RpcClient(
        url,
        shown,
        batch_size=batch_size,
        retries=retries,
        timeout=timeout,
        backoff=backoff,
        sleep=sleep,
    ) as client:
        _check_chain_id(client, shown, chain)
        fetcher = _Fetcher(client, shown, traces=traces)
        for first in range(start, end + 1, chunk_blocks):
            last = min(first + chunk_blocks - 1, end)
            step(f"blocks {first}{DASH}{last} of {start}{DASH}{end}")
            try:
                chunk = fetcher.fetch(first, last)
            except RemoteError as exc:
                if first == start:
                    raise
                raise RemoteError(
                    f"{exc.message.rstrip('.')}; blocks {start}{DASH}{first - 1} are stored, "
                    f"re-run with --blocks {first}:{end} to continue."
                ) from exc
            result = _ingest_records(
                store,
                chunk.records,
                chain,
                progress,
                f"rpc:{shown}#blocks={first}:{last}",
                first,
                last,
                chunk.notes,
            )
            results.append(result)
    return results


def check_url(url: str) -> str:
    """The URL as shown in messages and the ingest log (without user:password), or InputError."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(f"RPC URL {url!r} is not an http(s) URL; give e.g. http://127.0.0.1:8545.")
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    return str(parsed)


def _check_arguments(
    chain: Chain,
    start: int,
    end: int,
    batch_size: int,
    retries: int,
    timeout: float,
    chunk_blocks: int,
    backoff: float,
) -> None:
    """Options come from the CLI, settings or Python callers: refuse nonsense early."""
    if chain.family != "evm":
        raise InputError(
            f"Chain {chain.name} is not an EVM chain; the RPC ingest reads EVM nodes only."
        )
    if not 0 <= start <= end <= MAX_BLOCK:
        raise InputError(
            f"Block range {start}:{end} is not a range of non-negative block "
            "numbers with start <= end."
        )
    if batch_size < 1 or chunk_blocks < 1:
        raise InputError("The batch size and the chunk size must be at least 1.")
    if retries < 0 or timeout <= 0 or backoff < 0:
        raise InputError("Retries and backoff must not be negative, the timeout must be positive.")


def _check_chain_id(client: _RpcClient, shown: str, chain: Chain) -> None:
    """Refuse a node of another chain (e.g. BSC data stored as ethereum)."""
    call = _Call("eth_chainId", (), None)
    answer = client.run([call])[0]
    expected = CHAIN_IDS.get(chain.name)
    if isinstance(answer, _Missing) or expected is None:
        return  # the node cannot say; trust --chain
    try:
        served = _quantity(answer, "chain id")
    except _Malformed as exc:
        raise client.error(call, f"malformed answer: {exc}") from None
    if served != expected:
        names = [name for name, cid in CHAIN_IDS.items() if cid == served]
        other = f" ({names[0]})" if names else ""
        raise InputError(
            f"{shown} serves chain id {served}{other}, not {chain.name} ({expected}); "
            "pass the matching --chain."
        )


def _ingest_records(
    store: Store,
    records: Iterable[dict[str, Any]],
    chain: Chain,
    progress: Progress | None,
    source: str,
    first: int,
    last: int,
    notes: list[str],
) -> FileResult:
    """One chunk through the ethereum-etl reader: one transaction, dedup, rejects, log.

    The chunk's notes (e.g. traces the node could not give) go into the ingest log too."""
    with tempfile.TemporaryDirectory(prefix="sanctionwatch-rpc-") as folder:
        path = Path(folder) / f"rpc_blocks_{first}_{last}.json"
        with path.open("w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, separators=(",", ":")) + "\n")
        return ingest_transfer_file(
            store,
            path,
            "ethereum-etl",
            ReadOptions(chain=chain),
            progress,
            source_name=source,
            notes=notes,
        )


# -- JSON-RPC client -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    params: tuple[Any, ...]
    block: int | None  # for error messages


class _Missing:
    """Answer stand-in for a method the node does not offer (so the caller can fall back)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


Outcome = tuple[Literal["ok", "missing", "retry", "fatal"], Any]


class _RpcClient:
    """Batched JSON-RPC over one keep-alive connection, with retries and backoff."""

    def __init__(
        self,
        url: str,
        shown: str,
        *,
        batch_size: int,
        retries: int,
        timeout: float,
        backoff: float,
        sleep: Sleep,
    ) -> None:
        self.url = url
        self.shown = shown
        self.batch_size = batch_size
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self._ids = itertools.count(1)
        self._http = httpx.Client(
            timeout=timeout,
            headers={"content-type": "application/json", "accept": "application/json"},
        )

    def __enter__(self) -> _RpcClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._http.close()

    def error(self, call: _Call, reason: str) -> RemoteError:
        where = "" if call.block is None else f" for block {call.block}"
        return RemoteError(f"{self.shown}: {call.method}{where} failed ({reason}).")

    def run(self, calls: Sequence[_Call]) -> list[Any]:
        """Answers in call order; ``_Missing`` for methods the node lacks.

        Transient failures are retried (only the calls that failed); anything else, or a
        failure that outlasts the retries, raises RemoteError naming the method and block.
        """
        answers: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))
        attempt = 0
        while pending:
            retry: list[tuple[int, str]] = []
            wait = 0.0
            for offset in range(0, len(pending), self.batch_size):
                batch = pending[offset : offset + self.batch_size]
                outcomes, retry_after = self._post([calls[i] for i in batch])
                wait = max(wait, retry_after)
                for i, (kind, value) in zip(batch, outcomes, strict=True):
                    if kind == "ok":
                        answers[i] = value
                    elif kind == "missing":
                        answers[i] = _Missing(str(value))
                    elif kind == "retry":
                        retry.append((i, str(value)))
                    else:
                        raise self.error(calls[i], str(value))
            if retry and attempt >= self.retries:
                i, reason = retry[0]
                raise self.error(calls[i], f"{reason}; gave up after {attempt + 1} attempts")
            if retry:
                self.sleep(min(max(self.backoff * 2**attempt, wait), MAX_DELAY))
                attempt += 1
            pending = [i for i, _reason in retry]
        return answers

    def _post(self, calls: list[_Call]) -> tuple[list[Outcome], float]:
        """One POST: an array of calls (a plain object when there is only one)."""
        requests = [
            {"jsonrpc": "2.0", "id": next(self._ids), "method": c.method, "params": list(c.params)}
            for c in calls
        ]
        body = requests[0] if len(requests) == 1 else requests
        n = len(requests)
        try:
            response = self._http.post(self.url, content=json.dumps(body).encode())
        except httpx.TransportError as exc:  # connection refused/dropped, timeouts
            return [("retry", f"connection failed: {str(exc) or type(exc).__name__}")] * n, 0.0
        status = response.status_code
        if status in (408, 425, 429) or status >= 500:
            return [("retry", f"HTTP {status}")] * n, _retry_after(response)
        if not 200 <= status < 300:
            hint = "; try a smaller --batch-size" if status == 413 else ""
            return [("fatal", f"HTTP {status}{hint}")] * n, 0.0
        try:
            data = response.json()
        except ValueError:
            return [("retry", "the answer is not JSON")] * n, 0.0
        if isinstance(data, dict) and data.get("id") is None and "error" in data:
            kind, text = _classify(data["error"])  # an error for the whole batch
            if kind == "fatal" and n > 1:
                text = f"{text}; try a smaller --batch-size"
            return [(kind, text)] * n, 0.0
        items = data if isinstance(data, list) else [data]
        by_id = {item.get("id"): item for item in items if isinstance(item, dict)}
        outcomes: list[Outcome] = []
        for request in requests:
            item = by_id.get(request["id"])
            if item is None:
                outcomes.append(("retry", "the node's answer lacks this call"))
            elif item.get("error") is not None:
                outcomes.append(_classify(item["error"]))
            elif "result" in item:
                outcomes.append(("ok", item["result"]))
            else:
                outcomes.append(("retry", "an answer without result or error"))
        return outcomes, 0.0


def _classify(error: Any) -> Outcome:
    """JSON-RPC error -> missing method, transient (retry) or fatal."""
    if not isinstance(error, dict):
        return ("retry", f"JSON-RPC error {error!r}")
    code = error.get("code")
    message = str(error.get("message", "")).strip()
    text = f"JSON-RPC error {code}: {message}" if message else f"JSON-RPC error {code}"
    lowered = message.lower()
    if code in _MISSING_CODES or any(p in lowered for p in _MISSING_PHRASES):
        return ("missing", text)
    transient = isinstance(code, int) and (code in (429, -32603) or -32099 <= code <= -32000)
    if transient or any(p in lowered for p in _TRANSIENT_PHRASES):
        return ("retry", text)
    return ("fatal", text)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "0")))
    except ValueError:
        return 0.0  # an HTTP date: fall back to our own backoff


# -- fetching a chunk ------------------------------------------------------------------------


class _Malformed(Exception):
    """The node's answer lacks a field or has one in an unexpected shape."""


class _Inconsistent(Exception):
    """Answers about the same block disagree (the chain reorganised while we fetched)."""


@dataclass(slots=True)
class _Chunk:
    records: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Block:
    number: int
    hash: str | None
    timestamp: int
    raw: dict[str, Any]
    txs: list[dict[str, Any]]
    tx_hashes: list[str]


class _Fetcher:
    """Fetches and converts chunks; remembers which receipt/trace methods the node has."""

    def __init__(self, client: _RpcClient, shown: str, *, traces: bool) -> None:
        self.client = client
        self.shown = shown
        self.block_receipts = True  # eth_getBlockReceipts until the node says -32601
        self.trace_method: str | None = TRACE_METHODS[0] if traces else None
        self.traces_unavailable = False

    def fetch(self, first: int, last: int) -> _Chunk:
        """The chunk's ethereum-etl records; re-fetched if its blocks changed meanwhile."""
        reason = ""
        for attempt in range(CHUNK_ATTEMPTS):
            if attempt:
                self.client.sleep(min(self.client.backoff * 2**attempt, MAX_DELAY))
            try:
                return self._fetch_once(first, last)
            except _Inconsistent as exc:
                reason = str(exc)
        raise RemoteError(
            f"{self.shown}: blocks {first}{DASH}{last} kept changing while being fetched "
            f"({reason}); retry later or stay further behind the chain head."
        )

    def _fetch_once(self, first: int, last: int) -> _Chunk:
        numbers = list(range(first, last + 1))
        k = len(numbers)
        calls = [_Call("eth_getBlockByNumber", (hex(n), True), n) for n in numbers]
        if self.block_receipts:
            calls += [_Call("eth_getBlockReceipts", (hex(n),), n) for n in numbers]
        if self.trace_method is not None:
            calls += [_trace_call(self.trace_method, n) for n in numbers]
        answers = self.client.run(calls)
        blocks = [
            self._block(call, answer) for call, answer in zip(calls[:k], answers[:k], strict=True)
        ]
        receipt_answers = answers[k : 2 * k] if self.block_receipts else [None] * k
        trace_answers = answers[len(answers) - k :] if self.trace_method is not None else []
        receipts = self._receipts(blocks, receipt_answers)
        receipt_method = (
            "eth_getBlockReceipts" if self.block_receipts else "eth_getTransactionReceipt"
        )
        chunk = _Chunk()
        trace_rows = self._traces(blocks, trace_answers, chunk.notes)
        for block in blocks:
            try:
                chunk.records.extend(_block_records(block, receipts[block.number]))
            except _Malformed as exc:
                raise RemoteError(
                    f"{self.shown}: eth_getBlockByNumber/{receipt_method} for block "
                    f"{block.number} failed (malformed answer: {exc})."
                ) from None
            chunk.records.extend(trace_rows.get(block.number, []))
        return chunk

    # blocks
    def _block(self, call: _Call, answer: Any) -> _Block:
        assert call.block is not None
        if isinstance(answer, _Missing):
            raise self.client.error(call, answer.message)
        if answer is None:
            raise self.client.error(call, "the node has no such block; is it synced that far?")
        try:
            number = _quantity(_get(answer, "number"), "number")
            if number != call.block:
                raise _Malformed(f"asked for block {call.block}, got {number}")
            txs = _get(answer, "transactions")
            if not isinstance(txs, list) or not all(isinstance(t, dict) for t in txs):
                raise _Malformed("transactions are not full transaction objects")
            return _Block(
                number,
                _lower(answer.get("hash")),
                _quantity(_get(answer, "timestamp"), "timestamp"),
                answer,
                txs,
                [str(_lower(_get(t, "hash"))) for t in txs],
            )
        except _Malformed as exc:
            raise self.client.error(call, f"malformed answer: {exc}") from None

    # receipts
    def _receipts(
        self, blocks: list[_Block], answers: list[Any]
    ) -> dict[int, dict[str, dict[str, Any]]]:
        """Receipts per block by transaction hash (block method, else one call per tx)."""
        out: dict[int, dict[str, dict[str, Any]]] = {}
        by_tx: list[_Call] = []
        for block, answer in zip(blocks, answers, strict=True):
            if isinstance(answer, _Missing):
                self.block_receipts = False  # detected once, remembered for later chunks
            if isinstance(answer, list):
                call = _Call("eth_getBlockReceipts", (hex(block.number),), block.number)
                out[block.number] = self._index_receipts(block, answer, call)
            else:  # method missing, or null from a node that has the method but not this
                out[block.number] = {}
                by_tx += [
                    _Call("eth_getTransactionReceipt", (h,), block.number) for h in block.tx_hashes
                ]
        blocks_by_number = {b.number: b for b in blocks}
        for call, answer in zip(by_tx, self.client.run(by_tx) if by_tx else [], strict=True):
            assert call.block is not None
            if isinstance(answer, _Missing):
                raise RemoteError(
                    f"{self.shown}: the node offers neither eth_getBlockReceipts nor "
                    "eth_getTransactionReceipt, so transaction status and token transfers "
                    "cannot be read."
                )
            if answer is None:
                raise self.client.error(
                    call,
                    f"no receipt for transaction {call.params[0]}; "
                    "the node may not index old transactions",
                )
            out[call.block].update(
                self._index_receipts(blocks_by_number[call.block], [answer], call)
            )
        for block in blocks:
            if set(out[block.number]) != set(block.tx_hashes):
                raise _Inconsistent(
                    f"the receipts of block {block.number} do not match its transactions"
                )
        return out

    def _index_receipts(
        self, block: _Block, receipts: list[Any], call: _Call
    ) -> dict[str, dict[str, Any]]:
        try:
            indexed: dict[str, dict[str, Any]] = {}
            for receipt in receipts:
                tx_hash = str(_lower(_get(receipt, "transactionHash")))
                if block.hash and _lower(receipt.get("blockHash")) not in (None, block.hash):
                    raise _Inconsistent(
                        f"a receipt of block {block.number} is from another block hash"
                    )
                indexed[tx_hash] = receipt
        except _Malformed as exc:
            raise self.client.error(call, f"malformed answer: {exc}") from None
        return indexed

    # traces
    def _traces(
        self, blocks: list[_Block], answers: list[Any], notes: list[str]
    ) -> dict[int, list[dict[str, Any]]]:
        """Trace rows per block, falling back trace_block -> debug_traceBlockByNumber -> none."""
        if self.traces_unavailable:
            notes.append(TRACES_UNAVAILABLE)
        if self.trace_method is None:
            return {}
        while any(isinstance(a, _Missing) for a in answers):
            following = TRACE_METHODS.index(self.trace_method) + 1
            if following >= len(TRACE_METHODS):
                self.trace_method = None
                self.traces_unavailable = True
                notes.append(TRACES_UNAVAILABLE)
                return {}
            self.trace_method = TRACE_METHODS[following]
            answers = self.client.run([_trace_call(self.trace_method, b.number) for b in blocks])
        counts = _TraceCounts()
        rows: dict[int, list[dict[str, Any]]] = {}
        for block, answer in zip(blocks, answers, strict=True):
            call = _trace_call(self.trace_method, block.number)
            if not isinstance(answer, list):
                raise self.client.error(call, "the node returned no traces for this block")
            try:
                if self.trace_method == "trace_block":
                    found = _parity_rows(block, answer, counts)
                else:
                    found = _geth_rows(block, answer, counts)
            except _Malformed as exc:
                raise self.client.error(call, f"malformed answer: {exc}") from None
            rows[block.number] = _with_status(found, counts)
        notes.extend(counts.notes())
        return rows


def _trace_call(method: str, number: int) -> _Call:
    if method == "trace_block":
        return _Call(method, (hex(number),), number)
    return _Call(method, (hex(number), {"tracer": "callTracer"}), number)


# -- node answers -> ethereum-etl records ------------------------------------------------------


def _get(obj: Any, key: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise _Malformed(f"no field {key!r}")
    return obj[key]


def _quantity(value: Any, what: str) -> int:
    """A JSON-RPC quantity (``0x``-hex; plain integers tolerated) as an int."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _QUANTITY.fullmatch(value):
        return int(value, 16)
    raise _Malformed(f"{what} {value!r} is not a hex quantity")


def _opt_quantity(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return None if value is None else _quantity(value, key)


def _lower(value: Any) -> str | None:
    """Hashes and addresses as ethereum-etl writes them: lower case (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Malformed(f"{value!r} is not a hex string")
    return value.lower()


def _block_records(block: _Block, receipts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The block, its transactions (with receipt fields) and its Transfer logs."""
    raw = block.raw
    withdrawals = raw.get("withdrawals") or []
    if not isinstance(withdrawals, list):
        raise _Malformed("withdrawals is not a list")
    records: list[dict[str, Any]] = [
        {
            "type": "block",
            "number": block.number,
            "hash": block.hash,
            "parent_hash": _lower(raw.get("parentHash")),
            "miner": _lower(raw.get("miner")),
            "timestamp": block.timestamp,
            "transaction_count": len(block.txs),
            "gas_limit": _opt_quantity(raw, "gasLimit"),
            "gas_used": _opt_quantity(raw, "gasUsed"),
            "base_fee_per_gas": _opt_quantity(raw, "baseFeePerGas"),
            "withdrawals_root": _lower(raw.get("withdrawalsRoot")),
            "withdrawals": [
                {
                    "index": _quantity(_get(w, "index"), "withdrawal index"),
                    "validator_index": _opt_quantity(w, "validatorIndex"),
                    "address": _lower(_get(w, "address")),
                    "amount": _quantity(_get(w, "amount"), "withdrawal amount"),
                }
                for w in withdrawals
            ],
        }
    ]
    for tx, tx_hash in zip(block.txs, block.tx_hashes, strict=True):
        receipt = receipts[tx_hash]
        records.append(
            {
                "type": "transaction",
                "hash": tx_hash,
                "nonce": _opt_quantity(tx, "nonce"),
                "block_hash": block.hash,
                "block_number": block.number,
                "transaction_index": _opt_quantity(tx, "transactionIndex"),
                "from_address": _lower(tx.get("from")),
                "to_address": _lower(tx.get("to")),
                "value": _quantity(_get(tx, "value"), "value"),
                "gas": _opt_quantity(tx, "gas"),
                "gas_price": _opt_quantity(tx, "gasPrice"),
                "input": tx.get("input", tx.get("data")),
                "block_timestamp": block.timestamp,
                "max_fee_per_gas": _opt_quantity(tx, "maxFeePerGas"),
                "max_priority_fee_per_gas": _opt_quantity(tx, "maxPriorityFeePerGas"),
                "transaction_type": _opt_quantity(tx, "type"),
                "receipt_cumulative_gas_used": _opt_quantity(receipt, "cumulativeGasUsed"),
                "receipt_gas_used": _opt_quantity(receipt, "gasUsed"),
                "receipt_contract_address": _lower(receipt.get("contractAddress")),
                "receipt_root": _lower(receipt.get("root")),
                "receipt_status": _opt_quantity(receipt, "status"),  # None before Byzantium
                "receipt_effective_gas_price": _opt_quantity(receipt, "effectiveGasPrice"),
            }
        )
        logs = receipt.get("logs") or []
        if not isinstance(logs, list):
            raise _Malformed(f"the logs of receipt {tx_hash} are not a list")
        records.extend(
            _log_record(block, tx, tx_hash, log) for log in logs if _is_transfer_log(log)
        )
    return records


def _is_transfer_log(log: Any) -> bool:
    """Only Transfer events can become transfers; the reader applies ethereum-etl's rules."""
    topics = _get(log, "topics")
    return (
        isinstance(topics, list)
        and bool(topics)
        and not log.get("removed")
        and str(topics[0]).lower() == TRANSFER_TOPIC
    )


def _log_record(
    block: _Block, tx: dict[str, Any], tx_hash: str, log: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "log",
        "log_index": _quantity(_get(log, "logIndex"), "logIndex"),
        "transaction_hash": tx_hash,
        "transaction_index": _opt_quantity(tx, "transactionIndex"),
        "block_hash": block.hash,
        "block_number": block.number,
        "block_timestamp": block.timestamp,
        "address": _lower(_get(log, "address")),
        "data": _get(log, "data"),
        "topics": [_lower(t) for t in log["topics"]],
    }


@dataclass(slots=True)
class _TraceCounts:
    """Traces left out of the file, reported as notes rather than dropped silently."""

    block_level: int = 0
    no_recipient: int = 0
    tracer_errors: int = 0
    first_tracer_error: str = ""

    def notes(self) -> list[str]:
        notes = []
        if self.block_level:
            notes.append(
                f"{self.block_level} block-level trace(s) (block rewards) were left "
                "out: they belong to no transaction"
            )
        if self.no_recipient:
            notes.append(
                f"{self.no_recipient} trace(s) without a recipient address (failed "
                "contract creations) were left out: they move no value"
            )
        if self.tracer_errors:
            notes.append(
                f"the node could not trace {self.tracer_errors} transaction(s) "
                f"({self.first_tracer_error}); their internal transfers are missing"
            )
        return notes


def _trace_row(
    block: _Block,
    tx_hash: str,
    tx_index: int | None,
    *,
    from_address: Any,
    to_address: Any,
    value: int,
    trace_type: str,
    call_type: str | None,
    trace_address: list[int],
    subtraces: int,
    error: Any,
) -> dict[str, Any]:
    return {
        "type": "trace",
        "transaction_hash": tx_hash,
        "transaction_index": tx_index,
        "block_hash": block.hash,
        "block_number": block.number,
        "block_timestamp": block.timestamp,
        "from_address": _lower(from_address),
        "to_address": _lower(to_address),
        "value": value,
        "trace_type": trace_type,
        "call_type": call_type,
        "trace_address": trace_address,
        "subtraces": subtraces,
        "error": None if error in (None, "") else str(error),
    }


def _parity_rows(block: _Block, traces: list[Any], counts: _TraceCounts) -> list[dict[str, Any]]:
    """trace_block (OpenEthereum/Erigon/Nethermind) -> rows, as ethereum-etl's trace mapper."""
    positions = {h: i for i, h in enumerate(block.tx_hashes)}
    rows = []
    for trace in traces:
        kind = str(_get(trace, "type")).lower()
        tx_hash = _lower(trace.get("transactionHash"))
        if tx_hash is None:
            counts.block_level += 1
            continue
        if block.hash and _lower(trace.get("blockHash")) not in (None, block.hash):
            raise _Inconsistent(f"a trace of block {block.number} is from another block hash")
        action = _get(trace, "action")
        result = trace.get("result") or {}
        if not isinstance(action, dict) or not isinstance(result, dict):
            raise _Malformed("a trace's action or result is not an object")
        if kind == "create":
            sender, recipient, value = (
                action.get("from"),
                result.get("address"),
                action.get("value"),
            )
        elif kind == "suicide":
            sender, recipient, value = (
                action.get("address"),
                action.get("refundAddress"),
                action.get("balance"),
            )
        else:
            sender, recipient, value = action.get("from"), action.get("to"), action.get("value")
        path = trace.get("traceAddress") or []
        if not isinstance(path, list):
            raise _Malformed("traceAddress is not a list")
        rows.append(
            _trace_row(
                block,
                tx_hash,
                positions.get(tx_hash),
                from_address=sender,
                to_address=recipient,
                value=0 if value is None else _quantity(value, "trace value"),
                trace_type=kind,
                call_type=None if action.get("callType") is None else str(action["callType"]),
                trace_address=[_quantity(i, "traceAddress") for i in path],
                subtraces=_quantity(trace.get("subtraces") or 0, "subtraces"),
                error=trace.get("error"),
            )
        )
    return rows


_GETH_TYPES = {"CREATE": "create", "CREATE2": "create", "SELFDESTRUCT": "suicide"}


def _geth_rows(block: _Block, answer: list[Any], counts: _TraceCounts) -> list[dict[str, Any]]:
    """debug_traceBlockByNumber with callTracer -> rows: the call tree flattened, each frame
    with its trace_address path (as ethereum-etl does for geth traces)."""
    unnamed = any(not isinstance(e, dict) or "txHash" not in e for e in answer)
    if unnamed and len(answer) != len(block.tx_hashes):
        raise _Inconsistent(f"the traces of block {block.number} do not match its transactions")
    positions = {h: i for i, h in enumerate(block.tx_hashes)}
    rows: list[dict[str, Any]] = []
    for index, entry in enumerate(answer):
        tx_hash = _lower(entry.get("txHash")) if isinstance(entry, dict) else None
        tx_hash = tx_hash or block.tx_hashes[index]
        if isinstance(entry, dict) and entry.get("error") and entry.get("result") is None:
            counts.tracer_errors += 1
            counts.first_tracer_error = counts.first_tracer_error or str(entry["error"])
            continue
        if tx_hash not in positions:
            raise _Inconsistent(
                f"a trace of block {block.number} names a transaction not in the block"
            )
        stack: list[tuple[Any, list[int]]] = [(_get(entry, "result"), [])]
        while stack:
            frame, path = stack.pop()
            if not isinstance(frame, dict):
                raise _Malformed("a call frame is not an object")
            calls = frame.get("calls") or []
            kind = str(_get(frame, "type")).upper()
            trace_type = _GETH_TYPES.get(kind, "call")
            value = frame.get("value")
            rows.append(
                _trace_row(
                    block,
                    tx_hash,
                    positions[tx_hash],
                    from_address=frame.get("from"),
                    to_address=frame.get("to"),
                    value=0 if value is None else _quantity(value, "trace value"),
                    trace_type=trace_type,
                    call_type=kind.lower() if trace_type == "call" else None,
                    trace_address=path,
                    subtraces=len(calls),
                    error=frame.get("error"),
                )
            )
            stack.extend((child, [*path, i]) for i, child in reversed(list(enumerate(calls))))
    return rows


def _with_status(rows: list[dict[str, Any]], counts: _TraceCounts) -> list[dict[str, Any]]:
    """``status`` 0 for failed calls and everything below them (ethereum-etl's rule); rows
    without a recipient (failed creations) are left out and counted."""
    failed = {(r["transaction_hash"], tuple(r["trace_address"])) for r in rows if r["error"]}
    kept = []
    for row in rows:
        path = tuple(row["trace_address"])
        bad = any((row["transaction_hash"], path[:n]) in failed for n in range(len(path) + 1))
        row["status"] = 0 if bad else 1
        if row["to_address"] is None:
            counts.no_recipient += 1
            continue
        kept.append(row)
    return kept
