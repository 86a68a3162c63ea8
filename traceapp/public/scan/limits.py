"""The per-client limit on the scan pages, counted before any page is built."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

#: Where the fast path leaves its verdict for Flask, when Flask answers the request after all.
COUNTED = "traceapp.public_limit"


class _LocalWindow:
    """A fixed window counted in this process: the memory:// storage's behaviour without
    its expiry timers. Each app process counts its own clients, as Flask-Limiter's memory
    storage does; several servers share counts through a redis:// storage instead."""

    def __init__(self, amount: int, seconds: int) -> None:
        self.amount, self.seconds = amount, seconds
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, who: str) -> bool:
        window = int(time.monotonic() // self.seconds)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(who, 0) + 1
            self._counts[who] = count
        return count <= self.amount

    def reset(self) -> None:
        with self._lock:
            self._counts = {}


class PublicLimiter:
    """A per-client fixed window on the scan pages: counted in the process for the memory://
    and database:// storages (a database write on every scan would cost more than the page),
    else with the limits library (which Flask-Limiter is built on) on the configured shared
    storage (redis://, memcached://); the limit is parsed once.

    Flask-Limiter's own request machinery cost more than the rest of the page did.
    """

    def __init__(self) -> None:
        self._key: tuple[str, str] | None = None
        self._item: Any = None
        self._limiter: Any = None
        self._local: _LocalWindow | None = None

    def _configure(self, key: tuple[str, str]) -> None:
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        self._item = parse(key[0])
        self._local = None
        if key[1].startswith(("memory://", "database://")):
            self._local = _LocalWindow(self._item.amount, self._item.get_expiry())
        else:
            storage = current_app.extensions.get("traceapp_public_limit_storage")
            if storage is None or storage[0] != key[1]:
                storage = (key[1], storage_from_string(key[1]))
                current_app.extensions["traceapp_public_limit_storage"] = storage
            self._limiter = FixedWindowRateLimiter(storage[1])
        self._key = key

    def allow(self, address: str | None) -> bool:
        """Count this request of a client; False once the client is over the limit."""
        config = current_app.config
        key = (config["TRACEAPP_PUBLIC_RATE_LIMIT"], config["RATELIMIT_STORAGE_URI"])
        if key != self._key:
            self._configure(key)
        if not config.get("RATELIMIT_ENABLED", True):
            return True
        if self._local is not None:
            return self._local.hit(address or "")
        return self._limiter.hit(self._item, "public-scan", address or "")

    def reset(self) -> None:
        """Forget all counts (tests)."""
        if self._local is not None:
            self._local.reset()
        if self._limiter is not None:
            self._limiter.storage.reset()


public_limiter = PublicLimiter()


def over_limit(environ: dict[str, Any], address: str | None) -> bool:
    """Whether this request is over the client's limit, counted once per request: the fast
    path counts it and leaves its verdict in the environ, for Flask when it answers after all."""
    counted = environ.get(COUNTED)
    if counted is None:
        counted = environ[COUNTED] = public_limiter.allow(address)
    return not counted
