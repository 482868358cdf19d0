"""Bounded reads of input files (scenario files, the files they extend, municipality CSVs, run
manifests): only regular files, their size checked before a byte is read, and never more than
the limit read, so that a FIFO, ``/dev/zero``, ``/dev/stdin`` or a huge (sparse) file is refused
in one line instead of hanging the program or exhausting memory."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from simengine.errors import ConfigError
from simengine.scenario.safetext import line

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def open_error(where: str, exc: OSError) -> str:
    """The one-line reason a path cannot be opened."""
    if exc.errno == errno.ELOOP:
        return f"{where}: a loop of symbolic links (or too many of them)"
    if exc.errno == errno.ENOENT:
        return f"{where}: no such file"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{where}: cannot use this path: {exc.strerror}"
    return f"{where}: cannot read: {exc.strerror or exc}"


def read_bytes(path: str | Path, limit: int, what: str = "file", where: str | None = None) -> bytes:
    """The contents of the regular file ``path`` (at most ``limit`` bytes), or ConfigError naming
    ``where`` (default: the path) in one line. ``what``: what the file should be, for messages."""
    where = line(where if where is not None else str(path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))  # a FIFO must not block
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL
        if isinstance(exc, ValueError):
            raise ConfigError(f"{where}: cannot use this path: {exc}") from None
        raise ConfigError(open_error(where, exc)) from None
    try:
        st = os.fstat(fd)
        a = "an" if what[:1] in "aeiou" else "a"
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(f"{where}: is a directory, expected {a} {what}")
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{where}: is {kind(st.st_mode)}, expected {a} {what} (a regular file)")
        if st.st_size > limit:
            raise ConfigError(f"{where}: file is {st.st_size:,} bytes; {a} {what} may be at most {limit:,} bytes")
        chunks, n = [], 0
        while True:
            b = os.read(fd, min(1 << 20, limit + 1 - n))
            if not b:
                break
            chunks.append(b)
            n += len(b)
            if n > limit:  # grew while we read
                raise ConfigError(
                    f"{where}: file is more than {limit:,} bytes; a {what} may be at most {limit:,} bytes"
                )
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
