"""Stored audit summaries read back in the reader's language.

A summary is written once, in English, and covered by the record's hash, so it never changes.
Each service writes its summaries in a fixed shape ("harvesting on lot XP-2026-0001",
"recall #3: aflatoxin"); this module knows those shapes and says them again in the reader's
language, with coded words (steps, kinds, results) by their names. A summary of no known
shape is shown as recorded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp.authority.models import RESULT_LABELS
from traceapp.batches.event_vocab import STEP_LABELS
from traceapp.labels.models import RUN_KIND_LABELS, VOID_KIND_LABELS
from traceapp.zones.models import SCHEME_LABELS

_TRANSFORMATION_KINDS = {
    "commingling": _l("commingling"),
    "processing": _l("processing"),
    "grading": _l("grading"),
    "packing": _l("packing"),
}
_DECLARED = {"did_not_occur": _l("did not occur"), "incorrect_data": _l("incorrect data")}


def _word(names: dict[Any, Any], code: str) -> str:
    found = names.get(code)
    return str(found) if found is not None else code


def _step(code: str) -> str:
    return _word(STEP_LABELS, code)


def _date(text: str) -> str:
    try:
        return format_date(dt.date.fromisoformat(text))
    except ValueError:
        return text


def _voided_what(what: str) -> str:
    if what == "run":
        return _("the whole run")
    serial = re.fullmatch(r"serial (\S+)", what)
    if serial:
        return _("serial %(serial)s", serial=serial[1])
    positions = re.fullmatch(r"positions (\d+)-(\d+)", what)
    if positions:
        # TRANSLATORS: positions of labels on a run, e.g. "positions 5–20".
        return _("positions %(first)s–%(last)s", first=positions[1], last=positions[2])
    return what


def _event(m: re.Match[str]) -> str:
    # TRANSLATORS: an event recorded on a lot, e.g. "Harvest / catch recorded on lot XP-1".
    return _("%(step)s on lot %(lot)s", step=_step(m["step"]), lot=m["lot"])


def _declared(m: re.Match[str]) -> str:
    args = {"step": _step(m["step"]), "lot": m["lot"], "reason": _word(_DECLARED, m["reason"])}
    if m["partner"]:
        return _("%(step)s on lot %(lot)s declared wrong by a partner (%(reason)s)", **args)
    return _("%(step)s on lot %(lot)s declared wrong (%(reason)s)", **args)


def _delivery(m: re.Match[str]) -> str:
    # TRANSLATORS: a delivery into a lot, e.g. "1500 kg from Nguyễn Văn A (VN-PY-01) into XP-1".
    return _(
        "%(quantity)s from %(name)s (%(zone)s) into %(lot)s",
        quantity=m["quantity"],
        name=m["name"],
        zone=m["zone"],
        lot=m["lot"],
    )


def _issued(m: re.Match[str]) -> str:
    return _(
        "%(count)s labels for lot %(lot)s (%(kind)s), template %(template)s",
        count=m["count"],
        lot=m["lot"],
        kind=_word(RUN_KIND_LABELS, m["kind"]).lower(),
        template=m["template"],
    )


def _voided(m: re.Match[str]) -> str:
    return _(
        "%(count)s labels voided (%(what)s, %(kind)s): %(reason)s",
        count=m["count"],
        what=_voided_what(m["what"]),
        kind=_word(VOID_KIND_LABELS, m["kind"]).lower(),
        reason=m["reason"],
    )


def _printed(m: re.Match[str]) -> str:
    return _(
        "Run no. %(number)s printed as %(format)s (%(layout)s), print %(time)s",
        number=m["number"],
        format=m["format"],
        layout=m["layout"],
        time=m["time"],
    )


def _recall(m: re.Match[str]) -> str:
    return _("Recall no. %(number)s: %(reason)s", number=m["number"], reason=m["reason"])


def _inspection(m: re.Match[str]) -> str:
    args = {
        "code": m["code"],
        "date": _date(m["date"]),
        "result": _word(RESULT_LABELS, m["result"]),
    }
    if m["suspended"]:
        return _("%(code)s: inspection of %(date)s, %(result)s (code suspended)", **args)
    return _("%(code)s: inspection of %(date)s, %(result)s", **args)


def _overlaps(m: re.Match[str]) -> str:
    if m["others"] == "no other zone":
        return _("%(code)s overlaps no other zone", code=m["code"])
    return _("%(code)s overlaps %(others)s", code=m["code"], others=m["others"])


def _members(m: re.Match[str]) -> str:
    return _(
        "%(created)s members imported and %(changed)s updated from %(file)s",
        created=m["created"],
        changed=m["changed"],
        file=m["file"],
    )


def _attendance(m: re.Match[str]) -> str:
    n = int(m["n"])
    return ngettext("%(num)s attendance recorded", "%(num)s attendances recorded", n)


def _transformed(m: re.Match[str]) -> str:
    return _(
        "%(kind)s: %(inputs)s → %(outputs)s",
        kind=_word(_TRANSFORMATION_KINDS, m["kind"]).capitalize(),
        inputs=m["inputs"],
        outputs=m["outputs"],
    )


def _report(m: re.Match[str]) -> str:
    return _("Problem report no. %(number)s handled", number=m["number"])


def _epcis(m: re.Match[str]) -> str:
    return _(
        "EPCIS import: %(stored)s events kept, %(on_lots)s on lots, %(declared)s declared wrong",
        stored=m["stored"],
        on_lots=m["on_lots"],
        declared=m["declared"],
    )


def _flag_cleared(m: re.Match[str]) -> str:
    return _(
        "Flag of serial %(serial)s cleared (%(flag)s): %(reason)s",
        serial=m["serial"],
        flag=m["flag"],
        reason=m["reason"],
    )


def _certificate(m: re.Match[str]) -> str:
    # TRANSLATORS: a zone's certificate, e.g. "VN-PY-01: VietGAP certificate VG-0012".
    return _(
        "%(code)s: %(scheme)s certificate %(number)s",
        code=m["code"],
        scheme=_word(SCHEME_LABELS, m["scheme"]),
        number=m["number"],
    )


def _signing_key(m: re.Match[str]) -> str:
    return _("Audit records are signed with key %(key)s", key=m["key"])


_LOT = r"(?P<lot>\S+)"
#: The shapes the services write (their f-strings), each with how it is said again.
SHAPES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(rf"^(?P<step>[a-z_]+) on lot {_LOT}$"), _event),
    (
        re.compile(
            rf"^(?P<step>[a-z_]+) on lot {_LOT} declared "
            r"(?P<reason>did_not_occur|incorrect_data)(?P<partner> by a partner)?$"
        ),
        _declared,
    ),
    (
        re.compile(rf"^(?P<quantity>\S+ \S+) from (?P<name>.+) \((?P<zone>[^()]*)\) into {_LOT}$"),
        _delivery,
    ),
    (
        re.compile(
            rf"^(?P<count>\d+) (?P<kind>serialised|lot_copies) labels for lot {_LOT} "
            r"on (?P<template>.+)$"
        ),
        _issued,
    ),
    (
        re.compile(
            r"^(?P<count>\d+) labels voided \((?P<what>[^,]+), (?P<kind>[a-z_]+)\): "
            r"(?P<reason>.*)$",
            re.S,
        ),
        _voided,
    ),
    (
        re.compile(
            r"^run #(?P<number>\d+) printed as (?P<format>.+) \((?P<layout>.*)\), "
            r"time (?P<time>\d+)$"
        ),
        _printed,
    ),
    (re.compile(r"^recall #(?P<number>\d+): (?P<reason>.*)$", re.S), _recall),
    (
        re.compile(
            r"^(?P<code>.+): inspection of (?P<date>\d{4}-\d{2}-\d{2}) "
            r"(?P<result>pass|conditional|fail)(?P<suspended> \(suspended\))?$"
        ),
        _inspection,
    ),
    (re.compile(r"^(?P<code>\S+) overlaps (?P<others>.+)$"), _overlaps),
    (
        re.compile(
            r"^(?P<created>\d+) members imported, (?P<changed>\d+) updated from (?P<file>.+)$"
        ),
        _members,
    ),
    (re.compile(r"^(?P<n>\d+) attendance\(s\) recorded$"), _attendance),
    (
        re.compile(
            r"^(?P<kind>commingling|processing|grading|packing): (?P<inputs>.+) -> (?P<outputs>.+)$"
        ),
        _transformed,
    ),
    (re.compile(r"^problem report (?P<number>\d+) handled$"), _report),
    (
        re.compile(
            r"^EPCIS import: (?P<stored>\d+) kept, (?P<on_lots>\d+) on lots, "
            r"(?P<declared>\d+) declared wrong$"
        ),
        _epcis,
    ),
    (
        re.compile(
            r"^flag of serial (?P<serial>\S+) cleared \((?P<flag>.*?)\): (?P<reason>.*)$", re.S
        ),
        _flag_cleared,
    ),
    (re.compile(r"^audit records are signed with key (?P<key>\S+)$"), _signing_key),
    (
        re.compile(r"^(?P<code>\S+): (?P<scheme>vietgap|globalgap|organic|other) (?P<number>.+)$"),
        _certificate,
    ),
]


def said_again(summary: str) -> str | None:
    """The summary in the reader's language, or None when it has no known shape."""
    for pattern, say in SHAPES:
        found = pattern.match(summary)
        if found:
            return say(found)
    return None
