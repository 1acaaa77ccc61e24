"""Printing helpers shared by the commands.

Everything from the data or the user goes through :func:`cell` (rich markup) or
:func:`~kimson_geo.render.text.plain` (plain lines) before it reaches the terminal, so
that an ESC, an OSC title sequence or a bidi override in a file prints as ``\\x1b``.
"""

from __future__ import annotations

import contextlib
import math
import sys
from typing import Any

import click

__all__ = ["cell", "console", "jsonable", "print_json", "warn", "working"]


def cell(value: object) -> str:
    """``value`` for a rich table cell or markup string: control characters escaped
    (:func:`~kimson_geo.render.text.plain`) and rich markup (``[bold]``) shown as text."""
    from rich.markup import escape

    from ..render.text import plain

    return escape(plain(value))


def warn(message: object) -> None:
    """One ``kimson-geo: warning:`` line on stderr, control characters escaped."""
    from ..render.text import plain

    click.echo(f"kimson-geo: warning: {plain(' '.join(str(message).split()))}", err=True)


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    """A rich console (imported lazily, so ``--help`` stays fast)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit 1 here; the CLI treats a closed stdout as a quiet exit
            raise BrokenPipeError

    stream = sys.stderr if stderr else sys.stdout
    # a pipe or a file gets full-width tables rather than rich's 80-column default
    width = None if stream.isatty() else 160
    return _Console(stderr=stderr, soft_wrap=False, width=width)


def jsonable(data: Any) -> Any:
    """``data`` with NaN and infinities as None, numpy scalars and arrays as Python values,
    and anything else JSON cannot hold as its text (so the JSON printed is always valid)."""
    import numpy as np

    if isinstance(data, dict):
        return {str(k): jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in (data.tolist() if isinstance(data, np.ndarray) else data)]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if data is None or isinstance(data, (str, int, bool)):
        return data
    import pandas as pd

    if data is pd.NA or data is pd.NaT:
        return None
    return str(data)


def print_json(data: Any) -> None:
    """Print ``data`` as JSON (UTF-8, indented) on stdout, and nothing else; never NaN."""
    import json

    data = jsonable(data)
    text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from the data: JSON's \ud800 escapes
        text = json.dumps(data, ensure_ascii=True, indent=2, allow_nan=False)
    click.echo(text)


def working(message: str) -> contextlib.AbstractContextManager[Any]:
    """A rich spinner on stderr while a long step runs, only when stderr is a terminal
    (so pipes, files and JSON output stay clean)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    return console(stderr=True).status(cell(message), spinner="dots")
