"""The clone rules: which scans make a label look copied, and what its flag says.

The vocabulary (the stored flag texts and their public meaning) lives here, apart from the
public page, so that the authority console and the demo can use it without the page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from traceapp import tunables
from traceapp.labels.models import RunKind

#: The clone-rule texts stored on a label (``labels.flag_reason``). They stay English in the
#: database: auditors' evidence, matched by :func:`caution_kind`. Readers see
#: :func:`describe_flag`. FLAG_SCANS (volume, which one client can make alone) is a signal for
#: the cooperative and the auditors; shoppers never see it.
FLAG_VOIDED = "scan of a voided serial"
#: No longer raised: a recalled lot's scans are recall scans (the scan log's outcome), not a
#: suspicion about the label. Kept to describe flags stored before.
FLAG_RECALLED = "scan of a recalled lot"
FLAG_EXPIRED = "scan after best-before"
FLAG_MISMATCH = "serial scanned under another lot or GTIN"
FLAG_SCANS = "more than {n} scans in 24 hours"
FLAG_CLIENTS = "scanned by more than {n} different clients"
_FLAG_SCANS_RE = re.compile(r"^more than (\d+) scans in 24 hours$")
_FLAG_CLIENTS_RE = re.compile(r"^scanned by more than (\d+) different clients$")

#: Flag texts (as stored on the label for staff and auditors) and what they mean publicly.
_CAUTION_KINDS = (
    ("scan of a voided", "voided"),
    ("scan of a recalled", "recalled"),
    ("scan after best-before", "expired"),
    ("serial scanned under", "mismatch"),
    ("more than", "volume"),
    ("scanned by more than", "copied"),
)


def caution_kind(reason: str | None) -> str | None:
    """The public meaning of a flag text (``volume``: none; shoppers are not told)."""
    if not reason:
        return None
    return next((kind for prefix, kind in _CAUTION_KINDS if reason.startswith(prefix)), "copied")


def describe_flag(reason: str | None) -> str:
    """A stored clone-flag text as a sentence in the reader's language, chosen by its kind."""
    if not reason:
        return ""
    if reason == FLAG_VOIDED:
        return _("A voided serial was scanned.")
    if reason == FLAG_RECALLED:
        return _("A label of a recalled lot was scanned.")
    if reason == FLAG_EXPIRED:
        return _("The label was scanned after the lot's best-before date.")
    if reason == FLAG_MISMATCH:
        return _("The serial was scanned under another lot or GTIN than its own.")
    match = _FLAG_SCANS_RE.match(reason)
    if match:
        n = int(match.group(1))
        # TRANSLATORS: %(n)s is the limit of the clone rule (20): the label was scanned more.
        return ngettext(
            "Scanned more than %(n)s time in 24 hours.",
            "Scanned more than %(n)s times in 24 hours.",
            n,
            n=format_number(n),
        )
    match = _FLAG_CLIENTS_RE.match(reason)
    if match:
        n = int(match.group(1))
        # TRANSLATORS: a client is a phone or connection that scanned the label (told apart by
        # a keyed hash of its address); %(n)s is the limit of the clone rule (8).
        return ngettext(
            "Scanned by more than %(n)s different client.",
            "Scanned by more than %(n)s different clients.",
            n,
            n=format_number(n),
        )
    return reason  # a text of no known form (an older rule) is shown as stored


def aware(value: Any) -> dt.datetime | None:
    """A time as the driver gave it (text on SQLite, naive or aware) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def as_date(value: Any) -> dt.date | None:
    """A date as the driver gave it (text on SQLite) as a date."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def clone_reason(
    row: Any,
    scans_24h: int,
    clients: int,
    new_client: bool,
    today: dt.date,
    rules: dict[str, Any] | None = None,
) -> str | None:
    """Which clone rule this scan breaks, if any (the rules live in the settings file).

    ``clients`` are the different clients that scanned the label within the rules' window
    (``new_client``: this one is not among them); only they make a label look copied to
    shoppers. ``scans_24h`` gives the volume signal, which only staff and auditors see. A
    recall is not the label's fault: its scans are logged as recall scans, not flagged.
    """
    rules = rules or tunables.get("clone_rules")
    lot_level = row.kind == RunKind.LOT_COPIES.value
    if row.voided_at is not None:
        return FLAG_VOIDED
    best_before = as_date(row.best_before)
    if best_before is not None and today > best_before:
        return FLAG_EXPIRED
    if lot_level:
        return None  # a lot-level label is printed many times: volume says nothing
    if clients + (1 if new_client else 0) > int(rules["max_distinct_clients"]):
        return FLAG_CLIENTS.format(n=int(rules["max_distinct_clients"]))
    if scans_24h + 1 > int(rules["max_scans_24h"]):
        return FLAG_SCANS.format(n=int(rules["max_scans_24h"]))
    return None


def raises_flag(row: Any, reason: str) -> bool:
    """Whether a scan breaking a rule flags the label anew: it has no open flag, or only the
    volume signal and now a stronger one."""
    flagged = aware(row.flagged_at)
    if flagged is None:
        return True
    cleared = aware(row.flag_cleared_at)
    if cleared is not None and flagged <= cleared:
        return True
    return caution_kind(row.flag_reason) == "volume" and caution_kind(reason) != "volume"
