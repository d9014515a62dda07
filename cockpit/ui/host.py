"""The cockpit app as a screen sees it: typed, without importing the app at load time
(the app imports its screens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.dom import DOMNode

if TYPE_CHECKING:
    from cockpit.ui.app import CockpitApp


def cockpit_app(node: DOMNode) -> CockpitApp:
    """The :class:`CockpitApp` running ``node``: the cockpit's screens run in no other app."""
    from cockpit.ui.app import CockpitApp

    app = node.app
    assert isinstance(app, CockpitApp), f"{type(node).__name__} runs only in the cockpit"
    return app
