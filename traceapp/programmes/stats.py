"""Reach statistics, counted honestly: unique people (each person once, however many
activities they attended), not attendances; cooperatives reached, visited and founded; hours
of training; targets against actuals. For a programme, an organisation, a province or the
platform, per year or period; as figures, CSV and XLSX."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.core.regions import names_covered, normalise
from traceapp.extensions import db
from traceapp.programmes.models import (
    AGE_BAND_LABELS,
    INDICATOR_LABELS,
    Activity,
    ActivityKind,
    Attendance,
    CooperativeFounding,
    Indicator,
    Participant,
    Programme,
    activity_cooperatives,
)
from traceapp.programmes.services import womens_share

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


@dataclass
class Scope:
    """Which activities count: by programme, organisation, province and dates."""

    programme_id: int | None = None
    organisation_id: int | None = None
    province: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None

    @classmethod
    def for_year(cls, year: int | None, **kw: Any) -> Scope:
        """The scope of one calendar year (all years when None)."""
        if year is None:
            return cls(**kw)
        return cls(starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31), **kw)


@dataclass
class Reach:
    """The figures of a scope."""

    activities: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    attendances: int = 0
    people: int = 0
    women: int = 0
    men: int = 0
    by_age_band: dict[str, int] = field(default_factory=dict)
    cooperatives_reached: int = 0
    cooperatives_visited: int = 0
    visits: int = 0
    new_cooperatives: int = 0
    new_womens_cooperatives: int = 0
    training_hours: Decimal = Decimal(0)
    person_hours: Decimal = Decimal(0)

    def indicator(self, indicator: Indicator) -> Decimal:
        """The actual figure of a target's indicator."""
        value: dict[Indicator, int | Decimal] = {
            Indicator.PEOPLE_REACHED: self.people,
            Indicator.WOMEN_REACHED: self.women,
            Indicator.ACTIVITIES: self.activities,
            Indicator.COOPERATIVES_REACHED: self.cooperatives_reached,
            Indicator.COOPERATIVES_VISITED: self.cooperatives_visited,
            Indicator.NEW_COOPERATIVES: self.new_cooperatives,
            Indicator.NEW_WOMENS_COOPERATIVES: self.new_womens_cooperatives,
            Indicator.TRAINING_HOURS: self.training_hours,
        }
        return Decimal(value[indicator])


def activities_in(actor: Actor, scope: Scope) -> sa.Select[Any]:
    """The activities the actor may see within the scope (auditors: their province only)."""
    stmt = sa.select(Activity).where(Activity.visible_to(actor))
    if scope.programme_id is not None:
        stmt = stmt.where(Activity.programme_id == scope.programme_id)
    if scope.organisation_id is not None:
        stmt = stmt.where(
            Activity.programme_id.in_(
                sa.select(Programme.id).where(Programme.organisation_id == scope.organisation_id)
            )
        )
    province = actor.province if actor.is_auditor else scope.province
    if province:
        stmt = stmt.where(Activity.province_key.in_(names_covered(province)))
    if scope.starts_on is not None:
        stmt = stmt.where(Activity.starts_on >= scope.starts_on)
    if scope.ends_on is not None:
        stmt = stmt.where(Activity.starts_on <= scope.ends_on)
    return stmt


def womens_cooperatives(ids: set[int]) -> set[int]:
    """Of these cooperatives, the women's cooperatives: declared, or more than the configured
    share of their current members are women."""
    if not ids:
        return set()
    declared = set(
        db.session.scalars(
            sa.select(Cooperative.id).where(
                Cooperative.id.in_(ids), Cooperative.womens_cooperative.is_(True)
            )
        )
    )
    counts = db.session.execute(
        sa.select(
            Member.cooperative_id,
            sa.func.count(),
            sa.func.sum(sa.case((Member.gender == Gender.FEMALE, 1), else_=0)),
        )
        .where(Member.cooperative_id.in_(ids), Member.left_on.is_(None))
        .group_by(Member.cooperative_id)
    )
    share = womens_share()
    majority = {coop for coop, total, women in counts if total and (women or 0) / total > share}
    return declared | majority


def reach(actor: Actor, scope: Scope) -> Reach:
    """Count the scope's figures."""
    out = Reach()
    activities = list(db.session.scalars(activities_in(actor, scope)))
    ids = [a.id for a in activities]
    out.activities = len(activities)
    kinds = Counter(a.kind.value for a in activities)
    out.by_kind = {k.value: kinds.get(k.value, 0) for k in ActivityKind}
    out.training_hours = sum((a.training_hours for a in activities), Decimal(0))
    by_id = {a.id: a for a in activities}
    coops: set[int] = set()
    visited: set[int] = set()
    if ids:
        for activity_id, coop_id in db.session.execute(
            sa.select(
                activity_cooperatives.c.activity_id, activity_cooperatives.c.cooperative_id
            ).where(activity_cooperatives.c.activity_id.in_(ids))
        ):
            coops.add(coop_id)
            if by_id[activity_id].kind == ActivityKind.COOPERATIVE_VISIT:
                visited.add(coop_id)
                out.visits += 1
        rows = db.session.execute(
            sa.select(Attendance.activity_id, Participant)
            .join(Participant, Attendance.participant_id == Participant.id)
            .where(Attendance.activity_id.in_(ids))
        ).all()
        out.attendances = len(rows)
        first_year: dict[str, int] = {}
        person: dict[str, Participant] = {}
        for activity_id, p in rows:
            activity = by_id[activity_id]
            out.person_hours += activity.training_hours
            key = p.person_key
            year = activity.starts_on.year
            if key not in first_year or year < first_year[key]:
                first_year[key] = year
            person.setdefault(key, p)
            coop = p.member.cooperative_id if p.member is not None else p.cooperative_id
            if coop:
                coops.add(coop)
        out.people = len(person)
        genders = Counter(p.effective_gender for p in person.values())
        out.women = genders.get(Gender.FEMALE, 0)
        out.men = genders.get(Gender.MALE, 0)
        bands = Counter(p.band_in(first_year[k]) for k, p in person.items())
        out.by_age_band = {k: bands.get(k, 0) for k in AGE_BAND_LABELS if bands.get(k, 0)}
    out.cooperatives_reached = len(coops)
    out.cooperatives_visited = len(visited)
    founded = foundings_in(actor, scope)
    out.new_cooperatives = len(founded)
    out.new_womens_cooperatives = len(womens_cooperatives(set(founded)))
    return out


