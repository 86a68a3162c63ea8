"""The member import's check: a dry run that names every problem by line and column, kept
with the import (rows to apply and a summary) until it is confirmed and applied
(:mod:`~traceapp.cooperatives.services.member_apply`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_number
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.cooperatives.models import (
    Member,
    MemberImport,
)
from traceapp.cooperatives.services.cooperative import get_cooperative
from traceapp.cooperatives.services.member_cells import HEADER_ALIASES, parse_cell
from traceapp.cooperatives.services.member_files import import_limits, read_table
from traceapp.cooperatives.services.members import (
    MEMBER_FIELD_LABELS,
    MEMBER_FIELDS,
    check_member,
    member_values,
)
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


@dataclass
class ImportRow:
    """One data line of an import file, with its problems."""

    line: int
    values: dict[str, Any]
    problems: list[dict[str, str]] = field(default_factory=list)
    #: The member this line updates (found by member number), or None for a new member.
    member_id: int | None = None
    #: What the line changes on that member: field -> (recorded value, the file's value).
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    #: Fields whose cells are blank: an update keeps what is recorded there.
    blank: set[str] = field(default_factory=set)

    @property
    def is_new(self) -> bool:
        """A member the register does not have yet."""
        return self.member_id is None


@dataclass
class ImportPreview:
    """What an import would do: every row and every problem, by line and column."""

    filename: str
    columns: dict[str, str]
    rows: list[ImportRow]
    unknown_columns: list[str]
    file_problems: list[str]
    import_id: int | None = None

    @property
    def problem_count(self) -> int:
        """Problems in rows plus problems with the file as a whole."""
        return sum(len(r.problems) for r in self.rows) + len(self.file_problems)

    @property
    def new_rows(self) -> list[ImportRow]:
        """Lines that register a new member."""
        return [r for r in self.rows if r.is_new]

    @property
    def updated_rows(self) -> list[ImportRow]:
        """Lines that change a registered member (each change shown before it is applied)."""
        return [r for r in self.rows if not r.is_new and r.changes]

    @property
    def unchanged_rows(self) -> list[ImportRow]:
        """Lines of registered members that the file does not change."""
        return [r for r in self.rows if not r.is_new and not r.changes]

    @property
    def ok(self) -> bool:
        """Whether every row can be imported."""
        return self.problem_count == 0 and bool(self.rows)

    def errors(self) -> dict[str, list[str]]:
        """Every problem by field, each message naming its line and column (for a refusal)."""
        errors: dict[str, list[str]] = {}
        for row in self.rows:
            for p in row.problems:
                errors.setdefault(p["field"], []).append(
                    line_problem(row.line, p["column"], p["message"])
                )
        if self.file_problems:
            errors.setdefault("file", []).extend(self.file_problems)
        return errors


def translated_headings() -> dict[str, str]:
    """Every member field's name in every language of the app (lower-cased) -> its field: a
    file made from the template (or a download of the list) in any language reads back."""
    found: dict[str, str] = {}
    for lang in current_app.config["TRACEAPP_LANGUAGES"]:
        with force_locale(lang):
            for key, label in MEMBER_FIELD_LABELS.items():
                found.setdefault(str(label).strip().lower(), key)
    return found


def line_problem(line: int, column: str, problem: str) -> str:
    """One problem of an import file, with its line number and column."""
    # TRANSLATORS: %(line)s is a line number of the uploaded file, %(column)s a column heading
    # of that file (or a field name), %(problem)s a sentence saying what is wrong.
    return _(
        "Line %(line)s, column “%(column)s”: %(problem)s", line=line, column=column, problem=problem
    )


def preview_member_import(
    actor: Actor, cooperative_id: int, filename: str, content: bytes
) -> ImportPreview:
    """Check a member file without importing it; keep it, when it has no problem, for
    :func:`~traceapp.cooperatives.services.member_apply.commit_member_import`."""
    preview = check_member_file(actor, cooperative_id, filename, content)
    if preview.ok:
        pending = MemberImport(
            cooperative_id=cooperative_id,
            created_by_id=getattr(actor, "id", None),
            filename=filename[:200],
            rows=[],
        )
        db.session.add(pending)
        keep_checked(pending, preview)
        db.session.flush()
        preview.import_id = pending.id
    return preview


def keep_checked(pending: MemberImport, preview: ImportPreview) -> None:
    """Keep a check's rows to apply and its summary on the import: the check is done."""
    pending.rows = [_pending_row(r) for r in preview.rows if r.is_new or r.changes]
    pending.summary = summarise(preview)
    pending.status, pending.phase = "done", "check"
    pending.total, pending.done = len(preview.rows), len(preview.rows)


