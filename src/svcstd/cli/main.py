"""``svcstd`` entry point: the command group, error handling and exit codes.

Every subcommand returns an exit code. :class:`~svcstd.errors.SvcstdError` becomes one line per
problem on stderr and exit code 2; anything else is a bug: exit code 3 with a one-line message,
or the traceback under ``--debug``.
"""

from __future__ import annotations

import click

from svcstd import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="svcstd")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """Customer-service handbooks as code: lint the standards, check records, publish the manual."""


def _register() -> None:
    from svcstd.cli import check, diff, generate, lint, render, rules, schema, summary, trend

    for module in (check, diff, generate, lint, render, rules, schema, summary, trend):
        cli.add_command(module.command)
    try:  # the business-time command lands with the time engine
        from svcstd.cli import due
    except ImportError:
        pass
    else:
        cli.add_command(due.command)


_register()


def main() -> None:
    _arrow_memory()
    cli(prog_name="svcstd")


def _arrow_memory() -> None:
    """The command's own pyarrow allocations in a pool that hands freed memory back (see
    :func:`svcstd.records.partitioned.returning_arrow_pool`), unless the user chose one."""
    import os

    from svcstd.records.partitioned import returning_arrow_pool

    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ and returning_arrow_pool():
        import pyarrow as pa

        pa.set_memory_pool(pa.jemalloc_memory_pool())
