"""The :class:`Issue` record every validation rule emits."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Issue", "Severity"]

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
