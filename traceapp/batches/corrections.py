"""Declaring a recorded event wrong (EPCIS error declarations): the wrong event stays as it
was, struck through in the history, with the corrective events recorded beside it."""

from __future__ import annotations

import inspect
from typing import Any

from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.batches.events import record_event
from traceapp.batches.models import EventErrorDeclaration, TraceEvent
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db


def declare_error(
    actor: Actor,
    event: TraceEvent,
    *,
    reason: str,
    explanation: str,
    corrections: list[dict[str, Any]] | None = None,
) -> EventErrorDeclaration:
    """Declare an event wrong (did_not_occur / incorrect_data) and record corrective events.

    The wrong event stays as it was; the history shows it struck through, with its correction.
    """
    lot = event.lot
    if not actor.can_write_cooperative(lot.cooperative_id):
        from traceapp.errors import Forbidden

        raise Forbidden(_("You cannot correct this lot's history."))
    if event.error_declaration is not None:
        raise Conflict(_("This event was already declared wrong."))
    errors: dict[str, list[str]] = {}
    if reason not in ("did_not_occur", "incorrect_data"):
        # TRANSLATORS: did_not_occur and incorrect_data are EPCIS codes; keep them as they are.
        errors["reason"] = [_("Choose did_not_occur or incorrect_data.")]
    if len((explanation or "").strip()) < 5:
        errors["explanation"] = [_("Explain what was wrong.")]
    if reason == "incorrect_data" and not corrections:
        errors["corrections"] = [_("Record the corrected event (incorrect data needs one).")]
    if errors:
        raise ValidationFailed(_("The correction could not be recorded."), errors)
    corrective: list[TraceEvent] = []
    for i, spec in enumerate(corrections or []):
        spec = dict(spec)
        try:
            corrective.append(
                record_event(
                    actor,
                    lot,
                    corrects=event,
                    check_step=False,
                    **{k: v for k, v in spec.items() if v is not None},
                )
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("The corrected event could not be recorded."),
                {f"corrections.{i}.{k}": v for k, v in exc.errors.items()},
            ) from None
        except TypeError:
            known = set(inspect.signature(record_event).parameters) - {
                "actor",
                "lot",
                "corrects",
                "check_step",
            }
            # TRANSLATORS: %(fields)s lists the field names the corrected event did not expect.
            raise ValidationFailed.field(
                f"corrections.{i}",
                _("Unknown field: %(fields)s.", fields=", ".join(sorted(set(spec) - known)) or "?"),
            ) from None
    declaration = EventErrorDeclaration(
        event_id=event.id,
        reason=reason,
        explanation=explanation.strip(),
        corrective_event_uids=[e.event_uid for e in corrective],
        declared_by_id=getattr(actor, "id", None),
        declared_by_label=getattr(actor, "label", "system"),
    )
    db.session.add(declaration)
    db.session.flush()
    audit.record(
        actor,
        "event.error_declaration",
        declaration,
        cooperative_id=lot.cooperative_id,
        summary=f"{event.biz_step} on lot {lot.code} declared {reason}",
        changes={
            "reason": {"before": None, "after": reason},
            "explanation": {"before": None, "after": explanation.strip()},
        },
    )
    return declaration
