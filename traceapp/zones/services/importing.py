"""Many zone codes from one file: the dry run that names each row's problems by field and
shows what each code would change, and the import, which registers a new code and updates
one the cooperative already holds (by code, so a resumed import never registers twice).

The rules are those of one zone (:func:`check_zone`, :func:`create_zone`,
:func:`update_zone`): the code scheme of the cooperative's country, a code registered once,
provinces of that country, the outline's checks. A blank cell of an update keeps what is
recorded.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.cooperatives.models import Cooperative, Member
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.zones.import_files import SourceRow
from traceapp.zones.models import Zone
from traceapp.zones.services.checks import (
    EDITABLE_WHEN_LOCKED,
    ZONE_FIELDS,
    already_registered,
    check_zone,
    coerce,
)
from traceapp.zones.services.registration import (
    _changes,
    _current,
    create_zones,
    update_zone,
)
from traceapp.zones.services.status import is_locked

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

#: How many rows' changes and problems a job keeps to show.
SHOWN = 500


@dataclass
class RowPlan:
    """What one row would do: register a new code, or change these fields of a held one."""

    row: int
    code: str | None
    zone_id: int | None = None
    #: field -> [recorded value, the file's value], as text.
    changes: dict[str, list[str]] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """new, updated or unchanged."""
        if self.zone_id is None:
            return "new"
        return "updated" if self.changes else "unchanged"


def member_numbers(cooperative_id: int) -> dict[str, int]:
    """The cooperative's members by member number (files name members by number)."""
    rows = db.session.execute(
        sa.select(Member.member_number, Member.id).where(Member.cooperative_id == cooperative_id)
    )
    return {number.strip().upper(): ident for number, ident in rows}


def _data(row: SourceRow, members: dict[str, int], problems: list[tuple[str, str]]) -> dict:
    """The row's values as the zone services take them (members by id)."""
    data = {k: v for k, v in row.values.items() if k != "members"}
    if "members" in row.values:
        ids = []
        for number in row.values["members"]:
            ident = members.get(number.strip().upper())
            if ident is None:
                problems.append(("members", _("No member numbered %(n)s.", n=number)))
            else:
                ids.append(ident)
        data["member_ids"] = ids
    return data


def _field_name(row: SourceRow, key: str) -> str:
    """A field as the file names it."""
    return {"member_ids": "members", "geometry": row.geometry_source}.get(key, key)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.date | decimal.Decimal | int | float):
        return str(value)
    if isinstance(value, dict):
        return str(value.get("type", ""))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _existing(codes: list[str]) -> dict[str, Zone]:
    if not codes:
        return {}
    found = db.session.execute(sa.select(Zone).where(Zone.code.in_(codes))).scalars()
    return {z.code: z for z in found}


def plan_rows(
    actor: Actor,
    cooperative_id: int,
    rows: list[SourceRow],
    members: dict[str, int],
    seen: dict[str, int],
) -> list[RowPlan]:
    """Check a slice of rows without writing anything. ``seen``: code -> row number of the
    rows checked so far (a code twice in a file is a problem of its second row)."""
    codes = [str(r.values.get("code") or "").strip().upper() for r in rows]
    held = _existing([c for c in codes if c])
    registered = {code: zone.id for code, zone in held.items()}
    # Held while the slice is checked: the session keeps loaded objects only while they are
    # referenced, and each row's check would read the cooperative again.
    coop = db.session.get(Cooperative, cooperative_id)
    plans = []
    for row, code in zip(rows, codes, strict=True):
        plan = RowPlan(row.row, code or None)
        plans.append(plan)
        found: list[tuple[str, str]] = list(row.problems)
        data = _data(row, members, found)
        zone = held.get(code)
        if code and code in seen:
            found.append(
                ("code", _("The code %(code)s is also in row %(n)s.", code=code, n=seen[code]))
            )
        elif code:
            seen[code] = row.row
        if zone is not None and zone.cooperative_id != cooperative_id:
            found.append(("code", already_registered(code)))
        elif not any(f == "code" for f, _m in found):
            try:
                if zone is None:
                    _check_new(actor, cooperative_id, data, registered)
                else:
                    plan.zone_id = zone.id
                    plan.changes = _check_update(actor, zone, data, registered)
            except ValidationFailed as exc:
                for key, messages in exc.errors.items():
                    found.extend((key, str(m)) for m in messages)
                if not exc.errors:
                    found.append(("code", exc.message))
        seen_keys: set[tuple[str, str]] = set()
        for key, message in found:
            name = _field_name(row, key)
            if (name, message) not in seen_keys:
                seen_keys.add((name, message))
                plan.problems.append({"row": row.row, "field": name, "message": message})
    del coop
    return plans


