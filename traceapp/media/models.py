"""Stored images, addressed by an unguessable key."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.database import Base, IdMixin, now_utc


class StoredImage(IdMixin, Base):
    """A re-encoded image (metadata stripped); kept in the database so every app server has it."""

    __tablename__ = "stored_images"

    key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    cooperative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="RESTRICT"), index=True
    )
    content_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    original_name: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
