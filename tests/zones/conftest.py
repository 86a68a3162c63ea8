"""Fixtures for the zone tests: auditors' API tokens and a complete zone payload."""

from __future__ import annotations

from typing import Any

import pytest

from tests.zones.factories import square
from traceapp.auth.services import create_token


@pytest.fixture
def auditor_token(world: Any) -> str:
    """An API token of the Phú Yên auditor (cooperative A's province)."""
    return create_token(world.auditor, world.auditor, "tests")[1]


@pytest.fixture
def other_auditor_token(world: Any) -> str:
    """An API token of the Khánh Hòa auditor."""
    return create_token(world.other_auditor, world.other_auditor, "tests")[1]


def zone_payload(**changes: Any) -> dict[str, Any]:
    """A complete, valid growing-area registration for the API."""
    data = {
        "code": "VN-PYDX-0128",
        "kind": "growing_area",
        "name": "Cánh đồng Phú Xuân",
        "crop": "đậu phộng",
        "province": "Phú Yên",
        "district": "Đồng Xuân",
        "commune": "Xuân Phước",
        "issuing_authority": "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên",
        "decision_number": "128/QĐ-TTBVTV",
        "issued_on": "2024-05-14",
        "valid_from": "2024-05-14",
        "valid_until": "2099-05-13",
        "target_market": "china_gacc",
        "declared_area_ha": 1.2,
        "geometry": square(),
    }
    data.update(changes)
    return data
