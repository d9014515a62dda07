"""The ``cockpit`` command."""

from __future__ import annotations

import click


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """A terminal trading cockpit for futures day traders."""
