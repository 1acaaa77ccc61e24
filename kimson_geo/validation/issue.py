"""What validation rules emit: :class:`Findings` (the rows of one layer at fault, as
arrays) and, for one-off problems and the Python API, an :class:`Issue`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["Findings", "Issue", "Severity", "shared_messages"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in the data.

    Parameters
    ----------
    rule
        Rule id in kebab-case, such as ``main-road-width``.
    severity
        ``error`` or ``warning``.
    message
        One line saying what is wrong and, where it helps, how to fix it.
    layer
        Registry layer name, or the file name when no layer applies.
    feature
        0-based index of the feature in its file or layer, when one feature is at fault.
    feature_id
        The feature's ``id`` property, when it has one.
    field
        The attribute at fault, where relevant.
    location
        ``(lon, lat)`` in WGS 84 where a position is meaningful.
    line
        1-based line in the raw file, for structure problems.
    """

    rule: str
    severity: Severity
    message: str
    layer: str | None = None
    feature: int | None = None
    feature_id: str | None = None
    field: str | None = None
    location: tuple[float, float] | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``feature`` is the feature's id where known, else its index."""
        data = asdict(self)
        data["index"] = self.feature
        data["feature"] = self.feature_id if self.feature_id is not None else self.feature
        del data["feature_id"]
        if self.location is not None:
            data["location"] = [float(self.location[0]), float(self.location[1])]
        return data


@dataclass(frozen=True)
class Findings:
    """The features of one layer that break one rule, as arrays (one entry per feature).

    Rules create them with :meth:`kimson_geo.validation.rules.Context.flag`; the report
    (:class:`~kimson_geo.validation.report.ValidationReport`) keeps them as table rows.

    Parameters
    ----------
    rule, severity, layer
        As for :class:`Issue`, shared by every row.
    rows
        0-based positions (``iloc``) of the features in the layer, int64.
    message
        One message for every row, or an object array of one message per row.
    field
        The attribute at fault: one for every row, an array, or None.
    location
        ``(n, 2)`` lon/lat; NaN rows (or None for all) get a point on the feature.
    line
        1-based raw-file lines (structure checks), or None.
    feature_id
        The features' ids (object array, None where unknown); filled by the context.
    """

    rule: str
    severity: Severity
    layer: str | None
    rows: np.ndarray
    message: str | np.ndarray
    field: str | np.ndarray | None = None
    location: np.ndarray | None = None
    line: np.ndarray | None = None
    feature_id: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.rows)


def shared_messages(keys: np.ndarray, text: Callable[[int], str]) -> np.ndarray:
    """A message per row, made once per distinct key and shared by the rows that have it
    (a dirty delivery has 100,000s of rows and a handful of distinct messages).

    ``keys``: one per row (numbers; the bits of floats where -0.0 must stay apart from
    0.0); ``text(i)``: the message of row ``i``, called for the first row of each key.
    """
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = np.asarray([text(i) for i in first.tolist()], dtype=object)
    return texts[inverse.reshape(-1)]
