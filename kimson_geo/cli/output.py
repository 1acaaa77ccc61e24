"""Printing helpers shared by the commands."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import click

__all__ = ["console", "print_json", "working"]


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    """A rich console (imported lazily, so ``--help`` stays fast)."""
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # a pipe or a file gets full-width tables rather than rich's 80-column default
    width = None if stream.isatty() else 160
    return Console(stderr=stderr, soft_wrap=False, width=width)


def print_json(data: Any) -> None:
    """Print ``data`` as JSON (UTF-8, indented) on stdout, and nothing else."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@contextlib.contextmanager
def working(message: str) -> Iterator[None]:
    """A rich spinner on stderr while a long step runs, only when stderr is a terminal
    (so pipes, files and JSON output stay clean)."""
    import sys

    if not sys.stderr.isatty():
        yield
        return
    with console(stderr=True).status(message, spinner="dots"):
        yield
