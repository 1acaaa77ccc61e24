"""Reading a delivery: files and folders in, :class:`SourceTable` objects out.

GDAL (through pyogrio) reads Shapefiles, GeoPackages, GeoJSON, KML/KMZ and OpenStreetMap
extracts; :mod:`.cad` reads DXF drawings and :mod:`.sheets` spreadsheets.  Every file is
checked to be a regular file of a sane size first (:func:`kimson_geo.io.sources.check_input`);
a file that cannot be read is a :class:`DataSourceError` naming it, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import DataSourceError
from ..io.read import gdal_frame as read_frame
from ..io.sources import check_input, list_source_layers
from ..text import normalize_frame_text, string_columns
from .dictionary import Dictionary, fold
from .encoding import repair_frame_text
from .place import settle_crs
from .source_table import SourceTable

__all__ = ["DELIVERY_SUFFIXES", "find_delivery_files", "read_delivery_file", "read_gdal"]

_GDAL_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".gml")
_SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
_OSM_SUFFIXES = (".osm", ".pbf")
#: how Google Earth draws a placemark, not facts about it
_KML_DRAWING = ("tessellate", "extrude", "visibility", "altitudeMode", "drawOrder", "icon")
#: Every file suffix a delivery may hold (a Shapefile's sidecars are read with it).
DELIVERY_SUFFIXES = (*_GDAL_SUFFIXES, ".dxf", *_SHEET_SUFFIXES, *_OSM_SUFFIXES)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".pbf" if name.endswith(".osm.pbf") else path.suffix.lower()


def find_delivery_files(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files of a delivery: each file given, and the readable files in each folder
    (its sub-folders too), in a stable order.  A file of an unknown kind given by name is
    an error; in a folder it is passed over (a ``.shx``, a ``.dbf``, a README)."""
    found: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and _suffix(p) in DELIVERY_SUFFIXES
                                and not p.name.startswith((".", "~$"))))
        elif path.exists() or path.is_symlink():
            if _suffix(path) not in DELIVERY_SUFFIXES:
                raise DataSourceError(f"{path}: not a delivery file kimson-geo reads "
                                      f"({', '.join(DELIVERY_SUFFIXES)})")
            found.append(path)
        else:
            raise DataSourceError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def read_delivery_file(path: Path, dictionary: Dictionary, *, src_crs: object | None = None,
                       label: str | None = None) -> list[SourceTable]:
    """Every table of one delivery file (see the module docstring for the kinds)."""
    check_input(path)
    label = label or path.name
    suffix = _suffix(path)
    if suffix == ".dxf":
        from .cad import read_dxf

        return read_dxf(path, dictionary, src_crs=src_crs, label=label)
    if suffix in _SHEET_SUFFIXES:
        from .sheets import read_sheets

        return read_sheets(path, dictionary, src_crs=src_crs, label=label)
    if suffix in _OSM_SUFFIXES:
        from .osm import read_osm

        return read_osm(path, dictionary, label=label)
    return read_gdal(path, dictionary, src_crs=src_crs, label=label)


def gdal_frame(path: Path, layer: str | None = None, *, normalize: bool = True,
               **options: object) -> gpd.GeoDataFrame:
    """One layer of ``path`` (:func:`kimson_geo.io.read.gdal_frame`), text in NFC unless
    ``normalize`` is false."""
    frame = read_frame(path, layer, what="", **options)
    return normalize_frame_text(frame) if normalize else frame


def read_gdal(path: Path, dictionary: Dictionary, *, src_crs: object | None = None,
              label: str | None = None) -> list[SourceTable]:
    """Shapefile, GeoPackage, GeoJSON, KML/KMZ, FlatGeobuf: one table per layer inside."""
    label = label or path.name
    inner = list_source_layers(path)
    many = len(inner) > 1
    tables = []
    for name in inner:
        notes: list[str] = []
        part_label = f"{label}:{name}" if many else label
        if _suffix(path) == ".shp":  # the one Shapefile encoding detector (.cpg, TCVN3...)
            frame, encoding = _shapefile(path, notes)
        else:
            frame = gdal_frame(path, name if many or _suffix(path) in (".kml", ".kmz")
                               else None)
            frame, encoding = repair_frame_text(frame)
            if encoding:
                notes.append(decoded_note(part_label, encoding))
        if _suffix(path) in (".kml", ".kmz"):
            frame = description_columns(frame.drop(
                columns=[c for c in _KML_DRAWING if c in frame.columns]))
        source = part_label
        if not len(frame):
            continue
        frame, note = settle_crs(frame, dictionary, source=source, src_crs=src_crs)
        names = (name, path.stem) if many or _suffix(path) in (".kml", ".kmz") \
            else (path.stem,)
        tables.append(SourceTable(
            label=part_label, path=path, frame=frame,
            records=np.arange(1, len(frame) + 1), names=names,
            part=(f"layer {name!r}" if many else None), crs_note=note, encoding=encoding,
            notes=notes,
        ))
    return tables


