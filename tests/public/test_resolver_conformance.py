"""GS1's resolver conformance suite (gs1/GS1DL-resolver-testsuite), translated into a test of
ours and run on six demo URIs (a label, its lot and its GTIN, for each demo product with a
GTIN), as GS1's tester asks them: like curl (``Accept: */*``), without following redirects.

Left out, as they test the server in front of the app rather than the resolver: TLS, the HTTP
version, and the GTIN's 14 digits in the URI given to the tester. The checks keep the suite's
names. A few checks beyond the suite come from GS1 Digital Link 1.4 and the Resolver standard
1.1 (each link's target is real, full-URI link types, the compressed form).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.public.gs1_conformance import example, linkset_errors
from traceapp.extensions import db

CURL = {"Accept": "*/*"}
VOC = re.compile(r"https://((ref|www)\.)?gs1\.org/voc/")
#: Link types of the GS1 Web Vocabulary that a trade item's resolver may offer (ratified).
RATIFIED = {
    "defaultLink",
    "defaultLinkMulti",
    "pip",
    "traceability",
    "recallStatus",
    "epcis",
    "certificationInfo",
    "sustainabilityInfo",
    "instructions",
    "homepage",
    "productSustainabilityInfo",
    "masterData",
}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _without_link_type(url: str | None) -> str | None:
    if url is None:
        return None
    return re.sub(r"[?&]linkType=[^&]*", "", url)


def _links(doc: dict[str, Any], dl: str) -> dict[str, list[dict[str, Any]]]:
    """GS1's walk of a linkset: the anchor of the URI, then each level up; a link type is
    taken at the most specific level that has it (the suite's linksetTests)."""
    found: dict[str, list[dict[str, Any]]] = {}
    current = dl
    while current.count("/") >= 4:  # https://host/01/{gtin} is the top
        for entry in doc["linkset"]:
            if entry["anchor"] == current:
                for key, value in entry.items():
                    if key not in ("anchor", "itemDescription", "description"):
                        found.setdefault(VOC.sub("gs1:", key), value)
        current = current.rsplit("/", 2)[0]
    return found


def conformance(client: Any, dl: str) -> dict[str, bool]:
    """The suite's checks of one Digital Link URI: check name -> passed."""
    path = _path(dl)
    results: dict[str, bool] = {}

    def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Any:
        return client.open(url, method=method, headers=headers or CURL)

    # rdFile: the resolver description file, with the keys the standard's schema names.
    rd = get("/.well-known/gs1resolver", {"Accept": "application/json"})
    body = rd.json or {}
    results["rdFile"] = (
        rd.status_code == 200
        and isinstance(body.get("name"), str)
        and body.get("resolverRoot", "").startswith("http")
        and "01" in body.get("supportedPrimaryKeys", [])
        and all(
            {"namespace", "prefix"} <= set(t) and t["prefix"].endswith(":")
            for t in body.get("supportedLinkType", [])
        )
        and bool(body.get("supportedLinkType"))
        and isinstance(body.get("linkTypeDefaultCanBeLinkset"), bool)
        and body.get("jsonLdContextLocation", "").startswith("http")
    )
    # corsCheck, methodsCheck, linkOnRedirect, legacyLinkHeaders: the OPTIONS answer.
    options = get(path, method="OPTIONS")
    methods = options.headers.get("Access-Control-Allow-Methods", "")
    link = options.headers.get("Link", "")
    results["corsCheck"] = bool(options.headers.get("Access-Control-Allow-Origin"))
    results["methodsCheck"] = all(m in methods for m in ("GET", "HEAD", "OPTIONS"))
    results["linkOnRedirect"] = 'rel="linkset"' in link
    results["legacyLinkHeaders"] = 'rel="gs1:' not in link
    # reportWith400, noErrorWith200: a broken Digital Link.
    broken = get(path.split("?")[0] + "/foo")
    results["reportWith400"] = broken.status_code == 400
    results["noErrorWith200"] = broken.status_code != 200
    # trailingSlash: the same answer with and without.
    plain, slashed = get(path), get(path + "/")
    results["trailingSlash"] = (plain.status_code, plain.headers.get("Location")) == (
        slashed.status_code,
        slashed.headers.get("Location"),
    )
    # basicWalkUp: an unknown lot of the GTIN is not a 404.
    gtin_path = "/".join(path.split("/")[:3])
    results["basicWalkUp"] = get(gtin_path + "/10/KL8G").status_code != 404
    # qsPassedOn: the query string goes along with the redirect.
    redirected = get(path + "?foo=bar")
    results["qsPassedOn"] = "foo=bar" in redirected.headers.get("Location", "")
    # ltLinksetNoRedirect, ltAllNoRedirect, ltAcceptHeader: three ways to the linkset.
    results["ltLinksetNoRedirect"] = get(path + "?linkType=linkset").status_code == 200
    results["ltAllNoRedirect"] = get(path + "?linkType=all").status_code == 200
    accept = {"Accept": "application/linkset+json"}
    results["ltAcceptHeader"] = get(path + "?linkType=all", accept).status_code == 200
    # validLinkset, linksetJsonldCheck, declaredContentType.
    answer = get(path, accept)
    doc = answer.json
    results["validLinkset"] = doc is not None and linkset_errors(doc) == []
    context = answer.headers.get("Link", "")
    results["linksetJsonldCheck"] = (
        'rel="http://www.w3.org/ns/json-ld#context"' in context
        and 'type="application/ld+json"' in context
    )
    results["declaredContentType"] = answer.headers.get("Content-Type", "").startswith(
        "application/linkset+json"
    )
    links = _links(doc or {"linkset": []}, dl)
    # defaultLinkExists, singleDefaulLink, defaultTarget.
    default = links.get("gs1:defaultLink", [])
    results["defaultLinkExists"] = bool(default)
    results["singleDefaulLink"] = len(default) == 1 and set(default[0]) == {"href", "title"}
    results["defaultTarget"] = bool(default) and plain.headers.get("Location") == default[0]["href"]
    # loFor{type}: each link type asked for redirects to its one link.
    for rel, objects in links.items():
        if rel == "gs1:defaultLink" or len(objects) != 1:
            continue
        location = get(f"{path}?linkType={rel}").headers.get("Location")
        results["loFor" + rel.replace(":", "")] = _without_link_type(location) == objects[0]["href"]
    # linkTypesDefined: every gs1: link type is in the GS1 Web Vocabulary.
    results["linkTypesDefined"] = all(
        rel[4:] in RATIFIED for rel in links if rel.startswith("gs1:")
    )
    # specificLinkTypeNotFound: a link type not offered is 404.
    results["specificLinkTypeNotFound"] = get(path + "?linkType=gs1:nosuchlt").status_code == 404
    return results


def beyond_the_suite(client: Any, dl: str) -> dict[str, bool]:
    """Checks from the standards that GS1's suite does not make."""
    path = _path(dl)
    results: dict[str, bool] = {}
    doc = client.get(path, headers={"Accept": "application/linkset+json"}).json
    links = _links(doc, dl)
    # Each link is a real target: it answers 200, in the media type it declares.
    for rel, objects in links.items():
        for obj in objects:
            target = client.get(obj["href"], headers=CURL)
            declared = obj.get("type", "text/html")
            results["target" + rel.replace(":", "")] = (
                target.status_code == 200 and target.mimetype == declared
            )
    # A link type written as a full URI, in both of GS1's namespaces, is the same link.
    for namespace in ("https://gs1.org/voc/", "https://ref.gs1.org/voc/"):
        asked = client.get(f"{path}?linkType={namespace}pip", headers=CURL)
        short = client.get(f"{path}?linkType=gs1:pip", headers=CURL)
        results["fullUri " + namespace] = (
            asked.status_code == 307 and asked.headers["Location"] == short.headers["Location"]
        )
    # One URL, three answers: caches must tell them apart by Accept.
    page = client.get(path)  # the test client is a browser
    results["varyAccept"] = all(
        "Accept" in [v.strip() for v in r.headers.get("Vary", "").split(",")]
        for r in (
            page,
            client.get(path, headers=CURL),
            client.get(path, headers={"Accept": "application/linkset+json"}),
        )
    )
    results["browserGetsPage"] = page.status_code == 200 and page.mimetype == "text/html"
    return results


@pytest.fixture
def demo_uris(session: Any) -> list[str]:
    """Six demo URIs: a label, its lot and its GTIN, for each demo product with a GTIN."""
    from traceapp.demo import load_demo
    from traceapp.labels.models import Label

    load_demo()
    from traceapp.batches.models import Lot
    from traceapp.products.models import Product

    rows = db.session.execute(
        sa.select(Product.gtin, Lot.code, sa.func.min(Label.serial))
        .join(Lot, Lot.id == Label.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.gtin.is_not(None), Label.voided_at.is_(None))
        .group_by(Product.gtin, Lot.code)
        .order_by(Product.gtin, Lot.code)
    ).all()
    picked: dict[str, tuple[str, str, str]] = {}
    for gtin, lot, serial in rows:
        picked.setdefault(gtin, (gtin, lot, serial))
    base = "https://trace.example.vn"
    uris = []
    for gtin, lot, serial in picked.values():
        uris += [
            f"{base}/01/{gtin}/10/{lot}/21/{serial}",
            f"{base}/01/{gtin}/10/{lot}",
            f"{base}/01/{gtin}",
        ]
    assert len(uris) >= 6
    return uris


def _figures(client: Any, uris: list[str], run: Callable[[Any, str], dict[str, bool]]) -> str:
    lines, failed = [], []
    from traceapp.public.scan.limits import public_limiter

    for dl in uris:
        # Each URI's checks as the suite runs them (about twenty requests): the demo's labels
        # in every state make more URIs than the per-client limit allows in one minute.
        public_limiter.reset()
        results = run(client, dl)
        passed = sum(results.values())
        lines.append(f"{passed}/{len(results)} {dl}")
        failed += [f"{dl}: {name}" for name, ok in results.items() if not ok]
    report = "\n".join(lines)
    print(report)  # the figures, with -s
    assert not failed, "\n".join(failed)
    return report


def test_gs1_resolver_conformance_suite_on_demo_uris(client, demo_uris):
    _figures(client, demo_uris, conformance)


def test_what_the_standards_ask_beyond_the_suite(client, demo_uris):
    _figures(client, demo_uris, beyond_the_suite)


def test_the_conformance_checks_can_fail(client, demo_uris):
    """A check of the check: on a made-up GTIN the suite finds what is wrong."""
    results = conformance(client, "https://trace.example.vn/01/08934567890137")
    assert not results["validLinkset"] and not results["defaultTarget"]
    assert results["corsCheck"] and results["rdFile"]


@pytest.mark.parametrize(
    ("name", "schema", "valid"),
    [
        ("valid-gs1-example.json", "gs1", True),
        ("invalid-gs1-example.json", "gs1", False),
        ("invalid-basic-example.json", "gs1", False),
        ("valid-basic-example.json", "rfc9264", True),
        ("invalid-basic-example.json", "rfc9264", False),
        ("invalid-gs1-example.json", "rfc9264", False),
        # GS1's resolver linkset needs itemDescription: the plain RFC 9264 example has none.
        ("valid-basic-example.json", "gs1", False),
    ],
)
def test_gs1_linkset_examples_through_our_validator(name, schema, valid):
    assert (linkset_errors(example(name), schema) == []) is valid
