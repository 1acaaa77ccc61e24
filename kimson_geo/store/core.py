"""The :class:`Store`: init, accept, log and load, the same over both backends."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DeliveryRefused, StoreError
from ..registry import LAYER_NAMES, layer_spec
from .model import (
    META_TABLE,
    REVISION_COLUMNS,
    REVISIONS_TABLE,
    SCHEMA_VERSION,
    Revision,
    all_layer_specs,
    close_sql,
    frame_from_rows,
    insert_sql,
    layer_ddl,
    revisions_ddl,
    rows_from_frame,
    select_sql,
)

if TYPE_CHECKING:
    from ..inventory import Inventory
    from ..validation.report import ValidationReport

__all__ = ["Store", "open_store", "init_store", "backend_for", "PAUSE_ENV"]

#: Test hook: seconds an accept sleeps inside its transaction, just before it commits (so
#: that a test can kill it there, or start a second accept against it).
PAUSE_ENV = "KIMSON_GEO_STORE_PAUSE_BEFORE_COMMIT"
#: How long an accept waits for another one to finish before it gives up.
DEFAULT_WAIT_S = 30.0
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def backend_for(location: str | os.PathLike[str]) -> Any:
    """The backend a location names: a ``postgresql://`` URL, or a GeoPackage path."""
    text = os.fspath(location)
    if text.startswith(_POSTGRES_SCHEMES):
        from .postgis import PostgisBackend

        return PostgisBackend(text)
    if Path(text).suffix.lower() != ".gpkg":
        raise StoreError(f"{text}: a store is a GeoPackage (.gpkg) or a postgresql:// URL")
    from .gpkg import GpkgBackend

    return GpkgBackend(text)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Store:
    """A store of the inventory and its history (see :mod:`kimson_geo.store`)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        with self._open() as conn:
            self._check_schema(conn)

    @property
    def location(self) -> str:
        return str(self.backend.location)

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    # ----------------------------------------------------------------- reading
    def _open(self, wait_s: float = DEFAULT_WAIT_S) -> Any:
        return _Connection(self.backend, wait_s)

    def _check_schema(self, conn: Any) -> None:
        b = self.backend
        try:
            meta = dict(b.query(conn, f"SELECT key, value FROM {b.table(META_TABLE)}", ()))
        except StoreError:
            raise
        except Exception:
            raise StoreError(f"{self.location}: is not a kimson-geo store (no "
                             f"{META_TABLE} table); create one with 'kimson-geo store init'"
                             ) from None
        version = int(meta.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.location}: was written by a newer kimson-geo (store schema version "
                f"{version}; this version reads up to {SCHEMA_VERSION}); upgrade kimson-geo "
                "to read it")
        if version < 1:
            raise StoreError(f"{self.location}: has no store schema version in {META_TABLE}")

    def revisions(self) -> list[Revision]:
        """Every revision, oldest first."""
        with self._open() as conn:
            return self._revisions(conn)

    def _revisions(self, conn: Any) -> list[Revision]:
        b = self.backend
        rows = b.query(conn, f"SELECT {', '.join(REVISION_COLUMNS)} FROM "
                             f"{b.table(REVISIONS_TABLE)} ORDER BY rev", ())
        return [Revision(rev=int(r[0]), time=r[1], author=r[2], message=r[3],
                         allow_errors=bool(r[4]), source=r[5], counts=json.loads(r[6]),
                         claims=json.loads(r[7])) for r in rows]

    def head(self) -> int:
        """The latest revision (0 for an empty store)."""
        revisions = self.revisions()
        return revisions[-1].rev if revisions else 0

    def resolve(self, *, rev: int | None = None, as_of: str | dt.date | None = None) -> int:
        """The revision ``rev`` names (checked), or the last one recorded by ``as_of``.

        ``as_of`` is an ISO date (the whole day counts) or date and time (UTC unless it
        says otherwise).  Neither: the latest revision.
        """
        revisions = self.revisions()
        if not revisions:
            raise StoreError(f"{self.location}: holds no revision yet")
        if rev is not None and as_of is not None:
            raise StoreError("give a revision or a date, not both")
        if rev is not None:
            if not any(r.rev == rev for r in revisions):
                raise StoreError(f"{self.location}: has no revision {rev} "
                                 f"(revisions 1 to {revisions[-1].rev})")
            return rev
        if as_of is None:
            return revisions[-1].rev
        limit = _as_of_limit(as_of)
        before = [r for r in revisions if dt.datetime.fromisoformat(r.time) < limit]
        if not before:
            raise StoreError(f"{self.location}: has no revision recorded by {as_of} "
                             f"(the first is from {revisions[0].time})")
        return before[-1].rev

    def load(self, *, rev: int | None = None, as_of: str | dt.date | None = None,
             layer: str | None = None) -> Inventory:
        """The inventory as it stood at ``rev`` (or ``as_of``; default the latest)."""
        from ..inventory import Inventory

        number = self.resolve(rev=rev, as_of=as_of)
        names = [layer_spec(layer).name] if layer else list(LAYER_NAMES)
        layers = {}
        with self._open() as conn:
            self.backend.begin_read(conn)  # every layer from one snapshot
            for name in names:
                frame = self._read(conn, name, number).reset_index(drop=True)
                if len(frame) or layer:
                    frame.attrs["source"] = f"{self.location}@{number}"
                    layers[name] = frame
        source: Any = (Path(self.location) if not self.location.startswith(_POSTGRES_SCHEMES)
                       else self.location)
        inv = Inventory(layers=layers, source=source)
        inv.files = {name: source for name in layers}
        return inv

    def _read(self, conn: Any, name: str, rev: int | None) -> Any:
        spec = layer_spec(name)
        sql, params = select_sql(self.backend, spec, rev)
        return frame_from_rows(self.backend, spec, self.backend.query(conn, sql, params))

    # ----------------------------------------------------------------- writing
    def accept(self, source: Any, *, message: str, author: str | None = None,
               allow_errors: bool = False, wait_s: float = DEFAULT_WAIT_S,
               tolerance_m: float | None = None) -> Revision | None:
        """Validate ``source`` and record what it changes as the next revision.

        Parameters
        ----------
        source
            Any inventory :func:`kimson_geo.load` reads (a folder, files, a GeoPackage, a
            store revision ``STORE@N``), or an :class:`~kimson_geo.Inventory`.  Layers it
            does not hold stay as they are.
        message, author
            Recorded with the revision.
        allow_errors
            Record a delivery with validation errors anyway (the revision says so).
        wait_s
            How long to wait for another accept to finish.
        tolerance_m
            Geometry matching tolerance for features whose id is missing or new.

        Returns
        -------
        Revision or None
            The revision recorded; None when the delivery changes nothing.

        Raises
        ------
        DeliveryRefused
            The delivery has validation errors (``exc.report``); the store is untouched.
        StoreError
            Another accept held the store longer than ``wait_s``.
        """
        delivery, report, claims = _read_delivery(source, allow_errors,
                                                  "the store was not changed")
        with self._open(wait_s) as conn:
            self.backend.begin_write(conn, wait_s)
            revision = self._record(conn, delivery, message=message, author=author,
                                    allow_errors=not report.ok, source=_describe(source),
                                    tolerance_m=tolerance_m, claims=claims)
            _pause_for_tests()
            conn.commit_or_rollback(revision is not None)
        return revision

    def _record(self, conn: Any, delivery: Inventory, *, message: str, author: str | None,
                allow_errors: bool, source: str | None, tolerance_m: float | None,
                claims: list[Any] | None = None) -> Revision | None:
        """Write the changes ``delivery`` makes as the next revision, in the open transaction.

        ``claims`` are the claims validation measured on ``delivery``: they are the
        revision's when the delivery holds every layer the store holds (else measured
        again on the merged inventory).
        """
        from ..diff import DEFAULT_TOLERANCE_M, diff_layer
        from ..inventory import Inventory
        from ..validation.claims import measure_claims

        b = self.backend
        revisions = self._revisions(conn)
        rev = (revisions[-1].rev if revisions else 0) + 1
        current = {name: self._read(conn, name, None) for name in LAYER_NAMES}
        counts: dict[str, dict[str, int]] = {}
        for name, new in delivery.layers.items():
            spec = layer_spec(name)
            old = current[name]
            d = diff_layer(name, old, new, tolerance_m=tolerance_m or DEFAULT_TOLERANCE_M)
            if d.empty:
                continue
            counts[name] = d.counts()
            ended = old.index.to_numpy()[np.concatenate([d.removed, d.modified_old])]
            b.executemany(conn, close_sql(b, spec), [(rev, int(f)) for f in ended])
            born = np.concatenate([d.added, d.modified_new])
            b.executemany(conn, insert_sql(b, spec), rows_from_frame(b, spec, new, born, rev))
        if not counts:
            return None
        merged = {name: frame for name, frame in current.items() if len(frame)}
        whole = set(merged) <= set(delivery.layers)
        merged.update(delivery.layers)
        if claims is None or not whole:  # the delivery's claims are not the revision's
            claims = measure_claims(Inventory(layers=merged))
        claim_dicts = [c.to_dict() for c in claims]
        revision = Revision(rev=rev, time=_now(), author=author, message=message,
                            allow_errors=allow_errors, source=source, counts=counts,
                            claims=claim_dicts)
        marks = ", ".join([b.param] * len(REVISION_COLUMNS))
        conn.execute(f"INSERT INTO {b.table(REVISIONS_TABLE)} ({', '.join(REVISION_COLUMNS)}) "
                     f"VALUES ({marks})",
                     (rev, revision.time, author, message, allow_errors, source, json.dumps(counts),
                      json.dumps(claim_dicts, ensure_ascii=False, default=str)))
        return revision


class _Connection:
    """A backend connection as a context manager that always ends its transaction."""

    def __init__(self, backend: Any, wait_s: float) -> None:
        self.backend = backend
        self.conn = backend.connect(wait_s=wait_s)
        self.done = False

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if not self.done:
                self.backend.rollback(self.conn)
        finally:
            self.conn.close()

    def commit_or_rollback(self, commit: bool) -> None:
        (self.backend.commit if commit else self.backend.rollback)(self.conn)
        self.done = True

    # the backend's query helpers take this wrapper's connection
    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def _pause_for_tests() -> None:
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        import sys

        print(f"kimson-geo: {PAUSE_ENV}: pausing {pause} s before commit", file=sys.stderr,
              flush=True)
        time.sleep(float(pause))


def _as_of_limit(as_of: str | dt.date) -> dt.datetime:
    """The first instant after ``as_of`` (a date counts whole)."""
    if isinstance(as_of, dt.datetime):
        moment = as_of
    else:
        text = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of).strip()
        try:
            if len(text) == 10:
                moment = dt.datetime.combine(dt.date.fromisoformat(text)
                                             + dt.timedelta(days=1), dt.time())
            else:
                moment = dt.datetime.fromisoformat(text) + dt.timedelta(microseconds=1)
        except ValueError:
            raise StoreError(f"{as_of!r} is not a date (YYYY-MM-DD) or date and time "
                             "(YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _describe(source: Any) -> str | None:
    from ..inventory import Inventory

    if isinstance(source, Inventory):
        return str(source.source) if source.source else None
    return os.fspath(source) if source is not None else None


def _read_delivery(source: Any, allow_errors: bool, untouched: str
                   ) -> tuple[Inventory, ValidationReport, list[Any] | None]:
    """The delivery's inventory, its validation report and the claims measured on that
    inventory (None when they were not); refused when it has errors and ``allow_errors``
    is False (``untouched`` says what that left alone)."""
    import kimson_geo

    from ..validation import validate_and_load

    # read once: the frames validation read are the delivery (not validate, then load)
    report, delivery = validate_and_load(source)
    if report.nothing_read:
        raise DeliveryRefused(report.unreadable_line(), report)
    if not report.ok and not allow_errors:
        s = report.summary()
        raise DeliveryRefused(
            f"{_describe(source)}: {s['errors']} validation error(s); {untouched} (fix the "
            "delivery, or record it anyway with --allow-errors)", report)
    if delivery is None:  # validation skipped a file load() reads (with --allow-errors)
        return kimson_geo.load(source), report, None
    return delivery, report, report.claims if report.claims else None


def open_store(location: str | os.PathLike[str]) -> Store:
    """The store at ``location`` (a ``.gpkg`` path or a ``postgresql://`` URL).

    Raises
    ------
    StoreError
        Nothing is there, it is not a store, or a newer kimson-geo wrote it.
    """
    backend = backend_for(location)
    if not backend.exists():
        raise StoreError(f"{backend.location}: no store here; create one with "
                         "'kimson-geo store init'")
    return Store(backend)


def init_store(location: str | os.PathLike[str], *, source: Any = None,
               message: str | None = None, author: str | None = None,
               allow_errors: bool = False) -> Store:
    """Create a store at ``location``; with ``source``, record it as revision 1.

    A GeoPackage is built under a temporary name and renamed into place; PostGIS tables
    are created in one transaction with the first revision: a failed init leaves nothing.
    """
    backend = backend_for(location)
    if backend.exists():
        raise StoreError(f"{backend.location}: is already a store")
    delivery = report = claims = None
    if source is not None:
        delivery, report, claims = _read_delivery(source, allow_errors,
                                                  "no store was created")
    with backend.creating() as conn:
        b = backend
        for statement in [*b.meta_ddl(), revisions_ddl(b),
                          *(s for spec in all_layer_specs() for s in layer_ddl(b, spec))]:
            conn.execute(statement)
        b.register(conn)
        b.executemany(conn, f"INSERT INTO {b.table(META_TABLE)} (key, value) VALUES "
                            f"({b.param}, {b.param})",
                      [("schema_version", str(SCHEMA_VERSION)), ("created", _now())])
        if delivery is not None:
            store = Store.__new__(Store)
            store.backend = backend
            store._record(conn, delivery, message=message or "initial inventory",
                          author=author, allow_errors=not report.ok,  # type: ignore[union-attr]
                          source=_describe(source), tolerance_m=None, claims=claims)
    return Store(backend)

