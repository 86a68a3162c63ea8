"""Demo labels in each state a shopper may meet on the public page: genuine (the Xuân Phước
run), copied (its label 7, see :mod:`traceapp.demo.scans`), a made-up serial under the peanut
GTIN (the same module), and here: a withdrawn (voided) label, a lot past its best-before and a
recalled lot whose recall is given in English and Chinese too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.batches.models import Lot
from traceapp.batches.recall import recall_lot
from traceapp.demo.batches import _harvest, _member, _product, _zones
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.labels.models import Label, LabelRun
from traceapp.zones.models import ZoneKind

#: The Xuân Phước label withdrawn as a misprint.
VOIDED_SEQ = 48
EXPIRED_NOTES = "Lô vụ Thu Đông 2025 (đã quá hạn sử dụng)"
RECALL_REASON = "Phát hiện aflatoxin vượt giới hạn cho phép trong mẫu lưu của lô."
RECALL_INSTRUCTIONS = "Không sử dụng; mang sản phẩm đến nơi mua để được hoàn tiền."
RECALL_TEXTS = {
    "en": {
        "reason": "Aflatoxin above the legal limit was found in the lot's kept sample.",
        "instructions": "Do not eat it; bring it back to the shop for a refund.",
    },
    "zh": {
        "reason": "该批次留样中检出黄曲霉毒素超标。",
        "instructions": "请勿食用；请将产品退回购买处退款。",
    },
}


def load(ctx: dict[str, Any]) -> None:
    """Add the voided, expired and recalled examples once."""
    if "XP" not in ctx.get("coops", {}) or "XP" not in ctx.get("products", {}):
        return
    run: LabelRun | None = ctx.get("label_runs", {}).get("XP")
    if run is not None:
        label = db.session.scalar(
            sa.select(Label).where(Label.run_id == run.id, Label.seq == VOIDED_SEQ)
        )
        if label is not None and label.voided_at is None:
            labels.void_labels(
                SYSTEM,
                run,
                reason="Nhãn in lỗi, đã thay nhãn khác",
                kind="misprint",
                serial=label.serial,
            )
    if db.session.scalar(sa.select(Lot.id).where(Lot.notes == EXPIRED_NOTES)) is not None:
        return
    bag = _product(ctx, "XP", "XP-DP-500")
    roasted = _product(ctx, "XP", "XP-DPR-250")
    field = _zones(ctx, "XP", ZoneKind.GROWING_AREA)[0]
    grower = _member(ctx, "XP", "0001")
    expired = _harvest(
        bag,
        dt.date(2026, 4, 2),
        [(grower, field, "60")],
        best_before=dt.date(2026, 9, 30),
        notes=EXPIRED_NOTES,
    )
    labels.issue_run(SYSTEM, expired, count=6)
    recalled = _harvest(roasted, dt.date(2026, 10, 20), [(grower, field, "40")])
    labels.issue_run(SYSTEM, recalled, count=6)
    recall_lot(
        SYSTEM,
        recalled,
        reason=RECALL_REASON,
        instructions=RECALL_INSTRUCTIONS,
        decided_by="HTX Xuân Phước, quyết định số 12/QĐ-HTX",
        texts=RECALL_TEXTS,
    )
    ctx["state_lots"] = {"expired": expired, "recalled": recalled}


def label_urls() -> dict[str, str]:
    """A demo label's public URL for each state a shopper may meet (those loaded), for
    ``traceapp demo`` to print and the browser tests to open: genuine, copied, voided,
    unknown serial, expired and recalled."""
    from traceapp.batches.models import LotStatus
    from traceapp.demo.scans import COPIED_LABEL_SEQ, UNKNOWN_SERIAL
    from traceapp.labels.contents import label_url

    def first_live(lot_clause: Any, *extra: Any) -> Label | None:
        return db.session.scalar(
            sa.select(Label)
            .join(Lot, Lot.id == Label.lot_id)
            .where(lot_clause, Label.voided_at.is_(None), *extra)
            .order_by(Label.id)
            .limit(1)
        )

    def url(label: Label | None, serial: str | None = None) -> str | None:
        if label is None:
            return None
        lot = db.session.get_one(Lot, label.lot_id)
        return label_url(lot.product, lot.code, serial or label.serial)

    found: dict[str, str | None] = {}
    voided = db.session.scalar(
        sa.select(Label).where(Label.seq == VOIDED_SEQ, Label.voided_at.is_not(None)).limit(1)
    )
    copied = (
        db.session.scalar(
            sa.select(Label).where(Label.run_id == voided.run_id, Label.seq == COPIED_LABEL_SEQ)
        )
        if voided is not None
        else None
    )
    if voided is not None:
        found["genuine"] = url(
            first_live(
                Lot.id == voided.lot_id,
                Label.seq != COPIED_LABEL_SEQ,
                Label.flagged_at.is_(None),
            )
        )
    found["copied"] = url(copied)
    found["voided"] = url(voided)
    found["unknown"] = url(voided, UNKNOWN_SERIAL)
    found["expired"] = url(first_live(Lot.notes == EXPIRED_NOTES))
    found["recalled"] = url(first_live(Lot.status == LotStatus.RECALLED))
    return {state: link for state, link in found.items() if link}
