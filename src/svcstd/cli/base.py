"""The wrapper every subcommand runs in: svcstd errors → exit 2, bugs → exit 3."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

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
