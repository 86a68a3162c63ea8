"""No 5xx for any input: text that is not text, deep JSON, far times, an unreachable database."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.farm import harvest_lot
from traceapp.audit.models import AuditRecord
from traceapp.batches.models import TraceEvent
from traceapp.cooperatives.models import Member
from traceapp.core.inputs import MAX_JSON_DEPTH, first_not_text, json_too_deep
from traceapp.extensions import db
from traceapp.zones.models import Zone

NOT_TEXT = "holds a character that is not text"
#: Nested far past Python's recursion limit, as a client could send it.
DEEP = "[" * 100_000 + "]" * 100_000


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- the pure checks ---------------------------------------------------------------------------


def test_nesting_is_counted_without_parsing_and_not_inside_strings():
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert not json_too_deep(at_limit)
    assert json_too_deep("[" + at_limit + "]")
    assert json_too_deep(DEEP.encode())
    assert json_too_deep('{"a": ' * 65 + "1" + "}" * 65)
    # Brackets inside strings (escaped quotes included) are text, not nesting.
    assert not json_too_deep(json.dumps({"name": "[" * 500, "q": '\\"[[[' * 100}))
    assert not json_too_deep(json.dumps([[1, 2]] * 10_000))
    assert not json_too_deep(b"\xff\xfe not json")


def test_the_first_string_that_is_not_text_is_named_by_its_path():
    assert first_not_text({"a": ["ok", {"b": "x\x00y"}]}) == "a.1.b"
    assert first_not_text({"events": [{"name": "\ud800"}]}) == "events.0.name"
    assert first_not_text({"ke\x00y": 1}) == "ke\ufffdy"
    assert first_not_text("\x00") == ""
    assert first_not_text({"a": ["emoji 😀", "Việt", 1, None]}) is None


# --- NUL bytes and unpaired surrogates ---------------------------------------------------------


@pytest.mark.parametrize("field", ["email", "password"])
def test_the_login_form_refuses_a_nul_byte_and_names_the_field(client, world, field):
    data = {"email": world.a.manager.email, "password": "correct-horse-battery"}
    data[field] += "\x00"
    r = client.form_post("/login", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert r.mimetype == "text/html"
    assert f"<code>{field}</code>" in html and NOT_TEXT in html
    assert client.get("/").status_code == 302  # not signed in
    assert _count(AuditRecord) == 0  # not even a failed attempt is recorded


def test_a_nul_byte_in_a_form_is_refused_in_the_reader_s_language(manager_client, world):
    coop = world.a.coop
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/new",
        {"full_name": "Người\x00Thử", "gender": "female", "role": "household"},
        headers={"Accept-Language": "vi"},
    )
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "<code>full_name</code>" in html and NOT_TEXT not in html
    assert "Người\x00Thử" not in [m.full_name for m in db.session.scalars(sa.select(Member))]


def test_query_arguments_and_path_parts_are_checked_too(client, manager_client, api_token):
    r = manager_client.get("/lots?q=a%00b")
    assert r.status_code == 400 and "<code>q</code>" in r.get_data(as_text=True)
    r = client.get("/api/v1/zones?q=%00", headers=bearer(api_token))
    assert r.status_code == 422
    assert r.json["code"] == 422 and r.json["status"] == "Unprocessable Entity"
    assert NOT_TEXT in r.json["errors"]["query"]["q"][0]
    r = client.get("/api/v1/labels/AB%00CD.png", headers=bearer(api_token))
    assert r.status_code == 422 and "serial" in r.json["errors"]["path"]
    assert manager_client.get("/label-runs/1/qr/%00.png").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"full_name": "Sen\\u0000"}', "full_name"),
        ('{"full_name": "Sen \\ud800"}', "full_name"),
        ('{"full_name": "Sen", "village": "\\udfff"}', "village"),
        (b'{"full_name": "Sen \xed\xa0\x80"}', "full_name"),  # a surrogate written as UTF-8
        ('{"full_name": "Sen", "na\\u0000me": "x"}', "na\ufffdme"),
    ],
)
def test_api_strings_that_are_not_text_are_refused_naming_the_field(
    client, api_token, world, body, field
):
    before = _count(Member)
    r = client.post(
        f"/api/v1/cooperatives/{world.a.coop.id}/members",
        data=body,
        content_type="application/json",
        headers=bearer(api_token),
    )
    assert r.status_code == 422, r.json
    assert set(r.json) == {"code", "status", "message", "errors"}
    assert NOT_TEXT in r.json["errors"]["json"][field][0]
    assert _count(Member) == before


def test_nested_api_strings_are_named_by_their_path(client, api_token, farm):
    lot = harvest_lot(farm)
    before = _count(TraceEvent)
    body = {
        "biz_step": "inspecting",
        "disposition": "conformant",
        "details": {"notes": ["fine", "mouldy\u0000"]},
    }
    r = client.post(f"/api/v1/batches/{lot.id}/events", json=body, headers=bearer(api_token))
    assert r.status_code == 422
    assert list(r.json["errors"]["json"]) == ["details.notes.1"]
    assert _count(TraceEvent) == before


def test_text_inside_uploaded_files_is_checked_where_it_is_read(manager_client, farm, world):
    # Member files: the dry run names the cell by line and column, and offers no import.
    csv = "Họ và tên,Giới tính\nVõ Thị Sen\x00,Nữ\n".encode()
    r = manager_client.form_post(
        f"/cooperatives/{world.a.coop.id}/members/import",
        {"file": (io.BytesIO(csv), "members.csv")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert "<td>2</td><td>Họ và tên</td><td>This holds a character that is not text" in html
    assert "import_id" not in html  # nothing to confirm
    assert "Võ Thị Sen\x00" not in [m.full_name for m in db.session.scalars(sa.select(Member))]
    # EPCIS files: the string is named by its path in the document.
    doc = json.dumps({"type": "EPCISDocument", "epcisBody": {"eventList": [{"bizStep": "\x00"}]}})
    r = manager_client.form_post(
        "/lots/epcis-import",
        {"file": (io.BytesIO(doc.encode()), "partner.jsonld")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "epcisBody.eventList.0.bizStep" in r.get_data(as_text=True)


# --- JSON nested too deep ----------------------------------------------------------------------


def test_api_bodies_nested_too_deep_are_refused_before_parsing(client, api_token, world):
    before = _count(Member)
    for url in (f"/api/v1/cooperatives/{world.a.coop.id}/members", "/api/v1/epcis/import"):
        for body in (DEEP, '{"full_name": ' + DEEP + "}"):
            r = client.post(
                url, data=body, content_type="application/json", headers=bearer(api_token)
            )
            assert r.status_code == 422, url
            assert r.json["message"] == "The JSON is nested more than 64 levels deep."
    assert _count(Member) == before


def test_geojson_nested_too_deep_is_a_geometry_error(client, api_token, manager_client):
    from tests.zones.test_web import FORM

    before = _count(Zone)
    r = manager_client.form_post("/zones/new", FORM | {"geometry": DEEP})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="geometry-err"' in html and "nested more than 64 levels" in html
    upload = (io.BytesIO(DEEP.encode()), "plot.geojson")
    r = manager_client.form_post(
        "/zones/new", FORM | {"geometry_file": upload}, content_type="multipart/form-data"
    )
    assert r.status_code == 422
    assert 'id="geometry_file-err"' in r.get_data(as_text=True)
    assert _count(Zone) == before


def test_an_epcis_file_nested_too_deep_is_refused(manager_client, world):
    r = manager_client.form_post(
        "/lots/epcis-import",
        {"file": (io.BytesIO(DEEP.encode()), "partner.jsonld")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "nested more than 64 levels" in r.get_data(as_text=True)


# --- event times off the calendar --------------------------------------------------------------

FAR = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T23:00:00+07:00"]


@pytest.mark.parametrize("when", FAR)
def test_api_event_times_outside_1900_to_2200_are_refused_naming_event_time(
    client, api_token, farm, when
):
    lot = harvest_lot(farm)
    before = _count(TraceEvent)
    r = client.post(
        f"/api/v1/batches/{lot.id}/events",
        json={"biz_step": "inspecting", "event_time": when},
        headers=bearer(api_token),
    )
    assert r.status_code == 422
    assert r.json["errors"]["json"]["event_time"] == [
        "Give a time between the years 1900 and 2200."
    ]
    body = {
        "product_id": farm.peanuts.id,
        "production_date": "2026-03-10",
        "quantity": "10",
        "unit": "KGM",
        "event_time": when,
    }
    r = client.post("/api/v1/batches", json=body, headers=bearer(api_token))
    assert r.status_code == 422 and "event_time" in r.json["errors"]["json"]
    # A lot dated so is refused by its date, which would date its commissioning event.
    body |= {"production_date": when[:10]}
    del body["event_time"]
    r = client.post("/api/v1/batches", json=body, headers=bearer(api_token))
    assert r.status_code == 422 and list(r.json["errors"]["json"]) == ["production_date"]
    r = client.get("/api/v1/epcis", query_string={"start": when}, headers=bearer(api_token))
    assert r.status_code == 422 and "start" in r.json["errors"]["query"]
    assert _count(TraceEvent) == before


def test_the_event_form_refuses_a_time_off_the_calendar(manager_client, farm):
    lot = harvest_lot(farm)
    before = _count(TraceEvent)
    r = manager_client.form_post(
        f"/lots/{lot.id}/events",
        {
            "e-biz_step": "inspecting",
            "e-disposition": "conformant",
            "e-event_time": "0001-01-01T00:00",
            "e-unit": "KGM",
            "e-zone_code": "",
            "e-party_type": "owning_party",
        },
    )
    assert r.status_code == 422
    assert 'id="e-event_time-err">Give a time between the years 1900 and 2200.' in r.get_data(
        as_text=True
    )
    assert _count(TraceEvent) == before


def test_an_imported_event_off_the_calendar_is_refused_naming_event_time(client, api_token, farm):
    lot = harvest_lot(farm, product=farm.peanuts_packed)
    ours = f"https://id.gs1.org/01/08934567890120/10/{lot.code}"
    before = _count(TraceEvent)
    doc = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-04-01T08:00:00+07:00",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventID": "urn:uuid:7d2c1a2e-0000-4000-8000-00000000000f",
                    "eventTime": "0001-01-01T00:00:00+14:00",
                    "eventTimeZoneOffset": "+14:00",
                    "action": "OBSERVE",
                    "bizStep": "receiving",
                    "quantityList": [{"epcClass": ours, "quantity": 4, "uom": "KGM"}],
                }
            ]
        },
    }
    r = client.post("/api/v1/epcis/import", json=doc, headers=bearer(api_token))
    assert r.status_code == 422, r.json
    assert r.json["errors"]["json"]["event_time"] == [
        "Give a time between the years 1900 and 2200."
    ]
    assert _count(TraceEvent) == before


# --- the database cannot be reached ------------------------------------------------------------


@pytest.fixture(params=["postgresql", "sqlite"])
def cut_off(request, tmp_path):
    """An app whose database cannot be reached: a PostgreSQL port nobody listens on, or a
    SQLite "file" that is a directory."""
    import socket

    from tests.conftest import make_app

    if request.param == "postgresql":
        with socket.socket() as s:  # a port that was free a moment ago: nothing listens
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"postgresql://traceapp@127.0.0.1:{port}/traceapp"
    else:
        url = f"sqlite:///{tmp_path}"
    return make_app(url, tmp_path / "instance", TRACEAPP_PUBLIC_BASE_URL="https://t.example.vn")


def test_a_database_outage_answers_503_with_retry_after(cut_off, caplog):
    caplog.set_level("ERROR", logger="traceapp")
    client = cut_off.test_client()
    answers = {
        "health check": client.get("/healthz", headers={"Accept": "text/html"}),
        "login": client.form_post("/login", {"email": "a@example.test", "password": "x" * 12}),
        "scan": client.get("/l/ABCDEFGHJKMNPQRS"),
        "lot page": client.get("/01/08934567890120/10/XP-2026-0001"),
    }
    for what, r in answers.items():
        assert r.status_code == 503, what
        # (On a rate-limited route such as the login, Flask-Limiter may ask for longer.)
        assert int(r.headers["Retry-After"]) >= 30, what
        assert r.mimetype == "text/html", what
        html = r.get_data(as_text=True)
        assert "Temporarily unavailable" in html, what
        assert "Try again in a few minutes." in html, what
        assert "Traceback" not in html and "psycopg" not in html, what
    vi = client.get("/healthz", headers={"Accept": "text/html", "Accept-Language": "vi"})
    assert vi.status_code == 503 and "Tạm thời gián đoạn" in vi.get_data(as_text=True)
    api = client.get("/api/v1/me", headers=bearer("ta_" + "x" * 40))
    assert api.status_code == 503 and int(api.headers["Retry-After"]) >= 30
    assert api.json == {
        "code": 503,
        "status": "Service Unavailable",
        "message": "The service is unavailable for a moment. Try again in a few minutes.",
    }
    # One line per request, without a traceback, the scan fast path's attempt included.
    assert any("database unavailable" in rec.getMessage() for rec in caplog.records)
    assert not [rec for rec in caplog.records if rec.exc_info]
