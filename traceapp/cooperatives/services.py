"""Cooperatives and members: creation, edits, numbering, and the all-or-nothing file import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_ref
from traceapp.cooperatives.models import (
    Cooperative,
    Counter,
    Gender,
    Member,
    MemberImport,
    MemberRole,
)
from traceapp.core import gdst_codes
from traceapp.core.inputs import NOT_TEXT_MESSAGE, blank_to_none, is_digits, is_text
from traceapp.database import local_today, now_utc
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media.services import store_image

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

log = logging.getLogger(__name__)

MEMBER_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().-]{6,18}[0-9]$")
SHORT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
FLAG_RE = re.compile(r"^[A-Z]{2,3}$")

COOPERATIVE_FIELDS = (
    "name",
    "short_code",
    "registration_number",
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
    "human_welfare_policy",
)
MEMBER_FIELDS = (
    "member_number",
    "full_name",
    "gender",
    "birth_year",
    "village",
    "commune",
    "phone",
    "role",
    "vessel_registration",
    "vessel_name",
    "flag_state",
    "imo_number",
    "joined_on",
    "left_on",
    "public_name_consent",
    "notes",
)
#: How a member field is named to the reader (import problems found after the file is gone).
MEMBER_FIELD_LABELS = {
    "member_number": _l("Member number"),
    "full_name": _l("Full name"),
    "gender": _l("Gender"),
    "birth_year": _l("Birth year"),
    "village": _l("Village"),
    "commune": _l("Commune"),
    "phone": _l("Phone"),
    "role": _l("Role"),
    "vessel_registration": _l("Vessel registration"),
    "vessel_name": _l("Vessel name"),
    "flag_state": _l("Flag state"),
    "imo_number": _l("IMO number"),
    "joined_on": _l("Joined on"),
    "left_on": _l("Left on"),
    "public_name_consent": _l("Name on public pages"),
    "notes": _l("Notes"),
}
#: Largest member file accepted, in bytes.
MAX_IMPORT_BYTES = 8 * 1024 * 1024


# --- numbering ------------------------------------------------------------------------------


def next_counter_value(cooperative_id: int, name: str) -> int:
    """Draw the next value of a cooperative's named sequence, holding its row lock.

    Safe under concurrent requests: PostgreSQL locks the row (FOR UPDATE) and SQLite's write
    transaction is exclusive. A rollback returns the number, so sequences stay gapless.
    """
    stmt = (
        sa.select(Counter)
        .where(Counter.cooperative_id == cooperative_id, Counter.name == name)
        .with_for_update()
    )
    counter = db.session.execute(stmt).scalar_one_or_none()
    if counter is None:
        # A declarative class's __table__ is typed as any FromClause; this one is a Table.
        insert = _insert_ignore(cast(sa.Table, Counter.__table__)).values(
            cooperative_id=cooperative_id, name=name, value=0
        )
        db.session.execute(insert)
        counter = db.session.execute(stmt).scalar_one()
    counter.value += 1
    db.session.flush()
    return counter.value


def _insert_ignore(table: sa.Table) -> sa.Insert:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def allocate_member_number(cooperative_id: int) -> str:
    """The next free member number of the cooperative, as four digits or more."""
    while True:
        number = f"{next_counter_value(cooperative_id, 'member'):04d}"
        taken = db.session.execute(
            sa.select(Member.id).where(
                Member.cooperative_id == cooperative_id, Member.member_number == number
            )
        ).first()
        if taken is None:
            return number


# --- cooperatives -----------------------------------------------------------------------------


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
    if not values.get("province"):
        errors["province"] = [_("Enter the province.")]
    if values.get("phone") and not PHONE_RE.match(values["phone"]):
        errors["phone"] = [_("Enter a phone number of digits, spaces and an optional +.")]
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
    if "show_women_share" in values:
        values["show_women_share"] = bool(values["show_women_share"])
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


# --- members --------------------------------------------------------------------------------


def imo_is_valid(imo: str) -> bool:
    """IMO ship numbers: seven digits, the last a check digit over weights 7..2."""
    digits = imo.removeprefix("IMO").strip()
    if not re.fullmatch(r"\d{7}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


def check_member(
    values: dict[str, Any], cooperative_id: int, existing: Member | None = None
) -> dict[str, list[str]]:
    """Every problem of a member's data, by field (empty when it may be saved)."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not values.get("full_name"):
        add("full_name", _("Enter the member's full name."))
    elif len(values["full_name"]) > 120:
        add("full_name", _("At most %(num)s characters.", num=format_number(120)))
    number = values.get("member_number")
    if number:
        if not MEMBER_NUMBER_RE.match(number):
            add("member_number", _("1 to 20 letters, digits, dots, dashes or slashes."))
        else:
            clash = db.session.execute(
                sa.select(Member.id).where(
                    Member.cooperative_id == cooperative_id, Member.member_number == number
                )
            ).first()
            if clash is not None and (existing is None or clash.id != existing.id):
                add(
                    "member_number", _("Member number %(number)s is already in use.", number=number)
                )
    year = values.get("birth_year")
    this_year = local_today().year
    if year is not None and not (1900 <= year <= this_year):
        # TRANSLATORS: %(first)s and %(last)s are years (1900 and the current year), written
        # without any thousands separator.
        add(
            "birth_year",
            _("Enter a year between %(first)s and %(last)s.", first=1900, last=this_year),
        )
    if values.get("phone") and not PHONE_RE.match(values["phone"]):
        add("phone", _("Enter a phone number of digits, spaces and an optional +."))
    if values.get("flag_state") and not FLAG_RE.match(values["flag_state"]):
        add("flag_state", _("Use the ISO 3166 country code, such as VN or VNM."))
    if values.get("imo_number") and not imo_is_valid(values["imo_number"]):
        add("imo_number", _("An IMO number has 7 digits and a valid check digit."))
    joined, left = values.get("joined_on"), values.get("left_on")
    if joined and left and left < joined:
        add("left_on", _("The leaving date is before the joining date."))
    return errors


