"""docs/keys.md lists every binding the cockpit has."""

from __future__ import annotations

from pathlib import Path

from cockpit.ui.bindings import COCKPIT_BINDINGS, LADDER_BINDINGS, REPLAY_BINDINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "keys.md"


def test_every_binding_id_is_documented() -> None:
    """Each binding id, replay and ladder keys too, appears in docs/keys.md (sizes as a range)."""
    text = DOC.read_text(encoding="utf-8")
    missing = [
        b.id
        for b in (*COCKPIT_BINDINGS, *REPLAY_BINDINGS, *LADDER_BINDINGS)
        if b.id and f"`{b.id}`" not in text and not b.id.startswith("size-")
    ]
    assert missing == []
    assert "`size-1` ... `size-9`" in text