#: Problems and changes kept in a check's summary (the counts cover them all).
SHOWN = 1000


def summarise(preview: ImportPreview) -> dict[str, Any]:
    """What a check found, as kept with the import for its page and the API."""
    problems = [{"line": r.line, **p} for r in preview.rows for p in r.problems][:SHOWN]
    changes = [
        {
            "line": r.line,
            "member_number": r.values.get("member_number"),
            "changes": audit.to_jsonable(
                {k: {"before": old, "after": new} for k, (old, new) in r.changes.items()}
            ),
        }
        for r in preview.updated_rows[:SHOWN]
    ]
    return {
        "ok": preview.ok,
        "rows": len(preview.rows),
        "new": len(preview.new_rows),
        "updated": len(preview.updated_rows),
        "unchanged": len(preview.unchanged_rows),
        "problem_count": preview.problem_count,
        "problems": problems,
        "changes": changes,
        "columns": preview.columns,
        "unknown_columns": preview.unknown_columns,
        "file_problems": preview.file_problems,
    }


def summary_errors(summary: dict[str, Any]) -> dict[str, list[str]]:
    """A kept check's problems by field, each naming its line and column (for a refusal)."""
    errors: dict[str, list[str]] = {}
    for p in summary.get("problems", []):
        errors.setdefault(p["field"], []).append(line_problem(p["line"], p["column"], p["message"]))
    if summary.get("file_problems"):
        errors.setdefault("file", []).extend(summary["file_problems"])
    return errors


