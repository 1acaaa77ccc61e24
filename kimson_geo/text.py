"""Vietnamese text handling: everything kimson_geo keeps is Unicode NFC."""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["nfc", "is_text_dtype", "normalize_frame_text", "string_columns", "as_text",
           "is_missing", "plain_value"]


def nfc(value: object) -> object:
    """``value`` in NFC when it is a string, else unchanged.

    Examples
    --------
    >>> nfc("Kim Tha\\u0300nh") == "Kim Thành"
    True
    """
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def is_text_dtype(dtype: object) -> bool:
    """Whether a column of ``dtype`` holds text (object or pandas string dtype)."""
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


def string_columns(frame: pd.DataFrame) -> list[str]:
    """Names of the columns that hold text (object or string dtype), geometry excluded."""
    geometry = getattr(frame, "_geometry_column_name", None)
    return [str(name) for name, dtype in frame.dtypes.items()
            if name != geometry and is_text_dtype(dtype)]


def _nfc_column(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``series`` in NFC and the positions that changed (only text that is not ASCII can
    change; each distinct value is normalised once)."""
    present = series.notna().to_numpy(dtype=bool)
    try:
        ascii_ = series.str.isascii().to_numpy(dtype=bool, na_value=True)
    except AttributeError:  # not a text column after all (booleans among the values)
        ascii_ = ~series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    candidates = (present & ~ascii_).nonzero()[0]
    if not len(candidates):
        return series, candidates
    codes, found = pd.factorize(series.iloc[candidates])
    uniques = np.asarray(found, dtype=object)  # iterating an Arrow array is slow
    normal = [unicodedata.normalize("NFC", u) if isinstance(u, str) else u for u in uniques]
    differs = np.fromiter((a != b for a, b in zip(uniques, normal, strict=True)), dtype=bool,
                          count=len(normal))
    changed = differs[codes]
    if not changed.any():
        return series, candidates[:0]
    positions = candidates[changed]
    if not isinstance(series.dtype, pd.StringDtype):
        return series.map(nfc), positions
    out = series.copy()
    out.iloc[positions] = np.asarray(normal, dtype=object)[codes[changed]]
    return out, positions


def normalize_frame_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with column names and every text value in NFC (a copy).

    The rows whose text changed are kept in ``frame.attrs["nfc_changed"]`` as
    ``{column: [row positions]}``, so that validation can still report them.
    """
    frame = frame.rename(columns=lambda c: nfc(c) if isinstance(c, str) else c).copy()
    changed: dict[str, list[int]] = {}
    for column in string_columns(frame):
        normal, positions = _nfc_column(frame[column])
        if len(positions):
            changed[column] = positions.tolist()
            frame[column] = normal
    frame.attrs["nfc_changed"] = changed
    return frame


def is_missing(value: object) -> bool:
    """True for a cell with no value: None, NaN, pandas' NA and NaT."""
    return (value is None or value is pd.NA or value is pd.NaT
            or (isinstance(value, (float, np.floating)) and value != value))


def plain_value(value: object) -> object:
    """A cell as a plain Python value: numpy scalars unwrapped, missing values as None."""
    if is_missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def as_text(value: object) -> str | None:
    """One cell as display text: None for a missing value, arrays and objects as JSON.

    A text field may hold a JSON array or object (GDAL reads an array of strings as a
    numpy array); every command shows and compares it as its JSON text instead of failing.

    Examples
    --------
    >>> as_text({"vi": "Ngõ 3", "n": [1, 2]})
    '{"vi": "Ngõ 3", "n": [1, 2]}'
    >>> as_text(np.array(["a", "b"])), as_text(float("nan")), as_text(5.5)
    ('["a", "b"]', None, '5.5')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple, np.ndarray)):
        return json.dumps(_plain_json(value), ensure_ascii=False, default=str)
    value = plain_value(value)
    return None if value is None else str(value)


def _plain_json(value: object) -> object:
    """``value`` with numpy arrays and scalars as Python lists and numbers (for json)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
