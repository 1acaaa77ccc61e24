"""The mapping an import applied, as the TOML file that ``--mapping`` reads back.

``[sources."LABEL"]`` says which layer each source table went to, in which CRS and
encoding (``crs = "EPSG:5899"`` when the CRS was assumed or given: ``--mapping`` reads
the table in it, so that a reviewed guess is pinned); ``[fields.LAYER]`` maps every
source field to a registry field (``""``: kept in ``extra``); ``[values.LAYER.FIELD]``
maps every distinct source value of a coded or true/false field, and every number that
could not be read, with its count and reason as a comment (``""``: left unmapped).
Editing the ``""`` entries and passing the file back with ``--mapping`` completes the
mapping.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ..registry import LAYER_NAMES
from .mapping import ValueUse

__all__ = ["MappingPlan", "SourceUse", "toml_string"]


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's; DEL must be escaped)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return toml_string(str(value))


def _comment(text: str) -> str:
    return " ".join(text.split())


@dataclass
class SourceUse:
    """Where one source table went."""

    layer: str | None
    features: int
    crs: str = ""
    #: the CRS the table was read in when it was assumed or given (``crs`` in the TOML,
    #: which ``--mapping`` then honours); None when the file names its own
    pinned_crs: str | None = None
    encoding: str | None = None
    how: str = ""


@dataclass
class MappingPlan:
    """Every decision of one import, for the report and for ``--dry-run``."""

    sources: dict[str, SourceUse] = field(default_factory=dict)
    #: layer -> source field -> registry field (None: kept in ``extra``)
    fields: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: layer -> registry field -> source value -> use
    values: dict[str, dict[str, dict[str, ValueUse]]] = field(default_factory=dict)

    def add_values(self, layer: str, uses: dict[str, dict[str, ValueUse]]) -> None:
        for name, table in uses.items():
            mine = self.values.setdefault(layer, {}).setdefault(name, {})
            for raw, use in table.items():
                if raw in mine:
                    mine[raw].count += use.count
                else:
                    mine[raw] = ValueUse(use.target, use.count, use.reason)

    @property
    def unmapped_fields(self) -> dict[str, list[str]]:
        return {layer: sorted(c for c, t in table.items() if t is None)
                for layer, table in self.fields.items() if any(t is None for t in table.values())}

    @property
    def unmapped_values(self) -> dict[str, dict[str, dict[str, ValueUse]]]:
        out: dict[str, dict[str, dict[str, ValueUse]]] = {}
        for layer, fields in self.values.items():
            for name, table in fields.items():
                bad = {raw: use for raw, use in table.items() if use.reason is not None}
                if bad:
                    out.setdefault(layer, {})[name] = bad
        return out

    @property
    def unmapped_sources(self) -> list[str]:
        return [label for label, use in self.sources.items() if use.layer is None]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_toml(self) -> str:
        """The plan as a mapping file (see the module docstring)."""
        lines = ["# kimson-geo import mapping: edit it and pass it back with --mapping.",
                 '# "" means not mapped: the source value is kept in the feature\'s extra.',
                 ""]
        for label, use in self.sources.items():
            lines.append(f"[sources.{toml_string(label)}]")
            if use.layer is None:
                lines.append('layer = ""  # no layer recognised: name one '
                             "(" + ", ".join(LAYER_NAMES) + ")")
            else:
                lines.append(f"layer = {toml_string(use.layer)}  # {_comment(use.how)}")
            if use.pinned_crs:
                lines.append(f"crs = {toml_string(use.pinned_crs)}  # {_comment(use.crs)}")
            lines.append(f"# {use.features} feature(s)"
                         + ("" if use.pinned_crs else f"; CRS {_comment(use.crs)}")
                         + (f"; text decoded from {use.encoding}" if use.encoding else ""))
            lines.append("")
        for layer, table in self.fields.items():
            lines.append(f"[fields.{layer}]")
            for column, target in table.items():
                note = "" if target else "  # not mapped: kept in extra"
                lines.append(f"{toml_string(column)} = {toml_string(target or '')}{note}")
            lines.append("")
        for layer, fields in self.values.items():
            for name, table in fields.items():
                lines.append(f"[values.{layer}.{name}]")
                for raw, use in sorted(table.items(), key=lambda kv: (-kv[1].count, kv[0])):
                    count = f"{use.count} feature{'s' if use.count != 1 else ''}"
                    why = f": {_comment(use.reason)}" if use.reason else ""
                    lines.append(f"{toml_string(raw)} = {_toml_value(use.target)}  "
                                 f"# {count}{why}")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"
