"""JSON API for support organisations, programmes, activities, sign-in sheets and reach."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint

from traceapp import jobqueue
from traceapp.api import api_actor
from traceapp.api.openapi import documented
from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.brands.models import CollectiveMark
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes import (
    activities,
    attendance,
    iati,
    import_jobs,
    outcomes,
    plans,
    services,
    stats,
)
from traceapp.programmes.models import (
    Activity,
    AttendanceImport,
    Programme,
    SupportOrganisation,
    is_officer,
)
from traceapp.programmes.schemas import (
    ActivitySchema,
    AttendanceImportJobSchema,
    AttendanceSchema,
    ExtensionSchema,
    FoundingSchema,
    MemberChoiceSchema,
    ModuleSchema,
    OrganisationSchema,
    PartnerSchema,
    ProgrammeSchema,
    ProgrammeUpdateSchema,
    ReachQuerySchema,
    ReachSchema,
    RequiredTrainingSchema,
    SheetConfirmSchema,
    SheetFileSchema,
    SheetSchema,
    TargetSchema,
)

blp = Blueprint(
    "api_programmes", __name__, description="Support programmes, their activities and reach"
)


@blp.route("/organisations")
class Organisations(MethodView):
    """Support organisations."""

    @documented("listOrganisations", 403)
    @blp.response(200, OrganisationSchema(many=True))
    def get(self) -> Any:
        """List support organisations (administrators, auditors, programme officers)."""
        stmt = scoped(SupportOrganisation, api_actor()).order_by(SupportOrganisation.name)
        return list(db.session.scalars(stmt))

    @documented("createOrganisation", 403)
    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a support organisation (platform administrators)."""
        return services.create_organisation(api_actor(), **data)


