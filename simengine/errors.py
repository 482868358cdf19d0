"""The project's exceptions.

Every failure a user can cause (a bad scenario, a bad option, an unwritable output folder)
is one of these, and the CLI turns it into a short message and an exit code instead of a
traceback. ``str()`` of an error is English (for Python users); ``lines(lang)`` gives its lines
in Danish or English (simengine.messages), as the command line prints them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from simengine.messages import Msg


class SimengineError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, *args: object) -> None:
        from simengine.messages import Msg

        if len(args) == 1 and isinstance(args[0], Msg):
            self.messages: list[str | Msg] = [args[0]]
            super().__init__(str(args[0]))
        else:
            self.messages = [" ".join(str(a) for a in args)] if args else []
            super().__init__(*args)

    @property
    def key(self) -> str | None:
        """The catalogue key of the (first) message, None for a plain English text."""
        from simengine.messages import Msg

        return next((m.key for m in self.messages if isinstance(m, Msg)), None)

    def lines(self, lang: str = "en") -> list[str]:
        """One line per problem in ``lang`` ("da" or "en"); a text not in the catalogue stays English."""
        from simengine.messages import render

        return [render(m, lang) for m in self.messages]


class ConfigError(SimengineError, ValueError):
    """A scenario, data file or command-line option is invalid.

    ``problems`` holds one line per problem (English), each naming the file, the key path, the
    value and what is allowed. Also a ValueError, so ``except ValueError`` catches bad input.
    """

    exit_code = 2

    def __init__(self, problems: Sequence[str | Msg] | str | Msg) -> None:
        from simengine.messages import Msg

        if isinstance(problems, (str, Msg)):
            problems = [problems]
        self.messages = list(problems)
        self.problems = [str(p) for p in self.messages]
        ValueError.__init__(self, "\n".join(self.problems))


class RunError(SimengineError):
    """A run could not complete (disk full, output not writable, numerical trouble)."""

    exit_code = 1
