"""API tokens: shown once, stored as a hash, revocable; the API takes only bearer tokens."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import bearer
from traceapp.auth.models import ApiToken
from traceapp.extensions import db


def test_token_created_on_the_account_page_is_shown_once_and_works(app, manager_client):
    response = manager_client.form_post("/account", {"tok-name": "sync script"})
    html = response.get_data(as_text=True)
    raw = re.search(r'<code class="token">([^<]+)</code>', html).group(1)
    assert raw.startswith("ta_")
    assert raw not in manager_client.get("/account").get_data(as_text=True)
    stored = db.session.execute(sa.select(ApiToken)).scalars().all()
    assert all(raw not in (t.token_hash, t.prefix, t.name) for t in stored)
    me = app.test_client().get("/api/v1/me", headers=bearer(raw))
    assert me.status_code == 200
    assert me.json["email"] == "manager-alpha@example.test"
    assert "password" not in me.json and "password_hash" not in me.json


def test_session_cookie_does_not_authenticate_the_api(manager_client):
    response = manager_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(client, api_token):
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 200
    tokens = client.get("/api/v1/tokens", headers=bearer(api_token)).json
    assert (
        client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=bearer(api_token)).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 401


def test_api_creates_token_and_rejects_unknown_fields(client, api_token):
    created = client.post(
        "/api/v1/tokens", json={"name": "label printer"}, headers=bearer(api_token)
    )
    assert created.status_code == 201
    assert created.json["token"].startswith("ta_")
    bad = client.post("/api/v1/tokens", json={"name": "x", "owner": 1}, headers=bearer(api_token))
    assert bad.status_code == 422
    assert "owner" in bad.json["errors"]["json"]


def test_cli_prints_a_token_that_works(app, client, world):
    result = app.test_cli_runner().invoke(args=["users", "token", world.a.staff.email])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert client.get("/api/v1/me", headers=bearer(raw)).json["email"] == world.a.staff.email


def test_cli_creates_users(app, client, world):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Auditor2@Example.test",
            "--name",
            "Ms Auditor",
            "--role",
            "auditor",
            "--province",
            "Phú Yên",
            "--password",
            "long-enough-password",
        ]
    )
    assert result.exit_code == 0, result.output
    c = app.test_client()
    assert (
        c.form_post(
            "/login", {"email": "auditor2@example.test", "password": "long-enough-password"}
        ).status_code
        == 302
    )
    bad = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.test",
            "--name",
            "X",
            "--role",
            "staff",
            "--password",
            "long-enough-password",
        ]
    )
    assert bad.exit_code == 1
    assert "cooperative" in bad.output
