"""Address registries: every address of a chain gets an integer id and a precomputed text.

Background rows are generated as integer ids (fast numpy sampling with Zipf-like
popularity); the registry turns ids into text when a window is written. Named addresses
(services, laundering addresses) are appended after the anonymous background pool.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sanctionwatch.scenario._addresses import (
    BTC_KIND_WEIGHTS,
    P2PKH,
    P2SH,
    P2WPKH,
    btc_addresses,
    btc_in_script,
    btc_out_script,
    eth_address,
    eth_hex_chars,
    tron_addresses,
)
from sanctionwatch.scenario._encode import fixed_strings

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]


class AddressFactory:
    """Fresh named addresses for services and the laundering core (batched encoding)."""

    _BATCH = 512

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._queues: dict[int, list[tuple[str, bytes]]] = {P2PKH: [], P2SH: [], P2WPKH: []}
        self.btc_meta: dict[str, tuple[int, bytes]] = {}

    def eth(self) -> str:
        """A fresh lower-case Ethereum address."""
        return eth_address(self._rng.bytes(20))

    def tron(self) -> str:
        """A fresh TRON base58check address."""
        raw = np.frombuffer(self._rng.bytes(20), dtype=np.uint8).reshape(1, 20)
        return tron_addresses(raw)[0]

    def btc(self, kind: int | None = None) -> str:
        """A fresh Bitcoin address (P2PKH, P2SH or P2WPKH; random kind unless given)."""
        if kind is None:
            u = self._rng.random()
            kind = (
                P2PKH
                if u < BTC_KIND_WEIGHTS[0]
                else (P2SH if u < BTC_KIND_WEIGHTS[0] + BTC_KIND_WEIGHTS[1] else P2WPKH)
            )
        q = self._queues[kind]
        if not q:
            raw = np.frombuffer(self._rng.bytes(20 * self._BATCH), dtype=np.uint8).reshape(
                self._BATCH, 20
            )
            kinds = np.full(self._BATCH, kind, dtype=np.int8)
            q.extend(zip(btc_addresses(kinds, raw), (r.tobytes() for r in raw), strict=True))
            q.reverse()
        addr, h160 = q.pop()
        self.btc_meta[addr] = (kind, h160)
        return addr


class EthRegistry:
    """Ethereum ids: users, then exchange deposit addresses, then named addresses."""

    def __init__(
        self, rng: np.random.Generator, users: int, deposits: int, exchange_shares: list[float]
    ) -> None:
        self.users = users
        self.deposits = deposits
        self.dep_base = users
        self.dep_exchange: npt.NDArray[np.int16] = rng.choice(
            len(exchange_shares), size=deposits, p=np.asarray(exchange_shares)
        ).astype(np.int16)
        self._raw = np.frombuffer(rng.bytes(20 * (users + deposits)), dtype=np.uint8).reshape(
            users + deposits, 20
        )
        self._named: list[str] = []
        self._ids: dict[str, int] = {}
        self.chars: U8 = np.empty((0, 42), dtype=np.uint8)
        self.nonces: I64 = np.zeros(0, dtype=np.int64)

    def add(self, address: str) -> int:
        """Register a named address (idempotent) and return its id."""
        got = self._ids.get(address)
        if got is None:
            got = self.users + self.deposits + len(self._named)
            self._ids[address] = got
            self._named.append(address)
        return got

    def id(self, address: str) -> int:
        """Id of a named address."""
        return self._ids[address]

    def finalize(self) -> None:
        """Build the text table once all named addresses are known."""
        named = np.frombuffer("".join(self._named).encode("ascii"), dtype=np.uint8).reshape(
            len(self._named), 42
        )
        self.chars = np.concatenate([eth_hex_chars(self._raw), named])
        self.nonces = np.zeros(len(self.chars), dtype=np.int64)
        del self._raw

    def text(self, ids: I64) -> pa.StringArray:
        """Address text of each id."""
        return fixed_strings(self.chars[ids])

    def bare_hex(self, ids: I64) -> U8:
        """(n, 40) hex characters of each address without ``0x`` (for ABI words)."""
        return self.chars[ids, 2:]

    def address(self, i: int) -> str:
        """Text of one id."""
        text: str = self.chars[i].tobytes().decode("ascii")
        return text


class BtcRegistry:
    """Bitcoin ids: wallets, exchange deposit addresses, then named addresses.

    For each id it precomputes the JSON fragments bitcoin-etl prints for an output paying
    the address and for an input spending from it (script, type, addresses).
    """

    def __init__(
        self, rng: np.random.Generator, wallets: int, deposits: int, exchange_shares: list[float]
    ) -> None:
        self.wallets = wallets
        self.deposits = deposits
        self.dep_base = wallets
        n = wallets + deposits
        self.dep_exchange: npt.NDArray[np.int16] = rng.choice(
            len(exchange_shares), size=deposits, p=np.asarray(exchange_shares)
        ).astype(np.int16)
        self._kinds = rng.choice(3, size=n, p=BTC_KIND_WEIGHTS).astype(np.int8)
        self._h160 = np.frombuffer(rng.bytes(20 * n), dtype=np.uint8).reshape(n, 20)
        self._sig = rng.bytes(71 * 1024)
        self._pub = rng.bytes(33 * 1024)
        self._pool_text = btc_addresses(self._kinds, self._h160)
        self._named: list[str] = []
        self._named_meta: list[tuple[int, bytes]] = []
        self._ids: dict[str, int] = {}
        self.kind_of_id: npt.NDArray[np.int8] = np.zeros(0, dtype=np.int8)  # 0 wallet, 1 dep, 2 hot
        self.exchange_of_id: npt.NDArray[np.int16] = np.zeros(0, dtype=np.int16)
        self.out_frag: pa.StringArray = pa.array([], type=pa.string())
        self.in_frag: pa.StringArray = pa.array([], type=pa.string())
        self.text: pa.StringArray = pa.array([], type=pa.string())
        self._hot: dict[str, int] = {}

    def pool_address(self, i: int) -> str:
        """Text of a background pool address."""
        return self._pool_text[i]

    def add(self, address: str, meta: tuple[int, bytes], hot_of_exchange: int | None = None) -> int:
        """Register a named address with its (kind, hash160); idempotent."""
        got = self._ids.get(address)
        if got is None:
            got = self.wallets + self.deposits + len(self._named)
            self._ids[address] = got
            self._named.append(address)
            self._named_meta.append(meta)
        if hot_of_exchange is not None:
            self._hot[address] = hot_of_exchange
        return got

    def id(self, address: str) -> int:
        """Id of an address: a named one, or a pool address by its text."""
        got = self._ids.get(address)
        if got is None:
            got = self._pool_index[address]
        return got

    def finalize(self) -> None:
        """Build id -> text / JSON fragments once all named addresses are known."""
        texts = list(self._pool_text) + self._named
        kinds = self._kinds.tolist() + [m[0] for m in self._named_meta]
        hashes = [bytes(h) for h in self._h160] + [m[1] for m in self._named_meta]
        out_frags: list[str] = []
        in_frags: list[str] = []
        for i, (addr, kind, h160) in enumerate(zip(texts, kinds, hashes, strict=True)):
            asm, hexs, typ = btc_out_script(kind, h160)
            tail = f'"required_signatures":1,"type":"{typ}","addresses":["{addr}"]'
            out_frags.append(f'"script_asm":"{asm}","script_hex":"{hexs}",{tail}')
            j = i % 1024
            iasm, ihex = btc_in_script(
                kind, h160, self._sig[71 * j : 71 * j + 71], self._pub[33 * j : 33 * j + 33]
            )
            seq = 4294967293 if kind != P2PKH else 4294967295
            in_frags.append(f'"script_asm":"{iasm}","script_hex":"{ihex}","sequence":{seq},{tail}')
        self.out_frag = pa.array(out_frags, type=pa.string())
        self.in_frag = pa.array(in_frags, type=pa.string())
        self.text = pa.array(texts, type=pa.string())
        n = len(texts)
        self.kind_of_id = np.zeros(n, dtype=np.int8)
        self.exchange_of_id = np.full(n, -1, dtype=np.int16)
        self.kind_of_id[self.wallets : self.wallets + self.deposits] = 1
        self.exchange_of_id[self.wallets : self.wallets + self.deposits] = self.dep_exchange
        for addr, ex in self._hot.items():
            i = self._ids[addr]
            self.kind_of_id[i] = 2
            self.exchange_of_id[i] = ex
        self._pool_index = {a: i for i, a in enumerate(self._pool_text)}

    @property
    def size(self) -> int:
        """Number of ids."""
        return self.wallets + self.deposits + len(self._named)


class TronRegistry:
    """TRON ids: users, exchange deposit addresses, then named addresses."""

    def __init__(
        self, rng: np.random.Generator, users: int, deposits: int, exchange_count: int
    ) -> None:
        self.users = users
        self.deposits = deposits
        self.dep_base = users
        self.dep_exchange: npt.NDArray[np.int16] = rng.integers(
            0, exchange_count, size=deposits
        ).astype(np.int16)
        raw = np.frombuffer(rng.bytes(20 * (users + deposits)), dtype=np.uint8).reshape(-1, 20)
        self._texts = tron_addresses(raw)
        self._ids: dict[str, int] = {}
        self.text: pa.StringArray = pa.array([], type=pa.string())

    def add(self, address: str) -> int:
        """Register a named address (idempotent)."""
        got = self._ids.get(address)
        if got is None:
            got = len(self._texts)
            self._ids[address] = got
            self._texts.append(address)
        return got

    def id(self, address: str) -> int:
        """Id of a named address."""
        return self._ids[address]

    def finalize(self) -> None:
        """Freeze the id -> text table."""
        self.text = pa.array(self._texts, type=pa.string())


__all__ = [
    "P2PKH",
    "P2SH",
    "P2WPKH",
    "AddressFactory",
    "BtcRegistry",
    "EthRegistry",
    "TronRegistry",
]
