"""Snapshots of the cockpit at explicit terminal sizes, frozen clock, seeded market.

Update only after looking at the report: ``uv run pytest tests/ui --snapshot-update``.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.ui.conftest import demo_app, press, settle


async def trading_minute(pilot: Pilot[int]) -> None:
    """A minute of market, a long MNQ and a take-profit resting twenty ticks above."""
    await settle(pilot, 60)
    await press(pilot, "a", "2", "b")
    await settle(pilot, 20)
    await press(pilot, "l", "pageup", "pageup", "s")
    await settle(pilot, 10)


def test_main_screen_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The full layout: header, watchlist, chart with average and order lines, blotters."""
    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=trading_minute)


def test_compact_screen_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """80x24 keeps quotes, position, P&L and the footer in a compact layout."""
    assert snap_compare(demo_app(), terminal_size=(80, 24), run_before=trading_minute)


def test_too_small_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Below the minimum the screen asks for the size it needs."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)

    assert snap_compare(demo_app(), terminal_size=(70, 20), run_before=run_before)


def test_disarmed_refusal_in_footer(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Pressing buy while disarmed shows the reason in the footer and the events blotter."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot, 30)
        await press(pilot, "b")

    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=run_before)


def test_order_ticket(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The limit ticket, prefilled at the bid, with the keys that send it."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot, 30)
        await press(pilot, "a", "l", "down")

    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=run_before)


def test_keys_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """`?` lists every key, its action and its id."""

    async def run_before(pilot: Pilot[int]) -> None:
        await settle(pilot)
        await press(pilot, "question_mark")

    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=run_before)
