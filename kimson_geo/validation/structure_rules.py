"""Lists the raw-file structure checks (kimson_geo.validation.structure) in the rule registry."""

from __future__ import annotations

from .rules import register_static

FAMILY = "structure"


def register_structure_rules() -> None:
    """Add every structure check to the registry, for ``validate --list-rules``."""
    from .structure import STRUCTURE_RULES

    for rule_id, (severity, description) in STRUCTURE_RULES.items():
        register_static(rule_id, severity, FAMILY, description)  # type: ignore[arg-type]
