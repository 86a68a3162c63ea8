"""What the GS1 resolver offers for an identifier: link types, their targets, the linkset.

GS1 Digital Link 1.4 and the GS1-Conformant Resolver standard 1.1: each level of an identifier
(the GTIN, its lot, a serial) offers links, each with a link type from the GS1 Web Vocabulary,
a real target and a title; a request for a link type is answered by a 307 redirect to it (the
most specific level that offers it wins), ``linkType=linkset`` (or ``all``) and an ``Accept``
asking for JSON return the linkset, and a link type not offered is 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import sqlalchemy as sa

from traceapp.batches.models import Lot
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.products.models import Product

GS1_VOC = "https://gs1.org/voc/"
LINKSET_TYPE = "application/linkset+json"
#: GS1's JSON-LD context for linksets (Resolver standard 1.1 artefacts).
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
#: The ways GS1 writes its vocabulary's namespace; all name the same link types.
GS1_NAMESPACES = (
    "gs1:",
    "https://gs1.org/voc/",
    "https://ref.gs1.org/voc/",
    "https://www.gs1.org/voc/",
    "http://gs1.org/voc/",
)
#: linkType values that ask for the linkset itself (``all`` is the older spelling).
LINKSET_ASKS = ("linkset", "all")
#: The link types this resolver can offer, in the order the linkset lists them.
OFFERED = ("defaultLink", "pip", "traceability", "recallStatus", "epcis", "certificationInfo")
#: Headers a browser script may read from a resolver's answer (CORS).
EXPOSED = "Link, Location, Content-Location, Content-Type"


def cors_headers() -> dict[str, str]:
    """The CORS headers of every resolver answer: anyone may ask, with GET, HEAD, OPTIONS."""
    return {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": "Accept, Accept-Language",
        "Access-Control-Expose-Headers": EXPOSED,
        "Access-Control-Max-Age": "86400",
    }


def link_type_name(value: str) -> str | None:
    """The GS1 link type a ``linkType`` value names ('pip' for gs1:pip or its full URI),
    'linkset' for a request for the linkset, None for anything else (not offered here)."""
    value = value.strip()
    if value in LINKSET_ASKS:
        return "linkset"
    for namespace in GS1_NAMESPACES:
        if value.startswith(namespace):
            name = value[len(namespace) :]
            return name if name.isalnum() and name.isascii() else None
    return None


@dataclass(frozen=True)
class Link:
    """One link of a level: its GS1 link type, target, title, media type and languages."""

    rel: str
    href: str
    title: str
    type: str | None = None
    hreflang: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The link object of the linkset (GS1's schema: href and title, then the rest)."""
        entry: dict[str, Any] = {"href": self.href, "title": self.title}
        if self.type:
            entry["type"] = self.type
        if self.hreflang:
            entry["hreflang"] = list(self.hreflang)
        return entry


@dataclass
class Level:
    """One known level of an identifier: its anchor (the Digital Link URI) and its links."""

    anchor: str
    description: str
    links: list[Link] = field(default_factory=list)


@dataclass
class Identified:
    """What the resolver knows of a Digital Link URI: its known levels, most specific first.

    ``registered`` is False when the URI names a lot or serial below the known levels (an
    unknown, unlabelled or voided one): the resolver falls back to the level above, and the
    page says that this lot or serial is not registered.
    """

    levels: list[Level]
    registered: bool
    product: Product
    lot: Lot | None = None

    def find(self, rel: str) -> Link | None:
        """The link of this type at the most specific level that offers it."""
        for level in self.levels:
            for link in level.links:
                if link.rel == rel:
                    return link
        return None

    def document(self) -> dict[str, Any]:
        """The RFC 9264 linkset, as GS1's linkset schema has it."""
        sets = []
        for level in self.levels:
            entry: dict[str, Any] = {"anchor": level.anchor, "itemDescription": level.description}
            for rel in OFFERED:
                links = [link.as_json() for link in level.links if link.rel == rel]
                if links:
                    entry[GS1_VOC + rel] = links
            sets.append(entry)
        return {"linkset": sets}


