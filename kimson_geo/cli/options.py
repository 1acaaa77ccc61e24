"""Options shared by the kimson-geo commands (the ``*_opt`` / ``*_arg`` convention of rio/fio)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from ..registry import LAYER_NAMES


class InventoryPath(click.Path):
    """An existing file or folder, or a store: ``ward.gpkg@2``, ``postgresql://…``."""

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=True, file_okay=True)

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        text = str(value)
        if text.startswith(("postgresql://", "postgres://")) or (
                "@" in text and not os.path.exists(text)):
            return text  # a store reference: checked when it is opened
        return super().convert(value, param, ctx)


path_arg = click.argument("path", required=False, type=InventoryPath())


def rev_opts(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--rev N`` and ``--as-of DATE`` for a command whose PATH (or ``--data``) may be a
    store: they turn PATH into ``STORE@N`` / ``STORE@DATE``, the one syntax everywhere."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, rev: int | None, as_of: str | None, **kwargs: Any) -> Any:
        key = "path" if "path" in kwargs else "data_path"
        at = rev if rev is not None else as_of
        if at is not None:
            if not kwargs.get(key):
                raise click.UsageError("--rev/--as-of need a store as PATH")
            kwargs[key] = f"{kwargs[key]}@{at}"
        return func(*args, **kwargs)

    wrapper = click.option("--as-of", "as_of", default=None, metavar="DATE",
                           help="With a store: the last revision recorded by DATE "
                                "(YYYY-MM-DD); same as STORE@DATE.")(wrapper)
    return click.option("--rev", "rev", type=click.IntRange(min=1), default=None,
                        metavar="N", help="With a store: revision N; same as STORE@N.")(wrapper)
layer_arg = click.argument("layer", type=click.Choice(LAYER_NAMES), metavar="LAYER")
layer_opt = click.option(
    "--layer", type=click.Choice(LAYER_NAMES), default=None,
    help="Read PATH (a single file) as this registry layer.",
)
src_crs_opt = click.option(
    "--src-crs", default=None, metavar="CRS",
    help="CRS of the source coordinates, e.g. EPSG:5899 (VN-2000 / TM-3 107-45).",
)
where_opt = click.option(
    "--where", default=None, metavar="EXPR",
    help="pandas query expression, e.g. \"kind == 'main' and width_m < 5\".",
)
within_khu_opt = click.option(
    "--within-khu", default=None, metavar="KHU", help="Khu id or name (e.g. 'Kim Thành').",
)
near_opt = click.option(
    "--near", default=None, metavar="LAT,LON,M",
    help="Features within M metres of LAT,LON (measured in EPSG:5899).",
)
bbox_opt = click.option(
    "--bbox", default=None, metavar="W,S,E,N", help="Features intersecting this lon/lat box.",
)
data_opt = click.option(
    "--data", "data_path", default=None, type=InventoryPath(),
    help="Inventory folder or file to read instead of the bundled data.",
)
