"""The one ISO-8601 parser the ProjectX adapter and the gateway emulator share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.clock import NS_PER_SECOND, ns_from_datetime
from cockpit.core.isotime import iso_from_ns, ns_from_iso

NOON = ns_from_datetime(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
EPOCH_RANGE = st.integers(min_value=0, max_value=4_102_444_800 * NS_PER_SECOND - 1)  # to 2100
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60)  # minutes east of UTC


def written(ns: int, digits: int, offset_minutes: int | None) -> str:
    """``ns`` as a gateway might write it: local time at an offset (``Z`` for None)."""
    seconds, rest = divmod(ns, NS_PER_SECOND)
    zone = UTC if offset_minutes is None else timezone(timedelta(minutes=offset_minutes))
    whole = datetime.fromtimestamp(seconds, tz=zone)
    text = whole.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{rest:09d}"[:digits]
    return text + (
        "Z" if offset_minutes is None else whole.strftime("%z")[:3] + ":" + whole.strftime("%z")[3:]
    )


def truncated(ns: int, digits: int) -> int:
    unit = 10 ** (9 - digits)
    return ns - ns % unit


@given(EPOCH_RANGE, st.integers(min_value=0, max_value=9), st.none() | OFFSETS)
def test_any_written_time_reads_back_to_its_instant(
    ns: int, digits: int, offset: int | None
) -> None:
    """Any instant written with 0-9 fractional digits and Z or any offset reads back exactly."""
    assert ns_from_iso(written(ns, digits, offset)) == truncated(ns, digits)


@given(EPOCH_RANGE)
def test_the_gateways_seven_digit_form_round_trips(ns: int) -> None:
    """``iso_from_ns`` writes .NET's 7 digits and ``ns_from_iso`` reads them to the 100 ns."""
    assert ns_from_iso(iso_from_ns(ns)) == truncated(ns, 7)


def test_seven_digits_keep_the_hundred_nanoseconds() -> None:
    """.NET's ``.1526187`` is 152,618,700 ns, not rounded down to the microsecond."""
    assert ns_from_iso("2026-11-20T12:00:00.1526187Z") == NOON + 152_618_700


def test_a_time_without_a_zone_is_utc() -> None:
    """The gateway's zoneless times mean UTC, the same as ``Z`` and ``+00:00``."""
    assert ns_from_iso("2026-11-20T12:00:00") == NOON
    assert ns_from_iso("2026-11-20T12:00:00Z") == NOON
    assert ns_from_iso("2026-11-20T12:00:00+00:00") == NOON
    assert ns_from_iso("2026-11-20T06:00:00-06:00") == NOON


def test_past_nine_digits_is_truncated() -> None:
    """Digits finer than a nanosecond are dropped, not rounded."""
    assert ns_from_iso("2026-11-20T12:00:00.1234567899Z") == NOON + 123_456_789


@pytest.mark.parametrize("text", ["", "yesterday", "2026-11-20T25:00:00Z", "2026-13-01", "12:00"])
def test_what_is_not_a_time_is_refused(text: str) -> None:
    """Anything that is not an ISO-8601 date-time raises ValueError (the callers' cue)."""
    with pytest.raises(ValueError):  # noqa: PT011 - the callers catch exactly ValueError
        ns_from_iso(text)
