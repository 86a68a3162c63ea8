"""JSON API for importing many zone codes from a file, as a background job."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_smorest import Blueprint

from traceapp.api import api_actor, documented, owner_cooperative_id
from traceapp.auth.permissions import get_scoped
from traceapp.extensions import db
from traceapp.zones import import_jobs
from traceapp.zones.models import ZoneImportJob
from traceapp.zones.schemas import ZoneImportJobSchema, ZoneImportQuerySchema

blp = Blueprint(
    "api_zone_imports", __name__, description="Importing zone codes from a file, in the background"
)

_MEDIA = {
    "application/geo+json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


def _accepted(job: ZoneImportJob) -> Any:
    return (
        job,
        202,
        {"Location": url_for("api_zone_imports.zone_import_job", zone_import_id=job.id)},
    )


@blp.route("/zones/import", methods=["POST"])
@documented("importZones", 403, 404)
@blp.arguments(ZoneImportQuerySchema, location="query")
@blp.response(202, ZoneImportJobSchema)
@blp.doc(requestBody={"required": True, "content": _MEDIA})
def import_zones(args: dict[str, Any]) -> Any:
    """Check a file of zone codes (the body: a GeoJSON FeatureCollection such as the zone
    export, or a CSV or XLSX table with a code column and the outline as wkt or lat and lon)
    in a background job: 202 with the job's address (``Location``). The checked job lists
    every problem by row and field, and what it would change; confirm it to import."""
    actor = api_actor()
    coop_id = owner_cooperative_id(args)
    path, size = import_jobs.spool(request.stream, "document")
    job = import_jobs.start_job(actor, coop_id, path, size, f"zones.{args['format']}")
    db.session.commit()
    import_jobs.launch(job.id)
    db.session.refresh(job)
    return _accepted(job)


@blp.route("/zones/import-jobs/<int:zone_import_id>")
@documented("getZoneImportJob", 404)
@blp.response(200, ZoneImportJobSchema)
def zone_import_job(zone_import_id: int) -> Any:
    """A zone import: its progress, its problems and preview once checked, then what it did."""
    return get_scoped(ZoneImportJob, zone_import_id, api_actor())


@blp.route("/zones/import-jobs/<int:zone_import_id>/confirm", methods=["POST"])
@documented("confirmZoneImport", 403, 404, 409)
@blp.response(202, ZoneImportJobSchema)
def confirm_zone_import(zone_import_id: int) -> Any:
    """Import a checked file without problems (409 otherwise): 202, follow the job."""
    actor = api_actor()
    job = get_scoped(ZoneImportJob, zone_import_id, actor, for_update=True)
    import_jobs.confirm(actor, job)
    db.session.commit()
    import_jobs.launch(job.id)
    db.session.refresh(job)
    return _accepted(job)
