"""The --where grammar: what it selects, what it refuses, and that it never runs code."""

from __future__ import annotations

import builtins
import math
import operator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kimson_geo
from kimson_geo.cli.main import cli
from kimson_geo.errors import KimsonGeoError, QueryError
from kimson_geo.where import Column, parse_where, where_mask

SPACED = "tên đường"


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "kind": ["main", "alley", None, "inter_khu"],
        "width_m": [4.0, 2.5, None, 5.5],
        "dead_end": pd.array([True, False, None, False], dtype="boolean"),
        SPACED: ["Kim Thành", "Ngõ 3", "x", None],
        "year": pd.array([2017, None, 2010, 2019], dtype="Int64"),
    })


def selected(frame: pd.DataFrame, text: str) -> list[int]:
    return [i for i, hit in enumerate(where_mask(frame, text)) if hit]


# ------------------------------------------------------------------ what it selects


@pytest.mark.parametrize(("text", "rows"), [
    ("kind == 'main' and width_m < 5", [0]),
    ("kind = 'main'", [0]),
    ('kind == "main"', [0]),
    ("KIND == 'main'", None),  # names are case-sensitive: an unknown column
    ("kind != 'main'", [1, 3]),  # a missing kind is neither 'main' nor not
    ("width_m >= 4", [0, 3]),
    ("4 <= width_m", [0, 3]),
    ("width_m > 2.5 or year < 2015", [0, 2, 3]),
    ("not width_m < 5", [3]),
    ("NOT (kind == 'main' OR kind == 'alley')", [3]),
    ("kind in ('main', 'alley')", [0, 1]),
    ("kind in ('main',)", [0]),
    ("kind not in ('main', 'alley')", [3]),
    ("width_m between 2.5 and 4", [0, 1]),
    ("width_m not between 2.5 and 4", [3]),
    ("width_m between 2 and 5 and kind == 'main'", [0]),
    ("width_m is null", [2]),
    ("width_m is not null", [0, 1, 3]),
    ("dead_end", [0]),
    ("not dead_end", [1, 3]),
    ("dead_end == false", [1, 3]),
    (f"`{SPACED}` contains 'Thành'", [0]),
    (f"`{SPACED}` contains 'thành'", []),
    (f"`{SPACED}` icontains 'KIM THÀNH'", [0]),
    (f"`{SPACED}` startswith 'Ngõ'", [1]),
    (f"`{SPACED}` istartswith 'ngõ'", [1]),
    (f"`{SPACED}` endswith '3'", [1]),
    (f"`{SPACED}` not contains 'Kim'", [1, 2]),
    ("kind < 'b'", [1]),
    ("year == 2017", [0]),
    ("kind == 'main' and (width_m < 3 or dead_end)", [0]),
    ("((kind == 'main'))", [0]),
    ("true", [0, 1, 2, 3]),
])
def test_selects(frame: pd.DataFrame, text: str, rows: list[int] | None) -> None:
    if rows is None:
        with pytest.raises(QueryError, match="unknown column 'KIND'"):
            selected(frame, text)
    else:
        assert selected(frame, text) == rows


def test_text_is_compared_in_nfc(frame: pd.DataFrame) -> None:
    decomposed = "Kim Tha\u0300nh"  # "à" as a + combining grave, as some keyboards send it
    assert selected(frame, f"`{SPACED}` == '{decomposed}'") == [0]


def test_vietnamese_column_name_without_backticks() -> None:
    frame = pd.DataFrame({"loại": ["chính", "ngõ"]})
    assert selected(frame, "loại == 'chính'") == [0]


def test_escaped_quotes_in_text() -> None:
    frame = pd.DataFrame({"name": ["Ngõ 'Cũ'", 'a "b"', "c\\d"]})
    assert selected(frame, r"name == 'Ngõ \'Cũ\''") == [0]
    assert selected(frame, "name == 'a \"b\"'") == [1]
    assert selected(frame, r"name == 'c\\d'") == [2]


def test_objects_in_a_text_column_compare_as_json() -> None:
    frame = pd.DataFrame({"name": ["a", {"v": 1}, ["x", "y"], None]})
    assert selected(frame, "name contains 'v'") == [1]
    assert selected(frame, """name == '["x", "y"]'""") == [2]
    assert selected(frame, "name is null") == [3]


