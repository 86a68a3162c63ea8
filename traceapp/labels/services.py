"""Issuing label runs (random serials, the refusal rules), voiding, and what each label says."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date, format_number, ngettext
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require
from traceapp.batches import genealogy
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Lot, LotStatus
from traceapp.batches.services import available
from traceapp.cooperatives.services.numbering import next_counter_value
from traceapp.database import local_today, now_utc
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.labels.models import Label, LabelRun, RunKind, VoidKind
from traceapp.labels.rendering import (
    EC_LEVELS,
    LAYOUTS,
    MAX_COPIES,
)
from traceapp.units import UNITS, convert, fmt

log = logging.getLogger(__name__)

#: Crockford's base32 alphabet: no I, L, O or U, so a serial read aloud is not misread.
_STANDARD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CROCKFORD = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = bytes.maketrans(_STANDARD, _CROCKFORD)
SERIAL_BYTES = 10  # 80 bits from the operating system's CSPRNG -> 16 characters
INSERT_CHUNK = 5000
#: The counter that numbers a cooperative's label runs (#1, #2...).
RUN_COUNTER = "label_run"


def new_serial() -> str:
    """A fresh random serial: 16 characters of the GS1 AI 21 set carrying 80 random bits."""
    return base64.b32encode(secrets.token_bytes(SERIAL_BYTES)).translate(_TO_CROCKFORD).decode()


# --- the refusal rules ------------------------------------------------------------------------


def issue_problems(
    lot: Lot, count: int, kind: RunKind, on_date: dt.date | None = None
) -> dict[str, list[str]]:
    """Every reason labels may not be issued for the lot now, by field."""
    from traceapp.brands.services import mark_use_problems
    from traceapp.zones.models import STATUS_LABELS
    from traceapp.zones.services import effective_status

    day = on_date or local_today()
    errors: dict[str, list[str]] = {}
    if lot.status == LotStatus.RECALLED:
        errors["lot"] = [
            _("Lot %(code)s is recalled: no labels may be printed for it.", code=lot.code)
        ]
        return errors
    trace = genealogy.trace(lot)
    for zone in trace.zones():
        status = effective_status(zone, day)
        if status != "approved":
            errors.setdefault("zones", []).append(
                _(
                    # TRANSLATORS: %(status)s is the code's status as labelled on the pages.
                    "Zone code %(code)s is %(status)s: labels cannot claim it.",
                    code=zone.code,
                    status=STATUS_LABELS[status],
                )
            )
        elif not zone.is_valid_on(day):  # approved, but its validity has not begun
            errors.setdefault("zones", []).append(
                _(
                    "Zone code %(code)s is valid only from %(date)s: labels cannot claim it yet.",
                    code=zone.code,
                    date=format_date(zone.valid_from) if zone.valid_from else "",
                )
            )
    product = lot.product
    if product.mark_id is not None:
        members = trace.households()
        for member in members:
            problem = mark_use_problems([member], product, day).get(member.id)
            if problem:
                errors.setdefault("mark", []).append(problem)
        if not members:
            errors.setdefault("mark", []).append(
                _("No member contributed to this lot, so nobody is permitted to use the mark.")
            )
    if kind == RunKind.SERIALISED:
        limit = serial_capacity(lot)
        if limit is not None and count > limit:
            room = max(limit, 0)
            errors.setdefault("count", []).append(
                ngettext(
                    # TRANSLATORS: %(net)s is the net quantity on one label, e.g. "500 g".
                    "The lot has room for %(n)s more label of %(net)s (mass balance).",
                    "The lot has room for %(n)s more labels of %(net)s (mass balance).",
                    room,
                    n=format_number(room),
                    net=fmt(product.net_quantity, product.net_unit),
                )
            )
    return errors


def live_label_count(lot: Lot) -> int:
    """Serialised labels of the lot that were not voided."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Label.id)).where(
                Label.lot_id == lot.id, Label.voided_at.is_(None)
            )
        )
        or 0
    )


