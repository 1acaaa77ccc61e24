"""Attribute rules, generated from the registry: required fields, types, codes, ranges, ids, NFC.

Codes and ranges are checked by a pandera schema built from each layer's
:class:`~kimson_geo.registry.LayerSpec`, on the values a vectorised screen finds outside.
Types are checked by hand because a value that cannot be converted (``"5,5"``) deserves a
message that says how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache, partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..registry import ID, PROVENANCE_FIELDS, FieldSpec, LayerSpec, layer_spec
from ..text import is_text_dtype
from .issue import Findings, Issue
from .rules import Context, rule

if TYPE_CHECKING:
    import pandera.pandas as pa

FAMILY = "attributes"
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


def _registry_layers(ctx: Context) -> list[tuple[str, LayerSpec]]:
    return [(name, layer_spec(name)) for name in ctx.layers] if ctx.layer_known else []


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
            checks.append(pa.Check.in_range(*field.range))
        columns[field.name] = pa.Column(checks=checks, nullable=not field.required,
                                        unique=field.unique, required=False, coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


#: what pandas' ``infer_dtype`` (a C pass, nulls skipped) says of a column whose values all fit
_ALL_FIT = {"str": {"string", "empty"}, "bool": {"boolean", "empty"},
            "int": {"integer", "empty"}, "float": {"integer", "floating", "empty"}}


_TYPE_OF = np.frompyfunc(type, 1, 1)


def _isinstance(ctx: Context, layer: str, series: pd.Series,
                test: Callable[[type], bool]) -> pd.Series:
    """Per value: ``test(type(value))``, run once per type (factorized once per context)."""
    key = ("value-types", layer, series.name)
    if key not in ctx.cache:
        ctx.cache[key] = pd.factorize(_TYPE_OF(series.to_numpy(dtype=object)))
    codes, kinds = ctx.cache[key]
    mask = np.asarray([bool(test(kind)) for kind in kinds], dtype=bool)[codes]
    return pd.Series(mask, index=series.index)


def _typed_ok(ctx: Context, layer: str, series: pd.Series, kind: str) -> pd.Series:
    """Where the values fit type ``kind`` (nulls do)."""
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in _ALL_FIT[kind]:
        return pd.Series(True, index=series.index)
    if kind in ("str", "bool"):
        if (isinstance(series.dtype, pd.StringDtype) if kind == "str"
                else pd.api.types.is_bool_dtype(series)):
            return pd.Series(True, index=series.index)
        wanted = str if kind == "str" else bool
        return series.isna() | _isinstance(ctx, layer, series, lambda t: issubclass(t, wanted))
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        if kind == "int":
            return series.isna() | (series.astype("Float64") % 1 == 0).fillna(True)
        return pd.Series(True, index=series.index)
    return series.isna() | _isinstance(
        ctx, layer, series, lambda t: issubclass(t, (int, float)) and not issubclass(t, bool))


def type_errors(ctx: Context, layer: str, field_name: str) -> np.ndarray:
    """Where the values of registry field ``field_name`` of ``layer`` are not of its type
    (a boolean mask, computed once per context); nulls count as fitting."""
    key = ("type-errors", layer, field_name)
    if key not in ctx.cache:
        series = ctx.frame(layer)[field_name]
        kind = layer_spec(layer).field(field_name).type
        ok = _typed_ok(ctx, layer, series, kind)
        ctx.cache[key] = ~np.asarray(ok.fillna(True), dtype=bool)
    return ctx.cache[key]


def typed_column(ctx: Context, layer: str, field_name: str) -> pd.Series:
    """Registry field ``field_name`` of ``layer`` with the values of another type (which
    field-type reports) as missing, numbers as numbers: what other rules may compare,
    hash and measure without tripping over a dict or a string."""
    key = ("typed", layer, field_name)
    if key not in ctx.cache:
        series = ctx.frame(layer)[field_name]
        bad = type_errors(ctx, layer, field_name)
        if bad.any():
            series = series.astype(object).where(~bad)
        if layer_spec(layer).field(field_name).type in ("int", "float"):
            series = pd.to_numeric(series, errors="coerce")
        ctx.cache[key] = series
    return ctx.cache[key]


_WANTED = {"str": "text", "int": "an integer", "float": "a number", "bool": "true or false"}


def _type_message(value: object, wanted: str) -> str:
    hint = ""
    if isinstance(value, str) and _DECIMAL_COMMA.match(value):
        hint = f" (decimal comma? use {value.strip().replace(',', '.')})"
    return f"{value!r} is not {wanted}{hint}"


@rule("field-type", severity="error", family=FAMILY,
      description="Attribute values have the registry's type (text, integer, number, true/false)")
def field_type(ctx: Context) -> Iterator[Findings]:
    for name, spec in _registry_layers(ctx):
        frame = ctx.frame(name)
        for field in spec.fields:
            if field.name not in frame.columns:
                continue
            rows = type_errors(ctx, name, field.name).nonzero()[0]
            if not len(rows):
                continue
            wanted = _WANTED[field.type]
            values = frame[field.name].to_numpy(dtype=object)[rows]
            yield ctx.flag("field-type", name, rows,
                           [_type_message(v, wanted) for v in values], field=field.name)


#: an object column with fewer text values than this is tested value by value
_FEW_TEXTS = 2_000


def _blank(ctx: Context, layer: str, series: pd.Series) -> pd.Series:
    """True where the value is text of whitespace only (vectorised through ``.str``)."""
    if series.dtype == object:
        text = _isinstance(ctx, layer, series, lambda t: issubclass(t, str)).to_numpy()
        if text.sum() < _FEW_TEXTS:  # mostly numbers, flags or nulls: test the few texts
            out = np.zeros(len(series), dtype=bool)
            where = text.nonzero()[0]
            out[where] = [not value.strip() for value in series.to_numpy(dtype=object)[where]]
            return pd.Series(out, index=series.index)
    try:
        return ((series == "") | series.str.isspace()).fillna(False).astype(bool)
    except AttributeError:  # an object column that .str refuses (booleans among the text)
        return series.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)


def _only_provenance_missing(frame: pd.DataFrame, spec: LayerSpec) -> list[str]:
    """The provenance fields a layer lacks when it lacks no other required one, else []."""
    missing = [f.name for f in spec.fields if f.required and f.name not in frame.columns]
    return missing if missing and set(missing) <= set(PROVENANCE_FIELDS) else []


@rule("provenance-missing", severity="warning", family=FAMILY,
      description="A layer lacks only the provenance fields, which kimson-geo import assigns")
def provenance_missing(ctx: Context) -> Iterator[Issue]:
    for name, spec in _registry_layers(ctx):
        frame = ctx.frame(name)
        missing = _only_provenance_missing(frame, spec) if len(frame) else []
        if missing:
            yield Issue("provenance-missing", "warning",
                        f"the layer has no provenance fields ({', '.join(missing)}); "
                        "run kimson-geo import on it to assign them", layer=name)


@rule("required-field", severity="error", family=FAMILY,
      description="Every required attribute is present and not empty")
def required_field(ctx: Context) -> Iterator[Findings | Issue]:
    for name, spec in _registry_layers(ctx):
        frame = ctx.frame(name)
        provenance_only = bool(_only_provenance_missing(frame, spec))
        for field in spec.fields:
            if not field.required:
                continue
            if field.name not in frame.columns:
                # (when only provenance fields are missing, provenance-missing warns once)
                if not provenance_only and len(frame):
                    yield Issue("required-field", "error",
                                f"required field {field.name!r} is missing from the layer",
                                layer=name, field=field.name)
                continue
            series = frame[field.name]
            empty = series.isna()
            # blank text counts as empty in a text field; in another it is field-type's
            if field.type == "str" and is_text_dtype(series.dtype):
                empty |= _blank(ctx, name, series)
            rows = np.asarray(empty, dtype=bool).nonzero()[0]
            if len(rows):
                yield ctx.flag("required-field", name, rows, "required value is empty",
                               field=field.name)


def _failing(series: pd.Series, field: FieldSpec) -> np.ndarray:
    """Where pandera's code or range check may fail: its test, vectorised (all when in doubt)."""
    try:
        checked = series.notna().to_numpy(dtype=bool, copy=True)
        values = series[checked]
        if field.codes:
            ok = values.isin(list(field.codes))
        else:
            low, high = field.range  # type: ignore[misc]
            ok = (low <= values) & (high >= values)
        checked[checked] = ~np.asarray(ok, dtype=bool)
        return checked
    except Exception:  # anything unusual: let pandera decide on every value
        return np.ones(len(series), dtype=bool)


