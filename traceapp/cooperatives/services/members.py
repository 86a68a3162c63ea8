"""Members (households, vessels): checks, registration, edits, search and counts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped
from traceapp.cooperatives.models import (
    Cooperative,
    Gender,
    Member,
    MemberRole,
)
from traceapp.cooperatives.services.cooperative import PHONE_RE, get_cooperative
from traceapp.cooperatives.services.numbering import allocate_member_number
from traceapp.core import countries
from traceapp.core.columns import max_length
from traceapp.core.inputs import blank_to_none
from traceapp.core.search import text_match
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


MEMBER_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$")


FLAG_RE = re.compile(r"^[A-Z]{2,3}$")


MEMBER_FIELDS = (
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
    "flag_state",
    "imo_number",
    "joined_on",
    "left_on",
    "public_name_consent",
    "notes",
)


#: How a member field is named to the reader (import problems found after the file is gone).
MEMBER_FIELD_LABELS = {
    "member_number": _l("Member number"),
    "full_name": _l("Full name"),
    "gender": _l("Gender"),
    "birth_year": _l("Birth year"),
    "village": _l("Village"),
    "commune": _l("Commune"),
    "phone": _l("Phone"),
    "role": _l("Role"),
    "vessel_registration": _l("Vessel registration"),
    "vessel_name": _l("Vessel name"),
    "flag_state": _l("Flag state"),
    "imo_number": _l("IMO number"),
    "joined_on": _l("Joined on"),
    "left_on": _l("Left on"),
    "public_name_consent": _l("Name on public pages"),
    "notes": _l("Notes"),
}

#: Free-text fields and what each may hold, read from its column (the notes, a TEXT column,
#: declare their bound in the column's info). Numbers, phones and codes have patterns that
#: bound them already.
_MAX_LENGTHS = {
    key: max_length(getattr(Member, key))
    for key in ("full_name", "village", "commune", "vessel_registration", "vessel_name", "notes")
}


def imo_is_valid(imo: str) -> bool:
    """IMO ship numbers: seven digits, the last a check digit over weights 7..2."""
    digits = imo.removeprefix("IMO").strip()
    if not re.fullmatch(r"\d{7}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


def check_member(
    values: dict[str, Any],
    cooperative_id: int,
    existing: Member | None = None,
    *,
    clash_checked: bool = False,
    this_year: int | None = None,
) -> dict[str, list[str]]:
    """Every problem of a member's data, by field (empty when it may be saved).
    ``clash_checked``: the caller looked the member number up already (a whole file's at
    once), so it is not looked up again; ``this_year``: the local year, when known."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not values.get("full_name"):
        add("full_name", _("Enter the member's full name."))
    for key, limit in _MAX_LENGTHS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            add(key, _("At most %(num)s characters.", num=format_number(limit)))
    number = values.get("member_number")
    if number:
        if not MEMBER_NUMBER_RE.match(number):
            add("member_number", _("1 to 20 letters, digits, dots, dashes or slashes."))
        elif not clash_checked:
            clash = db.session.execute(
                sa.select(Member.id).where(
                    Member.cooperative_id == cooperative_id, Member.member_number == number
                )
            ).first()
            if clash is not None and (existing is None or clash.id != existing.id):
                add(
                    "member_number", _("Member number %(number)s is already in use.", number=number)
                )
    year = values.get("birth_year")
    this_year = this_year or local_today().year
    if year is not None and not (1900 <= year <= this_year):
        # TRANSLATORS: %(first)s and %(last)s are years (1900 and the current year), written
        # without any thousands separator.
        add(
            "birth_year",
            _("Enter a year between %(first)s and %(last)s.", first=1900, last=this_year),
        )
    if values.get("phone") and not PHONE_RE.match(values["phone"]):
        add("phone", _("Enter a phone number of digits, spaces and an optional +."))
    elif values.get("phone"):
        cooperative = db.session.get(Cooperative, cooperative_id)
        profile = countries.get(cooperative.country if cooperative else None)
        problem = countries.phone_problem(profile, values["phone"])
        if problem:
            add("phone", problem)
    if values.get("flag_state") and not FLAG_RE.match(values["flag_state"]):
        add("flag_state", _("Use the ISO 3166 country code, such as VN or VNM."))
    if values.get("imo_number") and not imo_is_valid(values["imo_number"]):
        add("imo_number", _("An IMO number has 7 digits and a valid check digit."))
    joined, left = values.get("joined_on"), values.get("left_on")
    if joined and left and left < joined:
        add("left_on", _("The leaving date is before the joining date."))
    return errors


