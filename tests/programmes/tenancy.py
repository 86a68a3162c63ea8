"""Organisation A's programme, activity and participant for the cross-tenant walks.

Cooperative B's manager may see no programme at all, so each reference below is refused
before its id is looked at (``own`` is None); tests/programmes/test_api.py has officer B
name officer A's objects, where the id is what decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tests.brands.factories import MarkFactory
from tests.programmes.factories import make_support
from tests.tenancy_objects import Reference
from traceapp.extensions import db
from traceapp.programmes import activities, attendance, plans
from traceapp.programmes.models import TrainingModule


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A programme working with cooperative A, an activity, and a participant of it."""
    support = make_support("Tenancy")
    activity = activities.create_activity(
        support.officer,
        support.programme,
        kind="workshop",
        title="Workshop A",
        starts_on=dt.date(2025, 3, 1),
        province="Phú Yên",
        cooperative_ids=[world.a.coop.id],
    )
    (signed,) = attendance.record_attendance(
        support.officer, activity, [{"member_id": world.a.members[0].id}]
    )
    module = plans.create_module(
        support.officer, support.programme, code="quality-a", name="Quality A", hours=4
    )
    return {
        "_programmes_module": lambda: module.id,
        "programme_id": lambda: support.programme.id,
        "organisation_id": lambda: support.org.id,
        "activity_id": lambda: activity.id,
        "participant_id": lambda: signed.participant_id,
        "_programmes_support": lambda: support,
    }


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """Every id a programme request or form may name, sent by cooperative B's manager."""
    support = a["_programmes_support"]()
    pid = support.programme.id
    activity = a["activity_id"]()
    coop, member = world.a.coop.id, world.a.members[0].id
    participant, org = a["participant_id"](), a["organisation_id"]()

    def api(
        covers: str,
        url: str,
        body: Callable[[Any], dict[str, Any]],
        ident: int,
        method: str = "POST",
    ) -> Reference:
        return Reference(covers, lambda i: (url, body(i)), ident, None, method=method)

    def form(covers: str, url: str, body: Callable[[Any], dict[str, Any]], ident: int) -> Reference:
        return Reference(covers, lambda i: (url, body(i)), ident, None, form=True)

    own_mark = MarkFactory(cooperative=world.b.coop, name="Nhãn hiệu đào tạo B")
    standard = db.session.scalar(
        sa.select(TrainingModule.id).where(TrainingModule.programme_id.is_(None))
    )
    a_module = a["_programmes_module"]()
    workshop = {"kind": "workshop", "title": "T", "starts_on": "2025-04-01", "province": "Phú Yên"}
    return [
        api(
            "POST /api/v1/programmes organisation_id",
            "/api/v1/programmes",
            lambda i: {
                "organisation_id": i,
                "code": "B-1",
                "names": {"vi": "B"},
                "starts_on": "2025-01-01",
                "ends_on": "2025-12-31",
                "provinces": ["Khánh Hòa"],
            },
            org,
        ),
        api(
            "POST /api/v1/programmes/{programme_id}/partners organisation_id",
            f"/api/v1/programmes/{pid}/partners",
            lambda i: {"organisation_id": i, "role": "funding"},
            org,
        ),
        api(
            "POST /api/v1/programmes/{programme_id}/activities module_id",
            f"/api/v1/programmes/{pid}/activities",
            lambda i: {**workshop, "module_id": i},
            1,
        ),
        api(
            "POST /api/v1/programmes/{programme_id}/activities cooperative_ids",
            f"/api/v1/programmes/{pid}/activities",
            lambda i: {**workshop, "cooperative_ids": [i]},
            coop,
        ),
        api(
            "PATCH /api/v1/activities/{activity_id} module_id",
            f"/api/v1/activities/{activity}",
            lambda i: {"module_id": i},
            1,
            "PATCH",
        ),
        api(
            "PATCH /api/v1/activities/{activity_id} cooperative_ids",
            f"/api/v1/activities/{activity}",
            lambda i: {"cooperative_ids": [i]},
            coop,
            "PATCH",
        ),
        *(
            api(
                f"POST /api/v1/activities/{{activity_id}}/attendance rows.0.{key}",
                f"/api/v1/activities/{activity}/attendance",
                lambda i, key=key: {"rows": [{key: i, "full_name": "X"}]},
                ident,
            )
            for key, ident in (
                ("member_id", member),
                ("participant_id", participant),
                ("cooperative_id", coop),
            )
        ),
        form(
            "ProgrammeForm.organisation_id",
            "/programmes/new",
            lambda i: {"organisation_id": i, "code": "B-2", "name_vi": "B"},
            org,
        ),
        form(
            "PartnerForm.organisation_id",
            f"/programmes/{pid}/partners",
            lambda i: {"organisation_id": i, "role": "funding"},
            org,
        ),
        form(
            "ActivityForm.module_id",
            f"/programmes/{pid}/activities/new",
            lambda i: {**workshop, "module_id": i},
            1,
        ),
        form(
            "ActivityForm.cooperative_ids",
            f"/programmes/{pid}/activities/new",
            lambda i: {**workshop, "cooperative_ids": [i]},
            coop,
        ),
        form(
            "SheetForm.member_ids",
            f"/activities/{activity}/sheet",
            lambda i: {"member_ids": [i]},
            member,
        ),
        api(
            "POST /api/v1/programmes/{programme_id}/foundings cooperative_id",
            f"/api/v1/programmes/{pid}/foundings",
            lambda i: {"cooperative_id": i, "founded_on": "2025-05-01"},
            coop,
        ),
        api(
            "POST /api/v1/programmes/{programme_id}/foundings activity_id",
            f"/api/v1/programmes/{pid}/foundings",
            lambda i: {
                "cooperative_id": world.b.coop.id,
                "founded_on": "2025-05-01",
                "activity_id": i,
            },
            activity,
        ),
        Reference(
            "PUT /api/v1/brands/{mark_id}/required-training module_ids",
            lambda i: (f"/api/v1/brands/{own_mark.id}/required-training", {"module_ids": [i]}),
            a_module,
            standard,
            method="PUT",
        ),
        form(
            "FoundingForm.cooperative_id",
            f"/programmes/{pid}/foundings",
            lambda i: {"cooperative_id": i, "founded_on": "2025-05-01"},
            coop,
        ),
        Reference(
            "MarkTrainingForm.module_ids",
            lambda i: (f"/brands/{own_mark.id}/training", {"module_ids": [i]}),
            a_module,
            standard,
            form=True,
        ),
        form(
            "MergeForm.other_id",
            f"/participants/{participant}/merge",
            lambda i: {"other_id": i},
            participant,
        ),
    ]
