"""The home page's notices: what lapses soon or went wrong, each with where to act."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from traceapp.auth.permissions import scoped
from traceapp.brands.models import CollectiveMark, GrantStatus, MarkGrant
from traceapp.cooperatives.models import Member
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.labels.models import JobStatus, RenderJob
from traceapp.products import services as products
from traceapp.products.models import Product
from traceapp.zones import services as zones
from traceapp.zones.models import (
    SCHEME_LABELS,
    CertificationScheme,
    Zone,
    ZoneCertification,
    ZoneStatus,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

#: How far ahead the home page warns about codes, certificates and grants running out.
WARN_DAYS = 60
#: OCOP stars are re-evaluated through a provincial council: warn earlier.
OCOP_WARN_DAYS = 120


@dataclass
class Notice:
    """Something that needs doing soon."""

    text: str
    url: str
    tone: str = "warn"  # "warn" or "danger"


def zone_notices(actor: Actor, day: dt.date) -> list[Notice]:
    """Zone codes and certificates the actor sees that lapse soon or need a decision."""
    notices: list[Notice] = []
    status = zones.effective_status_clause(day)
    horizon = day + dt.timedelta(days=WARN_DAYS)
    rows = db.session.execute(
        sa.select(Zone.id, Zone.code, status, Zone.valid_until)
        .where(Zone.visible_to(actor))
        .where(
            sa.or_(
                status.in_(
                    [
                        ZoneStatus.SUSPENDED.value,
                        ZoneStatus.REJECTED.value,
                        ZoneStatus.EXPIRED.value,
                    ]
                ),
                sa.and_(
                    status == ZoneStatus.APPROVED.value,
                    Zone.valid_until.is_not(None),
                    Zone.valid_until <= horizon,
                ),
            )
        )
        .order_by(Zone.valid_until, Zone.code)
        .limit(20)
    ).all()
    for zone_id, code, st, until in rows:
        url = url_for("zones.detail", zone_id=zone_id)
        if st == ZoneStatus.APPROVED.value:
            notices.append(
                Notice(
                    _("Zone code %(code)s expires on %(day)s.", code=code, day=format_date(until)),
                    url,
                )
            )
        elif st == ZoneStatus.EXPIRED.value:
            notices.append(
                Notice(
                    _(
                        "Zone code %(code)s expired on %(day)s; lots can no longer claim it.",
                        code=code,
                        day=format_date(until),
                    ),
                    url,
                    "danger",
                )
            )
        elif st == ZoneStatus.SUSPENDED.value:
            notices.append(
                Notice(
                    _("Zone code %(code)s is suspended by the authority.", code=code), url, "danger"
                )
            )
        else:
            notices.append(
                Notice(
                    _("Zone code %(code)s was rejected; see the reason on the zone.", code=code),
                    url,
                    "danger",
                )
            )
    certs = db.session.execute(
        sa.select(
            ZoneCertification.zone_id,
            ZoneCertification.scheme,
            ZoneCertification.number,
            ZoneCertification.expires_on,
            Zone.code,
        )
        .join(Zone, Zone.id == ZoneCertification.zone_id)
        .where(Zone.visible_to(actor))
        .where(
            ZoneCertification.expires_on.is_not(None),
            ZoneCertification.expires_on >= day,
            ZoneCertification.expires_on <= horizon,
        )
        .order_by(ZoneCertification.expires_on)
        .limit(20)
    ).all()
    for zone_id, scheme, number, until, code in certs:
        notices.append(
            Notice(
                # TRANSLATORS: %(scheme)s names the certification scheme: VietGAP, GlobalGAP,
                # "Organic" or "Other" (translated on its own).
                _(
                    "Certificate %(scheme)s %(number)s of %(code)s expires on %(day)s.",
                    scheme=SCHEME_LABELS[CertificationScheme(getattr(scheme, "value", scheme))],
                    number=number,
                    code=code,
                    day=format_date(until),
                ),
                url_for("zones.detail", zone_id=zone_id),
            )
        )
    return notices


def brand_notices(actor: Actor, day: dt.date) -> list[Notice]:
    """Grants of the mark and OCOP stars of the actor's cooperative that lapse soon."""
    notices: list[Notice] = []
    horizon = day + dt.timedelta(days=WARN_DAYS)
    grants = db.session.execute(
        sa.select(MarkGrant.id, Member.full_name, CollectiveMark.name, MarkGrant.valid_until)
        .join(Member, Member.id == MarkGrant.member_id)
        .join(CollectiveMark, CollectiveMark.id == MarkGrant.mark_id)
        .where(MarkGrant.visible_to(actor), MarkGrant.status == GrantStatus.ACTIVE)
        .where(
            MarkGrant.valid_until.is_not(None),
            MarkGrant.valid_until >= day,
            MarkGrant.valid_until <= horizon,
        )
        .order_by(MarkGrant.valid_until)
        .limit(20)
    ).all()
    for grant_id, member, mark, until in grants:
        notices.append(
            Notice(
                _(
                    "%(member)s may use the mark %(mark)s until %(day)s.",
                    member=member,
                    mark=mark,
                    day=format_date(until),
                ),
                url_for("brands.grant_detail", grant_id=grant_id),
            )
        )
    ocop_horizon = day + dt.timedelta(days=OCOP_WARN_DAYS)
    for product in db.session.execute(scoped(Product, actor).order_by(Product.code)).scalars():
        record = products.current_ocop(product, day)
        if record is not None and record.valid_until <= ocop_horizon:
            notices.append(
                Notice(
                    _(
                        "The %(stars)s-star OCOP certificate of %(product)s expires on %(day)s.",
                        stars=record.stars,
                        product=product.name,
                        day=format_date(record.valid_until),
                    ),
                    url_for("products.detail", product_id=product.id),
                )
            )
    return notices


def job_notices(actor: Actor) -> list[Notice]:
    """Label rendering jobs of the last week that failed."""
    notices: list[Notice] = []
    since = now_utc() - dt.timedelta(days=7)
    failed = (
        db.session.execute(
            sa.select(RenderJob.id)
            .where(
                RenderJob.visible_to(actor),
                RenderJob.status == JobStatus.FAILED,
                RenderJob.created_at >= since,
            )
            .order_by(RenderJob.id.desc())
            .limit(5)
        )
        .scalars()
        .all()
    )
    for job_id in failed:
        notices.append(
            Notice(
                _("A label rendering job failed; open it to retry."),
                url_for("labels.job", job_id=job_id),
                "danger",
            )
        )
    return notices