# --------------------------------------------------------------------------- text repair

def _shapefile(path: Path, notes: list[str]) -> tuple[gpd.GeoDataFrame, str | None]:
    """A Shapefile read in the encoding its .cpg names or its text shows.

    The encoding is found from the first features' bytes (read as Latin-1, every byte one
    character).  UTF-8 text GDAL decodes as it reads; any other encoding, or a byte that
    is not UTF-8 past those first features, is read as Latin-1 and decoded here.
    """
    from ..io.encoding import (
        READ_AS,
        SAMPLE_FEATURES,
        encoding_label,
        shapefile_encoding,
        transcode_frame,
    )

    sample = gdal_frame(path, normalize=False, encoding=READ_AS, read_geometry=False,
                        max_features=SAMPLE_FEATURES)
    found = shapefile_encoding(path, sample)
    name = "utf-8" if found.name == "ascii" else found.name
    # one note: why the encoding was taken when there is doubt, else which one it was
    note = found.note or (None if name == "utf-8"
                          else decoded_note(path.name, encoding_label(name)))
    if note:
        notes.append(note)
    if name == "utf-8":
        frame = _utf8_frame(path)
        if frame is not None:
            return frame, None
    frame = transcode_frame(gdal_frame(path, normalize=False, encoding=READ_AS), name)
    frame.attrs["nfc_changed"] = {}  # transcode_frame puts the text in NFC too
    return frame, None if name == "utf-8" else encoding_label(name)


def _utf8_frame(path: Path) -> gpd.GeoDataFrame | None:
    """The Shapefile with GDAL decoding its text as UTF-8, in NFC; None when some of it is
    not UTF-8 (GDAL then passes the bytes on, or pyogrio fails on them)."""
    import pyarrow as pa

    try:
        frame = gdal_frame(path, normalize=False, encoding="UTF-8")
        for column in string_columns(frame):
            if isinstance(frame[column].dtype, pd.StringDtype):
                pa.array(frame[column]).validate(full=True)
    except (UnicodeDecodeError, pa.ArrowInvalid):
        return None
    frame = normalize_frame_text(frame)
    frame.attrs["nfc_changed"] = {}
    return frame


def decoded_note(label: str, encoding: str) -> str:
    """The import's note that the text of ``label`` was decoded from ``encoding``."""
    return f"{label}: text decoded from {encoding}"


# --------------------------------------------------------------------------- KML tables

class _CellParser(HTMLParser):
    """The rows of the tables in a KML description (``<tr><td>KEY</td><td>VALUE</td>``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def description_table(html: object) -> dict[str, str]:
    """Key/value pairs of the two-cell rows of an HTML description (Google Earth, My Maps).

    Examples
    --------
    >>> description_table("<table><tr><td>LOAI</td><td>Nhà văn hóa khu</td></tr></table>")
    {'LOAI': 'Nhà văn hóa khu'}
    """
    if not isinstance(html, str) or "<t" not in html.lower():
        return {}
    parser = _CellParser()
    parser.feed(html)
    return {row[0]: row[1] for row in parser.rows if len(row) == 2 and row[0]}


def description_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """KML placemarks: the tables in ``description`` as columns (beside ExtendedData's)."""
    column = next((c for c in frame.columns if fold(c) == "description"), None)
    if column is None:
        return frame
    pairs = [description_table(v) for v in frame[column]]
    if not any(pairs):
        return frame
    table = pd.DataFrame.from_records(pairs, index=frame.index)
    new = [c for c in table.columns if c not in frame.columns]
    frame = frame.drop(columns=[column])
    for name in new:
        frame[name] = table[name].astype(object).where(table[name].notna(), None)
    return frame
