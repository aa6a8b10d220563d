"""The chains table: which chains are traced output by output."""

from __future__ import annotations

from sanctionwatch.chain.chains import CHAINS, UTXO_CHAINS, is_utxo


def test_utxo_chains_are_the_utxo_model_ones() -> None:
    assert UTXO_CHAINS == ("bitcoin",)
    assert all(is_utxo(name) == (CHAINS[name].model == "utxo") for name in CHAINS)
    assert not is_utxo("")  # an unknown name is not traced output by output
    assert not is_utxo("dogecoin")
