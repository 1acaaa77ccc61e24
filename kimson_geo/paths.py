"""Where the bundled data and the article's claims live, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_data_dir", "seeds_dir", "claims_file"]

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    return next((candidate for candidate in candidates if candidate.is_dir()), candidates[-1])


def bundled_data_dir() -> Path:
    """Folder of the bundled Kim Sơn inventory.

    An installed wheel carries it as ``kimson_geo/_bundled/data``; a checkout (or an
    editable install) reads the top-level ``data/`` folder.
    """
    return _first_existing(_PACKAGE / "_bundled" / "data", _PACKAGE.parent / "data")


def seeds_dir() -> Path:
    """Folder of the source article and its machine-readable claims."""
    return _first_existing(_PACKAGE / "_bundled" / "seeds", _PACKAGE.parent / "seeds")


def claims_file() -> Path:
    """The machine-readable list of the article's checkable claims."""
    return seeds_dir() / "claims.json"
