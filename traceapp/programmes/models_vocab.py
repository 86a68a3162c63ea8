"""The vocabularies of support programmes: organisation kinds, partner roles, activity kinds,
participant roles and age bands, with their labels and IATI codes."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from traceapp.auth.models import Role

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


class OrganisationKind(enum.StrEnum):
    """What kind of body supports cooperatives."""

    MINISTRY = "ministry"
    ALLIANCE = "alliance"
    NGO = "ngo"
    INTERNATIONAL = "international"
    OTHER = "other"


ORGANISATION_KIND_LABELS = {
    OrganisationKind.MINISTRY: _l("Ministry or government agency"),
    OrganisationKind.ALLIANCE: _l("Cooperative alliance"),
    OrganisationKind.NGO: _l("Non-governmental organisation"),
    OrganisationKind.INTERNATIONAL: _l("International agency"),
    OrganisationKind.OTHER: _l("Other"),
}

#: IATI organisation type codes (OrganisationType codelist) for each kind.
IATI_ORGANISATION_TYPES = {
    OrganisationKind.MINISTRY: "10",
    OrganisationKind.ALLIANCE: "22",
    OrganisationKind.NGO: "21",
    OrganisationKind.INTERNATIONAL: "40",
    OrganisationKind.OTHER: "90",
}


class PartnerRole(enum.StrEnum):
    """An organisation's part in a programme (the IATI organisation roles)."""

    FUNDING = "funding"
    ACCOUNTABLE = "accountable"
    IMPLEMENTING = "implementing"


PARTNER_ROLE_LABELS = {
    PartnerRole.FUNDING: _l("Funding"),
    PartnerRole.ACCOUNTABLE: _l("Accountable"),
    PartnerRole.IMPLEMENTING: _l("Implementing"),
}

IATI_PARTNER_ROLES = {
    PartnerRole.FUNDING: "1",
    PartnerRole.ACCOUNTABLE: "2",
    PartnerRole.IMPLEMENTING: "4",
}


class ActivityKind(enum.StrEnum):
    """What kind of event an activity is."""

    TRAINING = "training"
    WORKSHOP = "workshop"
    SEMINAR = "seminar"
    INFORMATION_MEETING = "information_meeting"
    COOPERATIVE_VISIT = "cooperative_visit"
    REGIONAL_MEETING = "regional_meeting"
    CONSULTATION = "consultation"
    TRAINING_OF_FACILITATORS = "training_of_facilitators"


ACTIVITY_KIND_LABELS = {
    ActivityKind.TRAINING: _l("Training"),
    ActivityKind.WORKSHOP: _l("Workshop"),
    ActivityKind.SEMINAR: _l("Seminar"),
    ActivityKind.INFORMATION_MEETING: _l("Information meeting"),
    ActivityKind.COOPERATIVE_VISIT: _l("Cooperative visit"),
    ActivityKind.REGIONAL_MEETING: _l("Regional meeting"),
    ActivityKind.CONSULTATION: _l("Consultation"),
    ActivityKind.TRAINING_OF_FACILITATORS: _l("Training of facilitators"),
}


class ParticipantRole(enum.StrEnum):
    """Why a person attends."""

    MEMBER = "member"
    MANAGER = "manager"
    FOUNDER = "would_be_founder"
    OFFICIAL = "local_official"
    FACILITATOR = "facilitator"
    OTHER = "other"


PARTICIPANT_ROLE_LABELS = {
    ParticipantRole.MEMBER: _l("Cooperative member"),
    ParticipantRole.MANAGER: _l("Cooperative manager"),
    ParticipantRole.FOUNDER: _l("Would-be founder"),
    ParticipantRole.OFFICIAL: _l("Local official"),
    ParticipantRole.FACILITATOR: _l("Facilitator"),
    ParticipantRole.OTHER: _l("Other"),
}

#: Age bands, from the youngest: (key, first age, last age or None).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under_25", 0, 24),
    ("25_34", 25, 34),
    ("35_44", 35, 44),
    ("45_54", 45, 54),
    ("55_64", 55, 64),
    ("65_plus", 65, None),
)
AGE_BAND_LABELS = {
    "under_25": _l("under 25"),
    "25_34": "25–34",
    "35_44": "35–44",
    "45_54": "45–54",
    "55_64": "55–64",
    "65_plus": _l("65 and over"),
    "unknown": _l("age not known"),
}


def age_band(birth_year: int | None, in_year: int) -> str | None:
    """The band of a person born in ``birth_year`` during ``in_year``; None when unknown."""
    if birth_year is None:
        return None
    age = in_year - birth_year
    for key, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return key
    return None


def is_officer(actor: Actor) -> bool:
    """A programme officer of a support organisation."""
    return getattr(actor, "role", None) == Role.PROGRAMME_OFFICER
