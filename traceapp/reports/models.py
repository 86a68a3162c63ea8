"""A problem a shopper reported from a label's public page."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import TenantMixin
from traceapp.database import Base, IdMixin, now_utc
from traceapp.labels.models import BigId


class ProblemKind(enum.StrEnum):
    """What the shopper says is wrong."""

    FAKE = "fake"
    TAMPERED = "tampered"
    QUALITY = "quality"
    WRONG_INFO = "wrong_info"
    OTHER = "other"


PROBLEM_KIND_LABELS = {
    ProblemKind.FAKE: _l("The label or product looks fake"),
    ProblemKind.TAMPERED: _l("The package was opened or damaged"),
    ProblemKind.QUALITY: _l("The product is spoiled or made me ill"),
    ProblemKind.WRONG_INFO: _l("What this page says is wrong"),
    ProblemKind.OTHER: _l("Something else"),
}

#: What the label's page told the shopper when the report was sent.
LABEL_STATE_LABELS = {
    "genuine": _l("genuine label"),
    "recalled": _l("recalled lot"),
    "voided": _l("withdrawn label"),
    "copied": _l("label that may have been copied"),
    "expired": _l("past its best-before date"),
    "unregistered": _l("serial or lot not registered"),
}


class ProblemReport(IdMixin, TenantMixin, Base):
    """One report, sent to the cooperative whose label (or product) it is about; the
    authority sees the open ones among its flags. No address is kept."""

    __tablename__ = "problem_reports"

    #: The label, lot and product the reported code names (as far as they exist).
    label_id: Mapped[int | None] = mapped_column(
        BigId, sa.ForeignKey("labels.id", ondelete="RESTRICT"), index=True
    )
    lot_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lots.id", ondelete="RESTRICT"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT")
    )
    #: The code as the shopper scanned it (the path of its link) and the serial it named.
    code: Mapped[str] = mapped_column(sa.String(300))
    serial: Mapped[str | None] = mapped_column(sa.String(40))
    #: What the page told the shopper: genuine, recalled, voided, unregistered...
    label_state: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[ProblemKind] = mapped_column(enum_column(ProblemKind, "problem_kind"))
    text: Mapped[str] = mapped_column(sa.String(1000))
    contact: Mapped[str | None] = mapped_column(sa.String(200))
    photo_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stored_images.id", ondelete="SET NULL")
    )
    lang: Mapped[str] = mapped_column(sa.String(5))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc, index=True)
    #: When the cooperative marked it handled, by whom, and what it did.
    handled_at: Mapped[dt.datetime | None]
    handled_by_label: Mapped[str | None] = mapped_column(sa.String(254))
    handled_note: Mapped[str | None] = mapped_column(sa.String(300))