def _run_schema(ctx: Context, name: str) -> pd.DataFrame:
    """pandera's code and range failures of ``name`` on the cells :func:`_failing` screens out."""
    frame = ctx.frame(name)
    spec = layer_spec(name)
    columns: dict[str, pd.Series] = {}
    rows = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        if column == frame.geometry.name or column not in spec.field_names:
            continue
        field = spec.field(str(column))
        if not field.codes and (field.range is None or field.type not in ("int", "float")):
            continue  # the schema checks neither codes nor a range
        # values of another type are reported by field-type only (and may not be hashable)
        series = typed_column(ctx, name, str(column))
        failing = _failing(series, field)
        if failing.any():
            columns[column] = series
            rows |= failing
    empty = pd.DataFrame(columns=["column", "check", "failure_case", "index"])
    if not columns:
        return empty
    import pandera.pandas as pa  # only now: its import costs 0.2 s, and clean values need none

    where = rows.nonzero()[0]
    data = pd.DataFrame({c: series.iloc[where].reset_index(drop=True)
                         for c, series in columns.items()})
    data.index = pd.Index(where)
    try:
        _schema(name).validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return empty


def _from_schema(ctx: Context, prefix: str, rule_id: str) -> Iterator[Findings]:
    for name, spec in _registry_layers(ctx):
        key = ("schema-failures", name)  # run once per layer, shared by two rules
        if key not in ctx.cache:
            ctx.cache[key] = _run_schema(ctx, name)
        failures = ctx.cache[key]
        if failures.empty:
            continue
        hits = failures[failures["check"].astype(str).str.startswith(prefix)]
        hits = hits.drop_duplicates(subset=["column", "index"])
        for column, group in hits.groupby(hits["column"].astype(str), sort=False):
            field = spec.field(column)
            cases = group["failure_case"].tolist()
            if field.codes:
                allowed = ", ".join(field.codes)
                messages = [f"{v!r} is not a code of {field.name} ({allowed})" for v in cases]
            else:
                low, high = field.range or (None, None)
                unit = f" {field.unit}" if field.unit else ""
                messages = [f"{v} is outside the plausible range {low}–{high}{unit}"
                            for v in cases]
            yield ctx.flag(rule_id, name, group["index"].to_numpy(dtype=np.int64), messages,
                           field=field.name)


