"""Options shared by the kimson-geo commands (the ``*_opt`` / ``*_arg`` convention of rio/fio)."""

from __future__ import annotations

import functools
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


def rev_opts(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--rev N`` and ``--as-of DATE`` for a command whose PATH (or ``--data``) may be a
    store: they turn PATH into ``STORE@N`` / ``STORE@DATE``, the one syntax everywhere."""
    @functools.wraps(func)
    def wrapper(*args: Any, rev: int | None, as_of: str | None, **kwargs: Any) -> Any:
        key = next((k for k in ("path", "data_path") if kwargs.get(k)), "path")
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


class LayerChoice(click.Choice):
    """A registry layer name; a path given in its place gets a hint about the order."""

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            if isinstance(value, str) and os.path.exists(value):
                command = ctx.command_path if ctx else "kimson-geo"
                self.fail(f"{value!r} is a path, not a layer: LAYER comes first, then PATH "
                          f"({command} LAYER {value})", param, ctx)
            raise


path_arg = click.argument("path", required=False, type=InventoryPath())
layer_arg = click.argument("layer", type=LayerChoice(LAYER_NAMES), metavar="LAYER")
layer_opt = click.option("--layer", type=click.Choice(LAYER_NAMES), default=None,
                         help="Read PATH (a single file) as this registry layer.")
src_crs_opt = click.option("--src-crs", default=None, metavar="CRS", help="CRS of the source "
                           "coordinates, e.g. EPSG:5899 (VN-2000 / TM-3 107-45).")
where_opt = click.option("--where", default=None, metavar="EXPR", help="Filter on attributes, "
                         "e.g. \"kind == 'main' and width_m < 5\" (parsed, never run: "
                         "comparisons, and/or/not, in (…), between, is null, contains).")
within_khu_opt = click.option("--within-khu", default=None, metavar="KHU",
                              help="Khu id or name (e.g. 'Kim Thành').")
near_opt = click.option("--near", default=None, metavar="LAT,LON,M",
                        help="Features within M metres of LAT,LON (measured in EPSG:5899).")
bbox_opt = click.option("--bbox", default=None, metavar="W,S,E,N",
                        help="Features intersecting this lon/lat box.")


def filter_opts(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--where``, ``--within-khu``, ``--near`` and ``--bbox``, in that order (query, export)."""
    for option in (bbox_opt, near_opt, within_khu_opt, where_opt):
        func = option(func)
    return func


data_opt = click.option("--data", "data_path", default=None, type=InventoryPath(), hidden=True,
                        help="Deprecated: give PATH after LAYER instead.")
