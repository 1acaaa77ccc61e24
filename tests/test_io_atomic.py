"""Fault injection for the one atomic-write path: full disks, kills, concurrent writers,
special files, modes.

A full disk is made two ways, both without root: a hook on ``os.write`` that raises
ENOSPC (every byte Python writes goes through it), and, for GDAL's own C writes, a child
process with ``RLIMIT_FSIZE`` so that the kernel refuses a write past a few kilobytes,
exactly as a full disk does (a short write, then an error).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import kimson_geo
from kimson_geo.cli.main import cli
from kimson_geo.errors import DataLossWarning, ExportError
from kimson_geo.io import atomic
from kimson_geo.io.write import FORMATS, write_layer
from kimson_geo.registry import ID, KIND, NAME, WIDTH

from _support import ROOT, copy_bundled, tree_snapshot


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _enospc_after(monkeypatch: pytest.MonkeyPatch, budget: int) -> list[int]:
    """Make ``os.write`` to files (not stdin/out/err) fail with ENOSPC after ``budget``
    bytes, writing a short chunk first, as a filling disk does."""
    real = os.write
    written = [0]

    def write(fd: int, data: bytes) -> int:
        if fd <= 2:
            return real(fd, data)
        room = budget - written[0]
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, bytes(data)[:room])
        written[0] += n
        return n

    monkeypatch.setattr(os, "write", write)
    return written


# --------------------------------------------------------------------------- basics

def test_write_text_replaces_atomically_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "page.html"
    atomic.write_text(target, "<p>Kim Sơn</p>")
    atomic.write_text(target, "<p>mới</p>")
    assert target.read_text(encoding="utf-8") == "<p>mới</p>"
    assert [p.name for p in tmp_path.rglob("*")] == ["sub", "page.html"]


def test_new_file_gets_the_umask_default_and_an_old_file_keeps_its_mode(tmp_path: Path) -> None:
    fresh = atomic.write_bytes(tmp_path / "new.bin", b"x")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~_umask()
    private = tmp_path / "private.geojson"
    private.write_text("old", encoding="utf-8")
    private.chmod(0o600)
    atomic.write_bytes(private, b"new")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    write_layer(kimson_geo.load()["khu"], private)  # a GDAL writer too
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"{")


def _special(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"out-{kind}.geojson"
    regular = tmp_path / "real.geojson"
    regular.write_text("input", encoding="utf-8")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "link-to-stdout":
        path.symlink_to("/dev/stdout")
    elif kind == "link-to-file":
        path.symlink_to(regular)
    elif kind == "device":
        return Path("/dev/null")
    return path


@pytest.mark.parametrize("kind", ["fifo", "folder", "link-to-stdout", "link-to-file", "device"])
def test_only_regular_files_are_replaced(tmp_path: Path, kind: str) -> None:
    path = _special(kind, tmp_path)
    before = os.lstat(path)
    with pytest.raises(ExportError, match="only replaces regular files"):
        atomic.write_text(path, "x")
    after = os.lstat(path)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert (tmp_path / "real.geojson").read_text(encoding="utf-8") == "input"
    assert not list(tmp_path.glob(f"*{atomic.STAGING_SUFFIX}"))


def test_stdout_by_name_only(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert atomic.write_bytes("-", b"page\n") == Path("-")
    assert capfdbinary.readouterr().out == b"page\n"
    assert atomic.is_stdout("-") and not atomic.is_stdout("./-x")


# --------------------------------------------------------------------------- full disk, in process

def test_full_disk_keeps_the_old_file_and_names_it(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "map.html"
    target.write_bytes(b"old map")
    _enospc_after(monkeypatch, 1000)
    with pytest.raises(ExportError) as caught:
        atomic.write_bytes(target, b"x" * 50_000)
    message = str(caught.value)
    assert message.startswith(f"{target}:") and "No space left on device" in message
    assert "\n" not in message
    monkeypatch.undo()
    assert target.read_bytes() == b"old map"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_a_short_write_is_completed_not_lost(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write

    def dribble(fd: int, data: bytes) -> int:  # the kernel may accept fewer bytes than asked
        return real(fd, bytes(data)[:7]) if fd > 2 else real(fd, data)

    monkeypatch.setattr(os, "write", dribble)
    atomic.write_bytes(tmp_path / "a.txt", b"0123456789" * 100)
    monkeypatch.undo()
    assert (tmp_path / "a.txt").read_bytes() == b"0123456789" * 100


def test_atomic_open_streams_and_cleans_up_on_error(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(ZeroDivisionError), atomic.atomic_open(target, "w") as handle:
        handle.write("{" * 10_000)
        raise ZeroDivisionError
    assert target.read_text(encoding="utf-8") == "old"
    with atomic.atomic_open(target, "w") as handle:
        for i in range(3):
            handle.write(f"dòng {i}\n")
    assert target.read_text(encoding="utf-8") == "dòng 0\ndòng 1\ndòng 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_atomic_open_takes_a_library_writer(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd

    roads = kimson_geo.load()["roads"]
    target = tmp_path / "roads.parquet"
    with atomic.atomic_open(target) as handle:  # pyarrow writes through the checked file
        roads.to_parquet(handle, index=False)
    assert len(gpd.read_parquet(target)) == len(roads)
    before = target.read_bytes()
    _enospc_after(monkeypatch, 2000)
    with pytest.raises(ExportError, match="No space left"), atomic.atomic_open(target) as handle:
        roads.to_parquet(handle, index=False)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["roads.parquet"]


def test_read_only_folder_is_an_export_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    real = os.mkdir

    def refuse(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        # root ignores the mode bits, so refuse as a read-only file system would
        if Path(path).parent == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    with pytest.raises(ExportError, match=f"^{folder}: cannot write here"):
        atomic.write_text(folder / "x.geojson", "{}")
    folder.chmod(0o755)
    assert list(folder.iterdir()) == []


# --------------------------------------------------------------------------- full disk, GDAL

_FULL_DISK = r"""
import json, resource, signal, sys
from click.testing import CliRunner
from kimson_geo.cli.main import cli

