"""Builders for the programme tests: an organisation with an officer, and a programme."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.factories import UserFactory
from traceapp.auth.models import SYSTEM, Role, User
from traceapp.programmes import services
from traceapp.programmes.models import OrganisationKind, Programme, SupportOrganisation

START = dt.date(2024, 1, 1)
END = dt.date(2026, 12, 31)


@dataclass
class Support:
    """An organisation, its officer and a programme in Phú Yên."""

    org: SupportOrganisation
    officer: User
    programme: Programme


def make_support(label: str = "Alpha", province: str = "Phú Yên") -> Support:
    """An organisation with one officer and one programme working in ``province``."""
    org = services.create_organisation(
        SYSTEM, name=f"Hội Liên hiệp Phụ nữ {label}", kind=OrganisationKind.ALLIANCE
    )
    officer = UserFactory(
        email=f"officer-{label.lower()}@example.test",
        role=Role.PROGRAMME_OFFICER,
        cooperative=None,
        organisation_id=org.id,
        full_name=f"Officer {label}",
    )
    programme = services.create_programme(
        SYSTEM,
        org.id,
        code=f"WCP-{label.upper()}",
        names={"vi": f"Chương trình HTX phụ nữ {label}", "en": f"Women's cooperatives {label}"},
        starts_on=START,
        ends_on=END,
        provinces=[province],
    )
    return Support(org, officer, programme)


def person(name: str, **kw: Any) -> dict[str, Any]:
    """A sign-in sheet row for someone who is not (known as) a member."""
    return {"full_name": name, "gender": "female", **kw}
