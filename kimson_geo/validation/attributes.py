"""Attribute rules, generated from the registry: required fields, types, codes, ranges, ids, NFC.

Codes, ranges, nullability and uniqueness are checked by a pandera schema built from each
layer's :class:`~kimson_geo.registry.LayerSpec`; the failure cases are grouped back into
one issue per feature and field.  Types are checked by hand because a value that cannot be
converted (``"5,5"``) deserves a message that says how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from ..registry import ID, LayerSpec, layer_spec
from ..text import is_text_dtype
from .issue import Issue
from .rules import Context, rule

if TYPE_CHECKING:
    import pandera.pandas as pa

FAMILY = "attributes"
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


def _is_text(series: pd.Series) -> bool:
    return is_text_dtype(series.dtype)


def _registry_layers(ctx: Context) -> Iterator[tuple[str, LayerSpec]]:
    if not ctx.layer_known:
        return
    for name in ctx.layers:
        yield name, layer_spec(name)


@cache
def _schema(name: str) -> pa.DataFrameSchema:
    """A pandera schema of the registry layer ``name`` (codes, ranges, nulls, uniqueness)."""
    import pandera.pandas as pa

    spec = layer_spec(name)
    columns = {}
    for field in spec.fields:
        checks = []
        if field.codes:
            checks.append(pa.Check.isin(list(field.codes)))
        if field.range is not None and field.type in ("int", "float"):
            low, high = field.range
            checks.append(pa.Check.in_range(low, high))
        columns[field.name] = pa.Column(
            checks=checks, nullable=not field.required, unique=field.unique, required=False,
            coerce=False,
        )
    return pa.DataFrameSchema(columns, strict=False)


#: what pandas' ``infer_dtype`` (a C pass, nulls skipped) says of a column whose values all fit
_ALL_FIT = {"str": {"string", "empty"}, "bool": {"boolean", "empty"},
            "int": {"integer", "empty"}, "float": {"integer", "floating", "empty"}}


def _typed_ok(series: pd.Series, kind: str) -> pd.Series:
    """Boolean mask of the values whose type fits ``kind`` (nulls count as fitting)."""
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in _ALL_FIT[kind]:
        return pd.Series(True, index=series.index)
    if kind == "str":
        if isinstance(series.dtype, pd.StringDtype):
            return pd.Series(True, index=series.index)
        return series.isna() | series.map(lambda v: isinstance(v, str))
    if kind == "bool":
        if pd.api.types.is_bool_dtype(series):
            return pd.Series(True, index=series.index)
        return series.isna() | series.map(lambda v: isinstance(v, bool))
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        if kind == "int":
            return series.isna() | (series.astype("Float64") % 1 == 0).fillna(True)
        return pd.Series(True, index=series.index)
    return series.isna() | series.map(
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    )


@rule("field-type", severity="error", family=FAMILY,
      description="Attribute values have the registry's type (text, integer, number, true/false)")
def field_type(ctx: Context) -> Iterator[Issue]:
    for name, spec in _registry_layers(ctx):
        frame = ctx.frame(name)
        for field in spec.fields:
            if field.name not in frame.columns:
                continue
            series = frame[field.name]
            bad = ~_typed_ok(series, field.type).astype(bool)
            for index in bad.to_numpy().nonzero()[0]:
                value = series.iloc[index]
                wanted = {"str": "text", "int": "an integer", "float": "a number",
                          "bool": "true or false"}[field.type]
                hint = ""
                if isinstance(value, str) and _DECIMAL_COMMA.match(value):
                    hint = f" (decimal comma? use {value.strip().replace(',', '.')})"
                yield ctx.issue("field-type", f"{value!r} is not {wanted}{hint}",
                                layer=name, index=int(index), field=field.name)


def _blank(series: pd.Series) -> pd.Series:
    """True where the value is text of whitespace only (vectorised through ``.str``)."""
    try:
        return ((series == "") | series.str.isspace()).fillna(False).astype(bool)
    except AttributeError:  # an object column that .str refuses (booleans among the text)
        return series.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)


@rule("required-field", severity="error", family=FAMILY,
      description="Every required attribute is present and not empty")
def required_field(ctx: Context) -> Iterator[Issue]:
    for name, spec in _registry_layers(ctx):
        frame = ctx.frame(name)
        for field in spec.fields:
            if not field.required:
                continue
            if field.name not in frame.columns:
                if len(frame):
                    yield Issue("required-field", "error",
                                f"required field {field.name!r} is missing from the layer",
                                layer=name, field=field.name)
                continue
            series = frame[field.name]
            empty = series.isna()
            if _is_text(series):
                empty |= _blank(series)
            for index in empty.to_numpy().nonzero()[0]:
                yield ctx.issue("required-field", "required value is empty",
                                layer=name, index=int(index), field=field.name)


def _schema_failures(ctx: Context, name: str) -> pd.DataFrame:
    """pandera's failure cases for layer ``name`` (run once per layer, shared by rules)."""
    key = ("schema-failures", name)
    if key not in ctx.cache:
        ctx.cache[key] = _run_schema(ctx, name)
    return ctx.cache[key]


