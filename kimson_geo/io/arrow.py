"""Whether pyarrow is installed: pyogrio's Arrow path reads and writes the same data about a
third faster, but pyarrow is an optional dependency (the ``scale`` and ``test`` extras), so
every use of it has a plain fallback."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["arrow_available"]


@lru_cache(maxsize=1)
def arrow_available() -> bool:
    """True when ``import pyarrow`` would work (looked up once, without importing it)."""
    from importlib.util import find_spec

    return find_spec("pyarrow") is not None