for _rule_id, _check, _description in (
        ("unknown-code", "isin(", "Coded attributes hold one of the registry's codes"),
        ("value-range", "in_range(",
         "Numbers lie in the registry's plausible range (width_m 0.5–60 m...)")):
    rule(_rule_id, severity="error", family=FAMILY, description=_description)(
        partial(_from_schema, prefix=_check, rule_id=_rule_id))


@rule("unique-id", severity="error", family=FAMILY,
      description="Every feature's id is unique in its layer")
def unique_id(ctx: Context) -> Iterator[Findings | Issue]:
    for name, _spec in _registry_layers(ctx):
        if ctx.missing(name, ID):
            if len(ctx.frame(name)):
                yield ctx.skipped("unique-id", name, [ID])
            continue
        ids = typed_column(ctx, name, ID)
        duplicated = (ids.duplicated(keep=False) & ids.notna()).to_numpy(dtype=bool)
        rows = duplicated.nonzero()[0]
        if len(rows):
            yield ctx.flag("unique-id", name, rows,
                           [f"id {v!r} is used by more than one feature"
                            for v in ids.to_numpy(dtype=object)[rows]], field=ID)


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
def text_nfc(ctx: Context) -> Iterator[Findings]:
    for name, frame in ctx.layers.items():
        changed = frame.attrs.get("nfc_changed", {})
        for column, positions in changed.items():
            if len(positions):
                yield ctx.flag("text-nfc", name, np.asarray(positions, dtype=np.int64),
                               "text was not in Unicode NFC (decomposed accents); "
                               "normalised on load, save the source as NFC",
                               field=str(column))