# a write past the limit fails (EFBIG) instead of killing the process, as on a full disk
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
results = {}
for name, args in json.loads(sys.argv[1]).items():
    result = CliRunner().invoke(cli, args)
    results[name] = [result.exit_code, result.stderr]
print(json.dumps(results))
"""
_LIMIT = 8192


def _old_output(frame, target: Path) -> None:  # type: ignore[no-untyped-def]
    """A good earlier export at ``target`` (a Shapefile: the whole set)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataLossWarning)  # the notes are too long for .dbf
        write_layer(frame, target)


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, Path, dict]]:
    """Every output written on a 'disk' that takes 8 KB per file, over a good old output."""
    base = tmp_path_factory.mktemp("full")
    roads = kimson_geo.load()["roads"].head(3)
    cases: dict[str, list[str]] = {}
    folders: dict[str, Path] = {}
    for key, (_driver, suffix, _sidecars) in FORMATS.items():
        folder = base / key
        target = folder / f"roads{suffix}"
        _old_output(roads, target)
        cases[key] = ["export", "roads", "-o", str(target)]
        folders[key] = folder
    folders["map"] = base / "map"
    folders["map"].mkdir()
    (folders["map"] / "kimson.html").write_bytes(b"<html>old map</html>")
    cases["map"] = ["map", "--no-problems", "-o", str(folders["map"] / "kimson.html")]
    data = copy_bundled(base / "input")
    folders["fix"] = base / "fix"
    folders["fix"].mkdir()
    (folders["fix"] / "roads.geojson").write_bytes(b'{"old": true}')
    cases["fix"] = ["validate", str(data), "--fix", str(folders["fix"])]
    before = {name: tree_snapshot(folder) for name, folder in folders.items()}
    run = subprocess.run([sys.executable, "-c", _FULL_DISK, json.dumps(cases), str(_LIMIT)],
                         capture_output=True, text=True, env=_child_env(), check=True)
    results = json.loads(run.stdout)
    return {name: (code, err, folders[name], before[name])
            for name, (code, err) in results.items()}


@pytest.mark.parametrize("case", [*FORMATS, "map", "fix"])
def test_full_disk_every_output(full_disk: dict, case: str) -> None:
    code, stderr, folder, before = full_disk[case]
    lines = stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("kimson-geo: error:")]
    assert code == 2, stderr
    assert len(errors) == 1 and "internal error" not in stderr, stderr
    assert str(folder) in errors[0]  # names the file
    assert "wrote" not in stderr
    assert tree_snapshot(folder) == before  # the old output intact, nothing left behind
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


# --------------------------------------------------------------------------- killed mid-write

