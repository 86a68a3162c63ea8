"""A user of cooperative B can never read, list, export or change anything of cooperative A.

This walks every registered URL rule, HTML and API, with A's ids, as B's manager. A new
route with an argument this test does not know fails it until the argument is added below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import bearer
from traceapp.auth.services import create_token

#: Rules that are public on purpose, with the reason.
PUBLIC_RULES = {
    "/static/<path:filename>": "static files",
    "/media/<key>": "images shown on public provenance pages; keys are random",
    "/healthz": "health check, no data",
    "/login": "the login page",
    "/logout": "ends one's own session",
    "/api/v1/openapi.json": "the API description, no data",
    "/l/<serial>": "the consumer's page: public by design (tests/public checks what it shows)",
    "/01/<path:rest>": "the GS1 Digital Link resolver: public by design",
    "/.well-known/gs1resolver": "the resolver's description, no data",
    "/.well-known/gs1resolver/": "the resolver's description, no data",
    "/<segment>": "the GS1 resolver's compressed Digital Link URIs: public by design",
    "/p/01/<path:rest>": "the GS1 resolver's default link, the consumer's page: public",
    "/gs1/<kind>/01/<path:rest>": "a public lot's GS1 link targets (recall status, EPCIS)",
    # The public register names cooperatives and their public facts, never members
    # (tests/registry checks what it shows).
    "/registry/": "the public register: cooperatives by name",
    "/registry/zones": "the public register: issued zone codes",
    "/registry/zones/<path:code>": "the public register: one issued zone code",
    "/registry/zones.json": "the public register: issued zone codes for programs",
    "/registry/zones.csv": "the public register: issued zone codes for programs",
    "/registry/cooperatives/<int:cooperative_id>": "the public register: a cooperative's page",
    "/registry/marks/<int:mark_id>": "the public register: a collective mark's page",
}


def _argument_values(world: Any, extra: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """How to fill each URL argument with an object of cooperative A."""
    a = world.a
    token, _raw = create_token(a.manager, a.manager, "a's token")
    values = {
        "cooperative_id": lambda: a.coop.id,
        "member_id": lambda: a.members[0].id,
        "user_id": lambda: a.staff.id,
        "token_id": lambda: token.id,
    }
    values.update(extra)
    return values


@pytest.fixture
def tenant_a_objects(world: Any) -> dict[str, Callable[[], Any]]:
    """Extra objects of cooperative A, contributed by each domain's test helpers."""
    from tests import tenancy_objects

    return tenancy_objects.build(world)


def _build(rule: Any, values: dict[str, Callable[[], Any]]) -> str:
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"{rule.rule}: teach test_tenancy how to make {missing} of cooperative A"
    built = rule.build({arg: values[arg]() for arg in rule.arguments})
    assert built is not None, rule.rule
    return built[1]


def _text(response: Any) -> str:
    """A response's text; a spreadsheet download's cells, read with openpyxl."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from tests.downloads import rows

        return "\n".join("\t".join(row) for row in rows(response))
    return response.get_data(as_text=True)


class _Missing(dict):
    """Values that name nothing, for the "missing id" side of the comparison."""

    def __missing__(self, key: str) -> Callable[[], Any]:
        return lambda: 987654321 if key.endswith("_id") else "no-such-thing-0000"

    def __contains__(self, key: object) -> bool:
        return True


MISSING = _Missing()


def _markers(world: Any) -> list[str]:
    a = world.a
    return [
        a.coop.name,
        a.members[0].full_name,
        a.members[1].full_name,
        a.manager.email,
        a.staff.email,
    ]


def test_every_route_hides_cooperative_a_from_cooperative_b(app, world, tenant_a_objects):
    values = _argument_values(world, tenant_a_objects)
    markers = _markers(world)
    browser = app.test_client()
    from tests.conftest import login

    login(browser, world.b.manager.email)
    token = create_token(world.b.manager, world.b.manager, "b's token")[1]
    api = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC_RULES or rule.endpoint == "static":
            continue
        url = _build(rule, values) if rule.arguments else rule.rule
        missing_url = _build(rule, MISSING) if rule.arguments else rule.rule
        is_api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):

            def call(target: str, method: str = method, is_api: bool = is_api) -> Any:
                if is_api:
                    return api.open(
                        target,
                        method=method,
                        headers=bearer(token),
                        json={} if method != "GET" else None,
                    )
                if method == "GET":
                    return browser.get(target)
                return (
                    browser.form_post(target, {})
                    if method == "POST"
                    else browser.open(target, method=method)
                )

            response = call(url)
            body = _text(response)
            if rule.arguments:
                # A foreign id must look exactly like one that does not exist: 404 for reads;
                # for writes, the same refusal (a body error does not depend on the id).
                expected = call(missing_url).status_code
                assert response.status_code == expected, (
                    f"{method} {url} answered {response.status_code} for a foreign id but "
                    f"{expected} for a missing one"
                )
                assert response.status_code not in (200, 201, 204, 302, 403), f"{method} {url}"
                if method == "GET":
                    assert response.status_code == 404, f"GET {url}"
            else:
                assert response.status_code < 500, f"{method} {url}: {response.status_code}"
            for marker in markers:
                assert marker not in body, f"{method} {url} shows {marker!r} of cooperative A"
            checked += 1
    assert checked > 20


def test_the_walk_would_notice_a_leak(app, world):
    """The markers really are visible to A's own manager: the check above can fail."""
    from tests.conftest import login

    own = app.test_client()
    login(own, world.a.manager.email)
    page = own.get(f"/cooperatives/{world.a.coop.id}/members").get_data(as_text=True)
    assert world.a.members[0].full_name in page
