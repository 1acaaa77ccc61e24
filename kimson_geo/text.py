"""Vietnamese text handling: everything kimson_geo keeps is Unicode NFC."""

from __future__ import annotations

import unicodedata

import numpy as np
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


def _nfc_column(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``series`` in NFC and the positions that changed.

    Only text that is not ASCII can change, and each distinct value is normalised once, so
    a column of a million ids or codes costs one vectorised ASCII test and one factorize.
    """
    import unicodedata

    present = series.notna().to_numpy(dtype=bool)
    try:
        ascii_ = series.str.isascii().to_numpy(dtype=bool, na_value=True)
    except AttributeError:  # not a text column after all (booleans among the values)
        ascii_ = ~series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    candidates = (present & ~ascii_).nonzero()[0]
    if not len(candidates):
        return series, candidates
    codes, uniques = pd.factorize(series.iloc[candidates])
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
    table = np.asarray(normal, dtype=object)
    out.iloc[positions] = table[codes[changed]]
    return out, positions


def normalize_frame_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with column names and every text value in NFC (a copy).

    The rows whose text changed are kept in ``frame.attrs["nfc_changed"]`` as
    ``{column: [row positions]}``, so that validation can still report them.  Only
    non-ASCII values are looked at, each distinct one once (see :func:`_nfc_column`).
    """
    frame = frame.rename(columns=lambda c: nfc(c) if isinstance(c, str) else c)
    frame = frame.copy()
    changed: dict[str, list[int]] = {}
    for column in string_columns(frame):
        normal, positions = _nfc_column(frame[column])
        if len(positions):
            changed[column] = positions.tolist()
            frame[column] = normal
    frame.attrs["nfc_changed"] = changed
    return frame
