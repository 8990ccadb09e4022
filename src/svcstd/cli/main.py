"""``svcstd`` entry point: the command group, error handling and exit codes.

Every subcommand returns an exit code. :class:`~svcstd.errors.SvcstdError` becomes one line per
problem on stderr and exit code 2; anything else is a bug: exit code 3 with a one-line message,
or the traceback under ``--debug``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from svcstd import __version__
from svcstd.errors import EXIT_INTERNAL, EXIT_USAGE, SvcstdError


def run(func: Callable[..., int]) -> Callable[..., None]:
    """Wrap a subcommand body: map svcstd errors to exit 2, bugs to exit 3."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            code = func(*args, **kwargs)
        except SvcstdError as exc:
            if debug:
                raise
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(EXIT_USAGE)
        except (KeyboardInterrupt, BrokenPipeError):
            sys.exit(130)
        except Exception as exc:
            if debug:
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)
        sys.exit(code)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="svcstd")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """Customer-service handbooks as code: lint the standards, check records, publish the manual."""


def _register() -> None:
    from svcstd.cli import check, diff, lint, render, rules, schema, summary

    for module in (check, diff, lint, render, rules, schema, summary):
        cli.add_command(module.command)
    try:  # the business-time command lands with the time engine
        from svcstd.cli import due
    except ImportError:
        pass
    else:
        cli.add_command(due.command)


_register()


def main() -> None:
    cli(prog_name="svcstd")


if __name__ == "__main__":
    main()
