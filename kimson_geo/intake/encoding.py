"""Text that GDAL decoded with the wrong code page, decoded again.

GDAL reads an AutoCAD drawing's text by its ``$DWGCODEPAGE`` (usually ANSI_1252) and a KML
or GeoJSON file as UTF-8, so UTF-8 text written by a newer program and legacy Vietnamese
encodings (TCVN3/ABC, VNI, Windows-1258) can arrive as Latin-1 mojibake.  The original
bytes are recovered (Latin-1 and Windows-1252 give them back) and the encoding is detected
by :func:`kimson_geo.io.encoding.detect_encoding` (the one detector, also used for
Shapefiles), which scores the Vietnamese syllables each candidate decoding gives.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..io.encoding import decode_bytes, detect_encoding, encoding_label
from ..text import string_columns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["repair_frame_text", "recover_bytes"]

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


def repair_frame_text(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """``frame`` with mojibake text columns (and column names) decoded again, and the
    encoding found (None when the text was right as it was)."""
    columns = string_columns(frame)
    texts: list[str] = [str(c) for c in frame.columns]
    for column in columns:
        texts.extend(v for v in frame[column].dropna().unique() if isinstance(v, str))
    joined = "".join(texts)
    if not _SUSPECT.search(joined) or _VIETNAMESE.search(joined):
        return frame, None
    raw = [recover_bytes(t) for t in texts]
    if any(b is None for b in raw):
        return frame, None
    data = [b for b in raw if b is not None]
    name, score = detect_encoding(data)
    if name == "ascii" or score <= 0:
        return frame, None
    table = {t: decode_bytes(d, name, errors="replace") for t, d in zip(texts, data,
                                                                         strict=True)}
    frame = frame.rename(columns=lambda c: table.get(str(c), c))
    for column in columns:
        name_now = table.get(column, column)
        frame[name_now] = frame[name_now].map(
            lambda v: table.get(v, v) if isinstance(v, str) else v)
    return frame, encoding_label(name)
