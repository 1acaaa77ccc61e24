"""How a Shapefile's text is encoded: its ``.cpg`` read the way offices write it, or, with
no ``.cpg``, the encoding under which the text reads best as Vietnamese.

GDAL understands only some ``.cpg`` spellings, and recodes Windows-1258 (whose tone marks
combine with the letter before them) with the last character of every value lost.  So
kimson_geo reads every Shapefile's bytes as Latin-1 (one character per byte, nothing lost)
and decodes them here: UTF-8, Windows-1258 and any other Python codec, and the legacy
Vietnamese TCVN3 and VNI (:mod:`kimson_geo.io.vn_encodings`); text comes out in NFC.

Guessing scores each candidate by how much of the text it turns into valid Vietnamese
syllables (one onset, one vowel group, one final, at most one tone mark): mojibake such as
``ThÆ°á»£ng`` or ``Thýõòng`` is not Vietnamese.

>>> codec_for_codepage("ANSI 1258"), codec_for_codepage("UTF8"), codec_for_codepage("VNI-Win")
('cp1258', 'utf-8', 'vni')
>>> detect_encoding([b"Th\\xfd\\xf5\\xf2ng \\xd0\\xf4\\xccng"])   # Windows-1258 bytes
('cp1258', 1.0)
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..text import is_text_dtype
from .vn_encodings import decode_tcvn3, decode_vni

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TextEncoding", "READ_AS", "codec_for_codepage", "decode_bytes", "detect_encoding",
           "encoding_label", "shapefile_encoding", "transcode_frame", "vietnamese_score"]

#: the encoding GDAL is asked to read with, so that every byte comes back as one character
READ_AS = "ISO-8859-1"
_LEGACY = {"tcvn3": decode_tcvn3, "vni": decode_vni}
#: candidates when nothing says, in order of preference on a tie
_CANDIDATES = ("cp1258", "tcvn3", "vni")
_LABELS = {"utf-8": "UTF-8", "cp1258": "Windows-1258", "tcvn3": "TCVN3 (ABC)", "vni": "VNI",
           "ascii": "ASCII"}
_ALIASES = {
    "utf8": "utf-8", "65001": "utf-8", "unicode": "utf-8",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn5712": "tcvn3", "abc": "tcvn3", "vn3": "tcvn3",
    "vntime": "tcvn3",
    "vni": "vni", "vniwin": "vni", "vniwindows": "vni", "vnitimes": "vni",
    "1258": "cp1258", "windows1258": "cp1258", "win1258": "cp1258", "cp1258": "cp1258",
}
#: samples read to guess an encoding (values and field names)
SAMPLE_FEATURES = 5000


@dataclass(frozen=True)
class TextEncoding:
    """The encoding a Shapefile's text is read with.

    Parameters
    ----------
    name
        A Python codec name, or ``tcvn3`` / ``vni``; ``ascii`` when the text has no byte
        over 0x7F (any encoding reads it alike).
    how
        ``cpg`` (the ``.cpg`` said it) or ``detected``.
    declared
        What the ``.cpg`` says, if there is one.
    note
        A warning to report (a guess, an unknown or wrong ``.cpg``), or None.
    """

    name: str
    how: Literal["cpg", "detected"]
    declared: str | None = None
    note: str | None = None


def encoding_label(name: str) -> str:
    """A readable name: ``Windows-1258``, ``TCVN3 (ABC)``..."""
    return _LABELS.get(name, name)


def codec_for_codepage(text: str) -> str | None:
    """The codec a ``.cpg``'s text names (``CP1258``, ``1258``, ``ANSI 1258``, ``UTF8``...),
    or None when it names nothing known."""
    key = re.sub(r"[\s_.\-/]", "", text.strip().lower())
    key = re.sub(r"^(?:ansi|oem|ldid|windows|win|cp)(?=\d)", "", key)
    if key in _ALIASES:
        return _ALIASES[key]
    iso = re.fullmatch(r"(?:iso)?8859(\d{1,2})", key)
    if iso:
        key = f"iso8859_{iso.group(1)}"
    elif key.isdigit():
        key = f"cp{key}"
    try:
        return codecs.lookup(key).name if key else None
    except LookupError:
        return None


def decode_bytes(data: bytes, encoding: str, *, errors: str = "strict") -> str:
    """``data`` decoded as ``encoding`` (a codec, ``tcvn3`` or ``vni``), in NFC."""
    decoder = _LEGACY.get(encoding)
    text = decoder(data) if decoder is not None else data.decode(encoding, errors)
    return unicodedata.normalize("NFC", text)


# ------------------------------------------------------------------ Vietnamese syllables

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
#: vowel groups (with the glides and final semivowels that go with them), longest first
_NUCLEI_TEXT = ("a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi "
                "ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê iêu oai oao oay oeo uây uôi uya uyê uyu "
                "ươi ươu yêu")
_NUCLEI = sorted(_NUCLEI_TEXT.split(), key=len, reverse=True)
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
                       rf"(?:{'|'.join(_NUCLEI)})"
                       r"(?:ch|ng|nh|[cmnpt])?")
_WORD = re.compile(r"[^\W\d_]+")


def _syllable_ok(word: str) -> bool:
    """Whether ``word`` (NFC, one word) is a well-formed Vietnamese syllable."""
    parts = unicodedata.normalize("NFD", word.lower())
    tones = sum(c in _TONE_MARKS for c in parts)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
    return _SYLLABLE.fullmatch(bare) is not None


def vietnamese_score(texts: Iterable[str]) -> float:
    """How well ``texts`` read as Vietnamese, from -1 (all garbage) to 1.

    Only what is not ASCII counts (ASCII reads the same in every candidate): each word with
    a non-ASCII letter scores 1 if it is a valid syllable, else -1; each character that is
    no letter at all (a symbol, a control, U+FFFD) scores -1.  The total is divided by the
    number of things counted.
    """
    good = bad = 0
    for text in texts:
        if text.isascii():
            continue
        for char in text:
            if not char.isascii() and not unicodedata.category(char).startswith(("L", "M")):
                bad += 1
        for word in _WORD.findall(text):
            if word.isascii():
                continue
            if _syllable_ok(word):
                good += 1
            else:
                bad += 1
    total = good + bad
    return 1.0 if total == 0 else (good - bad) / total


def detect_encoding(samples: Sequence[bytes]) -> tuple[str, float]:
    """The encoding that reads ``samples`` best, and its :func:`vietnamese_score`.

    ``ascii`` when no sample has a byte over 0x7F; ``utf-8`` when every sample is valid
    UTF-8 (legacy 8-bit Vietnamese almost never is); else the best of Windows-1258, TCVN3
    and VNI.
    """
    if all(s.isascii() for s in samples):
        return "ascii", 1.0
    try:
        texts = [decode_bytes(s, "utf-8") for s in samples]
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", vietnamese_score(texts)
    best, best_score = _CANDIDATES[0], -2.0
    for name in _CANDIDATES:
        score = vietnamese_score(decode_bytes(s, name, errors="replace") for s in samples)
        if score > best_score:
            best, best_score = name, score
    return best, best_score


# ------------------------------------------------------------------ Shapefiles

def _cpg_text(path: Path) -> str | None:
    for entry in path.parent.iterdir():
        if entry.stem == path.stem and entry.suffix.lower() == ".cpg":
            raw = entry.read_bytes()[:200]  # a code page name, not a document
            return raw.decode("latin-1").strip()
    return None


def _samples(path: Path, frame: pd.DataFrame | None = None) -> list[bytes]:
    """Field names and text values of the first features, as their raw bytes (from
    ``frame``, the file already read as :data:`READ_AS`, when given)."""
    import warnings

    import pyogrio

    if frame is not None:
        frame = frame.iloc[:SAMPLE_FEATURES]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pyogrio.read_dataframe(path, read_geometry=False, encoding=READ_AS,
                                           max_features=SAMPLE_FEATURES)
    samples = [str(c).encode("latin-1") for c in frame.columns]
    for column in frame.columns:
        if is_text_dtype(frame[column].dtype):
            samples.extend(v.encode("latin-1") for v in frame[column].dropna().unique()
                           if isinstance(v, str) and not v.isascii())
    return samples


def shapefile_encoding(path: str | Path, frame: pd.DataFrame | None = None) -> TextEncoding:
    """How the text of the Shapefile at ``path`` is encoded.

    A ``.cpg`` naming a known encoding is honoured (``CP1258``, ``1258``, ``ANSI 1258``,
    ``UTF8``, ``TCVN3``, ``VNI``...) unless the text is not valid in it; otherwise the
    encoding is detected from the first :data:`SAMPLE_FEATURES` features, with a note.
    ``frame``, the whole file already read as :data:`READ_AS`, spares a second read.
    """
    path = Path(path)
    declared = _cpg_text(path)
    named = codec_for_codepage(declared) if declared else None
    samples = _samples(path, frame)
    if named is not None:
        try:
            for sample in samples:
                decode_bytes(sample, named)
        except UnicodeDecodeError:
            pass
        else:
            return TextEncoding(named, "cpg", declared)
    found, score = detect_encoding(samples)
    if found == "ascii":
        return TextEncoding(named or "ascii", "cpg" if named else "detected", declared)
    label = encoding_label(found)
    doubt = "" if score > 0.5 else " (a poor fit: check the text)"
    if declared is None:
        note = f"{path.name}: no .cpg says how the text is encoded; read as {label}{doubt}"
    elif named is None:
        note = (f"{path.name}: the .cpg names {declared!r}, which is no known encoding; "
                f"read as {label}{doubt}")
    else:
        note = (f"{path.name}: the .cpg says {declared!r} but the text is not "
                f"{encoding_label(named)}; read as {label}{doubt}")
    return TextEncoding(found, "detected", declared, note)


def _decode_all(values: list[object], encoding: str) -> list[object] | None:
    """Every value decoded in one pass (joined by NUL, which no DBF text holds) for the
    standard codecs; None when that cannot be done (a legacy encoding, a NUL inside)."""
    if encoding in _LEGACY or not all(isinstance(v, str) for v in values):
        return None
    joined = "\x00".join(values)  # type: ignore[arg-type]
    try:
        out = joined.encode("latin-1").decode(encoding, "replace")
    except UnicodeEncodeError:
        return None
    parts = out.split("\x00")
    if len(parts) != len(values):
        return None
    return [unicodedata.normalize("NFC", p) for p in parts]


def transcode_frame(frame: pd.DataFrame, encoding: str) -> pd.DataFrame:
    """A frame read as :data:`READ_AS` with its names and text decoded as ``encoding``,
    in NFC (each distinct value once)."""
    import numpy as np
    import pandas as pd

    def fix(value: object) -> object:
        if isinstance(value, str) and not value.isascii():
            return decode_bytes(value.encode("latin-1"), encoding, errors="replace")
        return value

    frame = frame.rename(columns=fix)
    for column in frame.columns:
        series = frame[column]
        if is_text_dtype(series.dtype):
            codes, found = pd.factorize(series)
            uniques = np.asarray(found, dtype=object).tolist()  # Arrow arrays iterate slowly
            if not any(isinstance(u, str) and not u.isascii() for u in uniques):
                continue
            decoded = _decode_all(uniques, encoding)
            if decoded is None:
                decoded = [fix(u) for u in uniques]
            table = pd.Index(decoded, dtype=object)
            frame[column] = pd.Series(table.take(codes), index=series.index,
                                      dtype=object).where(codes >= 0, None)
    return frame
