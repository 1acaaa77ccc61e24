"""Text that GDAL decoded with the wrong code page, decoded again.

A DBF without ``.cpg`` is read as ISO-8859-1 and an AutoCAD drawing as its ``$DWGCODEPAGE``
(usually ANSI_1252), so UTF-8 text and legacy Vietnamese encodings (TCVN3/ABC, VNI,
Windows-1258) arrive as Latin-1 mojibake.  The original bytes are recovered (Latin-1 and
Windows-1252 give them back) and decoded again: as UTF-8 when they are valid UTF-8, else by
the legacy detector of :mod:`kimson_geo.io.encoding` (helper "sources", issue 9), through
one function, :func:`decode_legacy`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..text import string_columns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["repair_frame_text", "recover_bytes", "decode_legacy"]

#: characters of Latin-1's upper half (and Windows-1252's extras) that mojibake is made of
_SUSPECT = re.compile("[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                      "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
                      "\u2039\u203a\u20ac\u2122]")
#: Vietnamese letters beyond Latin-1, in real (not mojibake) text
_VIETNAMESE = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1"
                         "\u01af\u01b0\u1ea0-\u1ef9]")


def recover_bytes(text: str) -> bytes | None:
    """The bytes a Latin-1 or Windows-1252 decoding of them gave ``text``, or None."""
    for codec in ("latin-1", "cp1252"):
        try:
            return text.encode(codec)
        except UnicodeEncodeError:
            continue
    return None


def decode_legacy(data: list[bytes]) -> tuple[list[str], str] | None:
    """``data`` decoded from the legacy Vietnamese encoding it is in, and that encoding's
    name; None when it is none of them.  Delegates to :mod:`kimson_geo.io.encoding`."""
    try:
        from ..io import encoding as legacy  # type: ignore[attr-defined]
    except ImportError:
        return None
    detect = getattr(legacy, "decode_vietnamese", None)
    if detect is None:
        return None
    return detect(data)  # type: ignore[no-any-return]


def _suspect(values: list[str]) -> bool:
    joined = "".join(values)
    return bool(_SUSPECT.search(joined)) and not _VIETNAMESE.search(joined)


def repair_frame_text(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """``frame`` with mojibake text columns (and column names) decoded again, and the
    encoding found (None when the text was right as it was)."""
    from ..text import nfc

    columns = string_columns(frame)
    texts: list[str] = [str(c) for c in frame.columns]
    for column in columns:
        texts.extend(v for v in frame[column].dropna().unique() if isinstance(v, str))
    if not _suspect(texts):
        return frame, None
    raw = [recover_bytes(t) for t in texts]
    if any(b is None for b in raw):
        return frame, None
    data: list[bytes] = [b for b in raw if b is not None]
    try:
        decoded, encoding = [d.decode("utf-8") for d in data], "UTF-8"
    except UnicodeDecodeError:
        legacy = decode_legacy(data)
        if legacy is None:
            return frame, None
        decoded, encoding = legacy
    table = {t: nfc(d) for t, d in zip(texts, decoded, strict=True)}
    frame = frame.rename(columns=lambda c: table.get(str(c), c))
    for column in columns:
        name = table.get(column, column)
        frame[name] = frame[name].map(lambda v: table.get(v, v) if isinstance(v, str) else v)
    return frame, encoding
