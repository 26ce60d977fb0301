"""Issue 18: outputs never eat files.

`kg site -o DIR` deleted the user's own pages in DIR and `kg release -o DIR` replaced any folder that
held a SHA256SUMS; output files lost their mode and read-only targets were replaced; a full disk
part-way through a build's commit left old and new files mixed. Each test failed before its fix.

A real full disk cannot be made in CI: the ENOSPC tests inject ``OSError(ENOSPC)`` into the write or
the rename path in-process (monkeypatch), which is where a full disk raises it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

import pytest

from kg import atomic
from kg.atomic import OUTPUT_MARKER, claim_output_folder, release_folder_check, write_files_atomic, write_text_atomic
from kg.display.site import build_site
from kg.errors import KGError


# ---- kg site ----------------------------------------------------------------------------------------
def test_site_refuses_a_folder_of_the_users_files(fixture_kg, tmp_path: Path):
    out = tmp_path / "mine"
    (out / "person").mkdir(parents=True)
    (out / "person" / "my-notes.html").write_text("my notes", encoding="utf-8")
    (out / "index.html").write_text("my home page", encoding="utf-8")
    with pytest.raises(KGError, match="holds files that kg site did not write"):
        build_site(fixture_kg, out)
    assert (out / "index.html").read_text(encoding="utf-8") == "my home page"
    assert (out / "person" / "my-notes.html").read_text(encoding="utf-8") == "my notes"
    assert sorted(p.name for p in out.rglob("*")) == ["index.html", "my-notes.html", "person"]


def test_site_rewrites_its_own_folder_and_removes_only_its_own_stale_pages(fixture_kg, tmp_path: Path):
    out = tmp_path / "site"
    first = build_site(fixture_kg, out)
    marker = (out / OUTPUT_MARKER).read_text(encoding="utf-8").splitlines()
    assert marker[0] == "kg site" and "index.html" in marker and len(marker) == len(first.files) + 1
    # a page kg wrote for an entity that has since left the data, and a page the user added
    (out / "person" / "gone.html").write_text("stale", encoding="utf-8")
    (out / OUTPUT_MARKER).write_text("\n".join([*marker, "person/gone.html"]) + "\n", encoding="utf-8")
    (out / "person" / "users-own.html").write_text("keep me", encoding="utf-8")
    build_site(fixture_kg, out)
    assert not (out / "person" / "gone.html").exists()
    assert (out / "person" / "users-own.html").read_text(encoding="utf-8") == "keep me"


def test_site_refuses_a_folder_another_command_made(fixture_kg, tmp_path: Path):
    out = tmp_path / "rel"
    out.mkdir()
    (out / OUTPUT_MARKER).write_text("kg release\n", encoding="utf-8")
    with pytest.raises(KGError, match="was made by 'kg release', not by 'kg site'"):
        build_site(fixture_kg, out)


def test_a_marker_cannot_point_outside_the_folder(tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    victim = tmp_path / "victim.html"
    victim.write_text("x", encoding="utf-8")
    (out / OUTPUT_MARKER).write_text("kg site\n../victim.html\n/etc/passwd\n", encoding="utf-8")
    owned = claim_output_folder(out, "kg site")
    assert owned.previous == set() and owned.stale() == []


def test_site_refuses_a_file(fixture_kg, tmp_path: Path):
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(KGError, match="is a file, not a folder"):
        build_site(fixture_kg, target)


# ---- kg release -------------------------------------------------------------------------------------
def _release_like(folder: Path) -> None:
    (folder / "site").mkdir(parents=True)
    (folder / "void.ttl").write_text("void", encoding="utf-8")
    (folder / "site" / "index.html").write_text("page", encoding="utf-8")
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}"
            for p in sorted(folder.rglob("*")) if p.is_file()]
    (folder / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")


def test_release_replaces_exactly_an_earlier_release(tmp_path: Path):
    _release_like(tmp_path / "r")
    release_folder_check(tmp_path / "r")  # no error
    release_folder_check(tmp_path / "new")  # absent: fine


def test_release_refuses_a_folder_that_merely_holds_a_sha256sums(tmp_path: Path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "SHA256SUMS").write_text("", encoding="utf-8")
    (folder / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(KGError, match=r"is not a release folder .*thesis\.tex"):
        release_folder_check(folder)


def test_release_refuses_an_earlier_release_the_user_added_to_or_edited(tmp_path: Path):
    _release_like(tmp_path / "added")
    (tmp_path / "added" / "my-notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(KGError, match=r"my-notes\.txt"):
        release_folder_check(tmp_path / "added")
    _release_like(tmp_path / "edited")
    (tmp_path / "edited" / "void.ttl").write_text("edited by hand", encoding="utf-8")
    with pytest.raises(KGError, match=r"changed since \(void\.ttl\)"):
        release_folder_check(tmp_path / "edited")


# ---- modes and read-only targets ---------------------------------------------------------------------
def test_an_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    write_text_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    write_files_atomic([(target, b"newer")])
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_read_only_target_is_refused_not_replaced(tmp_path: Path):
    target = tmp_path / "frozen.ttl"
    target.write_text("keep", encoding="utf-8")
    os.chmod(target, 0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_text_atomic(target, "replaced")
    with pytest.raises(PermissionError, match="read-only"):
        write_files_atomic([(tmp_path / "other.ttl", b"x"), (target, b"replaced")])
    assert target.read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "other.ttl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frozen.ttl"]


def test_kg_export_refuses_a_read_only_target(tmp_path: Path):
    from .conftest import run_kg

    target = tmp_path / "frozen.nt"
    target.write_text("keep\n", encoding="utf-8")
    os.chmod(target, 0o444)
    done = run_kg("export", "-f", "nt", "-o", str(target), root=_small_root(tmp_path))
    assert done.returncode == 1 and "is read-only" in done.stderr and "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8") == "keep\n"


def _small_root(tmp_path: Path) -> Path:
    import shutil

    from kg import paths

    from .conftest import FIXTURE

    root = tmp_path / "small"
    shutil.copytree(paths.ONTOLOGY_DIR, root / "ontology")
    (root / "graph_data").mkdir()
    shutil.copyfile(FIXTURE, root / "graph_data" / "fixture.ttl")
    return root


# ---- a full disk part-way through a multi-file commit (injected: see the module docstring) ----------
def _outputs(folder: Path) -> list[tuple[Path, bytes]]:
    return [(folder / f"file-{i}.txt", f"new {i}\n".encode()) for i in range(4)] + [(folder / "new.txt", b"new\n")]


def _old_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "build"
    folder.mkdir()
    for i in range(4):
        (folder / f"file-{i}.txt").write_text(f"old {i}\n", encoding="utf-8")
    return folder


def _disk_full_at_fsync(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """Make the *nth* ``fsync`` of kg.atomic fail as a full disk does (ENOSPC); the others sync for real.

    A full disk cannot be made in CI, so this one call is replaced in-process.
    """
    real_fsync, calls = os.fsync, []

    def full_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == nth:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", full_disk)


def _assert_untouched(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [f"file-{i}.txt" for i in range(4)], list(folder.iterdir())
    for i in range(4):
        assert (folder / f"file-{i}.txt").read_text(encoding="utf-8") == f"old {i}\n"


def test_disk_full_while_writing_commits_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = _old_folder(tmp_path)
    _disk_full_at_fsync(monkeypatch, 3)
    with pytest.raises(OSError) as info:
        write_files_atomic(_outputs(folder))
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(folder / "file-2.txt")
    _assert_untouched(folder)


def test_disk_full_while_renaming_puts_every_old_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = _old_folder(tmp_path)
    real_replace, calls = os.replace, []

    def failing_replace(src: object, dst: object) -> None:
        if str(src).endswith(".tmp") and Path(str(dst)).parent == folder and not Path(str(src)).name.startswith(".file-x"):
            calls.append(dst)
            if len(calls) == 4:
                raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        write_files_atomic(_outputs(folder))
    _assert_untouched(folder)


def test_a_build_that_hits_a_full_disk_leaves_the_previous_build_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A real (small) kg build in-process; the disk "fills" at the sixth output file."""
    from kg.outputs.builder import build

    monkeypatch.setenv("KG_ROOT", str(_small_root(tmp_path)))
    out = tmp_path / "build"
    build(out)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (tmp_path / "small" / "graph_data" / "fixture.ttl").write_text(
        (tmp_path / "small" / "graph_data" / "fixture.ttl").read_text(encoding="utf-8").replace("Anna Alpha", "Anna Alfa"),
        encoding="utf-8")
    _disk_full_at_fsync(monkeypatch, 6)
    with pytest.raises(OSError, match="No space left"):
        build(out)
    after = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, sorted(name for name in after if after[name] != before.get(name))


def test_a_site_that_hits_a_full_disk_leaves_the_previous_site_whole(fixture_kg, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "site"
    build_site(fixture_kg, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for path in before:  # mark every file, so any page written anew would differ
        path.write_bytes(before[path] + b"\n<!-- old -->")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _disk_full_at_fsync(monkeypatch, 10)
    with pytest.raises(OSError, match="No space left"):
        build_site(fixture_kg, out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, sorted(str(p) for p in after if after[p] != before.get(p))[:5]
