"""Issue 17 item 4: Report a problem, with no JavaScript, from the label's pages to the
cooperative and the authority; rate-limited, CSRF-protected, nothing stored from a flood."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.conftest import login
from traceapp.authority import flags
from traceapp.authority import services as authority
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.reports import services as reports
from traceapp.reports.models import ProblemReport

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) or 0


def _report_link(client, url: str, lang: str = "en") -> str:
    html = client.get(url, query_string={"lang": lang}).get_data(as_text=True)
    link = re.search(r'href="(/report\?about=[^"]+)"', html)
    assert link, "the page links to Report a problem"
    return link.group(1).replace("&amp;", "&")


def _send(client, link: str, **data):
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = _CSRF.search(html).group(1)
    about = re.search(r'name="about"[^>]*value="([^"]*)"', html) or re.search(
        r'value="([^"]*)"[^>]*name="about"', html
    )
    form = {"csrf_token": token, "about": about.group(1).replace("&amp;", "&")}
    form.update({"kind": "fake", "text": "The print is blurry and the seal is missing."})
    form.update(data)
    return client.post("/report", data=form, content_type="multipart/form-data")


def test_a_shopper_reports_a_label_and_the_cooperative_and_authority_see_it(
    app, client, labelled, world
):
    link = _report_link(client, labelled.url(labelled.serials[0]))
    page = app.test_client().get(link + "&lang=vi").get_data(as_text=True)
    assert "Báo cáo vấn đề" in page and "<script" not in page
    assert "Tem hoặc sản phẩm có vẻ là hàng giả" in page
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(photo, "PNG")
    photo.seek(0)
    answer = _send(client, link, contact="0905 111 222", photo=(photo, "seal.png"))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:800]
    assert "your report was sent" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    stored = db.session.scalars(sa.select(ProblemReport)).one()
    assert stored.cooperative_id == world.a.coop.id
    assert stored.serial == labelled.serials[0] and stored.label_state == "genuine"
    assert stored.contact == "0905 111 222" and stored.photo_id is not None

    # The cooperative's staff see it, with its photo; the other cooperative does not.
    manager = app.test_client()
    login(manager, world.a.manager.email)
    listing = manager.get("/problem-reports").get_data(as_text=True)
    assert "The label or product looks fake" in listing and "seal is missing" in listing
    assert "genuine label" in listing
    assert manager.get(f"/problem-reports/{stored.id}/photo").status_code == 200
    other = app.test_client()
    login(other, world.b.manager.email)
    assert "seal is missing" not in other.get("/problem-reports").get_data(as_text=True)
    assert other.get(f"/problem-reports/{stored.id}/photo").status_code == 404

    # The authority's flag list holds it until the cooperative marks it handled.
    scope = authority.scope_for(world.auditor)
    [flag] = flags.compute_flags(scope, kinds=["shopper_reports"])
    assert flag.cooperative_id == world.a.coop.id and "1 problem reported" in flag.message
    done = manager.form_post(f"/problem-reports/{stored.id}/handled", {"note": "called back"})
    assert done.status_code == 302
    assert flags.compute_flags(scope, kinds=["shopper_reports"]) == []


def test_the_label_page_stays_cacheable_and_carries_no_token(client, labelled):
    r = client.get(labelled.url(labelled.serials[1]))
    html = r.get_data(as_text=True)
    assert "Report a problem" in html and "csrf_token" not in html
    assert "session" not in r.headers.get("Set-Cookie", "")
    lot_page = client.get(f"/01/{labelled.gtin}/10/{labelled.packed.code}")
    assert lot_page.headers["Cache-Control"].startswith("public")
    assert "/report?about=" in lot_page.get_data(as_text=True)


def test_the_voided_and_unregistered_pages_link_to_the_form(client, labelled):
    serial = labelled.serials[4]
    labels.void_labels(
        labelled.farm.world.a.manager,
        labelled.run,
        reason="lost roll",
        kind="lost_or_stolen",
        serial=serial,
    )
    link = _report_link(client, labelled.url(serial))
    answer = _send(client, link, kind="other", text="Found on a market stall")
    assert answer.status_code == 200
    assert db.session.scalars(sa.select(ProblemReport.label_state)).one() == "voided"
    made_up = _report_link(client, labelled.url("QQQQQQQQQQQQ"))
    assert "QQQQQQQQQQQQ" in made_up
    assert _send(client, made_up).status_code == 200
    assert _count() == 2


def test_a_code_that_names_nothing_gets_no_form(client):
    r = client.get("/report", query_string={"about": "https://x.example/01/09999999999999/21/AB"})
    assert r.status_code == 404 and "We cannot tell whose label this is" in r.get_data(True)
    assert client.get("/report", query_string={"about": "javascript:alert(1)"}).status_code == 404


def test_without_the_csrf_token_nothing_is_stored(client, labelled):
    link = _report_link(client, labelled.url(labelled.serials[0]))
    client.get(link)
    about = link.split("about=", 1)[1]
    r = client.post("/report", data={"about": about, "kind": "fake", "text": "no token here"})
    assert r.status_code in (400, 422)
    assert _count() == 0


def test_a_bad_photo_or_empty_text_is_refused_with_the_field_named(client, labelled):
    link = _report_link(client, labelled.url(labelled.serials[0]))
    r = _send(client, link, photo=(io.BytesIO(b"<svg></svg>"), "x.svg"))
    assert r.status_code == 422 and 'class="error"' in r.get_data(True)
    r = _send(client, link, text="")
    assert r.status_code == 422
    assert _count() == 0


def test_a_flood_from_one_address_stores_nothing_past_the_limit(app, client, labelled):
    link = _report_link(client, labelled.url(labelled.serials[0]))
    before = app.config["TRACEAPP_REPORT_RATE_LIMIT"]
    app.config["TRACEAPP_REPORT_RATE_LIMIT"] = "3 per hour"
    try:
        answers = [_send(client, link, text=f"report {i}").status_code for i in range(5)]
    finally:
        app.config["TRACEAPP_REPORT_RATE_LIMIT"] = before
    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]
    assert _count() == 3


def test_a_label_holds_a_bounded_number_of_open_reports(labelled, monkeypatch):
    monkeypatch.setattr(reports, "MAX_OPEN_PER_TARGET", 2)
    target = reports.target_of(labelled.url(labelled.serials[0]), "en")
    assert target is not None and target.state == "genuine"
    kept = [
        reports.file_report(target, kind="fake", text="again", contact=None, photo=None, lang="en")
        for _ in range(4)
    ]
    assert [k is not None for k in kept] == [True, True, False, False]
    assert _count() == 2


@pytest.mark.parametrize("lang", ["fr", "zh"])
def test_the_form_speaks_the_shoppers_language(client, labelled, lang):
    link = _report_link(client, labelled.url(labelled.serials[0]))
    html = client.get(f"{link}&lang={lang}").get_data(as_text=True)
    assert {"fr": "Signaler un problème", "zh": "报告问题"}[lang] in html
