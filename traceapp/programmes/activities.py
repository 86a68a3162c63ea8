"""Activities of a programme: recorded, corrected, and the members who may sign their sheets
(see ``attendance`` for the sheets themselves)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_ref
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.core.inputs import blank_to_none
from traceapp.core.regions import normalise
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes.models import (
    Activity,
    ActivityKind,
    Programme,
    TrainingModule,
    age_band,
)
from traceapp.programmes.services import topics

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

#: The most rows one sign-in sheet or import may carry.
MAX_ROWS = 2000


def fold(text: str | None) -> str:
    """A name or place folded for comparison: lower case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFD", (text or "").strip().lower().replace("đ", "d"))
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(plain.split())


def cooperatives_named(ids: list[Any], errors: dict[str, list[str]]) -> list[Cooperative]:
    """Cooperatives named by id: any on the platform (their names are in the public register)."""
    wanted = list(dict.fromkeys(ids or []))
    numbers = [i for i in wanted if isinstance(i, int) and not isinstance(i, bool) and i > 0]
    found = {
        c.id: c
        for c in db.session.scalars(sa.select(Cooperative).where(Cooperative.id.in_(numbers)))
    }
    for ident in wanted:
        if ident not in found:
            errors.setdefault("cooperative_ids", []).append(
                _("No such cooperative: %(id)s.", id=ident)
            )
    return [found[i] for i in wanted if i in found]


def _hours(value: Any, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite() or number < 0 or number > 1000:
            raise InvalidOperation
        return number
    except (InvalidOperation, ValueError):
        errors["hours"] = [_("Enter the hours, from 0 to 1000.")]
        return None


def _check_activity(programme: Programme, values: dict[str, Any], actor: Actor) -> None:
    errors: dict[str, list[str]] = {}
    try:
        values["kind"] = ActivityKind(values.get("kind") or "")
    except ValueError:
        errors["kind"] = [_("Choose the kind of activity.")]
    values["title"] = (values.get("title") or "").strip()
    if not values["title"] or len(values["title"]) > 200:
        errors["title"] = [_("Enter a title (at most 200 characters).")]
    topic = blank_to_none(values.get("topic"))
    if topic is not None and topic not in topics():
        errors["topic"] = [_("Choose a topic from the list.")]
    values["topic"] = topic
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if not isinstance(starts, dt.date):
        errors["starts_on"] = [_("Enter the day the activity took place.")]
    else:
        first, last = programme.starts_on, programme.ends_on
        if first and starts < first:
            errors["starts_on"] = [
                _("The activity is dated before its programme starts (%(day)s).", day=first)
            ]
        elif last and starts > last:
            errors["starts_on"] = [
                _("The activity is dated after its programme ends (%(day)s).", day=last)
            ]
        if isinstance(ends, dt.date) and ends < starts:
            errors["ends_on"] = [_("The activity ends before it starts.")]
    province = (values.get("province") or "").strip()
    if not province:
        errors["province"] = [_("Enter the province.")]
    elif not programme.covers_province(province):
        errors["province"] = [_("The programme does not work in this province.")]
    values["province"] = province
    values["province_key"] = normalise(province)
    values["hours"] = _hours(values.get("hours"), errors)
    module_id = values.pop("module_id", None)
    values["module_id"] = None
    if module_id not in (None, "", 0):
        module = scoped_ref(
            TrainingModule,
            module_id,
            actor,
            "module_id",
            message=_("No such training module."),
            errors=errors,
        )
        if module is not None and module.programme_id not in (None, programme.id):
            errors.setdefault("module_id", []).append(_("No such training module."))
        elif module is not None:
            values["module_id"] = module.id
    for key in ("district", "commune", "facilitators", "notes"):
        if key in values:
            values[key] = blank_to_none(values[key])
    coop_ids = values.pop("cooperative_ids", None)
    values["_cooperatives"] = None if coop_ids is None else cooperatives_named(coop_ids, errors)
    if errors:
        raise ValidationFailed(_("The activity could not be saved."), errors)


ACTIVITY_FIELDS = (
    "kind",
    "title",
    "topic",
    "module_id",
    "starts_on",
    "ends_on",
    "hours",
    "province",
    "district",
    "commune",
    "facilitators",
    "notes",
    "cooperative_ids",
)


def create_activity(actor: Actor, programme: Programme, **data: Any) -> Activity:
    """Record an activity of a programme (its officers, or an administrator)."""
    require(programme.can_record(actor), _("Only the programme's officers may record activities."))
    values = {k: data.get(k) for k in ACTIVITY_FIELDS}
    _check_activity(programme, values, actor)
    coops = values.pop("_cooperatives") or []
    activity = Activity(
        programme_id=programme.id, created_by_id=getattr(actor, "id", None), **values
    )
    activity.cooperatives = coops
    db.session.add(activity)
    db.session.flush()
    audit.record(
        actor,
        "activity.create",
        activity,
        changes=audit.created(activity)
        | {"cooperatives": {"before": None, "after": [c.id for c in coops]}},
    )
    return activity


def update_activity(actor: Actor, activity: Activity, **data: Any) -> Activity:
    """Correct an activity's details."""
    programme = activity.programme
    require(programme.can_record(actor), _("Only the programme's officers may record activities."))
    current = {k: getattr(activity, k) for k in ACTIVITY_FIELDS if k != "cooperative_ids"}
    values = current | {k: v for k, v in data.items() if k in ACTIVITY_FIELDS}
    _check_activity(programme, values, actor)
    coops = values.pop("_cooperatives")
    values.pop("cooperative_ids", None)
    audit.apply_changes(actor, activity, values, "activity.update")
    if coops is not None:
        before = [c.id for c in activity.cooperatives]
        activity.cooperatives = coops
        db.session.flush()
        if sorted(before) != sorted(c.id for c in coops):
            audit.record(
                actor,
                "activity.cooperatives",
                activity,
                changes={"cooperatives": {"before": before, "after": [c.id for c in coops]}},
            )
    return activity


# --- participants and attendance ------------------------------------------------------------


def member_choices(activity: Activity) -> list[dict[str, Any]]:
    """The members of the cooperatives involved, only as attendance needs them: id, name,
    gender and age band (never lots, labels or contact details)."""
    ids = [c.id for c in activity.cooperatives]
    if not ids:
        return []
    members = db.session.scalars(
        sa.select(Member)
        .where(Member.cooperative_id.in_(ids), Member.left_on.is_(None))
        .order_by(Member.full_name, Member.id)
    )
    return [
        {
            "id": m.id,
            "full_name": m.full_name,
            "gender": m.gender.value,
            "age_band": age_band(m.birth_year, activity.starts_on.year),
            "cooperative_id": m.cooperative_id,
        }
        for m in members
    ]
