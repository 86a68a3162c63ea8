"""Zone objects of cooperative A for the cross-tenant walk (tests/test_tenancy.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.tenancy_objects import Reference
from tests.zones.conftest import zone_payload
from tests.zones.factories import CertificationFactory, ZoneFactory
from traceapp.extensions import db
from traceapp.zones.models import ZoneImportJob, ZoneStatus


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A zone of cooperative A with a household and a certificate."""
    zone = ZoneFactory(cooperative=world.a.coop, members=[world.a.members[0]])
    cert = CertificationFactory(zone=zone)
    job = ZoneImportJob(cooperative_id=world.a.coop.id, filename="zones.csv", size=10)
    job.status = "checked"
    db.session.add(job)
    db.session.flush()
    return {
        "zone_id": lambda: zone.id,
        "certification_id": lambda: cert.id,
        "zone_import_id": lambda: job.id,
    }


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """A zone names the member households farming it (drafts, and submitted codes too)."""
    b = world.b
    draft = ZoneFactory(cooperative=b.coop)
    edited = ZoneFactory(cooperative=b.coop)
    submitted = ZoneFactory(cooperative=b.coop, status=ZoneStatus.SUBMITTED)
    a_member, own = world.a.members[0].id, b.members[0].id

    def form(code: str, i: Any) -> dict[str, Any]:
        data = zone_payload(code=code, member_ids=[i])
        data["geometry"] = json.dumps(data["geometry"])
        return data

    empty = {"type": "FeatureCollection", "features": []}
    return [
        Reference(
            "POST /api/v1/zones/import cooperative_id",
            lambda i: (f"/api/v1/zones/import?format=geojson&cooperative_id={i}", empty),
            world.a.coop.id,
            b.coop.id,
        ),
        Reference(
            "POST /api/v1/zones member_ids",
            lambda i: ("/api/v1/zones", zone_payload(code="VN-PYDX-0601", member_ids=[i])),
            a_member,
            own,
        ),
        Reference(
            "PATCH /api/v1/zones/{zone_id} member_ids",
            lambda i: (f"/api/v1/zones/{draft.id}", {"member_ids": [i]}),
            a_member,
            own,
            method="PATCH",
        ),
        Reference(
            "ZoneForm.member_ids",
            lambda i: ("/zones/new", form("VN-PYDX-0602", i)),
            a_member,
            own,
            form=True,
        ),
        Reference(
            "ZoneForm.member_ids",
            lambda i: (f"/zones/{edited.id}/edit", form(edited.code, i)),
            a_member,
            own,
            form=True,
        ),
        Reference(
            "LockedZoneForm.member_ids",
            lambda i: (f"/zones/{submitted.id}/edit", {"member_ids": [i], "notes": "Thêm hộ"}),
            a_member,
            own,
            form=True,
        ),
    ]
