"""Hostile member files: each is refused by a limit that holds before the work, with a 422
naming the limit, nothing stored, and less than 100 MB of memory spent on it."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.cooperatives.bounded import MEMORY_LIMIT, peak_memory
from traceapp.cooperatives.models import Member, MemberImport
from traceapp.extensions import db


def _stored() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(Member.id))),
        db.session.scalar(sa.select(sa.func.count(MemberImport.id))),
    )


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body of one file, encoded here: the test client would spool a large one
    to a temporary file that it never closes."""
    boundary = "traceapp-bomb-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def _import(client, token, coop_id, content: bytes, filename: str, dry_run: bool = True):
    body, content_type = multipart("file", filename, content)
    return client.post(
        f"/api/v1/cooperatives/{coop_id}/members/import?dry_run={str(dry_run).lower()}",
        data=body,
        headers=bearer(token),
        content_type=content_type,
    )


def messages(response) -> str:
    """Every message of an API error envelope, in one string."""
    errors = response.json["errors"]
    return " ".join(m for fields in errors.values() for ms in fields.values() for m in ms)


def _refused(client, token, world, content: bytes, filename: str, *words: str) -> None:
    """Send the file; it must be refused naming the limit, store nothing, cost < 100 MB."""
    before = _stored()
    with peak_memory() as peak:
        r = _import(client, token, world.a.coop.id, content, filename)
    assert r.status_code == 422, r.json
    message = messages(r)
    for word in words:
        assert word in message, message
    assert _stored() == before
    assert peak.bytes < MEMORY_LIMIT, f"{peak.bytes / 2**20:.0f} MB"


def _workbook(*rows: tuple) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _shared_strings_book(strings, dimension: str = "A1:A2", rows: int = 1) -> bytes:
    """A workbook whose one column (a heading and a name) is held as shared strings, as
    spreadsheet programs write it; ``strings`` is streamed into the archive chunk by chunk,
    so a part of hundreds of MB never sits in memory."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{_TYPES}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{_TYPES}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
            '<sheet name="Members" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELS}">'
            f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{_MAIN}"><dimension ref="{dimension}"/><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            + "".join(
                f'<row r="{n}"><c r="A{n}" t="s"><v>1</v></c></row>' for n in range(2, rows + 2)
            )
            + "</sheetData></worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text)
        with package.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            for chunk in strings:
                stream.write(chunk)
    return out.getvalue()


def _shared_strings(total: int = 0):
    """Shared strings: the heading and a name, then short strings up to ``total`` bytes."""
    yield (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">'
        "<si><t>full_name</t></si><si><t>Lan</t></si>"
    ).encode()
    block = b"<si><t>ab</t></si>" * 65536
    for _ in range(total // len(block)):
        yield block
    yield b"</sst>"


def test_a_shared_strings_workbook_within_the_limits_is_read(client, api_token, world):
    r = _import(
        client, api_token, world.a.coop.id, _shared_strings_book(_shared_strings()), "m.xlsx"
    )
    assert r.status_code == 200, r.json
    assert r.json["ok"] is True and r.json["columns"] == {"full_name": "full_name"}


def test_an_xlsx_whose_shared_strings_unpack_to_194_mb_is_refused_unopened(
    client, api_token, world
):
    bomb = _shared_strings_book(_shared_strings(194 * 1024 * 1024))
    assert len(bomb) < 2 * 1024 * 1024  # small on disk
    _refused(client, api_token, world, bomb, "members.xlsx", "unpacks to more than 64 MB")


def test_an_xlsx_declaring_a_sheet_16384_columns_wide_is_refused(client, api_token, world):
    # Read as declared, each of the 5,001 rows would be padded to 16,384 cells (+631 MB).
    bomb = _shared_strings_book(_shared_strings(), dimension="A1:XFD5002", rows=5001)
    _refused(client, api_token, world, bomb, "members.xlsx", "16,384 columns", "at most 100")


def test_an_xlsx_row_of_a_million_cells_under_a_small_dimension_is_refused(
    client, api_token, world
):
    # The dimension says A1:A2; the second row holds a million cells (15 MB unpacked, 30 KB
    # packed). openpyxl builds a row whole before handing it over: over 400 MB.
    plain = _shared_strings_book(_shared_strings())
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                wide = b'<row r="2">' + b"<c><v>1</v></c>" * 1_000_000 + b"</row>"
                data = data.replace(b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>', wide)
                assert len(data) > 15_000_000
            target.writestr(info.filename, data)
    _refused(client, api_token, world, out.getvalue(), "m.xlsx", "more than 100 cells")


def test_an_xlsx_cell_past_the_cell_limit_is_refused(client, api_token, world):
    content = _workbook(("full_name", "notes"), ("Lan", "x" * 100_000))
    _refused(client, api_token, world, content, "members.xlsx", "Line 2, column 2", "5,000")


def test_an_xlsx_declaring_entities_is_refused(client, api_token, world):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>full_name</t></si><si><t>&b;</t></si></sst>"
    )
    bomb = _shared_strings_book([laughs])
    _refused(client, api_token, world, bomb, "members.xlsx", "cannot be read")


def test_a_csv_row_of_millions_of_cells_is_refused_before_it_is_split(client, api_token, world):
    bomb = b"full_name\n" + b"ab," * (7 * 1024 * 1024 // 3)
    _refused(client, api_token, world, bomb, "members.csv", "Line 2", "longer than")


@pytest.mark.parametrize("size", [6000, 200_000])
def test_a_csv_field_past_the_cell_limit_is_a_422_naming_it(client, api_token, world, size):
    # 200 KB is past the csv module's own field limit (128 KB), which used to answer 500.
    content = b'full_name,notes\nLan,"' + b"x" * size + b'"\n'
    _refused(client, api_token, world, content, "members.csv", "Line 2", "5,000 characters")


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_a_csv_with_any_line_ending_is_read_line_by_line(client, api_token, world, ending):
    content = ending.join([b"full_name,village", b"Lan,Xuan Phuoc", b"Mai,Xuan Lanh", b""])
    r = _import(client, api_token, world.a.coop.id, content, "members.csv")
    assert r.status_code == 200, r.json
    assert r.json["ok"] is True and r.json["problem_count"] == 0
    r = _import(client, api_token, world.a.coop.id, content, "members.csv", dry_run=False)
    assert r.json["imported"] == 2
    villages = db.session.scalars(
        sa.select(Member.village).where(Member.full_name.in_(["Lan", "Mai"]))
    ).all()
    assert sorted(villages) == ["Xuan Lanh", "Xuan Phuoc"]


def test_a_file_past_the_byte_limit_is_refused_naming_it(client, api_token, world, app):
    app.config["TRACEAPP_IMPORT_MAX_BYTES"] = 1024
    try:
        content = b"full_name\n" + b"Lan\n" * 1000
        _refused(client, api_token, world, content, "members.csv", "larger than")
    finally:
        app.config["TRACEAPP_IMPORT_MAX_BYTES"] = 8 * 1024 * 1024
