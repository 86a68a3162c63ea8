"""Sign-in sheets from CSV or XLSX files: read, checked row by row (nothing is stored while
a row is wrong), and each row matched against the people already recorded, so that likely
duplicates are shown for merging before they are counted."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from traceapp.errors import ValidationFailed
from traceapp.programmes.activities import fold
from traceapp.programmes.attendance import clean_person, matches_for

if TYPE_CHECKING:
    from traceapp.programmes.models import Activity

log = logging.getLogger(__name__)

#: The largest file accepted, before it is parsed.
MAX_BYTES = 2 * 1024 * 1024
#: The most people in one imported sheet (a district's training series; run as a job).
MAX_ROWS = 20_000

#: Column headings understood (folded: lower case, no accents), for each field.
HEADINGS = {
    "full_name": ("full_name", "name", "full name", "ho ten", "ho va ten", "ten", "nom"),
    "gender": ("gender", "sex", "gioi tinh", "sexe"),
    "birth_year": ("birth_year", "birth year", "year of birth", "nam sinh"),
    "age_band": ("age_band", "age band", "nhom tuoi"),
    "phone": ("phone", "telephone", "so dien thoai", "dien thoai", "sdt"),
    "commune": ("commune", "xa", "xa/phuong"),
    "district": ("district", "huyen"),
    "province": ("province", "tinh"),
    "role": ("role", "vai tro"),
}
_GENDERS = {
    "female": "female", "f": "female", "nu": "female", "woman": "female", "femme": "female",
    "male": "male", "m": "male", "nam": "male", "man": "male", "homme": "male",
}  # fmt: skip


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The cells of the first sheet of an XLSX file, or of a CSV file, as text."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed.field("file", _("The file is larger than 2 MB."))
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors for a bad file
            log.info("unreadable XLSX sheet %r: %s", filename, exc)
            raise ValidationFailed.field("file", _("The XLSX file cannot be read.")) from None
        rows = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append([_text(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
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
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))
    raise ValidationFailed.field("file", _("Upload a .csv or .xlsx file."))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_of(table: list[list[str]]) -> list[dict[str, Any]]:
    """The table's rows as sign-in sheet rows, by their headings; every row needs a name."""
    if not table:
        raise ValidationFailed.field("file", _("The file is empty."))
    heads = [fold(h) for h in table[0]]
    columns = {}
    for field, names in HEADINGS.items():
        for i, head in enumerate(heads):
            if head in names:
                columns[field] = i
                break
    if "full_name" not in columns:
        raise ValidationFailed.field(
            "file", _("The first line must name the columns, with one called “name”.")
        )
    body = [r for r in table[1:] if any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        raise ValidationFailed.field("file", _("At most %(n)d people per sheet.", n=MAX_ROWS))
    out = []
    for cells in body:
        row = {f: (cells[i].strip() if i < len(cells) else "") for f, i in columns.items()}
        if "gender" in row:
            row["gender"] = _GENDERS.get(fold(row["gender"]), row["gender"] or "unspecified")
        out.append(row)
    return out


def check(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row checked; a wrong row refuses the file with its line number and field."""
    errors: dict[str, list[str]] = {}
    clean = []
    for n, row in enumerate(rows):
        problems: dict[str, list[str]] = {}
        values = clean_person(row, "", problems)
        for field, messages in problems.items():
            for message in messages:
                errors.setdefault("file", []).append(
                    # TRANSLATORS: %(line)d is a line of the uploaded file, %(field)s a column.
                    _(
                        "Line %(line)d, %(field)s: %(problem)s",
                        line=n + 2,
                        field=field,
                        problem=message,
                    )
                )
        clean.append(values)
    if errors:
        raise ValidationFailed(_("The file has mistakes; nothing was recorded."), errors)
    return clean


def preview(activity: Activity, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the recorded people it is likely to be, and the earlier row of the file
    it repeats (if any): the choices offered before anything is counted."""
    org_id = activity.programme.organisation_id
    out = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, row in enumerate(rows):
        key = (
            fold(row["full_name"]),
            fold(row.get("commune")),
            str(row.get("birth_year") or row.get("phone") or ""),
        )
        repeats = seen.get(key) if key[2] else None
        seen.setdefault(key, n)
        out.append(
            {
                "row": row,
                "line": n + 2,
                "matches": [
                    {"id": m.id, "full_name": m.full_name, "birth_year": m.birth_year}
                    for m in matches_for(org_id, row)
                ],
                "repeats": repeats,
            }
        )
    return out


def sheet_rows(rows: list[dict[str, Any]], choices: dict[int, str]) -> list[dict[str, Any]]:
    """The rows to record after the choices: "new", "skip", or a participant's id."""
    out = []
    for n, row in enumerate(rows):
        choice = str(choices.get(n, "new"))
        if choice == "skip":
            continue
        if choice.isdigit():
            out.append({"participant_id": int(choice)})
        else:
            out.append(dict(row))
    return out
