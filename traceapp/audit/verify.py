"""The audit chain's verifier: walk every record, the anchor file, heads printed in exports
and the trace events, and name the first that does not hold."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit.chain import (
    EVENT_RECORDED,
    KEY_ROTATED,
    anchor_path,
    compute_hash,
    configured_keys,
    event_content_hash,
    events_table,
    read_anchor,
)
from traceapp.audit.models import GENESIS_HASH, AuditHead, AuditRecord
from traceapp.extensions import db


@dataclass
class VerifyResult:
    """The outcome of walking the chain, the anchor and the events.

    ``kind`` says what broke (missing, unlinked, altered, unknown_key, unsigned, unrotated,
    head, truncated, rewritten, event_altered, event_missing, event_inserted)."""

    ok: bool
    checked: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None
    kind: str | None = None
    broken_event: int | None = None
    anchored_seq: int | None = None
    events: int = 0


class _Broken(Exception):
    def __init__(self, kind: str, seq: int | None, reason: str, event: int | None = None):
        super().__init__(reason)
        self.kind, self.seq, self.reason, self.event = kind, seq, reason, event


def _check_record(
    rec: Any, prev: str, expected_seq: int, current_key: str | None, keys: dict[str, str]
) -> None:
    if rec.seq != expected_seq:
        # TRANSLATORS: this and the next reasons follow "The chain is broken at record
        # #N:"; %(seq)s is a record number.
        raise _Broken("missing", expected_seq, _("record #%(seq)s is missing", seq=expected_seq))
    if rec.prev_hash != prev:
        raise _Broken(
            "unlinked",
            rec.seq,
            _(
                "record #%(seq)s does not link to record #%(previous)s",
                seq=rec.seq,
                previous=rec.seq - 1,
            ),
        )
    if rec.key_id is not None and rec.key_id not in keys:
        raise _Broken(
            "unknown_key",
            rec.seq,
            # TRANSLATORS: %(key)s is the id of a signing key (TRACEAPP_AUDIT_KEYS).
            _(
                "record #%(seq)s is signed with key %(key)s, which is not configured",
                seq=rec.seq,
                key=rec.key_id,
            ),
        )
    if compute_hash(rec, keys.get(rec.key_id or "")) != rec.hash:
        raise _Broken(
            "altered",
            rec.seq,
            _("record #%(seq)s was altered: its content no longer matches its hash", seq=rec.seq),
        )
    if rec.key_id is None and current_key is not None:
        raise _Broken(
            "unsigned",
            rec.seq,
            _("record #%(seq)s is not signed, though records before it are", seq=rec.seq),
        )
    if rec.key_id is not None and rec.key_id != current_key:
        change = (rec.changes or {}).get("key_id") or {}
        if not (
            rec.action == KEY_ROTATED
            and change.get("before") == current_key
            and change.get("after") == rec.key_id
        ):
            raise _Broken(
                "unrotated",
                rec.seq,
                _(
                    "record #%(seq)s changes the signing key without a rotation record",
                    seq=rec.seq,
                ),
            )


def _check_published(rec: Any, published: dict[int, str]) -> None:
    if rec.seq in published and rec.hash != published[rec.seq]:
        raise _Broken(
            "rewritten",
            rec.seq,
            _(
                "record #%(seq)s differs from the hash an export printed for it",
                seq=rec.seq,
            ),
        )


def _walk_records(
    anchor: tuple[int, str] | None,
    progress: list[Any],
    published: dict[int, str] | None = None,
) -> tuple[int, str]:
    """Check every record in order; returns the number checked and the last hash, which
    ``progress`` also holds while the walk goes on (for the report of a broken chain).
    ``published`` maps heads printed in exports (seq: hash), checked like the anchor's."""
    prev = GENESIS_HASH
    expected_seq = 1
    current_key: str | None = None
    keys = dict(configured_keys())
    rows = db.session.execute(
        sa.select(*AuditRecord.__table__.c)
        .order_by(AuditRecord.seq)
        .execution_options(yield_per=2000)
    )
    try:
        for rec in rows:
            _check_record(rec, prev, expected_seq, current_key, keys)
            if anchor is not None and rec.seq == anchor[0] and rec.hash != anchor[1]:
                raise _Broken(
                    "rewritten",
                    rec.seq,
                    _(
                        "record #%(seq)s differs from the hash the anchor file holds for it",
                        seq=rec.seq,
                    ),
                )
            _check_published(rec, published or {})
            current_key = rec.key_id
            prev = rec.hash
            progress[:] = [expected_seq, prev]
            expected_seq += 1
    finally:
        rows.close()
    return expected_seq - 1, prev


