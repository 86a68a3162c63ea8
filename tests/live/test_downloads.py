"""Every list downloads as XLSX from a real server: each list page's own download link is
followed, as a signed-in user would, and the workbook is opened with openpyxl.

The downloads stream (a CSV is written as it is sent, an XLSX from a temporary file), so
this is where a body that outlives its request's database session would show.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
import requests
from openpyxl import load_workbook

from tests.live.support import DEMO_ACCOUNTS, DEMO_PASSWORD, LiveServer

pytestmark = [pytest.mark.live, pytest.mark.slow]

TIMEOUT = 60
#: The list pages of a cooperative's manager (the members list is found from the home page).
MANAGER_LISTS = ["/zones", "/products", "/lots", "/label-runs", "/scans", "/audit"]
AUDITOR_LISTS = ["/authority/zones", "/authority/flags", "/authority/unknown-scans", "/audit"]


def _session(server: LiveServer, role: str, lang: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{server.url}/login?lang={lang}", timeout=TIMEOUT)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token, page.text[:1000]
    answer = session.post(
        f"{server.url}/login",
        data={"email": DEMO_ACCOUNTS[role], "password": DEMO_PASSWORD, "csrf_token": token[1]},
        timeout=TIMEOUT,
    )
    assert "/login" not in answer.url, f"{role} could not sign in"
    return session


def _xlsx_link(html: str) -> str:
    found = re.search(r'href="([^"]+\.xlsx[^"]*)"', html)
    assert found, "no XLSX download on the page"
    return unescape(found[1])


def _open(session: requests.Session, server: LiveServer, path: str) -> list[tuple]:
    page = session.get(server.url + path, timeout=TIMEOUT)
    assert page.status_code == 200, (path, page.status_code)
    link = _xlsx_link(page.text)
    answer = session.get(server.url + link, timeout=TIMEOUT)
    assert answer.status_code == 200, (link, answer.status_code)
    assert answer.headers["Content-Type"].endswith("spreadsheetml.sheet"), link
    # Written as it is sent (no length known in advance), and whole when it arrives.
    assert "Content-Length" not in answer.headers, link
    assert answer.content.startswith(b"PK") and b"xl/worksheets/sheet1.xml" in answer.content
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    # The same list as CSV for people: written as it is sent, after the request's session.
    csv_link = link.replace(".xlsx", ".csv", 1)
    answer = session.get(server.url + csv_link, timeout=TIMEOUT)
    assert answer.status_code == 200, (csv_link, answer.status_code)
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(lines[0]) == table[0], csv_link
    assert len(lines) == len(table), csv_link
    return table


def test_every_list_downloads_as_xlsx_from_a_real_server(live_server: LiveServer):
    manager = _session(live_server, "manager", "vi")
    home = manager.get(live_server.url + "/", timeout=TIMEOUT).text
    coop = re.search(r"/cooperatives/(\d+)", home)
    assert coop, "no cooperative link on the manager's home page"
    opened: dict[str, list[tuple]] = {}
    for path in [f"/cooperatives/{coop[1]}/members", *MANAGER_LISTS]:
        opened[path] = _open(manager, live_server, path)
    # A recalled lot's report, from the lot's page.
    lots = manager.get(live_server.url + "/lots?status=recalled", timeout=TIMEOUT).text
    lot = re.search(r'href="(/lots/\d+)"', lots)
    assert lot, "the demo has no recalled lot"
    report = re.search(r'href="(/recalls/\d+)"', manager.get(live_server.url + lot[1]).text)
    assert report, "no recall report on a recalled lot's page"
    opened[report[1]] = _open(manager, live_server, report[1])
    auditor = _session(live_server, "auditor", "en")
    for path in AUDITOR_LISTS:
        opened["auditor " + path] = _open(auditor, live_server, path)

    members = opened[f"/cooperatives/{coop[1]}/members"]
    assert members[0][:2] == ("Mã thành viên", "Họ và tên")
    assert len(members) > 5
    assert opened["/lots"][0][0] == "Mã lô" and len(opened["/lots"]) > 2
    assert opened["auditor /authority/zones"][0][0] == "Code"
    assert opened["auditor /authority/zones"][-1][0] == "# audit chain head"
    for path, table in opened.items():
        assert table and all(table[0]), f"{path}: a header cell is empty"
    # A filtered list downloads only its rows, and the machine variant keeps codes.
    answer = manager.get(live_server.url + "/lots.csv?status=recalled&variant=machine")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,product_code,")
    assert len(lines) > 1 and all(",recalled," in line for line in lines[1:])
    assert not live_server.tracebacks(), live_server.tracebacks()
