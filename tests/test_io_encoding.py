from __future__ import annotations

import unicodedata
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kimson_geo
from kimson_geo.io.encoding import (
    codec_for_codepage,
    decode_bytes,
    detect_encoding,
    shapefile_encoding,
    vietnamese_score,
)
from kimson_geo.io.read import TEXT_ENCODING, read_layer
from kimson_geo.io.vn_encodings import decode_tcvn3, decode_vni
from kimson_geo.registry import ID, KHU_LAYER, NAME
from kimson_geo.text import is_text_dtype

# Real byte strings.  TCVN3 as the GNU C library's iconv writes TCVN5712-1; VNI as typed
# with the VNI-Windows keyboard (each shown here as its Windows-1252 characters).
WORDS = ["Thượng Đồng", "Kim Sơn", "Nhà văn hoá", "Đường trục"]
TCVN3 = [bytes.fromhex("5468adee6e6720a7e56e67"), bytes.fromhex("4b696d2053ac6e"),
         bytes.fromhex("4e68b52076a86e20686fb8"), bytes.fromhex("a7adea6e67207472f463")]
VNI = [s.encode("cp1252") for s in ["Thöôïng Ñoàng", "Kim Sôn", "Nhaø vaên hoaù",
                                    "Ñöôøng truïc"]]
# Windows-1258 as GDAL's iconv writes it: base letters with combining tone marks
CP1258 = [b"Th\xfd\xf5\xf2ng \xd0\xf4\xccng", b"Kim S\xf5n", b"Nha\xcc v\xe3n hoa\xec",
          b"\xd0\xfd\xf5\xccng tru\xf2c"]


@pytest.mark.parametrize(("text", "codec"), [
    ("CP1258", "cp1258"), ("1258", "cp1258"), ("ANSI 1258", "cp1258"), ("cp1258", "cp1258"),
    ("Windows-1258", "cp1258"), ("UTF8", "utf-8"), ("utf-8", "utf-8"), (" UTF-8\r\n", "utf-8"),
    ("65001", "utf-8"), ("1252", "cp1252"), ("88591", "iso8859-1"),
    ("ISO-8859-1", "iso8859-1"), ("TCVN3", "tcvn3"), ("ABC", "tcvn3"), ("VNI-Windows", "vni"),
    ("VNI", "vni"), ("nonsense", None), ("", None),
])
def test_codepage_names_offices_write(text: str, codec: str | None) -> None:
    assert codec_for_codepage(text) == codec


@pytest.mark.parametrize(("raw", "word"), list(zip(TCVN3, WORDS, strict=True)))
def test_tcvn3_decodes_real_bytes(raw: bytes, word: str) -> None:
    assert decode_tcvn3(raw) == word


@pytest.mark.parametrize(("raw", "word"), list(zip(VNI, WORDS, strict=True)))
def test_vni_decodes_real_bytes(raw: bytes, word: str) -> None:
    assert decode_vni(raw) == word


def test_vni_capitals_and_one_byte_letters() -> None:
    assert decode_vni("ÑAÏI HOÏC, UÛY BAN, ñi, kyõ, ñòa, ÔÛ, öù, Yù".encode("cp1252")) == \
        "ĐẠI HỌC, ỦY BAN, đi, kỹ, địa, Ở, ứ, Ý"
    # a mark byte after a consonant is the letter it shows, not a mark
    assert decode_vni(b"n\xf9") == "nù"


def test_tcvn3_combining_marks_compose() -> None:
    # 0xB0-0xB4 are the five tone marks: "a" + acute is "á"
    assert decode_tcvn3(b"a\xb3") == "á"
    assert decode_tcvn3(b"abc 123") == "abc 123"


@pytest.mark.parametrize(("raw", "word"), list(zip(CP1258, WORDS, strict=True)))
def test_cp1258_decodes_to_nfc(raw: bytes, word: str) -> None:
    assert decode_bytes(raw, "cp1258") == word
    assert unicodedata.is_normalized("NFC", decode_bytes(raw, "cp1258"))


