"""Sign-in sheets: who attended an activity, each person once per activity, members linked to
their cooperative record, and likely duplicates of a person found for merging."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_ref
from traceapp.cooperatives.models import Gender, Member
from traceapp.core.inputs import blank_to_none
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes.activities import MAX_ROWS, cooperatives_named, fold, member_choices
from traceapp.programmes.models import (
    AGE_BANDS,
    Activity,
    Attendance,
    Participant,
    ParticipantRole,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


def _member_participant(org_id: int, member: Member) -> Participant:
    person = db.session.scalar(
        sa.select(Participant).where(
            Participant.organisation_id == org_id, Participant.member_id == member.id
        )
    )
    if person is None:
        person = Participant(
            organisation_id=org_id,
            member_id=member.id,
            full_name=member.full_name,
            name_key=fold(member.full_name)[:120],
            gender=member.gender,
            birth_year=member.birth_year,
            phone=member.phone,
            cooperative_id=member.cooperative_id,
            role=ParticipantRole.MEMBER,
            province=member.cooperative.province,
            district=member.cooperative.district,
            commune=member.commune or member.cooperative.commune,
        )
        db.session.add(person)
        db.session.flush()
    return person


PERSON_FIELDS = (
    "full_name",
    "gender",
    "birth_year",
    "age_band",
    "phone",
    "cooperative_id",
    "role",
    "province",
    "district",
    "commune",
)


def clean_person(row: dict[str, Any], prefix: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    """A sign-in sheet row's person, checked; problems go to ``errors`` under
    ``prefix + field``."""
    out: dict[str, Any] = {}
    name = " ".join(str(row.get("full_name") or "").split())
    if not name:
        errors.setdefault(prefix + "full_name", []).append(_("Enter the person's name."))
    elif len(name) > 120:
        errors.setdefault(prefix + "full_name", []).append(_("A name is at most 120 characters."))
    out["full_name"] = name
    try:
        out["gender"] = Gender(row.get("gender") or Gender.UNSPECIFIED)
    except ValueError:
        errors.setdefault(prefix + "gender", []).append(
            _("Gender is female, male, other or unspecified.")
        )
    year = row.get("birth_year")
    out["birth_year"] = None
    if year not in (None, ""):
        try:
            out["birth_year"] = int(str(year).strip())
            if not 1900 <= out["birth_year"] <= local_today().year:
                raise ValueError
        except ValueError:
            errors.setdefault(prefix + "birth_year", []).append(
                _("Enter a birth year such as 1980.")
            )
    band = blank_to_none(row.get("age_band"))
    if band is not None and band not in {key for key, _lo, _hi in AGE_BANDS}:
        errors.setdefault(prefix + "age_band", []).append(_("Choose an age band from the list."))
    out["age_band"] = band
    try:
        out["role"] = ParticipantRole(row.get("role") or ParticipantRole.MEMBER)
    except ValueError:
        errors.setdefault(prefix + "role", []).append(_("Choose the person's role."))
    for key, limit in (("phone", 30), ("province", 100), ("district", 100), ("commune", 100)):
        value = blank_to_none(" ".join(str(row.get(key) or "").split()))
        if value is not None and len(value) > limit:
            errors.setdefault(prefix + key, []).append(_("At most %(n)d characters.", n=limit))
        out[key] = value
    coop = row.get("cooperative_id")
    out["cooperative_id"] = None
    if coop not in (None, "", 0):
        found = cooperatives_named([coop], {})
        if not found:
            errors.setdefault(prefix + "cooperative_id", []).append(_("No such cooperative."))
        else:
            out["cooperative_id"] = found[0].id
    return out


def record_attendance(
    actor: Actor, activity: Activity, rows: list[dict[str, Any]], *, limit: int = MAX_ROWS
) -> list[Attendance]:
    """Add a sign-in sheet to an activity. Each row is a member (``member_id``), a person
    already recorded (``participant_id``), or a new person (name, gender, birth year ...).
    A person counted twice in the activity refuses the whole sheet, naming the row."""
    programme = activity.programme
    require(programme.can_record(actor), _("Only the programme's officers may record attendance."))
    if not rows:
        raise ValidationFailed.field("rows", _("The sign-in sheet has no one on it."))
    if len(rows) > limit:
        raise ValidationFailed.field("rows", _("At most %(n)d people per sheet.", n=limit))
    org_id = programme.organisation_id
    errors: dict[str, list[str]] = {}
    allowed_members = {m["id"] for m in member_choices(activity)}
    already = set(
        db.session.scalars(
            sa.select(Attendance.participant_id).where(Attendance.activity_id == activity.id)
        )
    )
    seen_people = {
        p.person_key
        for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(already)))
    }
    people: list[tuple[int, Participant]] = []
    for n, row in enumerate(rows):
        prefix = f"rows.{n}."
        person: Participant | None = None
        if row.get("member_id") not in (None, "", 0):
            member_id = row["member_id"]
            if member_id not in allowed_members:
                errors.setdefault(prefix + "member_id", []).append(
                    _("Not a member of a cooperative taking part in this activity.")
                )
                continue
            member = db.session.get(Member, member_id)
            assert member is not None
            person = _member_participant(org_id, member)
        elif row.get("participant_id") not in (None, "", 0):
            person = scoped_ref(
                Participant,
                row["participant_id"],
                actor,
                prefix + "participant_id",
                message=_("No such participant."),
                errors=errors,
            )
            if person is None:
                continue
        else:
            values = clean_person(row, prefix, errors)
            if any(k.startswith(prefix) for k in errors):
                continue
            person = Participant(
                organisation_id=org_id, name_key=fold(values["full_name"])[:120], **values
            )
            db.session.add(person)
            db.session.flush()
        if person.person_key in seen_people:
            errors.setdefault(prefix + "full_name", []).append(
                _("%(name)s is already counted in this activity.", name=person.full_name)
            )
            continue
        seen_people.add(person.person_key)
        people.append((n, person))
    if errors:
        raise ValidationFailed(_("The sign-in sheet could not be saved."), errors)
    out = []
    for _n, person in people:
        attendance = Attendance(
            activity_id=activity.id,
            participant_id=person.id,
            recorded_by_id=getattr(actor, "id", None),
        )
        db.session.add(attendance)
        out.append(attendance)
    db.session.flush()
    audit.record(
        actor,
        "activity.attendance",
        activity,
        changes={"participants": {"before": None, "after": [p.id for _n, p in people]}},
        summary=f"{len(people)} attendance(s) recorded",
    )
    return out


def remove_attendance(actor: Actor, attendance: Attendance) -> None:
    """Strike a person off an activity's sheet."""
    require(
        attendance.activity.programme.can_record(actor),
        _("Only the programme's officers may record attendance."),
    )
    activity = attendance.activity
    audit.record(
        actor,
        "activity.attendance_removed",
        activity,
        changes={"participant_id": {"before": attendance.participant_id, "after": None}},
    )
    db.session.delete(attendance)
    db.session.flush()


