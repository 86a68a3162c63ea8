"""Recalls: a lot and everything made from it are withdrawn, with a report of who is affected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require
from traceapp.batches import events as ev
from traceapp.batches import recall_stream as stream
from traceapp.batches.genealogy import descendants
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Lot, LotStatus, Recall, TraceEvent
from traceapp.csvsafe import to_csv
from traceapp.database import now_utc
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.units import fmt_plain


def recall_lot(
    actor: Actor,
    lot: Lot,
    *,
    reason: str,
    instructions: str,
    decided_by: str,
    texts: dict[str, dict[str, str]] | None = None,
) -> Recall:
    """Recall a lot: it and every lot made from it turn to disposition ``recalled`` at once.

    ``reason`` and ``instructions`` are in the app's default language; ``texts`` gives them in
    other languages ({"en": {"reason": ..., "instructions": ...}}); blank ones are dropped."""
    require(
        actor.can_manage_cooperative(lot.cooperative_id),
        _("Only the cooperative's manager may recall a lot."),
    )
    errors: dict[str, list[str]] = {}
    if len((reason or "").strip()) < 5:
        errors["reason"] = [_("Say why the lot is recalled.")]
    if len((instructions or "").strip()) < 5:
        errors["instructions"] = [_("Say what a buyer or consumer should do (shown publicly).")]
    if len((decided_by or "").strip()) < 2:
        errors["decided_by"] = [_("Name who decided the recall.")]
    translated = _recall_texts(texts, errors)
    if errors:
        raise ValidationFailed(_("The recall could not be recorded."), errors)
    affected = _lock_with_descendants(lot)
    if lot.status == LotStatus.RECALLED:
        raise Conflict(_("Lot %(code)s is already recalled.", code=lot.code))
    recall = Recall(
        cooperative_id=lot.cooperative_id,
        root_lot_id=lot.id,
        reason=reason.strip(),
        instructions=instructions.strip(),
        decided_by=decided_by.strip(),
        language=current_app.config["BABEL_DEFAULT_LOCALE"],
        texts=translated,
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(recall)
    db.session.flush()
    _mark_recalled(actor, recall, lot, [x for x in affected if x.status != LotStatus.RECALLED])
    return recall


def _mark_recalled(actor: Actor, recall: Recall, root: Lot, lots: list[Lot]) -> None:
    """Turn the (locked) lots to ``recalled`` with set-based writes: one UPDATE of the lots,
    their ``holding``/``recalled`` events in one INSERT, and the audit records (each event's,
    then the lot's, lot by lot, as :func:`events.record_event` and one ``lot.recall`` record
    per lot would have chained them) appended at once."""
    if not lots:
        return
    now = now_utc()
    before = {item.id: item.status.value for item in lots}
    details = {"recall_id": recall.id, "reason": recall.reason, "root_lot": root.code}
    # The event events.record_event writes for this step (no zone, quantity or parties, the
    # time now in the app's zone); a recalled lot may record ``holding``.
    events = [
        TraceEvent(
            cooperative_id=item.cooperative_id,
            event_uid=ev.new_event_uid(),
            lot_id=item.id,
            event_type="ObjectEvent",
            action="OBSERVE",
            biz_step="holding",
            disposition="recalled",
            event_time=now,
            tz_offset=ev.local_offset(now),
            details=dict(details),
            recorded_by_id=getattr(actor, "id", None),
            recorded_by_label=getattr(actor, "label", "system"),
            origin="local",
        )
        for item in lots
    ]
    db.session.add_all(events)
    ids = [item.id for item in lots]
    for i in range(0, len(ids), 500):
        # The lots' public pages are cached by their version: the new event makes them stale.
        db.session.execute(
            sa.update(Lot)
            .where(Lot.id.in_(ids[i : i + 500]))
            .values(status=LotStatus.RECALLED, recall_id=recall.id, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
    db.session.flush()
    hashes = audit.stored_event_hashes([e.id for e in events])
    entries: list[dict[str, Any]] = []
    for item, event in zip(lots, events, strict=True):
        entries.append(
            {
                "action": "event.record",
                "obj": event,
                "summary": f"holding on lot {item.code}",
                "changes": {
                    "biz_step": {"before": None, "after": "holding"},
                    "lot": {"before": None, "after": item.code},
                },
                "event_hash": hashes[event.id],
            }
        )
        entries.append(
            {
                "action": "lot.recall",
                "obj": item,
                "changes": {"status": {"before": before[item.id], "after": "recalled"}},
                "summary": f"recall #{recall.id}: {recall.reason}"[:300],
            }
        )
    audit.record_many(actor, entries)


def _lock_with_descendants(lot: Lot) -> list[Lot]:
    """The lot and every lot made from it, all locked before the recall writes anything."""
    # Issuing labels and transformations check the status a recall changes, under the lots'
    # locks. The lot first, then what was made from it (made later, so higher ids: the lock
    # order holds); until the genealogy stops growing, since a transformation that held a
    # descendant's lock may have just made another lot from it.
    locked = lock_lots([lot.id])
    while True:
        affected = [lot] + [x for x, _ in descendants(lot)]
        if all(x.id in locked for x in affected):
            return affected
        locked |= lock_lots(x.id for x in affected)


@dataclass
class RecallReport:
    """Everything a recall touches: lots, labels, households, zones, and where it went."""

    recall: Recall
    lots: list[Lot]
    labels: dict[int, dict[str, Any]]
    households: list[Any]
    zones: list[Any]
    destinations: list[dict[str, Any]]


def report(recall: Recall) -> RecallReport:
    """Build the recall report from the current database: the recalled lots, then the
    households and zones of every lot they hold (one recursive query back through the whole
    genealogy), their labels and shipments, each in one query (see :mod:`recall_stream`,
    which reads the same parts as they are written)."""
    lots: list[Lot] = []
    labels: dict[int, dict[str, Any]] = {}
    for lot, counts in stream.lots(recall.id):
        lots.append(lot)
        if counts:
            labels[lot.id] = counts
    return RecallReport(
        recall=recall,
        lots=lots,
        labels=labels,
        households=list(stream.households(recall.id)),
        zones=list(stream.zones(recall.id)),
        destinations=list(stream.destinations(recall.id)),
    )


def report_csv(rep: RecallReport) -> str:
    """The recall report as one CSV table (safe against formula injection)."""
    rows: list[list[Any]] = []
    codes = {lot.id: lot.code for lot in rep.lots}
    for lot in rep.lots:
        counts = rep.labels.get(lot.id, {})
        rows.append(
            [
                "lot",
                lot.code,
                lot.product.name,
                fmt_plain(lot.quantity, lot.unit),
                f"labels issued {counts.get('issued', 0)}, live {counts.get('live', 0)}",
            ]
        )
    for member in rep.households:
        rows.append(
            [
                "household",
                member.member_number,
                member.full_name,
                member.village or "",
                member.phone or "",
            ]
        )
    for zone in rep.zones:
        rows.append(["zone", zone.code, zone.kind.value, zone.commune or "", zone.province])
    for d in rep.destinations:
        rows.append(
            [
                "destination",
                codes.get(d["lot_id"], ""),
                d.get("name", ""),
                d.get("type", ""),
                d["event_time"].isoformat(),
            ]
        )
    header = ["what", "code", "name", "detail", "more"]
    title = [
        [
            "recall",
            str(rep.recall.id),
            rep.recall.reason,
            rep.recall.decided_by,
            rep.recall.decided_at.isoformat(),
        ]
    ]
    return to_csv(header, title + rows)


def _recall_texts(
    texts: dict[str, dict[str, str]] | None, errors: dict[str, list[str]]
) -> dict[str, dict[str, str]]:
    """The recall's words in other languages, checked: each given language has both texts."""
    languages = current_app.config["TRACEAPP_LANGUAGES"]
    kept: dict[str, dict[str, str]] = {}
    for lang, pair in (texts or {}).items():
        reason = (pair.get("reason") or "").strip()
        instructions = (pair.get("instructions") or "").strip()
        if lang not in languages:
            errors[f"texts.{lang}"] = [_("Not a language of this service.")]
        elif bool(reason) != bool(instructions):
            errors[f"texts.{lang}"] = [_("Give both the reason and what to do, or neither.")]
        elif reason:
            kept[lang] = {"reason": reason, "instructions": instructions}
    return kept
