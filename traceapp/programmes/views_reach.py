"""Web pages for a programme's reach: statistics with charts and downloads, and its IATI file.

Its routes join the programmes blueprint of :mod:`traceapp.programmes.views` (loaded with it
when the blueprints are mounted), so every URL and endpoint name is ``programmes.<name>``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require
from traceapp.charts import bar_chart, hbar_chart
from traceapp.programmes import (
    iati,
    stats,
    stats_downloads,
)
from traceapp.programmes.models import (
    Programme,
    SupportOrganisation,
    is_officer,
)
from traceapp.programmes.views import _labels, _sees_programmes, bp


@bp.route("/programmes/<int:programme_id>/iati.xml")
@login_required
def iati_file(programme_id: int) -> Any:
    """Download the programme as an IATI 2.03 activity file."""
    programme = get_scoped(Programme, programme_id, current_user)
    return Response(
        iati.export(current_user, programme),
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="iati-{programme.code}.xml"'},
    )


# --- reach ----------------------------------------------------------------------------------


@bp.route("/programmes/<int:programme_id>/reach")
@login_required
def programme_reach(programme_id: int) -> Any:
    """A programme's reach figures, charts and downloads."""
    programme = get_scoped(Programme, programme_id, current_user)
    return _reach(programme.name_in(str(get_locale())), programme=programme)


@bp.route("/programmes/reach")
@login_required
def reach() -> Any:
    """Reach of every programme the user sees: the platform (administrators), an auditor's
    province, an officer's organisation."""
    require(_sees_programmes(current_user))
    org = None
    wanted = request.args.get("organisation") or ""
    if wanted.isdigit() and not is_officer(current_user):
        org = get_scoped(SupportOrganisation, wanted, current_user)
    if org is not None:
        title = org.name
    elif current_user.is_auditor:
        title = _("Programmes in %(province)s", province=current_user.province)
    elif is_officer(current_user):
        title = _("Programmes of my organisation")
    else:
        title = _("All programmes")
    return _reach(title, programme=None, organisation=org)


def _year() -> int | None:
    raw = request.args.get("year") or ""
    return int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else None


def _reach(
    title: str, programme: Programme | None, organisation: SupportOrganisation | None = None
) -> Any:
    year = _year()
    if is_officer(current_user):
        org_id = current_user.organisation_id
    else:
        org_id = organisation.id if organisation else None
    scope = stats.Scope.for_year(
        year,
        programme_id=programme.id if programme else None,
        organisation_id=org_id,
        province=request.args.get("province") or None,
    )
    figures = stats.reach(current_user, scope)
    targets = stats.targets_vs_actuals(current_user, programme) if programme else []
    rows = stats_downloads.table(figures, [t for t in targets if year in (None, t["year"])])
    fmt = request.args.get("format")
    name = f"reach-{programme.code if programme else 'all'}{'-' + str(year) if year else ''}"
    if fmt == "csv":
        return Response(
            stats_downloads.as_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "xlsx":
        return Response(
            stats_downloads.as_xlsx(rows, name),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    years = stats.per_year(current_user, scope if year is None else stats.Scope(
        programme_id=scope.programme_id, organisation_id=scope.organisation_id,
        province=scope.province,
    ))  # fmt: skip
    charts = {
        "kinds": hbar_chart(
            stats_downloads.by_activity_kind_points(figures), _("Activities by kind")
        ),
        "ages": hbar_chart(stats_downloads.age_points(figures), _("People reached by age band")),
        "years": bar_chart(
            [(str(y), r.people) for y, r in years.items()], _("People reached per year")
        ),
    }
    return render_template(
        "programmes/reach.html",
        title=title,
        programme=programme,
        figures=figures,
        rows=rows,
        targets=targets,
        year=year,
        years=sorted(years, reverse=True),
        charts=charts,
        **_labels(),
    )
