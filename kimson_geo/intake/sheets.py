"""Spreadsheets of point lists (``.xlsx``, ``.xls``, ``.ods`` through python-calamine; ``.csv``).

Each sheet with a header row and coordinate columns is one table.  Coordinates come as
longitude/latitude, easting/northing, WKT, or X/Y: X/Y is read both ways (the Vietnamese
survey convention X = northing, and X = easting) and :func:`.place.guess_crs` keeps the one
reading that puts the points at the ward.  A row without usable coordinates is rejected
with its reason; a file where no sheet has coordinate columns is a :class:`DataSourceError`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CRSError, DataSourceError
from ..registry import WGS84
from ..text import nfc
from .dictionary import Dictionary
from .place import Reading, guess_crs, plausible, settle_crs
from .source_table import Rejected, SourceTable
from .values import parse_number

__all__ = ["read_sheets", "sheet_rows"]

#: rows looked at for the header
_HEADER_SCAN = 20


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """How the CSV separates its cells: the Sniffer's answer, else the one of ``,;\t``
    that most lines hold the same number of times (a title line above the header and
    decimal commas in ``;`` files defeat the Sniffer)."""
    sample = text[:4096]
    if not sample.strip():
        return csv.excel
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        pass
    lines = [line for line in sample.splitlines() if line.strip()]
    best, weight = ",", 0
    for delimiter in ",;\t":
        counts = Counter(line.count(delimiter) for line in lines)
        counts.pop(0, None)
        if counts:
            per_line, n = counts.most_common(1)[0]
            if per_line * n > weight:
                best, weight = delimiter, per_line * n

    class Found(csv.excel):
        delimiter = best

    return Found


def sheet_rows(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet of ``path`` as rows of cell values (CSV: one sheet named after the file)."""
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        text = None
        for codec in ("utf-8-sig", "cp1258"):
            try:
                text = raw.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise DataSourceError(f"{path}: the CSV is neither UTF-8 nor Windows-1258 text; "
                                  "save it as CSV UTF-8")
        return {path.stem: [list(r) for r in csv.reader(io.StringIO(text, newline=""),
                                                         _dialect(text))]}
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=True)
                for name in book.sheet_names}
    except (CalamineError, OSError, ValueError) as exc:
        raise DataSourceError(f"{path}: cannot be read as a spreadsheet: {exc}") from None


def _header(rows: list[list[object]], dictionary: Dictionary) -> int | None:
    """Index of the header row: the first that names a coordinate column."""
    for i, row in enumerate(rows[:_HEADER_SCAN]):
        roles = {dictionary.coordinate_role(str(c)) for c in row if isinstance(c, str)}
        if roles & {"x", "lon", "lat", "easting", "wkt"}:
            return i
    return None