def test_numbers_in_an_object_column_are_numbers() -> None:
    frame = pd.DataFrame({"width_m": pd.Series([4, 5.5, None], dtype=object)})
    assert selected(frame, "width_m > 5") == [1]


def test_an_absent_registry_field_is_all_null(frame: pd.DataFrame) -> None:
    absent = {"surface": "str", "lanes": "int", "lit": "bool"}
    with pytest.raises(QueryError, match="unknown column 'surface'"):
        selected(frame, "surface is null")  # a field nobody declared stays unknown
    assert where_mask(frame, "surface is null and lanes is null", absent=absent).all()
    assert not where_mask(frame, "surface == 'concrete' or lanes > 1 or lit",
                          absent=absent).any()
    with pytest.raises(QueryError, match="compares column 'lanes' \\(number\\) with 'x'"):
        where_mask(frame, "lanes == 'x'", absent=absent)
    with pytest.raises(QueryError, match="the layer has: kind, .*, year, surface, lanes, lit"):
        where_mask(frame, "nope == 1", absent=absent)


def test_columns_of_the_tree_in_order() -> None:
    tree = parse_where("b == 1 and (`a b` is null or c in ('x'))")
    from kimson_geo.where import columns_of

    assert [(c.name, c.position) for c in columns_of(tree)] == [("b", 1), ("a b", 13),
                                                                  ("c", 30)]
    assert isinstance(columns_of(parse_where("x"))[0], Column)


# ------------------------------------------------------------------ what it refuses


