"""Figures for the home page, always through the tenant scope.

Each role sees what it works on: a cooperative its lots, labels, scans and what is about to
lapse (zone codes, certificates, OCOP stars, grants of the mark); an auditor the codes waiting
for a decision in the province; the platform administrator the whole platform.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp.auth.permissions import scoped
from traceapp.batches.models import Lot, LotStatus
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.dashboard.checklist import open_checklist
from traceapp.dashboard.models import CoopCount
from traceapp.dashboard.notices import WARN_DAYS, Notice, brand_notices, job_notices, zone_notices
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.labels import scanstats
from traceapp.labels.models import Label
from traceapp.programmes import stats as programme_stats
from traceapp.programmes.models import Programme, is_officer
from traceapp.public.models import ScanDailyCoop
from traceapp.zones import services as zones
from traceapp.zones.models import (
    Zone,
    ZoneStatus,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

SCAN_DAYS = 30


@dataclass
class Card:
    """One figure, with where to look at it."""

    label: Any
    value: int
    url: str | None = None
    tone: str = ""  # "" or "warn"


@dataclass
class Home:
    """What the home page shows for one user."""

    cards: list[Card] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    actions: list[tuple[Any, str]] = field(default_factory=list)
    #: A new cooperative's getting-started steps (empty once all are done).
    checklist: list[Any] = field(default_factory=list)
    #: When the flags counted in the notices were computed (kept figures), if they were kept.
    flags_as_of: dt.datetime | None = None


def _count(stmt: sa.Select[Any]) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()


def kept_counts(actor: Actor, *figures: str) -> dict[str, int] | None:
    """Figures the database keeps per cooperative (traceapp/dashboard/models.py) for what the
    actor sees: their cooperative's, or every cooperative's for an administrator; None for
    anyone else (whose scope is not a set of whole cooperatives)."""
    stmt = sa.select(CoopCount.figure, sa.func.sum(CoopCount.n)).where(
        CoopCount.figure.in_(figures)
    )
    if actor.is_cooperative_user and not actor.is_admin:
        stmt = stmt.where(CoopCount.cooperative_id == actor.cooperative_id)
    elif not actor.is_admin:
        return None
    got = {figure: int(n or 0) for figure, n in db.session.execute(stmt.group_by(CoopCount.figure))}
    return {figure: got.get(figure, 0) for figure in figures}


def dashboard_counts(actor: Actor) -> dict[str, int]:
    """Counts of the cooperatives and active members the actor can see (the members from the
    kept counts where the actor sees whole cooperatives)."""
    kept = kept_counts(actor, "members", "women")
    if kept is None:
        members = scoped(Member, actor).where(Member.left_on.is_(None))
        kept = {
            "members": _count(members),
            "women": _count(members.where(Member.gender == Gender.FEMALE)),
        }
    return {"cooperatives": _count(scoped(Cooperative, actor)), **kept}


def home_for(actor: Actor, today: dt.date | None = None) -> Home:
    """The home page of this user's role."""
    day = today or local_today()
    if actor.is_auditor:
        return _auditor_home(actor, day)
    if is_officer(actor):
        return _officer_home(actor)
    if actor.is_cooperative_user:
        # A manager or staff member always has one (the users table checks it).
        assert actor.cooperative_id is not None
        return _cooperative_home(actor, actor.cooperative_id, day)
    return _admin_home(actor, day)


def _lot_cards(actor: Actor, home: Home) -> None:
    kept = kept_counts(actor, *(f"lots:{status.value}" for status in LotStatus))
    if kept is not None:
        by_status = {status: kept[f"lots:{status.value}"] for status in LotStatus}
    else:
        by_status = dict(
            db.session.execute(
                sa.select(Lot.status, sa.func.count())
                .where(Lot.visible_to(actor))
                .group_by(Lot.status)
            ).all()
        )
    home.cards.append(
        Card(
            _l("open lots"),
            by_status.get(LotStatus.OPEN, 0),
            url_for("batches.index", status="open"),
        )
    )
    home.cards.append(
        Card(
            _l("closed lots"),
            by_status.get(LotStatus.CLOSED, 0),
            url_for("batches.index", status="closed"),
        )
    )
    recalled = by_status.get(LotStatus.RECALLED, 0)
    if recalled:
        home.cards.append(
            Card(_l("recalled lots"), recalled, url_for("batches.index", status="recalled"), "warn")
        )


def _label_cards(actor: Actor, home: Home, cooperative_id: int | None) -> None:
    labels = scoped(Label, actor).where(Label.voided_at.is_(None))
    kept = kept_counts(actor, "labels")
    in_use = kept["labels"] if kept is not None else _count(labels)
    home.cards.append(Card(_l("labels in use"), in_use, url_for("labels.runs")))
    first_day, _since = scanstats.window(SCAN_DAYS)
    # From the daily counts per cooperative the scan log keeps, not from every scan.
    scans = sa.select(sa.func.coalesce(sa.func.sum(ScanDailyCoop.scans), 0)).where(
        ScanDailyCoop.day >= first_day
    )
    if cooperative_id is not None:
        scans = scans.where(ScanDailyCoop.cooperative_id == cooperative_id)
    scan_url = url_for("labels.scans") if cooperative_id is not None else None
    home.cards.append(
        Card(_l("scans in the last 30 days"), int(db.session.scalar(scans) or 0), scan_url)
    )
    # The flagged labels only, through their partial index (ix_labels_flagged).
    suspicious = _count(labels.where(Label.flag_open_clause()))
    if suspicious:
        home.cards.append(
            Card(_l("labels flagged by the scan checks"), suspicious, scan_url, "warn")
        )


