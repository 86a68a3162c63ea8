"""The inputs of a traceability event: its time zone offset and default time, its id, URIs,
and the parties (source and destination) named on it."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from flask_babel import gettext as _

from traceapp.batches.event_vocab import (
    PARTY_TYPES,
)

TZ_RE = re.compile(r"^[+-](0\d|1[0-3]):[0-5]\d$|^[+-]14:00$")


def offset_text(delta: dt.timedelta) -> str:
    """+07:00 from a timedelta."""
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def new_event_uid() -> str:
    """A fresh EPCIS eventID."""
    return f"urn:uuid:{uuid.uuid4()}"


def is_uri(value: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value or ""))


def clean_parties(
    items: Any, field: str, errors: dict[str, list[str]], lenient: bool = False
) -> list[dict[str, str]]:
    """Sources/destinations: [{"type": owning_party|possessing_party|location, "name", "id"?}].

    ``lenient`` (imports) also accepts a partner's own type URIs.
    """
    out: list[dict[str, str]] = []
    for i, item in enumerate(items or []):
        if not isinstance(item, dict):
            errors.setdefault(f"{field}.{i}", []).append(_("Give a type and a name."))
            continue
        kind = (item.get("type") or "owning_party").strip()
        name = (item.get("name") or "").strip()
        ident = (item.get("id") or "").strip()
        if kind not in PARTY_TYPES and not (lenient and is_uri(kind)):
            errors.setdefault(f"{field}.{i}.type", []).append(
                # TRANSLATORS: owning_party, possessing_party and location are API codes.
                _("Use owning_party, possessing_party or location.")
            )
        if not name and not ident:
            errors.setdefault(f"{field}.{i}.name", []).append(_("Name the party or place."))
        if ident and not is_uri(ident):
            errors.setdefault(f"{field}.{i}.id", []).append(
                _("An identifier must be a URI (e.g. urn:epc:id:sgln:... or https://...).")
            )
        entry = {"type": kind, "name": name[:200]}
        if ident:
            entry["id"] = ident[:300]
        out.append(entry)
    return out
