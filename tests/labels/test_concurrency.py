"""The mass balance holds when label runs for one lot are issued at the same moment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.concurrency import at_once, cooperative_with_bag, scratch_app
from traceapp.auth.models import User
from traceapp.auth.services import create_token
from traceapp.batches.models import Lot
from traceapp.extensions import db, limiter
from traceapp.labels.models import Label

RUNS = 16
PER_RUN = 50
LOT_KG = 300  # room for 6 runs of 50 one-kilogram labels
REPETITIONS = 20


@pytest.mark.slow
def test_sixteen_concurrent_label_runs_never_exceed_the_lot(tmp_path):
    with scratch_app(tmp_path) as app:
        with app.app_context():
            coop, user, bag = cooperative_with_bag("HTX Cân Bằng", "CB")
            lots = [
                Lot(
                    cooperative_id=coop.id,
                    product_id=bag.id,
                    code=f"CB-2026-{n:04d}",
                    production_date=dt.date(2026, 3, 1),
                    quantity=Decimal(LOT_KG),
                    unit="KGM",
                )
                for n in range(1, REPETITIONS + 1)
            ]
            db.session.add_all(lots)
            db.session.flush()
            # One token per client, as separate API clients would have.
            tokens = [create_token(user, user, f"client {i}")[1] for i in range(RUNS)]
            lot_ids = [lot.id for lot in lots]
            db.session.commit()
            db.session.remove()

        for lot_id in lot_ids:
            with app.app_context():
                # Every app a test process creates adds its limit to the API blueprints, so
                # each request counts once per app: start each round from zero.
                limiter.reset()

            def issue(i: int, lot_id: int = lot_id) -> tuple[int, dict]:
                r = app.test_client().post(
                    f"/api/v1/batches/{lot_id}/label-runs",
                    headers={"Authorization": f"Bearer {tokens[i]}"},
                    json={"count": PER_RUN},
                )
                return r.status_code, r.json

            answers = at_once(RUNS, issue)
            # A failure (a 500, a deadlock given up on) is an exception or a 5xx, never a count.
            assert all(isinstance(a, tuple) for a in answers), answers
            statuses = sorted(status for status, _ in answers)
            with app.app_context():
                issued = db.session.scalar(
                    sa.select(sa.func.count(Label.id)).where(Label.lot_id == lot_id)
                )
                db.session.remove()
            assert issued <= LOT_KG, f"lot {lot_id}: {issued} labels for {LOT_KG} kg"
            # Runs go one after the other: exactly six fit, the ten others are refused.
            assert statuses == [201] * 6 + [422] * 10, statuses
            assert issued == LOT_KG
            for status, body in answers:
                if status == 422:
                    assert body["errors"]["json"]["count"] == [
                        "The lot has room for 0 more labels of 1 kg (mass balance)."
                    ], body


def test_a_rendering_job_lets_other_writers_through(tmp_path, monkeypatch):
    # On SQLite a job that rendered inside a write transaction kept every other writer
    # waiting until the busy timeout: while a job renders, another request must still write.
    import threading

    from traceapp.labels import jobs, services
    from traceapp.labels.models import JobStatus, RenderJob

    with scratch_app(tmp_path) as app:
        app.config["TRACEAPP_SQLITE_BUSY_TIMEOUT_MS"] = 15000
        with app.app_context():
            coop, user, bag = cooperative_with_bag("HTX In Tem", "IT")
            lot = Lot(
                cooperative_id=coop.id,
                product_id=bag.id,
                code="IT-2026-0001",
                production_date=dt.date(2026, 3, 1),
                quantity=Decimal(100),
                unit="KGM",
            )
            db.session.add(lot)
            db.session.flush()
            run = services.issue_run(user, lot, count=20)
            job = jobs.start_job(user, run, "zpl")
            job_id, lot_id, user_id = job.id, lot.id, user.id
            db.session.commit()
            db.session.remove()

        rendering, written = threading.Event(), threading.Event()
        real = jobs.render_run

        def slow_render(*args, **kwargs):
            # The job has read its run and is rendering: another writer comes now.
            rendering.set()
            assert written.wait(20), "the other writer could not write while the job rendered"
            return real(*args, **kwargs)

        monkeypatch.setattr(jobs, "render_run", slow_render)
        worker = threading.Thread(target=jobs.execute, args=(app, job_id))
        worker.start()
        assert rendering.wait(20)
        with app.app_context():
            other = db.session.get_one(Lot, lot_id)
            services.issue_run(db.session.get_one(User, user_id), other, count=1)
            db.session.commit()
            db.session.remove()
        written.set()
        worker.join(60)
        with app.app_context():
            assert db.session.get_one(RenderJob, job_id).status == JobStatus.DONE
            assert db.session.scalar(sa.select(sa.func.count(Label.id))) == 21
            db.session.remove()
