"""The project's exceptions.

Every failure a user can cause (a bad scenario, a bad option, an unwritable output folder)
is one of these, and the CLI turns it into a short message and an exit code instead of a
traceback.
"""

from __future__ import annotations


class SimengineError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class ConfigError(SimengineError, ValueError):
    """A scenario, data file or command-line option is invalid.

    ``problems`` holds one line per problem, each naming the file, the key path, the value
    and what is allowed. Also a ValueError, so ``except ValueError`` catches bad input.
    """

    exit_code = 2

    def __init__(self, problems: list[str] | str) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RunError(SimengineError):
    """A run could not complete (disk full, output not writable, numerical trouble)."""

    exit_code = 1
