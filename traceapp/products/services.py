"""Products and OCOP records: validation, creation, edits, and what counts as certified today."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.auth.models import SYSTEM
from traceapp.auth.permissions import get_scoped, require, scoped_ref
from traceapp.brands.models import CollectiveMark
from traceapp.cooperatives.models import Cooperative
from traceapp.core import gdst_codes
from traceapp.core.inputs import blank_to_none, id_or_none, is_digits
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.gs1 import GtinError, gtin_display, normalise_gtin
from traceapp.media.services import store_image
from traceapp.products.models import OcopLevel, OcopRecord, Product

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

CODE_RE = re.compile(r"^[A-Za-z0-9.-]{1,40}$")

PRODUCT_FIELDS = (
    "code",
    "name",
    "names",
    "description",
    "category",
    "unit_of_trade",
    "net_quantity",
    "net_unit",
    "gtin",
    "mark_id",
    "shelf_life_days",
    "is_active",
    "fao_species",
)
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

#: Units of trade offered when the settings file names none ("units_of_trade"): code ->
#: label, a lazy string in the reader's language.
DEFAULT_UNITS_OF_TRADE: dict[str, Any] = tunables.DEFAULTS["units_of_trade"]
MAX_SHELF_LIFE_DAYS = 3650
SCORE_PARTS = ("A", "B", "C")


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def parse_decimal(value: Any) -> Decimal | None:
    """A Decimal from a form or API value (a comma is a decimal separator); None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    text = str(value).strip().replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# --- settings --------------------------------------------------------------------------------


def categories() -> dict[str, dict[str, Any]]:
    """Product categories from the domain settings."""
    return tunables.get("categories")


def net_units() -> dict[str, str]:
    """Units a net quantity may be given in (UN/ECE Rec 20 code -> short label)."""
    return tunables.get("units")


def units_of_trade() -> dict[str, str]:
    """Units of trade: the settings file may replace the default list."""
    return tunables.tunables().get("units_of_trade") or DEFAULT_UNITS_OF_TRADE


def other_languages() -> list[str]:
    """Languages a product name may be translated into (all configured ones but Vietnamese)."""
    return [lang for lang in current_app.config["TRACEAPP_LANGUAGES"] if lang != "vi"]


def ocop_settings() -> dict[str, Any]:
    """The OCOP section of the domain settings."""
    return tunables.get("ocop")


# --- products ---------------------------------------------------------------------------------


