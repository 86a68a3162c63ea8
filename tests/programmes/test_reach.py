"""Reach figures count people once, whatever the number of activities they attended."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import CooperativeFactory
from tests.programmes.factories import person
from traceapp.auth.models import SYSTEM
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes import activities, attendance, plans, services, stats
from traceapp.programmes.models import ActivityKind, CooperativeFounding, Indicator


def _activity(support, kind, day, **kw):
    return activities.create_activity(
        support.officer,
        support.programme,
        kind=kind,
        title=kw.pop("title", f"{kind} {day}"),
        starts_on=day,
        province="Phú Yên",
        **kw,
    )


def test_the_protocol_pattern_counts_each_figure(world, support):
    officer, coop = support.officer, world.a.coop
    woman = world.a.members[0]  # Nguyễn Thị Alpha1, a member
    workshops = [
        _activity(support, "workshop", dt.date(2025, m, 5), cooperative_ids=[coop.id], hours=4)
        for m in (3, 4, 5)
    ]
    for w in workshops:
        attendance.record_attendance(officer, w, [{"member_id": woman.id}])
    # A man who is no member attends the first workshop too.
    attendance.record_attendance(
        officer, workshops[0], [person("Phan Văn Nam", gender="male", birth_year=1970)]
    )
    for m in (6, 9):
        _activity(support, "cooperative_visit", dt.date(2025, m, 1), cooperative_ids=[coop.id])
    meetings = [_activity(support, "regional_meeting", dt.date(2025, 10, d)) for d in range(1, 11)]
    attendance.record_attendance(
        officer, meetings[0], [person("Đỗ Thị Lan", birth_year=1990, commune="An Dân")]
    )
    new = CooperativeFactory(name="HTX Phụ nữ Đồng Xuân", womens_cooperative=True)
    db.session.add(
        CooperativeFounding(
            cooperative_id=new.id, programme_id=support.programme.id, founded_on=dt.date(2025, 8, 1)
        )
    )
    db.session.flush()

    figures = stats.reach(officer, stats.Scope(programme_id=support.programme.id))
    assert figures.activities == 15
    assert figures.by_kind["workshop"] == 3
    assert figures.by_kind["cooperative_visit"] == 2
    assert figures.by_kind["regional_meeting"] == 10
    assert figures.attendances == 5
    assert figures.people == 3  # the woman of three workshops counts once
    assert figures.women == 2 and figures.men == 1
    assert figures.by_age_band == {"35_44": 1, "55_64": 1, "unknown": 1}
    assert figures.cooperatives_visited == 1 and figures.visits == 2
    assert figures.cooperatives_reached == 1
    assert figures.new_cooperatives == 1 and figures.new_womens_cooperatives == 1
    assert figures.training_hours == Decimal(12)
    assert figures.person_hours == Decimal(16)

    # Another year counts nothing of 2025.
    assert stats.reach(officer, stats.Scope.for_year(2024)).people == 0


def test_a_returning_participant_adds_an_attendance_not_a_person(world, support):
    officer = support.officer
    first = _activity(support, "training", dt.date(2025, 2, 1), module_id=None)
    second = _activity(support, "training", dt.date(2025, 3, 1))
    (att,) = attendance.record_attendance(officer, first, [person("Võ Thị Hạnh")])
    before = stats.reach(officer, stats.Scope(programme_id=support.programme.id))
    attendance.record_attendance(officer, second, [{"participant_id": att.participant_id}])
    after = stats.reach(officer, stats.Scope(programme_id=support.programme.id))
    assert (after.people, after.attendances) == (before.people, before.attendances + 1)


def test_a_person_counted_twice_in_one_activity_is_refused_and_nothing_stored(world, support):
    officer, member = support.officer, world.a.members[0]
    a = _activity(support, "workshop", dt.date(2025, 2, 1), cooperative_ids=[world.a.coop.id])
    attendance.record_attendance(officer, a, [{"member_id": member.id}])
    with pytest.raises(ValidationFailed) as exc:
        attendance.record_attendance(officer, a, [person("Người mới"), {"member_id": member.id}])
    assert "rows.1.full_name" in exc.value.errors
    assert "already counted" in exc.value.errors["rows.1.full_name"][0]
    db.session.rollback()


def test_bad_input_names_the_field(world, support):
    officer = support.officer
    with pytest.raises(ValidationFailed) as exc:
        _activity(support, "workshop", dt.date(2023, 12, 31))
    assert "before its programme starts" in exc.value.errors["starts_on"][0]
    with pytest.raises(ValidationFailed) as exc:
        plans.set_target(
            officer, support.programme, indicator=Indicator.PEOPLE_REACHED, year=None, target=100
        )
    assert "period" in exc.value.errors["year"][0]
    a = _activity(support, "workshop", dt.date(2025, 2, 1))
    with pytest.raises(ValidationFailed) as exc:
        attendance.record_attendance(officer, a, [{"full_name": "  ", "gender": "female"}])
    assert "rows.0.full_name" in exc.value.errors


def test_targets_against_actuals_per_year(world, support):
    officer = support.officer
    plans.set_target(
        officer, support.programme, indicator="people_reached", year=2025, target=10, baseline=0
    )
    a = _activity(support, "training", dt.date(2025, 2, 1))
    attendance.record_attendance(officer, a, [person("A"), person("B")])
    (row,) = stats.targets_vs_actuals(officer, support.programme)
    assert (row["year"], row["target"], row["actual"]) == (2025, Decimal(10), Decimal(2))


def test_extending_a_programme_keeps_its_history(world, support):
    services.extend_programme(
        SYSTEM, support.programme, ends_on=dt.date(2030, 12, 31), note="Phase 2"
    )
    periods = [(p.starts_on, p.ends_on) for p in support.programme.periods]
    assert periods == [
        (dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2027, 1, 1), dt.date(2030, 12, 31)),
    ]
    assert support.programme.ends_on == dt.date(2030, 12, 31)
    # An activity of 2028 now fits.
    assert _activity(support, "seminar", dt.date(2028, 5, 1)).kind == ActivityKind.SEMINAR


def test_likely_duplicates_are_found_and_merged(world, support):
    officer = support.officer
    a = _activity(support, "workshop", dt.date(2025, 2, 1))
    b = _activity(support, "workshop", dt.date(2025, 3, 1))
    (x,) = attendance.record_attendance(
        officer, a, [person("Trần Thị Mai", phone="0905 111 222", commune="Xuân Phước")]
    )
    (y,) = attendance.record_attendance(
        officer, b, [person("tran thi mai", phone="0905111222", commune="Xuân Phước")]
    )
    attendance.record_attendance(
        officer, b, [person("Trần Thị Mai", phone="0911 000 000", commune="An Dân")]
    )
    groups = attendance.likely_duplicates(support.org.id)
    assert [[p.id for p in g] for g in groups] == [[x.participant_id, y.participant_id]]
    assert stats.reach(officer, stats.Scope()).people == 3
    attendance.merge_participants(officer, x.participant, y.participant)
    assert stats.reach(officer, stats.Scope()).people == 2
    assert attendance.likely_duplicates(support.org.id) == []
