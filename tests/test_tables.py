"""Every list downloads as CSV and XLSX: headers and values in the reader's language, the
list's filters applied, and a variant for systems with fixed snake_case headers and codes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.downloads import column, rows
from tests.farm import harvest_lot
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.labels.models import Label
from traceapp.public.services import record_scan


@dataclass
class Office:
    """Cooperative A with two lots (one recalled), a label run, scans and a recall."""

    farm: Any
    recalled: Any
    open_lot: Any
    recall: Any


@pytest.fixture
def office(farm: Any) -> Office:
    from traceapp.batches.recall import recall_lot

    lot = harvest_lot(farm, "100")
    open_lot = harvest_lot(farm, "200", close=False)
    run = labels.issue_run(farm.world.a.manager, lot, count=2)
    serial = db.session.scalars(sa.select(Label.serial).where(Label.run_id == run.id)).first()
    record_scan(serial, address="10.0.0.1", user_agent="Android", lang="vi")
    record_scan("ZZZZZZZZZZZZZZZZ", address="10.0.0.2", user_agent="iPhone", lang="zh")
    decision = recall_lot(
        farm.world.a.manager,
        lot,
        reason="aflatoxin",
        instructions="Return it please",
        decided_by="Manager A",
    )
    return Office(farm, lot, open_lot, decision)


#: (list, who reads it, a Vietnamese header, its English, its machine key)
LISTS = [
    ("/cooperatives/{coop}/members", "manager", "Mã thành viên", "Member number", "member_number"),
    ("/zones", "manager", "Trạng thái", "Status", "status"),
    ("/products", "manager", "Nhóm sản phẩm", "Category", "category"),
    ("/lots", "manager", "Ngày sản xuất", "Production date", "production_date"),
    ("/label-runs", "manager", "Đợt in", "Run", "run"),
    ("/scans", "manager", "Số sê-ri", "Serial", "serial"),
    ("/audit", "manager", "Thao tác", "Action", "action"),
    ("/recalls/{recall}/report", "manager", "Tem đã cấp", "Labels issued", "labels_issued"),
    ("/authority/zones", "auditor", "Hợp tác xã", "Cooperative", "cooperative"),
    ("/authority/flags", "auditor", "Quy tắc", "Rule", "rule"),
    ("/authority/unknown-scans", "auditor", "Lượt quét", "Scans", "scans"),
]


def _client(request: Any, who: str) -> Any:
    return request.getfixturevalue("auditor_client" if who == "auditor" else "manager_client")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("path", "who", "vi", "en", "key"), LISTS)
def test_every_list_downloads_in_the_readers_language_and_for_systems(
    request, office, path, who, vi, en, key, fmt
):
    client = _client(request, who)
    url = path.format(coop=office.farm.coop.id, recall=office.recall.id) + f".{fmt}"
    answer = client.get(f"{url}?lang=vi", buffered=False)
    assert answer.is_streamed, "the file is written as it is sent"
    in_vi = rows(answer)
    answer.close()
    in_en = rows(client.get(f"{url}?lang=en"))
    machine = rows(client.get(f"{url}?variant=machine&lang=vi"))
    assert vi in in_vi[0] and en not in in_vi[0]
    assert en in in_en[0]
    assert key in machine[0]
    assert all(h == h.lower() and " " not in h for h in machine[0])
    assert len(in_vi) == len(in_en) == len(machine) > 1
    # The list page offers its downloads (the register and the report have their buttons).
    stem = url.rsplit(".", 1)[0]
    page = client.get(stem.removesuffix("/report") + "?lang=en").get_data(as_text=True)
    assert f"{stem}.xlsx" in page


def test_values_read_as_words_for_people_and_as_codes_for_systems(manager_client, office):
    vi = rows(manager_client.get("/lots.csv?lang=vi"))
    en = rows(manager_client.get("/lots.xlsx?lang=en"))
    machine = rows(manager_client.get("/lots.csv?variant=machine"))
    assert set(column(machine, "status")) == {"recalled", "open"}
    assert set(column(en, "Status")) == {"recalled", "open"}
    assert "đang mở" in column(vi, "Trạng thái")
    # Dates: the language's one date format for people, ISO 8601 for systems.
    assert column(machine, "production_date")[0] == "2026-03-10"
    assert column(en, "Production date")[0] == "10 Mar 2026"
    assert column(vi, "Ngày sản xuất")[0] == "10 thg 3, 2026"
    # Units as words, quantities without trailing zeros.
    assert column(vi, "Đơn vị")[0] == "kg" and column(machine, "unit")[0] == "KGM"
    assert column(machine, "quantity")[0] == "200"


def test_a_download_holds_only_the_filtered_rows(manager_client, auditor_client, office):
    coop = office.farm.coop.id
    lots = rows(manager_client.get("/lots.xlsx?status=open&lang=en"))
    assert column(lots, "Lot code") == [office.open_lot.code]
    members = rows(manager_client.get(f"/cooperatives/{coop}/members.csv?q=Alpha2&lang=vi"))
    assert column(members, "Họ và tên") == ["Trần Văn Alpha2"]
    zones = rows(manager_client.get("/zones.xlsx?kind=fishing_ground&variant=machine"))
    assert set(column(zones, "kind")) == {"fishing_ground"}
    assert len(zones) > 1
    trail = rows(manager_client.get("/audit.csv?object_type=lots&variant=machine"))
    assert set(column(trail, "object_type")) == {"lots"}
    flags = rows(auditor_client.get("/authority/flags.csv?kind=unknown_serials&variant=machine"))
    assert set(column(flags, "rule")) == {"unknown_serials"}
    products = rows(manager_client.get("/products.csv?category=tuna&variant=machine"))
    assert set(column(products, "category")) == {"tuna"}
    scans = rows(manager_client.get(f"/scans.csv?lot_id={office.open_lot.id}"))
    assert len(scans) == 1  # the header: no scan of that lot


def test_the_register_download_prints_the_audit_chain_head(auditor_client, office):
    response = auditor_client.get("/authority/zones.xlsx?lang=en")
    table = rows(response)
    assert table[-1][0] == "# audit chain head"
    assert table[-1][1] == response.headers["X-Audit-Chain-Head"]


def test_a_download_cannot_carry_a_formula(manager_client, office):
    member = office.farm.world.a.members[0]
    member.full_name = '=HYPERLINK("http://evil","x")'
    db.session.flush()
    coop = office.farm.coop.id
    text = manager_client.get(f"/cooperatives/{coop}/members.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    body = manager_client.get(f"/cooperatives/{coop}/members.xlsx").get_data()
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    cell = sheet["B2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_another_cooperative_cannot_download_a_list(other_client, office):
    coop = office.farm.coop.id
    assert other_client.get(f"/cooperatives/{coop}/members.xlsx").status_code == 404
    assert other_client.get(f"/recalls/{office.recall.id}/report.csv").status_code == 404
    lots = rows(other_client.get("/lots.csv?variant=machine"))
    assert office.open_lot.code not in column(lots, "code")


def test_the_audit_trail_reads_in_words(manager_client, office):
    from traceapp.zones.services import transition

    zone = office.farm.field
    transition(office.farm.world.auditor, zone, "suspended", reason="residue found")
    html = manager_client.get("/audit?lang=vi&object_type=zones").get_data(as_text=True)
    assert f"{zone.code}: Đã phê duyệt → Đình chỉ" in html
    assert "approved -&gt; suspended" not in html
    # The filter offers kinds of thing in words, not table names.
    assert '<option value="zones" selected>Vùng</option>' in html
    table = rows(manager_client.get("/audit.csv?lang=en&object_type=zones"))
    assert f"{zone.code}: Approved → Suspended" in column(table, "Summary")
    assert "Status: Approved → Suspended" in column(table, "What changed")[0]
