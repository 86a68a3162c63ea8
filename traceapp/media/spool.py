"""Uploads that wait for a background job, kept in the database (see SpooledUpload).

A job row refers to its file by a reference string: ``db:<id>`` for a spooled upload (what
:func:`spool` returns). Reading goes chunk by chunk, so a large file is never held whole
unless the caller asks for it (:func:`read_all`); a file path (uploads spooled to a folder by
earlier versions) is read from disk.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media.models import SpooledChunk, SpooledUpload
from traceapp.media.services import too_large_message

#: Bytes per stored chunk (one row each).
CHUNK = 1024 * 1024
_PREFIX = "db:"


def spool(
    stream: IO[bytes], purpose: str, field: str, limit: int, head: bytes = b""
) -> tuple[str, int]:
    """Store ``head`` and the rest of ``stream`` in the current transaction; return the
    reference and the size. Past ``limit`` bytes the upload is refused and what was stored
    of it removed."""
    upload = SpooledUpload(purpose=purpose[:40], size=0)
    db.session.add(upload)
    db.session.flush()
    size, seq, pending = 0, 0, bytearray(head)
    while True:
        piece = stream.read(CHUNK)
        if piece:
            pending += piece
        while len(pending) >= CHUNK or (not piece and pending):
            data = bytes(pending[:CHUNK])
            del pending[:CHUNK]
            size += len(data)
            if size > limit:
                discard(f"{_PREFIX}{upload.id}")
                raise ValidationFailed.field(field, too_large_message(limit))
            db.session.execute(
                sa.insert(SpooledChunk).values(upload_id=upload.id, seq=seq, data=data)
            )
            seq += 1
        if not piece:
            break
    upload.size = size
    db.session.flush()
    return f"{_PREFIX}{upload.id}", size


def _upload_id(ref: str) -> int | None:
    if ref.startswith(_PREFIX) and ref[len(_PREFIX) :].isdigit():
        return int(ref[len(_PREFIX) :])
    return None


def exists(ref: str | None) -> bool:
    """Whether the referenced file is still there."""
    if not ref:
        return False
    upload_id = _upload_id(ref)
    if upload_id is None:
        return Path(ref).exists()
    return db.session.get(SpooledUpload, upload_id) is not None


class _ChunkReader(io.RawIOBase):
    """A spooled upload read one chunk (one query) at a time."""

    def __init__(self, upload_id: int) -> None:
        self._id, self._seq, self._buffer = upload_id, 0, b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._buffer:
            data = db.session.scalar(
                sa.select(SpooledChunk.data).where(
                    SpooledChunk.upload_id == self._id, SpooledChunk.seq == self._seq
                )
            )
            if data is None:
                return 0
            self._buffer, self._seq = bytes(data), self._seq + 1
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def open_upload(ref: str) -> IO[bytes]:
    """The referenced file, to read in order."""
    upload_id = _upload_id(ref)
    if upload_id is None:
        return Path(ref).open("rb")
    return io.BufferedReader(_ChunkReader(upload_id), buffer_size=CHUNK)


def read_all(ref: str) -> bytes:
    """The whole referenced file (for a document that is parsed whole anyway)."""
    with open_upload(ref) as fh:
        return fh.read()


def discard(ref: str | None) -> None:
    """Remove the referenced file (in the current transaction for a spooled upload)."""
    if not ref:
        return
    upload_id = _upload_id(ref)
    if upload_id is None:
        Path(ref).unlink(missing_ok=True)
        return
    db.session.execute(sa.delete(SpooledChunk).where(SpooledChunk.upload_id == upload_id))
    db.session.execute(sa.delete(SpooledUpload).where(SpooledUpload.id == upload_id))
