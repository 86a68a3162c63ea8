"""Applying a checked member file: checked again as a whole before anything is written, then
written a slice of rows at a time, set-based (one INSERT and one UPDATE per slice, one audit
record per slice naming every member it created or changed).

A slice and the count of rows applied are written in the same transaction, so a job resumed
after its worker died goes on after the last slice kept and never registers a member twice.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_ref
from traceapp.cooperatives.models import Gender, Member, MemberImport, MemberRole
from traceapp.cooperatives.services.cooperative import get_cooperative
from traceapp.cooperatives.services.member_import import LOOKUP, line_problem
from traceapp.cooperatives.services.members import MEMBER_FIELD_LABELS, member_values
from traceapp.cooperatives.services.numbering import allocate_member_number
from traceapp.database import now_utc
from traceapp.errors import ValidationFailed
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

#: Rows applied per write transaction (and per progress report).
SLICE = 1000


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for key in ("joined_on", "left_on"):
        if values.get(key):
            values[key] = dt.date.fromisoformat(values[key])
    return member_values(values)


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + LOOKUP] for i in range(0, len(items), LOOKUP)]


def _number_problem(line: int, message: str) -> str:
    return line_problem(line, str(MEMBER_FIELD_LABELS["member_number"]), message)


def stale_rows(cooperative_id: int, items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Why rows of a checked file cannot be applied any more, by field (set-based): a new
    member's number now in use, a member gone or changed since the check (nothing is
    overwritten that changed since)."""
    problems: dict[str, list[str]] = {}
    new = [i for i in items if not i.get("member_id") and i["values"].get("member_number")]
    taken: set[str] = set()
    for chunk in _chunks([i["values"]["member_number"] for i in new]):
        taken.update(
            db.session.scalars(
                sa.select(Member.member_number).where(
                    Member.cooperative_id == cooperative_id, Member.member_number.in_(chunk)
                )
            )
        )
    for item in new:
        number = item["values"]["member_number"]
        if number in taken:
            problems.setdefault("member_number", []).append(
                _number_problem(
                    item["line"], _("Member number %(number)s is already in use.", number=number)
                )
            )
    updates = [i for i in items if i.get("member_id")]
    members = _members(cooperative_id, [i["member_id"] for i in updates])
    for item in updates:
        member = members.get(item["member_id"])
        if member is None:
            message = _("The member of this line is no longer registered.")
        elif audit.to_jsonable({k: member[k] for k in item["before"]}) != item["before"]:
            message = _("The member was changed since the file was checked: check the file again.")
        else:
            continue
        problems.setdefault("member_number", []).append(_number_problem(item["line"], message))
    return problems


def _members(cooperative_id: int, ids: list[int]) -> dict[int, Any]:
    """The cooperative's members of these ids, as plain rows (no ORM objects: a slice of a
    big file names thousands)."""
    found: dict[int, Any] = {}
    table = cast(sa.Table, Member.__table__)
    for chunk in _chunks(ids):
        for row in db.session.execute(
            sa.select(table).where(table.c.cooperative_id == cooperative_id, table.c.id.in_(chunk))
        ).mappings():
            found[row["id"]] = row
    return found


def _new_member(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for key, default in (
        ("gender", Gender.UNSPECIFIED),
        ("role", MemberRole.HOUSEHOLD),
        ("public_name_consent", False),
    ):
        if values.get(key) is None:
            values[key] = default
    return values


def apply_slice(
    actor: Actor, pending: MemberImport, items: list[dict[str, Any]], first: int
) -> tuple[int, int]:
    """Apply a slice of a checked import's rows (``items``, from row ``first``) in the
    caller's transaction: one INSERT of the new members, one UPDATE of the changed ones, one
    audit record; returns (created, changed)."""
    coop_id = pending.cooperative_id
    table = cast(sa.Table, Member.__table__)
    created: list[dict[str, Any]] = []
    for item in items:
        if item.get("member_id"):
            continue
        values = _new_member(_typed(item["values"]))
        if not values.get("member_number"):
            values["member_number"] = allocate_member_number(coop_id)
        created.append(values)
    if created:
        # Core executemany, one statement for the slice (each row gets every column, so that
        # the column defaults fill the same ones for all).
        keys = {k for values in created for k in values}
        db.session.execute(
            sa.insert(table),
            [{"cooperative_id": coop_id, **dict.fromkeys(keys), **v} for v in created],
        )
    updates = [i for i in items if i.get("member_id")]
    members = _members(coop_id, [i["member_id"] for i in updates])
    changed: dict[str, Any] = {}
    now = now_utc()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in updates:
        member = members[item["member_id"]]
        values = _typed(item["values"])
        changed[member["member_number"]] = {
            k: {"before": item["before"].get(k), "after": v} for k, v in item["values"].items()
        }
        groups.setdefault(tuple(sorted(values)), []).append(
            {"_id": member["id"], "updated_at": now, **values}
        )
    for rows in groups.values():  # one executemany per set of fields changed
        # The SET clause is made of the rows' keys that name columns.
        db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("_id")), rows)
    audit.record(
        actor,
        "member.import",
        pending,
        summary=(
            f"{pending.filename}, rows {first + 1}-{first + len(items)}: "
            f"{len(created)} members imported, {len(updates)} updated"
        ),
        changes={
            "created": {
                v["member_number"]: {k: x for k, x in v.items() if x is not None} for v in created
            },
            "updated": changed,
        },
    )
    return len(created), len(updates)


def confirmed_import(actor: Actor, cooperative_id: int, import_id: int) -> MemberImport:
    """The checked import a manager confirms (refused if unknown, unchecked or applied)."""
    coop = get_cooperative(actor, cooperative_id)
    require(actor.can_write_cooperative(coop.id), _("You cannot import members here."))
    pending = scoped_ref(
        MemberImport,
        import_id,
        actor,
        "import_id",
        cooperative_id=coop.id,
        message=_("That import is unknown."),
        for_update=True,
    )
    if pending.imported_at is not None or pending.phase != "check":
        raise ValidationFailed.field("import_id", _("This file was already imported."))
    if pending.status != "done" or not (pending.summary or {}).get("ok", True):
        raise ValidationFailed.field("import_id", _("This file has not been checked."))
    return pending


def commit_member_import(actor: Actor, cooperative_id: int, import_id: int) -> int:
    """Import every member of a checked file and apply every change it makes to registered
    members, or nothing, in the caller's transaction; returns how many rows were applied."""
    pending = confirmed_import(actor, cooperative_id, import_id)
    problems = stale_rows(pending.cooperative_id, pending.rows)
    if problems:
        raise ValidationFailed(_("Nothing was imported: some rows are no longer valid."), problems)
    created = changed = 0
    items = pending.rows
    for first in range(0, len(items), SLICE):
        made, edited = apply_slice(actor, pending, items[first : first + SLICE], first)
        created, changed = created + made, changed + edited
    pending.total = len(items)
    mark_applied(pending, created + changed)
    return created + changed


def mark_applied(pending: MemberImport, count: int) -> None:
    """The import is applied: it cannot be confirmed again."""
    pending.imported_at = pending.finished_at = now_utc()
    pending.imported_count = count
    pending.phase, pending.status = "apply", "done"
    pending.done = pending.total or 0
