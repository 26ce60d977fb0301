"""Atomic file writes: a failed run never leaves a half-written file over a good one."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_path", "folder_lock", "write_bytes_atomic", "write_text_atomic"]


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside *target*; rename it over *target* only if the block succeeds.

    The temporary file lives in the target's folder so that the final ``os.replace`` is a rename
    on one file system (atomic on POSIX). On any exception the temporary file is removed and the
    previous *target*, if any, is left untouched. A symbolic link is followed (the file it names is
    replaced); a device or pipe such as ``/dev/stdout`` is written in place, never renamed over.
    """
    target = Path(target)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(target))
    if target.exists() and not target.is_file():
        # A device or a pipe (/dev/stdout, /dev/full, a FIFO): renaming over it would replace the device
        # by a plain file, so it is written in place; its errors (e.g. ENOSPC) reach the caller.
        yield target
        return
    if target.is_symlink():  # write the file the link points to, never replace the link itself
        target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _open_atomic(target: str | os.PathLike[str], mode: str, **kwargs: object) -> Iterator[IO]:
    try:
        with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
            handle.flush()
            if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                os.fsync(handle.fileno())
    except OSError as exc:
        if exc.filename is None and exc.errno:  # e.g. ENOSPC on flush: say which output it was
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        raise


def write_text_atomic(target: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Return *target* after writing *text* to it atomically."""
    with _open_atomic(target, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
    return Path(target)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Return *target* after writing *data* to it atomically."""
    with _open_atomic(target, "wb") as handle:
        handle.write(data)
    return Path(target)


@contextmanager
def folder_lock(folder: str | os.PathLike[str], *, what: str = "build", wait: float = 600.0,
                say: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold an exclusive lock on *folder* (``fcntl.flock`` on ``FOLDER/.lock``) for the block.

    A second process that wants the same folder waits for the first to finish (saying so through
    *say*), up to *wait* seconds, then raises :class:`kg.errors.KGError` ("another build is running").
    The lock goes with the process, so a killed build never leaves the folder locked.
    """
    import fcntl
    import time

    from .errors import KGError

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / ".lock"
    with open(lock, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if say:
                say(f"another {what} is running in {folder}; waiting for it to finish")
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise KGError(f"another {what} is running in {folder} (it holds {lock}); "
                                      f"waited {wait:.0f} s, try again when it has finished") from None
                    time.sleep(0.2)
        try:
            yield lock
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
