"""The :class:`ValidationReport`: every issue found, the article's claims, and a summary."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .issue import Issue

if TYPE_CHECKING:
    import pandas as pd

    from .claims import ClaimResult

__all__ = ["ValidationReport"]


@dataclass
class ValidationReport:
    """What validation found.

    Attributes
    ----------
    issues
        Every problem, in rule order.
    claims
        The article's claims measured from the data (empty when a single file is checked).
    source
        What was validated.
    layers
        The layers that were read and checked.
    unreadable
        Files that could not be read at all, with the reason.
    """

    issues: list[Issue] = field(default_factory=list)
    claims: list[ClaimResult] = field(default_factory=list)
    source: str | None = None
    layers: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def failed_claims(self) -> list[ClaimResult]:
        return [c for c in self.claims if c.passed is False]

    @property
    def ok(self) -> bool:
        """True when there are no errors and nothing was unreadable (warnings are allowed)."""
        return not self.errors and not self.unreadable

    @property
    def nothing_read(self) -> bool:
        """True when not one layer could be read (the CLI's exit code 2)."""
        return bool(self.unreadable) and not self.layers

    def summary(self) -> dict[str, Any]:
        """Counts by severity, layer and rule, and the claims' tally."""
        by_rule = Counter(i.rule for i in self.issues)
        by_layer: dict[str, dict[str, int]] = {}
        for issue in self.issues:
            counts = by_layer.setdefault(issue.layer or "-", {"error": 0, "warning": 0})
            counts[issue.severity] += 1
        checked = [c for c in self.claims if c.passed is not None]
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "layers": list(self.layers),
            "unreadable": dict(self.unreadable),
            "by_layer": by_layer,
            "by_rule": dict(sorted(by_rule.items())),
            "claims_passed": sum(1 for c in checked if c.passed),
            "claims_failed": sum(1 for c in checked if not c.passed),
            "claims_context": sum(1 for c in self.claims if c.passed is None),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "issues": [i.to_dict() for i in self.issues],
            "claims": [c.to_dict() for c in self.claims],
            "summary": self.summary(),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON: ``issues``, ``claims`` and ``summary`` at the top level."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_frame(self) -> pd.DataFrame:
        """One row per issue."""
        import pandas as pd

        columns = ["rule", "severity", "layer", "feature", "index", "field", "message",
                   "location", "line"]
        return pd.DataFrame([i.to_dict() for i in self.issues], columns=columns)

    def to_geojson(self) -> dict[str, Any]:
        """The located problems as a GeoJSON FeatureCollection of points (for QGIS or the map)."""
        features = []
        for issue in self.issues:
            if issue.location is None:
                continue
            properties = issue.to_dict()
            properties.pop("location")
            features.append({
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "Point", "coordinates": list(issue.location)},
            })
        return {"type": "FeatureCollection", "features": features}
