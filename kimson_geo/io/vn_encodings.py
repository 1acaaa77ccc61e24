"""Decoders for the legacy Vietnamese 8-bit encodings Python's codecs lack: TCVN3 and VNI.

Offices still receive dBase tables typed in these, with the ``.VnTime`` (TCVN3, "ABC") or
``VNI-Times`` fonts.  Both keep ASCII as it is:

* **TCVN3** (TCVN 5712:1993, VN3) gives every Vietnamese letter, tone included, one byte in
  0xA1-0xFF (and five combining tone marks at 0xB0-0xB4).  Capitals with a tone were typed
  with an all-capitals font on the lower-case bytes, so their case is lost in the data.
* **VNI** (VNI-Windows) writes a base letter followed by one byte for its marks, shown in
  Windows-1252 as ``ù ø û õ ï`` (the tones) or ``â á à å ã ä`` (circumflex, with a tone)
  or ``ê é è ú ü ë`` (breve, with a tone): ``caùc`` is ``các``; a few letters take one byte
  (``ñ`` is ``đ``, ``ö`` is ``ư``, ``ô`` is ``ơ``, ``í ì æ ó ò`` are ``í ì ỉ ĩ ị``).

>>> decode_tcvn3(b"\\xa7\\xad\\xea\\x6e\\x67")
'Đường'
>>> decode_vni("Ñöôøng".encode("cp1252"))
'Đường'
"""

from __future__ import annotations

import unicodedata

__all__ = ["decode_tcvn3", "decode_vni", "TCVN3_HIGH"]

#: TCVN 5712:1993 (VN1) for bytes 0x80-0xFF, as the GNU C library's iconv maps them; the
#: VN3 subset used by the ABC fonts is 0xA0-0xFF.
TCVN3_HIGH = (
    "\xc0\u1ea2\xc3\xc1\u1ea0\u1eb6\u1eac\xc8\u1eba\u1ebc\xc9\u1eb8\u1ec6\xcc\u1ec8\u0128"
    "\xcd\u1eca\xd2\u1ece\xd5\xd3\u1ecc\u1ed8\u1edc\u1ede\u1ee0\u1eda\u1ee2\xd9\u1ee6\u0168"
    "\xa0\u0102\xc2\xca\xd4\u01a0\u01af\u0110\u0103\xe2\xea\xf4\u01a1\u01b0\u0111\u1eb0"
    "\u0300\u0309\u0303\u0301\u0323\xe0\u1ea3\xe3\xe1\u1ea1\u1eb2\u1eb1\u1eb3\u1eb5\u1eaf\u1eb4"
    "\u1eae\u1ea6\u1ea8\u1eaa\u1ea4\u1ec0\u1eb7\u1ea7\u1ea9\u1eab\u1ea5\u1ead\xe8\u1ec2\u1ebb\u1ebd"
    "\xe9\u1eb9\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7\xec\u1ec9\u1ec4\u1ebe\u1ed2\u0129\xed\u1ecb\xf2"
    "\u1ed4\u1ecf\xf5\xf3\u1ecd\u1ed3\u1ed5\u1ed7\u1ed1\u1ed9\u1edd\u1edf\u1ee1\u1edb\u1ee3\xf9"
    "\u1ed6\u1ee7\u0169\xfa\u1ee5\u1eeb\u1eed\u1eef\u1ee9\u1ef1\u1ef3\u1ef7\u1ef9\xfd\u1ef5\u1ed0"
)
_TCVN3_HIGH_MAP = {0x80 + i: char for i, char in enumerate(TCVN3_HIGH)}


def _cp1252_or_latin1(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in Windows-1252
        return chr(byte)


#: Latin-1 text -> what Windows-1252 (the VNI fonts' base) shows for bytes 0x80-0x9F
_CP1252_HIGH_MAP = {b: _cp1252_or_latin1(b) for b in range(0x80, 0xA0)}

# combining marks
_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"

#: VNI mark bytes (as Windows-1252 shows them) -> combining marks, lower and upper case
_VNI_TONES = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
_VNI_CIRCUMFLEX = {"â": "", "á": _ACUTE, "à": _GRAVE, "å": _HOOK, "ã": _TILDE, "ä": _DOT}
_VNI_BREVE = {"ê": "", "é": _ACUTE, "è": _GRAVE, "ú": _HOOK, "ü": _TILDE, "ë": _DOT}
#: letters VNI writes as one byte
_VNI_LETTERS = {"í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "ô": "ơ", "ö": "ư",
                "î": "ỵ", "ñ": "đ"}


def _both_cases(table: dict[str, str]) -> dict[str, str]:
    return {**table, **{k.upper(): v.upper() for k, v in table.items()}}


_TONES = _both_cases(_VNI_TONES)
_CIRC = _both_cases({k: _CIRCUMFLEX + v for k, v in _VNI_CIRCUMFLEX.items()})
_BREV = _both_cases({k: _BREVE + v for k, v in _VNI_BREVE.items()})
_LETTERS = _both_cases(_VNI_LETTERS)
#: which marks may follow which base letters (after mapping the one-byte letters)
_TONE_BASES = frozenset("aeouyơưAEOUYƠƯ")
_CIRC_BASES = frozenset("aeoAEO")
_BREVE_BASES = frozenset("aA")


def decode_tcvn3(data: bytes) -> str:
    """``data`` in TCVN3 (ABC) as NFC text."""
    return unicodedata.normalize("NFC", data.decode("latin-1").translate(_TCVN3_HIGH_MAP))


def decode_vni(data: bytes) -> str:
    """``data`` in VNI-Windows as NFC text."""
    out: list[str] = []
    base = ""  # the last letter written, while marks may still follow it
    for char in data.decode("latin-1").translate(_CP1252_HIGH_MAP):
        if base in _TONE_BASES and char in _TONES:
            out.append(_TONES[char])
            base = ""
        elif base in _CIRC_BASES and char in _CIRC:
            out.append(_CIRC[char])
            base = ""
        elif base in _BREVE_BASES and char in _BREV:
            out.append(_BREV[char])
            base = ""
        else:
            letter = _LETTERS.get(char, char)
            out.append(letter)
            base = letter
    return unicodedata.normalize("NFC", "".join(out))
