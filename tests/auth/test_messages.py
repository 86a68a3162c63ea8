"""What accounts and the API say to people: translatable messages, role names, stored labels."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from tests.conftest import PASSWORD, bearer
from traceapp.auth import services
from traceapp.auth.models import SYSTEM, Role, actor_display_name, role_display_name
from traceapp.errors import ValidationFailed


def test_role_names_are_translatable_and_keyed_by_the_stored_value(session):
    from traceapp.auth.models import ROLE_LABELS

    assert set(ROLE_LABELS) == {r.value for r in Role}
    assert str(Role.MANAGER.label) == "Cooperative manager"
    assert role_display_name("auditor") == "Authority auditor"
    assert role_display_name(Role.ADMIN) == "Platform administrator"
    assert role_display_name("owner") == "owner"  # an unknown stored value shows as it is
    assert role_display_name(None) == ""


def test_the_system_actor_is_stored_in_english_and_shown_in_the_readers_words(session):
    assert SYSTEM.label == "system (command line)"  # what audit records and columns keep
    assert actor_display_name(SYSTEM.label) == "system (command line)"
    assert actor_display_name("anonymous") == "anonymous"
    assert actor_display_name("manager@example.test") == "manager@example.test"
    assert actor_display_name(None) == ""


def test_account_refusals_name_their_field(session, world):
    with pytest.raises(ValidationFailed) as short:
        services.create_user(
            world.admin,
            email="new@example.test",
            full_name="New",
            password="short",
            role="staff",
            cooperative_id=world.a.coop.id,
        )
    assert short.value.errors == {"password": ["The password must have at least 10 characters."]}
    with pytest.raises(ValidationFailed) as role:
        services.create_user(
            world.admin, email="new@example.test", full_name="New", password=PASSWORD, role="owner"
        )
    assert role.value.errors == {"role": ["Unknown role “owner”."]}
    with pytest.raises(ValidationFailed) as many:
        services.create_user(
            world.admin, email="nobody", full_name=" ", password=PASSWORD, role="auditor"
        )
    assert set(many.value.errors) == {"email", "full_name", "province"}
    assert many.value.message == "The account could not be created."


def test_service_messages_follow_the_language_of_the_moment(session, world):
    """Messages are translated when raised: a French reader would get the French catalog."""
    with force_locale("fr"), pytest.raises(ValidationFailed) as exc:
        services.create_token(world.a.manager, world.a.manager, " ")
    assert exc.value.errors["name"] == [
        "Donnez un nom au jeton, par exemple celui du script qui l'utilise."
    ]
    with force_locale("en"), pytest.raises(ValidationFailed) as exc:
        services.create_token(world.a.manager, world.a.manager, " ")
    assert exc.value.errors["name"] == ["Give the token a name, such as the script using it."]


def test_the_api_says_how_to_authenticate(client, world):
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401
    assert missing.json["status"] == "Unauthorized"
    assert missing.json["message"] == "Send an API token as “Authorization: Bearer <token>”."
    unknown = client.get("/api/v1/me", headers=bearer("ta_not-a-real-token"))
    assert unknown.json["message"] == "The API token is unknown, revoked or expired."


def test_user_list_shows_role_names(admin_client, world):
    html = admin_client.get("/users").get_data(as_text=True)
    assert "Cooperative manager" in html and "Authority auditor" in html
    assert '<option value="staff">Cooperative staff</option>' in html


def test_adding_a_user_chooses_no_role_and_never_drops_a_cooperative(admin_client, world):
    import sqlalchemy as sa

    from traceapp.auth.models import User
    from traceapp.extensions import db

    html = admin_client.get("/users").get_data(as_text=True)
    select = html[html.index('name="role"') :]
    select = select[: select.index("</select>")]
    assert "selected" not in select and select.index('value=""') < select.index('value="admin"')
    body = {
        "email": "new.manager@htx-xuanphuoc.vn",
        "full_name": "Phan Thị Lan",
        "cooperative_id": str(world.a.coop.id),
        "password": "a-long-enough-password",
    }
    # the role left unchosen: refused, nothing created
    assert admin_client.form_post("/users", body).status_code == 422
    # a cooperative chosen with the administrator role: refused, never a silent administrator
    response = admin_client.form_post("/users", body | {"role": "admin"})
    assert response.status_code == 422
    assert "Only cooperative managers and staff belong to a cooperative" in (
        response.get_data(as_text=True)
    )
    assert db.session.scalar(sa.select(User).where(User.email == body["email"])) is None
    assert admin_client.form_post("/users", body | {"role": "manager"}).status_code == 302
    created = db.session.scalar(sa.select(User).where(User.email == body["email"]))
    assert created.cooperative_id == world.a.coop.id and created.role == "manager"


def test_rate_limited_login_page_explains_instead_of_showing_the_limit(client, world):
    token = client.csrf_token()
    for i in range(10):
        client.post(
            "/login",
            data={"email": f"x{i}@example.test", "password": "wrong-password", "csrf_token": token},
        )
    limited = client.post(
        "/login", data={"email": "y@example.test", "password": "wrong", "csrf_token": token}
    )
    html = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert "Too many attempts" in html
    assert "There were too many sign-in attempts from your network address." in html
    assert re.search(r"Try again in \d+ seconds?\.", html)
    assert "per 1 minute" not in html
