"""The OpenAPI document at /api/v1/openapi.json: a valid OpenAPI 3.0 document in which every
operation has a stable operationId and names the statuses, media types and headers it
answers with. (tests/live/test_schemathesis.py checks the running server against it.)"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = spec["components"][section][name]
    return item


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.0")
    validate(spec)  # raises with the JSON path of the first error


def test_every_operation_has_a_unique_readable_operation_id(spec):
    ids = [op.get("operationId") for _m, _p, op in operations(spec)]
    assert len(ids) >= 90
    assert None not in ids, [f"{m} {p}" for m, p, op in operations(spec) if "operationId" not in op]
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    assert all(i[0].islower() and i.isalnum() for i in ids), ids
    by_route = {(m, p): op["operationId"] for m, p, op in operations(spec)}
    # Names clients generate code from: they must not change when the code moves.
    assert by_route["GET", "/api/v1/batches"] == "listLots"
    assert by_route["POST", "/api/v1/batches/{batch_id}/label-runs"] == "createLabelRun"
    assert by_route["GET", "/api/v1/batches/{batch_id}/epcis"] == "exportLotEpcis"


def test_every_operation_documents_the_errors_it_can_answer_with(spec):
    for method, path, op in operations(spec):
        codes = set(op["responses"])
        where = f"{method} {path}"
        assert "default" not in codes, where  # a catch-all would hide an undocumented status
        assert {"401", "429", "503"} <= codes, where
        if "{" in path:
            assert "404" in codes, where
        if "requestBody" in op:
            assert {"400", "413", "422"} <= codes, where
        if method in ("POST", "PATCH") and path.rsplit("/", 1)[-1] != "verify":
            assert "403" in codes or path in {"/api/v1/tokens"}, where
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")) and code != "414":
                body = resolve(spec, response)["content"]["application/json"]["schema"]
                assert resolve(spec, body)["required"] == ["code", "status", "message"], where


def test_errors_name_their_headers(spec):
    responses = spec["components"]["responses"]
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    assert "Retry-After" in responses["ServiceUnavailable"]["headers"]
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]


@pytest.mark.parametrize(
    ("method", "path", "media_type"),
    [
        ("GET", "/api/v1/batches/{batch_id}/epcis", "application/ld+json"),
        ("GET", "/api/v1/epcis", "application/ld+json"),
        ("GET", "/api/v1/recalls/{recall_id}/report.csv", "text/csv"),
        ("GET", "/api/v1/label-runs/{run_id}.pdf", "application/pdf"),
        ("GET", "/api/v1/label-runs/{run_id}.zip", "application/zip"),
        ("GET", "/api/v1/labels/{serial}.png", "image/png"),
        ("GET", "/api/v1/authority/zones.kml", "application/vnd.google-earth.kml+xml"),
        ("GET", "/api/v1/authority/zones/{zone_id}/dossier.pdf", "application/pdf"),
    ],
)
def test_downloads_declare_their_media_type(spec, method, path, media_type):
    ok = spec["paths"][path][method.lower()]["responses"]["200"]
    assert list(ok["content"]) == [media_type]


def test_every_success_declares_a_media_type(spec):
    for method, path, op in operations(spec):
        for code, response in op["responses"].items():
            if code.startswith("2") and code != "204":
                assert resolve(spec, response).get("content"), f"{method} {path} {code}"


def test_a_large_label_run_answers_202_with_the_jobs_location(spec):
    accepted = spec["paths"]["/api/v1/label-runs/{run_id}.pdf"]["get"]["responses"]["202"]
    assert "Location" in accepted["headers"]
    assert resolve(spec, accepted["content"]["application/json"]["schema"])["properties"]["id"]


def test_a_rate_limited_client_is_told_when_to_come_back(client, app, api_token):
    from tests.conftest import bearer

    app.config["TRACEAPP_API_RATE_LIMIT"] = "2 per minute"
    try:
        answers = [client.get("/api/v1/me", headers=bearer(api_token)) for _ in range(3)]
    finally:
        app.config["TRACEAPP_API_RATE_LIMIT"] = "600 per minute"
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert set(answers[-1].json) >= {"code", "status", "message"}


# What schemathesis found on the live server (tests/live/test_schemathesis.py), kept here.


def test_a_run_whose_labels_are_all_void_has_nothing_to_download(client, farm, api_token):
    from tests.conftest import bearer
    from tests.labels.test_runs import _packed_lot

    lot = _packed_lot(farm)
    run = client.post(
        f"/api/v1/batches/{lot.id}/label-runs", headers=bearer(api_token), json={"count": 3}
    ).json
    voided = client.post(
        f"/api/v1/label-runs/{run['id']}/void", headers=bearer(api_token), json={"reason": "torn"}
    )
    assert voided.status_code == 200
    for fmt in ("pdf", "zpl", "zip"):
        answer = client.get(f"/api/v1/label-runs/{run['id']}.{fmt}", headers=bearer(api_token))
        assert answer.status_code == 409, answer.data[:300]
        assert "void" in answer.json["message"]


def test_a_page_far_past_the_end_is_an_empty_page(client, api_token):
    from tests.conftest import bearer

    answer = client.get(
        "/api/v1/users?page_size=78&page=1749009645652507361280", headers=bearer(api_token)
    )
    assert answer.status_code == 200
    assert answer.json == []