def check_member_file(
    actor: Actor, cooperative_id: int, filename: str, content: bytes
) -> ImportPreview:
    """Every row of a member file and its problems, by line and column; nothing is written."""
    coop = get_cooperative(actor, cooperative_id)
    require(actor.can_write_cooperative(coop.id), _("You cannot import members here."))
    table = read_table(filename, content)
    while table and not any(c.strip() for c in table[-1]):
        table.pop()
    file_problems: list[str] = []
    if not table:
        raise ValidationFailed.field("file", _("The file has no rows."))
    headers = [h.strip() for h in table[0]]
    columns: dict[str, str] = {}
    unknown: list[str] = []
    index: dict[int, str] = {}
    for i, heading in enumerate(headers):
        if not heading:
            continue
        key = next((k for k, names in HEADER_ALIASES.items() if heading.lower() in names), None)
        key = key or translated_headings().get(heading.lower())
        if key is None:
            unknown.append(heading)
        elif key in columns:
            # TRANSLATORS: %(first)s and %(second)s are column headings of the uploaded file,
            # %(field)s the name of the member field both of them stand for.
            file_problems.append(
                _(
                    "The columns “%(first)s” and “%(second)s” are both for “%(field)s”.",
                    first=columns[key],
                    second=heading,
                    field=MEMBER_FIELD_LABELS[key],
                )
            )
        else:
            columns[key] = heading
            index[i] = key
    if "full_name" not in columns:
        # TRANSLATORS: "Họ và tên" and "full_name" are headings the file may use: keep them.
        file_problems.append(_("No column for the member's full name (Họ và tên / full_name)."))
    data_rows = table[1:]
    most = import_limits().rows
    if len(data_rows) > most:
        file_problems.append(_("At most %(num)s members per file.", num=format_number(most)))
        data_rows = data_rows[:most]
    rows: list[ImportRow] = []
    seen_numbers: dict[str, int] = {}
    registered = _registered(
        coop.id, data_rows, [i for i, k in index.items() if k == "member_number"]
    )
    this_year = local_today().year
    for offset, cells in enumerate(data_rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        row = ImportRow(line=offset, values={})
        for i, key in index.items():
            text = cells[i] if i < len(cells) else ""
            if not text.strip():
                row.blank.add(key)
            try:
                row.values[key] = parse_cell(key, text)
            except ValueError as exc:
                row.problems.append({"column": columns[key], "field": key, "message": str(exc)})
        values = member_values(row.values)
        existing = registered.get(values.get("member_number") or "")
        for key, messages in _check_line(row, values, coop.id, existing, this_year).items():
            for message in messages:
                row.problems.append(
                    {"column": columns.get(key, key), "field": key, "message": message}
                )
        number = values.get("member_number")
        if number:
            if number in seen_numbers:
                row.problems.append(
                    {
                        "column": columns["member_number"],
                        "field": "member_number",
                        "message": _(
                            "Number %(number)s is also on line %(line)s.",
                            number=number,
                            line=seen_numbers[number],
                        ),
                    }
                )
            seen_numbers.setdefault(number, offset)
        row.values = values
        rows.append(row)
    if not rows and not file_problems:
        file_problems.append(_("The file has a heading row but no members."))
    return ImportPreview(
        filename=filename,
        columns=columns,
        rows=rows,
        unknown_columns=unknown,
        file_problems=file_problems,
    )


def _registered(
    cooperative_id: int, data_rows: list[list[str]], at: list[int]
) -> dict[str, Member]:
    """The cooperative's members whose numbers the file names, by number."""
    numbers = {cells[at[0]].strip() for cells in data_rows if at and at[0] < len(cells)} - {""}
    if not numbers:
        return {}
    found: dict[str, Member] = {}
    ordered = sorted(numbers)
    for first in range(0, len(ordered), LOOKUP):
        for member in db.session.scalars(
            sa.select(Member).where(
                Member.cooperative_id == cooperative_id,
                Member.member_number.in_(ordered[first : first + LOOKUP]),
            )
        ):
            found[member.member_number] = member
    return found


#: Member numbers looked up per query (SQLite bounds the parameters of one statement).
LOOKUP = 5000


def _check_line(
    row: ImportRow,
    values: dict[str, Any],
    cooperative_id: int,
    existing: Member | None,
    this_year: int,
) -> dict[str, list[str]]:
    """A line's problems; for a registered member, what the line would change (a blank cell
    changes nothing: nothing recorded is cleared by an empty cell)."""
    # Every number of the file was looked up at once (_registered): no query per line.
    if existing is None:
        return check_member(values, cooperative_id, clash_checked=True, this_year=this_year)
    row.member_id = existing.id
    update = {k: v for k, v in values.items() if k not in row.blank and k != "member_number"}
    merged = {k: getattr(existing, k) for k in MEMBER_FIELDS} | update
    for key, value in update.items():
        before = getattr(existing, key)
        if before != value:
            row.changes[key] = (before, value)
    return check_member(
        merged, cooperative_id, existing=existing, clash_checked=True, this_year=this_year
    )


def _pending_row(row: ImportRow) -> dict[str, Any]:
    """A checked line as kept until it is confirmed: a new member's values, or a member's id
    with the values it had and the ones it gets."""
    if row.is_new:
        return {"line": row.line, "values": audit.to_jsonable(row.values)}
    return {
        "line": row.line,
        "member_id": row.member_id,
        "values": audit.to_jsonable({k: new for k, (_old, new) in row.changes.items()}),
        "before": audit.to_jsonable({k: old for k, (old, _new) in row.changes.items()}),
    }
