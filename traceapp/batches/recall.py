"""Recalls: a lot and everything made from it are withdrawn, with a report of who is affected."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require
from traceapp.batches import events as ev
from traceapp.batches.genealogy import descendants, trace
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Lot, LotStatus, Recall, TraceEvent
from traceapp.csvsafe import to_csv
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
    for item in affected:
        if item.status == LotStatus.RECALLED:
            continue
        before = item.status.value
        item.status = LotStatus.RECALLED
        item.recall_id = recall.id
        ev.record_event(
            actor,
            item,
            biz_step="holding",
            disposition="recalled",
            check_step=False,
            details={"recall_id": recall.id, "reason": recall.reason, "root_lot": lot.code},
        )
        audit.record(
            actor,
            "lot.recall",
            item,
            changes={"status": {"before": before, "after": "recalled"}},
            summary=f"recall #{recall.id}: {recall.reason}"[:300],
        )
    return recall


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


def _label_counts(lot_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Labels issued per lot (when the labels package exists)."""
    if not lot_ids or importlib.util.find_spec("traceapp.labels.models") is None:
        return {}
    from traceapp.labels.models import Label

    rows = db.session.execute(
        sa.select(
            Label.lot_id,
            sa.func.count(Label.id),
            sa.func.count(Label.id).filter(Label.voided_at.is_(None)),
        )
        .where(Label.lot_id.in_(lot_ids))
        .group_by(Label.lot_id)
    ).all()
    return {r[0]: {"issued": r[1], "live": r[2]} for r in rows}


def report(recall: Recall) -> RecallReport:
    """Build the recall report from the current database."""
    lots = list(
        db.session.execute(
            sa.select(Lot).where(Lot.recall_id == recall.id).order_by(Lot.id)
        ).scalars()
    )
    lot_ids = [lot.id for lot in lots]
    households: dict[int, Any] = {}
    zones: dict[int, Any] = {}
    for lot in lots:
        t = trace(lot)
        for member in t.households():
            households.setdefault(member.id, member)
        for zone in t.zones():
            zones.setdefault(zone.id, zone)
    destinations = []
    for event in db.session.execute(
        sa.select(TraceEvent)
        .where(TraceEvent.lot_id.in_(lot_ids), TraceEvent.biz_step == "shipping")
        .order_by(TraceEvent.event_time)
    ).scalars():
        if event.error_declaration is not None:
            continue
        for d in event.destinations or []:
            destinations.append({"lot_id": event.lot_id, "event_time": event.event_time, **d})
    return RecallReport(
        recall=recall,
        lots=lots,
        labels=_label_counts(lot_ids),
        households=sorted(households.values(), key=lambda m: m.member_number),
        zones=sorted(zones.values(), key=lambda z: z.code),
        destinations=destinations,
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
