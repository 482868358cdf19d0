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
from simengine.messages import Msg
from simengine.scenario.safetext import line

_KINDS = (
    (stat.S_ISDIR, "io.kind.directory"),
    (stat.S_ISFIFO, "io.kind.fifo"),
    (stat.S_ISCHR, "io.kind.device"),
    (stat.S_ISBLK, "io.kind.device"),
    (stat.S_ISSOCK, "io.kind.socket"),
)
#: what a file should be (``read_bytes``' ``what``), with its article, in Danish and English
_WHAT = {
    "file": "io.what.file",
    "scenario": "io.what.scenario",
    "observations file": "io.what.observations",
    "municipalities CSV": "io.what.municipalities",
    "run manifest (run.json)": "io.what.manifest",
}


def kind(mode: int) -> Msg:
    for test, key in _KINDS:
        if test(mode):
            return Msg(key)
    return Msg("io.kind.other")


def open_error(where: str, exc: OSError) -> Msg:
    """The one-line reason a path cannot be opened."""
    if exc.errno == errno.ELOOP:
        return Msg("io.loop", file=where)
    if exc.errno == errno.ENOENT:
        return Msg("sc.no_file", file=where)
    if exc.errno == errno.ENAMETOOLONG:
        return Msg("sc.bad_path", file=where, detail=str(exc.strerror))
    return Msg("io.cannot_read", file=where, detail=str(exc.strerror or exc))


def _what(what: str | Msg) -> str | Msg:
    if isinstance(what, Msg):
        return what
    if what in _WHAT:
        return Msg(_WHAT[what])
    return ("an " if what[:1] in "aeiou" else "a ") + what


def read_bytes(path: str | Path, limit: int, what: str | Msg = "file", where: str | None = None) -> bytes:
    """The contents of the regular file ``path`` (at most ``limit`` bytes), or ConfigError naming
    ``where`` (default: the path) in one line. ``what``: what the file should be, for messages
    ("scenario", "observations file", "municipalities CSV", ...; or a Msg with its article)."""
    where = line(where if where is not None else str(path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))  # a FIFO must not block
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL
        if isinstance(exc, ValueError):
            raise ConfigError(Msg("sc.bad_path", file=where, detail=str(exc))) from None
        raise ConfigError(open_error(where, exc)) from None
    try:
        st = os.fstat(fd)
        a_what = _what(what)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(Msg("io.is_dir", file=where, what=a_what))
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(Msg("io.not_regular", file=where, kind=kind(st.st_mode), what=a_what))
        if st.st_size > limit:
            raise ConfigError(Msg("io.too_large", file=where, size=st.st_size, what=a_what, limit=limit))
        chunks, n = [], 0
        while True:
            b = os.read(fd, min(1 << 20, limit + 1 - n))
            if not b:
                break
            chunks.append(b)
            n += len(b)
            if n > limit:  # grew while we read
                raise ConfigError(Msg("io.grew", file=where, what=a_what, limit=limit))
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(Msg("io.cannot_read", file=where, detail=str(exc.strerror or exc))) from None
    finally:
        os.close(fd)