@pytest.mark.parametrize(("samples", "expected"), [
    (TCVN3, "tcvn3"), (VNI, "vni"), (CP1258, "cp1258"),
    ([w.encode("utf-8") for w in WORDS], "utf-8"), ([b"abc", b"khu-1"], "ascii"),
])
def test_detect_each_encoding(samples: list[bytes], expected: str) -> None:
    found, score = detect_encoding(samples)
    assert found == expected
    assert score > 0.5


@pytest.mark.parametrize("samples", [TCVN3, VNI, CP1258])
def test_each_legacy_encoding_wins_one_word_at_a_time(samples: list[bytes]) -> None:
    expected = detect_encoding(samples)[0]
    alone = [detect_encoding([s])[0] for s in samples]
    # "Kim Sôn" is Vietnamese-shaped in Windows-1258 too: a tie, which Windows-1258 wins
    ambiguous = VNI[WORDS.index("Kim Sơn")]
    assert decode_bytes(ambiguous, "cp1258") == "Kim Sôn"
    assert alone == [("cp1258" if s == ambiguous else expected) for s in samples]


def test_mojibake_scores_below_vietnamese() -> None:
    good = vietnamese_score(WORDS)
    assert good == 1.0
    for wrong in ("cp1252", "latin-1"):
        mojibake = [w.encode("utf-8").decode(wrong, errors="replace") for w in WORDS]
        assert vietnamese_score(mojibake) < 0
    assert vietnamese_score(decode_bytes(b, "cp1258") for b in TCVN3) < 0
    assert vietnamese_score(["Thýõòng"]) < 0  # three tone marks: not a syllable
    assert vietnamese_score(["plain ascii"]) == 1.0


@given(st.lists(st.sampled_from(WORDS), min_size=2, max_size=4, unique=True))
def test_detect_any_mix_of_words(words: list[str]) -> None:
    index = [WORDS.index(w) for w in words]
    for table, name in ((TCVN3, "tcvn3"), (VNI, "vni"), (CP1258, "cp1258")):
        samples = [table[i] for i in index]
        assert detect_encoding(samples)[0] == name
        assert [decode_bytes(s, name) for s in samples] == words


# ---------------------------------------------------------------- Shapefiles end to end

def _raw_shapefile(path: Path, frame: gpd.GeoDataFrame, encode, cpg: str | None) -> Path:  # type: ignore[no-untyped-def]
    """Write ``frame`` with every name and text value as the bytes ``encode`` gives."""
    raw = frame.rename(columns=lambda c: c if c == "geometry" else encode(c).decode("latin-1"))
    for column in raw.columns:
        if column != "geometry" and is_text_dtype(raw[column].dtype):
            raw[column] = raw[column].map(
                lambda v: encode(v).decode("latin-1") if isinstance(v, str) else v)
    pyogrio.write_dataframe(raw, path, encoding="ISO-8859-1")
    cpg_path = path.with_suffix(".cpg")
    cpg_path.unlink(missing_ok=True)
    if cpg is not None:
        cpg_path.write_text(cpg)
    return path


