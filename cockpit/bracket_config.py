"""``[brackets]``: the bracket templates of the config, validated with the config's errors.

```toml
[brackets]
active = "scalp"            # or "none"

[brackets.scalp]
stop = 8                    # ticks from the entry
target = 16

[brackets.runner]
stop = 12
size = 2                    # the entry size the targets add up to
targets = [{ ticks = 8, size = 1 }, { ticks = 24, size = 1 }]
breakeven = { trigger = 8, offset = 1 }
trail = { trigger = 16, distance = 8, step = 2 }
```

Every mistake (a target on the wrong side, zero or negative ticks, target sizes that do
not add up to the entry, an unknown active template) is a pydantic error whose location
is the key as written, so ``rules check`` names the file, line and key.
"""

from __future__ import annotations

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cockpit.core.bracket_plan import NO_TEMPLATE, Breakeven, Target, Template, Trail

Ticks = Field(gt=0, description="ticks from the entry, above 0")


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetTable(_Table):
    ticks: int = Ticks
    """Ticks beyond the entry on the profit side (above 0: a target never sits on the
    losing side)."""
    size: int = Field(default=1, gt=0)


class BreakevenTable(_Table):
    trigger: int = Ticks
    """Ticks in profit that move the stop to the entry."""
    offset: int = Field(default=0, ge=0)
    """Ticks beyond the entry the stop goes to (below the trigger, or it would cross the
    market the moment it moves)."""

    @model_validator(mode="after")
    def _below_trigger(self) -> BreakevenTable:
        if self.offset >= self.trigger:
            raise ValueError(
                f"offset {self.offset} must be below the trigger {self.trigger}: the stop "
                "would be on the wrong side of the market"
            )
        return self


class TrailTable(_Table):
    trigger: int = Ticks
    distance: int = Ticks
    step: int = Field(default=1, gt=0)


class TemplateTable(_Table):
    """One ``[brackets.NAME]`` table."""

    stop: int = Ticks
    target: int | None = Field(default=None, gt=0)
    """One target for the whole entry, ticks on the profit side."""
    size: int | None = Field(default=None, gt=0)
    """The entry size the targets' sizes add up to (checked when given)."""
    targets: list[TargetTable] | None = None
    """Several targets, each for its size; the last takes what the others leave."""
    breakeven: BreakevenTable | None = None
    trail: TrailTable | None = None

    @field_validator("targets")
    @classmethod
    def _targets_add_up(
        cls, targets: list[TargetTable] | None, info: ValidationInfo
    ) -> list[TargetTable] | None:
        size = info.data.get("size")
        if targets is not None and size is not None:
            total = sum(target.size for target in targets)
            if total != size:
                raise ValueError(f"the sizes add up to {total}, not the entry size {size}")
        if targets is not None and info.data.get("target") is not None:
            raise ValueError("give target or targets, not both")
        if targets is not None and not targets:
            raise ValueError("list at least one target, or leave targets out")
        return targets

    def template(self, name: str) -> Template:
        if self.targets is not None:
            targets = tuple(Target(t.ticks, t.size) for t in self.targets)
        elif self.target is not None:
            targets = (Target(self.target),)
        else:
            targets = ()
        be = self.breakeven
        trail = self.trail
        return Template(
            name=name,
            stop=self.stop,
            targets=targets,
            breakeven=Breakeven(be.trigger, be.offset) if be is not None else None,
            trail=Trail(trail.trigger, trail.distance, trail.step) if trail is not None else None,
        )


class BracketSettings(BaseModel):
    """``[brackets]``: ``active`` and one table per template."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, TemplateTable] = Field(init=False)

    active: str = NO_TEMPLATE
    """The template of new entries at start (``"none"``: entries go out bare)."""

    @field_validator("active")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError('name a template or "none"')
        return value

    @property
    def tables(self) -> dict[str, TemplateTable]:
        return dict(self.__pydantic_extra__ or {})

    def templates(self) -> list[Template]:
        """The templates in the order the config lists them (the key cycles in it)."""
        return [table.template(name) for name, table in self.tables.items()]

    def unknown_active(self) -> str | None:
        """What is wrong with ``active`` (a name no table has), or ``None``: checked after
        validation so the error can point at the ``active`` line itself."""
        if self.active == NO_TEMPLATE or self.active in self.tables:
            return None
        known = ", ".join([*self.tables, NO_TEMPLATE])
        return f"no template of that name; known: {known}"
