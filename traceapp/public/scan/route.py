"""Which label a request names: one decision for the fast path and for Flask's views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import unquote

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from traceapp.public.linkset import PAGE_PREFIX, asks_for_html, wants_linkset
from traceapp.public.resolver import BadPath, Resolution, parse_digital_link, valid_serial


class ScanTarget(NamedTuple):
    """A label scan: the serial, and the GTIN and lot the path claims for it (checked against
    the label's own: a disagreement is a mismatch)."""

    serial: str
    gtin: str | None = None
    lot: str | None = None


def scan_target(res: Resolution) -> ScanTarget | None:
    """The label scan a parsed Digital Link asks for, or None (a product's or a lot's page).

    Only a parsed serial (AI 21) makes a scan: "21" may also be a CPV's or a lot's value
    (``/22/21/``). The CPV (AI 22) names the product's variant and does not change which
    label it is: the label answers for itself.
    """
    return ScanTarget(res.serial, res.gtin, res.lot) if res.serial else None


def short_link_target(serial: str) -> ScanTarget | None:
    """The label a short link (``/l/{serial}``) names, or None for an impossible serial."""
    return ScanTarget(serial) if "/" not in serial and valid_serial(serial) else None


def answers_page(accept: MIMEAccept, link_type: str | None) -> bool:
    """Whether the resolver answers a ``/01/`` request with the default link's page in place:
    a browser (it names HTML and asks for no JSON) asking for no link type. Anything else gets
    the GS1 resolver's redirect or linkset."""
    return link_type is None and asks_for_html(accept) and not wants_linkset(accept)


def target_in_path(path: str, accept: str | None = None) -> ScanTarget | None:
    """The label scan a raw path names when its answer is the label's page, or None: another
    page, a malformed Digital Link (Flask answers those, with their 400), or a ``/01/`` request
    the resolver answers with a redirect or a linkset (``accept``: the Accept header)."""
    if path.startswith("/l/"):
        return short_link_target(unquote(path[3:]))
    if path.startswith(PAGE_PREFIX + "/01/"):
        path = path[len(PAGE_PREFIX) :]  # the resolver's default link: the page itself
    elif path.startswith("/01/") and not answers_page(
        parse_accept_header(accept, MIMEAccept), None
    ):
        return None
    if path.startswith("/01/") and "/21/" in path:  # a cheap pre-check; the parser decides
        try:
            return scan_target(parse_digital_link(path))
        except BadPath:
            return None
    return None


def raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it when the server keeps it: WSGI decodes %2F before
    routing, and a lot code may contain a slash."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return raw.split("?", 1)[0] if raw else environ.get("PATH_INFO", "")


def is_legacy_host(host: str | None, legacy_hosts: Iterable[str] | None) -> bool:
    """Whether a request came under an old domain (its labels redirect to the current one)."""
    return (host or "").split(":")[0].lower() in (legacy_hosts or ())