def foundings_in(actor: Actor, scope: Scope) -> list[int]:
    """Cooperatives founded with support within the scope (their ids)."""
    stmt = (
        sa.select(CooperativeFounding.cooperative_id)
        .join(Programme, CooperativeFounding.programme_id == Programme.id)
        .where(Programme.visible_to(actor))
    )
    if scope.programme_id is not None:
        stmt = stmt.where(CooperativeFounding.programme_id == scope.programme_id)
    if scope.organisation_id is not None:
        stmt = stmt.where(Programme.organisation_id == scope.organisation_id)
    if scope.starts_on is not None:
        stmt = stmt.where(CooperativeFounding.founded_on >= scope.starts_on)
    if scope.ends_on is not None:
        stmt = stmt.where(CooperativeFounding.founded_on <= scope.ends_on)
    province = actor.province if actor.is_auditor else scope.province
    found = list(db.session.scalars(stmt))
    if not province or not found:
        return found
    covered = names_covered(province)
    coops = db.session.execute(
        sa.select(Cooperative.id, Cooperative.province).where(Cooperative.id.in_(found))
    )
    return [cid for cid, prov in coops if normalise(prov) in covered]


def targets_vs_actuals(actor: Actor, programme: Programme) -> list[dict[str, Any]]:
    """Each target of the programme with its baseline, target and the year's actual."""
    by_year: dict[int, Reach] = {}
    out = []
    for target in programme.targets:
        if target.year not in by_year:
            by_year[target.year] = reach(
                actor, Scope.for_year(target.year, programme_id=programme.id)
            )
        out.append(
            {
                "indicator": target.indicator,
                "label": str(INDICATOR_LABELS[target.indicator]),
                "year": target.year,
                "baseline": target.baseline,
                "target": target.target,
                "actual": by_year[target.year].indicator(target.indicator),
            }
        )
    return out


def years_of(actor: Actor, scope: Scope) -> list[int]:
    """The years with activities in the scope, newest first."""
    years = {a.starts_on.year for a in db.session.scalars(activities_in(actor, scope))}
    return sorted(years, reverse=True)


def per_year(actor: Actor, scope: Scope) -> dict[int, Reach]:
    """The figures of each year with activities, oldest first."""
    return {
        year: reach(
            actor,
            Scope.for_year(
                year,
                programme_id=scope.programme_id,
                organisation_id=scope.organisation_id,
                province=scope.province,
            ),
        )
        for year in sorted(years_of(actor, scope))
    }


def support_received(cooperative_id: int) -> list[dict[str, Any]]:
    """The support a cooperative received: activities it took part in or its members attended,
    newest first, with how many of its members came."""
    involved = sa.select(activity_cooperatives.c.activity_id).where(
        activity_cooperatives.c.cooperative_id == cooperative_id
    )
    attended = (
        sa.select(Attendance.activity_id, sa.func.count())
        .join(Participant, Attendance.participant_id == Participant.id)
        .outerjoin(Member, Participant.member_id == Member.id)
        .where(
            sa.or_(
                Member.cooperative_id == cooperative_id,
                sa.and_(
                    Participant.member_id.is_(None), Participant.cooperative_id == cooperative_id
                ),
            )
        )
        .group_by(Attendance.activity_id)
    )
    counts: dict[int, int] = defaultdict(int)
    for activity_id, n in db.session.execute(attended):
        counts[activity_id] += n
    ids = set(db.session.scalars(involved)) | set(counts)
    if not ids:
        return []
    activities = db.session.scalars(
        sa.select(Activity).where(Activity.id.in_(ids)).order_by(Activity.starts_on.desc())
    )
    return [
        {
            "activity": a,
            "programme": a.programme,
            "members": counts.get(a.id, 0),
        }
        for a in activities
    ]


def trainings_of_member(member_id: int) -> list[Activity]:
    """The activities a member attended, newest first."""
    return list(
        db.session.scalars(
            sa.select(Activity)
            .join(Attendance, Attendance.activity_id == Activity.id)
            .join(Participant, Attendance.participant_id == Participant.id)
            .where(Participant.member_id == member_id)
            .order_by(Activity.starts_on.desc())
        ).unique()
    )


def completed_module_ids(member_id: int) -> set[int]:
    """The training modules a member completed (attended an activity of the module)."""
    return set(
        db.session.scalars(
            sa.select(Activity.module_id)
            .join(Attendance, Attendance.activity_id == Activity.id)
            .join(Participant, Attendance.participant_id == Participant.id)
            .where(
                Participant.member_id == member_id,
                Attendance.completed.is_(True),
                Activity.module_id.is_not(None),
            )
        )
    )