def _khu(small_khu: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    khu = small_khu[[ID, NAME, "geometry"]].copy()
    khu[NAME] = [WORDS[0], WORDS[1]]
    khu["tên_cũ"] = [WORDS[2], WORDS[3]]
    return khu


def test_cpg_cp1258_loses_no_character(tmp_path: Path, small_khu) -> None:
    khu = _khu(small_khu)
    path = tmp_path / "khu.shp"
    pyogrio.write_dataframe(khu, path, encoding="cp1258")  # GDAL writes a .cpg "CP1258"
    assert path.with_suffix(".cpg").read_text().strip().upper() == "CP1258"
    loaded = read_layer(path, KHU_LAYER)
    assert {ID, NAME, "tên_cũ"} <= set(loaded.columns)
    assert loaded[NAME].tolist() == khu[NAME].tolist()
    assert loaded[ID].tolist() == khu[ID].tolist()
    assert loaded["tên_cũ"].tolist() == khu["tên_cũ"].tolist()
    encoding = loaded.attrs[TEXT_ENCODING]
    assert (encoding.name, encoding.how, encoding.note) == ("cp1258", "cpg", None)


@pytest.mark.parametrize("cpg", ["1258", "ANSI 1258", "windows-1258"])
def test_other_cp1258_spellings(tmp_path: Path, small_khu, cpg: str) -> None:
    khu = _khu(small_khu)
    path = _raw_shapefile(tmp_path / "khu.shp", khu, lambda t: CP1258[WORDS.index(t)]
                          if t in WORDS else t.encode("cp1258", errors="strict")
                          if t.isascii() else _cp1258(t), cpg)
    loaded = read_layer(path, KHU_LAYER)
    assert loaded[NAME].tolist() == khu[NAME].tolist()
    assert "tên_cũ" in loaded.columns


def _cp1258(text: str) -> bytes:
    # Windows-1258 keeps the tone marks apart; Python's encoder needs them decomposed
    return "".join(unicodedata.normalize("NFD", c) if c not in "ăâêôơưđĂÂÊÔƠƯĐ" else c
                   for c in text).encode("cp1258")


@pytest.mark.parametrize(("table", "name", "label"), [
    (TCVN3, "tcvn3", "TCVN3"), (VNI, "vni", "VNI"), (CP1258, "cp1258", "Windows-1258"),
])
def test_no_cpg_legacy_text_is_detected_and_reported(tmp_path: Path, small_khu, table, name,
                                                     label) -> None:
    khu = _khu(small_khu).drop(columns=["tên_cũ"])
    folder = tmp_path / "inv"
    folder.mkdir()
    path = _raw_shapefile(folder / "khu.shp", khu,
                          lambda t: table[WORDS.index(t)] if t in WORDS else t.encode(), None)
    encoding = shapefile_encoding(path)
    assert (encoding.name, encoding.how) == (name, "detected")
    assert label in encoding.note and "no .cpg" in encoding.note
    loaded = read_layer(path, KHU_LAYER)
    assert loaded[NAME].tolist() == khu[NAME].tolist()
    report = kimson_geo.validate(folder)
    notes = [i for i in report.issues if i.rule == "text-encoding"]
    assert len(notes) == 1 and notes[0].severity == "warning" and label in notes[0].message
    assert kimson_geo.load(folder)[KHU_LAYER][NAME].tolist() == khu[NAME].tolist()


def test_no_cpg_utf8_is_detected(tmp_path: Path, small_khu) -> None:
    khu = _khu(small_khu)
    path = _raw_shapefile(tmp_path / "khu.shp", khu, lambda t: t.encode("utf-8"), None)
    loaded = read_layer(path, KHU_LAYER)
    assert loaded[NAME].tolist() == khu[NAME].tolist()
    assert "tên_cũ" in loaded.columns
    assert loaded.attrs[TEXT_ENCODING].name == "utf-8"
    assert "UTF-8" in loaded.attrs[TEXT_ENCODING].note


def test_wrong_and_unknown_cpg_fall_back_to_detection(tmp_path: Path, small_khu) -> None:
    khu = _khu(small_khu)
    path = _raw_shapefile(tmp_path / "khu.shp", khu,
                          lambda t: CP1258[WORDS.index(t)] if t in WORDS else _cp1258(t), "UTF-8")
    encoding = shapefile_encoding(path)
    assert encoding.name == "cp1258" and "says 'UTF-8' but the text is not UTF-8" in encoding.note
    assert read_layer(path, KHU_LAYER)[NAME].tolist() == khu[NAME].tolist()
    path.with_suffix(".cpg").write_text("klingon")
    encoding = shapefile_encoding(path)
    assert encoding.name == "cp1258" and "'klingon', which is no known encoding" in encoding.note


def test_ascii_shapefile_has_nothing_to_report(tmp_path: Path, small_roads) -> None:
    roads = small_roads.assign(name="Truc 1")
    path = tmp_path / "roads.shp"
    pyogrio.write_dataframe(roads, path)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    encoding = read_layer(path).attrs[TEXT_ENCODING]
    assert encoding.name == "ascii" and encoding.note is None