@pytest.mark.parametrize(("text", "message"), [
    ("kind ==", "unexpected end of expression at position 8"),
    ("kind == 'main' and", "unexpected end of expression at position 19"),
    ("kind.upper() == 'MAIN'", "unexpected '.' at position 5"),
    ("kind == 'main' ;", "unexpected ';' at position 16"),
    ("width_m + 1 > 5", "unexpected '+' at position 9"),
    ("width_m < 'a'", "'<' at position 9 compares column 'width_m' (number) with 'a' (text)"),
    ("kind == 5", "column 'kind' (text) with 5 (number)"),
    ("dead_end == 1", "column 'dead_end' (bool) with 1 (number)"),
    ("dead_end < true", "only be compared with == or !="),
    ("kind == null", "use 'is null'"),
    ("'a' == 'a'", "compares two literals"),
    ("kind", "column 'kind' at position 1 is not true/false"),
    ("kind contains 3", "needs 'text' on its right"),
    ("width_m contains '3'", "needs a text column on its left"),
    ("nope == 1", "unknown column 'nope' at position 1; the layer has: kind, width_m, dead_end"),
    ("geometry is null", "is the geometry"),
    ("width_m < 1e999", "out of range"),
    ("", "empty"),
    ("   ", "empty"),
    ("(" * 10 + "kind == 'a'", "unexpected end of expression"),
    ("not " * 100 + "dead_end", "nests deeper than"),
    ("a == 1 or " * 500 + "a == 1", "at most 4000"),
])
def test_refuses_with_one_line(frame: pd.DataFrame, text: str, message: str) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    geo = gpd.GeoDataFrame(frame, geometry=[Point(0, 0)] * len(frame), crs="EPSG:4326")
    with pytest.raises(QueryError) as caught:
        where_mask(geo, text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# ------------------------------------------------------------------ attacks

ATTACKS = [
    "kind.__init__.__globals__['sys'].modules['os'].system('touch {marker}') == 0",
    "kind.str.replace('a', 'b').head(1).to_csv('{marker}') == 0",
    "__import__('os').system('touch {marker}')",
    "kind == 'main' or __import__('os').system('touch {marker}') == 0",
    "open('{marker}', 'w').write('x') > 0",
    "`kind`.__class__.__mro__[1].__subclasses__()",
    "@pd.io.common.os.system('touch {marker}')",
    "kind == 'x'; import os; os.system('touch {marker}')",
    "exec(\"open('{marker}', 'w')\")",
    "eval('1')",
    "lambda: open('{marker}', 'w')",
    "[open('{marker}', 'w') for _ in (1,)]",
    "f'{{open(\"{marker}\", \"w\")}}' == kind",
    "kind[0] == 'm'",
    "kind if True else kind",
    "width_m ** 99999999",
    "getattr(kind, 'str')",
    "kind == 'main' and width_m.pipe(print) == 0",
    "\x1b]0;owned\x07 == kind",
    "kind == '\x00'",
    "__builtins__",
    "{marker}",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attacks_are_refused_without_side_effect(tmp_path: Path, frame: pd.DataFrame,
                                                  attack: str) -> None:
    marker = tmp_path / "owned"
    text = attack.format(marker=marker)
    try:
        where_mask(frame, text)
    except QueryError as exc:
        assert "\n" not in str(exc)
    assert not marker.exists()


@pytest.mark.parametrize("command", ["query", "export"])
def test_attacks_through_the_cli(tmp_path: Path, small_dir: Path, command: str) -> None:
    marker = tmp_path / "owned"
    out = tmp_path / "out.geojson"
    for attack in ATTACKS[:5]:
        args = [command, "roads", str(small_dir), "--where", attack.format(marker=marker)]
        if command == "export":
            args += ["-o", str(out)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("kimson-geo: error: --where")
        assert not marker.exists() and not out.exists()


def test_attacks_through_the_api(tmp_path: Path, small_dir: Path) -> None:
    inv = kimson_geo.load(small_dir)
    marker = tmp_path / "owned"
    for attack in ATTACKS:
        if "\x00" in attack:  # a valid comparison with an odd string: nothing to refuse
            assert inv.query("roads", where=attack.format(marker=marker)).empty
            continue
        with pytest.raises(QueryError):
            inv.query("roads", where=attack.format(marker=marker))
    assert not marker.exists()


def test_nothing_is_evaluated_as_code(monkeypatch: pytest.MonkeyPatch,
                                      frame: pd.DataFrame) -> None:
    parse_where("x == 1")  # build the (cached) parser before eval is taken away

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("code evaluation was called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(pd, "eval", forbidden)
    monkeypatch.setattr(pd.DataFrame, "query", forbidden)
    monkeypatch.setattr(pd.DataFrame, "eval", forbidden)
    assert selected(frame, "kind in ('main', 'alley') and not width_m between 3 and 4") == [1]


# ------------------------------------------------------------------ property-based

TOKENS = ["kind", "width_m", "dead_end", f"`{SPACED}`", "year", "and", "or", "not", "in",
          "between", "is", "null", "true", "false", "contains", "istartswith", "==", "!=",
          "<", "<=", ">", ">=", "=", "(", ")", ",", "'main'", '"x"', "'", '"', "`", "5",
          "-2.5", "1e3", ".", "__class__", "__import__", "[", "]", "{", "}", "@", ";",
          "os", "system", "lambda", ":", "\\", "\x1b[31m", "\x00", "+", "*", "\n", " "]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=14).map("".join),
))
def test_garbage_gives_a_mask_or_a_query_error(tmp_path: Path, frame: pd.DataFrame,
                                               text: str) -> None:
    try:
        mask = where_mask(frame, text)
    except QueryError as exc:
        assert "\n" not in str(exc)
    except KimsonGeoError as exc:  # pragma: no cover - would be a wrong class, report it
        pytest.fail(f"{type(exc).__name__} instead of QueryError: {exc}")
    else:
        assert mask.dtype == bool and len(mask) == len(frame)
    assert list(tmp_path.iterdir()) == []


# An oracle: random well-formed expressions, evaluated row by row in plain Python with
# three-valued logic (None: unknown), must select what the vectorised evaluation selects.

TEXTS = ["main", "alley", "Kim Thành", "KIM", "a'b", ""]
NUMBERS = [-1.0, 0.0, 2.5, 4.0, 5.0, 5.5, 1000.0]
COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge}
KINDS = {"kind": "text", SPACED: "text", "width_m": "number", "year": "number",
         "dead_end": "bool"}


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _not(a: bool | None) -> bool | None:
    return None if a is None else not a


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _literal(kind: str) -> st.SearchStrategy[tuple[str, object]]:
    if kind == "text":
        return st.sampled_from(TEXTS).map(lambda v: (_quote(v), v))
    if kind == "number":
        return st.sampled_from(NUMBERS).map(lambda v: (repr(v), v))
    return st.sampled_from([(w, w.lower() == "true") for w in ("true", "FALSE", "True")])


def _name(column: str) -> str:
    return f"`{column}`" if " " in column else column


