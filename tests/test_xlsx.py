"""XLSX workbooks written as they are sent: readable by a spreadsheet library, text kept as
text, and the first bytes out before the rows are all read."""

from __future__ import annotations

import io

import openpyxl

from traceapp.core import xlsx


def test_a_streamed_workbook_opens_with_its_values_and_bold_header():
    rows = [
        ["Nguyễn Thị Hoa", 1500, 0.5, True, None, "=1+1"],
        ["Lô <2>", -3, 1e-05, False, "", "x"],
    ]
    data = b"".join(
        xlsx.chunks("Thành viên", ["Tên", "kg", "ha", "ok", "trống", "công thức"], rows)
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Thành viên"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Tên", "kg", "ha", "ok", "trống", "công thức"]
    assert values[1] == ["Nguyễn Thị Hoa", 1500, 0.5, True, None, "=1+1"]
    assert values[2] == ["Lô <2>", -3, 1e-05, False, None, "x"]
    assert sheet["F2"].data_type != "f"  # a formula-looking text stays text
    assert sheet["A1"].font.b and not sheet["A2"].font.b


def test_the_first_bytes_leave_before_the_rows_are_read(monkeypatch):
    monkeypatch.setattr(xlsx, "ROWS_PER_CHUNK", 100)
    read = []

    def rows():
        for n in range(1000):
            read.append(n)
            yield [f"member {n}", n]

    pieces = xlsx.chunks("List", ["name", "n"], rows())
    next(pieces)
    assert read == []
    next(pieces)
    assert len(read) < 1000
    rest = b"".join(pieces)
    assert len(read) == 1000 and rest
    assert xlsx.column_name(0) == "A" and xlsx.column_name(25) == "Z"
    assert xlsx.column_name(26) == "AA" and xlsx.column_name(701) == "ZZ"
