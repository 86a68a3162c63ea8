"""The public register's tests: codes at every step of their lifecycle, held by cooperative A."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tests.zones.factories import ZoneFactory
from traceapp.auth.models import SYSTEM
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones import services as zones
from traceapp.zones.models import TargetMarket, Zone, ZoneKind, ZoneStatus

#: Words that belong to the households or the cooperative's own notes, never to the register.
PRIVATE = ("Nguyễn Thị Alpha1", "Trần Văn Alpha2", "Lê Thị Alpha3", "Ruộng nhà bà Hoa", "0912")


@dataclass
class Register:
    """Cooperative A's codes: approved, suspended, revoked, expired, and four that are not
    public (a draft, a submitted and a rejected application, a lapsed application)."""

    world: Any
    approved: Zone
    suspended: Zone
    revoked: Zone
    expired: Zone
    draft: Zone
    submitted: Zone
    rejected: Zone
    lapsed: Zone


def _zone(world: Any, code: str, **kw: Any) -> Zone:
    kw.setdefault("target_market", TargetMarket.CHINA_GACC)
    zone = ZoneFactory(
        cooperative=world.a.coop,
        code=code,
        name="Ruộng nhà bà Hoa",
        notes="Liên hệ chị Alpha1: 0912 345 678",
        **kw,
    )
    zone.members = list(world.a.members)
    db.session.flush()
    return zone


def _submitted(world: Any, code: str, **kw: Any) -> Zone:
    zone = _zone(world, code, **kw)
    zones.transition(world.a.manager, zone, ZoneStatus.SUBMITTED, "Hồ sơ gửi Chi cục.")
    return zone


def _approved(world: Any, code: str, **kw: Any) -> Zone:
    zone = _submitted(world, code, **kw)
    zones.transition(world.auditor, zone, ZoneStatus.APPROVED, "Đã kiểm tra thực địa.")
    return zone


@pytest.fixture
def register(world: Any) -> Register:
    """Codes in every status, gone through the lifecycle service as an authority would."""
    approved = _approved(world, "VN-PYDX-0501")
    suspended = _approved(world, "VN-PYDX-0502", kind=ZoneKind.GROWING_AREA)
    zones.transition(
        world.auditor, suspended, ZoneStatus.SUSPENDED, "Hộ Nguyễn Thị Alpha1 dùng thuốc cấm."
    )
    revoked = _approved(world, "VN-PYPH-0503", kind=ZoneKind.PACKING_HOUSE, crop="đậu phộng")
    zones.transition(world.auditor, revoked, ZoneStatus.REVOKED, "Cơ sở ngừng hoạt động.")
    # Approved while valid; its validity has ended since (nobody has recorded the expiry).
    expired = _approved(world, "VN-PYDX-0504", target_market=TargetMarket.DOMESTIC)
    expired.valid_until = local_today() - dt.timedelta(days=3)
    draft = _zone(world, "VN-PYDX-0505")
    submitted = _submitted(world, "VN-PYDX-0506")
    rejected = _submitted(world, "VN-PYDX-0507")
    zones.transition(world.auditor, rejected, ZoneStatus.REJECTED, "Thiếu bản đồ.")
    # An application whose dates passed before anyone decided on it; its expiry is recorded.
    lapsed = _submitted(world, "VN-PYDX-0508")
    lapsed.valid_until = local_today() - dt.timedelta(days=3)
    db.session.flush()
    zones.transition(SYSTEM, lapsed, ZoneStatus.EXPIRED)
    return Register(
        world, approved, suspended, revoked, expired, draft, submitted, rejected, lapsed
    )


@pytest.fixture
def other_province(world: Any) -> Zone:
    """An approved aquaculture code of cooperative B, issued in Khánh Hòa."""
    zone = ZoneFactory(
        cooperative=world.b.coop,
        code="54-TH-0077-001",
        kind=ZoneKind.AQUACULTURE_FACILITY,
        crop="tôm hùm xanh",
        province="Khánh Hòa",
        district="Vạn Ninh",
        commune="Vạn Thạnh",
        target_market=TargetMarket.EU,
    )
    zones.transition(world.b.manager, zone, ZoneStatus.SUBMITTED, "Hồ sơ.")
    zones.transition(world.other_auditor, zone, ZoneStatus.APPROVED, "Đạt.")
    return zone
