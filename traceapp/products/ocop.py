"""OCOP records: the stars a score earns, who recognises them, how long a certificate is
valid, which record is current, and recording an evaluation."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_ref
from traceapp.core.columns import max_length
from traceapp.core.inputs import add_error, blank_to_none, id_or_none
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.products.catalogue import decimal_places, ocop_settings, parse_decimal
from traceapp.products.models import OcopLevel, OcopRecord, Product

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


OCOP_FIELDS = (
    "scheme",
    "score_a",
    "score_b",
    "score_c",
    "decision_number",
    "level",
    "decided_on",
    "certificate_number",
    "supersedes_id",
    "notes",
)
SCORE_PARTS = ("A", "B", "C")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def ocop_valid_until(decided_on: dt.date) -> dt.date:
    """The last day a certificate decided on that day is valid (36 months by default)."""
    return add_months(decided_on, int(ocop_settings()["valid_months"]))


def stars_for_total(total: Decimal) -> int:
    """Stars for a 100-point total by the configured cut-offs (the highest one reached)."""
    for minimum, stars in sorted(ocop_settings()["stars"], key=lambda pair: -Decimal(str(pair[0]))):
        if total >= Decimal(str(minimum)):
            return int(stars)
    return 1


def certified_min_stars() -> int:
    """The fewest stars that are certified and may be shown (3)."""
    return int(ocop_settings()["certified_min_stars"])


def level_for_stars(stars: int) -> OcopLevel | None:
    """Who recognises a rating: the ministry for 5 stars, the province for 3-4, nobody below."""
    if stars < certified_min_stars():
        return None
    return OcopLevel.MINISTRY if stars >= 5 else OcopLevel.PROVINCE


def superseded_ids(product: Product) -> set[int]:
    """Ids of the product's records that a later record corrects."""
    return {r.supersedes_id for r in product.ocop_records if r.supersedes_id is not None}


def ocop_status(
    record: OcopRecord, on_date: dt.date | None = None, superseded: set[int] | None = None
) -> str:
    """One of "superseded", "not_certified", "not_yet_valid", "expired" or "valid"."""
    day = on_date or local_today()
    if superseded is None:
        superseded = superseded_ids(record.product)
    if record.id in superseded:
        return "superseded"
    if record.stars < certified_min_stars():
        return "not_certified"
    if day < record.decided_on:
        return "not_yet_valid"
    if day > record.valid_until:
        return "expired"
    return "valid"


def current_ocop(product: Product, on_date: dt.date | None = None) -> OcopRecord | None:
    """The certified record valid on the day with the most stars (latest decision first)."""
    day = on_date or local_today()
    superseded = superseded_ids(product)
    valid = [r for r in product.ocop_records if ocop_status(r, day, superseded) == "valid"]
    if not valid:
        return None
    return max(valid, key=lambda r: (r.stars, r.decided_on, r.id))


def ocop_stars_for_display(product: Product, on_date: dt.date | None = None) -> int | None:
    """The stars a label or page may show today, or None when no certificate is valid."""
    record = current_ocop(product, on_date)
    return record.stars if record else None