def _cooperative_home(actor: Actor, cooperative_id: int, day: dt.date) -> Home:
    home = Home()
    counts = dashboard_counts(actor)
    # The member list, not the cooperative's profile: that is what "Members" promises.
    members_url = url_for("cooperatives.members", cooperative_id=cooperative_id)
    home.cards.append(Card(_l("members"), counts["members"], members_url))
    home.cards.append(Card(_l("women members"), counts["women"], members_url))
    _lot_cards(actor, home)
    _label_cards(actor, home, cooperative_id)
    approved = _count(
        sa.select(Zone.id).where(
            Zone.visible_to(actor), zones.effective_status_clause(day) == ZoneStatus.APPROVED.value
        )
    )
    home.cards.append(
        Card(_l("approved zone codes"), approved, url_for("zones.index", status="approved"))
    )
    home.notices += zone_notices(actor, day) + brand_notices(actor, day) + job_notices(actor)
    home.checklist = open_checklist(cooperative_id)
    home.actions = [
        (_l("New lot"), url_for("batches.create")),
        (_l("Print labels"), url_for("batches.index", status="closed")),
        (_l("Members"), members_url),
        (_l("New zone code"), url_for("zones.create")),
    ]
    return home


def _auditor_home(actor: Actor, day: dt.date) -> Home:
    from traceapp.authority import services as authority

    home = Home()
    scope = authority.scope_for(actor)
    overview = authority.overview(scope, day)
    register = url_for("authority.register")
    waiting = overview.by_status.get(ZoneStatus.SUBMITTED.value, (0, 0))[0]
    home.cards.append(
        Card(
            _l("codes waiting for a decision"),
            waiting,
            url_for("authority.register", status="submitted"),
            "warn" if waiting else "",
        )
    )
    for status, label in (
        (ZoneStatus.APPROVED, _l("approved codes")),
        (ZoneStatus.SUSPENDED, _l("suspended codes")),
        (ZoneStatus.EXPIRED, _l("expired codes")),
    ):
        home.cards.append(
            Card(
                label,
                overview.by_status.get(status.value, (0, 0))[0],
                url_for("authority.register", status=status.value),
            )
        )
    horizon = day + dt.timedelta(days=WARN_DAYS)
    expiring = _count(
        sa.select(Zone.id).where(
            scope.zone_clause(),
            zones.effective_status_clause(day) == ZoneStatus.APPROVED.value,
            Zone.valid_until.is_not(None),
            Zone.valid_until <= horizon,
        )
    )
    home.cards.append(
        Card(
            _l("approved codes lapsing within 60 days"),
            expiring,
            url_for("authority.register", expiring_within=WARN_DAYS),
        )
    )
    home.cards.append(
        Card(
            _l("cooperatives holding codes"),
            len(authority.cooperatives_in_register(scope)),
            url_for("authority.statistics"),
        )
    )
    from traceapp.authority import figures, flags
    from traceapp.authority.models import FLAG_LABELS

    home.flags_as_of = figures.refreshed_at(figures.FLAGS)

    for kind, n in flags.counts_by_kind(flags.compute_flags(scope, today=day)).items():
        if n:
            home.notices.append(
                Notice(
                    # TRANSLATORS: %(what)s names a rule of the authority's flags, e.g. "Recalled
                    # lot"; %(n)s is how many flags of that rule there are.
                    _("%(what)s: %(n)s to review.", what=FLAG_LABELS[kind], n=format_number(n)),
                    url_for("authority.flag_list", kind=kind),
                    "danger"
                    if kind in {"cloned_labels", "unknown_serials", "overclaimed"}
                    else "warn",
                )
            )
    home.actions = [
        (_l("Authority console"), url_for("authority.index")),
        (_l("Zone register"), register),
        (_l("Flags"), url_for("authority.flag_list")),
        (_l("Statistics"), url_for("authority.statistics")),
    ]
    return home


def _officer_home(actor: Actor) -> Home:
    """A programme officer: their organisation's programmes and reach, never lots or labels."""
    home = Home()
    home.cards.append(
        Card(_l("programmes"), _count(scoped(Programme, actor)), url_for("programmes.index"))
    )
    figures = programme_stats.reach(
        actor, programme_stats.Scope(organisation_id=getattr(actor, "organisation_id", None))
    )
    reach_url = url_for("programmes.reach")
    home.cards.append(Card(_l("activities"), figures.activities, reach_url))
    home.cards.append(Card(_l("people reached"), figures.people, reach_url))
    home.cards.append(Card(_l("women reached"), figures.women, reach_url))
    home.actions = [
        (_l("Programmes"), url_for("programmes.index")),
        (_l("Reach figures"), reach_url),
    ]
    return home


def _admin_home(actor: Actor, day: dt.date) -> Home:
    home = Home()
    counts = dashboard_counts(actor)
    home.cards.append(
        Card(_l("cooperatives"), counts["cooperatives"], url_for("cooperatives.index"))
    )
    home.cards.append(Card(_l("members"), counts["members"]))
    home.cards.append(Card(_l("women members"), counts["women"]))
    _lot_cards(actor, home)
    _label_cards(actor, home, None)
    home.notices += zone_notices(actor, day) + job_notices(actor)
    home.actions = [
        (_l("New cooperative"), url_for("cooperatives.create")),
        (_l("Users"), url_for("auth.users")),
        (_l("Audit trail"), url_for("audit.trail")),
    ]
    return home
