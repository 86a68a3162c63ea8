"""Audit summaries are stored in English once; the trail says them in the reader's language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from traceapp.audit.models import AuditRecord
from traceapp.audit.summaries import said_again
from traceapp.audit.wording import summary_in_words
from traceapp.demo import load_demo
from traceapp.extensions import db

#: Actions whose summary is the person's own words (a reason, a note), shown as written.
FREE_TEXT = {"grant.suspend", "grant.reinstate", "grant.revoke", "programme.extend"}

SAMPLES = [
    (
        "commissioning on lot XP-2026-0001",
        "Harvest / catch recorded on lot XP-2026-0001",
        "Thu hoạch / khai thác trên lô XP-2026-0001",
    ),
    ("recall #1: Aflatoxin", "Recall no. 1: Aflatoxin", "Thu hồi số 1: Aflatoxin"),
    (
        "VN-PYDX-0101: inspection of 2026-02-24 pass",
        "VN-PYDX-0101: inspection of 24 Feb 2026, Pass",
        "VN-PYDX-0101: kiểm tra ngày 24 thg 2, 2026, Đạt",
    ),
    ("6 attendance(s) recorded", "6 attendances recorded", "Đã ghi nhận 6 lượt tham dự"),
]


@pytest.mark.parametrize(("stored", "english", "vietnamese"), SAMPLES)
def test_a_stored_summary_reads_in_the_readers_language(app, stored, english, vietnamese):
    with app.test_request_context():
        with force_locale("en"):
            assert said_again(stored) == english
        with force_locale("vi"):
            assert said_again(stored) == vietnamese


def test_free_text_is_shown_as_written(app):
    with app.test_request_context(), force_locale("vi"):
        assert said_again("Giao tôm hùm chưa đạt kích cỡ") is None


def test_every_summary_the_demo_wrote_has_a_known_shape(session):
    """The services' summaries (all written by the demo) are each said again; a service whose
    summary changes shape shows up here."""
    load_demo()
    records = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.summary.is_not(None), AuditRecord.summary != "")
    ).all()
    assert len({r.action for r in records}) >= 10
    with force_locale("vi"):
        unknown = sorted(
            {
                (r.action, r.summary)
                for r in records
                if r.action not in FREE_TEXT
                and not r.action.startswith("auth.")
                and summary_in_words(r) == r.summary
            }
        )
        assert unknown == [], "\n".join(map(str, unknown))
        assert said_again("labels voided") is None
