"""Support programmes: the organisations that run them, their activities (trainings, workshops,
visits), the people who attend, and the cooperatives founded with their support.

The models live in ``models_vocab``, ``models_programmes`` and ``models_activities``; every
name is importable from here (the metadata, Alembic and callers read this module).
"""

from __future__ import annotations

from traceapp.programmes.models_activities import (
    Activity as Activity,
)
from traceapp.programmes.models_activities import (
    Attendance as Attendance,
)
from traceapp.programmes.models_activities import (
    CooperativeFounding as CooperativeFounding,
)
from traceapp.programmes.models_activities import (
    MarkRequiredModule as MarkRequiredModule,
)
from traceapp.programmes.models_activities import (
    Participant as Participant,
)
from traceapp.programmes.models_activities import (
    activity_cooperatives as activity_cooperatives,
)
from traceapp.programmes.models_programmes import (
    INDICATOR_LABELS as INDICATOR_LABELS,
)
from traceapp.programmes.models_programmes import (
    Indicator as Indicator,
)
from traceapp.programmes.models_programmes import (
    Programme as Programme,
)
from traceapp.programmes.models_programmes import (
    ProgrammePartner as ProgrammePartner,
)
from traceapp.programmes.models_programmes import (
    ProgrammePeriod as ProgrammePeriod,
)
from traceapp.programmes.models_programmes import (
    ProgrammeProvince as ProgrammeProvince,
)
from traceapp.programmes.models_programmes import (
    ProgrammeTarget as ProgrammeTarget,
)
from traceapp.programmes.models_programmes import (
    SupportOrganisation as SupportOrganisation,
)
from traceapp.programmes.models_programmes import (
    TrainingModule as TrainingModule,
)
from traceapp.programmes.models_vocab import (
    ACTIVITY_KIND_LABELS as ACTIVITY_KIND_LABELS,
)
from traceapp.programmes.models_vocab import (
    AGE_BAND_LABELS as AGE_BAND_LABELS,
)
from traceapp.programmes.models_vocab import (
    AGE_BANDS as AGE_BANDS,
)
from traceapp.programmes.models_vocab import (
    IATI_ORGANISATION_TYPES as IATI_ORGANISATION_TYPES,
)
from traceapp.programmes.models_vocab import (
    IATI_PARTNER_ROLES as IATI_PARTNER_ROLES,
)
from traceapp.programmes.models_vocab import (
    ORGANISATION_KIND_LABELS as ORGANISATION_KIND_LABELS,
)
from traceapp.programmes.models_vocab import (
    PARTICIPANT_ROLE_LABELS as PARTICIPANT_ROLE_LABELS,
)
from traceapp.programmes.models_vocab import (
    PARTNER_ROLE_LABELS as PARTNER_ROLE_LABELS,
)
from traceapp.programmes.models_vocab import (
    ActivityKind as ActivityKind,
)
from traceapp.programmes.models_vocab import (
    OrganisationKind as OrganisationKind,
)
from traceapp.programmes.models_vocab import (
    ParticipantRole as ParticipantRole,
)
from traceapp.programmes.models_vocab import (
    PartnerRole as PartnerRole,
)
from traceapp.programmes.models_vocab import (
    age_band as age_band,
)
from traceapp.programmes.models_vocab import (
    is_officer as is_officer,
)
