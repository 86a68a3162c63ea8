"""The public page model of a lot: what the page says, gathered from what was recorded."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from traceapp.batches.models import Lot, Recall
from traceapp.batches.timeline import timeline_entries
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.database import local_now, local_today
from traceapp.extensions import db
from traceapp.i18n import LANGUAGE_NAMES
from traceapp.products.models import Product
from traceapp.public.wording import BY_WEIGHT, gear_name, net_text
from traceapp.units import fmt
from traceapp.zones import services as zone_services
from traceapp.zones.models import MARKET_LABELS, STATUS_LABELS, Zone


def lot_body(page: LotPage) -> str:
    """The lot's part of the page as HTML, rendered once per cached page and language."""
    html = page.extra.get("body")
    if html is None:
        html = render_template("public/_lot_body.html", page=page)
        page.extra["body"] = html
    return html


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
    #: The zone inside its province's (and district's) outline, with a scale (inline SVG).
    locator: str = ""
    #: Whether the public register holds the code (its page can be linked).
    public: bool = False
    #: The code's status today and the market it may sell to, in the page's language.
    status: str = ""
    market: str | None = None
    valid_until: dt.date | None = None


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
    description: str | None = None
    ingredients: str | None = None
    allergens: str | None = None
    sold_by_weight: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: How long this copy may be shown without a rebuild, as a share of PAGE_TTL (drawn at
    #: random, so that pages built together do not all lapse in the same second).
    spread: float = 1.0
    #: Seconds from ``built`` to the next local midnight: a date-bound fact (a certificate's
    #: end, best-before) must not show the day before's verdict for long.
    until_midnight: float = 86400.0


def _seconds_to_midnight() -> float:
    now = local_now()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), now.tzinfo)
    return max(1.0, (midnight - now).total_seconds())


def _zone_view(zone: Zone, today: dt.date, public: bool, lang: str) -> ZoneView:
    from traceapp.zones.geometry import drawable, svg_outline
    from traceapp.zones.geometry.context import locator_svg

    certs = [
        {"scheme": c.scheme.value, "number": c.number, "expires_on": c.expires_on}
        for c in zone.certifications
        if c.is_valid_on(today)
    ]
    area = zone.declared_area_ha if zone.declared_area_ha is not None else zone.computed_area_ha
    return ZoneView(
        code=zone.code,
        kind=zone.kind.value,
        crop=zone.crop,
        commune=zone.commune,
        district=zone.district,
        province=zone.province,
        area_ha=area,
        certifications=certs,
        svg=svg_outline(zone.geometry, zone.code, width=280, height=180),
        public=public,
        status=str(STATUS_LABELS[zone_services.effective_status(zone, today)]),
        market=str(MARKET_LABELS[zone.target_market]) if zone.target_market else None,
        valid_until=zone.valid_until,
        locator=locator_svg(
            drawable(zone.geometry), zone.code, zone.province, zone.district, lang=lang
        ),
    )


