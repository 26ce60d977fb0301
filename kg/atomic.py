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

__all__ = ["OUTPUT_MARKER", "OutputFolder", "atomic_path", "folder_lock", "claim_output_folder", "interrupts_deferred",
           "release_folder_check", "write_bytes_atomic", "write_files_atomic", "write_text_atomic"]


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
    mode = _mode_to_keep(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temporary(target)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _PENDING.discard(tmp)


def _mode_to_keep(target: Path) -> int:
    """Return the permission bits the new *target* gets: the existing file's, else 0o644.

    A read-only file (no write bit for its owner) is refused rather than replaced: renaming over it
    would succeed (the folder is writable) and silently undo the owner's ``chmod a-w``. Checked on the
    mode bits, not with ``os.access``, which says yes to root for every file.
    """
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return 0o644
    if not st.st_mode & stat.S_IWUSR:
        raise PermissionError(errno.EACCES, "is read-only; kg does not replace a read-only file "
                              "(make it writable, or write elsewhere)", str(target))
    return stat.S_IMODE(st.st_mode)


def write_files_atomic(outputs: list[tuple[Path, bytes]], *, workers: int = 1) -> list[Path]:
    """Return the paths written: every ``(path, data)`` of *outputs*, all or none.

    Two phases: every file is first written in full to its temporary beside the target (and synced);
    only when all are written are they renamed into place, with interrupts held. A write that fails
    part-way (a full disk: ENOSPC, a read-only target) removes every temporary and leaves every
    previous file as it was. Should a rename fail (rare: renames need no data blocks), the files
    already renamed are put back from hard links of the old ones, made before the first rename.
    With *workers* > 1 the files are written by that many threads (they overlap the waits on the disk).
    """
    staged: list[tuple[Path, Path, int]] = []
    backups: dict[Path, Path | None] = {}
    renamed: list[Path] = []

    def stage(path: Path, data: bytes) -> None:
        target = Path(path)
        if target.is_symlink():
            target = Path(os.path.realpath(target))
        if target.exists() and not target.is_file():  # a device such as /dev/stdout: written in place
            write_bytes_atomic(target, data)
            return
        mode = _mode_to_keep(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _new_temporary(target)
        staged.append((tmp, target, mode))  # list.append is atomic: safe from several threads
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            if exc.filename is None and exc.errno:  # say which output it was
                raise OSError(exc.errno, exc.strerror, str(target)) from None
            raise
        os.chmod(tmp, mode)

    try:
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:
                for _ in pool.map(lambda job: stage(*job), outputs):  # the first error is raised here
                    pass
        else:
            for path, data in outputs:
                stage(path, data)
        for _tmp, target, _mode in staged:  # a second name for each old file, to undo a failed commit
            backup = None
            if target.exists():
                backup = _new_temporary(target)
                backup.unlink()
                os.link(target, backup)
            backups[target] = backup
        with interrupts_deferred():  # tens of milliseconds: every new file or none
            for tmp, target, _mode in staged:
                os.replace(tmp, target)
                renamed.append(target)
                _PENDING.discard(tmp)
    except BaseException:
        for target in renamed:  # undo: the old file back, or no file where there was none
            backup = backups.get(target)
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        for tmp, _target, _mode in staged:
            tmp.unlink(missing_ok=True)
            _PENDING.discard(tmp)
        raise
    finally:
        for backup in backups.values():
            if backup is not None:
                backup.unlink(missing_ok=True)
                _PENDING.discard(backup)
    return [Path(path) for path, _data in outputs]


#: The file that marks a folder as written by kg: the command's name on the first line, then the files
#: it wrote there (relative paths), so that a later run replaces or removes those files and no others.
OUTPUT_MARKER = ".kg-output"


class OutputFolder:
    """A folder kg may write into: the files its previous run wrote (``previous``) and this run's (``written``)."""

    def __init__(self, folder: Path, command: str, previous: set[str]) -> None:
        self.folder, self.command, self.previous = folder, command, previous
        self.written: set[Path] = set()

    def commit(self, written: set[Path] | list[Path]) -> None:
        """Record *written* (this run's files) in the folder's marker, for the next run."""
        self.written = set(written)
        listed = sorted({os.path.relpath(p, self.folder) for p in self.written} - {OUTPUT_MARKER})
        write_text_atomic(self.folder / OUTPUT_MARKER, "\n".join([self.command, *listed]) + "\n")

    def stale(self) -> list[Path]:
        """Return the files the previous run wrote that this run did not: safe to remove (they are kg's)."""
        now = {p.resolve() for p in self.written}
        return [self.folder / rel for rel in sorted(self.previous)
                if (self.folder / rel).resolve() not in now and (self.folder / rel).is_file()]


def _refuse(folder: Path, command: str, why: str) -> None:
    from kg.errors import KGError

    raise KGError(f"{folder} {why}; {command} writes only into a new or empty folder, or one it made "
                  f"earlier (it leaves a {OUTPUT_MARKER} file there). Give another folder, or empty this one")


def claim_output_folder(folder: str | os.PathLike[str], command: str, *, create: bool = True) -> OutputFolder:
    """Return the :class:`OutputFolder` *command* may write into, after checking it never eats a user's files.

    The folder must be new, empty, or marked by an earlier run of the same *command* (``.kg-output``);
    a folder of someone else's files, a file, or another command's output is refused with
    :class:`kg.errors.KGError` before anything is written. A site written before markers existed
    (``index.html`` and ``assets/site.css``) is taken over, with no file of it removed. Call
    :meth:`OutputFolder.commit` once the files are written: the marker then lists them. With
    ``create=False`` nothing is made: a check to run before a long load.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        _refuse(folder, command, "is a file, not a folder")
    marker = folder / OUTPUT_MARKER
    previous: set[str] = set()
    if marker.is_file():
        lines = marker.read_text(encoding="utf-8", errors="replace").splitlines()
        if not lines or lines[0].strip() != command:
            made_by = lines[0].strip() if lines else "an unknown command"
            _refuse(folder, command, f"was made by {made_by!r}, not by {command!r}")
        previous = {line for line in lines[1:] if line and not line.startswith(("/", "..")) and "/../" not in line}
    elif folder.is_dir() and any(p.name not in {".lock"} for p in folder.iterdir()):
        legacy = (folder / "index.html").is_file() and (folder / "assets" / "site.css").is_file()
        if not (command == "kg site" and legacy):
            names = sorted(p.name for p in folder.iterdir())[:5]
            _refuse(folder, command, f"holds files that {command} did not write ({', '.join(names)} …)")
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return OutputFolder(folder, command, previous)


def release_folder_check(folder: str | os.PathLike[str], *, sums: str = "SHA256SUMS") -> None:
    """Raise :class:`kg.errors.KGError` unless *folder* is absent, empty, or exactly an earlier release.

    An earlier release is recognised by its checksum file: every file in the folder is listed in
    *sums* with the right digest. A folder that merely holds a file called ``SHA256SUMS``, or a release
    someone has since added to or edited, is refused: replacing it would delete those files.
    """
    import hashlib

    folder = Path(folder)
    if not folder.exists():
        return
    if not folder.is_dir():
        _refuse(folder, "kg release", "is a file, not a folder")
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    if not files:
        return
    listed: dict[str, str] = {}
    if (folder / sums).is_file():
        for line in (folder / sums).read_text(encoding="utf-8", errors="replace").splitlines():
            digest, _, name = line.partition("  ")
            listed[name.strip()] = digest.strip()
    extra = sorted(files - set(listed) - {sums})
    if not listed or extra:
        shown = ", ".join((extra or sorted(files))[:5])
        _refuse(folder, "kg release", f"is not a release folder (files not listed in its {sums}: {shown})")
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file() or path.is_symlink() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            _refuse(folder, "kg release", f"is an earlier release that was changed since ({name})")


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
            # an interrupt can land after open() created the file and before we return: remove it here,
            # since it leaves the list (which the exit handler empties) with this very line
            tmp.unlink(missing_ok=True)
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

    from kg.errors import KGError

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