def _normalise_names(raw: Any, errors: dict[str, list[str]]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        _add(errors, "names", _("Give the names as a language code and a name each."))
        return {}
    allowed = other_languages()
    names: dict[str, str] = {}
    for lang, text in raw.items():
        if lang not in allowed:
            _add(
                errors,
                "names",
                _(
                    "Unknown language %(lang)s: use one of %(langs)s.",
                    lang=lang,
                    langs=", ".join(allowed),
                ),
            )
            continue
        if text is not None and not isinstance(text, str):
            _add(errors, "names", _("The %(lang)s name must be text.", lang=lang))
            continue
        text = (text or "").strip()
        if len(text) > 200:
            _add(errors, "names", _("The %(lang)s name has at most 200 characters.", lang=lang))
        elif text:
            names[lang] = text
    return names


def _check_gtin(
    raw: Any, errors: dict[str, list[str]], cooperative_id: int, existing: Product | None
) -> str | None:
    if raw is None:
        return None
    try:
        gtin = normalise_gtin(str(raw))
    except GtinError as exc:
        # gs1 names the expected check digit: the message a user can act on.
        _add(errors, "gtin", str(exc))
        return None
    if gtin.strip("0") == "":
        _add(errors, "gtin", _("A GTIN of zeros only is not a real GTIN."))
        return None
    clash = db.session.execute(
        sa.select(Product.id, Product.cooperative_id, Product.code).where(Product.gtin == gtin)
    ).first()
    if clash is not None and (existing is None or clash.id != existing.id):
        if clash.cooperative_id == cooperative_id:
            _add(
                errors,
                "gtin",
                _(
                    "GTIN %(gtin)s is already used by your product %(code)s.",
                    gtin=gtin_display(gtin),
                    code=clash.code,
                ),
            )
        else:
            # Another cooperative's product is not named: tenants never learn of each other.
            _add(
                errors,
                "gtin",
                _(
                    "GTIN %(gtin)s is already registered to another product; "
                    "a GTIN identifies one product nationally.",
                    gtin=gtin_display(gtin),
                ),
            )
    return gtin


def check_product(
    values: dict[str, Any],
    cooperative_id: int,
    existing: Product | None = None,
    *,
    actor: Actor = SYSTEM,
) -> dict[str, Any]:
    """Validate and normalise a product's values; raise ValidationFailed naming every field."""
    errors: dict[str, list[str]] = {}
    out = dict(values)

    code = values.get("code")
    if not code:
        _add(errors, "code", _("Enter the product code."))
    elif not CODE_RE.match(code):
        _add(errors, "code", _("1 to 40 letters, digits, dots or dashes."))
    else:
        clash = db.session.execute(
            sa.select(Product.id).where(
                Product.cooperative_id == cooperative_id,
                sa.func.lower(Product.code) == code.lower(),
            )
        ).first()
        if clash is not None and (existing is None or clash.id != existing.id):
            _add(errors, "code", _("Product code %(code)s is already in use.", code=code))

    name = values.get("name")
    if not name:
        _add(errors, "name", _("Enter the product's name in Vietnamese."))
    elif len(name) > 200:
        _add(errors, "name", _("At most 200 characters."))
    out["names"] = _normalise_names(values.get("names"), errors)
    if values.get("description") and len(values["description"]) > 5000:
        _add(errors, "description", _("At most 5000 characters."))

    cats = categories()
    if values.get("category") not in cats:
        _add(errors, "category", _("Choose a category: %(list)s.", list=", ".join(cats)))
    trade_units = units_of_trade()
    if values.get("unit_of_trade") not in trade_units:
        _add(
            errors,
            "unit_of_trade",
            _("Choose a unit of trade: %(list)s.", list=", ".join(trade_units)),
        )

    try:
        quantity = parse_decimal(values.get("net_quantity"))
    except ValueError:
        quantity = None
        _add(errors, "net_quantity", _("Enter the net quantity as a number, e.g. 500 or 0.25."))
    else:
        if quantity is not None:
            if quantity <= 0:
                _add(errors, "net_quantity", _("The net quantity must be more than zero."))
            elif _decimals(quantity) > 3 or quantity >= Decimal("1000000000"):
                _add(
                    errors,
                    "net_quantity",
                    _("At most 9 digits before the decimal point and 3 after it."),
                )
    out["net_quantity"] = quantity
    unit = values.get("net_unit")
    if unit is not None:
        unit = str(unit).upper()
        if unit not in net_units():
            _add(errors, "net_unit", _("Choose a unit: %(list)s.", list=", ".join(net_units())))
    out["net_unit"] = unit
    if quantity is not None and unit is None and "net_unit" not in errors:
        _add(errors, "net_unit", _("Give the unit of the net quantity."))
    if unit is not None and quantity is None and "net_quantity" not in errors:
        _add(errors, "net_quantity", _("Give the net quantity for this unit."))

    out["gtin"] = _check_gtin(values.get("gtin"), errors, cooperative_id, existing)

    if values.get("mark_id") is not None:
        # Loaded through the actor's scope, from this cooperative's marks only: a foreign mark
        # gets the same answer as an unknown one.
        scoped_ref(
            CollectiveMark,
            values["mark_id"],
            actor,
            "mark_id",
            cooperative_id=cooperative_id,
            message=_("Choose a collective mark of this cooperative."),
            errors=errors,
        )

    species = values.get("fao_species")
    if species is not None and species not in gdst_codes.SPECIES:
        _add(errors, "fao_species", _("Choose a species from the list (FAO 3-alpha code)."))
    days = values.get("shelf_life_days")
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_SHELF_LIFE_DAYS
    ):
        _add(
            errors,
            "shelf_life_days",
            _("Enter a number of days from 1 to %(max)s.", max=format_number(MAX_SHELF_LIFE_DAYS)),
        )
    if errors:
        raise ValidationFailed(_("The product could not be saved."), errors)
    return out


