"""A sign-in sheet file imported as a background job (traceapp.jobqueue): its check finds
the rows and who in them is likely already recorded; once the officer has chosen, its
application records them a slice at a time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.database import Base, IdMixin, JSONType, now_utc
from traceapp.programmes.models_activities import Activity

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


class AttendanceImport(IdMixin, Base):
    """A sign-in sheet upload: checked (phase "check"), then applied (phase "apply")."""

    __tablename__ = "attendance_imports"

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    filename: Mapped[str] = mapped_column(sa.String(200))
    #: The checked rows of the sheet (loaded only when read: a big sheet's are megabytes).
    rows: Mapped[list[Any] | None] = mapped_column(JSONType, deferred=True)
    #: What the check found for each row: likely recorded people and the earlier line repeated.
    found: Mapped[list[Any] | None] = mapped_column(JSONType, deferred=True)
    #: The officer's choice for a row ("new", "skip" or a participant's id), by row index.
    choices: Mapped[dict[str, Any] | None] = mapped_column(JSONType, deferred=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    phase: Mapped[str] = mapped_column(sa.String(10), default="check")
    #: The uploaded file while its check waits or runs (traceapp.media.spool; removed once read).
    path: Mapped[str | None] = mapped_column(sa.String(500))
    size: Mapped[int | None]
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(default=0)
    imported_count: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    problems: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    worker: Mapped[str | None] = mapped_column(sa.String(100))
    attempts: Mapped[int] = mapped_column(default=0)

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Visible with its activity."""
        return cls.activity_id.in_(sa.select(Activity.id).where(Activity.visible_to(actor)))
