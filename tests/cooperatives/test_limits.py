"""Field limits of cooperatives and members: read from the columns, held on every path."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from traceapp.cooperatives.forms import CooperativeForm, MemberForm
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.cooperatives.schemas import CooperativeSchema, MemberSchema
from traceapp.core.columns import max_length
from traceapp.extensions import db


def _form_max(form: type, name: str) -> list[int]:
    return [v.max for v in getattr(form, name).kwargs["validators"] if hasattr(v, "max")]


def _schema_max(schema: type, name: str) -> list[int]:
    return [v.max for v in schema().fields[name].validators if hasattr(v, "max")]


@pytest.mark.parametrize(
    ("model", "form", "schema", "name"),
    [
        (Member, MemberForm, MemberSchema, "full_name"),
        (Member, MemberForm, MemberSchema, "village"),
        (Member, MemberForm, MemberSchema, "vessel_name"),
        (Member, MemberForm, MemberSchema, "notes"),
        (Cooperative, CooperativeForm, CooperativeSchema, "name"),
        (Cooperative, CooperativeForm, CooperativeSchema, "address"),
        (Cooperative, CooperativeForm, CooperativeSchema, "email"),
        (Cooperative, CooperativeForm, CooperativeSchema, "description"),
    ],
)
def test_form_and_schema_read_the_columns_limit(model, form, schema, name):
    limit = max_length(getattr(model, name))
    assert _form_max(form, name) == [limit]
    assert _schema_max(schema, name) == [limit]


def test_an_overlong_village_in_an_import_is_a_line_problem_not_a_crash(client, api_token, world):
    # The import reaches the service without a schema: the service holds the column's limit
    # (PostgreSQL would refuse the row at the insert).
    coop = world.a.coop
    village = "x" * (max_length(Member.village) + 1)
    text = f"Họ và tên,Thôn\nNguyễn Văn Dài,{village}\n"
    before = db.session.scalar(sa.select(sa.func.count(Member.id)))
    r = client.post(
        f"/api/v1/cooperatives/{coop.id}/members/import?dry_run=false",
        data={"file": (io.BytesIO(text.encode()), "members.csv")},
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert any(
        "Line 2" in m and "At most 100 characters" in m for m in r.json["errors"]["json"]["village"]
    ), r.json
    assert db.session.scalar(sa.select(sa.func.count(Member.id))) == before
