"""Cooperatives: registration, edits and the logo."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import format_number, get_locale
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.cooperatives.models import (
    Cooperative,
)
from traceapp.core import countries, gdst_codes
from traceapp.core.columns import max_length
from traceapp.core.inputs import blank_to_none
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media.services import store_image

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{6,18}[0-9]$")


SHORT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


COOPERATIVE_FIELDS = (
    "name",
    "short_code",
    "registration_number",
    "country",
    "province",
    "district",
    "commune",
    "address",
    "phone",
    "email",
    "website",
    "description",
    "founded_on",
    "show_women_share",
    "womens_cooperative",
    "human_welfare_policy",
)

#: Free-text fields and what each may hold, read from its column (the description, a TEXT
#: column, declares its bound in the column's info).
_MAX_LENGTHS = {
    key: max_length(getattr(Cooperative, key))
    for key in (
        "name",
        "registration_number",
        "province",
        "district",
        "commune",
        "address",
        "email",
        "website",
        "description",
    )
}


def check_cooperative(values: dict[str, Any], existing: Cooperative | None = None) -> None:
    """Refuse a cooperative's data with every field's problem named."""
    errors: dict[str, list[str]] = {}
    if not values.get("name"):
        errors["name"] = [_("Enter the cooperative's name.")]
    policy = values.get("human_welfare_policy")
    if policy is not None and policy not in gdst_codes.HUMAN_WELFARE_POLICIES:
        errors["human_welfare_policy"] = [_("Choose a human welfare policy from the list.")]
    code = values.get("short_code")
    if not code or not SHORT_CODE_RE.match(code):
        errors["short_code"] = [
            _("2 to 8 capital letters or digits, starting with a letter (used in lot codes).")
        ]
    country = (values.get("country") or countries.DEFAULT).upper()
    if not countries.is_known(country):
        errors["country"] = [_("Choose a country from the list.")]
    if not values.get("province"):
        errors["province"] = [_("Enter the province.")]
    elif "country" not in errors and not countries.province_ok(country, values["province"]):
        profile = countries.get(country)
        errors["province"] = [
            _(
                "%(name)s is not a province of %(country)s (for example %(example)s).",
                name=values["province"],
                country=profile.name(str(get_locale())),
                example=", ".join(profile.unit_names()[:3]),
            )
        ]
    for key, limit in _MAX_LENGTHS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit and key not in errors:
            errors[key] = [_("At most %(num)s characters.", num=format_number(limit))]
    if values.get("phone") and not PHONE_RE.match(values["phone"]):
        errors["phone"] = [_("Enter a phone number of digits, spaces and an optional +.")]
    elif values.get("phone") and "country" not in errors:
        problem = countries.phone_problem(countries.get(country), values["phone"])
        if problem:
            errors["phone"] = [problem]
    for key, column in (
        ("short_code", Cooperative.short_code),
        ("registration_number", Cooperative.registration_number),
    ):
        if values.get(key) and key not in errors:
            clash = db.session.execute(
                sa.select(Cooperative.id).where(column == values[key])
            ).first()
            if clash is not None and (existing is None or clash.id != existing.id):
                errors[key] = [_("Another cooperative already uses this.")]
    if errors:
        raise ValidationFailed(_("The cooperative could not be saved."), errors)


def create_cooperative(actor: Actor, **data: Any) -> Cooperative:
    """Register a cooperative (platform administrators only)."""
    require(actor.is_admin, _("Only a platform administrator may register a cooperative."))
    values = {k: blank_to_none(data.get(k)) for k in COOPERATIVE_FIELDS}
    if values.get("short_code"):
        values["short_code"] = values["short_code"].upper()
    values["show_women_share"] = bool(values["show_women_share"])
    values["womens_cooperative"] = bool(values["womens_cooperative"])
    values["country"] = (values.get("country") or countries.DEFAULT).upper()
    check_cooperative(values)
    coop = Cooperative(**values)
    db.session.add(coop)
    db.session.flush()
    audit.record(actor, "cooperative.create", coop, changes=audit.created(coop))
    return coop


def update_cooperative(actor: Actor, coop: Cooperative, **data: Any) -> Cooperative:
    """Change a cooperative's details (its manager or an administrator)."""
    require(actor.can_manage_cooperative(coop.id), _("Only the cooperative's manager may edit it."))
    values = {k: blank_to_none(v) for k, v in data.items() if k in COOPERATIVE_FIELDS}
    if values.get("short_code"):
        values["short_code"] = values["short_code"].upper()
    if "country" in values:
        values["country"] = (values["country"] or countries.DEFAULT).upper()
    for flag in ("show_women_share", "womens_cooperative"):
        if flag in values:
            values[flag] = bool(values[flag])
    merged = {k: getattr(coop, k) for k in COOPERATIVE_FIELDS} | values
    check_cooperative(merged, existing=coop)
    audit.apply_changes(actor, coop, values, "cooperative.update")
    return coop


def set_cooperative_logo(actor: Actor, coop: Cooperative, upload: Any) -> Cooperative:
    """Replace the cooperative's logo with a checked, re-encoded image."""
    require(actor.can_manage_cooperative(coop.id), _("Only the cooperative's manager may do this."))
    stored = store_image(upload, "logo", coop.id)
    audit.replace_image(actor, coop, "logo", stored.key, "cooperative.logo")
    return coop


def get_cooperative(actor: Actor, cooperative_id: int) -> Cooperative:
    """A cooperative the actor may see, or NotFound."""
    from traceapp.auth.permissions import get_scoped

    return get_scoped(Cooperative, cooperative_id, actor)