def member_values(data: dict[str, Any]) -> dict[str, Any]:
    """A member's typed values from API, form or import input (blank text becomes None)."""
    values = {k: blank_to_none(data[k]) for k in MEMBER_FIELDS if k in data}
    for key in ("flag_state", "vessel_registration"):
        if values.get(key):
            values[key] = values[key].upper()
    if values.get("imo_number"):
        values["imo_number"] = values["imo_number"].upper().removeprefix("IMO").strip()
    if isinstance(values.get("gender"), str):
        values["gender"] = Gender(values["gender"])
    if isinstance(values.get("role"), str):
        values["role"] = MemberRole(values["role"])
    return values


def create_member(actor: Actor, cooperative_id: int, **data: Any) -> Member:
    """Register a member; a number is allocated when none is given."""
    coop = get_cooperative(actor, cooperative_id)
    require(actor.can_write_cooperative(coop.id), _("You cannot add members to this cooperative."))
    values = member_values(data)
    values.setdefault("gender", Gender.UNSPECIFIED)
    values.setdefault("role", MemberRole.HOUSEHOLD)
    if values.get("gender") is None:
        values["gender"] = Gender.UNSPECIFIED
    if values.get("role") is None:
        values["role"] = MemberRole.HOUSEHOLD
    if values.get("public_name_consent") is None:
        values["public_name_consent"] = False
    errors = check_member(values, coop.id)
    if errors:
        raise ValidationFailed(_("The member could not be saved."), errors)
    if not values.get("member_number"):
        values["member_number"] = allocate_member_number(coop.id)
    member = Member(cooperative_id=coop.id, **values)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "member.create", member, changes=audit.created(member))
    return member


def update_member(actor: Actor, member: Member, **data: Any) -> Member:
    """Change a member's details; the member number stays unique."""
    require(actor.can_write_cooperative(member.cooperative_id), _("You cannot edit this member."))
    values = member_values(data)
    if "member_number" in values and not values["member_number"]:
        raise ValidationFailed.field("member_number", _("A member keeps a member number."))
    for key in ("gender", "role", "public_name_consent"):
        if key in values and values[key] is None:
            values.pop(key)
    merged = {k: getattr(member, k) for k in MEMBER_FIELDS} | values
    errors = check_member(merged, member.cooperative_id, existing=member)
    if errors:
        raise ValidationFailed(_("The member could not be saved."), errors)
    audit.apply_changes(actor, member, values, "member.update")
    return member


#: The members list's order (column, descending), ending with the id (keyset paging).
MEMBER_LIST_ORDER = [(Member.member_number, False), (Member.id, False)]


def member_list(actor: Actor, cooperative_id: int, q: str | None = None) -> sa.Select[Any]:
    """A cooperative's members as the actor's list shows them, filtered by search text (no
    order, no paging: the page, an export or the API adds those)."""
    stmt = scoped(Member, actor).where(Member.cooperative_id == cooperative_id)
    return member_search(stmt, q)


def member_search(stmt: sa.Select[Any], q: str | None) -> sa.Select[Any]:
    """Filter members by name, number, village, phone or vessel."""
    q = (q or "").strip()
    if not q:
        return stmt
    return stmt.where(
        text_match(
            Member, ["full_name", "member_number", "village", "phone", "vessel_registration"], q
        )
    )


def member_stats(cooperative_id: int) -> dict[str, Any]:
    """Current members, women among them, and their share in percent."""
    active = sa.and_(Member.cooperative_id == cooperative_id, Member.left_on.is_(None))
    total, women = db.session.execute(
        sa.select(
            sa.func.count(Member.id),
            sa.func.count(Member.id).filter(Member.gender == Gender.FEMALE),
        ).where(active)
    ).one()
    share = round(100 * women / total) if total else 0
    return {"members": total, "women": women, "women_share": share}
