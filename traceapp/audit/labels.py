"""How the audit trail reads to people: action codes, object types and fixed summaries.

Records keep their codes and English summaries exactly as written (the hash covers them);
these dictionaries translate them only where the trail is shown.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from traceapp.auth.logins import FAILED_LOGIN_KNOWN, FAILED_LOGIN_UNKNOWN

#: What each recorded action means, keyed by its code.
ACTION_LABELS = {
    "auth.login": _l("Signed in"),
    "auth.logout": _l("Signed out"),
    "auth.login_failed": _l("Failed sign-in"),
    "user.create": _l("Account created"),
    "user.enable": _l("Account enabled"),
    "user.disable": _l("Account disabled"),
    "user.password_change": _l("Password changed"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "cooperative.create": _l("Cooperative registered"),
    "cooperative.update": _l("Cooperative details changed"),
    "cooperative.logo": _l("Cooperative logo changed"),
    "member.create": _l("Member registered"),
    "member.update": _l("Member details changed"),
    "member.import": _l("Members imported from a file"),
    "mark.create": _l("Collective mark registered"),
    "mark.update": _l("Collective mark changed"),
    "mark.logo": _l("Collective mark logo changed"),
    "grant.create": _l("Grant of use given"),
    "grant.update": _l("Grant of use changed"),
    "grant.suspend": _l("Grant of use suspended"),
    "grant.reinstate": _l("Grant of use reinstated"),
    "grant.revoke": _l("Grant of use revoked"),
    "product.create": _l("Product created"),
    "product.update": _l("Product changed"),
    "product.image": _l("Product photo changed"),
    "ocop.record": _l("OCOP result recorded"),
    "zone.create": _l("Zone created"),
    "zone.update": _l("Zone changed"),
    "zone.transition": _l("Zone status changed"),
    "zone.certification.add": _l("Certificate added to a zone"),
    "zone.certification.update": _l("Zone certificate changed"),
    "zone.inspection": _l("Zone inspection recorded"),
    "zone.overlaps": _l("Zone overlaps updated"),
    "lot.create": _l("Lot created"),
    "lot.update": _l("Lot changed"),
    "lot.close": _l("Lot closed"),
    "lot.contribution": _l("Member contribution added to a lot"),
    "lot.contribution_void": _l("Member contribution voided"),
    "lot.recall": _l("Lot recalled"),
    "lot.transform": _l("Lots processed into new lots"),
    "event.record": _l("Step recorded in a lot's history"),
    "event.error_declaration": _l("Step of a lot's history declared wrong"),
    "epcis.import": _l("Partner's EPCIS document imported"),
    "labels.issue": _l("Labels issued"),
    "labels.void": _l("Labels voided"),
    "reports.handled": _l("Shopper's problem report handled"),
    "labels.print": _l("Label run printed"),
    "labels.reprint": _l("Label run printed again"),
    "labels.clear_flag": _l("Label's scan flag cleared"),
    "organisation.create": _l("Support organisation registered"),
    "programme.create": _l("Programme started"),
    "programme.update": _l("Programme changed"),
    "programme.provinces": _l("Programme provinces changed"),
    "programme.extend": _l("Programme extended"),
    "programme.partner": _l("Programme partner added"),
    "programme.target": _l("Programme target set"),
    "programme.module": _l("Training module defined"),
    "activity.create": _l("Activity recorded"),
    "activity.update": _l("Activity changed"),
    "activity.cooperatives": _l("Activity cooperatives changed"),
    "activity.attendance": _l("Sign-in sheet recorded"),
    "activity.attendance_removed": _l("Person struck off a sign-in sheet"),
    "participant.merge": _l("Duplicate participant records merged"),
    "participant.update": _l("Participant details changed"),
    "cooperative.founding": _l("Founding support recorded"),
    "mark.required_training": _l("Training required by a mark changed"),
}

#: What kind of object a record is about, keyed by the stored table name.
OBJECT_TYPE_LABELS = {
    "users": _l("Account"),
    "api_tokens": _l("API token"),
    "cooperatives": _l("Cooperative"),
    "members": _l("Member"),
    "member_imports": _l("Member file"),
    "collective_marks": _l("Collective mark"),
    "mark_grants": _l("Grant of use"),
    "products": _l("Product"),
    "ocop_records": _l("OCOP result"),
    "zones": _l("Zone"),
    "zone_certifications": _l("Zone certificate"),
    "zone_inspections": _l("Zone inspection"),
    "lots": _l("Lot"),
    "lot_contributions": _l("Member contribution"),
    "trace_events": _l("Lot history step"),
    "event_error_declarations": _l("Error declaration"),
    "epcis_import_jobs": _l("EPCIS import"),
    "label_runs": _l("Label run"),
    "labels": _l("Label"),
    "problem_reports": _l("Problem report"),
    "recalls": _l("Recall"),
    "support_organisations": _l("Support organisation"),
    "programmes": _l("Programme"),
    "programme_partners": _l("Programme partner"),
    "programme_targets": _l("Programme target"),
    "training_modules": _l("Training module"),
    "activities": _l("Activity"),
    "participants": _l("Participant"),
    "cooperative_foundings": _l("Founding support"),
}

#: Summaries that are fixed English sentences when stored, with their translation.
STORED_SUMMARIES = {
    FAILED_LOGIN_KNOWN: _l("failed sign-in for an existing account"),
    FAILED_LOGIN_UNKNOWN: _l("failed sign-in, unknown e-mail address"),
}


def action_label(code: str | None) -> str:
    """The reader's description of an action code; an unknown code is shown as it is."""
    label = ACTION_LABELS.get(code or "")
    return str(label) if label is not None else (code or "")


def object_type_label(code: str | None) -> str:
    """The reader's name for a stored object type; an unknown one is shown as it is."""
    label = OBJECT_TYPE_LABELS.get(code or "")
    return str(label) if label is not None else (code or "")


def summary_label(summary: str | None) -> str:
    """A stored summary as shown: the fixed ones translated, the others as recorded."""
    label = STORED_SUMMARIES.get(summary or "")
    return str(label) if label is not None else (summary or "")
