"""Atomic output: every file is written under a temporary name in the target folder and renamed
into place only when all of a run's files are complete, so an interrupted or failed run leaves
the previous results intact and no temporary files behind."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from simengine.errors import RunError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicOutputs:
    """Collects temporary files; :meth:`commit` renames them all into place."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pending: list[tuple[Path, Path]] = []

    def write(self, name: str, writer: Callable[[Path], None]) -> None:
        final = self.directory / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.directory)
        os.close(fd)
        tmp_path = Path(tmp)
        self.pending.append((tmp_path, final))
        try:
            writer(tmp_path)
            with open(tmp_path, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        except OSError as exc:
            raise RunError(f"{final}: cannot write: {exc.strerror or exc}") from None

    def write_text(self, name: str, text: str) -> None:
        self.write(name, lambda p: p.write_text(text, encoding="utf-8"))

    def write_json(self, name: str, obj: object) -> None:
        self.write_text(name, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")

    def commit(self) -> list[Path]:
        done = []
        for tmp, final in self.pending:
            os.replace(tmp, final)
            done.append(final)
        self.pending.clear()
        with contextlib.suppress(OSError):
            dfd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        return done

    def discard(self) -> None:
        for tmp, _ in self.pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self.pending.clear()


def prepare_dir(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"{directory}: cannot create output folder: {exc.strerror or exc}") from None
    if not directory.is_dir():
        raise RunError(f"{directory}: output path exists and is not a folder")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise RunError(f"{directory}: output folder is not writable")
    return directory


@contextlib.contextmanager
def atomic_outputs(directory: Path) -> Iterator[AtomicOutputs]:
    out = AtomicOutputs(prepare_dir(directory))
    try:
        yield out
        out.commit()
    finally:
        out.discard()
