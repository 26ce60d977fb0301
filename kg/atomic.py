"""Atomic file writes: a failed run never leaves a half-written file over a good one."""

from __future__ import annotations

import atexit
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_path", "folder_lock", "interrupts_deferred", "write_bytes_atomic", "write_text_atomic"]


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
    tmp = _new_temporary(target)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _PENDING.discard(tmp)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then raise ``KeyboardInterrupt`` if one came.

    For a short commit phase (renaming a build's files into place): an interrupt then leaves all the
    new files or, if it came before the block, all the old ones. Python runs signal handlers in the
    main thread only, so elsewhere this does nothing.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
    if received:
        raise KeyboardInterrupt


#: Temporary files being written. A Ctrl-C or SIGTERM can land between two bytecodes where no handler
#: of ours runs yet (or inside contextlib's own exit code): whatever is still listed at exit is removed.
_PENDING: set[Path] = set()


@atexit.register
def _remove_pending() -> None:
    for tmp in list(_PENDING):
        tmp.unlink(missing_ok=True)


def _new_temporary(target: Path) -> Path:
    """Create and return an empty temporary file beside *target*, listed in _PENDING before it exists."""
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        _PENDING.add(tmp)
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return tmp
        except FileExistsError:
            _PENDING.discard(tmp)
        except BaseException:
            _PENDING.discard(tmp)
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
