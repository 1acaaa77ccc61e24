"""The one atomic-write path of kimson_geo: every file the package writes goes through here.

Outputs are written into a private staging folder inside the target's folder (so the rename
never crosses a file system), every write checked, files and folder ``fsync``-ed, and only then
renamed into place.  A set of files (a Shapefile's sidecars, the layers of ``validate --fix``)
moves under an ``fcntl.flock``, so two writers never mix their sets.  On any exception, SIGTERM
or SIGINT the staging folder (with what a writer left in it: GeoPackage journals, FlatGeobuf
index files) is removed and the old files stay as they were.  Only a regular file (or nothing)
is replaced: a device, FIFO, folder or symbolic link at the target is refused (``-o /dev/full``,
a link to the input); standard output is written only when named, ``-``.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_text(folder / "note.txt", "xin chào\\n").read_text(encoding="utf-8")
'xin chào\\n'
>>> with atomic_open(folder / "data.bin") as fh:
...     _ = fh.write(b"\\x00\\x01")
>>> (folder / "data.bin").read_bytes()
b'\\x00\\x01'
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import ExportError

__all__ = ["STDOUT", "is_stdout", "check_target", "file_kind", "Staging", "staging",
           "atomic_path", "atomic_open", "open_staged", "write_bytes", "write_text"]

#: The name that means standard output (``-o -``).
STDOUT = "-"
#: Suffix of the staging folders, so that a stray one (after SIGKILL) is recognisable.
STAGING_SUFFIX = ".kimson-tmp"
_COPY_CHUNK = 1 << 20


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """True when ``path`` names standard output (``-``)."""
    return path is not None and os.fspath(path) == STDOUT


def file_kind(mode: int) -> str:
    """What a file of ``mode`` (``st_mode``) is, for a message: ``a folder``, ``a FIFO``..."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_target(path: str | os.PathLike[str]) -> Path:
    """Refuse a target that exists and is not a regular file.

    Raises
    ------
    ExportError
        When ``path`` is a symbolic link, folder, device, FIFO or socket.

    Examples
    --------
    >>> check_target("/dev/null")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kimson_geo.errors.ExportError: /dev/null: is a character device; kimson-geo only ...
    """
    target = Path(path)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise ExportError(f"{target}: cannot be checked: {exc.strerror}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ExportError(f"{target}: is {file_kind(st.st_mode)}; kimson-geo only replaces regular "
                          "files (write to standard output with -o -)")
    return target


#: Staging folders to remove on SIGTERM/SIGINT; our handler is set while there are any.
_LIVE: set[Path] = set()
_LIVE_LOCK = threading.RLock()
_PREVIOUS: dict[int, Any] = {}


def _restore_handlers() -> None:
    for signum, previous in _PREVIOUS.items():
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signum, previous)
    _PREVIOUS.clear()


def _on_signal(signum: int, frame: Any) -> None:
    # remove what is staged, then behave as the process would have without us
    previous = _PREVIOUS.get(signum, signal.SIG_DFL)
    with _LIVE_LOCK:
        for folder in list(_LIVE):
            shutil.rmtree(folder, ignore_errors=True)
        _LIVE.clear()
        _restore_handlers()
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


