"""``--where`` expressions: parsed into an allow-listed tree, evaluated with pandas.

User text is data, never code: the expression is parsed by a fixed grammar (lark, LALR)
into the node types below, and evaluated with vectorised pandas operations.  Nothing in it
reaches ``eval``, ``DataFrame.query`` or attribute access, so ``kind.__init__`` is simply a
syntax error at the ``.``.

The grammar (keywords are case-insensitive)::

    expr      := expr or expr | expr and expr | not expr | ( expr ) | predicate
    predicate := value op value                  op: == = != < <= > >=
               | value [not] in ( literal, ... )
               | value [not] between value and value       (both ends included)
               | value is [not] null
               | value [not] strop 'text'
                      strop: contains startswith endswith
                             icontains istartswith iendswith (ignore case)
               | value                            (a true/false column)
    value     := column | literal
    column    := name | `any name`                (Vietnamese letters allowed)
    literal   := 'text' | "text" | number | true | false | null

A comparison with a missing value is unknown (SQL's three-valued logic): neither
``width_m < 5`` nor ``not width_m < 5`` selects a road without a width; ask with
``width_m is null``.  Text is compared in Unicode NFC; the ``i…`` predicates compare
casefolded text.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"kind": ["main", "alley", None], "width_m": [4.0, 2.5, None]})
>>> where_mask(frame, "kind == 'main' and width_m < 5").tolist()
[True, False, False]
>>> where_mask(frame, "width_m is null or kind in ('alley',)").tolist()
[False, True, True]
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import QueryError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Expr", "Column", "Literal", "Compare", "Logical", "Not", "In", "Between", "IsNull",
           "TextMatch", "Truth", "parse_where", "columns_of", "evaluate", "where_mask", "GRAMMAR"]

#: expressions longer than this are refused before parsing (a filter is a line, not a file)
MAX_LENGTH = 4000
#: deeper nesting than this is refused (evaluation recurses once per level)
MAX_DEPTH = 64

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND not_expr)*
?not_expr: NOT not_expr -> negate
         | atom
?atom: "(" or_expr ")"
     | value COMPARE value -> compare
     | value [NOT] _IN items -> isin
     | value [NOT] _BETWEEN value _AND value -> between
     | value _IS [NOT] NULL -> isnull
     | value [NOT] textop value -> textmatch
     | value -> truth
items: "(" literal ("," literal)* [","] ")"
textop: CONTAINS | STARTSWITH | ENDSWITH | ICONTAINS | ISTARTSWITH | IENDSWITH
?value: NAME -> column
      | QUOTED_NAME -> column
      | literal
?literal: STRING -> string
        | NUMBER -> number
        | TRUE -> true
        | FALSE -> false
        | NULL -> null

COMPARE: "==" | "!=" | "<=" | ">=" | "<" | ">" | "="
_OR: "or"i
_AND: "and"i
NOT: "not"i
_IN: "in"i
_BETWEEN: "between"i
_IS: "is"i
TRUE: "true"i
FALSE: "false"i
NULL: "null"i
CONTAINS: "contains"i
STARTSWITH: "startswith"i
ENDSWITH: "endswith"i
ICONTAINS: "icontains"i
ISTARTSWITH: "istartswith"i
IENDSWITH: "iendswith"i
NAME: /[^\W\d]\w*/i
QUOTED_NAME: /`[^`\n]+`/
STRING: /'(?:[^'\\]|\\.)*'/s | /"(?:[^"\\]|\\.)*"/s
NUMBER: /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/
%ignore /\s+/
"""

_HELP = ("allowed: column names, 'text', numbers, true/false/null, == != < <= > >=, "
         "and/or/not, in (…), between … and …, is [not] null, contains/startswith/endswith")


# ----------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Expr:
    """A node of a parsed expression; ``position`` is 1-based in the expression text."""

    position: int


@dataclass(frozen=True)
class Column(Expr):
    name: str


@dataclass(frozen=True)
class Literal(Expr):
    value: str | float | bool | None


@dataclass(frozen=True)
class Compare(Expr):
    op: str
    left: Column | Literal
    right: Column | Literal