def attendances_of(activity: Activity) -> list[Attendance]:
    """The activity's sign-in sheet, by name."""
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .join(Participant, Attendance.participant_id == Participant.id)
            .where(Attendance.activity_id == activity.id)
            .order_by(Participant.name_key, Participant.id)
        )
    )


# --- likely duplicates ----------------------------------------------------------------------


def _same_person(a: Participant, b: Participant) -> bool:
    """Same name and (same phone or same birth year), same commune: likely one person."""
    if a.member_id and b.member_id:
        return False  # two member records are two people (a duplicate is the registry's)
    if a.name_key != b.name_key or fold(a.commune) != fold(b.commune):
        return False
    phone = a.phone and b.phone and _digits(a.phone) == _digits(b.phone)
    born = a.birth_year is not None and a.birth_year == b.birth_year
    return bool(phone or born)


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())[-9:]


def likely_duplicates(organisation_id: int) -> list[list[Participant]]:
    """Groups of an organisation's participant records that are likely one person."""
    people = db.session.scalars(
        sa.select(Participant)
        .where(Participant.organisation_id == organisation_id)
        .order_by(Participant.name_key, Participant.id)
    )
    by_name: dict[str, list[Participant]] = defaultdict(list)
    for p in people:
        by_name[p.name_key].append(p)
    groups = []
    for same_name in by_name.values():
        if len(same_name) < 2:
            continue
        used: set[int] = set()
        for i, a in enumerate(same_name):
            if a.id in used:
                continue
            group = [a] + [b for b in same_name[i + 1 :] if b.id not in used and _same_person(a, b)]
            if len(group) > 1:
                used.update(p.id for p in group)
                groups.append(group)
    return groups


def matches_for(organisation_id: int, person: dict[str, Any]) -> list[Participant]:
    """Recorded participants that a new row (name, phone, birth year, commune) likely is."""
    probe = Participant(
        id=0,
        name_key=fold(person.get("full_name"))[:120],
        phone=person.get("phone"),
        birth_year=person.get("birth_year"),
        commune=person.get("commune"),
    )
    candidates = db.session.scalars(
        sa.select(Participant).where(
            Participant.organisation_id == organisation_id,
            Participant.name_key == probe.name_key,
        )
    )
    return [c for c in candidates if _same_person(probe, c)]


def merge_participants(actor: Actor, keep: Participant, other: Participant) -> Participant:
    """Merge a duplicate record into the one kept: its attendances move over (one per
    activity), the missing facts are filled in, and the duplicate is deleted."""
    require(
        actor.is_admin or getattr(actor, "organisation_id", None) == keep.organisation_id,
        _("Only the organisation's officers may merge its participants."),
    )
    if keep.id == other.id or keep.organisation_id != other.organisation_id:
        raise ValidationFailed.field("other_id", _("Choose another record of the same person."))
    if keep.member_id and other.member_id:
        raise ValidationFailed.field("other_id", _("Two cooperative members are two people."))
    kept_activities = set(
        db.session.scalars(
            sa.select(Attendance.activity_id).where(Attendance.participant_id == keep.id)
        )
    )
    moved = 0
    for attendance in db.session.scalars(
        sa.select(Attendance).where(Attendance.participant_id == other.id)
    ):
        if attendance.activity_id in kept_activities:
            db.session.delete(attendance)
        else:
            attendance.participant_id = keep.id
            moved += 1
    fill = {
        key: getattr(other, key)
        for key in ("member_id", "birth_year", "age_band", "phone", "cooperative_id", "commune")
        if getattr(keep, key) in (None, "") and getattr(other, key) not in (None, "")
    }
    if keep.gender == Gender.UNSPECIFIED and other.gender != Gender.UNSPECIFIED:
        fill["gender"] = other.gender
    db.session.flush()
    audit.record(
        actor,
        "participant.merge",
        keep,
        changes={"merged": {"before": other.id, "after": keep.id}, "attendances_moved": moved},
    )
    db.session.delete(other)
    db.session.flush()
    audit.apply_changes(actor, keep, fill, "participant.update")
    return keep
