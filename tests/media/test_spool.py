"""Uploads waiting for a job are kept in the database, read back in order chunk by chunk, and
refused past the size limit with nothing kept."""

from __future__ import annotations

import io
import os

import pytest
import sqlalchemy as sa

from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media import spool
from traceapp.media.models import SpooledChunk, SpooledUpload


def test_a_spooled_upload_reads_back_whole_and_in_pieces(session, monkeypatch):
    monkeypatch.setattr(spool, "CHUNK", 1000)
    body = os.urandom(3500)
    ref, size = spool.spool(io.BytesIO(body[100:]), "epcis-import", "document", 10_000, body[:100])
    assert size == 3500 and ref.startswith("db:")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpooledChunk)) == 4
    assert spool.exists(ref)
    assert spool.read_all(ref) == body
    with spool.open_upload(ref) as fh:
        pieces = []
        while piece := fh.read(700):
            pieces.append(piece)
    assert b"".join(pieces) == body and max(len(p) for p in pieces) <= 700
    spool.discard(ref)
    assert not spool.exists(ref)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpooledChunk)) == 0


def test_an_upload_past_the_limit_is_refused_and_nothing_kept(session, monkeypatch):
    monkeypatch.setattr(spool, "CHUNK", 1000)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(SpooledUpload))
    with pytest.raises(ValidationFailed) as refused:
        spool.spool(io.BytesIO(b"x" * 5000), "member-import", "file", 2500)
    assert "file" in refused.value.errors
    assert "larger than" in refused.value.errors["file"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpooledUpload)) == before


def test_a_file_path_from_an_earlier_version_still_reads(session, tmp_path):
    path = tmp_path / "upload.json"
    path.write_bytes(b'{"a": 1}')
    assert spool.exists(str(path)) and spool.read_all(str(path)) == b'{"a": 1}'
    spool.discard(str(path))
    assert not path.exists()
