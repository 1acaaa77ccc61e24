"""The :class:`ValidationReport`: every problem found (one table), the article's claims,
and a summary."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import orjson

from .issue import Findings, Issue

if TYPE_CHECKING:
    import pandas as pd

    from .claims import ClaimResult

__all__ = ["ValidationReport", "COLUMNS"]

#: columns of :attr:`ValidationReport.table`
COLUMNS = ("rule", "severity", "layer", "index", "feature_id", "field", "message", "lon",
           "lat", "line")
#: rows serialised at a time by :meth:`ValidationReport.write_json`
JSON_CHUNK = 10_000
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class ValidationReport:
    """What validation found.

    Attributes
    ----------
    table
        Every problem, one row each, in rule order (see :data:`COLUMNS`).
    claims
        The article's claims measured from the data (empty when a single file is checked).
    source
        What was validated.
    layers
        The layers that were read and checked.
    unreadable
        Files that could not be read at all, with the reason.
    """

    def __init__(
        self,
        issues: Iterable[Issue | Findings] | None = None,
        claims: list[ClaimResult] | None = None,
        source: str | None = None,
        layers: list[str] | None = None,
        unreadable: dict[str, str] | None = None,
    ) -> None:
        self.claims: list[ClaimResult] = list(claims or [])
        self.source = source
        self.layers: list[str] = list(layers or [])
        self.unreadable: dict[str, str] = dict(unreadable or {})
        self._parts: list[dict[str, np.ndarray] | list[Issue]] = []
        self._table: pd.DataFrame | None = None
        self._issues: list[Issue] | None = None
        self._issued: list[Issue] = []  # what :attr:`issues` handed out, to see it changed
        self.extend(issues or ())

    def __repr__(self) -> str:
        return (f"ValidationReport(source={self.source!r}, layers={self.layers!r}, "
                f"problems={len(self.table)}, claims={len(self.claims)})")

    def add(self, item: Findings | Issue) -> None:
        """Append one :class:`Findings` (its rows) or one :class:`Issue`."""
        self._sync()
        if isinstance(item, Findings):
            if len(item):
                self._parts.append(_columns(item))
        elif self._parts and isinstance(self._parts[-1], list):
            self._parts[-1].append(item)
        else:
            self._parts.append([item])
        self._table = self._issues = None

    def extend(self, items: Iterable[Findings | Issue]) -> None:
        """Append each of ``items`` (:meth:`add`)."""
        for item in items:
            self.add(item)

    def _sync(self) -> None:
        """Take in changes made to the :attr:`issues` list in place."""
        if self._issues is not None and self._issues != self._issued:
            self._parts = [list(self._issues)]
            self._table = self._issues = None

    @property
    def table(self) -> pd.DataFrame:
        """Every problem as one DataFrame (columns :data:`COLUMNS`)."""
        self._sync()
        if self._table is None:
            import pandas as pd

            parts = [_issue_columns(p) if isinstance(p, list) else p
                     for p in self._parts] or [_issue_columns([])]
            merged = {c: np.concatenate([p[c] for p in parts]) for c in COLUMNS}
            self._parts = [merged]  # (what is added next goes after these rows)
            columns: dict[str, Any] = {}
            for c, values in merged.items():
                if c in ("index", "line"):
                    values = pd.arrays.IntegerArray(np.nan_to_num(values).astype(np.int64),
                                                    np.isnan(values))
                # the dtype given: object, not pandas' str dtype, as the values are Python text
                # already and JSON takes them back as such (through Arrow costs seconds)
                columns[c] = pd.Series(values, dtype=values.dtype, copy=False)
            self._table = pd.DataFrame(columns, columns=list(COLUMNS), copy=False)
        return self._table

    @property
    def issues(self) -> list[Issue]:
        """Every problem as an :class:`Issue` (built from the table on first use)."""
        self._sync()
        if self._issues is None:
            self._issues = _issues_of(self.table)
            self._issued = list(self._issues)
        return self._issues

    @issues.setter
    def issues(self, value: Iterable[Issue | Findings]) -> None:
        self._parts, self._table, self._issues = [], None, None
        self.extend(value)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def error_count(self) -> int:
        return int((self.table["severity"] == "error").sum())

    @property
    def warning_count(self) -> int:
        return int((self.table["severity"] == "warning").sum())

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def failed_claims(self) -> list[ClaimResult]:
        return [c for c in self.claims if c.passed is False]

    @property
    def ok(self) -> bool:
        """True when there are no errors and nothing was unreadable (warnings are allowed)."""
        return not self.error_count and not self.unreadable

    @property
    def nothing_read(self) -> bool:
        """True when not one layer could be read (the CLI's exit code 2)."""
        return bool(self.unreadable) and not self.layers

    def unreadable_line(self) -> str:
        """The first file that could not be read and why, as one line that names the file
        once (most reasons, an error's text, already begin with it)."""
        where, why = next(iter(self.unreadable.items()))
        return why if why.startswith(f"{where}: ") else f"{where}: {why}"

    def summary(self) -> dict[str, Any]:
        """Counts by severity, layer and rule, and the claims' tally."""
        table = self.table
        by_rule = table["rule"].value_counts()
        counts = table.groupby([table["layer"].fillna("-"), table["severity"]],
                               sort=False).size()
        by_layer: dict[str, dict[str, int]] = {}
        for (layer, severity), count in counts.items():
            by_layer.setdefault(str(layer), {"error": 0, "warning": 0})[str(severity)] = \
                int(count)
        passed = [c.passed for c in self.claims]
        return {
            "ok": self.ok,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "layers": list(self.layers),
            "unreadable": dict(self.unreadable),
            "by_layer": by_layer,
            "by_rule": {str(k): int(v) for k, v in sorted(by_rule.items())},
            "claims_passed": passed.count(True),
            "claims_failed": passed.count(False),
            "claims_context": passed.count(None),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "issues": [row for chunk in self._records() for row in chunk],
            "claims": [c.to_dict() for c in self.claims],
            "summary": self.summary(),
        }

    def _records(self, size: int = JSON_CHUNK) -> Iterator[list[dict[str, Any]]]:
        """The issues as JSON-ready dicts (the shape of :meth:`Issue.to_dict`), in chunks."""
        table = self.table
        for start in range(0, len(table), size):
            yield _records(table.iloc[start:start + size])

    def write_json(self, target: str | os.PathLike[str] | IO[bytes], *,
                   indent: int | None = 2) -> None:
        """Write the report as UTF-8 JSON (:meth:`to_json`), the issues a chunk at a time.

        ``target`` is a binary file, or a path (written atomically)."""
        if hasattr(target, "write"):
            self._write(target, indent)  # type: ignore[arg-type]
            return
        from ..io.write import atomic_path

        with atomic_path(target) as tmp, open(tmp, "wb") as out:
            self._write(out, indent)

    def _write(self, out: IO[bytes], indent: int | None) -> None:
        document = _dumps({"source": self.source, "issues": [],
                           "claims": [c.to_dict() for c in self.claims],
                           "summary": self.summary()},
                          _OPTIONS | (orjson.OPT_INDENT_2 if indent else 0))
        # the issues are written into that empty list (a quote in a string is escaped: the
        # first '"issues": []' is the key)
        empty = b'"issues": []' if indent else b'"issues":[]'
        head, tail = document.split(empty, 1)
        out.write(head + empty[:-1])
        first = True
        from ..io import gc_paused

        # the rows' dicts hold no cycles and die with their chunk: the cyclic collector
        # would only rescan them (it doubles the time)
        with gc_paused():
            row_sep = b",\n    " if indent else b","
            for chunk in self._records():
                # one issue a line: grep-able, and half the bytes of an indented object
                out.write((b"\n    " if indent else b"") if first else row_sep)
                out.write(_rows(chunk, row_sep))  # (not joined first: a copy of megabytes)
                first = False
        out.write((b"\n  ]" if indent and not first else b"]") + tail)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON: ``source``, ``issues``, ``claims`` and ``summary``.

        ``indent``: 2 indents the document and writes each issue on a line of its own;
        None writes it all on one line."""
        import io

        buffer = io.BytesIO()
        self._write(buffer, indent)
        return buffer.getvalue().decode("utf-8")

    def to_frame(self) -> pd.DataFrame:
        """One row per issue: ``feature`` (the id where known, else the index) and
        ``location`` (``[lon, lat]`` or None) as in the JSON, beside the table's columns."""
        import pandas as pd

        table = self.table.copy()
        ids, index = table["feature_id"], table["index"].to_numpy(dtype=object, na_value=None)
        feature = np.where(ids.isna().to_numpy(), index, ids.to_numpy(dtype=object))
        table.insert(3, "feature", pd.Series(feature, index=table.index, dtype=object))
        lon, lat = (table[c].to_numpy(dtype=float).tolist() for c in ("lon", "lat"))
        location = [None if x != x else [x, y] for x, y in zip(lon, lat, strict=True)]
        table.insert(len(table.columns) - 1, "location",
                     pd.Series(location, index=table.index, dtype=object))
        return table

    def to_geojson(self) -> dict[str, Any]:
        """The located problems as a GeoJSON FeatureCollection of points (for QGIS or the map)."""
        features = [{"type": "Feature", "properties": properties,
                     "geometry": {"type": "Point", "coordinates": location}}
                    for chunk in self._records() for properties in chunk
                    if (location := properties.pop("location")) is not None]
        return {"type": "FeatureCollection", "features": features}


def _columns(item: Findings) -> dict[str, np.ndarray]:
    """The table columns of one :class:`Findings`."""
    n = len(item)

    def column(value: Any) -> np.ndarray:
        if value is None or isinstance(value, str):
            out = np.empty(n, dtype=object)
            out[:] = value  # one shared text (np.full would make a copy per row)
            return out
        return np.asarray(value, dtype=object).reshape(n)

    location = (np.full((n, 2), np.nan) if item.location is None
                else np.asarray(item.location, dtype=float).reshape(n, 2))
    line = np.full(n, np.nan) if item.line is None else np.asarray(item.line, dtype=float)
    return {
        "rule": column(item.rule), "severity": column(item.severity),
        "layer": column(item.layer), "index": item.rows.astype(float),
        "feature_id": column(item.feature_id), "field": column(item.field),
        "message": column(item.message), "lon": location[:, 0], "lat": location[:, 1],
        "line": line,
    }


def _issue_columns(issues: list[Issue]) -> dict[str, np.ndarray]:
    """The table columns of a list of :class:`Issue` (numbers as floats, None as NaN)."""
    location = [i.location or (np.nan, np.nan) for i in issues]
    columns = {c: np.asarray([getattr(i, "feature" if c == "index" else c) for i in issues],
                             dtype=float if c in ("index", "line") else object).reshape(len(issues))
               for c in COLUMNS if c not in ("lon", "lat")}
    columns["lon"], columns["lat"] = np.asarray(location, dtype=float).reshape(-1, 2).T
    return columns


def _row_tuples(table: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The table's rows as tuples of Python values (None for missing)."""

    def column(c: str) -> list[Any]:
        if c in ("index", "line"):  # (Int64 to object gives Python ints)
            return table[c].to_numpy(dtype=object, na_value=None).tolist()
        return table[c].to_numpy(dtype=float if c in ("lon", "lat") else object).tolist()

    return zip(*(column(c) for c in COLUMNS), strict=True)


def _issues_of(table: pd.DataFrame) -> list[Issue]:
    return [Issue(rule, severity, message, layer=layer, feature=index, feature_id=feature_id,
                  field=field, location=None if lon != lon else (lon, lat), line=line)
            for rule, severity, layer, index, feature_id, field, message, lon, lat, line
            in _row_tuples(table)]


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``table`` as :meth:`Issue.to_dict` gives them."""
    return [{"rule": rule, "severity": severity, "message": message, "layer": layer,
             "feature": index if feature_id is None else feature_id, "field": field,
             "location": None if lon != lon else [lon, lat], "line": line, "index": index}
            for rule, severity, layer, index, feature_id, field, message, lon, lat, line
            in _row_tuples(table)]


def _rows(rows: list[dict[str, Any]], sep: bytes) -> bytes:
    """``rows`` (:func:`_records`) as JSON objects with ``sep`` between them."""
    from ..io import json_lines

    try:
        return json_lines(rows, b'{"rule":', sep, default=_default,
                          option=orjson.OPT_SERIALIZE_NUMPY)
    except orjson.JSONEncodeError:  # a lone surrogate: row by row, escaped
        return sep.join([_dumps(row, _OPTIONS) for row in rows])


def _default(value: Any) -> Any:
    """What orjson cannot write by itself: pandas' missing values, and anything else as text."""
    with contextlib.suppress(TypeError, ValueError):
        if value is None or value != value or str(value) == "<NA>":
            return None
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _dumps(value: Any, option: int) -> bytes:
    """orjson's bytes of ``value``, a lone surrogate escaped as text (``\\ud800``)."""
    try:
        return orjson.dumps(value, default=_default, option=option)
    except orjson.JSONEncodeError:
        return orjson.dumps(_clean(value), default=_default, option=option)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value
