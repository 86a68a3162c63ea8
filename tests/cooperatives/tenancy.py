"""Requests of the cooperatives package that name an object, for
tests/test_tenancy_references.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.tenancy_objects import Reference
from traceapp.cooperatives.models import MemberImport
from traceapp.extensions import db


def _checked(coop_id: int, name: str) -> MemberImport:
    """A checked member file waiting for its confirmation."""
    summary = {"ok": True, "rows": 0, "new": 0, "updated": 0, "unchanged": 0}
    return MemberImport(
        cooperative_id=coop_id,
        filename=f"{name}.csv",
        rows=[],
        status="done",
        phase="check",
        summary={**summary, "problem_count": 0, "problems": [], "changes": []},
    )


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A member import of cooperative A, for its page."""
    pending = _checked(world.a.coop.id, "a-page")
    db.session.add(pending)
    db.session.flush()
    return {"import_id": lambda: pending.id}


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """Confirming a member import names the checked file waiting for it."""
    pending = {
        name: _checked(tenant.coop.id, name) for name, tenant in (("a", world.a), ("b", world.b))
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
