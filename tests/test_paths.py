"""The bundled data loads from a checkout and from an installed (non-editable) wheel."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kimson_geo.paths import bundled_data_dir, claims_file

from _support import ROOT


def test_checkout_paths() -> None:
    assert bundled_data_dir() == ROOT / "data"
    assert claims_file() == ROOT / "seeds" / "claims.json"


@pytest.mark.skipif(importlib.util.find_spec("hatchling") is None,
                    reason="hatchling (installed by make install-test) builds the wheel")
def test_installed_wheel_carries_data_and_claims(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", str(ROOT), "-w", str(wheels)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("kimson_geo-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
    code = (
        "import kimson_geo, kimson_geo.validation as v\n"
        "inv = kimson_geo.load()\n"
        "report = v.validate()\n"
        "print(kimson_geo.__file__)\n"
        "print(len(inv.layers), len(inv['roads']), report.ok, len(report.claims))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=True)
    location, numbers = done.stdout.strip().splitlines()[-2:]
    assert location.startswith(str(site))
    layers, roads, ok, claims = numbers.split()
    assert int(layers) == 10 and int(roads) >= 40 and ok == "True" and int(claims) == 9
