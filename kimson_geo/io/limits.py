"""Text a layer may not hold, refused the same way by every command.

* A property value longer than :func:`max_property_chars` (1,000,000 characters unless
  ``$KIMSON_GEO_MAX_PROPERTY_CHARS`` says otherwise): GDAL itself gives up on a value of
  some ten million, so validate (which parses GeoJSON on its own) and info, query, map and
  export (which read through GDAL) must draw the line at the same place.
* A NUL character (``\\u0000`` in JSON), which GDAL silently cuts the value at.
* A lone UTF-16 surrogate (``\\ud800``), which is not text: GDAL turns it into U+FFFD and
  Arrow-backed text columns cannot hold it at all.

Each is one :class:`~kimson_geo.errors.DataSourceError` line naming file, feature and field.
"""

from __future__ import annotations

import mmap
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataSourceError, locate
from ..registry import ID
from ..text import string_columns

__all__ = ["MAX_PROPERTY_CHARS_ENV", "max_property_chars", "check_text_values",
           "screen_geojson_text"]

#: Environment variable overriding :func:`max_property_chars`.
MAX_PROPERTY_CHARS_ENV = "KIMSON_GEO_MAX_PROPERTY_CHARS"
_DEFAULT_MAX_PROPERTY_CHARS = 1_000_000
_JSON_SUFFIXES = (".geojson", ".json")
#: a NUL or surrogate escape in JSON text; it starts with a literal, so the search is a fast
#: scan (a look-behind for the backslashes before it made it 100 times slower)
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def max_property_chars() -> int:
    """The longest text value read (``$KIMSON_GEO_MAX_PROPERTY_CHARS``, default 1,000,000)."""
    value = os.environ.get(MAX_PROPERTY_CHARS_ENV, "").strip()
    if not value:
        return _DEFAULT_MAX_PROPERTY_CHARS
    if not value.isdigit() or int(value) <= 0:
        raise DataSourceError(f"{MAX_PROPERTY_CHARS_ENV}={value!r} is not a positive number")
    return int(value)


def _feature_id(frame: pd.DataFrame, row: int) -> object | None:
    if ID not in frame.columns:
        return None
    value = frame[ID].iloc[row]
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def check_text_values(frame: pd.DataFrame, source: object, *,
                      limit: int | None = None) -> None:
    """Refuse a frame with a text value over ``limit`` characters or holding a NUL.

    Raises
    ------
    DataSourceError
        Naming the first such value's file, feature and field.
    """
    limit = max_property_chars() if limit is None else limit
    for column in string_columns(frame):
        series = frame[column]
        # a string column is measured by its (Arrow) string kernels; only a column of
        # Python objects needs the values that are not text blanked first
        texts = series if isinstance(series.dtype, pd.StringDtype) else series.map(
            lambda v: v if isinstance(v, str) else "")
        lengths = texts.str.len().fillna(0).to_numpy(dtype=np.int64)
        too_long = (lengths > limit).nonzero()[0]
        if len(too_long):
            row = int(too_long[0])
            where = locate(source, feature=row, feature_id=_feature_id(frame, row), field=column)
            raise DataSourceError(
                f"{where}: {int(lengths[row]):,} characters, over the limit of {limit:,} per "
                f"value (raise it with {MAX_PROPERTY_CHARS_ENV})"
            )
        nul = texts.str.contains("\x00", regex=False).fillna(False).to_numpy(
            dtype=bool).nonzero()[0]
        if len(nul):
            row = int(nul[0])
            where = locate(source, feature=row, feature_id=_feature_id(frame, row), field=column)
            raise DataSourceError(f"{where}: holds a NUL character (\\u0000); remove it")


def _first_bad(features: list[Any]) -> tuple[int, object, str, str] | None:
    """The first property (feature, id, field, problem) holding a NUL or lone surrogate."""
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        for field, value in properties.items():
            for text in (field, value):
                if not isinstance(text, str):
                    continue
                if "\x00" in text:
                    problem = "holds a NUL character (\\u0000), which GDAL would cut"
                elif re.search("[\ud800-\udfff]", text):
                    problem = "holds a lone UTF-16 surrogate (such as \\ud800), which is not text"
                else:
                    continue
                fid = properties.get(ID)
                return index, fid if isinstance(fid, (str, int)) else None, field, problem
    return None


def _starts_escape(text: mmap.mmap, at: int) -> bool:
    """Whether the backslash at ``at`` starts an escape: an even number of backslashes
    comes before it (``\\\\u0000`` is an escaped backslash and the text ``u0000``)."""
    before = at
    while before > 0 and text[before - 1] == 0x5C:
        before -= 1
    return (at - before) % 2 == 0


def screen_geojson_text(path: str | os.PathLike[str]) -> None:
    """Refuse a GeoJSON file with a NUL or a lone surrogate in its text, before reading.

    A byte search finds the escapes (cheap, and rare); only then is the file parsed, with
    the standard library (which keeps both), to name the feature and field.
    """
    path = Path(path)
    if path.suffix.lower() not in _JSON_SUFFIXES or path.stat().st_size == 0:
        return
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        if not any(_starts_escape(m, hit.start())
                   for hit in _SUSPECT_ESCAPE.finditer(m)):  # type: ignore[call-overload]
            return
    import json

    try:
        document = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        return  # not JSON: the reader says so
    features = document.get("features") if isinstance(document, dict) else None
    found = _first_bad(features if isinstance(features, list) else [document])
    if found is None:
        return  # a surrogate pair (valid), or the escape is outside any property
    index, fid, field, problem = found
    raise DataSourceError(f"{locate(path, feature=index, feature_id=fid, field=field)}: "
                          f"{problem}; remove it")
