"""The weighing station: a phone page for harvest day that records contributions, offline too.

The page, its script and the lot's member list are kept by a service worker (scope
``/station/``); entries wait in the browser's storage and are sent, each with its own
idempotency key, once the network answers. The routes join the batches blueprint, so every
endpoint is ``batches.station_*``. They answer the page's script with the API's JSON envelope,
signed in with the session and protected by the CSRF token (the ``X-CSRFToken`` header).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.batches import services
from traceapp.batches.models import Contribution, Lot, LotStatus
from traceapp.batches.schemas import ContributionSchema
from traceapp.batches.views import bp
from traceapp.cooperatives.models import Member
from traceapp.core.inputs import NOT_TEXT_MESSAGE, first_not_text, json_too_deep, too_deep_message
from traceapp.errors import DomainError, ValidationFailed, envelope
from traceapp.extensions import db
from traceapp.units import fmt
from traceapp.units import label as unit_label
from traceapp.zones.models import Zone, ZoneStatus, zone_members


def _may_weigh() -> None:
    require(
        current_user.is_cooperative_user or current_user.is_admin,
        _("Only a cooperative's staff record deliveries."),
    )


@bp.route("/station/")
@login_required
def station() -> Any:
    """The weighing station: choose an open lot, then record one household after another."""
    _may_weigh()
    lots = (
        db.session.execute(
            scoped(Lot, current_user)
            .where(Lot.status == LotStatus.OPEN)
            .order_by(Lot.production_date.desc(), Lot.id.desc())
            .limit(200)
        )
        .scalars()
        .all()
    )
    writable = [lot for lot in lots if current_user.can_write_cooperative(lot.cooperative_id)]
    return render_template("batches/station.html", lots=writable, texts=_texts())


def _texts() -> dict[str, str]:
    """What the station's script says, in the reader's language (placeholders are filled in
    by the script)."""
    return {
        "online": _("Online: each entry is sent as soon as it is recorded."),
        "offline": _(
            "No network: entries are kept on this phone and sent when the network returns."
        ),
        "signin": _("Sign in again to send the waiting entries; they stay on this phone."),
        "retry": _("The server did not answer; trying again in %(s)s s."),
        "waiting": _("waiting to be sent"),
        "sending": _("sending"),
        "sent": _("recorded"),
        "refused": _("refused"),
        "fix": _("Correct"),
        "drop": _("Drop"),
        "drop_confirm": _("Drop this entry? It will not be sent."),
        "no_member": _("No member matches."),
        "several": _("Several members match: choose one."),
        "choose_member": _("Choose the member first."),
        "bad_qty": _("Enter a quantity above zero."),
        "choose_zone": _("Choose the zone."),
        "no_zone": _("No approved zone fits this lot."),
        # TRANSLATORS: %(n)s is a number of entries, %(total)s a quantity with its unit.
        "total": _("This session: %(n)s entries, %(total)s"),
        "counts": _("%(waiting)s waiting to be sent, %(sent)s recorded, %(refused)s refused"),
        # TRANSLATORS: both are quantities with their unit (120 kg of 500 kg).
        "recorded": _("Recorded in the lot: %(total)s of %(quantity)s"),
        "no_list": _("This lot's member list is not on this phone yet: connect once to load it."),
        "fixing": _("Correct the entry, then record it again."),
        "reason": _("If the quantity is right, say why (the auditors read it):"),
        "reason_short": _("Say why in a few words (at least 5 characters)."),
        "confirm": _("Confirm and send"),
    }


@bp.route("/station/sw.js")
def station_worker() -> Any:
    """The service worker that keeps the station working without a network. It is a static
    file, served from /station/ so that its scope covers the station's pages."""
    source = Path(current_app.static_folder or "static") / "station" / "sw.js"
    response = Response(source.read_bytes(), mimetype="text/javascript")
    # A new version reaches the phones at their next visit, not a day later.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/station/manifest.webmanifest")
