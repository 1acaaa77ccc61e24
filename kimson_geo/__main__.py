"""``python -m kimson_geo``: the same as the ``kimson-geo`` command."""

from kimson_geo.cli.main import main

main()
