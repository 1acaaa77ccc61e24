"""The kimson-geo group: command loading, one-line errors, escaping, warnings, closed pipes."""

from __future__ import annotations

import json
import subprocess
import sys
import types
import warnings
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kimson_geo.cli.main import cli
from kimson_geo.cli.output import cell, jsonable, print_json
from kimson_geo.errors import QueryError
from kimson_geo.render.text import plain

from _support import edit_features

HOSTILE = "Ngõ\x1b]0;owned\x07 \x1b[31mđỏ\x1b[0m \x9b2J \u202eabc \ud800"


def _broken_module(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Make the ``map`` command's module fail to import with ``error``."""
    def boom(name: str, package: str | None = None) -> types.ModuleType:
        raise error

    import importlib

    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module",
                        lambda name, package=None: boom(name) if name == "kimson_geo.cli.map"
                        else real(name, package))


def test_a_broken_command_module_names_its_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_module(monkeypatch, ModuleNotFoundError("No module named 'folium'"))
    result = CliRunner().invoke(cli, ["map"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "command 'map' cannot be loaded" in lines[0]
    assert "ModuleNotFoundError: No module named 'folium'" in lines[0]
    assert "No such command" not in result.stderr


def test_help_still_lists_a_broken_command(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_module(monkeypatch, ImportError("cannot import name 'x'"))
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "cannot be loaded" in result.stdout and "info" in result.stdout


def test_debug_shows_the_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_module(monkeypatch, ImportError("cannot import name 'x'"))
    result = CliRunner().invoke(cli, ["--debug", "map"])
    assert isinstance(result.exception, ImportError)


def test_unknown_command_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["mapp"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "kimson-geo: error: No such command 'mapp'. (see 'kimson-geo --help')"]


@pytest.mark.parametrize("args", [
    ["query", "rivers"],
    ["query", "roads", "--format", "xml"],
    ["info", "--bogus"],
    ["export", "roads"],
    ["map", "--tiles", "not a provider"],
])
def test_usage_errors_are_one_line(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kimson-geo: error: "), result.stderr
    assert f"(see 'kimson-geo {args[0]} --help')" in lines[0]
    assert result.stdout == ""


def test_version_and_help_exit_0() -> None:
    assert CliRunner().invoke(cli, ["--version"]).exit_code == 0
    assert CliRunner().invoke(cli, ["query", "--help"]).exit_code == 0


def test_error_lines_escape_control_characters(tmp_path: Path) -> None:
    bad = tmp_path / "roads\x1b]0;owned\x07.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["info", str(bad)])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "roads\\x1b]0;owned\\x07.geojson" in result.stderr


def test_where_error_escapes_the_expression() -> None:
    result = CliRunner().invoke(cli, ["query", "roads", "--where", "\x1b]0;owned\x07"])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\\x1b" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_plain_and_cell() -> None:
    shown = plain(HOSTILE)
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in shown)
    assert "\u202e" not in shown and "\ud800" not in shown
    assert shown.startswith("Ngõ\\x1b]0;owned\\x07 ") and "đỏ" in shown
    shown.encode("utf-8")  # no lone surrogate left
    assert cell("[bold]x[/bold]\x1b") == "\\[bold]x\\[/bold]\\x1b"


def test_json_output_is_always_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    data = {"a": float("nan"), "b": [float("inf"), np.float32("nan"), np.int64(3)],
            "c": np.array([1.5, np.nan]), "d": Path("x"), "e": "\ud800"}
    assert jsonable(data) == {"a": None, "b": [None, None, 3], "c": [1.5, None], "d": "x",
                              "e": "\ud800"}
    print_json(data)
    out = capsys.readouterr().out
    assert json.loads(out)["e"] == "\ud800" and "NaN" not in out and "Infinity" not in out


def test_library_warnings_do_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command()
    def noisy() -> None:
        warnings.warn("invalid value encountered in intersection", RuntimeWarning,
                      stacklevel=1)
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
        warnings.warn("Layer has \x1b[31m no geometry", UserWarning, stacklevel=1)
        warnings.warn("Layer has \x1b[31m no geometry", UserWarning, stacklevel=1)

    monkeypatch.setitem(cli.commands, "noisy", noisy)
    result = CliRunner().invoke(cli, ["noisy"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "kimson-geo: warning: Layer has \\x1b[31m no geometry"]


@pytest.mark.parametrize("args", ["info", "info --format json", "summary",
                                  "query roads --format geojson"])
def test_closed_stdout_exits_quietly(args: str) -> None:
    # stdout is a pipe whose reader has gone (| head -0)
    import os

    read, write = os.pipe()
    os.close(read)
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from kimson_geo.cli.main import main; main(sys.argv[1:])", *args.split()],
        stdout=write, stderr=subprocess.PIPE, text=True, check=False)
    os.close(write)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_bbox_nan_is_exit_2_one_line() -> None:
    result = CliRunner().invoke(cli, ["query", "roads", "--bbox", "nan,nan,nan,nan"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "kimson-geo: error: bbox (nan, nan, nan, nan): every value must be a finite number"]


def test_package_errors_keep_exit_code_and_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command()
    def failing() -> None:
        raise QueryError("bad\nthing\x1b[2J")

    monkeypatch.setitem(cli.commands, "failing", failing)
    result = CliRunner().invoke(cli, ["failing"])
    assert result.exit_code == 2
    assert result.stderr == "kimson-geo: error: bad thing\\x1b[2J\n"


@pytest.mark.parametrize("wrapped", [True, False])
def test_ctrl_c_is_interrupted_even_inside_a_c_extension(
        monkeypatch: pytest.MonkeyPatch, wrapped: bool) -> None:
    @click.command()
    def stopped() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            if wrapped:  # what ijson's C parser turns it into
                raise SystemError("returned a result with an exception set") from None
            raise

    monkeypatch.setitem(cli.commands, "stopped", stopped)
    result = CliRunner().invoke(cli, ["stopped"])
    assert result.exit_code == 130
    assert result.stderr == "kimson-geo: interrupted\n"


def test_the_command_ends_without_teardown_yet_says_everything(tmp_path: Path) -> None:
    # ``python -m kimson_geo`` ends with os._exit after flushing: a report of thousands of
    # problems still arrives whole, and exit codes and error lines are those of click
    from benchmarks.synth import generate_dirty_roads

    generate_dirty_roads(tmp_path, roads=2_000)
    roads = tmp_path / "geojson" / "roads.geojson"
    command = [sys.executable, "-m", "kimson_geo"]
    done = subprocess.run([*command, "validate", str(roads), "--layer", "roads", "--format",
                           "json"], capture_output=True, check=False)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and len(report["issues"]) == report["summary"]["errors"] + \
        report["summary"]["warnings"] > 2_000
    missing = subprocess.run([*command, "validate", str(tmp_path / "nothing.geojson")],
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert missing.stderr.startswith("kimson-geo: error:")
    version = subprocess.run([*command, "--version"], capture_output=True, text=True,
                             check=False)
    assert version.returncode == 0 and version.stdout.startswith("kimson-geo, version")


def test_odd_data_in_every_reading_command(tmp_path: Path) -> None:
    """Missing columns and arrays/objects in text fields: no internal error anywhere."""
    from _support import copy_bundled

    data = copy_bundled(tmp_path)

    def drop(*names: str):  # type: ignore[no-untyped-def]
        def edit(features: list) -> None:  # type: ignore[type-arg]
            for f in features:
                for name in names:
                    f["properties"].pop(name, None)
        return edit

    def objects(features: list) -> None:  # type: ignore[type-arg]
        for f in features:
            f["properties"]["name"] = ["a", HOSTILE[:-2]]
            f["properties"]["source"] = {"v": HOSTILE[:-2]}

    edit_features(data, "roads", drop("surface", "width_m"))
    edit_features(data, "cultural_houses", drop("kind", "khu"))
    edit_features(data, "khu", drop("id", "name"))
    edit_features(data, "drainage", objects)
    edit_features(data, "wharves", objects)
    runner = CliRunner()
    for args in (["info"], ["info", "--format", "json"], ["summary"],
                 ["summary", "--format", "json"], ["query", "drainage"],
                 ["query", "wharves", "--format", "csv"],
                 ["query", "wharves", "--format", "geojson"],
                 ["query", "roads", "--where", "surface is null"],
                 ["query", "drainage", "--where", "name contains 'a'"],
                 ["query", "cultural_houses"], ["query", "khu"],
                 ["map", "--no-problems", "-o", str(tmp_path / "m.html")]):
        command, rest = args[0], args[1:]
        result = runner.invoke(cli, [command, *rest[:1], str(data), *rest[1:]]
                               if command == "query" else [command, str(data), *rest])
        assert result.exit_code == 0, (args, result.stderr)
        assert "internal error" not in result.stderr
        assert "\x1b" not in result.stdout, args
        if "json" in args or "geojson" in args:
            json.loads(result.stdout)
    roads = len(json.loads((data / "roads.geojson").read_text(encoding="utf-8"))["features"])
    result = runner.invoke(cli, ["query", "roads", str(data), "--where", "surface is null"])
    assert f"roads: {roads} feature(s)" in result.stdout
    result = runner.invoke(cli, ["query", "roads", str(data), "--within-khu", "Kim Thành"])
    assert result.exit_code == 2 and "neither an 'id' nor a 'name' column" in result.stderr
