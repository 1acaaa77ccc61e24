"""The server backend: PostgreSQL with PostGIS, through psycopg 3.

``postgresql://user@host:port/db#schema`` names the store: the tables live in ``schema``
(default ``kimson``), so one database can hold several stores.  An accept is one
transaction that first takes an advisory lock on the schema (other writers wait for it,
readers never do); DDL is transactional too, so a failed ``init`` leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import StoreError
from .model import GEOM, META_TABLE, all_layer_specs, history_table

__all__ = ["PostgisBackend", "DEFAULT_SCHEMA"]

DEFAULT_SCHEMA = "kimson"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SRID = 4326


class PostgisBackend:
    """A store in a PostgreSQL schema."""

    param = "%s"
    types = {"str": "TEXT", "int": "BIGINT", "float": "DOUBLE PRECISION", "bool": "BOOLEAN",
             "geometry": f"geometry(Geometry, {_SRID})", "key": "BIGSERIAL PRIMARY KEY"}

    def __init__(self, url: str) -> None:
        conninfo, _, schema = url.partition("#")
        schema = schema or DEFAULT_SCHEMA
        if not _SCHEMA_NAME.match(schema):
            raise StoreError(f"{url}: schema {schema!r} must be lower-case letters, digits "
                             "and _ (e.g. #kimson)")
        self.conninfo = conninfo
        self.schema = schema
        self.location = url
        self._shown = f"{_without_password(conninfo)}#{schema}"

    # ---------------------------------------------------------------- dialect
    def table(self, name: str) -> str:
        return f'"{self.schema}"."{name}"'

    def geom_param(self) -> str:
        return f"ST_GeomFromWKB(%s, {_SRID})"

    def geom_select(self) -> str:
        return f'ST_AsBinary("{GEOM}")'

    def encode_geometries(self, geoms: np.ndarray) -> list[Any]:
        import shapely

        return list(shapely.to_wkb(geoms, output_dimension=2))

    def decode_geometries(self, values: list[Any]) -> np.ndarray:
        import shapely

        return shapely.from_wkb(np.array([None if v is None else bytes(v) for v in values],
                                         dtype=object))

    # ---------------------------------------------------------------- connections
    def connect(self, *, wait_s: float = 30.0) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.conninfo, autocommit=False, connect_timeout=10)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"{self._shown}: cannot connect: {first}") from None

    def exists(self) -> bool:
        with contextlib.closing(self.connect()) as conn:
            row = conn.execute("SELECT to_regclass(%s)",
                               (f'"{self.schema}"."{META_TABLE}"',)).fetchone()
            conn.rollback()
        return row is not None and row[0] is not None

    def begin_write(self, conn: Any, wait_s: float) -> None:
        """Take the store's advisory lock (released when the transaction ends)."""
        deadline = time.monotonic() + wait_s
        while True:
            got = conn.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))",
                               (f"kimson-geo store {self.schema}",)).fetchone()[0]
            if got:
                return
            if time.monotonic() >= deadline:
                raise StoreError(f"{self._shown}: another accept is writing to this store "
                                 f"(waited {wait_s:g} s); try again when it has finished")
            time.sleep(0.1)

    def begin_read(self, conn: Any) -> None:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

    @contextlib.contextmanager
    def creating(self) -> Iterator[Any]:
        conn = self.connect()
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def meta_ddl(self) -> list[str]:
        return [f"CREATE TABLE {self.table(META_TABLE)} (key TEXT PRIMARY KEY, value TEXT)"]

    def register(self, conn: Any) -> None:
        """A GiST index on each history table's geometry (PostGIS finds geometry columns by
        their type; the planner uses the index for bounding-box filters on the views)."""
        for spec in all_layer_specs():
            hist = history_table(spec.name)
            conn.execute(f'CREATE INDEX "{hist}_{GEOM}" ON {self.table(hist)} '
                         f'USING GIST ("{GEOM}")')

    # ---------------------------------------------------------------- statements
    def query(self, conn: Any, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return conn.execute(sql, params).fetchall()

    def executemany(self, conn: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with conn.cursor() as cur:
                cur.executemany(sql, rows)

    def commit(self, conn: Any) -> None:
        conn.commit()

    def rollback(self, conn: Any) -> None:
        conn.rollback()


def _without_password(conninfo: str) -> str:
    """The URL with any password replaced, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", conninfo)
