"""Demo scans, so the scan statistics and the authority's evidence pages have something to show.

Shoppers scan a share of each demo run's labels over the last weeks, mostly from phones and
in Vietnamese. One Xuân Phước label turns up on many phones in one day (a copied label: it is
flagged as the clone rules would flag it), and a made-up serial is tried under the peanut
GTIN (an unknown serial for the auditor). Times are relative to today; the random choices are
seeded, so every fresh demo database tells the same story.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.labels.models import Label, LabelRun, RunKind
from traceapp.public.clone import FLAG_CLIENTS
from traceapp.public.models import LabelScan

DAYS = 45
#: Share of a run's labels that shoppers scanned.
SCANNED_SHARE = 0.6
LANGS = ["vi"] * 7 + ["en", "en", "zh"]
UA = ["mobile"] * 8 + ["desktop", "bot"]
COPIED_LABEL_SEQ = 7
COPIED_CLIENTS = 26
UNKNOWN_SERIAL = "ZZ9X4QK7MPLA"


def _client(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _scan(
    label: Label, run: LabelRun, when: dt.datetime, client: str, rng: random.Random, **kw: Any
) -> LabelScan:
    return LabelScan(
        scanned_at=when,
        label_id=label.id,
        lot_id=label.lot_id,
        product_id=run.lot.product_id,
        cooperative_id=label.cooperative_id,
        outcome=kw.pop("outcome", "ok"),
        client_hash=client,
        ua_class=rng.choice(UA),
        lang=rng.choice(LANGS),
        **kw,
    )


def _count(label: Label, scans: list[LabelScan]) -> None:
    """The label's counters as the scan log would have kept them (it had no scans before)."""
    times = [s.scanned_at for s in scans]
    label.scan_count = len(scans)
    label.first_scanned_at = min(times)
    label.last_scanned_at = max(times)


def _issued(run: LabelRun, now: dt.datetime) -> dt.datetime:
    """When the demo run was printed: two days after its lot was made, within the last DAYS
    days. The demo creates it today; its scans go back weeks, and a page saying "issued
    today, first scanned a month ago" would contradict itself."""
    made = dt.datetime.combine(run.lot.production_date + dt.timedelta(days=2), dt.time(1), dt.UTC)
    issued = min(max(made, now - dt.timedelta(days=DAYS)), now - dt.timedelta(days=4))
    if run.created_at is None or _aware(run.created_at) > issued:
        run.created_at = issued
    return _aware(run.created_at)


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _shoppers(
    run: LabelRun, labels: list[Label], rng: random.Random, now: dt.datetime, issued: dt.datetime
) -> None:
    days = max(1.0, (now - issued).total_seconds() / 86400)
    for label in rng.sample(labels, max(1, int(len(labels) * SCANNED_SHARE))):
        if label.seq == COPIED_LABEL_SEQ:
            continue
        client = _client(rng)
        first = now - dt.timedelta(days=rng.uniform(min(1.0, days / 2), days))
        scans = [_scan(label, run, first, client, rng)]
        # some shoppers look again at home; a few show it to someone else
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
            later = min(now, first + dt.timedelta(hours=rng.uniform(0.2, 72)))
            scans.append(_scan(label, run, later, rng.choice([client, _client(rng)]), rng))
        db.session.add_all(scans)
        _count(label, scans)


def _copied(run: LabelRun, labels: list[Label], rng: random.Random, now: dt.datetime) -> None:
    """One label photographed and reprinted: many phones in one day, flagged at the 9th."""
    label = next((lb for lb in labels if lb.seq == COPIED_LABEL_SEQ), None)
    if label is None:
        return
    start = now - dt.timedelta(days=3, hours=6)
    scans = []
    for i in range(COPIED_CLIENTS):
        when = start + dt.timedelta(minutes=35 * i)
        scans.append(_scan(label, run, when, _client(rng), rng, flagged=i >= 8))
    db.session.add_all(scans)
    _count(label, scans)
    label.flagged_at = scans[8].scanned_at
    label.flag_reason = FLAG_CLIENTS.format(n=8)


def _unknown(run: LabelRun, rng: random.Random, now: dt.datetime) -> None:
    for hours in (50, 49, 26):
        db.session.add(
            LabelScan(
                scanned_at=now - dt.timedelta(hours=hours),
                lot_id=run.lot_id,
                product_id=run.lot.product_id,
                cooperative_id=run.cooperative_id,
                unknown_serial=UNKNOWN_SERIAL,
                outcome="unknown",
                client_hash=_client(rng),
                ua_class="mobile",
                lang="vi",
            )
        )


def load(ctx: dict[str, Any]) -> None:
    """Scans on each demo run, once: a database whose labels were scanned keeps its log."""
    runs: dict[str, LabelRun] = ctx.get("label_runs", {})
    if not runs or db.session.scalar(sa.select(sa.func.count()).select_from(LabelScan)):
        return
    now = now_utc()
    for code, run in sorted(runs.items()):
        if run.kind != RunKind.SERIALISED:
            continue
        rng = random.Random(f"traceapp-demo-scans-{code}")
        labels = list(
            db.session.scalars(
                sa.select(Label)
                .where(Label.run_id == run.id, Label.voided_at.is_(None))
                .order_by(Label.seq)
            )
        )
        _shoppers(run, labels, rng, now, _issued(run, now))
        if code == "XP":
            _copied(run, labels, rng, now)
            if run.lot.product.gtin:
                _unknown(run, rng, now)
    db.session.flush()
