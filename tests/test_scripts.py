"""The maintenance scripts in scripts/ still import what they use from the package."""

from __future__ import annotations

import runpy

import pytest

from _support import ROOT

SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))


def test_there_are_scripts() -> None:
    assert len(SCRIPTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_imports_resolve(script) -> None:  # type: ignore[no-untyped-def]
    # run as a module, not as __main__: the imports and definitions, not the job
    names = runpy.run_path(str(script), run_name="kimson_geo_script_check")
    assert callable(names["main"])
