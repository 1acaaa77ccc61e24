"""Every example in the README runs as written.

The examples run in order in a sandbox folder that holds links to the repository's
``data/``, ``seeds/`` and ``examples/``, so nothing tracked is rewritten; paths under
``/tmp/`` in the README are moved into the sandbox too.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from _support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.S)
PYTHON = [body for lang, body in BLOCKS if lang == "python"]
COMMANDS = [
    line.strip() for lang, body in BLOCKS if lang == "sh"
    for line in body.splitlines()
    if line.strip().startswith(".venv/bin/kimson-geo ")
]
#: what each command line is expected to exit with, when not 0
EXPECTED_EXIT = {
    # the example survey has three faults: validating or importing it exits 1
    "examples/survey": 1,
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder that looks like the repository to the examples."""
    root = tmp_path_factory.mktemp("readme")
    for name in ("data", "seeds", "examples"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    (root / "maps").mkdir()
    (root / "tmp").mkdir()
    return root


def _sandboxed(text: str, root: Path) -> str:
    return text.replace("/tmp/", f"{root}/tmp/")


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def test_readme_has_examples() -> None:
    assert PYTHON and len(COMMANDS) >= 8


@pytest.mark.parametrize("code", PYTHON)
def test_python_example_runs(code: str, sandbox: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _sandboxed(code, sandbox)], cwd=sandbox,
                          capture_output=True, text=True, check=False, env=_env(sandbox))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("line", COMMANDS)
def test_command_example_runs(line: str, sandbox: Path) -> None:
    words = shlex.split(_sandboxed(line, sandbox), comments=True)
    assert words[0].endswith("kimson-geo")
    redirect = None
    if ">" in words:  # `... > FILE`: standard output into FILE, as the shell would
        at = words.index(">")
        redirect, words = Path(sandbox, words[at + 1]), words[:at]
    done = subprocess.run([sys.executable, "-m", "kimson_geo", *words[1:]], cwd=sandbox,
                          capture_output=True, text=True, check=False, env=_env(sandbox))
    if redirect is not None:
        redirect.write_text(done.stdout, encoding="utf-8")
    comment = line.partition("#")[2]
    wanted = re.search(r"exit (\d)", comment)
    if wanted:
        expected = int(wanted.group(1))
    else:
        expected = next((code for key, code in EXPECTED_EXIT.items()
                         if key in line and (" validate " in line or " import " in line)), 0)
    assert done.returncode == expected, done.stderr
    assert "Traceback" not in done.stderr