def _member_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: blank_to_none(data[k]) for k in MEMBER_FIELDS if k in data}
    for key in ("flag_state", "vessel_registration"):
        if values.get(key):
            values[key] = values[key].upper()
    if values.get("imo_number"):
        values["imo_number"] = values["imo_number"].upper().removeprefix("IMO").strip()
    if isinstance(values.get("gender"), str):
        values["gender"] = Gender(values["gender"])
    if isinstance(values.get("role"), str):
        values["role"] = MemberRole(values["role"])
    return values


def get_cooperative(actor: Actor, cooperative_id: int) -> Cooperative:
    """A cooperative the actor may see, or NotFound."""
    from traceapp.auth.permissions import get_scoped

    return get_scoped(Cooperative, cooperative_id, actor)


def create_member(actor: Actor, cooperative_id: int, **data: Any) -> Member:
    """Register a member; a number is allocated when none is given."""
    coop = get_cooperative(actor, cooperative_id)
    require(actor.can_write_cooperative(coop.id), _("You cannot add members to this cooperative."))
    values = _member_values(data)
    values.setdefault("gender", Gender.UNSPECIFIED)
    values.setdefault("role", MemberRole.HOUSEHOLD)
    if values.get("gender") is None:
        values["gender"] = Gender.UNSPECIFIED
    if values.get("role") is None:
        values["role"] = MemberRole.HOUSEHOLD
    if values.get("public_name_consent") is None:
        values["public_name_consent"] = False
    errors = check_member(values, coop.id)
    if errors:
        raise ValidationFailed(_("The member could not be saved."), errors)
    if not values.get("member_number"):
        values["member_number"] = allocate_member_number(coop.id)
    member = Member(cooperative_id=coop.id, **values)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "member.create", member, changes=audit.created(member))
    return member


def update_member(actor: Actor, member: Member, **data: Any) -> Member:
    """Change a member's details; the member number stays unique."""
    require(actor.can_write_cooperative(member.cooperative_id), _("You cannot edit this member."))
    values = _member_values(data)
    if "member_number" in values and not values["member_number"]:
        raise ValidationFailed.field("member_number", _("A member keeps a member number."))
    for key in ("gender", "role", "public_name_consent"):
        if key in values and values[key] is None:
            values.pop(key)
    merged = {k: getattr(member, k) for k in MEMBER_FIELDS} | values
    errors = check_member(merged, member.cooperative_id, existing=member)
    if errors:
        raise ValidationFailed(_("The member could not be saved."), errors)
    audit.apply_changes(actor, member, values, "member.update")
    return member


def member_search(stmt: sa.Select[Any], q: str | None) -> sa.Select[Any]:
    """Filter members by name, number, village, phone or vessel."""
    q = (q or "").strip()
    if not q:
        return stmt
    like = f"%{q.lower()}%"
    return stmt.where(
        sa.or_(
            sa.func.lower(Member.full_name).like(like),
            sa.func.lower(Member.member_number).like(like),
            sa.func.lower(Member.village).like(like),
            Member.phone.like(f"%{q}%"),
            sa.func.lower(Member.vessel_registration).like(like),
        )
    )