@dataclass(frozen=True)
class Logical(Expr):
    op: str  # "and" | "or"
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Expr):
    item: Expr


@dataclass(frozen=True)
class In(Expr):
    operand: Column | Literal
    values: tuple[Literal, ...]
    negate: bool = False


@dataclass(frozen=True)
class Between(Expr):
    operand: Column | Literal
    low: Column | Literal
    high: Column | Literal
    negate: bool = False


@dataclass(frozen=True)
class IsNull(Expr):
    operand: Column | Literal
    negate: bool = False


@dataclass(frozen=True)
class TextMatch(Expr):
    op: str  # "contains" | "startswith" | "endswith"
    operand: Column | Literal
    needle: Column | Literal
    ignore_case: bool = False
    negate: bool = False


@dataclass(frozen=True)
class Truth(Expr):
    operand: Column | Literal


def _unquote(text: str) -> str:
    """The body of a quoted string, with ``\\x`` read as ``x`` (``\\'`` and ``\\\\`` included)."""
    import re

    return re.sub(r"\\(.)", r"\1", text[1:-1], flags=re.S)


@lru_cache(maxsize=1)
def _parser():  # type: ignore[no-untyped-def]
    """The LALR parser; the transformer runs inline, so building the tree never recurses."""
    from lark import Lark, Transformer

    def pos(token: Any) -> int:
        return int(getattr(token, "column", 0) or 0)

    def first(node: Any) -> int:
        return node.position if isinstance(node, Expr) else pos(node)

    class Build(Transformer):  # type: ignore[type-arg]
        def column(self, children: list[Any]) -> Column:
            token = children[0]
            name = str(token)
            return Column(pos(token), name[1:-1] if name.startswith("`") else name)

        def string(self, children: list[Any]) -> Literal:
            return Literal(pos(children[0]), _unquote(str(children[0])))

        def number(self, children: list[Any]) -> Literal:
            value = float(children[0])
            if not math.isfinite(value):
                raise QueryError(f"number {str(children[0])!r} at position {pos(children[0])} "
                                 "is out of range")
            return Literal(pos(children[0]), value)

        def true(self, children: list[Any]) -> Literal:
            return Literal(pos(children[0]), True)

        def false(self, children: list[Any]) -> Literal:
            return Literal(pos(children[0]), False)

        def null(self, children: list[Any]) -> Literal:
            return Literal(pos(children[0]), None)

        def items(self, children: list[Any]) -> tuple[Literal, ...]:
            return tuple(c for c in children if c is not None)

        def textop(self, children: list[Any]) -> str:
            return str(children[0]).lower()

        def compare(self, c: list[Any]) -> Compare:
            op = "==" if str(c[1]) == "=" else str(c[1])
            return Compare(pos(c[1]), op, c[0], c[2])

        # c[1] of the predicates below is the optional NOT (None when absent)
        def isin(self, c: list[Any]) -> In:
            return In(first(c[0]), c[0], c[2], negate=c[1] is not None)

        def between(self, c: list[Any]) -> Between:
            return Between(first(c[0]), c[0], c[2], c[3], negate=c[1] is not None)

        def isnull(self, c: list[Any]) -> IsNull:
            return IsNull(first(c[0]), c[0], negate=c[1] is not None)

        def textmatch(self, c: list[Any]) -> TextMatch:
            op = c[2]
            ignore = op.startswith("i")
            return TextMatch(first(c[0]), op[1:] if ignore else op, c[0], c[3],
                             ignore_case=ignore, negate=c[1] is not None)

        def truth(self, c: list[Any]) -> Truth:
            return Truth(first(c[0]), c[0])

        def negate(self, c: list[Any]) -> Not:
            return Not(c[1].position, c[1])

        def or_expr(self, c: list[Any]) -> Logical:
            return Logical(c[0].position, "or", tuple(c))

        def and_expr(self, c: list[Any]) -> Logical:
            return Logical(c[0].position, "and", tuple(c))

    return Lark(GRAMMAR, parser="lalr", lexer="contextual", transformer=Build(),
                propagate_positions=False, maybe_placeholders=True)


# ----------------------------------------------------------------------- parsing