def _check_ocop(actor: Actor, product: Product, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    decisions = ocop_settings()["decisions"]
    scheme = values.get("scheme")
    weights = decisions.get(scheme) if isinstance(scheme, str) else None
    if weights is None:
        add_error(
            errors,
            "scheme",
            _("Choose the decision the scores follow: %(list)s.", list=", ".join(decisions)),
        )
    scores: dict[str, Decimal] = {}
    for part in SCORE_PARTS:
        key = f"score_{part.lower()}"
        try:
            score = parse_decimal(values.get(key))
        except ValueError:
            add_error(errors, key, _("Enter the part %(part)s score as a number.", part=part))
            continue
        if score is None:
            add_error(errors, key, _("Enter the part %(part)s score.", part=part))
            continue
        maximum = Decimal(str(weights[part])) if weights else None
        if score < 0:
            add_error(errors, key, _("A score cannot be negative."))
        elif maximum is not None and score > maximum:
            # TRANSLATORS: %(part)s is A, B or C; %(scheme)s is a decision number such as
            # 1048/2019.
            add_error(
                errors,
                key,
                _(
                    "Part %(part)s has at most %(max)s points under decision %(scheme)s.",
                    part=part,
                    max=format_decimal(maximum),
                    scheme=scheme,
                ),
            )
        elif decimal_places(score) > 2:
            add_error(errors, key, _("At most two decimals."))
        else:
            scores[key] = score

    decided_on = values.get("decided_on")
    if not isinstance(decided_on, dt.date):
        add_error(errors, "decided_on", _("Enter the date of the decision."))
    elif decided_on > local_today():
        add_error(errors, "decided_on", _("The decision date cannot be in the future."))

    level = values.get("level")
    if level is not None and not isinstance(level, OcopLevel):
        try:
            level = OcopLevel(level)
        except ValueError:
            add_error(errors, "level", _("Choose province or ministry."))
            level = None
    out: dict[str, Any] = {
        "scheme": scheme,
        "decision_number": values.get("decision_number"),
        "certificate_number": values.get("certificate_number"),
        "notes": values.get("notes"),
        "decided_on": decided_on,
    }
    for key in ("decision_number", "certificate_number"):
        limit = max_length(getattr(OcopRecord, key))
        if out[key] and len(out[key]) > limit:
            add_error(errors, key, _("At most %(n)d characters.", n=limit))

    if len(scores) == len(SCORE_PARTS):
        total = sum(scores.values(), Decimal(0))
        stars = stars_for_total(total)
        expected = level_for_stars(stars)
        if expected is None:
            # 1-2 stars: recorded as evaluated, but nobody recognises them and no certificate
            # exists, so there is no level and no certificate number to store.
            if level is not None:
                add_error(
                    errors,
                    "level",
                    _("A %(n)s-star result is not recognised: leave the level empty.", n=stars),
                )
            if out["certificate_number"]:
                add_error(
                    errors,
                    "certificate_number",
                    _("A %(n)s-star result gets no certificate.", n=stars),
                )
        else:
            if level is None:
                level = expected
            elif level != expected:
                add_error(errors, "level", _level_mismatch(stars, expected))
            if not out["decision_number"]:
                add_error(
                    errors,
                    "decision_number",
                    _("Enter the number of the decision that recognises the %(n)s stars.", n=stars),
                )
        out |= scores | {"total": total, "stars": stars, "level": level}

    supersedes = values.get("supersedes_id")
    if supersedes is not None:
        earlier = _("Choose an earlier record of this product.")
        target = scoped_ref(
            OcopRecord,
            supersedes,
            actor,
            "supersedes_id",
            cooperative_id=product.cooperative_id,
            message=earlier,
            errors=errors,
        )
        if target is not None and target.product_id != product.id:
            add_error(errors, "supersedes_id", earlier)  # the cooperative's, but another product's
        elif target is not None and target.id in superseded_ids(product):
            add_error(errors, "supersedes_id", _("That record has already been corrected."))
        elif target is not None and not out["notes"]:
            add_error(errors, "notes", _("Say why the earlier record is corrected."))
    out["supersedes_id"] = supersedes

    if errors:
        raise ValidationFailed(_("The OCOP record could not be saved."), errors)
    assert isinstance(decided_on, dt.date)  # otherwise errors named decided_on
    out["valid_until"] = ocop_valid_until(decided_on)
    return out


def _level_mismatch(stars: int, expected: OcopLevel) -> str:
    """Which level recognises this many stars, as one whole sentence per level."""
    if expected == OcopLevel.MINISTRY:
        return _("%(n)s stars are recognised at ministry level.", n=stars)
    return _("%(n)s stars are recognised at provincial level.", n=stars)


def record_ocop(actor: Actor, product: Product, **data: Any) -> OcopRecord:
    """Record an OCOP evaluation; stars, level and validity are derived, never typed in."""
    require(
        actor.can_manage_cooperative(product.cooperative_id),
        _("Only the cooperative's manager may record OCOP results."),
    )
    values = {k: blank_to_none(v) for k, v in data.items() if k in OCOP_FIELDS}
    if isinstance(values.get("supersedes_id"), str):
        raw = values["supersedes_id"]
        values["supersedes_id"] = id_or_none(raw) or -1
    checked = _check_ocop(actor, product, values)
    # Built through the relationship, so product.ocop_records includes it at once.
    record = OcopRecord(cooperative_id=product.cooperative_id, product=product, **checked)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "ocop.record", record, changes=audit.created(record))
    return record
