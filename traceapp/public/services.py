"""What the public page says about a label or lot, the scan log, and the clone rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app

from traceapp import tunables
from traceapp.batches.models import Lot, LotStatus, Recall
from traceapp.batches.timeline import timeline_entries
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.database import local_today, now_utc
from traceapp.extensions import db
from traceapp.labels.models import Label, RunKind
from traceapp.products.models import Product
from traceapp.units import fmt
from traceapp.zones.models import Zone

# --- the client, without keeping who they are ------------------------------------------------

def client_hash(address: str | None) -> str:
    """A keyed hash of the client address (16 hex digits); the address itself is never stored."""
    salt = current_app.config.get("TRACEAPP_SCAN_SALT") or current_app.config["SECRET_KEY"]
    key = salt.encode() if isinstance(salt, str) else salt
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()[:16]


def ua_class(user_agent: str | None) -> str:
    """A coarse device class: android, ios, desktop, bot or other."""
    ua = (user_agent or "").lower()
    if any(word in ua for word in ("bot", "crawler", "spider", "curl", "wget", "python")):
        return "bot"
    if "android" in ua:
        return "android"
    if any(word in ua for word in ("iphone", "ipad", "ios")):
        return "ios"
    if any(word in ua for word in ("windows", "macintosh", "linux", "cros")):
        return "desktop"
    return "other"


# --- looking a serial up ---------------------------------------------------------------------

_SERIAL_QUERY = sa.text(
    "SELECT l.id, l.lot_id, l.cooperative_id, l.voided_at, l.scan_count, l.first_scanned_at, "
    "l.flagged_at, l.flag_reason, r.kind, r.created_at AS issued_at, r.created_by_label, "
    "lots.code AS lot_code, lots.status AS lot_status, lots.best_before, lots.recall_id, "
    "lots.updated_at AS lot_updated_at, p.id AS product_id, p.gtin "
    "FROM labels l JOIN label_runs r ON r.id = l.run_id JOIN lots ON lots.id = l.lot_id "
    "JOIN products p ON p.id = lots.product_id WHERE l.serial = :serial"
)


@dataclass
class ScanResult:
    """The outcome of resolving one serial."""

    outcome: str  # ok, mismatch, voided, unknown
    label: Any = None
    scan_count: int = 0
    first_scanned_at: dt.datetime | None = None
    caution: str | None = None


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def lookup_serial(serial: str) -> Any:
    """The label row behind a serial (with its lot and product), or None."""
    return db.session.execute(_SERIAL_QUERY, {"serial": serial}).first()


def clone_reason(row: Any, scans_24h: int, clients: int, new_client: bool,
                 today: dt.date) -> str | None:
    """Which clone rule this scan breaks, if any (the rules live in the settings file)."""
    rules = tunables.get("clone_rules")
    lot_level = row.kind == RunKind.LOT_COPIES.value
    if row.voided_at is not None:
        return "scan of a voided serial"
    if row.lot_status == LotStatus.RECALLED.value:
        return "scan of a recalled lot"
    best_before = _date(row.best_before)
    if best_before is not None and today > best_before:
        return "scan after best-before"
    if lot_level:
        return None  # a lot-level label is printed many times: volume says nothing
    if scans_24h + 1 > int(rules["max_scans_24h"]):
        return f"more than {rules['max_scans_24h']} scans in 24 hours"
    if clients + (1 if new_client else 0) > int(rules["max_distinct_clients"]):
        return f"scanned by more than {rules['max_distinct_clients']} different clients"
    return None


def _pg_async_commit() -> None:
    # A scan log may lose its last few rows in a crash; it must never make a shopper wait for
    # the disk. Only this transaction is affected.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))


def record_scan(serial: str, *, address: str | None, user_agent: str | None, lang: str,
                expected_gtin: str | None = None, expected_lot: str | None = None) -> ScanResult:
    """Resolve a serial, log the scan, apply the clone rules; the caller commits."""
    now = now_utc()
    row = lookup_serial(serial)
    who = client_hash(address)
    scan = {"scanned_at": now, "client_hash": who, "ua_class": ua_class(user_agent),
            "lang": lang[:5], "flagged": False, "label_id": None, "lot_id": None,
            "product_id": None, "cooperative_id": None, "unknown_serial": None}
    _pg_async_commit()
    if row is None:
        db.session.execute(sa.insert(_scans()), [{**scan, "outcome": "unknown",
                                                 "unknown_serial": serial[:20]}])
        return ScanResult("unknown")
    scan.update(label_id=row.id, lot_id=row.lot_id, product_id=row.product_id,
                cooperative_id=row.cooperative_id)
    mismatch = (expected_gtin is not None and expected_gtin != row.gtin) or (
        expected_lot is not None and expected_lot != row.lot_code)
    stats = db.session.execute(
        sa.text("SELECT COUNT(*) FILTER (WHERE scanned_at >= :since), "
                "COUNT(DISTINCT client_hash), "
                "COUNT(*) FILTER (WHERE client_hash = :who) FROM label_scans "
                "WHERE label_id = :id"),
        {"since": _param_time(now - dt.timedelta(hours=24)), "who": who, "id": row.id},
    ).first()
    reason = clone_reason(row, stats[0], stats[1], stats[2] == 0, local_today())
    if mismatch:
        reason = "serial scanned under another lot or GTIN"
    outcome = "voided" if row.voided_at is not None else ("mismatch" if mismatch else "ok")
    scan.update(outcome=outcome, flagged=reason is not None)
    db.session.execute(sa.insert(_scans()), [scan])
    update = (sa.update(Label).where(Label.id == row.id)
              .values(scan_count=Label.scan_count + 1, last_scanned_at=now,
                      first_scanned_at=sa.func.coalesce(Label.first_scanned_at, now)))
    if reason and row.flagged_at is None:
        update = update.values(flagged_at=now, flag_reason=reason[:300])
    db.session.execute(update)
    if mismatch:
        current_app.logger.warning("suspicious scan: serial %s asked under gtin=%s lot=%s",
                                   serial, expected_gtin, expected_lot)
    flagged_reason = row.flag_reason or reason
    return ScanResult(outcome, label=row, scan_count=(row.scan_count or 0) + 1,
                      first_scanned_at=_aware(row.first_scanned_at) or now,
                      caution=flagged_reason)


def _param_time(value: dt.datetime) -> Any:
    # Raw SQL bypasses the column type: SQLite stores naive UTC text.
    if db.engine.dialect.name == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def _scans() -> sa.Table:
    from traceapp.public.models import LabelScan

    return LabelScan.__table__


# --- the page ------------------------------------------------------------------------------

@dataclass
class ZoneView:
    """A zone as the public page shows it."""

    code: str
    kind: str
    crop: str | None
    commune: str | None
    district: str | None
    province: str
    area_ha: Any
    certifications: list[dict[str, Any]]
    svg: str


@dataclass
class LotPage:
    """Everything the public page of a lot shows, built once and cached per language."""

    version: tuple[Any, ...]
    built: float
    lot_id: int
    lot_code: str
    lot_status: str
    production_date: dt.date
    best_before: dt.date | None
    quantity: str
    product_id: int
    product_name: str
    product_image: str | None
    net: str | None
    gtin: str | None
    mark: dict[str, Any] | None
    ocop: dict[str, Any] | None
    coop: dict[str, Any]
    zones: list[ZoneView]
    households: int
    names: list[str]
    catch: dict[str, Any] | None
    vessels: list[dict[str, Any]]
    method: str | None
    timeline: list[Any]
    recall: dict[str, Any] | None
    last_modified: dt.datetime
    issued_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_cache: dict[tuple[int, str], LotPage] = {}
_cache_lock = threading.Lock()
PAGE_TTL = 60.0


def version_of(row: Any) -> tuple[Any, ...]:
    """A lot's cache version from a raw row (updated_at, status, recall_id)."""
    return (str(row.lot_updated_at), str(row.lot_status), row.recall_id)