def station_manifest() -> Any:
    """The web app manifest: the station can be installed on a phone's home screen."""
    icons = [
        {
            "src": url_for("static", filename=f"station/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in (192, 512)
    ]
    icons.append(
        {
            "src": url_for("static", filename="favicon.svg"),
            "sizes": "any",
            "type": "image/svg+xml",
        }
    )
    manifest = {
        "name": _("Weighing station") + " · traceapp",
        "short_name": _("Weighing"),
        "start_url": url_for("batches.station"),
        "scope": url_for("batches.station"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#2f6f3e",
        "icons": icons,
    }
    return Response(json.dumps(manifest, ensure_ascii=False), mimetype="application/manifest+json")


@bp.route("/station/session.json")
@login_required
def station_session() -> Any:
    """A fresh CSRF token for the queued entries (the cached page's may be stale)."""
    _may_weigh()
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


def _member_zones(zone_ids: list[int]) -> dict[int, list[int]]:
    by_member: dict[int, list[int]] = {}
    if zone_ids:
        rows = db.session.execute(
            sa.select(zone_members.c.member_id, zone_members.c.zone_id).where(
                zone_members.c.zone_id.in_(zone_ids)
            )
        )
        for member_id, zone_id in rows:
            by_member.setdefault(member_id, []).append(zone_id)
    return by_member


def _last_zones(lot: Lot) -> dict[int, int]:
    """Each member's zone of their latest delivery to the cooperative."""
    rows = db.session.execute(
        sa.select(Contribution.member_id, Contribution.zone_id)
        .where(Contribution.cooperative_id == lot.cooperative_id, Contribution.voided_at.is_(None))
        .order_by(Contribution.id)
    )
    return {int(row[0]): int(row[1]) for row in rows}


@bp.route("/station/lots/<int:lot_id>/members.json")
@login_required
def station_members(lot_id: int) -> Any:
    """The lot and the members who may deliver into it, each with their zones (kept by the
    service worker for the day without a network)."""
    _may_weigh()
    lot = get_scoped(Lot, lot_id, current_user)
    require(current_user.can_write_cooperative(lot.cooperative_id))
    zones = (
        db.session.execute(
            sa.select(Zone)
            .where(
                Zone.cooperative_id == lot.cooperative_id,
                Zone.status == ZoneStatus.APPROVED,
                Zone.kind.in_(services.zone_kinds_for(lot.product)),
            )
            .order_by(Zone.code)
        )
        .scalars()
        .all()
    )
    zone_ids = [z.id for z in zones]
    registered = _member_zones(zone_ids)
    last = _last_zones(lot)
    members = db.session.execute(
        sa.select(Member)
        .where(Member.cooperative_id == lot.cooperative_id, Member.left_on.is_(None))
        .order_by(Member.member_number)
    ).scalars()
    return jsonify(
        {
            "lot": {
                "id": lot.id,
                "code": lot.code,
                "product": lot.product.name,
                "status": lot.status.value,
                "unit": lot.unit,
                "unit_label": unit_label(lot.unit),
                "quantity": str(lot.quantity),
                "quantity_text": fmt(lot.quantity, lot.unit),
                "recorded": str(services.contributed_total(lot)),
                "recorded_text": fmt(services.contributed_total(lot), lot.unit),
            },
            "zones": [{"id": z.id, "code": z.code, "name": z.name or z.crop or ""} for z in zones],
            "members": [
                {
                    "id": m.id,
                    "number": m.member_number,
                    "name": m.full_name,
                    "village": m.village or "",
                    "zones": registered.get(m.id, []),
                    "last_zone_id": last.get(m.id) if last.get(m.id) in zone_ids else None,
                }
                for m in members
            ],
        }
    )


def _entry(raw: bytes) -> dict[str, Any]:
    """The entry the page sent, checked like the API's body (text only, known fields)."""
    if json_too_deep(raw):
        raise ValidationFailed.field("_schema", too_deep_message())
    try:
        doc = json.loads(raw or b"null")
    except ValueError:
        raise ValidationFailed.field("_schema", _("Send the entry as JSON.")) from None
    path = first_not_text(doc)
    if path is not None:
        raise ValidationFailed.field(path or "_schema", str(NOT_TEXT_MESSAGE))
    if not isinstance(doc, dict):
        raise ValidationFailed.field("_schema", _("Send the entry as JSON."))
    try:
        data: dict[str, Any] = ContributionSchema().load(doc)
    except ValidationError as exc:
        errors = exc.normalized_messages()
        raise ValidationFailed(
            _("The contribution could not be recorded."),
            {
                str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                for k, v in errors.items()
            },
        ) from None
    if not data.get("idempotency_key"):
        raise ValidationFailed.field("idempotency_key", _("Each entry needs its own key."))
    return data


@bp.route("/station/lots/<int:lot_id>/contributions", methods=["POST"])
@login_required
def station_record(lot_id: int) -> Any:
    """Record one queued entry; the same key sent again answers the recorded contribution."""
    try:
        _may_weigh()
        lot = get_scoped(Lot, lot_id, current_user)
        require(current_user.can_write_cooperative(lot.cooperative_id))
        data = _entry(request.get_data(cache=True))
        contribution = services.add_contribution(current_user, lot, **data)
    except DomainError as exc:
        # Always JSON, whatever the client accepts: only the station's script calls this.
        errors = {exc.location: exc.errors} if exc.errors else None
        code = exc.status_code
        return jsonify(envelope(code, HTTPStatus(code).phrase, exc.message, errors)), code
    body = ContributionSchema().dump(contribution)
    body["recorded_text"] = fmt(services.contributed_total(lot), lot.unit)
    return jsonify(body), 201
