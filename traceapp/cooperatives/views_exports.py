"""The members list as CSV and XLSX downloads, with the list's filters."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp import tables
from traceapp.auth.permissions import get_scoped
from traceapp.cooperatives.forms import GENDER_LABELS, ROLE_LABELS
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.cooperatives.views import bp, member_list
from traceapp.tables import Column

MEMBERS = tables.Table(
    "members",
    (
        Column("member_number", _l("Member number"), lambda m: m.member_number),
        Column("full_name", _l("Full name"), lambda m: m.full_name),
        Column("gender", _l("Gender"), lambda m: m.gender, GENDER_LABELS),
        Column("birth_year", _l("Birth year"), lambda m: m.birth_year),
        Column("village", _l("Village"), lambda m: m.village),
        Column("commune", _l("Commune"), lambda m: m.commune),
        Column("phone", _l("Phone"), lambda m: m.phone),
        Column("role", _l("Role"), lambda m: m.role, ROLE_LABELS),
        Column("vessel_registration", _l("Vessel registration"), lambda m: m.vessel_registration),
        Column("vessel_name", _l("Vessel name"), lambda m: m.vessel_name),
        Column("joined_on", _l("Joined on"), lambda m: m.joined_on),
        Column("left_on", _l("Left on"), lambda m: m.left_on),
        Column(
            "public_name_consent", _l("Name shown on public pages"), lambda m: m.public_name_consent
        ),
    ),
)


@tables.routes(bp, "/cooperatives/<int:cooperative_id>/members", "members")
@login_required
def members_download(cooperative_id: int) -> Any:
    """The members list, filtered as on screen, as CSV or XLSX."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    stmt, _args = member_list(coop)
    return tables.download(
        MEMBERS,
        tables.rows_of(stmt.order_by(Member.member_number, Member.id)),
        tables.requested_format(),
        stem=f"members-{coop.short_code}",
    )
