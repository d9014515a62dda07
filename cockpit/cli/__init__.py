"""The ``cockpit`` command: the cockpit itself, and its tools as subcommands.

Subcommands are loaded lazily (by name) so that ``cockpit`` starts without importing
the gateway, polars or the SDK it does not need. Each lives in a module of this package
(``rules``, ``journal``, ``gateway``); ``start`` opens the cockpit or a replay.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.exceptions import NoSuchCommand

from cockpit import __version__
from cockpit.config import ConfigError, Settings, load_settings
from cockpit.core.instruments import INSTRUMENTS

if TYPE_CHECKING:
    from cockpit.journal.show import Palette

#: Subcommand name -> "module:attribute" of its click command.
SUBCOMMANDS: dict[str, str] = {
    "rules": "cockpit.cli.rules:rules",
    "gateway": "cockpit.cli.gateway:gateway",
    "journal": "cockpit.cli.journal:journal",
    "review": "cockpit.cli.journal:review",
    "replay": "cockpit.cli.journal:replay",
    "guard": "cockpit.cli.guard:guard",
    "attach": "cockpit.cli.attach:attach_command",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used.

    Its usage errors list what is valid: the options of the command that was given an
    unknown one (the group's or a subcommand's), and the commands for an unknown command.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            raise _listing_valid_options(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.NoSuchOption as exc:
            raise _listing_valid_options(exc) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except NoSuchCommand as exc:
            commands = self.list_commands(ctx)
            valid = ", ".join(commands) if commands else "none yet"
            message = f"{exc.message} Valid commands: {valid}."
            raise NoSuchCommand(exc.command_name, message, exc.possibilities, ctx) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *SUBCOMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


def _listing_valid_options(exc: click.NoSuchOption) -> click.NoSuchOption:
    """The unknown-option error with the options the command does accept added (once)."""
    ctx = exc.ctx
    if ctx is not None and "Valid options:" not in exc.message:
        names = [
            name
            for param in ctx.command.get_params(ctx)
            if isinstance(param, click.Option)
            for name in (*param.opts, *param.secondary_opts)
        ]
        message = f"{exc.message} Valid options: {', '.join(names)}."
        return click.NoSuchOption(exc.option_name, message, exc.possibilities, ctx)
    return exc


def parse_symbols(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> list[str] | None:
    """``--symbols MNQ,MES``: known roots only, with the valid ones listed otherwise."""
    if value is None:
        return None
    symbols = [part.strip().upper() for part in value.split(",") if part.strip()]
    unknown = [s for s in symbols if s not in INSTRUMENTS]
    if unknown or not symbols:
        raise click.BadParameter(
            f"unknown symbol {', '.join(unknown) or '(none)'}; valid: {', '.join(INSTRUMENTS)}"
        )
    return symbols


def review_palette(config_path: Path | None, theme: str | None) -> Palette:
    """``cockpit review``'s colours: the configured theme's (``--theme`` first), so the
    colour-blind theme carries through; a config that does not load leaves the default."""
    from cockpit.ui.theme import DEFAULT_THEME, palette_named

    if theme is None:
        try:
            theme = load_settings(config_path)[0].ui.theme
        except ConfigError:
            theme = DEFAULT_THEME
    return palette_named(theme)


def load_or_exit(path: Path | None) -> Settings:
    """Settings, or a clear message and exit code 2."""
    try:
        settings, _ = load_settings(path)
    except ConfigError as exc:
        click.echo(f"cockpit: config error\n{exc}", err=True)
        sys.exit(2)
    return settings


def check_live_login(settings: Settings) -> None:
    """Live trading without credentials is a usage error: say what to set, exit 2."""
    from cockpit.brokers.projectx_config import ProjectXSetupError, resolve_login

    try:
        resolve_login(settings.projectx)
    except ProjectXSetupError as exc:
        click.echo(f"cockpit: {exc}", err=True)
        sys.exit(2)


def with_overrides(settings: Settings, **overrides: Any) -> Settings:
    """Apply command-line choices on top of the file's settings."""
    broker = settings.broker
    paper = settings.paper
    ui = settings.ui
    if overrides.get("broker"):
        broker = broker.model_copy(update={"kind": overrides["broker"]})
    if overrides.get("seed") is not None:
        paper = paper.model_copy(update={"seed": overrides["seed"]})
    if overrides.get("symbols"):
        ui = ui.model_copy(update={"watchlist": overrides["symbols"]})
    if overrides.get("theme"):
        ui = ui.model_copy(update={"theme": overrides["theme"]})
    return settings.model_copy(update={"broker": broker, "paper": paper, "ui": ui})


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--broker",
    type=click.Choice(["paper", "projectx"]),
    default=None,
    help="Where orders go: the paper demo (default) or a live ProjectX account.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Settings file (default: config.toml in the user config dir).",
)
@click.option("--symbols", callback=parse_symbols, help="Watchlist, e.g. MNQ,MES,MGC.")
@click.option("--theme", default=None, help="Colour theme by name.")
@click.option("--seed", type=int, default=None, help="Seed of the demo market.")
@click.version_option(__version__, prog_name="cockpit")
@click.pass_context
def main(
    ctx: click.Context,
    broker: str | None,
    config_path: Path | None,
    symbols: list[str] | None,
    theme: str | None,
    seed: int | None,
) -> None:
    """A terminal trading cockpit for futures day traders.

    With no arguments it attaches to a running guard (cockpit guard start), or else
    opens the demo: a paper account on a live synthetic market.
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    if ctx.invoked_subcommand == "review":
        ctx.obj["palette"] = review_palette(config_path, theme)
    if ctx.invoked_subcommand is not None:
        return
    settings = with_overrides(
        load_or_exit(config_path), broker=broker, seed=seed, symbols=symbols, theme=theme
    )
    from cockpit.cli.attach import find_guard, run_attached

    found = find_guard(settings)  # a running guard holds the session: attach to it
    if found is not None:
        sys.exit(run_attached(settings, *found))
    if settings.broker.kind == "projectx":
        check_live_login(settings)
    from cockpit.cli.start import run_cockpit

    sys.exit(run_cockpit(settings))
