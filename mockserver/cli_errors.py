"""One error line for every mistake a user can make on the command line, shared by the three console scripts.

click shows a usage error as three lines (usage, a ``--help`` hint, the error); a first-time user reads the
first, which is not the error. :class:`OneLineErrorGroup` turns every usage error (a missing option, a bad
``--report`` suffix, an unknown command) into ``Error: <message> (see '<command> --help')`` on stderr, exit 2;
:class:`CliError` is how a command reports a mistake the user can fix (port in use, bad fixture, bad ``--set``).
"""

from __future__ import annotations

from typing import Any

import click


class CliError(click.ClickException):
    """A mistake the user can fix: click prints ``Error: <message>`` as ONE line on stderr, exit status 2."""

    exit_code = 2


def one_line(exc: click.UsageError) -> CliError:
    """The usage error as one line that still says where to find help."""
    message = " ".join(exc.format_message().split())
    if exc.ctx is not None:
        message += f" (see '{exc.ctx.command_path} --help')"
    return CliError(message)  # exit status 2, as click gives usage errors


def _is_help_request(exc: click.UsageError) -> bool:
    # a group run without a command shows its help (click raises NoArgsIsHelpError for that): keep it
    return isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ()))


class OneLineErrorGroup(click.Group):
    """A click group whose usage errors, and those of its sub-commands, are one line each."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            if _is_help_request(exc):
                raise
            raise one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if _is_help_request(exc):
                raise
            raise one_line(exc) from None
