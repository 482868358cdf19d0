"""Output folders: written all or nothing, by one run at a time.

How a set of result files reaches its folder (``run``, ``report``, ``compare`` and ``sweep`` alike):

1. **Lock.** The writer takes an exclusive ``fcntl.flock`` on ``<folder>/.simengine.lock`` (a run
   takes it before it simulates and holds it to the end). A second run into the same folder is
   refused at once with one line (exit 1); it does not wait and it writes nothing.
2. **Stage.** Every file is written complete, and fsynced, into a staging folder
   ``<folder>/.simengine-stage-XXXXXXXX/`` on the same file system. An error or an interruption in
   this phase removes the staging folder: the previous results are left exactly as they were.
3. **Decide.** When all files are staged, a journal ``<folder>/.simengine-commit.json`` is written
   (under a temporary name, fsynced, then renamed: it exists whole or not at all). It lists the
   files to move into place, the files of the previous commit to remove, and the new file list.
   From this moment the commit has happened.
4. **Apply.** The staged files are renamed into place, the listed stale files removed, and the file
   list ``<folder>/.simengine-files.json`` written last; then the journal and the staging folder
   are removed. Ctrl-C and SIGTERM are held back during this phase (a fraction of a second) and
   take effect right after it, so an interrupted process never leaves a mix.
5. **Recover.** A process killed outright (SIGKILL, power loss) between 3 and 4 leaves the journal:
   the next writer into the folder, and ``report`` and ``check`` before they read it, finish the
   commit from the journal (every step is idempotent), so readers see either the old set or the
   new one. Staging folders and temporaries that a killed run left before step 3 are deleted.

Only files that simengine wrote are ever removed: a file is removed as stale (a chart that no
longer applies, the report after ``--no-report``) only if the previous commit's file list has it
and its size and modification time are still those recorded, i.e. nobody has replaced it since.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from simengine.errors import RunError
from simengine.messages import Msg

LOCK_NAME = ".simengine.lock"
FILES_NAME = ".simengine-files.json"
JOURNAL_NAME = ".simengine-commit.json"
STAGE_PREFIX = ".simengine-stage-"
#: temporaries of earlier versions, which wrote ``.<name>.XXXXXXXX.tmp`` beside the final file
_OLD_TMP = re.compile(r"^\.[\w.-]+\.[a-z0-9_]{8}\.tmp$")

_held: dict[str, list] = {}  # real path of a folder -> [fd of its lock file, depth]: the lock is re-entrant
_after_commit = False  # a Ctrl-C / SIGTERM held back during a commit was delivered after it completed


def interrupted_after_commit() -> bool:
    """Whether the interruption being handled arrived during a commit that then completed."""
    return _after_commit


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):
        dfd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _key(directory: Path) -> str:
    return os.path.realpath(directory)


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the folder's exclusive lock (re-entrant within a process). Raises RunError at once if
    another process holds it. Finishes an interrupted commit and removes stale temporaries."""
    directory = Path(directory)
    key = _key(directory)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    path = directory / LOCK_NAME
    while True:
        try:
            fd = os.open(
                path,
                os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
                0o666 & ~_umask(),
            )
        except OSError as exc:
            raise RunError(
                Msg("run.lock_create", dir=str(directory), name=LOCK_NAME, detail=str(exc.strerror or exc))
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RunError(Msg("run.folder_busy", dir=str(directory))) from None
            raise RunError(Msg("run.lock_failed", dir=str(directory), detail=str(exc.strerror or exc))) from None
        try:  # the holder before us may have removed the file after we opened it: lock the file that is there
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    _held[key] = [fd, 1]
    try:
        recover(directory)
        yield
    finally:
        _held.pop(key, None)
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still holding it; a waiter re-checks that it locked the file that is there
        os.close(fd)


def recover(directory: Path) -> None:
    """Finish a commit that a killed process left half done, and remove staging folders and
    temporaries of killed runs. Call only while holding the folder's lock."""
    directory = Path(directory)
    journal = directory / JOURNAL_NAME
    if journal.is_file():
        try:
            j = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            j = None  # the journal is renamed into place whole, so this is someone else's file: leave it
        if isinstance(j, dict) and j.get("format") == "simengine-commit-1":
            try:
                _apply(directory, j)
            except OSError as exc:  # as commit() reports it; the journal stays, to finish the commit later
                raise RunError(Msg("run.cannot_move", dir=str(directory), detail=str(exc.strerror or exc))) from None
    for d in (directory, directory / "charts"):
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            try:
                if e.name.startswith(STAGE_PREFIX) and e.is_dir(follow_symlinks=False) and d == directory:
                    shutil.rmtree(e.path, ignore_errors=True)
                elif (
                    e.name.startswith(STAGE_PREFIX)
                    or e.name.startswith(f".{FILES_NAME}.")
                    or e.name.startswith(f".{JOURNAL_NAME}.")
                    or _OLD_TMP.match(e.name)
                ) and e.is_file(follow_symlinks=False):
                    os.unlink(e.path)
            except OSError:
                pass


def settle(directory: Path) -> None:
    """Before reading a results folder: if a killed run left a commit half done, finish it (or say
    that it cannot be read now)."""
    directory = Path(directory)
    if not (directory / JOURNAL_NAME).exists():
        return
    if not os.access(directory, os.W_OK | os.X_OK):
        raise RunError(Msg("run.journal_read_only", dir=str(directory)))
    with locked(directory):
        pass


def read_files(directory: Path) -> dict[str, dict]:
    """The files the last commit into ``directory`` wrote: relative path -> {size, mtime_ns}."""
    try:
        m = json.loads((Path(directory) / FILES_NAME).read_text(encoding="utf-8"))
        files = m.get("files", {}) if isinstance(m, dict) else {}
        return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, dict)}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return {}


