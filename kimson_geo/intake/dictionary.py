"""The import dictionary: how deliveries name layers, fields and values, and how to match them.

The words live in data (``vi_mapping.toml`` in this package, extended or overridden by a
user's ``--mapping`` file); this module only folds and compares them.  Names are compared
*folded* (:func:`fold`): lower case, without diacritics (``đ`` → ``d``), every run of spaces,
underscores, dots and dashes one separator.  The registry's own field names, codes and labels
match as well, so the dictionary need not repeat them.

Examples
--------
>>> fold("Đường  trục_chính")
'duong truc chinh'
>>> d = builtin_dictionary()
>>> d.field_for("roads", "KET_CAU").field, d.field_for("roads", "KET_CAU_MA").how
('surface', 'shapefile-cut')
>>> d.code_for("roads", "surface", "Bê tông xi măng")
('concrete', 'high')
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import SchemaError
from ..registry import LAYER_NAMES, SHAPEFILE_FIELD_WIDTH, layer_spec

__all__ = ["fold", "field_key", "Dictionary", "LayerGuess", "FieldMatch", "builtin_dictionary",
           "BUILTIN_PATH", "load_toml"]

BUILTIN_PATH = Path(__file__).with_name("vi_mapping.toml")

_SEPARATORS = re.compile(r"[^0-9a-z]+")
#: letters NFD does not decompose
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ø": "o", "ł": "l"})


def fold(text: object) -> str:
    """``text`` lower case, without diacritics, words separated by one space.

    Examples
    --------
    >>> fold("KẾT_CẤU-mặt.đường")
    'ket cau mat duong'
    """
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text).translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _SEPARATORS.sub(" ", bare.translate(_LETTERS)).strip()


def field_key(text: object) -> str:
    """:func:`fold` with underscores, as a dBase field name would be written."""
    return fold(text).replace(" ", "_")


def load_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict; a syntax error names the file and the line."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read the mapping: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{path}: not a valid TOML mapping: {exc}") from None


@dataclass(frozen=True)
class LayerGuess:
    """A registry layer guessed from a source name, with the fields its name implies."""

    layer: str
    defaults: Mapping[str, str] = field(default_factory=dict)
    #: ``exact`` (the whole name), ``words`` (the name contains the entry) or ``mapping``
    how: str = "exact"
    matched: str = ""


@dataclass(frozen=True)
class FieldMatch:
    """The registry field a source column maps to (``field`` None: not mapped)."""

    field: str | None
    #: ``mapping``, ``registry``, ``dictionary``, ``shapefile-cut`` or ``none``
    how: str


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise SchemaError(f"dictionary entry {value!r} is not a name or a list of names")


def _check_layer(name: object, where: str) -> str:
    if name not in LAYER_NAMES:
        raise SchemaError(f"{where}: {name!r} is not a registry layer "
                          f"({', '.join(LAYER_NAMES)})")
    return str(name)


class Dictionary:
    """Layer, field and value names of deliveries, folded for matching.

    Built from the built-in TOML (:func:`builtin_dictionary`); :meth:`with_mapping` returns
    a copy with a user's mapping laid over it.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.place: Mapping[str, Any] = data.get("place", {})
        self.crs_candidates: list[str] = list(data.get("crs", {}).get("candidates", []))
        self.osm_rules: list[Mapping[str, str]] = list(data.get("osm", {}).get("rules", []))
        self._layers: list[tuple[tuple[str, ...], LayerGuess]] = []
        for name, target in data.get("layers", {}).items():
            if isinstance(target, str):
                guess = LayerGuess(_check_layer(target, f"layers.{name}"), {}, matched=name)
            else:
                target = dict(target)
                layer = _check_layer(target.pop("layer", None), f"layers.{name}")
                guess = LayerGuess(layer, target, matched=name)
            self._layers.append((tuple(fold(name).split()), guess))
        for layer in LAYER_NAMES:  # the registry's own names and labels
            spec = layer_spec(layer)
            for text in (layer, spec.label_vi, spec.label_en):
                self._layers.append((tuple(fold(text).split()), LayerGuess(layer, {},
                                                                           matched=text)))
        self._fields: dict[str, dict[str, str]] = {}
        fields = data.get("fields", {})
        for layer in LAYER_NAMES:
            spec = layer_spec(layer)
            table: dict[str, str] = {}
            for f in spec.fields:  # registry names first: they are never ambiguous
                table.setdefault(field_key(f.name), f.name)
            for group in (fields.get(layer, {}), fields.get("all", {})):
                for target, names in group.items():
                    if spec.has_field(target):
                        for n in _as_list(names):
                            table.setdefault(field_key(n), target)
            for f in spec.fields:
                for label in (f.label_vi, f.label_en):
                    table.setdefault(field_key(label), f.name)
            self._fields[layer] = table
        self._values: dict[tuple[str, str], dict[str, str]] = {}
        values = data.get("values", {})
        for layer in LAYER_NAMES:
            spec = layer_spec(layer)
            for f in spec.fields:
                if not f.codes:
                    continue
                table = {}
                for group in (values.get(layer, {}).get(f.name, {}),
                              values.get("all", {}).get(f.name, {})):
                    for code, names in group.items():
                        if code not in f.codes:
                            raise SchemaError(f"values.{layer}.{f.name}: {code!r} is not a "
                                              f"code ({', '.join(f.codes)})")
                        for n in _as_list(names):
                            table.setdefault(fold(n), code)
                for code, labels in f.codes.items():
                    for text in (code, labels.vi, labels.en):
                        table.setdefault(fold(text), code)
                self._values[(layer, f.name)] = table
        booleans = data.get("booleans", {})
        self._booleans = {fold(n): True for n in booleans.get("true", [])}
        self._booleans.update({fold(n): False for n in booleans.get("false", [])})
        self._coordinates = {role: {field_key(n) for n in _as_list(names)}
                             for role, names in data.get("coordinates", {}).items()}
        # a user's mapping: exact source names first
        self.sources: dict[str, Mapping[str, Any]] = {}
        self._user_fields: dict[str, dict[str, str]] = {}
        self._user_values: dict[tuple[str, str], dict[str, object]] = {}

    # ------------------------------------------------------------------ a user's mapping
    def with_mapping(self, mapping: Mapping[str, Any], *, origin: str = "mapping") -> Dictionary:
        """A copy of this dictionary with a user's mapping (the ``--dry-run`` TOML) laid over.

        ``[sources."LABEL"]`` sets a source's ``layer`` (and ``crs``); ``[fields.LAYER]``
        maps source fields (``""``: keep in ``extra``); ``[values.LAYER.FIELD]`` maps source
        values to codes or numbers (``""``: leave unmapped).
        """
        copy = Dictionary(self.data)
        copy.sources = {**self.sources}
        copy._user_fields = {k: dict(v) for k, v in self._user_fields.items()}
        copy._user_values = {k: dict(v) for k, v in self._user_values.items()}
        for label, entry in mapping.get("sources", {}).items():
            if not isinstance(entry, Mapping):
                raise SchemaError(f"{origin}: sources.{label!r} must be a table")
            if entry.get("layer"):
                _check_layer(entry["layer"], f"{origin}: sources.{label}.layer")
            copy.sources[str(label)] = dict(entry)
        for layer, table in mapping.get("fields", {}).items():
            spec = layer_spec(_check_layer(layer, f"{origin}: fields"))
            for source, target in table.items():
                if target and not spec.has_field(str(target)):
                    raise SchemaError(f"{origin}: fields.{layer}.{source}: {layer} has no "
                                      f"field {target!r}")
                copy._user_fields.setdefault(layer, {})[str(source)] = str(target)
        for layer, fields in mapping.get("values", {}).items():
            spec = layer_spec(_check_layer(layer, f"{origin}: values"))
            for name, table in fields.items():
                if not spec.has_field(name):
                    raise SchemaError(f"{origin}: values.{layer}: {layer} has no field {name!r}")
                f = spec.field(name)
                for raw, target in table.items():
                    if target != "" and f.codes and target not in f.codes:
                        raise SchemaError(f"{origin}: values.{layer}.{name}.{raw!r}: {target!r} "
                                          f"is not a code ({', '.join(f.codes)})")
                    copy._user_values.setdefault((layer, name), {})[str(raw)] = target
        return copy

    def source_crs(self, label: str) -> str | None:
        """The ``crs`` a user's mapping gives the file labelled ``label`` (or one of its
        tables, ``label:part``), or None."""
        for name, entry in self.sources.items():
            if (name == label or name.startswith(f"{label}:")) and entry.get("crs"):
                return str(entry["crs"])
        return None

    # ------------------------------------------------------------------ matching
    def layer_for(self, *names: str) -> LayerGuess | None:
        """The layer named by the first of ``names`` (file stem, sheet, CAD layer) that
        names one: an exact entry, else the longest entry found in it as whole words.

        Two different layers at the same length make the name ambiguous: it is skipped.
        """
        for name in names:
            if name in self.sources and self.sources[name].get("layer"):
                entry = self.sources[name]
                defaults = {k: v for k, v in entry.items() if k not in ("layer", "crs",
                                                                        "encoding", "features")}
                return LayerGuess(entry["layer"], defaults, how="mapping", matched=name)
        for name in names:
            words = tuple(fold(name).split())
            if not words:
                continue
            exact = [g for w, g in self._layers if w == words]
            if exact:
                return exact[0]
            best: list[tuple[int, LayerGuess]] = []
            for entry, guess in self._layers:
                if entry and _contains(words, entry):
                    best.append((len(entry), guess))
            if best:
                top = max(n for n, _ in best)
                layers = {g.layer for n, g in best if n == top}
                if len(layers) == 1:
                    guess = next(g for n, g in best if n == top)
                    return LayerGuess(guess.layer, guess.defaults, how="words",
                                      matched=guess.matched)
        return None

    def field_for(self, layer: str, column: str) -> FieldMatch:
        """The registry field of ``layer`` that source ``column`` maps to."""
        user = self._user_fields.get(layer, {})
        if column in user:
            return FieldMatch(user[column] or None, "mapping")
        key = field_key(column)
        for source, target in user.items():
            if field_key(source) == key:
                return FieldMatch(target or None, "mapping")
        table = self._fields[layer]
        if key in table:
            spec = layer_spec(layer)
            how = "registry" if spec.has_field(column) else "dictionary"
            return FieldMatch(table[key], how)
        if len(column) == SHAPEFILE_FIELD_WIDTH:  # a dBase name cut to 10 characters
            cut = {k[:SHAPEFILE_FIELD_WIDTH].rstrip("_"): t for k, t in table.items()
                   if len(k) > SHAPEFILE_FIELD_WIDTH}
            if key.rstrip("_") in cut:
                return FieldMatch(cut[key.rstrip("_")], "shapefile-cut")
        return FieldMatch(None, "none")

    def user_value(self, layer: str, name: str, raw: str) -> tuple[bool, object]:
        """``(True, target)`` when the user's mapping gives ``raw`` a value ("" = none)."""
        table = self._user_values.get((layer, name), {})
        if raw in table:
            return True, table[raw]
        return False, None

    def code_for(self, layer: str, name: str, raw: object) -> tuple[str | None, str]:
        """The code of ``raw`` in coded field ``name``, and how sure: ``high`` (an exact
        name), ``medium`` (the value contains a known name as whole words) or ``low``
        (no code)."""
        if raw is None:
            return None, "low"
        text = str(raw)
        given, target = self.user_value(layer, name, text)
        if given:
            return (str(target) if target else None), ("high" if target else "low")
        table = self._values.get((layer, name), {})
        words = fold(text)
        if words in table:
            return table[words], "high"
        split = tuple(words.split())
        hits = [(len(k.split()), code) for k, code in table.items()
                if k and _contains(split, tuple(k.split()))]
        if hits:
            top = max(n for n, _ in hits)
            codes = {c for n, c in hits if n == top}
            if len(codes) == 1:
                return codes.pop(), "medium"
        return None, "low"

    def boolean(self, raw: object) -> bool | None:
        """``raw`` as true or false, or None when it says neither."""
        if isinstance(raw, bool):
            return raw
        return self._booleans.get(fold(raw))

    def coordinate_role(self, column: str) -> str | None:
        """``x``, ``y``, ``lon``, ``lat``, ``easting``, ``northing``, ``wkt`` or None."""
        key = field_key(column)
        for role, names in self._coordinates.items():
            if key in names:
                return role
        return None


def _contains(words: tuple[str, ...], entry: tuple[str, ...]) -> bool:
    """Whether ``entry`` occurs in ``words`` as consecutive whole words."""
    n = len(entry)
    return any(words[i:i + n] == entry for i in range(len(words) - n + 1))


@cache
def builtin_dictionary() -> Dictionary:
    """The dictionary shipped in ``vi_mapping.toml`` (read once)."""
    return Dictionary(load_toml(BUILTIN_PATH))
