"""A cooperative manager imports zone codes from a CSV file in the browser, against the live
server (`traceapp serve`, whose own job worker checks and imports the file): the check's
preview, the confirmation, the progress page, and the new codes in the zone list."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.live.support import LiveServer, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

#: How long a job may take to be taken by the worker and finished (the page refreshes itself).
JOB_MS = 90_000


def test_a_manager_imports_zone_codes_from_a_csv_file(
    live_server: LiveServer, chromium: Any, tmp_path: Path
) -> None:
    number = 100_000 + secrets.randbelow(800_000)
    codes = [f"VN-PYIM-{number + n}" for n in range(2)]
    csv = tmp_path / "zones.csv"
    csv.write_text(
        "code,kind,name,province,lat,lon\n"
        + "".join(
            f"{code},growing_area,Vùng nhập {n},Phú Yên,13.6{n},108.9{n}\n"
            for n, code in enumerate(codes)
        ),
        encoding="utf-8",
    )
    page = sign_in(chromium, live_server, "manager")
    try:
        page.goto(live_server.url + "/zones")
        page.locator("main").get_by_role("link", name="Import zones").click()
        page.set_input_files("input[name=file]", str(csv))
        page.get_by_role("button", name="Check the file").click()
        main = page.locator("main")
        expect(main).to_contain_text(
            "The file was checked. New codes: 2; to update: 0; unchanged: 0.", timeout=JOB_MS
        )
        page.get_by_role("button", name="Import these zones").click()
        expect(main).to_contain_text("Imported. New codes: 2;", timeout=JOB_MS)
        page.get_by_role("link", name="See the zone codes").click()
        page.fill("input[name=q]", "VN-PYIM")
        page.get_by_role("button", name="Search").click()
        for code in codes:
            expect(main).to_contain_text(code)
    finally:
        page.context.close()
    assert not live_server.tracebacks()