# --- import -------------------------------------------------------------------------------

#: Accepted column headings (lower-cased, accents kept) for each member field.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "member_number": (
        "member_number",
        "member number",
        "mã hội viên",
        "mã thành viên",
        "số thẻ",
        "ma hoi vien",
        "stt",
    ),
    "full_name": ("full_name", "full name", "name", "họ và tên", "họ tên", "ho va ten", "ho ten"),
    "gender": ("gender", "sex", "giới tính", "gioi tinh"),
    "birth_year": ("birth_year", "birth year", "năm sinh", "nam sinh"),
    "village": ("village", "thôn", "thôn/xóm", "xóm", "thon", "ấp"),
    "commune": ("commune", "xã", "xa", "xã/phường"),
    "phone": ("phone", "điện thoại", "số điện thoại", "sđt", "dien thoai", "so dien thoai"),
    "role": ("role", "vai trò", "vai tro"),
    "vessel_registration": (
        "vessel_registration",
        "vessel registration",
        "số đăng ký tàu",
        "số hiệu tàu",
        "so dang ky tau",
    ),
    "vessel_name": ("vessel_name", "vessel name", "tên tàu", "ten tau"),
    "flag_state": ("flag_state", "flag state", "quốc tịch tàu"),
    "imo_number": ("imo_number", "imo", "imo number", "số imo"),
    "joined_on": ("joined_on", "joined", "ngày vào", "ngày gia nhập", "ngay gia nhap"),
    "left_on": ("left_on", "left", "ngày ra", "ngày rời", "ngay roi"),
    "public_name_consent": (
        "public_name_consent",
        "consent",
        "đồng ý công khai tên",
        "công khai tên",
        "dong y cong khai",
    ),
    "notes": ("notes", "ghi chú", "ghi chu"),
}
_GENDER_WORDS = {
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "nữ": Gender.FEMALE,
    "nu": Gender.FEMALE,
    "woman": Gender.FEMALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "nam": Gender.MALE,
    "man": Gender.MALE,
    "other": Gender.OTHER,
    "khác": Gender.OTHER,
    "": Gender.UNSPECIFIED,
}
_ROLE_WORDS = {
    "hộ gia đình": MemberRole.HOUSEHOLD,
    "hộ": MemberRole.HOUSEHOLD,
    "chủ tàu": MemberRole.VESSEL_OWNER,
    "ngư dân": MemberRole.FISHER,
    "nông dân": MemberRole.FARMER,
    "chế biến": MemberRole.PROCESSOR,
    "khác": MemberRole.OTHER,
}
_YES = {"1", "yes", "y", "true", "có", "co", "x", "đồng ý", "dong y"}
_NO = {"0", "no", "n", "false", "không", "khong", ""}
MAX_IMPORT_ROWS = 5000


@dataclass
class ImportRow:
    """One data line of an import file, with its problems."""

    line: int
    values: dict[str, Any]
    problems: list[dict[str, str]] = field(default_factory=list)


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


def line_problem(line: int, column: str, problem: str) -> str:
    """One problem of an import file, with its line number and column."""
    # TRANSLATORS: %(line)s is a line number of the uploaded file, %(column)s a column heading
    # of that file (or a field name), %(problem)s a sentence saying what is wrong.
    return _(
        "Line %(line)s, column “%(column)s”: %(problem)s", line=line, column=column, problem=problem
    )


def _read_table(filename: str, content: bytes) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            log.info("unreadable XLSX member file %r: %s", filename, exc)
            raise ValidationFailed.field(
                "file",
                _(
                    "The XLSX file cannot be read. Save it again from the spreadsheet program, or "
                    "save it as CSV, and upload it again."
                ),
            ) from None
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else _cell_text(v) for v in row])
            if len(rows) > MAX_IMPORT_ROWS + 1:
                break
        book.close()
        return rows
    if name.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "cp1258", "latin-1"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        sample = text[:4096]
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))
    raise ValidationFailed.field("file", _("Upload a .csv or .xlsx file."))


def _cell_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    # TRANSLATORS: the two dates show the formats a file may use: keep them as they are.
    raise ValueError(_("Write dates as 2024-03-31 or 31/03/2024."))