class _CheckedFile(io.FileIO):
    """A new file (its mode from the umask) whose every ``os.write`` is completed: a short
    write is retried, a write that makes no progress is an error."""

    def write(self, data: Any) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        rest = view
        while rest:
            written = os.write(self.fileno(), rest)
            if written <= 0:
                raise OSError(errno.EIO, "the file system accepted no bytes")
            rest = rest[written:]
        return len(view)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)  # a folder too
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(folder: Path, name: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``folder/.name.lock``; the lock file is removed after."""
    lock = folder / f".{name}.lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.fstat(fd), os.stat(lock)):
                break
        os.close(fd)  # the previous holder removed it while we waited: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


class Staging:
    """Files staged for one atomic commit; made by :func:`staging`.

    Call :meth:`stage` for each output (all in one folder, or standard output alone), write
    the returned paths, and leave the ``with`` block: the staged files are fsync-ed and
    renamed into place together, or, on an exception, removed.
    """

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.folder: Path | None = None
        self._members: list[tuple[Path, Path | str, bool]] = []

    @property
    def targets(self) -> list[str]:
        """The final files staged so far (``-`` for standard output)."""
        return [os.fspath(final) for _, final, _ in self._members]

    def _ensure_dir(self, folder: Path | None) -> Path:
        if self.dir is not None:
            if folder != self.folder:
                raise ExportError(f"{folder}: one atomic write goes to one folder "
                                  f"({self.folder})")
            return self.dir
        where = folder if folder is not None else Path(tempfile.gettempdir())
        try:
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
            made = Path(tempfile.mkdtemp(prefix=".kimson-", suffix=STAGING_SUFFIX, dir=where))
        except OSError as exc:
            raise ExportError(f"{where}: cannot write here: {_describe(exc)}") from exc
        self.dir, self.folder = made, folder
        with _LIVE_LOCK:
            _LIVE.add(made)
            # handlers can only be set from the main thread; elsewhere exceptions still clean up
            if not _PREVIOUS and threading.current_thread() is threading.main_thread():
                for signum in (signal.SIGTERM, signal.SIGINT):
                    previous = signal.getsignal(signum)
                    _PREVIOUS[signum] = signal.SIG_DFL if previous is None else previous
                    signal.signal(signum, _on_signal)
        return made

    def stage(self, target: str | os.PathLike[str], name: str | None = None, *,
              optional: bool = False, sidecars: tuple[str, ...] = ()) -> Path:
        """A path in the staging folder that becomes ``target`` on commit.

        Parameters
        ----------
        target
            The final file, or ``-`` for standard output.
        name
            File name inside the staging folder (default: the target's), for writers that
            pick the format or the sidecars' names from it.
        optional
            When the writer does not produce this file, a file of that name left by an
            earlier write is removed (a stale sidecar), instead of failing.
        sidecars
            Suffixes of the files the writer puts beside it (a Shapefile's ``.shx``,
            ``.dbf``...): staged as optional files that move with it as one set.
        """
        if is_stdout(target):
            if self._members:
                raise ExportError("standard output takes one file, not a set")
            staged = self._ensure_dir(None) / (name or "stdout")
            self._members.append((staged, STDOUT, optional))
            return staged
        final = check_target(target)
        folder = final.parent if str(final.parent) else Path(".")
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"{final}: {folder} is not a folder")
        staged = self._ensure_dir(folder) / (name or final.name)
        self._members.append((staged, final, optional))
        for suffix in sidecars:
            self.stage(final.with_suffix(suffix), staged.with_suffix(suffix).name, optional=True)
        return staged

    def commit(self) -> None:
        """Verify, fsync and move every staged file into place (under a lock for a set)."""
        if not self._members:
            return
        present: list[tuple[Path | None, Path | str]] = []
        for path, final, optional in self._members:
            exists = path.is_file()
            if not (exists or optional):
                raise ExportError(f"{final if final != STDOUT else 'stdout'}: the writer "
                                  "produced no file; nothing was changed")
            if not optional and path.stat().st_size == 0:
                raise ExportError(f"{final}: the writer left an empty file (is the disk "
                                  "full?); nothing was changed")
            present.append((path if exists else None, final))
        if self._members[0][1] == STDOUT:
            out: IO[bytes] = getattr(sys.stdout, "buffer", sys.stdout)  # type: ignore[assignment]
            with open(self._members[0][0], "rb") as source:
                shutil.copyfileobj(source, out, _COPY_CHUNK)
            out.flush()
            return
        for staged, _final in present:
            if staged is not None:
                _fsync(staged)
        folder = self.folder if self.folder is not None else Path(".")
        if self.dir is not None:
            _fsync(self.dir)
        single = len(present) == 1  # a set is moved by one writer at a time: two never mix
        with contextlib.nullcontext() if single else _locked(folder, Path(present[0][1]).name):
            for _staged, final in present:
                check_target(final)  # again, under the lock: nothing may have appeared since
            for staged, final in present:
                if staged is None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(final)
                    continue
                with contextlib.suppress(FileNotFoundError):
                    old = os.stat(final)
                    os.chmod(staged, stat.S_IMODE(old.st_mode))  # keep the old file's mode
                    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                        with contextlib.suppress(PermissionError):
                            os.chown(staged, old.st_uid, old.st_gid)
                os.replace(staged, final)
        _fsync(folder)

    def cleanup(self) -> None:
        """Remove the staging folder and everything a writer left in it."""
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            with _LIVE_LOCK:
                _LIVE.discard(self.dir)
                main = threading.current_thread() is threading.main_thread()
                if not _LIVE and _PREVIOUS and main:
                    _restore_handlers()


@contextlib.contextmanager
def staging() -> Iterator[Staging]:
    """Stage files and commit them together when the block ends without an exception.

    Every ``OSError`` (a full disk, a read-only folder) becomes an :class:`ExportError`
    naming the file; the old files are left as they were and nothing staged remains.
    """
    st = Staging()
    try:
        yield st
        st.commit()
    except (ExportError, BrokenPipeError):
        raise  # a closed pipe (| head) is the CLI's to handle quietly
    except OSError as exc:
        where = next(iter(st.targets), "output")
        where = "stdout" if where == STDOUT else where
        raise ExportError(f"{where}: could not be written: {_describe(exc)}; nothing was "
                          "changed") from exc
    finally:
        st.cleanup()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, name: str | None = None,
                sidecars: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield a staged path for a writer that takes a file name (GDAL); commit on success.

    ``name`` and ``sidecars`` are those of :meth:`Staging.stage`.
    """
    with staging() as st:
        yield st.stage(path, name, sidecars=sidecars)


def open_staged(staged: Path) -> io.BufferedWriter:
    """A new file at the staged path ``staged`` (from :func:`atomic_path`), open for a
    writer of this package: every write is checked (a short write completed, a full disk
    an :class:`OSError`)."""
    return io.BufferedWriter(_CheckedFile(staged, "xb"), buffer_size=_COPY_CHUNK)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", *,
                encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Open ``path`` (or ``-``, standard output) for writing, atomically.

    ``mode`` is ``"wb"`` or ``"w"`` (text, ``encoding``).  Every write is checked; the file
    replaces ``path`` only when the block ends without an exception.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open writes only ('wb' or 'w'), not {mode!r}")
    with staging() as st:
        handle: IO[Any] = open_staged(st.stage(path))
        if mode == "w":
            handle = io.TextIOWrapper(handle, encoding=encoding, newline="")  # type: ignore[arg-type]
        try:
            yield handle
        except BaseException:
            with contextlib.suppress(OSError, ValueError):
                handle.close()  # the first error is the one to report
            raise
        handle.close()


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` (or ``-``) atomically; return the path."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` (or ``-``) atomically; return the path."""
    return write_bytes(path, text.encode(encoding))
