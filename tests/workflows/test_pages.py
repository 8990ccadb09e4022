"""The workflow pages (``site/workflows/*.md``) work as written: every command in their
```` ```console ```` blocks runs, in page order, in a scratch folder holding a copy of
``standards/``; it exits 0 or the code the page states (``# exits N`` after the command), and
every output line the page shows is among the lines the command prints (``…`` marks lines the
page leaves out). A code block whose first line is ``# file: PATH`` is written to PATH first, and
``# append to: PATH`` appends to it, as the reader would in an editor.

Not run: ``mkdocs`` (the site build has its own tests in ``tests/render``), ``pip`` and
``pre-commit`` (the hook is run for real by ``test_pre_commit.py``).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "site" / "workflows"
NOT_RUN = {"mkdocs", "pip", "pre-commit"}
EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\b.*$")
FILE = re.compile(r"^#\s*(file|append to):\s*(\S+)\s*$")
ELIDED = {"…", "..."}


@dataclass
class Command:
    line: str
    exit: int
    shown: list[str] = field(default_factory=list)


@dataclass
class File:
    path: str
    text: str
    append: bool


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """Fenced code blocks as (language, lines)."""
    out: list[tuple[str, list[str]]] = []
    lang, body = None, []
    for line in text.splitlines():
        if lang is None:
            m = re.match(r"^```\s*([\w-]*)", line)
            if m:
                lang, body = m.group(1), []
        elif line.startswith("```"):
            out.append((lang, body))
            lang = None
        else:
            body.append(line)
    assert lang is None, "unclosed code block"
    return out


def steps(page: Path) -> list[Command | File]:
    out: list[Command | File] = []
    for lang, body in blocks(page.read_text(encoding="utf-8")):
        if lang == "console":
            pending = ""
            for line in body:
                if pending or line.startswith("$ "):
                    text = pending + (line[2:] if not pending else line.strip())
                    if text.endswith("\\"):
                        pending = text[:-1].rstrip() + " "
                        continue
                    pending = ""
                    m = EXITS.search(text)
                    out.append(Command(EXITS.sub("", text), int(m.group(1)) if m else 0))
                elif line.strip():
                    assert out and isinstance(out[-1], Command), f"output before a command: {line}"
                    out[-1].shown.append(line.rstrip())
        elif body and (m := FILE.match(body[0])):
            out.append(File(m.group(2), "\n".join(body[1:]) + "\n", m.group(1) == "append to"))
    return out


@pytest.mark.parametrize("page", ["auditor", "maintainer", "ci"])
def test_every_command_of_the_page_works_as_shown(
    page: str, tmp_path: Path, sh: Callable[[str, Path], subprocess.CompletedProcess[str]]
) -> None:
    shutil.copytree(ROOT / "standards", tmp_path / "standards")
    ran = 0
    for step in steps(PAGES / f"{page}.md"):
        if isinstance(step, File):
            target = tmp_path / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a" if step.append else "w", encoding="utf-8") as fh:
                fh.write(step.text)
            continue
        if shlex.split(step.line)[0] in NOT_RUN:
            continue
        res = sh(step.line, tmp_path)
        printed = res.stdout + res.stderr
        assert res.returncode == step.exit, f"{step.line}\n{printed}"
        lines = {line.rstrip() for line in printed.splitlines()}
        for shown in step.shown:
            if shown.strip() not in ELIDED:
                assert shown in lines, (
                    f"{step.line}\nthe page shows: {shown!r}\nprinted:\n{printed}"
                )
        ran += 1
    assert ran >= 5, f"{page}: only {ran} commands"