def build_lot_page(lot: Lot, lang: str, version: tuple[Any, ...] | None) -> LotPage:
    """Gather the lot's public facts (several queries; cached by :func:`lot_page`)."""
    from traceapp.batches import genealogy
    from traceapp.batches.epcis import lot_events
    from traceapp.products.services import current_ocop

    today = local_today()
    product: Product = lot.product
    coop = db.session.get_one(Cooperative, lot.cooperative_id)
    trace = genealogy.trace(lot)
    origin_lots = trace.origin_lots
    claimed = trace.zones()
    # The codes the public register holds are linked to their page there.
    issued = set(
        db.session.execute(
            sa.select(Zone.id).where(
                Zone.id.in_([z.id for z in claimed]), zone_services.issued_clause()
            )
        ).scalars()
        if claimed
        else ()
    )
    with force_locale(lang):
        zones = [_zone_view(z, today, z.id in issued, lang) for z in claimed]
    members = trace.households()
    names = sorted(m.full_name for m in members if m.public_name_consent)
    catch = next((x.catch_data for x in origin_lots if x.catch_data), None)
    if catch:
        # Trip dates are stored as ISO text; the page shows them in the reader's locale.
        catch = {**catch, **{k: _date_or_text(catch.get(k)) for k in ("trip_start", "trip_end")}}
    method = next((x.aquaculture_method for x in origin_lots if x.aquaculture_method), None)
    vessels: list[dict[str, Any]] = []
    for c in trace.contributions:
        m = c.member
        if m.vessel_registration and m.vessel_registration not in {
            v["registration"] for v in vessels
        }:
            vessels.append(
                {"registration": m.vessel_registration, "name": m.vessel_name, "flag": m.flag_state}
            )
    mark = None
    if product.mark is not None and product.mark.is_usable_on(today):
        mark = {
            "name": product.mark.name,
            "certificate_number": product.mark.certificate_number,
            "certificate_date": product.mark.certificate_date,
            "logo": product.mark.logo,
        }
    record = current_ocop(product, today)
    ocop = None
    if record is not None:
        ocop = {
            "stars": record.stars,
            "decision_number": record.decision_number,
            "valid_until": record.valid_until,
            "level": record.level.value if record.level else None,
        }
    active = sa.and_(Member.cooperative_id == coop.id, Member.left_on.is_(None))
    total, women = db.session.execute(
        sa.select(
            sa.func.count(Member.id),
            sa.func.count(Member.id).filter(Member.gender == Gender.FEMALE),
        ).where(active)
    ).one()
    events = lot_events(lot)
    recall = None
    if lot.recall_id:
        recall = recall_in(db.session.get_one(Recall, lot.recall_id), lang)
    last_modified = max([lot.updated_at] + [e.recorded_at for e in events])
    with force_locale(lang):  # quantities in the page's language, whoever builds it
        quantity = fmt(lot.quantity, lot.unit)
        net = net_text(product.unit_of_trade, product.net_quantity, product.net_unit)
        if catch and catch.get("gear_type"):
            catch["gear_type"] = gear_name(catch["gear_type"])
        timeline = timeline_entries(events, public=True)
    return LotPage(
        version=version or (),
        built=time.monotonic(),
        spread=random.uniform(0.8, 1.2),
        until_midnight=_seconds_to_midnight(),
        lot_id=lot.id,
        lot_code=lot.code,
        lot_status=lot.status.value,
        production_date=lot.production_date,
        best_before=lot.best_before,
        quantity=quantity,
        product_id=product.id,
        product_name=product.name_in(lang),
        product_image=product.image,
        net=net,
        gtin=product.gtin,
        mark=mark,
        ocop=ocop,
        coop={
            "id": coop.id,
            "name": coop.name,
            "commune": coop.commune,
            "district": coop.district,
            "province": coop.province,
            "households": total,
            "women_share": round(100 * women / total) if total else 0,
            "show_women_share": coop.show_women_share and total > 0,
            "logo": coop.logo,
            "address": coop.address,
            "phone": coop.phone,
            "email": coop.email,
            "website": coop.website,
        },
        description=product.description,
        ingredients=product.ingredients,
        allergens=product.allergens,
        sold_by_weight=product.unit_of_trade in BY_WEIGHT,
        zones=zones,
        households=len(members),
        names=names,
        catch=catch,
        vessels=vessels,
        method=method,
        timeline=timeline,
        recall=recall,
        last_modified=last_modified,
    )


def _date_or_text(value: Any) -> Any:
    """An ISO date text as a date (for the page's date filter); anything else as it is."""
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def recall_in(recall: Recall, lang: str) -> dict[str, Any]:
    """A recall's words in the reader's language when the cooperative gave them, else as
    written, with ``original`` naming the language they are shown in."""
    written = recall.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    texts = (recall.texts or {}).get(lang) if lang != written else None
    return {
        "reason": texts["reason"] if texts else recall.reason,
        "instructions": texts["instructions"] if texts else recall.instructions,
        "original": None if texts or lang == written else LANGUAGE_NAMES.get(written, written),
        "decided_by": recall.decided_by,
        "decided_at": recall.decided_at,
    }
