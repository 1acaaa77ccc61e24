"""Interactive maps of the inventory (folium, imported only when a map is drawn)."""

from __future__ import annotations

from .map import render_map, to_map

__all__ = ["render_map", "to_map"]