@blp.route("/programmes")
class Programmes(MethodView):
    """Programmes the caller may see."""

    @documented("listProgrammes", 403)
    @blp.response(200, ProgrammeSchema(many=True))
    def get(self) -> Any:
        """List programmes: an officer's organisation's, an auditor's province's."""
        return list(db.session.scalars(scoped(Programme, api_actor()).order_by(Programme.code)))

    @documented("createProgramme", 403)
    @blp.arguments(ProgrammeSchema)
    @blp.response(201, ProgrammeSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Start a programme for an organisation (its officers, or an administrator)."""
        organisation_id = data.pop("organisation_id")
        return services.create_programme(api_actor(), organisation_id, **data)


@blp.route("/programmes/<int:programme_id>")
class ProgrammeById(MethodView):
    """One programme."""

    @documented("getProgramme", 403)
    @blp.response(200, ProgrammeSchema)
    def get(self, programme_id: int) -> Any:
        """Read a programme with its periods, partners and targets."""
        return get_scoped(Programme, programme_id, api_actor())

    @documented("updateProgramme", 403)
    @blp.arguments(ProgrammeUpdateSchema)
    @blp.response(200, ProgrammeSchema)
    def patch(self, data: dict[str, Any], programme_id: int) -> Any:
        """Change a programme's names, objectives, sectors or provinces."""
        actor = api_actor()
        return services.update_programme(actor, get_scoped(Programme, programme_id, actor), **data)


@blp.route("/programmes/<int:programme_id>/extend", methods=["POST"])
@documented("extendProgramme", 403)
@blp.arguments(ExtensionSchema)
@blp.response(200, ProgrammeSchema)
def extend(data: dict[str, Any], programme_id: int) -> Any:
    """Extend a programme by a new period; its earlier periods are kept."""
    actor = api_actor()
    programme = get_scoped(Programme, programme_id, actor)
    services.extend_programme(actor, programme, **data)
    return programme


@blp.route("/programmes/<int:programme_id>/partners", methods=["POST"])
@documented("addProgrammePartner", 403)
@blp.arguments(PartnerSchema)
@blp.response(200, ProgrammeSchema)
def add_partner(data: dict[str, Any], programme_id: int) -> Any:
    """Name an organisation as a funding, accountable or implementing partner."""
    actor = api_actor()
    programme = get_scoped(Programme, programme_id, actor)
    services.add_partner(actor, programme, data["organisation_id"], data["role"])
    return programme


@blp.route("/programmes/<int:programme_id>/targets", methods=["POST"])
@documented("setProgrammeTarget", 403)
@blp.arguments(TargetSchema)
@blp.response(200, ProgrammeSchema)
def set_target(data: dict[str, Any], programme_id: int) -> Any:
    """Set an indicator's baseline and target for one year."""
    actor = api_actor()
    programme = get_scoped(Programme, programme_id, actor)
    plans.set_target(actor, programme, **data)
    return programme


@blp.route("/programmes/<int:programme_id>/reach", methods=["GET"])
@documented("getProgrammeReach", 403)
@blp.arguments(ReachQuerySchema, location="query")
@blp.response(200, ReachSchema)
def programme_reach(args: dict[str, Any], programme_id: int) -> Any:
    """The programme's reach: unique people (each once), of them women, cooperatives, hours."""
    actor = api_actor()
    programme = get_scoped(Programme, programme_id, actor)
    return stats.reach(
        actor,
        stats.Scope.for_year(args["year"], programme_id=programme.id, province=args["province"]),
    )


@blp.route("/programmes/<int:programme_id>/iati.xml", methods=["GET"])
@documented("exportProgrammeIati", 403, media="application/xml")
def programme_iati(programme_id: int) -> Any:
    """The programme as an IATI 2.03 activity file."""
    actor = api_actor()
    programme = get_scoped(Programme, programme_id, actor)
    return Response(iati.export(actor, programme), mimetype="application/xml")


@blp.route("/reach", methods=["GET"])
@documented("getReach", 403)
@blp.arguments(ReachQuerySchema, location="query")
@blp.response(200, ReachSchema)
def platform_reach(args: dict[str, Any]) -> Any:
    """Reach over every programme the caller sees (auditors: their province)."""
    actor = api_actor()
    require(actor.is_admin or actor.is_auditor or is_officer(actor))
    return stats.reach(actor, stats.Scope.for_year(args["year"], province=args["province"]))


@blp.route("/programmes/<int:programme_id>/activities")
class ProgrammeActivities(MethodView):
    """A programme's activities."""

    @documented("listActivities", 403)
    @blp.response(200, ActivitySchema(many=True))
    def get(self, programme_id: int) -> Any:
        """List the programme's activities, newest first."""
        actor = api_actor()
        programme = get_scoped(Programme, programme_id, actor)
        stmt = (
            scoped(Activity, actor)
            .where(Activity.programme_id == programme.id)
            .order_by(Activity.starts_on.desc(), Activity.id.desc())
        )
        return list(db.session.scalars(stmt))

    @documented("createActivity", 403)
    @blp.arguments(ActivitySchema)
    @blp.response(201, ActivitySchema)
    def post(self, data: dict[str, Any], programme_id: int) -> Any:
        """Record an activity (a training, workshop, visit ...)."""
        actor = api_actor()
        programme = get_scoped(Programme, programme_id, actor)
        return activities.create_activity(actor, programme, **data)


@blp.route("/activities/<int:activity_id>")
class ActivityById(MethodView):
    """One activity."""

    @documented("getActivity", 403)
    @blp.response(200, ActivitySchema)
    def get(self, activity_id: int) -> Any:
        """Read an activity."""
        return get_scoped(Activity, activity_id, api_actor())

    @documented("updateActivity", 403)
    @blp.arguments(ActivitySchema(partial=True))
    @blp.response(200, ActivitySchema)
    def patch(self, data: dict[str, Any], activity_id: int) -> Any:
        """Correct an activity's details (the same checks as when it was recorded)."""
        actor = api_actor()
        activity = get_scoped(Activity, activity_id, actor)
        return activities.update_activity(actor, activity, **data)


@blp.route("/activities/<int:activity_id>/members", methods=["GET"])
@documented("listActivityMembers", 403)
@blp.response(200, MemberChoiceSchema(many=True))
def activity_members(activity_id: int) -> Any:
    """Members of the cooperatives taking part, only as attendance needs them."""
    activity = get_scoped(Activity, activity_id, api_actor())
    return activities.member_choices(activity)


@blp.route("/activities/<int:activity_id>/attendance")
class ActivityAttendance(MethodView):
    """An activity's sign-in sheet."""

    @documented("listAttendance", 403)
    @blp.response(200, AttendanceSchema(many=True))
    def get(self, activity_id: int) -> Any:
        """Who attended, by name."""
        activity = get_scoped(Activity, activity_id, api_actor())
        return attendance.attendances_of(activity)

    @documented("recordAttendance", 403)
    @blp.arguments(SheetSchema)
    @blp.response(201, AttendanceSchema(many=True))
    def post(self, data: dict[str, Any], activity_id: int) -> Any:
        """Add a sign-in sheet: each person once per activity, or nothing is stored."""
        actor = api_actor()
        activity = get_scoped(Activity, activity_id, actor)
        return attendance.record_attendance(actor, activity, data["rows"])


def _sheet_job(job: AttendanceImport) -> dict[str, Any]:
    """The job as the API shows it: with the rows that need a choice once checked."""
    out = {
        name: getattr(job, name)
        for name in (
            "id", "activity_id", "filename", "status", "phase", "done", "total",
            "imported_count", "error", "problems", "created_at", "finished_at",
        )
    }  # fmt: skip
    out["to_choose"] = import_jobs.to_choose(job)
    return out


def _sheet_accepted(job: AttendanceImport) -> Any:
    url = url_for("api_programmes.attendance_import_job", import_id=job.id)
    return _sheet_job(job), 202, {"Location": url}


def _sheet_run(job: AttendanceImport, *, forget_failure: bool) -> AttendanceImport:
    """Commit the queued job and run it now if small; its failure there is the request's
    error (422, by field), and a failed check is not kept."""
    db.session.commit()
    import_jobs.launch(job)
    db.session.expire_all()
    job = db.session.get_one(AttendanceImport, job.id)
    if job.status == jobqueue.FAILED:
        error = ValidationFailed(job.error or "", job.problems or {"file": [job.error or ""]})
        if forget_failure:
            db.session.delete(job)
            db.session.commit()
        raise error
    return job


@blp.route("/activities/<int:activity_id>/attendance/import", methods=["POST"])
@documented("importAttendance", 403)
@blp.arguments(SheetFileSchema, location="files")
@blp.response(202, AttendanceImportJobSchema)
def import_attendance(files: dict[str, Any], activity_id: int) -> Any:
    """Check a sign-in sheet file (CSV or XLSX, a row per person under a line of headings
    with a “name” column) in a background job: 202 with the job's address (``Location``).
    Nothing is counted yet: once checked, the job lists the rows likely already recorded;
    confirm it (with a choice for those rows) to record the sheet. A small file is checked
    at once; one with mistakes is refused (422), each mistake naming its line and column."""
    actor = api_actor()
    activity = get_scoped(Activity, activity_id, actor)
    upload = files["file"]
    job = import_jobs.start_check(actor, activity, upload.stream, upload.filename or "")
    return _sheet_accepted(_sheet_run(job, forget_failure=True))


@blp.route("/attendance-imports/<int:import_id>")
@documented("getAttendanceImport")
@blp.response(200, AttendanceImportJobSchema)
def attendance_import_job(import_id: int) -> Any:
    """A sign-in sheet import: its progress, the rows to choose for once checked, how many
    people it added, or why it failed."""
    return _sheet_job(get_scoped(AttendanceImport, import_id, api_actor()))


@blp.route("/attendance-imports/<int:import_id>/confirm", methods=["POST"])
@documented("confirmAttendanceImport", 403)
@blp.arguments(SheetConfirmSchema)
@blp.response(202, AttendanceImportJobSchema)
def confirm_attendance_import(data: dict[str, Any], import_id: int) -> Any:
    """Record a checked sheet: each row a new person unless its choice says ``skip`` or
    names the matched person's id. Nothing is counted if anyone would be counted twice in
    the activity (422, naming the row). 202: follow the job (done at once when small)."""
    actor = api_actor()
    job = get_scoped(AttendanceImport, import_id, actor, for_update=True)
    if job.phase == "check" and job.status == "done":
        count = job.total or 0
        for n, choice in enumerate(data["choices"]):
            if choice["row"] >= count:
                raise ValidationFailed.field(f"choices.{n}.row", _("Not a valid choice."))
    choices = {c["row"]: c["choice"] for c in data["choices"]}
    job = import_jobs.confirm(actor, job, choices)
    return _sheet_accepted(_sheet_run(job, forget_failure=False))


@blp.route("/programmes/<int:programme_id>/foundings", methods=["POST"])
@documented("recordFounding", 403)
@blp.arguments(FoundingSchema)
@blp.response(201, FoundingSchema)
def record_founding(data: dict[str, Any], programme_id: int) -> Any:
    """Record a cooperative founded with the programme's support."""
    actor = api_actor()
    programme = get_scoped(Programme, programme_id, actor)
    return outcomes.record_founding(actor, programme, **data)


@blp.route("/brands/<int:mark_id>/required-training")
class MarkTraining(MethodView):
    """The training a collective mark's rules of use require."""

    @documented("getMarkRequiredTraining", 403)
    @blp.response(200, RequiredTrainingSchema)
    def get(self, mark_id: int) -> Any:
        """The modules a member must complete before using the mark."""
        mark = get_scoped(CollectiveMark, mark_id, api_actor())
        modules = outcomes.required_modules(mark.id)
        return {"module_ids": [m.id for m in modules], "modules": modules}

    @documented("setMarkRequiredTraining", 403)
    @blp.arguments(RequiredTrainingSchema)
    @blp.response(200, RequiredTrainingSchema)
    def put(self, data: dict[str, Any], mark_id: int) -> Any:
        """Require these modules (the mark's cooperative's manager)."""
        actor = api_actor()
        mark = get_scoped(CollectiveMark, mark_id, actor)
        modules = outcomes.set_required_modules(actor, mark, data["module_ids"])
        return {"module_ids": [m.id for m in modules], "modules": modules}


@blp.route("/programmes/<int:programme_id>/modules")
class ProgrammeModules(MethodView):
    """Training modules: the standard ones and the programme's own."""

    @documented("listTrainingModules", 403)
    @blp.response(200, ModuleSchema(many=True))
    def get(self, programme_id: int) -> Any:
        """The modules an activity of the programme may use."""
        return plans.modules_for(get_scoped(Programme, programme_id, api_actor()))

    @documented("createTrainingModule", 403)
    @blp.arguments(ModuleSchema)
    @blp.response(201, ModuleSchema)
    def post(self, data: dict[str, Any], programme_id: int) -> Any:
        """Define a module of the programme's own, with its hours."""
        actor = api_actor()
        programme = get_scoped(Programme, programme_id, actor)
        return plans.create_module(actor, programme, **data)