@st.composite
def _predicate(draw: st.DrawFn) -> tuple[str, object]:
    column = draw(st.sampled_from(sorted(KINDS)))
    kind = KINDS[column]
    name = _name(column)
    shape = draw(st.sampled_from(["compare", "in", "between", "null", "text", "truth"]))
    if shape == "compare":
        ops = ["==", "!="] if kind == "bool" else list(COMPARE)
        op = draw(st.sampled_from(ops))
        text, value = draw(_literal(kind))
        if draw(st.booleans()):
            return f"{name} {op} {text}", lambda r: (
                None if r[column] is None else COMPARE[op](r[column], value))
        mirrored = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        return f"{text} {mirrored} {name}", lambda r: (
            None if r[column] is None else COMPARE[op](r[column], value))
    if shape == "in":
        values = draw(st.lists(_literal(kind), min_size=1, max_size=3))
        negate = draw(st.booleans())

        def isin(r: dict) -> bool | None:
            hit: bool | None = False
            for _, v in values:
                hit = _or(hit, None if r[column] is None else r[column] == v)
            return _not(hit) if negate else hit
        listed = ", ".join(t for t, _ in values)
        return f"{name} {'not in' if negate else 'in'} ({listed})", isin
    if shape == "between" and kind == "number":
        (lo_t, lo), (hi_t, hi) = draw(_literal(kind)), draw(_literal(kind))
        negate = draw(st.booleans())

        def between(r: dict) -> bool | None:
            v = r[column]
            hit = None if v is None else _and(v >= lo, v <= hi)
            return _not(hit) if negate else hit
        return f"{name} {'not between' if negate else 'between'} {lo_t} and {hi_t}", between
    if shape == "text" and kind == "text":
        op = draw(st.sampled_from(["contains", "startswith", "endswith"]))
        ignore = draw(st.booleans())
        negate = draw(st.booleans())
        needle = draw(st.sampled_from(["a", "Kim", "kim", "n", "'", "à"]))

        def match(r: dict) -> bool | None:
            v = r[column]
            if v is None:
                return None
            hay, pin = (v.casefold(), needle.casefold()) if ignore else (v, needle)
            hit = {"contains": pin in hay, "startswith": hay.startswith(pin),
                   "endswith": hay.endswith(pin)}[op]
            return not hit if negate else hit
        word = ("i" if ignore else "") + op
        return f"{name} {'not ' if negate else ''}{word} {_quote(needle)}", match
    if shape == "truth" and kind == "bool":
        return name, lambda r: r[column]
    negate = draw(st.booleans())
    return (f"{name} is {'not ' if negate else ''}null",
            lambda r: (r[column] is not None) if negate else (r[column] is None))


def _combine(children: st.SearchStrategy) -> st.SearchStrategy:
    def both(op: str) -> st.SearchStrategy:
        fn = _and if op == "and" else _or
        return st.tuples(children, children).map(
            lambda ab: (f"({ab[0][0]}) {op} ({ab[1][0]})",
                        lambda r, a=ab[0][1], b=ab[1][1]: fn(a(r), b(r))))

    negated = children.map(lambda a: (f"not ({a[0]})", lambda r, f=a[1]: _not(f(r))))
    return st.one_of(both("and"), both("or"), negated)


_ROW = st.fixed_dictionaries({
    "kind": st.sampled_from(TEXTS + [None]),
    SPACED: st.sampled_from(TEXTS + ["Nhà văn hoá", None]),
    "width_m": st.sampled_from(NUMBERS + [None]),
    "year": st.sampled_from([2010.0, 2017.0, None]),
    "dead_end": st.sampled_from([True, False, None]),
})


@settings(max_examples=300, deadline=None)
@given(st.recursive(_predicate(), _combine, max_leaves=6), st.lists(_ROW, min_size=1,
                                                                      max_size=6))
def test_agrees_with_a_row_by_row_oracle(expr: tuple[str, object], rows: list[dict]) -> None:
    text, reference = expr
    frame = pd.DataFrame({
        "kind": pd.Series([r["kind"] for r in rows], dtype=object),
        SPACED: pd.Series([r[SPACED] for r in rows], dtype=object),
        "width_m": pd.Series([math.nan if r["width_m"] is None else r["width_m"]
                              for r in rows], dtype=float),
        "year": pd.array([None if r["year"] is None else int(r["year"]) for r in rows],
                         dtype="Int64"),
        "dead_end": pd.array([r["dead_end"] for r in rows], dtype="boolean"),
    })
    expected = [reference(r) is True for r in rows]  # type: ignore[operator]
    assert where_mask(frame, text).tolist() == expected, text