def serial_capacity(lot: Lot) -> int | None:
    """How many more serialised labels the lot's remaining quantity allows, or None when the
    product's net quantity cannot be compared with the lot's unit (then no limit applies).

    Only a caller holding the lot's lock (``lock_lots``) may act on the answer, as
    ``issue_run`` does; without it the answer is a moment's view, good for a page.
    """
    product = lot.product
    net, unit = product.net_quantity, product.net_unit
    if not net or unit not in UNITS or UNITS[unit][0] != UNITS.get(lot.unit, ("?",))[0]:
        return None
    per_label = convert(Decimal(net), unit, lot.unit)
    if per_label <= 0:
        return None
    return int(available(lot) / per_label) - live_label_count(lot)


# --- issuing -----------------------------------------------------------------------------------


def issue_run(
    actor: Actor,
    lot: Lot,
    *,
    count: int,
    template: str = "a4-3x8",
    kind: RunKind | str = RunKind.SERIALISED,
    ec: str = "M",
    notes: str | None = None,
) -> LabelRun:
    """Issue ``count`` labels for a lot as one run, after every refusal rule has been checked.

    Serialised runs insert one row per label with a fresh random serial, in chunks.
    """
    require(actor.can_write_cooperative(lot.cooperative_id), _("You cannot print labels here."))
    errors: dict[str, list[str]] = {}
    try:
        kind = RunKind(kind)
    except ValueError:
        errors["kind"] = [_("Choose serialised labels or lot-level copies.")]
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COPIES:
        errors["count"] = [_("Print between 1 and %(n)s labels.", n=format_number(MAX_COPIES))]
    if template not in LAYOUTS:
        errors["template"] = [_("Choose one of: %(names)s.", names=", ".join(LAYOUTS))]
    if ec not in EC_LEVELS:
        errors["ec"] = [_("Error correction is one of %(levels)s.", levels=", ".join(EC_LEVELS))]
    if errors:
        raise ValidationFailed(_("The labels could not be issued."), errors)
    assert isinstance(kind, RunKind)  # an unknown kind was refused above
    # The room left is counted under the lot's lock: runs issued at the same moment would
    # each see the room the others are about to take.
    lock_lots([lot.id])
    errors = issue_problems(lot, count, kind)
    if errors:
        raise ValidationFailed(_("The labels could not be issued."), errors)
    run = LabelRun(
        cooperative_id=lot.cooperative_id,
        number=next_counter_value(lot.cooperative_id, RUN_COUNTER),
        lot_id=lot.id,
        kind=kind,
        count=count,
        template=template,
        ec_level=ec,
        created_by_id=getattr(actor, "id", None),
        created_by_label=getattr(actor, "label", "system"),
        base_url=current_app.config["TRACEAPP_PUBLIC_BASE_URL"],
        notes=(notes or "").strip() or None,
    )
    db.session.add(run)
    db.session.flush()
    # A lot-level run gets one serial too: the short link of products without a GTIN, and the
    # record its scans are counted on.
    _insert_labels(run, count if kind == RunKind.SERIALISED else 1)
    audit.record(
        actor,
        "labels.issue",
        run,
        summary=f"{count} {kind.value} labels for lot {lot.code} on {template}",
        changes={
            "count": {"before": None, "after": count},
            "lot": {"before": None, "after": lot.code},
        },
    )
    return run


def _insert_labels(run: LabelRun, count: int) -> None:
    table = cast("sa.Table", Label.__table__)  # a mapped class's table (typed as a FromClause)
    seq = 0
    while seq < count:
        size = min(INSERT_CHUNK, count - seq)
        rows = [
            {
                "serial": new_serial(),
                "run_id": run.id,
                "lot_id": run.lot_id,
                "cooperative_id": run.cooperative_id,
                "seq": seq + i + 1,
                "scan_count": 0,
            }
            for i in range(size)
        ]
        try:
            with db.session.begin_nested():
                db.session.execute(table.insert(), rows)
        except sa.exc.IntegrityError:
            # 80 random bits make this practically impossible; if it ever happens the
            # chunk is drawn again rather than failing the whole run.
            log.warning("serial collision in run %s; drawing the chunk again", run.id)
            continue
        seq += size


# --- voiding and reprints ----------------------------------------------------------------------