def _product_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: blank_to_none(v) for k, v in data.items() if k in PRODUCT_FIELDS}
    if isinstance(values.get("mark_id"), str):
        values["mark_id"] = id_or_none(values["mark_id"]) or -1
    return values


def _flush_guarded(obj: Any) -> None:
    """Flush in a savepoint: a concurrent duplicate (code, GTIN) becomes a clear refusal."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        raise ValidationFailed(
            _(
                "Another product was saved with the same code or GTIN at the same moment; "
                "check and try again."
            ),
            {
                "code": [_("Check that the code is unique.")],
                "gtin": [_("Check that the GTIN is unique.")],
            },
        ) from None


def create_product(actor: Actor, cooperative_id: int, image: Any = None, **data: Any) -> Product:
    """Register a product of a cooperative (its manager or an administrator)."""
    coop = get_scoped(Cooperative, cooperative_id, actor)
    require(
        actor.can_manage_cooperative(coop.id),
        _("Only the cooperative's manager may register products."),
    )
    values = _product_values(data)
    values.setdefault("unit_of_trade", "piece")
    if values.get("is_active") is None:
        values["is_active"] = True
    values = check_product(values, coop.id, actor=actor)
    stored = store_image(image, "image", coop.id) if image is not None else None
    product = Product(cooperative_id=coop.id, **values)
    if stored is not None:
        product.image = stored.key
    _flush_guarded(product)
    audit.record(actor, "product.create", product, changes=audit.created(product))
    return product


def update_product(actor: Actor, product: Product, image: Any = None, **data: Any) -> Product:
    """Change a product; only the fields given change, and the whole result is re-checked."""
    require(
        actor.can_manage_cooperative(product.cooperative_id),
        _("Only the cooperative's manager may edit products."),
    )
    values = _product_values(data)
    if "is_active" in values and values["is_active"] is None:
        values.pop("is_active")  # a flag is never cleared, only set true or false
    merged = {k: getattr(product, k) for k in PRODUCT_FIELDS} | values
    checked = check_product(merged, product.cooperative_id, existing=product, actor=actor)
    changed = {key: checked[key] for key in values}
    if image is not None:
        changed["image"] = store_image(image, "image", product.cooperative_id).key
    audit.apply_changes(
        actor, product, changed, "product.update", flush=lambda: _flush_guarded(product)
    )
    return product


def set_product_image(actor: Actor, product: Product, upload: Any) -> Product:
    """Replace the product's photo with a checked, re-encoded image."""
    require(
        actor.can_manage_cooperative(product.cooperative_id),
        _("Only the cooperative's manager may change the photo."),
    )
    stored = store_image(upload, "image", product.cooperative_id)
    audit.replace_image(actor, product, "image", stored.key, "product.image")
    return product


def product_search(
    stmt: sa.Select[Any],
    q: str | None = None,
    category: str | None = None,
    active: bool | None = None,
) -> sa.Select[Any]:
    """Filter products by name (any language), code or GTIN, category and active flag."""
    q = (q or "").strip()
    if q:
        # % and _ typed by a user are searched for, not wildcards.
        typed = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{typed.lower()}%"
        conditions = [
            sa.func.lower(Product.name).like(like, escape="\\"),
            # SQLite lowers ASCII only: "Đậu" typed as stored must still match there.
            Product.name.like(f"%{typed}%", escape="\\"),
            sa.func.lower(Product.code).like(like, escape="\\"),
        ]
        for lang in other_languages():
            # Each translated name as its text (JSON text may hold \\u escapes on SQLite).
            translated = Product.names[lang].as_string()
            conditions += [
                sa.func.lower(translated).like(like, escape="\\"),
                translated.like(f"%{typed}%", escape="\\"),
            ]
        digits = re.sub(r"[\s-]", "", q)
        if is_digits(digits):
            conditions.append(Product.gtin.like(f"%{digits}%"))
        stmt = stmt.where(sa.or_(*conditions))
    if category:
        stmt = stmt.where(Product.category == category)
    if active is not None:
        stmt = stmt.where(Product.is_active.is_(active))
    return stmt


