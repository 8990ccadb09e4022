"""``svcstd render``: the manual's generated pages as Markdown files, for tools other than mkdocs.

``mkdocs build`` produces the whole site on its own (the ``svcstd`` plugin); this command writes
the very same pages — same function, same templates — into a folder, replacing it as a whole.
``--check`` writes nothing and exits 1 when the folder differs from what would be written
(for setups that commit the pages; svcstd itself does not).
"""

from __future__ import annotations

from pathlib import Path

import click

from svcstd.cli.base import run
from svcstd.errors import EXIT_FINDINGS, EXIT_OK
from svcstd.render.site import MARKER, build_site, write_site
from svcstd.spec import load_standards


def _drift(site_pages: dict[str, str], out: Path) -> list[str]:
    on_disk = {
        p.relative_to(out).as_posix(): p
        for p in (out.rglob("*") if out.is_dir() else [])
        if p.is_file() and p.name != MARKER
    }
    problems = []
    for path in sorted(set(site_pages) | set(on_disk)):
        if path not in on_disk:
            problems.append(f"missing: {path}")
        elif path not in site_pages:
            problems.append(f"not generated: {path}")
        elif on_disk[path].read_text(encoding="utf-8") != site_pages[path]:
            problems.append(f"differs: {path}")
    return problems


@click.command("render")
@click.option(
    "--standards",
    default="standards",
    show_default=True,
    type=click.Path(),
    help="Folder of releases (or one release).",
)
@click.option(
    "--out",
    default="build/docs",
    show_default=True,
    type=click.Path(),
    help="Folder to write the pages to; replaced as a whole.",
)
@click.option(
    "--templates",
    type=click.Path(),
    default=None,
    help="Folder of templates overriding the built-in ones by name (run sandboxed).",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if --out differs from the pages."
)
@run
def command(standards: str, out: str, templates: str | None, check: bool) -> int:
    """Write the manual's generated Markdown pages (the site's handbook/, releases/, lint)."""
    site = build_site(load_standards(standards), templates)
    if check:
        problems = _drift({p.path: p.content for p in site.pages}, Path(out))
        for line in problems:
            click.echo(line)
        click.echo(
            f"{out}: {'out of date' if problems else 'up to date'} ({len(site.pages)} pages)"
        )
        return EXIT_FINDINGS if problems else EXIT_OK
    write_site(site, out)
    click.echo(f"wrote {len(site.pages)} pages to {out}")
    return EXIT_OK