def lot_version(lot_id: int) -> tuple[Any, ...] | None:
    """What the cached page depends on that can change at any moment (recall above all)."""
    row = db.session.execute(
        sa.text("SELECT updated_at AS lot_updated_at, status AS lot_status, recall_id "
                "FROM lots WHERE id = :id"), {"id": lot_id}).first()
    return version_of(row) if row else None


def lot_page(lot_id: int, lang: str, version: tuple[Any, ...] | None = None) -> LotPage:
    """The page model of a lot in a language, from the cache when still current."""
    version = version or lot_version(lot_id)
    key = (lot_id, lang)
    cached = _cache.get(key)
    if cached and cached.version == version and time.monotonic() - cached.built < PAGE_TTL:
        return cached
    page = build_lot_page(db.session.get(Lot, lot_id), lang, version)
    with _cache_lock:
        if len(_cache) > 5000:
            _cache.clear()
        _cache[key] = page
    return page


def clear_cache() -> None:
    """Forget every cached page (tests, settings changes)."""
    with _cache_lock:
        _cache.clear()


def _zone_view(zone: Zone, today: dt.date) -> ZoneView:
    from traceapp.zones.geometry import svg_outline

    certs = [{"scheme": c.scheme.value, "number": c.number,
              "expires_on": c.expires_on} for c in zone.certifications if c.is_valid_on(today)]
    area = zone.declared_area_ha if zone.declared_area_ha is not None else zone.computed_area_ha
    return ZoneView(code=zone.code, kind=zone.kind.value, crop=zone.crop, commune=zone.commune,
                    district=zone.district, province=zone.province, area_ha=area,
                    certifications=certs,
                    svg=svg_outline(zone.geometry, zone.code, width=280, height=180))