def marks_for(cooperative_id: int) -> list[CollectiveMark]:
    """The collective marks a product of this cooperative may carry."""
    return list(
        db.session.execute(
            sa.select(CollectiveMark)
            .where(CollectiveMark.cooperative_id == cooperative_id)
            .order_by(CollectiveMark.name)
        ).scalars()
    )


# --- OCOP -------------------------------------------------------------------------------------


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
        _add(
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
            _add(errors, key, _("Enter the part %(part)s score as a number.", part=part))
            continue
        if score is None:
            _add(errors, key, _("Enter the part %(part)s score.", part=part))
            continue
        maximum = Decimal(str(weights[part])) if weights else None
        if score < 0:
            _add(errors, key, _("A score cannot be negative."))
        elif maximum is not None and score > maximum:
            # TRANSLATORS: %(part)s is A, B or C; %(scheme)s is a decision number such as
            # 1048/2019.
            _add(
                errors,
                key,
                _(
                    "Part %(part)s has at most %(max)s points under decision %(scheme)s.",
                    part=part,
                    max=format_decimal(maximum),
                    scheme=scheme,
                ),
            )
        elif _decimals(score) > 2:
            _add(errors, key, _("At most two decimals."))
        else:
            scores[key] = score

    decided_on = values.get("decided_on")
    if not isinstance(decided_on, dt.date):
        _add(errors, "decided_on", _("Enter the date of the decision."))
    elif decided_on > local_today():
        _add(errors, "decided_on", _("The decision date cannot be in the future."))

    level = values.get("level")
    if level is not None and not isinstance(level, OcopLevel):
        try:
            level = OcopLevel(level)
        except ValueError:
            _add(errors, "level", _("Choose province or ministry."))
            level = None
    out: dict[str, Any] = {
        "scheme": scheme,
        "decision_number": values.get("decision_number"),
        "certificate_number": values.get("certificate_number"),
        "notes": values.get("notes"),
        "decided_on": decided_on,
    }
    for key, limit in (("decision_number", 60), ("certificate_number", 60)):
        if out[key] and len(out[key]) > limit:
            _add(errors, key, _("At most %(n)d characters.", n=limit))

    if len(scores) == len(SCORE_PARTS):
        total = sum(scores.values(), Decimal(0))
        stars = stars_for_total(total)
        expected = level_for_stars(stars)
        if expected is None:
            # 1-2 stars: recorded as evaluated, but nobody recognises them and no certificate
            # exists, so there is no level and no certificate number to store.
            if level is not None:
                _add(
                    errors,
                    "level",
                    _("A %(n)s-star result is not recognised: leave the level empty.", n=stars),
                )
            if out["certificate_number"]:
                _add(
                    errors,
                    "certificate_number",
                    _("A %(n)s-star result gets no certificate.", n=stars),
                )
        else:
            if level is None:
                level = expected
            elif level != expected:
                _add(errors, "level", _level_mismatch(stars, expected))
            if not out["decision_number"]:
                _add(
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
            _add(errors, "supersedes_id", earlier)  # the cooperative's, but another product's
        elif target is not None and target.id in superseded_ids(product):
            _add(errors, "supersedes_id", _("That record has already been corrected."))
        elif target is not None and not out["notes"]:
            _add(errors, "notes", _("Say why the earlier record is corrected."))
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