def _check_new(
    actor: Actor, cooperative_id: int, data: dict[str, Any], registered: dict[str, int]
) -> None:
    values, errors = coerce(data)
    values.setdefault("member_ids", [])
    check_zone(actor, values, cooperative_id, None, errors, registered)


def _filled(data: dict[str, Any]) -> dict[str, Any]:
    """The cells an update takes: a blank one keeps what is recorded."""
    return {k: v for k, v in data.items() if v not in (None, "") and k in ZONE_FIELDS}


def _check_update(
    actor: Actor, zone: Zone, data: dict[str, Any], registered: dict[str, int]
) -> dict[str, list[str]]:
    values, errors = coerce(_filled(data))
    changed = {k: v for k, v in values.items() if _changes(zone, k, v)}
    if is_locked(zone):
        locked = sorted(k for k in changed if k not in EDITABLE_WHEN_LOCKED)
        locked += sorted(k for k in errors if k not in EDITABLE_WHEN_LOCKED and k not in locked)
        if locked:
            raise ValidationFailed(
                _("The zone code could not be saved."),
                {k: [_("Locked once the code was submitted.")] for k in locked},
            )
        if errors:
            raise ValidationFailed(_("The zone code could not be saved."), errors)
    else:
        merged = {k: _current(zone, k) for k in ZONE_FIELDS if k != "member_ids"} | values
        check_zone(actor, merged, zone.cooperative_id, zone, errors, registered)
    return {k: [_shown(_current(zone, k)), _shown(v)] for k, v in changed.items()}


def apply_rows(
    actor: Actor, cooperative_id: int, rows: list[SourceRow], members: dict[str, int]
) -> Counter[str]:
    """Register or update the zones of a slice of rows (the caller commits); a row that no
    longer passes the checks raises ValidationFailed naming its row and field."""
    counts: Counter[str] = Counter()
    codes = [str(r.values.get("code") or "").strip().upper() for r in rows]
    held = _existing([c for c in codes if c])
    coop = db.session.get(Cooperative, cooperative_id)  # held: see plan_rows
    fresh: list[tuple[SourceRow, dict[str, Any]]] = []
    for row, code in zip(rows, codes, strict=True):
        problems: list[tuple[str, str]] = list(row.problems)
        data = _data(row, members, problems)
        zone = held.get(code)
        try:
            if problems:
                raise ValidationFailed("", {problems[0][0]: [problems[0][1]]})
            if zone is None:
                fresh.append((row, data))
            elif zone.cooperative_id != cooperative_id:
                raise ValidationFailed.field("code", already_registered(code))
            else:
                filled = _filled(data)
                values, _errors = coerce(filled)
                changed = any(_changes(zone, k, v) for k, v in values.items())
                update_zone(actor, zone, **filled)
                counts["updated" if changed else "unchanged"] += 1
        except ValidationFailed as exc:
            raise _named(row, exc) from None
    if fresh:
        create_zones(
            actor,
            cooperative_id,
            [data for _row, data in fresh],
            lambda index, exc: _named(fresh[index][0], exc),
            {code: zone.id for code, zone in held.items()},
        )
        counts["created"] += len(fresh)
    del coop
    return counts


def _named(row: SourceRow, exc: ValidationFailed) -> ValidationFailed:
    """A row's refusal, its message naming the row and field."""
    key, messages = next(iter(exc.errors.items()), ("code", [exc.message]))
    return ValidationFailed(
        row_problem(row.row, _field_name(row, key), str(messages[0])), exc.errors
    )


def row_problem(row: int, field_name: str, message: str) -> str:
    """One problem of a file, with its row and field."""
    # TRANSLATORS: %(row)s is a row (line or feature) number of the file; %(field)s a column.
    return _("Row %(row)s, %(field)s: %(message)s", row=row, field=field_name, message=message)