def _shown(text: str) -> str:
    """A token as shown in a message: quoted, control characters escaped, cut at 30."""
    body = text if len(text) <= 30 else text[:29] + "…"
    return repr(body)


def parse_where(text: str) -> Expr:
    """Parse ``text`` into an :class:`Expr` tree, or raise a one-line :class:`QueryError`.

    The message names the offending token and its 1-based position.

    Examples
    --------
    >>> parse_where("kind == 'main'")
    Compare(position=6, op='==', left=Column(position=1, name='kind'), right=Literal(position=9, value='main'))
    >>> parse_where("kind.__class__")
    Traceback (most recent call last):
    ...
    kimson_geo.errors.QueryError: unexpected '.' at position 5; allowed: column names, 'text', numbers, true/false/null, == != < <= > >=, and/or/not, in (…), between … and …, is [not] null, contains/startswith/endswith
    """  # noqa: E501
    from lark.exceptions import (
        UnexpectedCharacters,
        UnexpectedEOF,
        UnexpectedInput,
        UnexpectedToken,
    )

    if not isinstance(text, str):
        raise QueryError(f"expected the expression as text, got {type(text).__name__}")
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise QueryError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"the expression is {len(text)} characters long; at most "
                         f"{MAX_LENGTH} are allowed")
    try:
        tree = _parser().parse(text)
    except UnexpectedEOF:
        raise QueryError(f"unexpected end of expression at position {len(text) + 1}; "
                         f"{_HELP}") from None
    except UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            raise QueryError(f"unexpected end of expression at position {len(text) + 1}; "
                             f"{_HELP}") from None
        raise QueryError(f"unexpected {_shown(str(token))} at position {token.column}; "
                         f"{_HELP}") from None
    except UnexpectedCharacters as exc:
        at = exc.pos_in_stream if exc.pos_in_stream is not None else -1
        bad = text[at] if 0 <= at < len(text) else ""
        raise QueryError(f"unexpected {_shown(bad)} at position {exc.column}; {_HELP}") \
            from None
    except UnexpectedInput as exc:  # any other lark parse failure
        raise QueryError(f"cannot parse the expression at position "
                         f"{getattr(exc, 'column', '?')}; {_HELP}") from None
    _check_depth(tree)
    return tree


def _children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Logical):
        return node.items
    if isinstance(node, Not):
        return (node.item,)
    return ()


