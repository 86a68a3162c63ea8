"""The GS1 resolver as a shopper, a scanner app and a GS1 tool each meet it."""

from __future__ import annotations

import sqlalchemy as sa

from traceapp.extensions import db
from traceapp.public.models import LabelScan

CURL = {"Accept": "*/*"}
BASE = "https://trace.example.vn"


def _scans() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LabelScan))


def test_a_gtin_alone_offers_no_lot_link_types(client, labelled):
    url = f"/01/{labelled.gtin}"
    for rel in ("gs1:epcis", "gs1:traceability", "gs1:recallStatus", "gs1:certificationInfo"):
        r = client.get(f"{url}?linkType={rel}")
        assert r.status_code == 404, rel
        assert "Scan the code on your package" not in r.get_data(as_text=True), rel
    pip = client.get(f"{url}?linkType=gs1:pip")
    assert pip.status_code == 307
    assert pip.headers["Location"] == f"{BASE}/p/01/{labelled.gtin}"
    followed = client.get(pip.headers["Location"])
    assert "Scan the code on your package" in followed.get_data(as_text=True)


def test_link_types_redirect_with_the_query_string_passed_on(client, labelled):
    url = labelled.url(labelled.serials[0])
    r = client.get(f"{url}?linkType=gs1:recallStatus&foo=bar&lang=fr")
    assert r.status_code == 307
    lot_path = f"/01/{labelled.gtin}/10/{labelled.packed.code}"
    assert r.headers["Location"] == f"{BASE}/gs1/recall-status{lot_path}?foo=bar&lang=fr"
    assert 'rel="linkset"' in r.headers["Link"]
    assert r.headers["Cache-Control"] == "no-store"
    for full in ("https://gs1.org/voc/recallStatus", "https://ref.gs1.org/voc/recallStatus"):
        same = client.get(url, query_string={"linkType": full, "foo": "bar", "lang": "fr"})
        assert same.headers["Location"] == r.headers["Location"], full
    assert client.get(f"{url}?linkType=gs1:nosuchlt").status_code == 404
    assert client.get(f"{url}?linkType=https://example.com/voc/pip").status_code == 404


def test_only_the_page_of_a_label_counts_as_a_scan(client, labelled):
    """Redirects to other link types and the linkset are not a shopper's scan: a GS1 tool
    or an app asking for the EPCIS events does not inflate the count or look like a copy.
    The page counts once, whether a browser gets it in place or a client follows the 307."""
    url = labelled.url(labelled.serials[0])
    before = _scans()
    for query in ("?linkType=gs1:epcis", "?linkType=gs1:pip", "?linkType=linkset"):
        client.get(url + query, headers=CURL)
    client.get(url, headers={"Accept": "application/linkset+json"})
    redirect = client.get(url, headers=CURL)
    assert redirect.status_code == 307
    assert _scans() == before
    client.get(redirect.headers["Location"], headers=CURL)  # the client follows it
    assert _scans() == before + 1
    client.get(url)  # a browser
    assert _scans() == before + 2


def test_an_unknown_lot_walks_up_to_the_product_and_says_so(client, labelled):
    url = f"/01/{labelled.gtin}/10/NO-SUCH-LOT"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This lot or serial number is not registered" in html
    assert "may not be genuine" in html and "Genuine label" not in html
    assert page.headers["Cache-Control"] == "no-store"
    redirect = client.get(url, headers=CURL)
    assert redirect.status_code == 307
    assert redirect.headers["Location"] == f"{BASE}/p{url}"
    assert "is not registered" in client.get(redirect.headers["Location"]).get_data(as_text=True)
    doc = client.get(url, headers={"Accept": "application/linkset+json"}).json
    assert [entry["anchor"] for entry in doc["linkset"]] == [f"{BASE}/01/{labelled.gtin}"]
    # An unknown GTIN is unknown however it is asked.
    for headers in ({}, CURL, {"Accept": "application/linkset+json"}):
        assert client.get("/01/08934567890137/10/X", headers=headers).status_code == 404


def test_an_unknown_serial_of_a_known_lot_walks_up_to_the_lot(client, labelled):
    lot_path = f"/01/{labelled.gtin}/10/{labelled.packed.code}"
    url = f"{lot_path}/21/NOTAREALSERIAL01"
    doc = client.get(url, headers={"Accept": "application/linkset+json"}).json
    anchors = [entry["anchor"] for entry in doc["linkset"]]
    assert anchors == [BASE + lot_path, f"{BASE}/01/{labelled.gtin}"]
    epcis = client.get(f"{url}?linkType=gs1:epcis", headers=CURL)
    assert epcis.headers["Location"] == f"{BASE}/gs1/epcis{lot_path}"
    page = client.get(url)
    assert "This lot or serial number is not registered" in page.get_data(as_text=True)


def test_caches_keep_the_linkset_and_the_page_apart(client, labelled):
    for url in (labelled.url(labelled.serials[0]), f"/01/{labelled.gtin}"):
        page = client.get(url)
        negotiated = client.get(url, headers={"Accept": "application/linkset+json"})
        asked = client.get(url + "?linkType=linkset")
        for r in (page, negotiated, asked, client.get(url, headers=CURL)):
            assert "Accept" in [v.strip() for v in r.headers["Vary"].split(",")], url
        assert page.mimetype == "text/html"
        assert negotiated.mimetype == "application/linkset+json"
        # Asked for by Accept alone, the linkset is never kept by a shared cache.
        assert negotiated.headers["Cache-Control"].startswith("private")
        context = 'rel="http://www.w3.org/ns/json-ld#context"'
        assert context in negotiated.headers["Link"]


def test_cors_and_the_three_methods(client, labelled):
    url = labelled.url(labelled.serials[0])
    options = client.options(url, headers={"Origin": "https://app.example"})
    assert options.status_code == 200
    assert options.headers["Access-Control-Allow-Origin"] == "*"
    for method in ("GET", "HEAD", "OPTIONS"):
        assert method in options.headers["Access-Control-Allow-Methods"]
    assert 'rel="linkset"' in options.headers["Link"]
    head = client.head(url, headers=CURL)
    assert head.status_code == 307 and head.headers["Access-Control-Allow-Origin"] == "*"
    exposed = client.get(url, headers=CURL).headers["Access-Control-Expose-Headers"]
    assert "Location" in exposed and "Link" in exposed
    described = client.get("/.well-known/gs1resolver/")
    assert described.headers["Access-Control-Allow-Origin"] == "*"


def test_the_default_link_is_the_page_in_the_readers_language(client, labelled):
    url = labelled.url(labelled.serials[0])
    doc = client.get(url + "?linkType=linkset").json
    default = doc["linkset"][0]["https://gs1.org/voc/defaultLink"]
    assert default == [{"href": f"{BASE}/p{url}", "title": "Provenance of this label"}]
    assert default[0]["href"] != doc["linkset"][0]["anchor"]
    redirect = client.get(url, headers={"Accept": "*/*", "Accept-Language": "fr"})
    page = client.get(redirect.headers["Location"], headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert 'lang="fr"' in page.get_data(as_text=True)
    titles = client.get(url + "?linkType=linkset", headers={"Accept-Language": "vi"}).json
    assert titles["linkset"][0]["https://gs1.org/voc/defaultLink"][0]["title"] != (
        "Provenance of this label"
    )