def _claims() -> Iterator[tuple[int, int, str | None]]:
    """(event id, record seq, event hash) of every record that created an event, by event id."""
    event_id = sa.cast(AuditRecord.object_id, sa.Integer)
    rows = db.session.execute(
        sa.select(event_id, AuditRecord.seq, AuditRecord.event_hash)
        .where(AuditRecord.action == EVENT_RECORDED, AuditRecord.object_type == "trace_events")
        .order_by(event_id, AuditRecord.seq)
        .execution_options(yield_per=2000)
    )
    try:
        yield from ((row[0], row[1], row[2]) for row in rows)
    finally:
        rows.close()


def _events() -> Iterator[Mapping[Any, Any]]:
    table = events_table()
    rows = db.session.execute(
        sa.select(table).order_by(table.c.id).execution_options(yield_per=2000)
    ).mappings()
    try:
        yield from rows
    finally:
        rows.close()


def _walk_events() -> int:
    """Match every event with the record that created it, both in event id order."""
    claims, events = _claims(), _events()
    claim, event = next(claims, None), next(events, None)
    checked = 0
    while claim is not None or event is not None:
        if event is None or (claim is not None and claim[0] < event["id"]):
            assert claim is not None
            raise _Broken(
                "event_missing",
                claim[1],
                # TRANSLATORS: %(event)s is the number of a lot history event.
                _(
                    "event #%(event)s is missing: record #%(seq)s created it",
                    event=claim[0],
                    seq=claim[1],
                ),
                claim[0],
            )
        if claim is None or event["id"] < claim[0]:
            raise _Broken(
                "event_inserted",
                None,
                _(
                    "event #%(event)s has no audit record: it was inserted behind the "
                    "application's back",
                    event=event["id"],
                ),
                event["id"],
            )
        # Events from before their hashes were kept are checked for presence only.
        if claim[2] is not None and event_content_hash(event) != claim[2]:
            raise _Broken(
                "event_altered",
                claim[1],
                _(
                    "event #%(event)s was altered: it no longer matches record #%(seq)s",
                    event=event["id"],
                    seq=claim[1],
                ),
                event["id"],
            )
        checked += 1
        claim, event = next(claims, None), next(events, None)
    return checked


def parse_head(text: str) -> tuple[int, str] | None:
    """A head as exports print it (``#12 3f9a...``, ``12 3f9a...`` or ``12:3f9a...``), or
    None when the text is not one."""
    parts = text.strip().lstrip("#").replace(":", " ").split()
    if len(parts) != 2 or not parts[0].isascii() or not parts[0].isdigit():
        return None
    digest = parts[1].lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None
    return int(parts[0]), digest


def verify_chain(published: Iterable[tuple[int, str]] = ()) -> VerifyResult:
    """Walk every record in order, then the anchor file and the trace events; name the
    first record (or event) that does not hold.

    ``published`` are heads (seq, hash) printed in earlier exports: the chain must still
    hold each record with that hash, so a truncation or a rewrite since the export shows
    even where the anchor file was lost or rewound with the database.

    ``reason`` is a sentence for people, in the language of the moment (the request's, or
    the default one on the command line); ``kind``, ``broken_seq`` and ``broken_event`` are
    what programs should read.
    """
    anchor = read_anchor(anchor_path())
    heads = dict(published)
    progress: list[Any] = [0, GENESIS_HASH]
    checked, prev = 0, GENESIS_HASH
    try:
        checked, prev = _walk_records(anchor, progress, heads)
        head = db.session.get(AuditHead, 1)
        if head is not None and (head.seq != checked or head.hash != prev):
            raise _Broken(
                "head",
                checked + 1,
                _(
                    "the chain head says #%(head)s but the records end at #%(last)s",
                    head=head.seq,
                    last=checked,
                ),
            )
        if anchor is not None and anchor[0] > checked:
            raise _Broken(
                "truncated",
                checked + 1,
                _(
                    "the anchor file records #%(anchor)s but the chain ends at #%(last)s: "
                    "records were removed",
                    anchor=anchor[0],
                    last=checked,
                ),
            )
        if heads and max(heads) > checked:
            raise _Broken(
                "truncated",
                checked + 1,
                _(
                    "an export printed the head #%(head)s but the chain ends at #%(last)s: "
                    "records were removed",
                    head=max(heads),
                    last=checked,
                ),
            )
        events = _walk_events()
    except _Broken as broken:
        return VerifyResult(
            False,
            progress[0],
            progress[1],
            broken.seq,
            broken.reason,
            broken.kind,
            broken.event,
            anchor[0] if anchor else None,
        )
    return VerifyResult(
        True, checked, prev, anchored_seq=anchor[0] if anchor else None, events=events
    )
