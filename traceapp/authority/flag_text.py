"""The sentence of each flag, written in the reader's language from the flag's fields: the
rules write it when they compute, and the console when it reads flags kept by a refresh
(authority/figures.py), so one refresh serves every language."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from flask_babel import format_date, format_decimal, format_number, format_percent, ngettext
from flask_babel import gettext as _

from traceapp.authority.models import Flag
from traceapp.batches.entry_checks import describe
from traceapp.public.services import describe_flag
from traceapp.units import fmt
from traceapp.zones.models import SCHEME_LABELS, CertificationScheme


def _dec(value: Any) -> decimal.Decimal:
    return decimal.Decimal(str(value))


def _zone_message(f: Flag, extra: dict[str, Any]) -> str:
    d = f.details
    if f.kind == "overclaimed":
        # TRANSLATORS: %(share)s is the declared volume as a percentage of what the area
        # can yield, already formatted ("163%").
        return _(
            "%(code)s: %(declared)s kg declared in the season from %(start)s, but its area "
            "can yield about %(capacity)s kg (%(share)s).",
            code=f.zone_code,
            declared=format_decimal(_dec(extra["declared"]), format="#,##0"),
            capacity=format_decimal(_dec(d["capacity_kg"]), format="#,##0"),
            start=format_date(dt.date.fromisoformat(d["season_start"])),
            share=format_percent(_dec(extra["ratio"])),
        )
    if f.kind == "implausible_entry":
        findings = " ".join(describe(w) for w in d.get("findings") or [])
        # TRANSLATORS: %(findings)s is what the check found, one or more sentences;
        # %(reason)s is what the person who entered it wrote.
        return _(
            "%(lot)s: %(quantity)s from %(member)s (%(code)s) was recorded despite a "
            "warning. %(findings)s Reason given: %(reason)s",
            lot=f.lot_code,
            quantity=fmt(_dec(extra["quantity"]), extra["unit"]),
            member=d["member"],
            code=f.zone_code,
            findings=findings,
            reason=d["reason"],
        )
    if f.kind == "borrowed_code":
        return _(
            "%(code)s was claimed by lot %(lot)s of a cooperative that does not hold the code.",
            code=f.zone_code,
            lot=f.lot_code,
        )
    if f.kind == "overlap":
        return _(
            "%(code)s and %(other)s share %(ha)s ha of ground.",
            code=f.zone_code,
            other=d["other_zone_code"],
            ha=format_decimal(_dec(d["overlap_ha"]), format="#,##0.0000"),
        )
    if f.kind == "area_mismatch":
        return _(
            "%(code)s is declared as %(declared)s ha; its outline measures %(computed)s ha.",
            code=f.zone_code,
            declared=format_decimal(_dec(d["declared_ha"]), format="#,##0.00"),
            computed=format_decimal(_dec(d["computed_ha"]), format="#,##0.00"),
        )
    # TRANSLATORS: %(scheme)s names the certification scheme: VietGAP,
    # GlobalGAP, "Organic" or "Other" (translated on its own).
    return _(
        "%(code)s: certificate %(number)s (%(scheme)s) expired on %(date)s.",
        code=f.zone_code,
        number=d["number"],
        scheme=SCHEME_LABELS[CertificationScheme(d["scheme"])],
        date=format_date(f.since) if f.since else "",
    )


def unknown_message(scans: int, serials: int) -> str:
    """How many scans of how many never-issued serials, in whole sentences."""
    if serials == 1:
        return ngettext(
            "%(count)s scan of a serial that was never issued: the label may be counterfeit.",
            "%(count)s scans of a serial that was never issued: the label may be counterfeit.",
            scans,
            count=format_number(scans),
        )
    # Two serials or more, so two scans or more: both numbers are plural in every language
    # the catalogs hold.
    return _(
        "%(scans)s scans of %(serials)s serials that were never issued: labels may be counterfeit.",
        scans=format_number(scans),
        serials=format_number(serials),
    )


def _shopper_message(f: Flag, extra: dict[str, Any]) -> str:
    count, coop = f.details["reports"], extra["cooperative"]
    if f.lot_code:
        return ngettext(
            "Lot %(lot)s: %(count)s problem reported by shoppers, not yet handled by %(coop)s.",
            "Lot %(lot)s: %(count)s problems reported by shoppers, not yet handled by %(coop)s.",
            count,
            lot=f.lot_code,
            count=format_number(count),
            coop=coop,
        )
    return ngettext(
        "%(count)s problem reported by shoppers about a code of %(coop)s that names "
        "no lot, not yet handled.",
        "%(count)s problems reported by shoppers about codes of %(coop)s that name no "
        "lot, not yet handled.",
        count,
        count=format_number(count),
        coop=coop,
    )


def message(f: Flag, extra: dict[str, Any] | None = None) -> str:
    """The flag's sentence in the current language."""
    extra = extra or f.extra
    if f.kind == "cloned_labels":
        count = f.details["labels"]
        # TRANSLATORS: %(count)s is the number of labels; %(reason)s is a sentence
        # saying why one of them was flagged, e.g. "Scanned by more than 8 different
        # clients."
        return ngettext(
            "Lot %(lot)s: %(count)s label flagged by the scan checks. %(reason)s",
            "Lot %(lot)s: %(count)s labels flagged by the scan checks. %(reason)s",
            count,
            lot=f.lot_code,
            count=format_number(count),
            reason=describe_flag(f.details["example_reason"]),
        ).strip()
    if f.kind == "recalled_lot":
        return _("Lot %(lot)s was recalled.", lot=f.lot_code)
    if f.kind == "shopper_reports":
        return _shopper_message(f, extra)
    if f.kind == "unknown_serials":
        return unknown_message(f.details["scans"], f.details["serials"])
    return _zone_message(f, extra)


def written(f: Flag, extra: dict[str, Any] | None = None) -> Flag:
    """The flag with its sentence written (the rules build flags with an empty one)."""
    f.message = message(f, extra)
    return f
