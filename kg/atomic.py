"""Atomic file writes: a failed run never leaves a half-written file over a good one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_path", "write_bytes_atomic", "write_text_atomic"]


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside *target*; rename it over *target* only if the block succeeds.

    The temporary file lives in the target's folder so that the final ``os.replace`` is a rename
    on one file system (atomic on POSIX). On any exception the temporary file is removed and the
    previous *target*, if any, is left untouched.
    """
    target = Path(target)
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
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as handle:  # type: ignore[call-overload]
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


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
