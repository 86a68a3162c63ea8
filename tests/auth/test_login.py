"""Signing in and out, sessions that really end, rate limits, headers and safe redirects."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import PASSWORD, login
from traceapp.audit.models import AuditRecord
from traceapp.extensions import db


def test_login_lands_on_the_dashboard_with_a_fresh_session(client, world):
    client.get("/login")
    before = client.get_cookie("traceapp_session").value
    response = login(client, world.a.manager.email)
    assert response.headers["Location"] == "/"
    after = client.get_cookie("traceapp_session").value
    assert after != before
    page = client.get("/").get_data(as_text=True)
    assert "Manager Alpha" in page


def test_unknown_email_and_wrong_password_get_the_same_answer(client, world):
    wrong = client.form_post(
        "/login", {"email": world.a.manager.email, "password": "nope-nope-nope"}
    )
    unknown = client.form_post("/login", {"email": "nobody@example.test", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "Invalid e-mail or password." in response.get_data(as_text=True)
    actions = db.session.execute(
        sa.select(AuditRecord.action, AuditRecord.summary).order_by(AuditRecord.seq)
    ).all()
    assert [a for a, _ in actions].count("auth.login_failed") == 2


def test_login_without_csrf_token_is_refused(client, world):
    client.get("/login")
    response = client.post("/login", data={"email": world.a.manager.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_a_cookie_captured_before_logout_no_longer_works(app, client, world):
    login(client, world.a.manager.email)
    captured = client.get_cookie("traceapp_session").value
    assert client.get("/account").status_code == 200
    client.form_post("/logout")
    thief = app.test_client()
    thief.set_cookie("traceapp_session", captured)
    response = thief.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_disabling_a_user_ends_their_sessions_and_tokens(app, admin_client, world, api_token):
    victim = app.test_client()
    login(victim, world.a.manager.email)
    assert victim.get("/account").status_code == 200
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
        .status_code
        == 200
    )
    response = admin_client.form_post(f"/users/{world.a.manager.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert victim.get("/account").status_code == 302
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
        .status_code
        == 401
    )
    again = app.test_client().form_post(
        "/login", {"email": world.a.manager.email, "password": PASSWORD}
    )
    assert "Invalid e-mail or password." in again.get_data(as_text=True)


def test_next_redirects_stay_on_this_site(client, world):
    client.get("/login")
    for target, expected in [
        ("/cooperatives", "/cooperatives"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        c = client.application.test_client()
        token = c.csrf_token()
        response = c.post(
            "/login",
            query_string={"next": target},
            data={"email": world.a.manager.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def test_login_attempts_are_rate_limited(client, world):
    token = client.csrf_token()
    codes = [
        client.post(
            "/login",
            data={"email": f"x{i}@example.test", "password": "wrong-password", "csrf_token": token},
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


def test_login_attempts_on_one_account_are_limited_across_addresses(client, world):
    token = client.csrf_token()
    codes = [
        client.post(
            "/login",
            data={"email": world.a.staff.email, "password": "wrong-password", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        ).status_code
        for i in range(12)
    ]
    assert 429 in codes


def test_security_headers_on_every_response(client):
    for url in ("/login", "/healthz", "/nope", "/api/v1/me"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert "Strict-Transport-Security" not in headers


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://trace.example.vn")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_inline_script_in_pages(manager_client):
    for url in ("/", "/account", "/cooperatives", "/login"):
        html = manager_client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html and 'style="' not in html
