"""Survey deliveries as they arrive, mapped into the registry: ``kimson-geo import``.

>>> from kimson_geo.intake import builtin_dictionary
>>> builtin_dictionary().layer_for("GIAO_THONG").layer
'roads'
"""

from __future__ import annotations

from .dictionary import Dictionary, builtin_dictionary, fold
from .pipeline import ImportResult, NothingImported, import_delivery

__all__ = ["Dictionary", "ImportResult", "NothingImported", "builtin_dictionary", "fold",
           "import_delivery"]