def _numbers(series: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    values = np.full(len(series), np.nan)
    reasons: list[str | None] = [None] * len(series)
    for i, raw in enumerate(series):
        value, reason = parse_number(raw)
        if value is None:
            reasons[i] = reason or "empty"
        else:
            values[i] = value
    return values, reasons


def _readings(table: pd.DataFrame, roles: dict[str, str]) -> tuple[list[Reading], np.ndarray,
                                                                    list[str | None]]:
    """The ways to read the table's positions, where each row's are missing, and why."""
    pairs = []
    if "lon" in roles and "lat" in roles:
        pairs.append((f"{roles['lon']}/{roles['lat']} as longitude/latitude",
                      roles["lon"], roles["lat"]))
    if "easting" in roles and "northing" in roles:
        pairs.append((f"{roles['easting']}/{roles['northing']} as easting/northing",
                      roles["easting"], roles["northing"]))
    if "x" in roles and "y" in roles:
        x, y = roles["x"], roles["y"]
        pairs.append((f"{x} = northing, {y} = easting (Vietnamese survey order)", y, x))
        pairs.append((f"{x} = easting, {y} = northing", x, y))
    readings, missing, why = [], np.zeros(len(table), dtype=bool), [None] * len(table)
    for label, east, north in pairs:
        ex, ereasons = _numbers(table[east])
        ny, nreasons = _numbers(table[north])
        bad = ~(np.isfinite(ex) & np.isfinite(ny))
        if not readings:
            missing = bad
            why = [f"{east}: {a}" if a else (f"{north}: {b}" if b else None)
                   for a, b in zip(ereasons, nreasons, strict=True)]
        readings.append(Reading(label, ex, ny))
    return readings, missing, why


def _choose(readings: list[Reading], dictionary: Dictionary, source: str,
            src_crs: object | None) -> tuple[Reading, str, str]:
    """The reading to use, its CRS, and the note on both."""
    if src_crs is None:
        guess = guess_crs(readings, dictionary, source=source)
        return guess.reading, guess.crs, f"{guess.reading.label}; {guess.note}"
    from ..crs import resolve_crs

    crs = resolve_crs(src_crs).to_string()
    one = type(dictionary)(dict(dictionary.data, crs={"candidates": [crs]}))
    found = [g for g in plausible(readings, one) if g.crs == crs]
    if len(found) == 1 or (found and len(readings) == 1):
        return found[0].reading, crs, f"{found[0].reading.label}; {crs} (--src-crs)"
    if len(readings) == 1:
        return readings[0], crs, f"{crs} (--src-crs)"
    raise CRSError(f"{source}: with --src-crs {crs}, the columns read "
                   f"{'both ways' if found else 'neither way'} near the ward; "
                   "name the columns X (northing) and Y (easting), or easting/northing")


def read_sheets(path: Path, dictionary: Dictionary, *, src_crs: object | None = None,
                label: str | None = None) -> list[SourceTable]:
    """One :class:`SourceTable` per sheet with coordinate columns."""
    import geopandas as gpd
    import shapely

    label = label or path.name
    sheets = sheet_rows(path)
    tables: list[SourceTable] = []
    skipped: list[str] = []
    for sheet, rows in sheets.items():
        header_at = _header(rows, dictionary)
        if header_at is None:
            if any(any(c not in (None, "") for c in r) for r in rows):
                skipped.append(sheet)
            continue
        header = [nfc(str(c)).strip() if c not in (None, "") else f"column_{i + 1}"
                  for i, c in enumerate(rows[header_at])]
        body = [list(r) + [None] * (len(header) - len(r)) for r in rows[header_at + 1:]]
        body = [[None if c == "" else nfc(c) for c in r[:len(header)]] for r in body]
        records = np.arange(header_at + 2, header_at + 2 + len(body))  # spreadsheet rows
        keep = [any(c is not None for c in r) for r in body]
        table = pd.DataFrame([r for r, k in zip(body, keep, strict=True) if k], columns=header,
                             dtype=object)
        records = records[np.asarray(keep, dtype=bool)] if len(keep) else records
        roles: dict[str, str] = {}
        for column in header:
            role = dictionary.coordinate_role(column)
            if role is not None:
                roles.setdefault(role, column)
        part_label = label if len(sheets) == 1 else f"{label}:{sheet}"
        source = f"{path}" + ("" if len(sheets) == 1 else f" (sheet {sheet!r})")
        rejected: list[Rejected] = []
        if "wkt" in roles:
            geoms = shapely.from_wkt(table[roles["wkt"]].astype(object).to_numpy(),
                                     on_invalid="ignore")
            frame = gpd.GeoDataFrame(table.drop(columns=[roles["wkt"]]), geometry=geoms)
            frame, crs_note = settle_crs(frame, dictionary, source=source, src_crs=src_crs)
        else:
            readings, missing, why = _readings(table, roles)
            if not readings:
                raise DataSourceError(f"{source}: no coordinate columns: give X and Y, "
                                      "easting and northing, or kinh độ and vĩ độ")
            if missing.all():
                raise DataSourceError(f"{source}: no row has numeric coordinates "
                                      f"({why[0] if why else 'empty'})")
            reading, crs, crs_note = _choose(
                [Reading(r.label, r.x[~missing], r.y[~missing]) for r in readings],
                dictionary, source, src_crs)
            full = next(r for r in readings if r.label == reading.label)
            for i in missing.nonzero()[0]:
                rejected.append(Rejected(part_label, int(records[i]),
                                         f"no position ({why[i]})"))
            # rows without a position are listed as rejected, not carried as empty features
            geoms = shapely.points(full.x[~missing], full.y[~missing])
            used = {c for r, c in roles.items() if r != "wkt"}
            kept = table.drop(columns=sorted(used))[~missing].reset_index(drop=True)
            records = records[~missing]
            frame = gpd.GeoDataFrame(kept, geometry=geoms, crs=crs)
        frame = frame.set_crs(frame.crs or WGS84, allow_override=True)
        tables.append(SourceTable(
            label=part_label, path=path, frame=frame, records=records,
            names=(sheet, path.stem) if len(sheets) > 1 else (path.stem, sheet),
            part=None if len(sheets) == 1 else f"sheet {sheet!r}", crs_note=crs_note,
            rejected=rejected,
            notes=[f"sheet {s!r} has no coordinate columns; not imported" for s in skipped],
        ))
    if not tables:
        where = f" (sheets: {', '.join(skipped)})" if skipped else ""
        raise DataSourceError(f"{path}: no sheet has coordinate columns{where}: give X and Y, "
                              "easting and northing, or kinh độ and vĩ độ")
    return tables
