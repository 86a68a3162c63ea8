"""Requests of the cooperatives package that name an object, for
tests/test_tenancy_references.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.tenancy_objects import Reference
from traceapp.cooperatives.models import MemberImport
from traceapp.extensions import db


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """Confirming a member import names the checked file waiting for it."""
    pending = {
        name: MemberImport(cooperative_id=tenant.coop.id, filename=f"{name}.csv", rows=[])
        for name, tenant in (("a", world.a), ("b", world.b))
    }
    db.session.add_all(pending.values())
    db.session.flush()
    return [
        Reference(
            "ImportConfirmForm.import_id",
            lambda i: (f"/cooperatives/{world.b.coop.id}/members/import/confirm", {"import_id": i}),
            pending["a"].id,
            pending["b"].id,
            form=True,
        )
    ]