def build_lot_page(lot: Lot, lang: str, version: tuple[Any, ...] | None) -> LotPage:
    """Gather the lot's public facts (several queries; cached by :func:`lot_page`)."""
    from traceapp.batches import genealogy
    from traceapp.batches.epcis import lot_events
    from traceapp.products.services import current_ocop

    today = local_today()
    product: Product = lot.product
    coop = db.session.get(Cooperative, lot.cooperative_id)
    trace = genealogy.trace(lot)
    origin_lots = trace.origin_lots
    zones = [_zone_view(z, today) for z in trace.zones()]
    members = trace.households()
    names = sorted(m.full_name for m in members if m.public_name_consent)
    catch = next((x.catch_data for x in origin_lots if x.catch_data), None)
    method = next((x.aquaculture_method for x in origin_lots if x.aquaculture_method), None)
    vessels = []
    for c in trace.contributions:
        m = c.member
        if m.vessel_registration and m.vessel_registration not in {v["registration"]
                                                                     for v in vessels}:
            vessels.append({"registration": m.vessel_registration, "name": m.vessel_name,
                            "flag": m.flag_state})
    mark = None
    if product.mark is not None and product.mark.is_usable_on(today):
        mark = {"name": product.mark.name,
                "certificate_number": product.mark.certificate_number,
                "certificate_date": product.mark.certificate_date}
    record = current_ocop(product, today)
    ocop = None
    if record is not None:
        ocop = {"stars": record.stars, "decision_number": record.decision_number,
                "valid_until": record.valid_until,
                "level": record.level.value if record.level else None}
    active = sa.and_(Member.cooperative_id == coop.id, Member.left_on.is_(None))
    total, women = db.session.execute(
        sa.select(sa.func.count(Member.id),
                  sa.func.count(Member.id).filter(Member.gender == Gender.FEMALE)).where(active)
    ).one()
    events = lot_events(lot)
    recall = None
    if lot.recall_id:
        r = db.session.get(Recall, lot.recall_id)
        recall = {"reason": r.reason, "instructions": r.instructions,
                  "decided_by": r.decided_by, "decided_at": r.decided_at}
    last_modified = max([lot.updated_at] + [e.recorded_at for e in events])
    return LotPage(
        version=version or (), built=time.monotonic(), lot_id=lot.id, lot_code=lot.code,
        lot_status=lot.status.value, production_date=lot.production_date,
        best_before=lot.best_before, quantity=fmt(lot.quantity, lot.unit),
        product_id=product.id, product_name=product.name_in(lang), product_image=product.image,
        net=fmt(product.net_quantity, product.net_unit) if product.net_quantity else None,
        gtin=product.gtin, mark=mark, ocop=ocop,
        coop={"name": coop.name, "commune": coop.commune, "district": coop.district,
              "province": coop.province, "households": total,
              "women_share": round(100 * women / total) if total else 0, "logo": coop.logo},
        zones=zones, households=len(members), names=names, catch=catch, vessels=vessels,
        method=method, timeline=timeline_entries(events, public=True), recall=recall,
        last_modified=last_modified,
    )


def product_by_gtin(gtin14: str) -> Product | None:
    """The product with this GTIN (GTINs are unique nationally)."""
    return db.session.execute(sa.select(Product).where(Product.gtin == gtin14)).scalar_one_or_none()


def lot_by_gtin(gtin14: str, lot_code: str) -> Lot | None:
    """The lot of a product, by GTIN and lot code."""
    return db.session.execute(
        sa.select(Lot).join(Product, Product.id == Lot.product_id)
        .where(Product.gtin == gtin14, Lot.code == lot_code)).scalar_one_or_none()


def latest_lot(product: Product) -> Lot | None:
    """The product's most recent lot (for a product page)."""
    return db.session.execute(
        sa.select(Lot).where(Lot.product_id == product.id).order_by(Lot.production_date.desc(),
                                                                    Lot.id.desc()).limit(1)
    ).scalar_one_or_none()


def issued_note(row: Any) -> dict[str, Any]:
    """Who issued the label and when."""
    return {"issued_at": _aware(row.issued_at), "issued_by": row.created_by_label}
