"""Test data builders for zone codes (factory_boy), writing through the test's session."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import factory

from tests.factories import CooperativeFactory, _Base
from traceapp.zones import geometry as geo
from traceapp.zones.models import (
    CertificationScheme,
    Zone,
    ZoneCertification,
    ZoneKind,
    ZoneStatus,
)

#: A corner in the peanut fields of Xuân Phước (Đồng Xuân, Phú Yên).
XP_LON, XP_LAT = 109.02, 13.40


def square(lon: float = XP_LON, lat: float = XP_LAT, size: float = 0.001) -> dict[str, Any]:
    """A counter-clockwise square GeoJSON polygon with its south-west corner at lon/lat."""
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon, lat],
                [lon + size, lat],
                [lon + size, lat + size],
                [lon, lat + size],
                [lon, lat],
            ]
        ],
    }


def _derived(geometry: dict[str, Any] | None) -> dict[str, Any]:
    if not geometry:
        return {}
    hectares = geo.area_ha(geometry)
    west, south, east, north = geo.bounds(geometry)
    return {
        "computed_area_ha": None if hectares is None else decimal.Decimal(f"{hectares:.4f}"),
        "min_lon": west,
        "min_lat": south,
        "max_lon": east,
        "max_lat": north,
    }


class ZoneFactory(_Base):
    """A growing-area draft with a small square plot near Xuân Phước (distinct per zone)."""

    class Meta:
        model = Zone

    cooperative = factory.SubFactory(CooperativeFactory)
    code = factory.Sequence(lambda n: f"VN-PYDX-{9000 + n:04d}")
    kind = ZoneKind.GROWING_AREA
    name = factory.Sequence(lambda n: f"Cánh đồng thử {n}")
    crop = "đậu phộng"
    province = "Phú Yên"
    district = "Đồng Xuân"
    commune = "Xuân Phước"
    issuing_authority = "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên"
    decision_number = factory.Sequence(lambda n: f"{100 + n}/QĐ-TTBVTV")
    issued_on = dt.date(2024, 5, 14)
    valid_from = dt.date(2024, 5, 14)
    valid_until = dt.date(2099, 5, 13)
    declared_area_ha = decimal.Decimal("1.2")
    status = ZoneStatus.DRAFT
    # Each zone gets its own plot, 0.01 degree apart, so factories never overlap by accident.
    geometry = factory.Sequence(
        lambda n: square(XP_LON + 0.01 * (n % 50), XP_LAT + 0.01 * (n // 50 % 50))
    )

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs = {**_derived(kwargs.get("geometry")), **kwargs}
        return super()._create(model_class, *args, **kwargs)


class CertificationFactory(_Base):
    """A VietGAP certificate valid for years to come."""

    class Meta:
        model = ZoneCertification

    zone = factory.SubFactory(ZoneFactory)
    scheme = CertificationScheme.VIETGAP
    number = factory.Sequence(lambda n: f"VietGAP-TT-24-05-54-{n:04d}")
    issuer = "Tổ chức chứng nhận VietGAP"
    issued_on = dt.date(2024, 6, 1)
    expires_on = dt.date(2099, 6, 1)
