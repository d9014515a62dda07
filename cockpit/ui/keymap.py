"""User key remaps from ``[keys]`` in config, checked before the cockpit starts.

Every binding has an id (``flatten-all``); a remap names the id and the new key. An
unknown id, or two actions ending up on the same key, stops the start with a message
that names both actions, because a flatten key that silently does something else is
the worst bug a trading screen can have. Keys are checked where they act together: the
cockpit's among themselves, and a replay's beside the cockpit keys that still act in a
replay (order keys reach no broker there, so a replay key may share a key with one).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path

from textual.binding import Binding
from textual.keys import _character_to_key  # Textual is pinned; this is its own normaliser

from cockpit.config import locate
from cockpit.ui.bindings import (
    COCKPIT_BINDINGS,
    LADDER_BINDINGS,
    LADDER_SHADOWS,
    ORDER_IDS,
    REPLAY_BINDINGS,
    REPLAY_SHADOWS,
)

SCOPES: tuple[tuple[Binding, ...], ...] = (
    tuple(COCKPIT_BINDINGS),
    (*REPLAY_BINDINGS, *(b for b in COCKPIT_BINDINGS if b.id not in REPLAY_SHADOWS | ORDER_IDS)),
    (*LADDER_BINDINGS, *(b for b in COCKPIT_BINDINGS if b.id not in LADDER_SHADOWS)),
)
"""Bindings that answer keys together: the main screen, a replay, the ladder with focus.
A key may mean one thing in each; within one, two actions on a key is an error. A
replay key may take an order key's (orders reach no broker there), never flatten's."""


class KeymapError(ValueError):
    """A ``[keys]`` section that cannot be used; ``entries`` are the ids written in it that
    are at fault (so ``cockpit rules check`` can name their lines)."""

    def __init__(self, message: str, entries: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.entries = tuple(entries)


def normalize(keys: str) -> list[str]:
    """``"?, ctrl+x"`` -> ``["question_mark", "ctrl+x"]`` (Textual's key names)."""
    out = []
    for key in (part.strip() for part in keys.split(",")):
        if not key:
            continue
        out.append(_character_to_key(key) if len(key) == 1 else key)
    return out


def check_keymap(
    remaps: Mapping[str, str], scopes: Iterable[Iterable[Binding]] = SCOPES
) -> dict[str, str]:
    """The keymap Textual should use, or :class:`KeymapError` saying what is wrong."""
    scopes = [tuple(scope) for scope in scopes]
    by_id = {b.id: b for scope in scopes for b in scope if b.id is not None}
    unknown = [binding_id for binding_id in remaps if binding_id not in by_id]
    if unknown:
        close = difflib.get_close_matches(unknown[0], [str(i) for i in by_id], n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise KeymapError(
            f"[keys] unknown binding id {', '.join(map(repr, unknown))}; "
            f"{hint}valid ids: {', '.join(by_id)}",
            unknown,
        )
    empty = [binding_id for binding_id, keys in remaps.items() if not normalize(keys)]
    if empty:
        raise KeymapError(f'[keys] {empty[0]} has no key; give one like "ctrl+x"', empty[:1])
    for scope in scopes:
        _one_action_per_key(remaps, {b.id: b for b in scope if b.id is not None})
    return {binding_id: ",".join(normalize(keys)) for binding_id, keys in remaps.items()}


def keys_problem(keys: Mapping[str, str], text: str | None, path: Path | None) -> str | None:
    """What the cockpit does not accept in ``[keys]`` (an unknown binding id, an empty key,
    two actions on one key), placed at its file and line like any config error."""
    try:
        check_keymap(keys)
    except KeymapError as exc:
        if path is None:
            return str(exc)
        line = locate(text, ["keys", exc.entries[0]])[0] if text and exc.entries else None
        where = f"{path}:{line}" if line else str(path)
        return f"{where}: {exc}"
    return None


def _one_action_per_key(remaps: Mapping[str, str], by_id: Mapping[str, Binding]) -> None:
    owners: dict[str, str] = {}
    for binding_id, binding in by_id.items():
        keys = normalize(remaps[binding_id]) if binding_id in remaps else normalize(binding.key)
        for key in keys:
            other = owners.get(key)
            if other is not None:
                raise KeymapError(
                    f"[keys] key {key!r} is bound to both {other} ({by_id[other].description})"
                    f" and {binding_id} ({binding.description}); give one of them another key",
                    [entry for entry in (binding_id, other) if entry in remaps],
                )
            owners[key] = binding_id
