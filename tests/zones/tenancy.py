"""Zone objects of cooperative A for the cross-tenant walk (tests/test_tenancy.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.zones.factories import CertificationFactory, ZoneFactory


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A zone of cooperative A with a household and a certificate."""
    zone = ZoneFactory(cooperative=world.a.coop, members=[world.a.members[0]])
    cert = CertificationFactory(zone=zone)
    return {"zone_id": lambda: zone.id, "certification_id": lambda: cert.id}
