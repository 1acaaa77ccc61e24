"""Vietnamese text handling: everything kimson_geo keeps is Unicode NFC."""

from __future__ import annotations

import unicodedata

import pandas as pd

__all__ = ["nfc", "is_nfc", "is_text_dtype", "normalize_frame_text", "string_columns"]


def nfc(value: object) -> object:
    """``value`` in NFC when it is a string, else unchanged.

    Examples
    --------
    >>> nfc("Kim Tha\\u0300nh") == "Kim Thành"
    True
    """
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def is_nfc(value: str) -> bool:
    """Whether ``value`` is already in NFC."""
    return unicodedata.is_normalized("NFC", value)


def is_text_dtype(dtype: object) -> bool:
    """Whether a column of ``dtype`` holds text (object or pandas string dtype)."""
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


def string_columns(frame: pd.DataFrame) -> list[str]:
    """Names of the columns that hold text (object or string dtype), geometry excluded."""
    geometry = getattr(frame, "_geometry_column_name", None)
    return [
        str(name)
        for name, dtype in frame.dtypes.items()
        if name != geometry and is_text_dtype(dtype)
    ]


def normalize_frame_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with column names and every text value in NFC (a copy).

    The rows whose text changed are kept in ``frame.attrs["nfc_changed"]`` as
    ``{column: [row positions]}``, so that validation can still report them.
    """
    frame = frame.rename(columns=lambda c: nfc(c) if isinstance(c, str) else c)
    frame = frame.copy()
    changed: dict[str, list[int]] = {}
    for column in string_columns(frame):
        series = frame[column]
        if isinstance(series.dtype, pd.StringDtype):
            normal = series.str.normalize("NFC")
        else:
            normal = series.map(nfc)
        differs = (normal != series) & series.notna()
        if differs.any():
            changed[column] = [int(i) for i in differs.to_numpy().nonzero()[0]]
            frame[column] = normal
    frame.attrs["nfc_changed"] = changed
    return frame
