"""The GS1 Digital Link resolver: routes, strict parsing, link types, linksets, 404 parity."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.labels.models import Label
from traceapp.public.models import LabelScan
from traceapp.public.resolver import BadPath, parse_digital_link


def test_the_path_parser_is_strict():
    res = parse_digital_link("/01/8934567890120/10/XP-2026-0001/21/ABC123")
    assert (res.gtin, res.lot, res.serial) == ("08934567890120", "XP-2026-0001", "ABC123")
    assert parse_digital_link("/01/08934567890120").gtin == "08934567890120"
    for bad in (
        "/01/8934567890121",
        "/01/893456789012X",
        "/01/08934567890120/21/A/10/B",
        "/01/08934567890120/10/A/10/B",
        "/01/08934567890120/99/A",
        "/01/08934567890120/10",
        "/01/08934567890120/10/" + "A" * 21,
        "/01/08934567890120/10/lô-1",
        "/02/08934567890120",
    ):
        with pytest.raises(BadPath):
            parse_digital_link(bad)


def test_all_gtin_forms_resolve_alike(client, labelled):
    serial = labelled.serials[0]
    lot = labelled.packed.code
    for gtin in ("8934567890120", "08934567890120"):
        r = client.get(f"/01/{gtin}/10/{lot}/21/{serial}")
        assert r.status_code == 200
        assert "Peanuts 500 g" in r.get_data(as_text=True)


def test_malformed_paths_are_400_and_never_query(client, labelled, monkeypatch):
    from traceapp.public import views
    from traceapp.public.scan import resolve

    def boom(*_a, **_k):
        raise AssertionError("the database was asked")

    monkeypatch.setattr(resolve, "lookup_serial", boom)
    monkeypatch.setattr(views, "product_by_gtin", boom)
    for url in (
        f"/01/{labelled.gtin}/21/{labelled.serials[0]}/10/{labelled.packed.code}",
        "/01/1234/10/A",
        "/01/08934567890121",
        "/l/" + "Z" * 25,
        f"/01/{labelled.gtin}/10/A/foo?linkType=linkset",
    ):
        r = client.get(url)
        assert r.status_code == 400, url
        assert "Traceback" not in r.get_data(as_text=True)


@pytest.mark.parametrize("fast", [True, False])
def test_gtins_of_other_digits_are_400_on_both_paths(app, client, labelled, fast):
    serial = labelled.serials[0]
    app.config["TRACEAPP_SCAN_FAST_PATH"] = fast
    try:
        for gtin in ("89345678901²0", "٨٩٣٤٥٦٧٨٩٠١٢٠", "８９３４５６７８９０１２０"):
            for url in (f"/01/{gtin}", f"/01/{gtin}/10/{labelled.packed.code}/21/{serial}"):
                r = client.get(url)
                assert r.status_code == 400, url
                # (Under the test client the fast path's attempt may fix the page's language.)
                page = r.get_data(as_text=True)
                assert "Unreadable code" in page or "Mã không đọc được" in page, url
    finally:
        app.config["TRACEAPP_SCAN_FAST_PATH"] = True


def test_a_cpv_or_lot_named_21_is_not_a_serial(client, labelled, caplog):
    # "/21/" in the path is the CPV here, not the serial: the lot page answers, with no
    # traceback from the fast path.
    caplog.set_level("ERROR", logger="traceapp")
    r = client.get(f"/01/{labelled.gtin}/22/21/10/{labelled.packed.code}")
    assert r.status_code == 200
    assert "Peanuts 500 g" in r.get_data(as_text=True)
    assert not [rec for rec in caplog.records if rec.levelname == "ERROR"]


def test_unknown_and_voided_serials_are_told_apart_and_logged(client, labelled):
    """Issue 17: a withdrawn label says it was withdrawn (410), a made-up serial that it may
    not be genuine (GS1 walks up to the known product: 200, the page says the serial is not
    registered); neither is cached, and both scans are logged."""
    actor = labelled.farm.world.a.manager
    voided = labelled.serials[1]
    labels.void_labels(actor, labelled.run, reason="torn", serial=voided)
    never = "ZZZZZZZZZZZZZZZZ"
    a = client.get(labelled.url(voided))
    b = client.get(labelled.url(never))
    assert (a.status_code, b.status_code) == (410, 200)
    assert "This label was withdrawn" in a.get_data(as_text=True)
    assert "Possibly not a genuine label" in b.get_data(as_text=True)
    assert "This lot or serial number is not registered" in b.get_data(as_text=True)
    for page in (a, b):
        assert "Genuine label" not in page.get_data(as_text=True)
    # Without a GTIN nothing is known of a serial nobody issued: the page that tells nothing.
    assert client.get(f"/l/{never}").status_code == 404
    assert client.get(f"/l/{voided}").status_code == 410
    assert a.headers["Cache-Control"] == b.headers["Cache-Control"] == "no-store"
    # both scans are logged: the voided one flags the label, the unknown one is evidence
    outcomes = dict(
        db.session.execute(sa.select(LabelScan.outcome, LabelScan.unknown_serial)).all()
    )
    assert outcomes["unknown"] == never and "voided" in outcomes
    flagged = db.session.scalar(sa.select(Label.flag_reason).where(Label.serial == voided))
    assert flagged == "scan of a voided serial"


def test_a_serial_under_the_wrong_lot_cannot_be_verified(client, labelled):
    r = client.get(f"/01/{labelled.gtin}/10/OTHER-LOT/21/{labelled.serials[0]}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "We cannot verify this label" in html
    assert "Genuine label" not in html
    scan = db.session.scalars(sa.select(LabelScan).order_by(LabelScan.id.desc())).first()
    assert scan.outcome == "mismatch" and scan.flagged


def test_short_links_for_products_without_gtin(client, labelled):
    r = client.get(f"/l/{labelled.raw[0]}")
    assert r.status_code == 200
    assert "Đậu phộng thô" in r.get_data(as_text=True)


def test_lot_and_product_pages(client, labelled):
    lot = client.get(f"/01/{labelled.gtin}/10/{labelled.packed.code}")
    assert lot.status_code == 200
    assert labelled.packed.code in lot.get_data(as_text=True)
    assert "Genuine label" not in lot.get_data(as_text=True)  # no serial, no authenticity
    assert lot.headers["Cache-Control"].startswith("public")
    product = client.get(f"/01/{labelled.gtin}")
    assert product.status_code == 200
    assert "Scan the code on your package" in product.get_data(as_text=True)
    assert client.get("/01/08934567890137").status_code == 404


#: Every way of asking for a lot without a serial: the page, the linkset both ways, and each
#: link type that says something about the lot.
LOT_ASKS = (
    ("", {}),
    ("?linkType=linkset", {}),
    ("", {"Accept": "application/linkset+json"}),
    ("?linkType=gs1:epcis", {}),
    ("?linkType=gs1:recallStatus", {}),
    ("?linkType=gs1:traceability", {}),
    ("?linkType=gs1:certificationInfo", {}),
)


def _asks(client, url):
    return [client.get(url + query, headers=headers) for query, headers in LOT_ASKS]


def _packed_lot(labelled, code, *, close):
    from tests.farm import harvest_lot

    farm = labelled.farm
    return harvest_lot(
        farm,
        "10",
        [(farm.growers[0], farm.field, "10")],
        close=close,
        product=farm.peanuts_packed,
        code=code,
    )


@pytest.mark.parametrize("close", [False, True], ids=["open", "closed"])
def test_a_lot_never_labelled_is_as_unknown_as_a_lot_that_does_not_exist(client, labelled, close):
    # Lot codes run in sequence: answering for unlabelled lots let anyone walk them.
    lot = _packed_lot(labelled, "XP-2026-0777", close=close)
    url = f"/01/{labelled.gtin}/10/{lot.code}"
    unknown = _asks(client, f"/01/{labelled.gtin}/10/XP-2026-0778")
    for asked, answer, stranger in zip(LOT_ASKS, _asks(client, url), unknown, strict=True):
        # Both fall back to the GTIN alike (the page says the lot is not registered; the
        # linkset has the product's links only; the lot's own link types are 404).
        assert answer.status_code == stranger.status_code, asked
        assert answer.status_code == (404 if asked[0].startswith("?linkType=gs1:") else 200)
        assert answer.get_data() == stranger.get_data(), asked
        assert answer.headers["Cache-Control"] == stranger.headers["Cache-Control"], asked
        assert lot.code not in answer.get_data(as_text=True), asked
    # A label issued for it opens its page.
    labels.issue_run(labelled.farm.world.a.manager, lot, count=2)
    assert client.get(url).status_code == 200
    assert lot.code in client.get(url).get_data(as_text=True)


def test_a_lot_whose_labels_are_all_voided_is_no_longer_public(client, labelled):
    url = f"/01/{labelled.gtin}/10/{labelled.packed.code}"
    actor = labelled.farm.world.a.manager
    labels.void_labels(actor, labelled.run, reason="torn", first=1, last=4)
    assert client.get(url).status_code == 200  # one label is still live
    labels.void_labels(actor, labelled.run, reason="torn", serial=labelled.serials[4])
    for asked, answer in zip(LOT_ASKS, _asks(client, url), strict=True):
        assert answer.status_code in (200, 404), asked
        assert labelled.packed.code not in answer.get_data(as_text=True), asked
    assert "is not registered" in client.get(url).get_data(as_text=True)


def test_a_lot_level_label_opens_its_lot(client, labelled):
    # Copies of one lot-level label print the lot's URL without a serial: it must answer.
    lot = _packed_lot(labelled, "XP-2026-0779", close=True)
    labels.issue_run(labelled.farm.world.a.manager, lot, count=12, kind="lot_copies")
    url = f"/01/{labelled.gtin}/10/{lot.code}"
    page = client.get(url)
    assert page.status_code == 200
    assert lot.code in page.get_data(as_text=True)
    linkset = client.get(url, headers={"Accept": "application/linkset+json"})
    assert linkset.status_code == 200
    assert "https://gs1.org/voc/epcis" in linkset.json["linkset"][0]
    epcis = client.get(
        url + "?linkType=gs1:epcis", follow_redirects=True, base_url="https://trace.example.vn"
    )
    assert epcis.status_code == 200 and epcis.json["type"] == "EPCISDocument"


def test_linkset_by_link_type_and_by_accept_header(client, labelled):
    from tests.public.gs1_conformance import linkset_errors

    url = labelled.url(labelled.serials[0])
    by_param = client.get(url + "?linkType=linkset")
    by_all = client.get(url + "?linkType=all")
    by_accept = client.get(url, headers={"Accept": "application/linkset+json"})
    for r in (by_param, by_all, by_accept):
        assert r.status_code == 200
        assert r.mimetype == "application/linkset+json"
        doc = json.loads(r.data)
        assert linkset_errors(doc) == []
        assert doc["linkset"][0]["anchor"].endswith(url)
        offered = {rel for level in doc["linkset"] for rel in level if rel.startswith("https")}
        for rel in ("defaultLink", "pip", "traceability", "recallStatus", "epcis"):
            assert f"https://gs1.org/voc/{rel}" in offered
    as_json = client.get(url, headers={"Accept": "application/json"})
    assert as_json.mimetype == "application/json"
    assert json.loads(as_json.data) == json.loads(by_accept.data)
    page = client.get(url)
    assert 'rel="linkset"' in page.headers["Link"]


def test_link_types(client, labelled):
    base = labelled.url(labelled.serials[0])

    def follow(link_type):
        return client.get(
            f"{base}?linkType={link_type}",
            follow_redirects=True,
            base_url="https://trace.example.vn",
        )

    pip = follow("gs1:pip")
    assert "Scan the code on your package" in pip.get_data(as_text=True)
    trace = follow("gs1:traceability")
    assert "What happened to it" in trace.get_data(as_text=True)
    status = follow("gs1:recallStatus")
    assert status.json == {"lot": labelled.packed.code, "recalled": False}
    certs = follow("gs1:certificationInfo").json
    assert certs["collective_mark"]["name"] == labelled.farm.mark.name
    epcis = follow("gs1:epcis")
    assert epcis.mimetype == "application/ld+json"
    doc = epcis.json
    assert doc["type"] == "EPCISDocument"
    text = json.dumps(doc, ensure_ascii=False)
    # public fields only: no buyer names, no member names
    for member in labelled.farm.world.a.members:
        assert member.full_name not in text


def test_well_known_resolver_description(client):
    for path in ("/.well-known/gs1resolver", "/.well-known/gs1resolver/"):
        r = client.get(path)
        assert r.status_code == 200
        assert r.json["supportedPrimaryKeys"] == ["01"]
        assert r.json["resolverRoot"] == "https://trace.example.vn"
        assert {"namespace": "https://gs1.org/voc/", "prefix": "gs1:"} in r.json[
            "supportedLinkType"
        ]
        assert r.json["jsonLdContextLocation"].startswith("https://")
        assert "supportedLinkTypes" not in r.json
        assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_old_hosts_redirect_to_the_public_address(app, client, labelled):
    app.config["TRACEAPP_LEGACY_HOSTS"] = ["old.example.vn"]
    try:
        r = client.get(labelled.url(labelled.serials[0]), base_url="https://old.example.vn")
    finally:
        app.config["TRACEAPP_LEGACY_HOSTS"] = []
    assert r.status_code == 301
    assert r.headers["Location"] == "https://trace.example.vn" + labelled.url(labelled.serials[0])


def test_the_resolver_check_digit_agrees_with_biip():
    import random

    from traceapp.gs1 import GtinError, normalise_gtin
    from traceapp.public.resolver import gtin14

    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice("0123456789") for _ in range(rng.choice((8, 12, 13, 14))))
        try:
            expected = normalise_gtin(text)
        except GtinError:
            expected = None
        try:
            got = gtin14(text)
        except BadPath:
            got = None
        assert got == expected, text


def test_a_made_up_serial_under_a_real_product_is_tied_to_its_cooperative(client, labelled):
    client.get(f"/01/{labelled.gtin}/10/{labelled.packed.code}/21/FAKE000000000001")
    client.get("/l/FAKE000000000002")
    scans = {s.unknown_serial: s for s in db.session.scalars(sa.select(LabelScan))}
    tied = scans["FAKE000000000001"]
    assert tied.cooperative_id == labelled.farm.coop.id
    assert tied.lot_id == labelled.packed.id
    assert scans["FAKE000000000002"].cooperative_id is None


@pytest.mark.parametrize(
    ("accept", "status"),
    [("*/*", 307), ("text/html,application/xhtml+xml,*/*;q=0.8", 200), ("text/html", 200)],
)
def test_a_browser_gets_the_page_and_other_clients_the_redirect(client, labelled, accept, status):
    """A browser names HTML: it gets the provenance page at once, on the first scan (Flask)
    and the next (the fast path). A client that takes anything (curl, a GS1 tool) gets the
    standard's 307 to the default link, the same page; the short link is always the page."""
    url = labelled.url(labelled.serials[0])
    headers = {"Accept": accept} if accept else {}
    for _ in range(2):
        r = client.get(url, headers=headers)
        assert r.status_code == status
        assert r.headers["Vary"] == "Accept, Accept-Language, Cookie"
        page = "https://trace.example.vn/p" + url
        if status == 307:
            assert r.headers["Location"] == page
        else:
            assert r.mimetype == "text/html"
            assert r.headers["Content-Location"] == page
        short = client.get(f"/l/{labelled.serials[1]}", headers=headers)
        assert short.status_code == 200 and short.mimetype == "text/html"
