"""Filing a shopper's problem report, and the cooperative's list of them.

A report names a code as scanned (the link of the label page it came from). The code is
resolved to what exists (a label, its lot and product, or only a product whose GTIN the code
names); the report goes to that cooperative. A code that names nothing anyone issued gets no
form: there is nobody to send it to but the market authority, whom the page names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.batches.models import Lot, LotStatus
from traceapp.cooperatives.models import Cooperative
from traceapp.database import local_today, now_utc
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.media.services import store_image
from traceapp.products.models import Product
from traceapp.public.lookups import product_by_gtin
from traceapp.public.resolver import BadPath, parse_digital_link, valid_serial
from traceapp.reports.models import ProblemKind, ProblemReport

#: Open reports one label (or one product, for codes no label has) may hold: past this, new
#: ones are thanked for and dropped, so a flood stores nothing more (the cooperative already
#: has plenty to look at about that label).
MAX_OPEN_PER_TARGET = 20


@dataclass(frozen=True)
class Target:
    """What a reported code names, as far as it exists."""

    code: str
    cooperative_id: int
    cooperative: str
    product: str
    state: str
    serial: str | None = None
    label_id: int | None = None
    lot_id: int | None = None
    product_id: int | None = None


def _label_state(label: Label, lot: Lot) -> str:
    if label.voided_at is not None:
        return "voided"
    if lot.status == LotStatus.RECALLED:
        return "recalled"
    if label.flag_open:
        return "copied"
    if lot.best_before is not None and lot.best_before < local_today():
        return "expired"
    return "genuine"


def target_of(about: str | None, lang: str) -> Target | None:
    """What the code ``about`` (a label page's URL or path) names, or None when it names no
    label, lot or product that exists."""
    path = urlsplit((about or "").strip()).path
    gtin = serial = None
    if path.startswith("/l/"):
        serial = path[3:]
        if not valid_serial(serial):
            return None
    elif path.startswith(("/01/", "/p/01/")):
        try:
            res = parse_digital_link(path.removeprefix("/p"))
        except BadPath:
            return None
        gtin, serial = res.gtin, res.serial
    else:
        return None
    label = None
    if serial:
        label = db.session.execute(
            sa.select(Label).where(Label.serial == serial)
        ).scalar_one_or_none()
    if label is not None:
        lot = db.session.get_one(Lot, label.lot_id)
        product = db.session.get_one(Product, lot.product_id)
        if gtin and product.gtin != gtin:
            label = None  # a real serial under another product's GTIN: a made-up code
    if label is not None:
        coop = db.session.get_one(Cooperative, label.cooperative_id)
        return Target(
            path[:300],
            coop.id,
            coop.name,
            product.name_in(lang),
            _label_state(label, lot),
            serial,
            label.id,
            lot.id,
            product.id,
        )
    named = product_by_gtin(gtin) if gtin else None
    if named is None:
        return None
    coop = db.session.get_one(Cooperative, named.cooperative_id)
    return Target(
        path[:300],
        coop.id,
        coop.name,
        named.name_in(lang),
        "unregistered",
        serial[:40] if serial else None,
        product_id=named.id,
    )


def _open_about(target: Target) -> int:
    about = (
        ProblemReport.label_id == target.label_id
        if target.label_id is not None
        else sa.and_(
            ProblemReport.product_id == target.product_id, ProblemReport.label_id.is_(None)
        )
    )
    return int(
        db.session.scalar(
            sa.select(sa.func.count(ProblemReport.id)).where(
                about, ProblemReport.handled_at.is_(None)
            )
        )
        or 0
    )


def file_report(
    target: Target,
    *,
    kind: str,
    text: str,
    contact: str | None,
    photo: Any,
    lang: str,
) -> ProblemReport | None:
    """Store a report (and its photo, checked and re-encoded like any upload); None when the
    target already holds as many open reports as it may (the report is dropped)."""
    errors: dict[str, list[str]] = {}
    if kind not in {k.value for k in ProblemKind}:
        errors["kind"] = [_("Choose what is wrong.")]
    if len((text or "").strip()) < 3:
        errors["text"] = [_("Say in a few words what is wrong.")]
    if errors:
        raise ValidationFailed(_("The report was not sent."), errors)
    if _open_about(target) >= MAX_OPEN_PER_TARGET:
        return None
    stored = store_image(photo, "photo", target.cooperative_id) if photo else None
    report = ProblemReport(
        cooperative_id=target.cooperative_id,
        label_id=target.label_id,
        lot_id=target.lot_id,
        product_id=target.product_id,
        code=target.code,
        serial=target.serial,
        label_state=target.state,
        kind=ProblemKind(kind),
        text=text.strip()[:1000],
        contact=(contact or "").strip()[:200] or None,
        photo_id=stored.id if stored else None,
        lang=lang[:5],
    )
    db.session.add(report)
    db.session.flush()
    return report


def reports_query(actor: Any, *, handled: bool = False) -> sa.Select[Any]:
    """The reports the actor's cooperative received, newest first (open ones, or handled)."""
    done = ProblemReport.handled_at.is_not(None) if handled else ProblemReport.handled_at.is_(None)
    return (
        sa.select(ProblemReport)
        .where(ProblemReport.visible_to(actor), done)
        .order_by(ProblemReport.created_at.desc(), ProblemReport.id.desc())
    )


#: The order of the reports list, newest first (keyset paging).
REPORT_LIST_ORDER = [(ProblemReport.created_at, True), (ProblemReport.id, True)]


def open_count(actor: Any) -> int:
    """How many reports wait for the actor's cooperative."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(ProblemReport.id)).where(
                ProblemReport.visible_to(actor), ProblemReport.handled_at.is_(None)
            )
        )
        or 0
    )


def mark_handled(actor: Any, report: ProblemReport, note: str | None) -> None:
    """The cooperative dealt with a report: it leaves the open list and the authority's flags."""
    require(actor.can_write_cooperative(report.cooperative_id), _("You cannot handle this report."))
    if report.handled_at is not None:
        return
    report.handled_at = now_utc()
    report.handled_by_label = getattr(actor, "label", "system")
    report.handled_note = (note or "").strip()[:300] or None
    audit.record(
        actor,
        "reports.handled",
        report,
        summary=f"problem report {report.id} handled",
        changes={"handled_at": {"before": None, "after": report.handled_at.isoformat()}},
    )