def _check_depth(tree: Expr) -> None:
    """Refuse trees deeper than :data:`MAX_DEPTH` (checked without recursion)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise QueryError(f"the expression nests deeper than {MAX_DEPTH} levels "
                             f"(at position {node.position})")
        stack.extend((child, depth + 1) for child in _children(node))


def _operands(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, In):
        return (node.operand, *node.values)
    if isinstance(node, Between):
        return (node.operand, node.low, node.high)
    if isinstance(node, (IsNull, Truth)):
        return (node.operand,)
    if isinstance(node, TextMatch):
        return (node.operand, node.needle)
    return _children(node)


def columns_of(tree: Expr) -> list[Column]:
    """Every column reference in ``tree``, in order of appearance."""
    found: list[Column] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Column):
            found.append(node)
        stack.extend(reversed(_operands(node)))
    return sorted(found, key=lambda c: c.position)


# ----------------------------------------------------------------------- evaluation

_NUMBER, _TEXT, _BOOL = "number", "text", "bool"


@dataclass(frozen=True)
class _Values:
    """An operand, evaluated: a column as a nullable pandas array, or one literal."""

    kind: str | None  # _NUMBER, _TEXT, _BOOL; None for the null literal
    series: Any  # pd.Series for a column, the Python value for a literal
    label: str  # how messages name it
    is_column: bool


def _as_text(value: object) -> object:
    """A cell of a text column as text: objects and arrays as JSON, missing as NA."""
    import pandas as pd

    from .text import as_text

    text = as_text(value)
    return pd.NA if text is None else text


#: registry field types, as the kinds of value compared
_FIELD_KINDS = {"str": _TEXT, "int": _NUMBER, "float": _NUMBER, "bool": _BOOL}
_NULL_DTYPES = {_TEXT: "string", _NUMBER: "Float64", _BOOL: "boolean"}


def _column_values(frame: pd.DataFrame, node: Column,
                   absent: Mapping[str, str] | None = None) -> _Values:
    import pandas as pd

    label = f"column {node.name!r}"
    if node.name not in frame.columns and absent and node.name in absent:
        kind = _FIELD_KINDS.get(absent[node.name], _TEXT)  # a field the file leaves out
        return _Values(kind, pd.Series(pd.NA, index=frame.index, dtype=_NULL_DTYPES[kind]),
                       label, True)
    series = frame[node.name]
    dtype = series.dtype
    if getattr(frame, "_geometry_column_name", None) == node.name or \
            str(dtype) == "geometry":
        raise QueryError(f"{label} at position {node.position} is the geometry; filter it "
                         "with --bbox, --near or --within-khu")
    if pd.api.types.is_bool_dtype(dtype):
        return _Values(_BOOL, series.astype("boolean"), label, True)
    if pd.api.types.is_numeric_dtype(dtype):
        return _Values(_NUMBER, series.astype("Float64"), label, True)
    present = series.dropna()
    is_bool, is_number = pd.api.types.is_bool, pd.api.types.is_number
    if len(present) and present.map(is_bool).all():
        return _Values(_BOOL, series.astype("boolean"), label, True)
    if len(present) and present.map(lambda v: is_number(v) and not is_bool(v)).all():
        return _Values(_NUMBER, pd.to_numeric(series).astype("Float64"), label, True)
    # text, or a mix: every value that is not text is compared as its JSON or str form
    return _Values(_TEXT, series.map(_as_text).astype("string"), label, True)


def _literal_values(node: Literal) -> _Values:
    value = node.value
    if value is None:
        return _Values(None, None, "null", False)
    if isinstance(value, bool):
        return _Values(_BOOL, value, str(value).lower(), False)
    if isinstance(value, float):
        return _Values(_NUMBER, value, f"{value:g}", False)
    return _Values(_TEXT, value, _shown(value), False)


def _operand(frame: pd.DataFrame, node: Expr, absent: Mapping[str, str]) -> _Values:
    if isinstance(node, Column):
        return _column_values(frame, node, absent)
    if not isinstance(node, Literal):  # the grammar allows nothing else here
        raise QueryError(f"expected a column or a value at position {node.position}")
    return _literal_values(node)


def _check_types(node: Expr, a: _Values, b: _Values, what: str) -> None:
    if a.kind is None or b.kind is None:
        raise QueryError(f"{what} at position {node.position} compares with null; "
                         "use 'is null' or 'is not null'")
    if a.kind != b.kind:
        raise QueryError(f"{what} at position {node.position} compares {a.label} "
                         f"({a.kind}) with {b.label} ({b.kind})")


_OPS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compare(frame: pd.DataFrame, node: Expr, op: str, a: _Values, b: _Values,
             what: str) -> pd.Series:
    import pandas as pd

    _check_types(node, a, b, what)
    if not a.is_column and not b.is_column:
        raise QueryError(f"{what} at position {node.position} compares two literals; write "
                         "column names bare or in `backticks` (quotes make text)")
    if a.kind == _BOOL and op not in ("==", "!="):
        raise QueryError(f"{what} at position {node.position}: true/false values can only be "
                         "compared with == or !=")
    if not a.is_column:  # literal on the left: mirror, so the column's method does the work
        a, b, op = b, a, _MIRROR[op]
    other = b.series
    if a.kind == _TEXT and isinstance(other, str):
        other = unicodedata.normalize("NFC", other)
    result = getattr(a.series, _OPS[op])(other)
    return pd.Series(result, index=frame.index).astype("boolean")


def _text_match(frame: pd.DataFrame, node: TextMatch, absent: Mapping[str, str]) -> pd.Series:
    a = _operand(frame, node.operand, absent)
    needle = _operand(frame, node.needle, absent)
    what = node.op
    if a.kind != _TEXT or not a.is_column:
        raise QueryError(f"{what} at position {node.position} needs a text column on its left, "
                         f"not {a.label} ({a.kind or 'null'})")
    if needle.is_column or needle.kind != _TEXT:
        raise QueryError(f"{what} at position {node.position} needs 'text' on its right, "
                         f"not {needle.label}")
    text = unicodedata.normalize("NFC", needle.series)
    values = a.series
    if node.ignore_case:
        values = values.str.casefold()
        text = text.casefold()
    if what == "contains":
        result = values.str.contains(text, regex=False)
    elif what == "startswith":
        result = values.str.startswith(text)
    else:
        result = values.str.endswith(text)
    result = result.astype("boolean")
    return ~result if node.negate else result


def _evaluate(frame: pd.DataFrame, node: Expr, absent: Mapping[str, str]) -> pd.Series:
    """``node`` on ``frame`` as a nullable boolean Series (NA: unknown)."""
    import pandas as pd

    if isinstance(node, Logical):
        parts = [_evaluate(frame, item, absent) for item in node.items]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if node.op == "and" else (result | part)
        return result
    if isinstance(node, Not):
        return ~_evaluate(frame, node.item, absent)
    if isinstance(node, Compare):
        a, b = _operand(frame, node.left, absent), _operand(frame, node.right, absent)
        return _compare(frame, node, node.op, a, b, f"'{node.op}'")
    if isinstance(node, In):
        a = _operand(frame, node.operand, absent)
        if not a.is_column:
            raise QueryError(f"'in' at position {node.position} needs a column on its left")
        result = pd.Series(False, index=frame.index, dtype="boolean")
        for value in node.values:
            result = result | _compare(frame, node, "==", a, _literal_values(value), "'in'")
        return ~result if node.negate else result
    if isinstance(node, Between):
        a = _operand(frame, node.operand, absent)
        low, high = _operand(frame, node.low, absent), _operand(frame, node.high, absent)
        result = _compare(frame, node, ">=", a, low, "'between'") & \
            _compare(frame, node, "<=", a, high, "'between'")
        return ~result if node.negate else result
    if isinstance(node, IsNull):
        a = _operand(frame, node.operand, absent)
        if not a.is_column:
            raise QueryError(f"'is null' at position {node.position} needs a column on its left")
        result = pd.Series(a.series.isna().to_numpy(), index=frame.index, dtype="boolean")
        return ~result if node.negate else result
    if isinstance(node, TextMatch):
        return _text_match(frame, node, absent)
    if isinstance(node, Truth):
        a = _operand(frame, node.operand, absent)
        if a.kind != _BOOL:
            raise QueryError(f"{a.label} at position {node.position} is not true/false; "
                             "compare it, e.g. kind == 'main'")
        return pd.Series(a.series.to_numpy() if a.is_column else a.series, index=frame.index,
                         dtype="boolean")
    raise QueryError(f"unsupported expression at position {node.position}")


def evaluate(tree: Expr, frame: pd.DataFrame, *,
             absent: Mapping[str, str] | None = None) -> np.ndarray:
    """Which rows of ``frame`` ``tree`` selects, as a boolean array (unknown: not selected).

    ``absent`` maps the names of fields that ``frame`` may lack to their registry type
    (``str``, ``int``, ``float``, ``bool``): such a field, when missing, is all null.

    Raises
    ------
    QueryError
        For a column ``frame`` does not have (the message lists those it has) or operands
        of different types (text against a number).
    """
    names = {str(c) for c in frame.columns} | set(absent or ())
    for column in columns_of(tree):
        if column.name not in names:
            geometry = getattr(frame, "_geometry_column_name", None)
            known = ", ".join([str(c) for c in frame.columns if c != geometry]
                              + [a for a in (absent or ()) if a not in frame.columns])
            raise QueryError(f"unknown column {column.name!r} at position {column.position}; "
                             f"the layer has: {known}")
    result = _evaluate(frame, tree, absent or {})
    return result.fillna(False).to_numpy(dtype=bool)


def where_mask(frame: pd.DataFrame, text: str, *,
               absent: Mapping[str, str] | None = None) -> np.ndarray:
    """Parse ``text`` and evaluate it on ``frame``: the rows selected, as a boolean array.

    See :func:`evaluate` for ``absent``.
    """
    return evaluate(parse_where(text), frame, absent=absent)
