"""The bundled actor table: every catalog actor is in it, with ATT&CK IDs and aliases."""

from __future__ import annotations

from sanctionwatch.incidents import load_catalog
from sanctionwatch.incidents.actors import load_actors


def test_every_catalog_actor_is_known() -> None:
    table = load_actors()
    missing = {i.actor for i in load_catalog().incidents if table.get(i.actor) is None}
    assert missing == set()


def test_ids_and_aliases() -> None:
    table = load_actors()
    expected = {"Lazarus Group": "G0032", "APT38": "G0082", "Andariel": "G0138"}
    for name, attack_id in expected.items():
        actor = table.get(name)
        assert actor is not None
        assert actor.attack_id == attack_id
    assert table.get("unc4736") is table.get("AppleJeus (Citrine Sleet)")
    assert table.get("Jade Sleet") is table.get("TraderTraitor")
    assert table.get("TraderTraitor").attack_id is None  # type: ignore[union-attr]
    assert table.get("no such group") is None
