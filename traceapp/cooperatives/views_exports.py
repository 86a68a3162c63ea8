"""The members list as CSV and XLSX downloads, with the list's filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp import tables
from traceapp.auth.permissions import get_scoped
from traceapp.cooperatives.forms import GENDER_LABELS, ROLE_LABELS
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.cooperatives.services import MEMBER_FIELD_LABELS
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
            "public_name_consent",
            MEMBER_FIELD_LABELS["public_name_consent"],
            lambda m: m.public_name_consent,
        ),
    ),
)


#: The columns of the import template, in the order people fill them.
TEMPLATE_FIELDS = (
    "member_number",
    "full_name",
    "gender",
    "birth_year",
    "village",
    "commune",
    "phone",
    "role",
    "vessel_registration",
    "vessel_name",
    "joined_on",
    "public_name_consent",
    "notes",
)


def _example() -> dict[str, Any]:
    """The template's example line, in words the import reads back in every language."""
    vi = str(get_locale()) == "vi"
    return {
        "member_number": "0101",
        "full_name": "Nguyễn Thị Lan",
        "gender": "Nữ" if vi else "female",
        "birth_year": 1980,
        "village": "Thôn 1",
        "commune": "Xuân Phước",
        "phone": "0901 234 567",
        "role": "Hộ gia đình" if vi else "household",
        "vessel_registration": "",
        "vessel_name": "",
        "joined_on": "31/03/2024",
        "public_name_consent": "có" if vi else "yes",
        "notes": str(_l("Example line: replace it with your members.")),
    }


def _cell(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row[key]


TEMPLATE = tables.Table(
    "members-template",
    tuple(Column(key, MEMBER_FIELD_LABELS[key], _cell(key)) for key in TEMPLATE_FIELDS),
)


@tables.routes(bp, "/cooperatives/<int:cooperative_id>/members/import/template", "member_template")
@login_required
def member_template(cooperative_id: int) -> Any:
    """The member import's template: headings in the reader's language and an example line."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    return tables.download(
        TEMPLATE,
        [_example()],
        tables.requested_format(),
        stem=f"members-template-{coop.short_code}",
        machine=False,
    )


@tables.routes(bp, "/cooperatives/<int:cooperative_id>/members", "members")
@login_required
def members_download(cooperative_id: int) -> Any:
    """The members list, filtered as on screen, as CSV or XLSX."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    stmt, _args = member_list(coop)
    # Plain rows of the file's columns: ORM members, a batch at a time, lived long enough to
    # fill the collector's old generation and set off full collections of the process.
    rows = stmt.with_only_columns(*(getattr(Member, c.key) for c in MEMBERS.columns))
    return tables.download(
        MEMBERS,
        tables.rows_of(rows.order_by(Member.member_number, Member.id), whole_rows=True),
        tables.requested_format(),
        stem=f"members-{coop.short_code}",
    )
