"""Who scanned, as far as the scan log keeps it: a keyed hash of the address, a device class."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import lru_cache

from flask import current_app


def client_hash(address: str | None) -> str:
    """A keyed hash of the client address (16 hex digits); the address itself is never stored.

    An IPv6 client is told apart by its /64 network: one phone may use any address of it, so
    its addresses must not count as many clients in the clone rules.
    """
    salt = current_app.config.get("TRACEAPP_SCAN_SALT") or current_app.config["SECRET_KEY"]
    return _keyed_hash(salt, address or "")


@lru_cache(maxsize=4096)
def _keyed_hash(salt: str | bytes, address: str) -> str:
    key = salt.encode() if isinstance(salt, str) else salt
    return hmac.new(key, client_key(address).encode(), hashlib.sha256).hexdigest()[:16]


def client_key(address: str) -> str:
    """What identifies a client: an IPv4 address, an IPv6 address's /64 network, or the text
    as it came (not an address: tests, odd proxies)."""
    if ":" not in address:
        return address
    try:
        ip = ipaddress.IPv6Address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def ua_class(user_agent: str | None) -> str:
    """A coarse device class: android, ios, desktop, bot or other."""
    if user_agent and len(user_agent) <= 512:
        return _ua_class(user_agent)  # the same few phones' strings come again and again
    return _ua_class.__wrapped__(user_agent)


@lru_cache(maxsize=1024)
def _ua_class(user_agent: str | None) -> str:
    ua = (user_agent or "").lower()
    if any(word in ua for word in ("bot", "crawler", "spider", "curl", "wget", "python")):
        return "bot"
    if "android" in ua:
        return "android"
    if any(word in ua for word in ("iphone", "ipad", "ios")):
        return "ios"
    if any(word in ua for word in ("windows", "macintosh", "linux", "cros")):
        return "desktop"
    return "other"
