"""Escaping spec text for the Markdown pages: the manual's one autoescape decision.

The generated pages are Markdown that Python-Markdown turns into HTML, and Markdown passes raw
HTML straight through. Spec text (titles, statements, quotes from the handbooks) must therefore
never become markup: a ``<script>`` in a rule title has to show up as text, and a ``|`` in a
statement must not split a table cell. So every value a template prints goes through
:func:`md` (the Jinja ``finalize`` hook), which

1. collapses every run of whitespace to one space, so text cannot start a heading, list or
   code block on a new line (a single leading or trailing space is kept for joining);
2. HTML-escapes ``& < > " '`` (markupsafe), so no tag or entity from the spec survives;
3. replaces the characters that Markdown or its extensions read as syntax — ``\\ ` * _ [ ] { }
   |`` and a leading ``#``, ``+``, ``-`` or ``1.`` — by numeric character references, which
   Markdown leaves alone and the browser shows as the character itself.

Values that are already :class:`markupsafe.Markup` (links and diagrams built by the view
models from escaped parts) pass through unchanged; templates opt out with ``|safe`` only.
Autoescape is also switched on, so filters such as ``join`` escape their items.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

_SYNTAX = str.maketrans(
    {
        "\\": "&#92;",
        "`": "&#96;",
        "*": "&#42;",
        "_": "&#95;",
        "[": "&#91;",
        "]": "&#93;",
        "{": "&#123;",
        "}": "&#125;",
        "|": "&#124;",
        "~": "&#126;",
    }
)
_SPACE = re.compile(r"\s+")
_LEADING = re.compile(r"^(?:[#+-]|\d+\.(?=\s|$))")


def md(value: Any) -> Markup:
    """``value`` as Markdown-safe, HTML-safe inline text (see the module docstring)."""
    if hasattr(value, "__html__"):
        return Markup(value)
    if value is None:
        return Markup("")
    text = _SPACE.sub(" ", str(value))
    text = str(escape(text)).translate(_SYNTAX)
    text = _LEADING.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group(0)), text)
    return Markup(text)


def link(text: Any, href: str) -> Markup:
    """A Markdown link with escaped text; ``href`` is a path svcstd built, never spec text."""
    return Markup("[{}]({})").format(md(text), Markup(href))


def code(text: str) -> Markup:
    """Inline code for identifiers (ids, slugs): HTML-escaped, backticks can't break out."""
    return Markup("<code>{}</code>").format(text)
