"""The authority's register of zones: the list with its filters, and its CSV, GeoJSON and KML
exports.

Its routes join the authority blueprint of :mod:`traceapp.authority.views` (loaded with it
when the blueprints are mounted), so every URL and endpoint name is ``authority.<name>``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from traceapp.authority import exports, flags, services
from traceapp.authority.forms import FILTER_LABELS
from traceapp.authority.views import _LABELS, bp
from traceapp.core.streaming import reading
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.web import keyset_page
from traceapp.zones import services as zones

_FILTER_KEYS = (
    "q",
    "kind",
    "crop",
    "status",
    "on",
    "cooperative_id",
    "commune",
    "expiring_within",
    "flagged",
)


# --- the register -------------------------------------------------------------------------------


def _filters() -> services.RegisterFilters:
    """The register filters of the query string; values that cannot be used are dropped."""
    raw = {k: request.args.get(k) for k in _FILTER_KEYS if request.args.get(k)}
    try:
        return services.check_filters(raw)
    except ValidationFailed as exc:
        for key, messages in exc.errors.items():
            # TRANSLATORS: %(filter)s names a filter of the zone register (e.g. "Status");
            # %(problem)s says what is wrong with its value.
            flash(
                _(
                    "The filter '%(filter)s' was ignored: %(problem)s",
                    filter=FILTER_LABELS.get(key, key),
                    problem=" ".join(messages),
                ),
                "error",
            )
            raw.pop(key, None)
        return services.check_filters(raw)


@bp.route("/authority/zones")
@login_required
def register() -> Any:
    """Every zone code in scope, with filters, pagination and exports."""
    scope = services.console_scope(current_user)
    today = local_today()
    stmt, filters = register_list(today)
    page = keyset_page(stmt, zones.ZONE_LIST_ORDER)
    flagged = set(flags.flagged_zone_ids(scope, today)) if page.items else set()
    return render_template(
        "authority/register.html",
        page=page,
        f=filters,
        args=filters.active(),
        status_of={z.id: zones.effective_status(z, filters.on or today) for z in page.items},
        flagged=flagged,
        cooperatives=services.cooperatives_in_register(scope),
        **_LABELS,
    )


def register_list(today: Any = None) -> tuple[Any, Any]:
    """The register's filters (from the query string) and its query, unordered: the page and
    its downloads both start here."""
    scope = services.console_scope(current_user)
    filters = _filters()
    return services.register_query(scope, filters, today or local_today()), filters


def _export(kind: str) -> Any:
    stmt, _f = register_list()
    today = local_today()
    head = exports.head_headers()
    if kind == "geojson":
        body = exports.register_geojson_chunks(stmt, head[exports.HEAD_HEADER], today)
        content_type = "application/geo+json; charset=utf-8"
    else:
        body = exports.register_kml_chunks(stmt, head[exports.HEAD_HEADER], today)
        content_type = "application/vnd.google-earth.kml+xml"
    return Response(
        reading(body),
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="zones-{today.isoformat()}.{kind}"',
            **head,
        },
    )


@bp.route("/authority/zones.geojson")
@login_required
def export_geojson() -> Any:
    """The filtered register as GeoJSON."""
    return _export("geojson")


@bp.route("/authority/zones.kml")
@login_required
def export_kml() -> Any:
    """The filtered register as KML."""
    return _export("kml")
