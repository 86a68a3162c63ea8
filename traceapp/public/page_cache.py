"""The lot pages' cache: each lot's page model per language, rebuilt when the lot changes,
and refreshed in the background when it is only old."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Literal, NamedTuple, overload

import sqlalchemy as sa
from flask import current_app

from traceapp.batches.models import Lot
from traceapp.extensions import db
from traceapp.public.page import LotPage, build_lot_page
from traceapp.public.scan.connection import session_borrowed

log = logging.getLogger(__name__)

_cache: dict[tuple[int, str], LotPage] = {}
_cache_lock = threading.Lock()
#: How long a lot's page is kept before a rebuild (about; see LotPage.spread). A change to the
#: lot itself (a recall, an event, its status) shows at once; other edits (a product's name, a
#: member's consent) within this time. The public lot page says max-age=300 as well.
PAGE_TTL = 300.0


def _lapsed(page: LotPage) -> bool:
    return time.monotonic() - page.built >= min(PAGE_TTL * page.spread, page.until_midnight)


class LotVersion(NamedTuple):
    """What a lot's cached page depends on that can change at any moment (a recall above all),
    compared as the driver gives them: both paths read them from the same engine, so they come
    alike (aware datetimes on PostgreSQL, text on SQLite)."""

    updated_at: Any
    status: str
    recall_id: int | None

    @classmethod
    def of(cls, row: Any) -> LotVersion:
        """The version of a scanned label's lot, from its lookup row."""
        return cls(row.lot_updated_at, row.lot_status, row.recall_id)

    @classmethod
    def read(cls, lot_id: int) -> LotVersion | None:
        """The lot's version as it is in the database now (None: no such lot)."""
        row = db.session.execute(
            sa.text("SELECT updated_at, status, recall_id FROM lots WHERE id = :id"),
            {"id": lot_id},
        ).first()
        return cls(*row) if row else None


@overload
def lot_page(
    lot_id: int,
    lang: str,
    version: LotVersion | None = None,
    *,
    build: Literal[True] = True,
) -> LotPage: ...
@overload
def lot_page(
    lot_id: int, lang: str, version: LotVersion | None = None, *, build: bool
) -> LotPage | None: ...
def lot_page(
    lot_id: int, lang: str, version: LotVersion | None = None, *, build: bool = True
) -> LotPage | None:
    """The page model of a lot in a language, from the cache when still current (with
    ``build=False``, None when it is not).

    A page whose lot has changed (a recall above all) is rebuilt before it is shown. A page
    only older than PAGE_TTL (edits that do not touch the lot: a product's name, a member's
    consent, a certificate's end) is shown once more while a background thread of this
    process rebuilds it: shoppers of a busy lot must not wait, every minute, for a rebuild.
    """
    version = version or LotVersion.read(lot_id)
    key = (lot_id, lang)
    cached = _cache.get(key)
    if cached and cached.version == version:
        if not _lapsed(cached):
            return cached
        if _refresher.possible():
            _refresher.want(key, version)
            return cached
    if not build:
        return None
    return _store(key, build_lot_page(db.session.get_one(Lot, lot_id), lang, version))


def _store(key: tuple[int, str], page: LotPage) -> LotPage:
    with _cache_lock:
        if len(_cache) > 5000:
            _cache.clear()
        _cache[key] = page
    return page


class _Refresher:
    """One thread per app process rebuilding lapsed lot pages, newest request last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: dict[tuple[int, str], LotVersion] = {}
        self._wake = threading.Event()
        self._pid: int | None = None
        self._app: Any = None

    def possible(self) -> bool:
        # Not inside a test's transaction: another thread could not see its rows.
        return current_app.config.get("TRACEAPP_PAGE_REFRESH", True) and not session_borrowed()

    def want(self, key: tuple[int, str], version: LotVersion) -> None:
        with self._lock:
            self._wanted[key] = version
            self._app = current_app._get_current_object()  # type: ignore[attr-defined]
            if self._pid != os.getpid():  # first use in this (forked) process
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="lot-page-refresher", daemon=True).start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while True:
                with self._lock:
                    if not self._wanted:
                        break
                    key, version = self._wanted.popitem()
                    app = self._app
                try:
                    with app.app_context():
                        try:
                            self._rebuild(key, version)
                        finally:
                            db.session.remove()
                except Exception:  # noqa: BLE001 - the stale page stays; the next scan retries
                    log.exception("could not rebuild the page of lot %s (%s)", *key)

    @staticmethod
    def _rebuild(key: tuple[int, str], version: LotVersion) -> None:
        lot = db.session.get(Lot, key[0])
        if lot is None or LotVersion.read(key[0]) != version:
            return  # changed meanwhile: the next scan rebuilds it before showing it
        page = build_lot_page(lot, key[1], version)
        cached = _cache.get(key)
        if cached is not None and cached.version == version:
            _store(key, page)


_refresher = _Refresher()


def clear_cache() -> None:
    """Forget every cached page (tests, settings changes)."""
    with _cache_lock:
        _cache.clear()
