"""The home page's counts kept per cooperative by the database (lots per status, labels in use,
active members and women) agree with the rows, however the rows were written."""

from __future__ import annotations

import sqlalchemy as sa

from traceapp.batches.models import Lot, LotStatus
from traceapp.cooperatives.models import Gender, Member
from traceapp.dashboard import models as home_counts
from traceapp.dashboard.models import CoopCount
from traceapp.database import local_today, now_utc
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.labels.models import Label


def _kept() -> dict:
    db.session.flush()
    return {
        (c, f): n
        for c, f, n in db.session.execute(
            sa.select(CoopCount.cooperative_id, CoopCount.figure, CoopCount.n)
        )
        if n
    }


def _counted() -> dict:
    out: dict = {}
    for coop, status, n in db.session.execute(
        sa.select(Lot.cooperative_id, Lot.status, sa.func.count()).group_by(
            Lot.cooperative_id, Lot.status
        )
    ):
        out[(coop, f"lots:{status.value}")] = n
    for coop, n in db.session.execute(
        sa.select(Label.cooperative_id, sa.func.count())
        .where(Label.voided_at.is_(None))
        .group_by(Label.cooperative_id)
    ):
        out[(coop, "labels")] = n
    active = sa.select(Member.cooperative_id, sa.func.count()).where(Member.left_on.is_(None))
    for coop, n in db.session.execute(active.group_by(Member.cooperative_id)):
        out[(coop, "members")] = n
    women = active.where(Member.gender == Gender.FEMALE).group_by(Member.cooperative_id)
    for coop, n in db.session.execute(women):
        out[(coop, "women")] = n
    return out


def test_the_kept_counts_follow_every_change(farm):
    from tests.farm import harvest_lot

    actor = farm.world.a.manager
    assert _kept() == _counted()
    lot = harvest_lot(farm, "100")
    run = labels.issue_run(actor, lot, count=5)
    assert _kept() == _counted()
    # Voided labels leave the count (through the ORM, and through plain SQL).
    first, second = db.session.scalars(
        sa.select(Label).where(Label.run_id == run.id).order_by(Label.seq).limit(2)
    ).all()
    first.voided_at = now_utc()
    db.session.flush()
    db.session.execute(sa.update(Label).where(Label.id == second.id).values(voided_at=now_utc()))
    kept = _kept()
    assert kept == _counted()
    assert kept[(lot.cooperative_id, "labels")] >= 3
    # A lot changes status; members leave, join, change gender.
    lot.status = LotStatus.RECALLED
    member = db.session.scalars(
        sa.select(Member).where(Member.cooperative_id == lot.cooperative_id)
    ).first()
    member.gender = Gender.FEMALE
    db.session.flush()
    assert _kept() == _counted()
    member.left_on = local_today()
    db.session.add(
        Member(
            cooperative_id=lot.cooperative_id,
            member_number="9999",
            full_name="Hộ Mới",
            gender=Gender.FEMALE,
        )
    )
    db.session.flush()
    assert _kept() == _counted()
    db.session.execute(sa.delete(Member).where(Member.member_number == "9999"))
    assert _kept() == _counted()
    # Counting afresh (the migration, the bench's bulk load) gives the same figures.
    before = _kept()
    home_counts.fill(db.session.connection())
    assert _kept() == before


def test_the_home_page_shows_the_kept_counts(farm, manager_client):
    from tests.farm import harvest_lot

    lot = harvest_lot(farm, "100")
    labels.issue_run(farm.world.a.manager, lot, count=7)
    kept = _kept()
    coop = lot.cooperative_id
    html = " ".join(manager_client.get("/").get_data(as_text=True).split())
    assert f'<span class="num">{kept[(coop, "labels")]}</span> labels in use' in html
    assert f'<span class="num">{kept[(coop, "members")]}</span> members' in html
    closed = kept.get((coop, "lots:closed"), 0)
    assert f'<span class="num">{closed}</span> closed lots' in html