def dl_path(gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    """'/01/{gtin}[/10/{lot}][/21/{serial}]' with the values percent-encoded."""
    path = f"/01/{gtin}"
    if lot:
        path += f"/10/{quote(lot, safe='')}"
    if serial:
        path += f"/21/{quote(serial, safe='')}"
    return path


#: Where each of the resolver's targets lives, below the public base URL.
PAGE_PREFIX = "/p"
DATA_PREFIX = "/gs1"
DATA_TARGETS = {
    "recallStatus": "recall-status",
    "epcis": "epcis",
    "certificationInfo": "certifications",
}


def page_href(base: str, path: str) -> str:
    """The provenance page of a Digital Link path (the default link): in the reader's
    language, chosen from ``lang``, the language cookie or Accept-Language, as every page."""
    return f"{base}{PAGE_PREFIX}{path}"


def data_href(base: str, rel: str, path: str) -> str:
    """The JSON target of a data link type for a Digital Link path."""
    return f"{base}{DATA_PREFIX}/{DATA_TARGETS[rel]}{path}"


def with_query(href: str, query: str, *, drop: tuple[str, ...] = ("linkType",)) -> str:
    """``href`` with the request's query string passed on (GS1: all key=value pairs by
    default), less the resolver's own ``linkType``."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in drop]
    if not pairs:
        return href
    return href + ("&" if "?" in href else "?") + urlencode(pairs, quote_via=quote)


def public_serial(gtin: str, lot: str | None, serial: str) -> Label | None:
    """The live label with this serial under this GTIN (and lot, when the URI names one);
    None for an unknown, voided or mismatched serial, which all answer alike."""
    query = (
        sa.select(Label)
        .join(Lot, Lot.id == Label.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(Label.serial == serial, Label.voided_at.is_(None), Product.gtin == gtin)
    )
    if lot is not None:
        query = query.where(Lot.code == lot)
    return db.session.execute(query).scalars().first()


def identify(
    base: str,
    languages: list[str],
    *,
    product: Product,
    lot: Lot | None,
    asked_lot: str | None,
    serial: Label | None,
    asked_serial: str | None,
    titles: dict[str, str],
    certified: bool,
) -> Identified:
    """The levels the resolver knows for a URI, given what the lookups found.

    ``lot`` is the public lot (None when the URI names none, or an unknown or unlabelled
    one); ``serial`` the live label (None likewise). ``titles`` are the links' titles in the
    reader's language; ``certified`` whether the lot's page shows certifications.
    """
    gtin = product.gtin or ""
    langs = tuple(languages)
    product_path = dl_path(gtin)
    levels = []
    if serial is not None and lot is not None:
        path = dl_path(gtin, asked_lot, serial.serial)
        levels.append(
            Level(
                base + path,
                f"{product.name}, {lot.code}, {serial.serial}",
                [Link("defaultLink", page_href(base, path), titles["label"])],
            )
        )
    if lot is not None:
        path = dl_path(gtin, lot.code)
        links = [
            Link("defaultLink", page_href(base, path), titles["lot"]),
            Link("traceability", page_href(base, path), titles["trace"], "text/html", langs),
            Link(
                "recallStatus",
                data_href(base, "recallStatus", path),
                titles["recall"],
                "application/json",
            ),
            Link("epcis", data_href(base, "epcis", path), titles["epcis"], "application/ld+json"),
        ]
        if certified:
            links.append(
                Link(
                    "certificationInfo",
                    data_href(base, "certificationInfo", path),
                    titles["certs"],
                    "application/json",
                )
            )
        levels.append(Level(base + path, f"{product.name}, {lot.code}", links))
    levels.append(
        Level(
            base + product_path,
            product.name,
            [
                Link("defaultLink", page_href(base, product_path), titles["product"]),
                Link("pip", page_href(base, product_path), titles["pip"], "text/html", langs),
            ],
        )
    )
    registered = (asked_lot is None or lot is not None) and (
        asked_serial is None or serial is not None
    )
    return Identified(levels, registered, product, lot)


def wants_linkset(accept: Any) -> bool:
    """Whether an Accept header asks for the linkset (as linkset+json or plain JSON) over
    the page. HTML wins ties: a client that takes anything (*/*) gets the page."""
    best = accept.best_match(["text/html", LINKSET_TYPE, "application/json"])
    return best in (LINKSET_TYPE, "application/json")


def asks_for_html(accept: Any) -> bool:
    """Whether the client names HTML in its Accept header, as a browser does: it gets the
    provenance page at once, not a redirect to it (one round trip less on a shop's 3G)."""
    return any(
        value in ("text/html", "application/xhtml+xml") and quality > 0 for value, quality in accept
    )


def description_file(base: str, languages: list[str]) -> dict[str, Any]:
    """The resolver description file (/.well-known/gs1resolver), with the standard's keys."""
    return {
        "name": "traceapp GS1 Digital Link resolver",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "jsonLdContextLocation": LINKSET_CONTEXT,
        "supportedContextValuesEnumerated": [],
        "supportedLanguages": list(languages),
    }
