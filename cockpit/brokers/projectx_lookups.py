"""Orders whose submission went unanswered: when to look for them by tag, and the verdict.

An ``/Order/place`` that timed out or got a 5xx, 401 or 429 may or may not have reached
the Gateway. It is never sent again. Instead it is looked for by its tag (``customTag``)
with one ``/Order/search``: once at once, then on a schedule that backs off (0.5 s after
it went unanswered, then 1.5, 3.5 and 7.5 s, the gaps doubling up to 4 s) and a last look
at the end of the grace. If it is found, it is shown: it was placed once. If it is absent
from a look sent at or after the end of the grace, it was not placed.

Look-ups are reads, so they go last in the request queue. When the rate limit holds them,
the verdict comes later than planned. So the messages state the plan when the order goes
missing, and at the end say what happened (how many looks, over how long), measured on
the clock rather than assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.core.clock import NS_PER_SECOND

FIRST_LOOK_S = 0.5
MAX_LOOK_GAP_S = 4.0
SHARED_LOOK_NS = NS_PER_SECOND // 4
"""A look serves every order whose next look was due this soon after it (two orders lost
together are looked for together, not by two look-ups a few milliseconds apart)."""


def look_plan(grace_seconds: float) -> tuple[float, ...]:
    """Seconds after the submission went unanswered at which to look for it again."""
    offsets: list[float] = []
    gap = FIRST_LOOK_S
    at = FIRST_LOOK_S
    while at < grace_seconds:
        offsets.append(at)
        gap = min(gap * 2, MAX_LOOK_GAP_S)
        at += gap
    offsets.append(grace_seconds)
    return tuple(offsets)


def plan_words(offsets: tuple[float, ...]) -> str:
    """``0.5, 1.5, 3.5, 7.5 and 10 s``."""
    words = [f"{offset:g}" for offset in offsets]
    if len(words) == 1:
        return f"{words[0]} s"
    return f"{', '.join(words[:-1])} and {words[-1]} s"


@dataclass(slots=True)
class LostOrder:
    """One order looked for by its tag, with its schedule and what the looks found."""

    tag: str
    since_ns: int
    """When its submission went unanswered."""
    plan: tuple[float, ...]
    looks: int = 0
    step: int = 0
    last_look_ns: int = 0

    @classmethod
    def start(cls, tag: str, now_ns: int, grace_seconds: float) -> LostOrder:
        return cls(tag, now_ns, look_plan(grace_seconds))

    def _at(self, index: int) -> int:
        return self.since_ns + round(self.plan[index] * NS_PER_SECOND)

    @property
    def due_ns(self) -> int:
        """When the next look is planned."""
        return self._at(self.step)

    @property
    def end_ns(self) -> int:
        """A look sent from here on that does not find it settles it: not placed."""
        return self._at(len(self.plan) - 1)

    def looked(self, sent_ns: int) -> None:
        """A look-up was sent at ``sent_ns``: count it and move the plan past it."""
        self.looks += 1
        self.last_look_ns = sent_ns
        last = len(self.plan) - 1
        while self.step < last and self._at(self.step) <= sent_ns + SHARED_LOOK_NS:
            self.step += 1

    def absent_for_good(self) -> bool:
        """The last look was sent at or after the end of the grace and found nothing."""
        return self.looks > 0 and self.last_look_ns >= self.end_ns

    # What the trader reads ------------------------------------------------------------

    def plan_text(self) -> str:
        """Said when it goes missing: what will happen, and when."""
        return (
            f"It is looked for by its tag at {plan_words(self.plan)} after the lost answer; "
            "if it is not found by the last look it counts as not placed"
        )

    def found_text(self, order_id: int, now_ns: int) -> str:
        seconds = (now_ns - self.since_ns) / NS_PER_SECOND
        return (
            f"order {self.tag} reached the broker as order {order_id} although its answer "
            f"was lost (seen {seconds:.1f} s later); it was placed once and not re-sent"
        )

    def absent_text(self) -> str:
        seconds = (self.last_look_ns - self.since_ns) / NS_PER_SECOND
        looks = "1 look-up" if self.looks == 1 else f"{self.looks} look-ups"
        late = (self.last_look_ns - self.end_ns) / NS_PER_SECOND
        held = f", {late:.1f} s later than planned" if late >= 1 else ""
        return (
            f"order {self.tag} was not placed: {looks} by its tag found nothing, the last "
            f"sent {seconds:.1f} s after its answer was lost{held}; nothing was re-sent"
        )