def _parse_cell(key: str, text: str) -> Any:
    text = text.strip()
    if not is_text(text):  # a CSV may hold NUL bytes, which no text column takes
        raise ValueError(str(NOT_TEXT_MESSAGE))
    if key == "gender":
        word = text.lower()
        if word in _GENDER_WORDS:
            return _GENDER_WORDS[word]
        # TRANSLATORS: Nam/Nữ and male/female are the words the file may hold: keep them.
        raise ValueError(_("Write Nam/Nữ (or male/female)."))
    if key == "role":
        word = text.lower()
        if not word:
            return MemberRole.HOUSEHOLD
        if word in _ROLE_WORDS:
            return _ROLE_WORDS[word]
        try:
            return MemberRole(word.replace(" ", "_"))
        except ValueError:
            raise ValueError(_("Unknown role.")) from None
    if key == "public_name_consent":
        word = text.lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        # TRANSLATORS: yes/no and có/không are the words the file may hold: keep them.
        raise ValueError(_("Write yes/no (có/không)."))
    if not text:
        return None
    if key == "birth_year":
        if not is_digits(text) or len(text) != 4:
            raise ValueError(_("Write the year as four digits."))
        return int(text)
    if key in ("joined_on", "left_on"):
        return _parse_date(text)
    return text


def preview_member_import(
    actor: Actor, cooperative_id: int, filename: str, content: bytes
) -> ImportPreview:
    """Check a member file without importing it; keep it for :func:`commit_member_import`."""
    coop = get_cooperative(actor, cooperative_id)
    require(actor.can_write_cooperative(coop.id), _("You cannot import members here."))
    table = _read_table(filename, content)
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
    if len(data_rows) > MAX_IMPORT_ROWS:
        file_problems.append(
            _("At most %(num)s members per file.", num=format_number(MAX_IMPORT_ROWS))
        )
        data_rows = data_rows[:MAX_IMPORT_ROWS]
    rows: list[ImportRow] = []
    seen_numbers: dict[str, int] = {}
    for offset, cells in enumerate(data_rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        row = ImportRow(line=offset, values={})
        for i, key in index.items():
            text = cells[i] if i < len(cells) else ""
            try:
                row.values[key] = _parse_cell(key, text)
            except ValueError as exc:
                row.problems.append({"column": columns[key], "field": key, "message": str(exc)})
        values = _member_values(row.values)
        for key, messages in check_member(values, coop.id).items():
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
    preview = ImportPreview(
        filename=filename,
        columns=columns,
        rows=rows,
        unknown_columns=unknown,
        file_problems=file_problems,
    )
    if preview.ok:
        pending = MemberImport(
            cooperative_id=coop.id,
            created_by_id=getattr(actor, "id", None),
            filename=filename[:200],
            rows=[{"line": r.line, "values": audit.to_jsonable(r.values)} for r in rows],
        )
        db.session.add(pending)
        db.session.flush()
        preview.import_id = pending.id
    return preview


def commit_member_import(actor: Actor, cooperative_id: int, import_id: int) -> list[Member]:
    """Import every member of a checked file, or none: any problem refuses the whole file."""
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
    if pending.imported_at is not None:
        raise ValidationFailed.field("import_id", _("This file was already imported."))
    rows: list[dict[str, Any]] = []
    problems: dict[str, list[str]] = {}
    for item in pending.rows:
        values = dict(item["values"])
        for key in ("joined_on", "left_on"):
            if values.get(key):
                values[key] = dt.date.fromisoformat(values[key])
        values = _member_values(values)
        # Checked again before anything is written: the register may have changed.
        for key, messages in check_member(values, coop.id).items():
            problems.setdefault(key, []).extend(
                line_problem(item["line"], MEMBER_FIELD_LABELS.get(key, key), message)
                for message in messages
            )
        rows.append(values)
    if problems:
        raise ValidationFailed(_("Nothing was imported: some rows are no longer valid."), problems)
    created = [create_member(actor, coop.id, **values) for values in rows]
    pending.imported_at = now_utc()
    pending.imported_count = len(created)
    audit.record(
        actor,
        "member.import",
        pending,
        summary=f"{len(created)} members imported from {pending.filename}",
    )
    return created


def member_stats(cooperative_id: int) -> dict[str, Any]:
    """Current members, women among them, and their share in percent."""
    active = sa.and_(Member.cooperative_id == cooperative_id, Member.left_on.is_(None))
    total, women = db.session.execute(
        sa.select(
            sa.func.count(Member.id),
            sa.func.count(Member.id).filter(Member.gender == Gender.FEMALE),
        ).where(active)
    ).one()
    share = round(100 * women / total) if total else 0
    return {"members": total, "women": women, "women_share": share}