def _run_schema(ctx: Context, name: str) -> pd.DataFrame:
    import pandera.pandas as pa

    frame = ctx.frame(name)
    data = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    data.index = pd.RangeIndex(len(data))
    spec = layer_spec(name)
    # type errors are reported by field-type; keep those columns out of range checks
    for field in spec.fields:
        if field.name in data.columns and field.type in ("int", "float") \
                and not pd.api.types.is_numeric_dtype(data[field.name]):
            data[field.name] = pd.to_numeric(data[field.name], errors="coerce")
    try:
        _schema(name).validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return pd.DataFrame(columns=["column", "check", "failure_case", "index"])


@rule("unknown-code", severity="error", family=FAMILY,
      description="Coded attributes hold one of the registry's codes")
def unknown_code(ctx: Context) -> Iterator[Issue]:
    yield from _from_schema(ctx, "isin(", "unknown-code")


@rule("value-range", severity="error", family=FAMILY,
      description="Numbers lie in the registry's plausible range (width_m 0.5–60 m...)")
def value_range(ctx: Context) -> Iterator[Issue]:
    yield from _from_schema(ctx, "in_range(", "value-range")


@rule("unique-id", severity="error", family=FAMILY,
      description="Every feature's id is unique in its layer")
def unique_id(ctx: Context) -> Iterator[Issue]:
    for name, _spec in _registry_layers(ctx):
        frame = ctx.frame(name)
        if ID not in frame.columns:
            continue
        ids = frame[ID]
        duplicated = ids.duplicated(keep=False) & ids.notna()
        for index in duplicated.to_numpy().nonzero()[0]:
            yield ctx.issue("unique-id", f"id {ids.iloc[index]!r} is used by more than one "
                            "feature", layer=name, index=int(index), field=ID)


def _from_schema(ctx: Context, prefix: str, rule_id: str) -> Iterator[Issue]:
    for name, spec in _registry_layers(ctx):
        failures = _schema_failures(ctx, name)
        if failures.empty:
            continue
        hits = failures[failures["check"].astype(str).str.startswith(prefix)]
        hits = hits.drop_duplicates(subset=["column", "index"])
        for row in hits.itertuples(index=False):
            field = spec.field(str(row.column))
            if field.codes:
                allowed = ", ".join(field.codes)
                message = f"{row.failure_case!r} is not a code of {field.name} ({allowed})"
            else:
                low, high = field.range or (None, None)
                unit = f" {field.unit}" if field.unit else ""
                message = f"{row.failure_case} is outside the plausible range {low}–{high}{unit}"
            yield ctx.issue(rule_id, message, layer=name, index=int(row.index),
                            field=field.name)


@rule("unknown-field", severity="warning", family=FAMILY,
      description="Attributes the registry does not define (typos, Shapefile-cut names)")
def unknown_field(ctx: Context) -> Iterator[Issue]:
    for name, spec in _registry_layers(ctx):
        frame = ctx.frame(name)
        for column in frame.columns:
            if column != frame.geometry.name and column not in spec.field_names:
                yield Issue("unknown-field", "warning",
                            f"field {column!r} is not defined for this layer in the registry",
                            layer=name, field=str(column))


@rule("text-nfc", severity="warning", family=FAMILY,
      description="Vietnamese text is in Unicode NFC (it is normalised on load)")
def text_nfc(ctx: Context) -> Iterator[Issue]:
    for name, frame in ctx.layers.items():
        changed = frame.attrs.get("nfc_changed", {})
        for column, positions in changed.items():
            for index in positions:
                yield ctx.issue("text-nfc", "text was not in Unicode NFC (decomposed "
                                "accents); normalised on load, save the source as NFC",
                                layer=name, index=int(index), field=str(column))
