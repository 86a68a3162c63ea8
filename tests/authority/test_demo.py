"""The demo's authority step, and the story of the issue: from the flags list to a suspended
code that no label can claim any more."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import make_app, scratch_database_url
from traceapp.auth.services import find_user_by_email
from traceapp.authority import flags, services
from traceapp.authority.models import ZoneInspection
from traceapp.batches.models import Lot, LotInput
from traceapp.demo import authority as step
from traceapp.demo import load_demo
from traceapp.extensions import db
from traceapp.labels import scanstats
from traceapp.labels.models import Label, LabelRun, RunKind
from traceapp.labels.services import issue_problems
from traceapp.public.models import LabelScan
from traceapp.zones.models import Zone, ZoneStatus


def _counts() -> list[int]:
    return [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (ZoneInspection, Zone, Lot, LabelScan)
    ]


def test_the_demo_gives_the_auditor_something_to_find(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        try:
            with app.app_context():
                db.create_all()
                load_demo()
                first = _counts()
                load_demo()
                assert _counts() == first
                auditor = find_user_by_email(step.AUDITOR_EMAIL)
                results = sorted(
                    i.result.value for i in db.session.scalars(sa.select(ZoneInspection))
                )
                assert results == ["conditional", "pass"]
                suspended = db.session.scalars(
                    sa.select(Zone).where(Zone.status == ZoneStatus.SUSPENDED)
                ).all()
                assert [z.code for z in suspended] == [step.SUSPENDED_ZONE]
                scope = services.scope_for(auditor)
                [flag] = flags.compute_flags(scope, kinds=["overclaimed"])
                assert flag.zone_code == step.OVERCLAIMED_ZONE
                zone = services.get_zone(auditor, flag.zone_id)
                assert zone.status == ZoneStatus.APPROVED
                other = find_user_by_email("auditor@khanhhoa.demo")
                assert flags.compute_flags(services.scope_for(other), kinds=["overclaimed"]) == []
                # the packed lot made from that field can still be labelled ... until suspended
                packed = db.session.scalars(
                    sa.select(Lot).where(
                        Lot.id.in_(sa.select(LotInput.output_lot_id)), Lot.code.like("XP-%")
                    )
                ).first()
                assert "zones" not in issue_problems(packed, 1, RunKind.SERIALISED)
                services.decide(auditor, zone, "suspended", "Sản lượng khai báo vượt khả năng")
                problems = issue_problems(packed, 1, RunKind.SERIALISED)
                assert step.OVERCLAIMED_ZONE in " ".join(problems["zones"])
                db.session.rollback()
                # shoppers scanned the labels; one copied label and one made-up serial stand out
                [copied] = db.session.scalars(
                    sa.select(Label).where(Label.flagged_at.is_not(None))
                ).all()
                assert copied.scan_count > 20 and "clients" in copied.flag_reason
                assert [f.kind for f in flags.compute_flags(scope, kinds=["unknown_serials"])] == [
                    "unknown_serials"
                ]
                figures = scanstats.compute(copied.cooperative_id, days=30)
                assert figures.total > copied.scan_count
                # no demo label was scanned before its run was printed (the page says both)
                early = db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Label)
                    .join(LabelRun, LabelRun.id == Label.run_id)
                    .where(Label.first_scanned_at < LabelRun.created_at)
                )
                assert early == 0
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
