"""A record of the audit trail in words, in the reader's language.

Records keep what was written (codes, field names and English summaries are covered by the
hash); this module only reads them: a status change reads "Approved → Suspended" with the
statuses' names, a changed field is named by its label, not by its column, and summaries of
the services' known shapes are said again in the reader's language.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp.audit.labels import OBJECT_TYPE_LABELS, summary_label
from traceapp.audit.summaries import said_again
from traceapp.batches.models import LOT_STATUS_LABELS
from traceapp.zones.models import KIND_LABELS, MARKET_LABELS, STATUS_LABELS

#: A changed field's name for people, by its stored key.
FIELD_LABELS = {
    "status": _l("Status"),
    "reason": _l("Reason"),
    "name": _l("Name"),
    "code": _l("Code"),
    "kind": _l("Kind"),
    "full_name": _l("Full name"),
    "member_number": _l("Member number"),
    "gender": _l("Gender"),
    "birth_year": _l("Birth year"),
    "village": _l("Village"),
    "commune": _l("Commune"),
    "district": _l("District"),
    "province": _l("Province"),
    "phone": _l("Phone"),
    "role": _l("Role"),
    "joined_on": _l("Joined on"),
    "left_on": _l("Left on"),
    "notes": _l("Notes"),
    "crop": _l("Crop or species"),
    "decision_number": _l("Decision number"),
    "issuing_authority": _l("Issuing authority"),
    "issued_on": _l("Issued on"),
    "valid_from": _l("Valid from"),
    "valid_until": _l("Valid until"),
    "target_market": _l("Target market"),
    "declared_area_ha": _l("Declared area (ha)"),
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "production_date": _l("Production date"),
    "best_before": _l("Best before"),
    "count": _l("Labels"),
    "prints": _l("Prints"),
    "is_active": _l("Active"),
    "gtin": _l("GTIN"),
    "category": _l("Category"),
}

_GRANT_STATUSES = {"active": _l("Active"), "suspended": _l("Suspended"), "revoked": _l("Revoked")}
#: A status's name, by the kind of object whose status it is.
_STATUSES: dict[str, Any] = {
    "zones": STATUS_LABELS,
    "lots": LOT_STATUS_LABELS,
    "mark_grants": _GRANT_STATUSES,
}
#: Other coded fields whose values have names.
_VALUES: dict[str, Any] = {"kind": KIND_LABELS, "target_market": MARKET_LABELS}

_TRANSITION = re.compile(r"^(?P<code>.*): (?P<before>[a-z_]+) -> (?P<after>[a-z_]+)$")


def field_label(key: str) -> str:
    """A changed field's name for people; an unknown one as stored."""
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key


def value_words(object_type: str | None, key: str, value: Any) -> str:
    """A changed value for people: a status or a kind by its name, nothing as a dash."""
    if value is None or value == "":
        return "—"
    names = _STATUSES.get(object_type or "") if key == "status" else _VALUES.get(key)
    if names is not None and isinstance(value, str):
        word = names.get(value)
        if word is not None:
            return str(word)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes_in_words(record: Any) -> list[tuple[str, str, str | None]]:
    """Each changed field of a record: (its label, its value before or None for a plain
    value, its value after)."""
    out: list[tuple[str, str, str | None]] = []
    for key, change in (record.changes or {}).items():
        if isinstance(change, dict) and "after" in change:
            out.append(
                (
                    field_label(key),
                    value_words(record.object_type, key, change.get("before")),
                    value_words(record.object_type, key, change.get("after")),
                )
            )
        else:
            out.append((field_label(key), value_words(record.object_type, key, change), None))
    return out


def summary_in_words(record: Any) -> str:
    """A record's summary for people: a status change with the statuses' names, a summary
    of a known shape said again in the reader's language (traceapp.audit.summaries), any
    other as recorded."""
    summary = record.summary or ""
    statuses = _STATUSES.get(record.object_type or "")
    found = _TRANSITION.match(summary) if statuses is not None else None
    if found and statuses is not None:
        before, after = found["before"], found["after"]
        # TRANSLATORS: an object's status changed, e.g. "VN-PY-001: Approved → Suspended".
        return _(
            "%(code)s: %(before)s → %(after)s",
            code=found["code"],
            before=str(statuses.get(before, before)),
            after=str(statuses.get(after, after)),
        )
    return said_again(summary) or summary_label(summary)


def changes_text(record: Any) -> str:
    """A record's changes as one line of text (for a download)."""
    parts = []
    for label, before, after in changes_in_words(record):
        parts.append(f"{label}: {before} → {after}" if after is not None else f"{label}: {before}")
    return "; ".join(parts)


def object_kinds() -> list[tuple[str, str]]:
    """The kinds of thing a trail can be filtered by: (stored type, name), by name."""
    return sorted(((k, str(v)) for k, v in OBJECT_TYPE_LABELS.items()), key=lambda kv: kv[1])
