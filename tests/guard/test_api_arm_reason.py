"""Arming again after the daily profit target through the JSON API: ``arm`` takes the
reason ``a`` would ask for, is denied without it in the key's words, and the guard
journals the reason as the key's notice (REST and ``/ws`` alike)."""

from __future__ import annotations

from cockpit.core.events import Event, Notice
from cockpit.guard.daemon import Guard
from tests.guard.api_support import receive, request, running_api
from tests.guard.test_attach_arm_reason import locked_target, past_the_target

NEEDS = "a reason is needed to arm: the daily profit target of 0.50 was reached today"
NOTE = "armed again after the daily profit target: news at 2"


def noticed(guard: Guard) -> list[str]:
    """The texts of the notices ``guard`` raises from now on (filled as they come)."""
    texts: list[str] = []

    def note(seq: int, recv_ns: int, event: Event) -> None:
        if isinstance(event, Notice):
            texts.append(event.text)

    guard.listen(note)
    return texts


async def test_rest_arm_without_a_reason_is_409_in_the_keys_words() -> None:
    """Past the profit target under lock, ``POST /arm`` with no reason (or a blank one) is
    409 naming why, and the guard stays disarmed, as ``a`` asks before arming."""
    async with running_api(locked_target()) as api:
        await past_the_target(api.guard)
        for body in ({"armed": True}, {"armed": True, "reason": "   "}):
            status, answer = await api.post("/arm", body)
            assert (status, answer["message"]) == (409, NEEDS), answer
            assert not api.guard.state.armed


async def test_rest_arm_with_a_reason_arms_and_keeps_it() -> None:
    """``POST /arm`` with a reason arms, and the reason is the key's notice."""
    async with running_api(locked_target()) as api:
        await past_the_target(api.guard)
        texts = noticed(api.guard)
        status, answer = await api.post("/arm", {"armed": True, "reason": "news at 2"})
        assert status == 200, answer
        assert api.guard.state.armed
        assert NOTE in texts


async def test_ws_arm_without_a_reason_is_command_refused() -> None:
    """On ``/ws`` the same arm is COMMAND_REFUSED with the same words; with a reason it
    is accepted and the guard arms with the key's notice."""
    async with running_api(locked_target()) as api:
        await past_the_target(api.guard)
        texts = noticed(api.guard)
        socket = await api.connect()
        await receive(socket)
        denied = await request(socket, "command", {"command": "arm", "armed": True}, "a1")
        assert denied["data"]["code"] == "COMMAND_REFUSED", denied
        assert denied["data"]["message"] == NEEDS
        assert not api.guard.state.armed
        arm = {"command": "arm", "armed": True, "reason": "news at 2"}
        armed = await request(socket, "command", arm, "a2")
        assert armed["type"] == "command_result", armed
        assert armed["data"]["accepted"] is True
        assert api.guard.state.armed
        assert NOTE in texts


async def test_no_reason_is_needed_before_the_target_and_one_given_is_kept() -> None:
    """Before any profit target, ``arm`` needs no reason (as ``a``); a reason given anyway
    is kept as a notice saying the API armed, and disarming never needs one."""
    async with running_api(locked_target()) as api:
        texts = noticed(api.guard)
        status, _ = await api.post("/arm", {"armed": True})
        assert (status, api.guard.state.armed) == (200, True)
        status, _ = await api.post("/arm", {"armed": False, "reason": "lunch"})
        assert (status, api.guard.state.armed) == (200, False)
        status, _ = await api.post("/arm", {"armed": True, "reason": "back"})
        assert (status, api.guard.state.armed) == (200, True)
        assert texts == ["disarmed from the API: lunch", "armed from the API: back"]


async def test_disarming_past_the_target_needs_no_reason() -> None:
    """Past the target, armed with a reason, disarming over ``/ws`` needs none."""
    async with running_api(locked_target()) as api:
        await past_the_target(api.guard)
        status, _ = await api.post("/arm", {"armed": True, "reason": "news at 2"})
        assert status == 200
        socket = await api.connect()
        await receive(socket)
        answer = await request(socket, "command", {"command": "arm", "armed": False}, "d")
        assert answer["type"] == "command_result", answer
        assert not api.guard.state.armed
