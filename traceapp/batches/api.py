"""JSON API for lots: contributions, events, corrections, genealogy, recall and EPCIS."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext as _

from traceapp.api import api_actor, documented, owner_cooperative_id
from traceapp.api.openapi import JSON_DOCUMENT, TEXT
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.batches import (
    corrections,
    epcis,
    epcis_jobs,
    epcis_stream,
    gdst_stream,
    genealogy,
    recall_stream,
    services,
    transformations,
)
from traceapp.batches import epcis_import as importer
from traceapp.batches import events as ev
from traceapp.batches import recall as recalls
from traceapp.batches.models import Contribution, ImportJob, Lot, Recall, TraceEvent
from traceapp.batches.schemas import (
    ContributionSchema,
    CorrectionSchema,
    EpcisQuerySchema,
    EventCreateSchema,
    EventSchema,
    ImportJobSchema,
    ImportResultSchema,
    LotCreateSchema,
    LotQuerySchema,
    LotSchema,
    LotUpdateSchema,
    ReasonSchema,
    RecallCreateSchema,
    RecallSchema,
    TransformationSchema,
)
from traceapp.core.inputs import json_too_deep, too_deep_message
from traceapp.core.streaming import streamed
from traceapp.errors import ValidationFailed
from traceapp.extensions import db

blp = Blueprint("api_batches", __name__, description="Lots, events, genealogy, recall, EPCIS")

EPCIS_MEDIA_TYPE = "application/ld+json"


def _lot(batch_id: int) -> Lot:
    return get_scoped(Lot, batch_id, api_actor())


@blp.route("/batches")
class Batches(MethodView):
    """Lots of the caller's cooperative."""

    @documented("listLots")
    @blp.arguments(LotQuerySchema, location="query")
    @blp.response(200, LotSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List lots, newest first; filter by product, status or a search text."""
        stmt = services.lot_search(scoped(Lot, api_actor()), args.get("q"))
        if args.get("product_id"):
            stmt = stmt.where(Lot.product_id == args["product_id"])
        if args.get("status"):
            stmt = stmt.where(Lot.status == args["status"])
        items = keyset_api_page(stmt, services.LOT_LIST_ORDER, pagination_parameters)
        return items

    @documented("createLot", 403, 404, 409)
    @blp.arguments(LotCreateSchema)
    @blp.response(201, LotSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a harvest/catch lot (a commissioning event is recorded with it), or, with
        ``inputs``, a lot made from other lots (a transformation)."""
        inputs = data.pop("inputs", None)
        kind = data.pop("kind", None)
        if inputs:
            return transformations.transform(
                api_actor(),
                inputs=inputs,
                kind=kind or "processing",
                event_time=data.pop("event_time", None),
                location=data.pop("location", None),
                outputs=[data],
            )[0]
        if kind:
            raise ValidationFailed.field("kind", _("A kind is given only with inputs."))
        return services.create_lot(api_actor(), **data)


@blp.route("/batches/<int:batch_id>")
class BatchById(MethodView):
    """One lot."""

    @documented("getLot")
    @blp.response(200, LotSchema)
    def get(self, batch_id: int) -> Any:
        """Read a lot."""
        return _lot(batch_id)

    @documented("updateLot", 403, 409)
    @blp.arguments(LotUpdateSchema)
    @blp.response(200, LotSchema)
    def patch(self, data: dict[str, Any], batch_id: int) -> Any:
        """Correct an open lot's master data (every change is audited)."""
        return services.update_lot(api_actor(), _lot(batch_id), **data)


@blp.route("/batches/<int:batch_id>/close", methods=["POST"])
@documented("closeLot", 403, 409)
@blp.response(200, LotSchema)
def close_batch(batch_id: int) -> Any:
    """Close a lot once its contributions add up to its quantity."""
    return services.close_lot(api_actor(), _lot(batch_id))


@blp.route("/batches/<int:batch_id>/contributions")
class BatchContributions(MethodView):
    """Who delivered what into a lot."""

    @documented("listContributions")
    @blp.response(200, ContributionSchema(many=True))
    def get(self, batch_id: int) -> Any:
        """All contributions, withdrawn ones included (marked)."""
        lot = _lot(batch_id)
        return (
            db.session.execute(
                sa.select(Contribution)
                .where(Contribution.lot_id == lot.id)
                .order_by(Contribution.id)
            )
            .scalars()
            .all()
        )

    @documented("createContribution", 403, 409)
    @blp.arguments(ContributionSchema)
    @blp.response(201, ContributionSchema)
    def post(self, data: dict[str, Any], batch_id: int) -> Any:
        """Record a member's delivery (every rule is checked: membership, zone, mark grant)."""
        return services.add_contribution(api_actor(), _lot(batch_id), **data)


@blp.route("/contributions/<int:contribution_id>/void", methods=["POST"])
@documented("voidContribution", 403, 409)
@blp.arguments(ReasonSchema)
@blp.response(200, ContributionSchema)
def void_contribution(data: dict[str, Any], contribution_id: int) -> Any:
    """Withdraw a wrong contribution of an open lot (it stays in the record)."""
    contribution = get_scoped(Contribution, contribution_id, api_actor())
    return services.void_contribution(api_actor(), contribution, data["reason"])


@blp.route("/batches/<int:batch_id>/events")
class BatchEvents(MethodView):
    """A lot's immutable history."""

    @documented("listEvents")
    @blp.response(200, EventSchema(many=True))
    def get(self, batch_id: int) -> Any:
        """Every event of the lot in time order, corrections included."""
        return epcis.lot_events(_lot(batch_id), include_inputs=False)

    @documented("createEvent", 403, 409)
    @blp.arguments(EventCreateSchema)
    @blp.response(201, EventSchema)
    def post(self, data: dict[str, Any], batch_id: int) -> Any:
        """Record an event (inspecting, packing, storing, shipping, receiving, ...)."""
        actor = api_actor()
        lot = _lot(batch_id)
        require(actor.can_write_cooperative(lot.cooperative_id))
        return ev.record_event(actor, lot, **data)


@blp.route("/events/<int:event_id>/error-declaration", methods=["POST"])
@documented("declareEventError", 403, 409)
@blp.arguments(CorrectionSchema)
@blp.response(201, EventSchema(many=True))
def declare_error(data: dict[str, Any], event_id: int) -> Any:
    """Declare an event wrong and record the corrected events; the original stays."""
    event = get_scoped(TraceEvent, event_id, api_actor())
    declaration = corrections.declare_error(api_actor(), event, **data)
    uids = declaration.corrective_event_uids or []
    return [event] + list(
        db.session.execute(sa.select(TraceEvent).where(TraceEvent.event_uid.in_(uids))).scalars()
    )


@blp.route("/batches/<int:batch_id>/trace")
@documented("traceLot", media="application/json", body=JSON_DOCUMENT)
@blp.response(200)
def trace(batch_id: int) -> Any:
    """Genealogy both ways: every lot it came from (with the households and zones behind them)
    and every lot made from it (with where they were shipped)."""
    return genealogy.as_dict(genealogy.trace(_lot(batch_id)))


def _recall_dict(recall: Recall) -> dict[str, Any]:
    rep = recalls.report(recall)
    return {
        "id": recall.id,
        "root_lot_id": recall.root_lot_id,
        "reason": recall.reason,
        "instructions": recall.instructions,
        "language": recall.language,
        "texts": recall.texts,
        "decided_by": recall.decided_by,
        "decided_at": recall.decided_at,
        "lots": [
            {
                "id": lot.id,
                "code": lot.code,
                "product": lot.product.name,
                "labels": rep.labels.get(lot.id, {"issued": 0, "live": 0}),
            }
            for lot in rep.lots
        ],
        "households": [
            {
                "id": m.id,
                "member_number": m.member_number,
                "name": m.full_name,
                "village": m.village,
                "phone": m.phone,
            }
            for m in rep.households
        ],
        "zones": [{"id": z.id, "code": z.code, "kind": z.kind.value} for z in rep.zones],
        "destinations": [
            {
                **{k: v for k, v in d.items() if k != "event_time"},
                "event_time": d["event_time"].isoformat(),
            }
            for d in rep.destinations
        ],
    }


@blp.route("/batches/<int:batch_id>/recall")
class BatchRecall(MethodView):
    """Recall a lot and everything made from it."""

    @documented("getLotRecall")
    @blp.response(200, RecallSchema)
    def get(self, batch_id: int) -> Any:
        """The recall covering this lot, with its report (404 when not recalled)."""
        lot = _lot(batch_id)
        if lot.recall_id is None:
            from traceapp.errors import NotFound

            raise NotFound(_("This lot is not recalled."))
        return _recall_dict(db.session.get_one(Recall, lot.recall_id))

    @documented("recallLot", 403, 409)
    @blp.arguments(RecallCreateSchema)
    @blp.response(201, RecallSchema)
    def post(self, data: dict[str, Any], batch_id: int) -> Any:
        """Recall the lot: it and its descendants become ``recalled`` at once."""
        return _recall_dict(recalls.recall_lot(api_actor(), _lot(batch_id), **data))


@blp.route("/recalls/<int:recall_id>/report.csv")
@documented("exportRecallReportCsv", media="text/csv", body=TEXT, attachment=True)
@blp.response(200, content_type="text/csv")
def recall_csv(recall_id: int) -> Any:
    """The recall report as CSV (safe to open in a spreadsheet)."""
    recall = get_scoped(Recall, recall_id, api_actor())
    return streamed(
        recall_stream.csv_chunks(recall.id),
        "text/csv",
        {"Content-Disposition": f'attachment; filename="recall-{recall.id}.csv"'},
    )


@blp.route("/transformations", methods=["POST"])
@documented("createTransformation", 403, 404, 409)
@blp.arguments(TransformationSchema)
@blp.response(201, LotSchema(many=True))
def transformation(data: dict[str, Any]) -> Any:
    """Make one or more lots from existing lots in one TransformationEvent (commingling,
    processing, grading, packing); inputs cannot give more than they have left."""
    return transformations.transform(api_actor(), **data)


def _inline(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{filename}"'}


@blp.route("/batches/<int:batch_id>/epcis")
@documented("exportLotEpcis", media=EPCIS_MEDIA_TYPE, body=JSON_DOCUMENT, attachment=True)
@blp.response(200, content_type=EPCIS_MEDIA_TYPE)
def batch_epcis(batch_id: int) -> Any:
    """The lot's full history as an EPCIS 2.0 JSON-LD document (with its inputs' history)."""
    lot = _lot(batch_id)
    chunks = epcis_stream.lot_chunks(lot.id, default=str)
    return streamed(chunks, EPCIS_MEDIA_TYPE, _inline(f"epcis-{lot.code}.jsonld"))


@blp.route("/batches/<int:batch_id>/gdst")
@documented(
    "exportLotGdst", 403, 404, 422, media=EPCIS_MEDIA_TYPE, body=JSON_DOCUMENT, attachment=True
)
@blp.response(200, content_type=EPCIS_MEDIA_TYPE)
def batch_gdst(batch_id: int) -> Any:
    """The seafood lot's history as a GDST 1.2 document (GDST's events, KDEs, code lists and
    master data); 422 naming each missing KDE when the lot's records are incomplete."""
    lot = _lot(batch_id)
    chunks = gdst_stream.lot_chunks(lot, default=str)
    return streamed(chunks, EPCIS_MEDIA_TYPE, _inline(f"gdst-{lot.code}.jsonld"))


@blp.route("/epcis")
@documented(
    "exportCooperativeEpcis", 403, 404, media=EPCIS_MEDIA_TYPE, body=JSON_DOCUMENT, attachment=True
)
@blp.arguments(EpcisQuerySchema, location="query")
@blp.response(200, content_type=EPCIS_MEDIA_TYPE)
def cooperative_epcis(args: dict[str, Any]) -> Any:
    """Every event of the caller's cooperative in a time range, as one EPCIS document."""
    actor = api_actor()
    coop_id = owner_cooperative_id(args)
    from traceapp.cooperatives.models import Cooperative

    coop = get_scoped(Cooperative, coop_id, actor)
    require(actor.can_write_cooperative(coop.id) or actor.is_admin)
    if args.get("start") and args.get("end") and args["end"] <= args["start"]:
        raise ValidationFailed.field("end", _("The end must come after the start."))
    chunks = epcis_stream.cooperative_chunks(
        coop.id, args.get("start"), args.get("end"), default=str
    )
    return streamed(chunks, EPCIS_MEDIA_TYPE, _inline(f"epcis-{coop.short_code}.jsonld"))


@blp.route("/epcis/import", methods=["POST"])
@documented("importEpcis", 403, 404)
@blp.arguments(EpcisQuerySchema, location="query")
@blp.response(200, ImportResultSchema)
@blp.alt_response(
    202, schema=ImportJobSchema, description="A large document: imported as a background job"
)
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            EPCIS_MEDIA_TYPE: {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
)
def epcis_import(args: dict[str, Any]) -> Any:
    """Import a partner's EPCIS 2.0 document: it is checked against GS1's schema (errors give
    the JSON path); every event is kept as received and recorded on the lots it names. Our
    own rules only warn. A document above the synchronous size limit is imported by a
    background job: 202 with the job's address (``Location``) to follow its progress."""
    actor = api_actor()
    coop_id = owner_cooperative_id(args)
    require(actor.can_write_cooperative(coop_id), _("You cannot import for this cooperative."))
    raw, path, size = epcis_jobs.read_or_spool(request.stream, "document")
    if path is not None:
        job = epcis_jobs.start_job(actor, coop_id, path, size, "document.jsonld")
        db.session.commit()
        epcis_jobs.launch(job.id)
        body = ImportJobSchema().dump(job)
        return (
            body,
            202,
            {"Location": url_for("api_batches.epcis_import_job", import_job_id=job.id)},
        )
    if raw and json_too_deep(raw):
        raise ValidationFailed.field("document", too_deep_message())
    try:
        doc = json.loads(raw or b"null")
    except ValueError as exc:
        # TRANSLATORS: %(error)s is the JSON parser's own (English) account of the problem.
        raise ValidationFailed.field(
            "document", _("This is not JSON: %(error)s", error=exc)
        ) from None
    return importer.import_document(actor, coop_id, doc).as_dict()


@blp.route("/epcis/import-jobs/<int:import_job_id>")
@documented("getEpcisImportJob")
@blp.response(200, ImportJobSchema)
def epcis_import_job(import_job_id: int) -> Any:
    """A background EPCIS import: its progress, then what it did (or why it failed, with the
    schema problems; a failed document stores nothing)."""
    return get_scoped(ImportJob, import_job_id, api_actor())
