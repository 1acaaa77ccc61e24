"""Benchmarks of kimson_geo on synthetic province-sized inventories (see README.md).

Run them with ``.venv/bin/python -m benchmarks.run [--size full|small|tiny]``.
"""
