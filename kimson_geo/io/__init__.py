"""Reading and writing layers (GDAL through pyogrio and fiona)."""
