"""Offline maps: every CDN file inlined from the vendored npm copies, or a clear error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kimson_geo.cli.main import cli
from kimson_geo.errors import OfflineAssetsError
from kimson_geo.render import offline, render_map
from kimson_geo.render.map import ASSET_URLS


@pytest.fixture(scope="module")
def offline_page(bundled, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("offline") / "map.html"
    return render_map(bundled, path, offline=True).read_text("utf-8")


def test_every_script_and_style_is_in_the_page(offline_page: str) -> None:
    assert not re.search(r"<script[^>]+src=", offline_page)
    assert not re.search(r"<link[^>]+stylesheet", offline_page)
    for group in ASSET_URLS.values():
        for _name, url in group["js"] + group["css"]:
            assert url not in offline_page
    # no url() left in a style sheet that a browser would fetch: data URIs only
    styles = "".join(re.findall(r"<style>(.*?)</style>", offline_page, flags=re.S))
    for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", styles):
        assert ref.startswith(("data:", "#")), ref[:80]
    # each icon font once (Font Awesome names its files again for older family names)
    fonts = re.findall(r"data:font/woff2;base64,([A-Za-z0-9+/=]{64})", offline_page)
    assert fonts and len(fonts) == len(set(fonts))
    # the licences travel with the files
    assert "Font Awesome Free 6.2.0" in offline_page and "Leaflet 1.9.3" in offline_page


def test_vendored_files_carry_their_licences() -> None:
    root = offline.assets_dir()
    for folder in {f.split("/src/")[0].rstrip("/") for f in offline.CDN_PREFIXES.values()}:
        names = [p.name.lower() for p in (root / folder).iterdir()]
        assert any("licen" in n for n in names), folder


def test_missing_assets_is_one_line_exit_2_and_no_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "assets_dir", lambda: tmp_path / "none")
    out = tmp_path / "map.html"
    with pytest.raises(OfflineAssetsError, match="vendor_map_assets.sh"):
        render_map({}, out, offline=True)
    result = CliRunner().invoke(cli, ["map", "--offline", "-o", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "scripts/vendor_map_assets.sh" in lines[0]
    assert not out.exists()