def _safe_rel(rel: str) -> bool:
    p = Path(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and not rel.startswith(".simengine")


def _apply(directory: Path, j: dict) -> None:
    """Step 4 of the module doc; idempotent, so it can be repeated after a crash."""
    stage = directory / str(j.get("stage", ""))
    files = dict(j.get("files", {}))
    dirs = {directory}
    for rel in j.get("rename", []):
        if not _safe_rel(rel):
            continue
        src, dst = stage / rel, directory / rel
        if src.exists():
            try:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            except OSError as exc:  # something in the way (a folder named results.nc): keep the journal and the stage
                raise RunError(
                    Msg(
                        "run.commit_blocked",
                        dir=str(directory),
                        path=str(dst if dst.parent.is_dir() else dst.parent),
                        detail=str(exc.strerror or exc),
                        stage=str(stage),
                    )
                ) from None
            dirs.add(dst.parent)
        with contextlib.suppress(OSError):
            st = dst.stat()
            files[rel] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    for rel, rec in j.get("remove", {}).items():
        if not _safe_rel(rel):
            continue
        p = directory / rel
        with contextlib.suppress(OSError):
            st = p.stat(follow_symlinks=False)
            if st.st_size == rec.get("size") and st.st_mtime_ns == rec.get("mtime_ns"):  # still ours
                p.unlink()
                dirs.add(p.parent)
            # else someone has replaced it: not ours to remove (and no longer in the file list)
        if p.parent != directory:
            with contextlib.suppress(OSError):
                p.parent.rmdir()  # only if empty
    tmp = directory / f".{FILES_NAME}.tmp"
    tmp.write_text(
        json.dumps({"format": "simengine-files-1", "files": files}, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    os.replace(tmp, directory / FILES_NAME)
    for d in dirs:
        _fsync_dir(d)
    (directory / JOURNAL_NAME).unlink(missing_ok=True)
    _fsync_dir(directory)
    shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM for the duration; deliver them afterwards."""
    global _after_commit
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    sigs = (signal.SIGINT, signal.SIGTERM)
    old: dict[int, object] = {int(s): signal.signal(s, lambda signum, frame: got.append(signum)) for s in sigs}
    ok = False
    try:
        yield
        ok = True
    finally:
        for s, h in old.items():
            signal.signal(s, h)  # type: ignore[arg-type]
        if got:
            _after_commit = ok
            h = old[got[0]]
            if callable(h):
                h(got[0], None)
            elif h == signal.SIG_DFL:
                os.kill(os.getpid(), got[0])


class AtomicOutputs:
    """Collects a run's files in a staging folder; :meth:`commit` moves them all into place.

    ``owns(relative path)``: which files of the previous commit this writer replaces as a whole,
    so that those it does not write again are removed (default: none is removed)."""

    def __init__(self, directory: Path, owns: Callable[[str], bool] | None = None) -> None:
        self.directory = Path(directory)
        self.owns = owns
        self.pending: list[tuple[Path, Path]] = []
        self._stage: Path | None = None

    def _staging(self) -> Path:
        if self._stage is None:
            try:
                self._stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=self.directory))
            except OSError as exc:
                raise RunError(
                    Msg("run.cannot_write", path=str(self.directory), detail=str(exc.strerror or exc))
                ) from None
        return self._stage

    def write(self, name: str, writer: Callable[[Path], None]) -> None:
        final = self.directory / name
        stage = self._staging()
        tmp_path = stage / name
        self.pending.append((tmp_path, final))
        try:
            tmp_path.parent.mkdir(parents=True, exist_ok=True)
            writer(tmp_path)
            with open(tmp_path, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp_path, 0o666 & ~_umask())
        except OSError as exc:
            raise RunError(Msg("run.cannot_write", path=str(final), detail=str(exc.strerror or exc))) from None

    def write_text(self, name: str, text: str) -> None:
        def put(p: Path) -> None:
            p.write_text(text, encoding="utf-8")

        self.write(name, put)

    def write_json(self, name: str, obj: object) -> None:
        self.write_text(name, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")

    def commit(self) -> list[Path]:
        if not self.pending:
            return []
        stage = self._staging()
        rels = [str(final.relative_to(self.directory)) for _, final in self.pending]
        old = read_files(self.directory)
        remove = {r: rec for r, rec in old.items() if self.owns is not None and self.owns(r) and r not in rels}
        files = {r: rec for r, rec in old.items() if r not in remove}
        journal = {
            "format": "simengine-commit-1",
            "stage": stage.name,
            "rename": rels,
            "remove": remove,
            "files": files,
        }
        for d in {stage} | {tmp.parent for tmp, _ in self.pending}:
            _fsync_dir(d)
        tmp = self.directory / f".{JOURNAL_NAME}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(journal, fh)
                fh.flush()
                os.fsync(fh.fileno())
            with _signals_held():
                os.replace(tmp, self.directory / JOURNAL_NAME)  # the commit is decided
                _fsync_dir(self.directory)
                _apply(self.directory, journal)
        except OSError as exc:
            raise RunError(Msg("run.cannot_move", dir=str(self.directory), detail=str(exc.strerror or exc))) from None
        done = [final for _, final in self.pending]
        self.pending.clear()
        self._stage = None
        return done

    def discard(self) -> None:
        if self._stage is not None and not (self.directory / JOURNAL_NAME).exists():
            shutil.rmtree(self._stage, ignore_errors=True)
        self._stage = None
        self.pending.clear()


def check_out_path(directory: Path) -> None:
    """A file where the output folder (or one of its parents) should be: bad input, said as such. Creates
    nothing, so a command can check its --out before its work (prepare_dir checks again)."""
    from simengine.errors import ConfigError

    for p in (directory, *directory.parents):
        if p.is_dir():
            break
        if p.exists() or p.is_symlink():
            if p == directory:
                raise ConfigError(Msg("run.out_is_file", dir=str(directory)))
            raise ConfigError(Msg("run.out_under_file", dir=str(directory), file=str(p)))


def prepare_dir(directory: Path) -> Path:
    check_out_path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(Msg("run.cannot_create_out", dir=str(directory), detail=str(exc.strerror or exc))) from None
    if not directory.is_dir():
        raise RunError(Msg("run.out_not_folder", dir=str(directory)))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise RunError(Msg("run.out_not_writable", dir=str(directory)))
    return directory


@contextlib.contextmanager
def atomic_outputs(directory: Path, owns: Callable[[str], bool] | None = None) -> Iterator[AtomicOutputs]:
    """Lock ``directory``, stage the files written in the block, and commit them all at its end
    (or none, if the block raises)."""
    directory = prepare_dir(Path(directory))
    with locked(directory):
        out = AtomicOutputs(directory, owns)
        try:
            yield out
            out.commit()
        finally:
            out.discard()