def void_labels(
    actor: Actor,
    run: LabelRun,
    *,
    reason: str,
    kind: str = VoidKind.OTHER.value,
    first: int | None = None,
    last: int | None = None,
    serial: str | None = None,
) -> int:
    """Void one label (by serial), a range of positions, or the whole run; returns how many.
    ``kind`` (a :class:`VoidKind` value) is what the public page tells the shopper.

    Voided serials stay in the database and are never issued again.
    """
    require(actor.can_write_cooperative(run.cooperative_id), _("You cannot void these labels."))
    errors: dict[str, list[str]] = {}
    if len((reason or "").strip()) < 3:
        errors["reason"] = [_("Say why the labels are voided.")]
    if kind not in {k.value for k in VoidKind}:
        errors["kind"] = [_("Choose what kind of reason it is.")]
    stmt = sa.update(Label).where(Label.run_id == run.id, Label.voided_at.is_(None))
    what = "run"
    if serial:
        stmt = stmt.where(Label.serial == serial)
        what = f"serial {serial}"
    elif first is not None or last is not None:
        first = first or 1
        last = last or run.count
        if not (1 <= first <= last <= run.count):
            errors["range"] = [
                _(
                    "Give positions between 1 and %(n)s, first before last.",
                    n=format_number(run.count),
                )
            ]
        stmt = stmt.where(Label.seq.between(first, last))
        what = f"positions {first}-{last}"
    if errors:
        raise ValidationFailed(_("Nothing was voided."), errors)
    # An UPDATE gives a CursorResult (it has the row count); Session.execute is typed as
    # returning a plain Result.
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            stmt.values(
                voided_at=now_utc(), void_reason=reason.strip()[:300], void_kind=VoidKind(kind)
            )
        ),
    )
    count = result.rowcount or 0
    if count == 0:
        raise Conflict(_("No live label matched: they were voided already or do not exist."))
    audit.record(
        actor,
        "labels.void",
        run,
        summary=f"{count} labels voided ({what}, {kind}): {reason}",
        changes={
            "voided": {"before": None, "after": count},
            "which": {"before": None, "after": what},
        },
    )
    return count


def clear_flag(actor: Actor, label: Label, reason: str) -> Label:
    """Clear a label's flag with a reason (the cooperative's managers; audited).

    The flag's time and text stay as evidence. Scans before the clearing no longer count in
    the clone rules, so only new evidence flags the label again.
    """
    require(
        actor.can_manage_cooperative(label.cooperative_id),
        _("Only the cooperative's managers can clear a flag."),
    )
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationFailed(
            _("The flag was not cleared."), {"reason": [_("Say why the flag is cleared.")]}
        )
    if not label.flag_open:
        raise Conflict(_("This label is not flagged."))
    before = label.flag_reason
    label.flag_cleared_at = now_utc()
    label.flag_clear_reason = reason[:300]
    audit.record(
        actor,
        "labels.clear_flag",
        label,
        summary=f"flag of serial {label.serial} cleared ({before}): {reason}",
        changes={
            "flag_cleared_at": {"before": None, "after": label.flag_cleared_at.isoformat()},
            "flag_clear_reason": {"before": None, "after": label.flag_clear_reason},
            "flag_reason": {"before": before, "after": before},
        },
    )
    return label


def flagged_label(run: LabelRun, serial: str) -> Label | None:
    """A label of this run by its serial (the run was loaded through the tenant scope)."""
    return db.session.execute(
        sa.select(Label).where(Label.run_id == run.id, Label.serial == serial)
    ).scalar_one_or_none()


def record_print(actor: Actor, run: LabelRun, fmt_name: str, layout: str | None) -> None:
    """Log that a run was rendered for printing; from the second time on it is a reprint."""
    require(actor.can_write_cooperative(run.cooperative_id), _("You cannot print these labels."))
    run.prints += 1
    action = "labels.print" if run.prints == 1 else "labels.reprint"
    audit.record(
        actor,
        action,
        run,
        summary=f"run #{run.number} printed as {fmt_name} ({layout or '-'}), time {run.prints}",
        changes={"prints": {"before": run.prints - 1, "after": run.prints}},
    )
