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


class SpooledUpload(IdMixin, Base):
    """An uploaded file waiting for its background job (an import), kept in the database in
    chunks so that a worker on any machine can read it: no directory shared between servers.
    Removed when its job ends."""

    __tablename__ = "spooled_uploads"

    #: What the file is for (e.g. "epcis-import"), for the operator's eyes.
    purpose: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)


class SpooledChunk(Base):
    """One piece of a spooled upload, in order."""

    __tablename__ = "spooled_upload_chunks"

    upload_id: Mapped[int] = mapped_column(
        sa.ForeignKey("spooled_uploads.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
