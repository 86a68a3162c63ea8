"""The app factory, configuration, database tuning, README commands and the demo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES, make_app, scratch_database_url
from traceapp import create_app
from traceapp.config import ConfigError
from traceapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("TRACEAPP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.invalid/traceapp")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_sqlite_without_opt_in(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TRACEAPP_ALLOW_SQLITE", raising=False)
    with pytest.raises(ConfigError, match="TRACEAPP_ALLOW_SQLITE"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
    monkeypatch.setenv("TRACEAPP_ALLOW_SQLITE", "1")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_development_secret_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACEAPP_ENV", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@localhost/x")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/x"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite connection settings")
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite locking")
def test_sqlite_write_transactions_take_the_lock_at_begin(app, tmp_path):
    """BEGIN IMMEDIATE: a second writer waits at BEGIN instead of failing on lock upgrade."""
    other = make_app(
        f"sqlite:///{tmp_path / 'lock.sqlite3'}", tmp_path, TRACEAPP_SQLITE_BUSY_TIMEOUT_MS=100
    )
    with other.app_context():
        engine = db.engine
        with engine.connect() as first:
            first.begin()
            with engine.connect() as second, pytest.raises(sa.exc.OperationalError, match="locked"):
                second.begin()


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|shell)?\n(.*?)```", text, re.S)
    return [b.strip() for b in blocks[:2]]


def test_readme_opens_with_the_run_and_test_commands():
    run, test = _readme_commands()
    assert "pip install" in run and "traceapp demo" in run and "traceapp run" in run
    assert "'.[test]'" in test or '".[test]"' in test
    assert "pytest" in test


def test_demo_loads_twice_without_duplicates_and_the_app_answers(tmp_path):
    """What the first README command does: migrate, load the demo (twice), serve."""
    from traceapp.auth.models import User
    from traceapp.cooperatives.models import Cooperative, Member

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        runner = app.test_cli_runner()
        first = runner.invoke(args=["demo"])
        assert first.exit_code == 0, first.output
        assert "manager@xuanphuoc.demo" in first.output
        with app.app_context():
            counts = [
                db.session.scalar(sa.select(sa.func.count()).select_from(m))
                for m in (Cooperative, Member, User)
            ]
        second = runner.invoke(args=["demo"])
        assert second.exit_code == 0, second.output
        with app.app_context():
            again = [
                db.session.scalar(sa.select(sa.func.count()).select_from(m))
                for m in (Cooperative, Member, User)
            ]
            women = db.session.scalar(
                sa.select(sa.func.count()).select_from(Member).where(Member.gender == "female")
            )
        assert counts == again
        # The three cooperatives, the women's cooperative founded with a programme's support,
        # and the Cambodian and Turkish ones.
        assert counts[0] == 6 and counts[1] >= 23
        assert 0.3 <= women / counts[1] <= 0.7
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        login = client.form_post(
            "/login", {"email": "manager@xuanphuoc.demo", "password": "demo-password-2026"}
        )
        assert login.status_code == 302
        page = client.get("/cooperatives", follow_redirects=True).get_data(as_text=True)
        assert "Xuân Phước" in page
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_cli_expires_zone_codes_past_their_date(app, session, world):
    import datetime as dt

    from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

    zone = Zone(
        cooperative_id=world.a.coop.id,
        code="VN-OLD-0001",
        kind=ZoneKind.GROWING_AREA,
        province="Phú Yên",
        status=ZoneStatus.APPROVED,
        valid_until=dt.date(2025, 1, 31),
    )
    current = Zone(
        cooperative_id=world.a.coop.id,
        code="VN-NEW-0001",
        kind=ZoneKind.GROWING_AREA,
        province="Phú Yên",
        status=ZoneStatus.APPROVED,
        valid_until=dt.date(2099, 1, 31),
    )
    session.add_all([zone, current])
    session.flush()
    result = app.test_cli_runner().invoke(args=["zones", "expire"])
    assert result.exit_code == 0, result.output
    assert "expired VN-OLD-0001" in result.output
    assert "VN-NEW-0001" not in result.output
    session.expire_all()
    assert zone.status == ZoneStatus.EXPIRED
    assert current.status == ZoneStatus.APPROVED


# --- error pages and the API's error envelope in the reader's language ------------------------

WERKZEUG_404 = "The requested URL was not found on the server"


def test_error_page_explains_a_missing_page_instead_of_werkzeugs_english(client):
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1>Not found" in html
    assert "There is nothing at this address." in html
    assert WERKZEUG_404 not in html


def test_error_page_reads_vietnamese_for_a_vietnamese_reader(client):
    html = client.get("/no-such-page", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Không tìm thấy" in html  # the page title, already in the catalog
    assert "Quay lại trang chủ" in html
    assert WERKZEUG_404 not in html


def test_api_error_envelope_keeps_its_shape_with_a_translated_message(client, api_token):
    from tests.conftest import bearer

    missing = client.get("/api/v1/no-such-thing", headers=bearer(api_token))
    assert missing.status_code == 404
    assert set(missing.json) == {"code", "status", "message"}
    assert missing.json["status"] == "Not Found"  # the machine-readable reason phrase
    assert missing.json["message"].startswith("There is nothing at this address.")
    wrong_method = client.put("/api/v1/me", headers=bearer(api_token))
    assert wrong_method.status_code == 405
    assert wrong_method.json["status"] == "Method Not Allowed"
    assert wrong_method.json["message"] == "This address does not accept this kind of request."
    assert "GET" in wrong_method.headers["Allow"]


def test_a_refused_form_says_to_reload_not_csrf(client, world):
    response = client.post("/login", data={"email": world.a.manager.email, "password": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The form expired or was sent twice; reload the page and try again." in html
    assert "CSRF" not in html


def test_domain_errors_default_to_messages_in_the_current_language(app):
    from flask_babel import force_locale

    from traceapp.errors import Forbidden, NotFound

    with app.app_context(), force_locale("en"):
        assert NotFound().message == "Not found."
        assert Forbidden().message == "You are not allowed to do this."
        assert NotFound("That lot is gone.").message == "That lot is gone."


def test_http_errors_read_as_explanations_and_keep_messages_given_on_purpose(app):
    from werkzeug.exceptions import InternalServerError, NotFound, TooManyRequests

    from traceapp.errors import http_error_message

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        crash = InternalServerError(original_exception=RuntimeError("secret detail"))
        assert http_error_message(crash) == "Something went wrong on our side; it has been logged."
        # Flask-Limiter puts the limit ("10 per 1 minute") in the description.
        limited = http_error_message(TooManyRequests("10 per 1 minute"))
        assert limited == "Too many requests in a short time. Wait a moment and try again."
        assert http_error_message(NotFound("No label with this serial.")) == (
            "No label with this serial."
        )


def test_an_unexpected_api_error_answers_with_the_json_envelope(
    app, client, api_token, monkeypatch, caplog
):
    from traceapp.labels import api as labels_api

    def broken(_run_id):
        raise RuntimeError("something no one expected")

    monkeypatch.setattr(labels_api, "_run", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    caplog.set_level("ERROR", logger="traceapp")
    r = client.get("/api/v1/label-runs/1", headers={"Authorization": f"Bearer {api_token}"})
    assert r.status_code == 500
    assert r.mimetype == "application/json"
    assert r.json["code"] == 500 and r.json["status"] == "Internal Server Error"
    assert "something no one expected" not in r.get_data(as_text=True)
    assert any("unhandled error" in rec.getMessage() for rec in caplog.records)


def test_ids_and_pages_beyond_any_column_are_missing_not_errors(client, api_token, manager_client):
    headers = {"Authorization": f"Bearer {api_token}"}
    for url in (
        "/api/v1/label-runs/99999999999999999999",
        "/api/v1/label-runs/2147483648",
        "/api/v1/batches/0",
        "/api/v1/label-runs/%D9%A3",
    ):
        r = client.get(url, headers=headers)
        assert r.status_code == 404, url
        assert r.json["code"] == 404
    assert manager_client.get("/label-runs/99999999999999999999").status_code == 404
    listing = manager_client.get("/label-runs?page=99999999999999999999")
    assert listing.status_code == 200
    assert manager_client.get("/label-runs?page=²").status_code == 200
