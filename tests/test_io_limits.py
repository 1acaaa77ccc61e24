from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import kimson_geo
from kimson_geo.cli.main import cli
from kimson_geo.errors import DataSourceError
from kimson_geo.io.limits import MAX_PROPERTY_CHARS_ENV, check_text_values, screen_geojson_text
from kimson_geo.registry import ID, KHU_LAYER, NAME

from _support import write_geojson

COMMANDS = (["validate"], ["info"], ["map", "-o", "{out}"], ["summary"])


def _khu_file(folder: Path, small_khu, *, raw_edit=None, **values: object) -> Path:  # type: ignore[no-untyped-def]
    folder.mkdir(exist_ok=True)
    path = write_geojson(folder / "khu.geojson", small_khu)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"][1]["properties"].update(values)
    text = json.dumps(document, ensure_ascii=True)
    path.write_text(raw_edit(text) if raw_edit else text, encoding="utf-8")
    return path


def _every_command_refuses(folder: Path, tmp_path: Path, expected: str) -> None:
    for command in COMMANDS:
        args = [a.format(out=tmp_path / "m.html") for a in command]
        result = CliRunner().invoke(cli, [args[0], str(folder), *args[1:]])
        assert result.exit_code == 2, (command, result.output)
        assert expected in result.stderr, (command, result.stderr)
        assert "Traceback" not in result.output


def test_long_value_refused_alike_everywhere(tmp_path: Path, small_khu,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "inv"
    _khu_file(folder, small_khu, name="x" * 2_000)
    monkeypatch.setenv(MAX_PROPERTY_CHARS_ENV, "1000")
    expected = "feature 1 (id 'khu-b'): field 'name': 2,000 characters, over the limit of 1,000"
    with pytest.raises(DataSourceError, match=re.escape(expected)):
        kimson_geo.load(folder)
    report = kimson_geo.validate(folder)
    assert report.nothing_read and expected in next(iter(report.unreadable.values()))
    _every_command_refuses(folder, tmp_path, expected)
    monkeypatch.setenv(MAX_PROPERTY_CHARS_ENV, "2000")
    assert len(kimson_geo.load(folder)[KHU_LAYER]) == 2


def test_nul_in_an_id_is_refused_not_cut(tmp_path: Path, small_khu) -> None:
    folder = tmp_path / "inv"
    _khu_file(folder, small_khu, **{ID: "khu-b\x00evil"})
    expected = "field 'id': holds a NUL character"
    with pytest.raises(DataSourceError, match=expected):
        kimson_geo.load(folder)
    _every_command_refuses(folder, tmp_path, expected)


def test_lone_surrogate_is_refused_without_unicode_error(tmp_path: Path, small_khu) -> None:
    folder = tmp_path / "inv"
    _khu_file(folder, small_khu, raw_edit=lambda t: t.replace('"khu-b"', '"\\ud800"'))
    expected = "field 'id': holds a lone UTF-16 surrogate"
    with pytest.raises(DataSourceError, match=expected):
        kimson_geo.load(folder)
    _every_command_refuses(folder, tmp_path, expected)
    result = CliRunner().invoke(cli, ["validate", str(folder), "--format", "json"])
    assert result.exit_code == 2 and "UnicodeEncodeError" not in result.output


def test_surrogate_pairs_and_escaped_backslashes_are_text(tmp_path: Path, small_khu) -> None:
    folder = tmp_path / "inv"
    # an emoji as a surrogate pair, and a literal backslash before "u0000"
    _khu_file(folder, small_khu, raw_edit=lambda t: t.replace(
        '"khu-b"', '"khu-b \\ud83d\\ude00"').replace('"Kim Th', '"\\\\u0000 Kim Th'))
    screen_geojson_text(folder / "khu.geojson")
    names = kimson_geo.load(folder)[KHU_LAYER][NAME].tolist()
    assert names[0].startswith("\\u0000 Kim Th")
    assert kimson_geo.load(folder)[KHU_LAYER][ID].tolist()[1] == "khu-b \U0001F600"


def test_check_text_values_names_the_first_offender(small_khu) -> None:
    frame = small_khu[[ID, NAME, "geometry"]].copy()
    frame[NAME] = ["ok", "y" * 11]
    with pytest.raises(DataSourceError, match=r"k\.geojson: feature 1 \(id 'khu-b'\): field "
                                              r"'name': 11 characters, over the limit of 10 "):
        check_text_values(frame, "k.geojson", limit=10)
    check_text_values(frame, "k.geojson", limit=11)


def test_bad_limit_setting(monkeypatch: pytest.MonkeyPatch, small_khu) -> None:
    monkeypatch.setenv(MAX_PROPERTY_CHARS_ENV, "-3")
    with pytest.raises(DataSourceError, match="not a positive number"):
        check_text_values(small_khu, "k.geojson")
