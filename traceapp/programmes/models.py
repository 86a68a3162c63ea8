"""Support programmes: the organisations that run them, their activities (trainings, workshops,
visits), the people who attend, and the cooperatives founded with their support.

The models live in ``models_vocab``, ``models_programmes`` and ``models_activities``; every
name is importable from here (the metadata, Alembic and callers read this module).
"""

from __future__ import annotations

from traceapp.programmes.models_activities import (
    Activity,
    Attendance,
    CooperativeFounding,
    MarkRequiredModule,
    Participant,
    activity_cooperatives,
)
from traceapp.programmes.models_imports import AttendanceImport
from traceapp.programmes.models_programmes import (
    INDICATOR_LABELS,
    Indicator,
    Programme,
    ProgrammePartner,
    ProgrammePeriod,
    ProgrammeProvince,
    ProgrammeTarget,
    SupportOrganisation,
    TrainingModule,
)
from traceapp.programmes.models_vocab import (
    ACTIVITY_KIND_LABELS,
    AGE_BAND_LABELS,
    AGE_BANDS,
    IATI_ORGANISATION_TYPES,
    IATI_PARTNER_ROLES,
    ORGANISATION_KIND_LABELS,
    PARTICIPANT_ROLE_LABELS,
    PARTNER_ROLE_LABELS,
    ActivityKind,
    OrganisationKind,
    ParticipantRole,
    PartnerRole,
    age_band,
    is_officer,
)

__all__ = [
    "ACTIVITY_KIND_LABELS",
    "AGE_BANDS",
    "AGE_BAND_LABELS",
    "Activity",
    "ActivityKind",
    "Attendance",
    "AttendanceImport",
    "CooperativeFounding",
    "IATI_ORGANISATION_TYPES",
    "IATI_PARTNER_ROLES",
    "INDICATOR_LABELS",
    "Indicator",
    "MarkRequiredModule",
    "ORGANISATION_KIND_LABELS",
    "OrganisationKind",
    "PARTICIPANT_ROLE_LABELS",
    "PARTNER_ROLE_LABELS",
    "Participant",
    "ParticipantRole",
    "PartnerRole",
    "Programme",
    "ProgrammePartner",
    "ProgrammePeriod",
    "ProgrammeProvince",
    "ProgrammeTarget",
    "SupportOrganisation",
    "TrainingModule",
    "activity_cooperatives",
    "age_band",
    "is_officer",
]
