"""svcstd's own errors. Anything else escaping to the CLI is a bug (exit code 3)."""

from __future__ import annotations

from dataclasses import dataclass

#: Exit codes: the command-line contract (DESIGN.md). The CLI reference renders from these.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

EXIT_CODES = {
    EXIT_OK: "nothing at or above --fail-on",
    EXIT_FINDINGS: "findings at or above --fail-on",
    EXIT_USAGE: "the run could not be done: bad arguments, unreadable or invalid input",
    EXIT_INTERNAL: "internal error in svcstd (a bug: please report it with --debug output)",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    file: str
    message: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.message}"


class SvcstdError(Exception):
    """An input or usage problem: reported as one line per problem, exit code 2."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("svcstd", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        #: Where the problem is, for choosing the earliest of several: (file index, row).
        self.order: tuple[int, int] = (0, 0)
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Errors cross process boundaries (split exports are mapped in worker processes).
        return (type(self), (self.problems,), self.__dict__)


class SpecError(SvcstdError):
    """The standards cannot be loaded (syntax, schema, unsafe YAML)."""