_SLOW = r"""
import signal, sqlite3, sys, time
from pathlib import Path
import pyogrio

signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
real = pyogrio.write_dataframe

def slow(frame, path, **kwargs):
    real(frame, path, **kwargs)
    staged = Path(path)
    if staged.suffix == ".gpkg":  # an open write transaction: SQLite's journal is on disk
        con = sqlite3.connect(staged)
        con.execute("BEGIN IMMEDIATE")
        con.execute("CREATE TABLE held (x)")
    print(" ".join(sorted(p.name for p in staged.parent.iterdir())), flush=True)
    while True:
        time.sleep(0.05)

def slow_geojson(frame):  # the GeoJSON written here: its first chunk is on disk
    from kimson_geo.io.atomic import STAGING_SUFFIX

    yield from real_geojson(frame)
    target = Path(sys.argv[sys.argv.index("-o") + 1])
    folder = next(target.parent.glob(f"*{STAGING_SUFFIX}"))
    print(" ".join(sorted(p.name for p in folder.iterdir())), flush=True)
    while True:
        time.sleep(0.05)

pyogrio.write_dataframe = slow
import kimson_geo.io.write
real_geojson = kimson_geo.io.write.geojson_chunks
kimson_geo.io.write.geojson_chunks = slow_geojson
from kimson_geo.cli.main import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize(("sig", "suffix"), [(signal.SIGTERM, ".gpkg"), (signal.SIGTERM, ".shp"),
                                             (signal.SIGINT, ".gpkg"), (signal.SIGINT, ".geojson")])
def test_kill_mid_export_leaves_the_old_file_and_no_temporaries(
        tmp_path: Path, sig: signal.Signals, suffix: str) -> None:
    target = tmp_path / f"roads{suffix}"
    _old_output(kimson_geo.load()["roads"].head(2), target)
    before = tree_snapshot(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", _SLOW, "export", "roads", "-o", str(target)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=_child_env())
    staged = child.stdout.readline().split()  # type: ignore[union-attr]
    assert staged, child.communicate()[1]
    if suffix == ".gpkg":
        assert "roads.gpkg-journal" in staged  # the journal was there when the signal came
    if suffix == ".shp":
        assert {"roads.shp", "roads.shx", "roads.dbf"} <= set(staged)
    child.send_signal(sig)
    _out, err = child.communicate(timeout=120)
    if sig == signal.SIGTERM:
        assert child.returncode == -signal.SIGTERM, err
    else:
        assert child.returncode == 130 and "interrupted" in err, err
    assert tree_snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)


def test_signal_handlers_are_restored_after_a_write(tmp_path: Path) -> None:
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    with atomic.atomic_open(tmp_path / "x.txt") as handle:
        assert signal.getsignal(signal.SIGTERM) is not before[0]  # ours, while staging
        handle.write(b"x")
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


# --------------------------------------------------------------------------- two writers

def _racing_replace(monkeypatch: pytest.MonkeyPatch) -> list[threading.Barrier]:
    """Make two writers reach their first rename together and rename slowly after it, so
    that without a lock their sets would interleave.  With the lock the second cannot get
    there: the barrier breaks after its timeout and both go on (this is not a time test)."""
    real = os.replace
    meeting = [threading.Barrier(2, timeout=2)]
    seen: set[tuple[int, int]] = set()

    def replace(src, dst):  # type: ignore[no-untyped-def]
        key = (id(meeting[0]), threading.get_ident())
        if key not in seen:
            seen.add(key)
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting[0].wait()
        real(src, dst)
        time.sleep(0.02)

    monkeypatch.setattr(os, "replace", replace)
    return meeting


def test_two_shapefile_writers_never_mix_their_sets(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import pyogrio

    roads = kimson_geo.load()["roads"]
    roads = roads[[ID, NAME, KIND, WIDTH, roads.geometry.name]]  # no text too long for .dbf
    frames = [roads.head(17), roads]
    target = tmp_path / "roads.shp"
    meeting = _racing_replace(monkeypatch)
    for _round in range(2):
        meeting[0] = threading.Barrier(2, timeout=2)
        gate = threading.Barrier(2)
        errors: list[BaseException] = []

        def export(frame, gate=gate, errors=errors):  # type: ignore[no-untyped-def]
            gate.wait()
            try:
                write_layer(frame, target)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=export, args=(f,)) for f in frames]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        shx_records = (target.with_suffix(".shx").stat().st_size - 100) // 8
        dbf_rows = int.from_bytes(target.with_suffix(".dbf").read_bytes()[4:8], "little")
        assert shx_records == dbf_rows in (17, 68)
        assert pyogrio.read_info(target)["features"] == dbf_rows
        assert sorted(p.name for p in tmp_path.iterdir()) == \
            ["roads.cpg", "roads.dbf", "roads.prj", "roads.shp", "roads.shx"]


def test_two_writers_of_one_file_leave_one_complete_output(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    bodies = [b"A" * 300_000, b"B" * 200_000]
    gate = threading.Barrier(2)

    def write(body: bytes) -> None:
        gate.wait()
        atomic.write_bytes(target, body)

    threads = [threading.Thread(target=write, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert target.read_bytes() in bodies
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


# --------------------------------------------------------------------------- --fix

def test_fix_into_a_read_only_folder_is_one_line_exit_2(
        small_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "fixed"
    out.mkdir()
    out.chmod(0o555)
    real = os.mkdir

    def refuse(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).parent == out:  # root ignores mode bits: refuse as EACCES would
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    result = CliRunner().invoke(cli, ["validate", str(small_dir), "--fix", str(out)])
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"kimson-geo: error: {out}: cannot write here: Permission denied"]
    out.chmod(0o755)


def test_fix_never_replaces_a_link_to_the_input(small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "fixed"
    out.mkdir()
    (out / "roads.geojson").symlink_to(small_dir / "roads.geojson")
    before = tree_snapshot(small_dir)
    result = CliRunner().invoke(cli, ["validate", str(small_dir), "--fix", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "symbolic link" in lines[0] and "roads.geojson" in lines[0]
    assert (out / "roads.geojson").is_symlink()
    assert tree_snapshot(small_dir) == before
    assert [p.name for p in out.iterdir()] == ["roads.geojson"]  # all layers or none


def test_fix_writes_every_layer_as_one_set(small_dir: Path, tmp_path: Path) -> None:
    from kimson_geo.validation.fix import write_fixed

    out = tmp_path / "fixed"
    written = write_fixed(kimson_geo.load(small_dir), out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written) == \
        ["cultural_houses.geojson", "khu.geojson", "roads.geojson"]
    assert len(kimson_geo.load(out).layers) == 3
