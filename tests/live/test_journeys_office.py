"""Office journeys in headless Chromium against the live server (`traceapp serve`, production mode).

Each test is what one person does at a desk, in the English interface (the browser asks for
en-GB; the app's default is Vietnamese), asserting what that person sees on the page and in
the files they download, not only status codes:

* the platform administrator registers a new cooperative and its manager's account, and the
  new manager signs in with the password they were given and finds their cooperative;
* a cooperative manager does a day's work: adds a member, imports a member list whose one bad
  row is named (the import is all or nothing, as the page says), registers a growing-area code
  from a KML file (the province's auditor approves it), registers a collective mark, a product
  carrying it and a grant of use, records a lot with a member's delivery and an inspection,
  issues 24 serialised labels, downloads their PDF sheet, ZPL file and ZIP of PNG images,
  decodes every QR code of the sheet and opens each link as a shopper would.

Every journey ends by checking that the server logged no traceback while it ran and that no
page answered 5xx.
"""

from __future__ import annotations

import re
import secrets
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.live.support import LiveServer, qr_texts_in_pdf, qr_texts_in_png, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

#: How long an assertion waits for the page to show something (a server under test is slow).
SEE_MS = 15_000
#: How long a label file may take to render and download.
DOWNLOAD_MS = 60_000
#: A polygon with a hole, in Xuân Phước (Phú Yên), clear of the demo's zones; 2.94 ha.
PLOT_KML = Path(__file__).parents[1] / "zones" / "data" / "xuan_phuoc_plot.kml"
LABELS = 24


# --- helpers -----------------------------------------------------------------------------------


def _tag() -> str:
    """A short random tag that keeps unique fields unique should a journey run twice."""
    return "".join(secrets.choice("ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(3))


def _gtin13(first12: str) -> str:
    """A GTIN-13 with its check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _page_text(page: Page) -> str:
    """What the page shows, shortened for an assertion message."""
    try:
        return f"{page.url}\n{page.locator('body').inner_text(timeout=2_000)[:3000]}"
    except Exception as exc:  # noqa: BLE001 - only a message
        return f"{page.url}\n(no text: {exc})"


def _see(page: Page, text: str | re.Pattern[str], where: str = "main") -> None:
    """Wait until ``where`` on the page shows ``text``; fail with what the page shows instead."""
    try:
        expect(page.locator(where).filter(has_text=text).first).to_be_visible(timeout=SEE_MS)
    except AssertionError as exc:
        raise AssertionError(
            f"the page does not show {text!r} in {where}:\n{_page_text(page)}"
        ) from exc


def _flash(page: Page, text: str | re.Pattern[str]) -> None:
    """Wait for the green message that says an action worked."""
    _see(page, text, "p.flash.success")


def _click(page: Page, name: str) -> None:
    """Press the button with this text (by name: the header's sign-out is a submit button too)."""
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def _nav(page: Page, name: str) -> None:
    """Follow a link of the main navigation."""
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=name, exact=True
    ).click()
    page.wait_for_load_state()


def _link(page: Page, name: str) -> None:
    """Follow the link or button-styled link with this text in the page's content."""
    page.locator("main").get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_load_state()


def _fact(page: Page, term: str, dl: str = "dl.facts") -> str:
    """The text after a term of the page's fact list."""
    return (
        page.locator(f"{dl} dt", has_text=term)
        .first.locator("xpath=following-sibling::dd[1]")
        .inner_text()
        .strip()
    )


class ServerErrors:
    """Every 5xx answer the browser got, on the pages it was attached to."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self.seen: list[str] = []

    def watch(self, page: Page) -> Page:
        """Record the 5xx answers of this page; returns the page."""
        page.on(
            "response",
            lambda r: (
                self.seen.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )
        return page

    def check(self) -> None:
        """Fail if any page answered 5xx."""
        assert not self.seen, "the server answered with errors:\n" + "\n".join(self.seen)


@pytest.fixture
def journey(live_server: LiveServer) -> Iterator[ServerErrors]:
    """The 5xx answers of a journey; at its end, no traceback may be in the server's log."""
    start = len(live_server.log_text())
    errors = ServerErrors()
    yield errors
    errors.check()
    found = live_server.tracebacks(live_server.log_text()[start:])
    assert not found, "the server logged errors during the journey:\n" + "\n\n".join(found)


def _english(page: Page) -> None:
    """The interface is in English, as the browser asked."""
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=SEE_MS)


def _sign_in_with(page: Page, server: LiveServer, email: str, password: str) -> None:
    """Fill the sign-in form as a person types it."""
    page.goto(server.url + "/login")
    _see(page, "Sign in", "h1")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    _click(page, "Sign in")


def _new_context_page(browser: Any) -> Page:
    """A fresh browser (an English one, like sign_in's), signed in as nobody."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(30_000)
    return context.new_page()


# --- journey 1: a new cooperative and its manager ------------------------------------------------


def test_admin_registers_a_cooperative_and_its_manager_signs_in(
    live_server: LiveServer, chromium: Any, journey: ServerErrors
) -> None:
    """The platform admin registers a cooperative and its manager; the manager signs in to it."""
    tag = _tag()
    coop_name = f"Hợp tác xã Dừa Sông Hinh {tag}"
    short_code = f"SH{tag}"
    manager_email = f"manager.{tag.lower()}@songhinh.example"
    manager_name = "Ksor Thị Hương"
    password = f"Dua-Song-Hinh-{tag}-2026"

    admin = journey.watch(sign_in(chromium, live_server, "admin", locale="en-GB"))
    try:
        _english(admin)
        _nav(admin, "Cooperative")
        _see(admin, "Cooperatives", "h1")
        _link(admin, "Register a cooperative")
        _see(admin, "Register a cooperative", "h1")
        admin.fill("input[name=name]", coop_name)
        admin.fill("input[name=short_code]", short_code)
        admin.fill("input[name=registration_number]", f"4407D{secrets.randbelow(10**4):04d}")
        admin.fill("input[name=province]", "Phú Yên")
        admin.fill("input[name=district]", "Sông Hinh")
        admin.fill("input[name=commune]", "Ea Bia")
        admin.fill("input[name=address]", "Buôn Bầu, xã Ea Bia, huyện Sông Hinh, tỉnh Phú Yên")
        admin.fill("input[name=phone]", "0257 3858 246")
        admin.fill("input[name=founded_on]", "2019-04-02")
        admin.fill("textarea[name=description]", "Dừa xiêm trồng ven sông Hinh.")
        _click(admin, "Save")
        _flash(admin, "Cooperative registered.")
        _see(admin, coop_name, "h1")
        assert _fact(admin, "Short code") == short_code
        assert _fact(admin, "Location") == "Ea Bia, Sông Hinh, Phú Yên"
        _nav(admin, "Cooperative")
        _see(admin, coop_name, "main table")
        other = admin.locator("main table a", has_text="Hợp tác xã Nông nghiệp Xuân Phước")
        other_url = live_server.url + other.get_attribute("href")

        # The manager's account, from the Users page.
        _nav(admin, "Users")
        _see(admin, "Add a user", "h2")
        admin.fill("input[name=email]", manager_email)
        admin.fill("input[name=full_name]", manager_name)
        admin.select_option("select[name=role]", label="Cooperative manager")
        admin.select_option("select[name=cooperative_id]", label=coop_name)
        admin.fill("input[name=password]", password)
        _click(admin, "Create account")
        _flash(admin, f"Account {manager_email} created.")
        row = admin.locator("main table tr", has_text=manager_email)
        expect(row).to_contain_text(manager_name, timeout=SEE_MS)
        expect(row).to_contain_text("Cooperative manager")
        expect(row).to_contain_text(coop_name)
        expect(row).to_contain_text("active")
    finally:
        admin.context.close()

    # The new manager signs in with the password the admin gave them, and replaces it.
    page = journey.watch(_new_context_page(chromium))
    try:
        _sign_in_with(page, live_server, manager_email, password)
        _english(page)
        _see(page, f"Hello, {manager_name}", "h1")
        _see(page, coop_name, "p.lead")
        page.locator("header .who").get_by_role("link", name=manager_name).click()
        _see(page, "Your account", "h1")
        _see(page, f"{manager_email} · Cooperative manager · {coop_name}", "main p")
        own_password = f"Ea-Bia-{secrets.token_hex(6)}"
        page.fill("input[name=pw-current_password]", password)
        page.fill("input[name=pw-new_password]", own_password)
        _click(page, "Change password")
        _flash(page, "Password changed. Other sessions and API tokens were ended.")
        _click(page, "Sign out")
        _see(page, "You are signed out.", "p.flash")
        _sign_in_with(page, live_server, manager_email, password)
        _see(page, "Invalid e-mail or password.", "p.flash.error")
        _sign_in_with(page, live_server, manager_email, own_password)
        _see(page, f"Hello, {manager_name}", "h1")
        _see(page, coop_name, "p.lead")
        _nav(page, "Cooperative")
        _see(page, coop_name, "h1")
        assert _fact(page, "Short code") == short_code
        assert _fact(page, "Members").startswith("0")
        # Theirs to run: they may edit it and add members.
        expect(page.locator("main").get_by_role("link", name="Edit", exact=True)).to_be_visible()
        _link(page, "Members")
        _see(page, "No members found.")
        expect(page.locator("main").get_by_role("link", name="Add a member")).to_be_visible()
        # A manager sees their own cooperative only.
        page.goto(live_server.url + "/cooperatives")
        _see(page, coop_name, "h1")
        answer = page.goto(other_url)
        assert answer is not None and answer.status == 404, (other_url, answer and answer.status)
        expect(page.locator("main")).not_to_contain_text("Xuân Phước")
        _nav(page, "Users")
        _see(page, manager_email, "main table")
        expect(page.locator("main table")).not_to_contain_text("admin@traceapp.demo")
    finally:
        page.context.close()


# --- journey 2: a manager's day ------------------------------------------------------------------

MEMBER_CSV_HEADER = "Họ và tên,Giới tính,Năm sinh,Thôn,Số điện thoại,Đồng ý công khai tên\n"


def _member_csv(tag: str, bad_year: str) -> tuple[bytes, list[str]]:
    """A member list as a cooperative keeps it (Vietnamese headings); its members' names."""
    names = [f"Lương Thị Kim {tag}", f"Tạ Văn Minh {tag}", f"Ngô Thị Hằng {tag}"]
    rows = [
        f"{names[0]},Nữ,1979,Phú Xuân,0905 111 222,có",
        f"{names[1]},Nam,{bad_year},Tân Phước,0905 333 444,không",
        f"{names[2]},Nữ,1990,Phước Lộc,0905 555 666,có",
    ]
    return (MEMBER_CSV_HEADER + "\n".join(rows) + "\n").encode("utf-8"), names


def _add_member(page: Page, tag: str) -> tuple[str, str]:
    """Add a member by hand; their number (allocated) and name."""
    name = f"Hồ Thị Ngọc {tag}"
    _nav(page, "Cooperative")
    _link(page, "Members")
    _link(page, "Add a member")
    _see(page, "Add a member", "h1")
    page.fill("input[name=full_name]", name)
    page.select_option("select[name=gender]", label="Female")
    page.fill("input[name=birth_year]", "1984")
    page.fill("input[name=village]", "Phú Xuân")
    page.fill("input[name=commune]", "Xuân Phước")
    page.fill("input[name=phone]", "0914 222 789")
    page.select_option("select[name=role]", label="Household")
    page.check("input[name=public_name_consent]")
    _click(page, "Save")
    _flash(page, re.compile(r"Member \d+ registered\."))
    number = re.search(
        r"Member (\d+) registered", page.locator("p.flash.success").first.inner_text()
    ).group(1)
    _see(page, name, "h1")
    assert _fact(page, "Birth year") == "1984"
    assert _fact(page, "Village / commune") == "Phú Xuân, Xuân Phước"
    return number, name


def _import_members(page: Page, tag: str) -> None:
    """Import a member list: the bad row is named and nothing is imported; fixed, all three are."""
    bad, names = _member_csv(tag, "19x2")
    _nav(page, "Cooperative")
    _link(page, "Import members")
    _see(page, "Import members", "h1")
    page.set_input_files(
        "input[name=file]", files=[{"name": "hoi-vien.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    _click(page, "Check the file")
    _see(page, "Check of hoi-vien.csv", "h2")
    _see(page, "3 members found. 1 problem.")
    rows = page.locator("main section table tbody tr")
    expect(rows).to_have_count(1, timeout=SEE_MS)
    cells = [c.strip() for c in rows.first.locator("td").all_inner_texts()]
    assert cells == ["3", "Năm sinh", "Write the year as four digits."], cells
    _see(page, "Correct the file and check it again: the import is all or nothing.")
    expect(page.get_by_role("button", name=re.compile(r"^Apply:"))).to_have_count(0)

    # As the page says, nothing was imported, the good rows neither.
    _nav(page, "Cooperative")
    _link(page, "Members")
    page.fill("input[name=q]", tag)
    _click(page, "Search")
    _see(page, "1 in all")  # the member added by hand, none of the file's
    for name in names:
        expect(page.locator("main table")).not_to_contain_text(name)

    good, _names = _member_csv(tag, "1982")
    _nav(page, "Cooperative")
    _link(page, "Import members")
    page.set_input_files(
        "input[name=file]", files=[{"name": "hoi-vien.csv", "mimeType": "text/csv", "buffer": good}]
    )
    _click(page, "Check the file")
    _see(page, "3 members found. No problems.")
    _see(page, "3 new members.")
    _click(page, "Apply: 3 new, 0 changed")
    _flash(page, "3 members imported.")
    _see(page, "Members", "h1")
    page.fill("input[name=q]", tag)
    _click(page, "Search")
    _see(page, "4 in all")
    table = page.locator("main table")
    for name in names:
        expect(table).to_contain_text(name, timeout=SEE_MS)
    expect(table.locator("tbody tr", has_text=names[1])).to_contain_text("Male")


def _register_zone(page: Page, tag: str, member: str) -> tuple[str, str]:
    """Register a growing-area code from a KML file and submit it; its code and page URL."""
    code = f"VN-PYDX-{secrets.randbelow(9000) + 1000}"
    name = f"Thửa 12 Phú Xuân {tag}"
    _nav(page, "Zone codes")
    _link(page, "Register a zone code")
    _see(page, "Register a zone code", "h1")
    # Filled in from the cooperative.
    expect(page.locator("input[name=province]")).to_have_value("Phú Yên")
    page.fill("input[name=code]", code)
    page.select_option("select[name=kind]", "growing_area")
    page.fill("input[name=name]", name)
    page.fill("input[name=crop]", "đậu phộng")
    page.fill("input[name=commune]", "Xuân Phước")
    page.fill("input[name=issuing_authority]", "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên")
    page.fill("input[name=decision_number]", f"{secrets.randbelow(90) + 10}/QĐ-TTBVTV")
    page.fill("input[name=issued_on]", "2025-02-10")
    page.fill("input[name=valid_from]", "2025-02-10")
    page.fill("input[name=valid_until]", "2030-02-09")
    page.select_option("select[name=target_market]", label="Domestic")
    page.fill("input[name=declared_area_ha]", "2.9")
    # Households are ticked in a list that a filter box narrows (static/js/pick-list.js).
    page.get_by_label("Find a household (member number or name)").fill(member.split(" · ")[1])
    page.get_by_label(member, exact=True).check()
    page.set_input_files("input[name=geometry_file]", PLOT_KML)
    _click(page, "Save")
    _flash(page, f"Zone code {code} saved as a draft.")
    _see(page, code, "h1")
    _see(page, "Draft", "h1 .badge")
    assert _fact(page, "Declared area") == "2.9 ha"
    computed = _fact(page, "Computed area")
    assert "2.94 ha" in computed and "matches the declared area" in computed, computed
    _see(page, "No overlap with other active zones of the same kind.")
    _see(page, "Drawn from the stored GeoJSON (Polygon), north up.")
    _see(page, member)
    zone_url = page.url
    _click(page, "Submit for approval")
    _flash(page, "The code is now Submitted.")
    return code, zone_url


def _approve_zone(
    chromium: Any, server: LiveServer, errors: ServerErrors, zone_url: str, code: str
) -> None:
    """The province's auditor approves the submitted code, with a reason."""
    auditor = errors.watch(sign_in(chromium, server, "auditor", locale="en-GB"))
    try:
        auditor.goto(zone_url)
        _see(auditor, code, "h1")
        auditor.select_option("select[name=to_status]", label="Approve (or reinstate)")
        auditor.fill("textarea[name=reason]", "Hồ sơ đầy đủ; kiểm tra thực địa ngày 2/12 đạt.")
        _click(auditor, "Record the decision")
        _flash(auditor, "The code is now Approved.")
        _see(auditor, "Approved", "h1 .badge")
    finally:
        auditor.context.close()


def _register_mark(page: Page, tag: str) -> str:
    """Register the cooperative's collective mark with its certificate; its name."""
    mark = f"Đậu phộng Đồng Xuân {tag}"
    _nav(page, "Collective marks")
    _link(page, "Register a mark")
    _see(page, "Register a collective mark", "h1")
    page.fill("input[name=name]", mark)
    page.select_option("select[name=status]", label="Registered")
    page.fill("input[name=certificate_number]", f"4-0{secrets.randbelow(10**6):06d}-000")
    page.fill("input[name=certificate_date]", "2025-06-10")
    page.fill("input[name=valid_until]", "2035-06-09")
    page.fill("textarea[name=product_scope]", "Đậu phộng (lạc) nhân và đậu phộng rang.")
    page.fill("textarea[name=geographic_scope]", "Huyện Đồng Xuân, tỉnh Phú Yên.")
    page.fill("input[name=owner_name]", "Hợp tác xã Nông nghiệp Xuân Phước")
    page.fill(
        "textarea[name=conditions_of_use]",
        "Chỉ thành viên được cấp quyền, cho sản phẩm trồng tại vùng có mã số.",
    )
    page.fill("input[name=rules_adopted_on]", "2025-01-20")
    _click(page, "Save")
    _flash(page, "Mark registered.")
    _see(page, mark, "h1")
    return mark


def _register_product(page: Page, tag: str, mark: str) -> tuple[str, str, str, str]:
    """Register a peanut product carrying the mark; its code, Vietnamese and English names, GTIN."""
    code = f"XP-DP500-{tag}"
    name_vi = f"Đậu phộng Đồng Xuân túi 500 g ({tag})"
    name_en = f"Dong Xuan peanuts, 500 g bag ({tag})"
    gtin = _gtin13(f"8938512{50_000 + secrets.randbelow(50_000)}")  # the demo's are below
    _nav(page, "Products")
    _link(page, "Register a product")
    _see(page, "Register a product", "h1")
    page.fill("input[name=code]", code)
    page.fill("input[name=name]", name_vi)
    page.fill("input[name=name_en]", name_en)
    page.select_option("select[name=category]", "peanuts")
    page.select_option("select[name=unit_of_trade]", "bag")
    page.fill("input[name=net_quantity]", "0.5")
    page.select_option("select[name=net_unit]", "KGM")
    page.fill("input[name=gtin]", gtin)
    page.select_option("select[name=mark_id]", label=mark)
    page.fill("input[name=shelf_life_days]", "180")
    _click(page, "Save")
    _flash(page, f"Product {code} registered.")
    _see(page, name_vi, "h1")
    _see(page, mark)
    return code, name_vi, name_en, gtin


def _grant_use(page: Page, mark: str, member: str, product_code: str) -> None:
    """Grant the member use of the mark for the product."""
    _nav(page, "Collective marks")
    _link(page, mark)
    _see(page, mark, "h1")
    _link(page, "Grant use to a member")
    _see(page, "Grant use of the mark", "h1")
    page.select_option("select[name=member_id]", label=member)
    box = page.get_by_role("checkbox", name=re.compile(re.escape(product_code)))
    expect(box).to_be_checked(timeout=SEE_MS)  # the mark's products are offered, ticked
    _click(page, "Save")
    member_name = member.split(" · ", 1)[1]
    _flash(page, f"Use of the mark granted to {member_name}.")
    _see(page, "Active", "h1 .badge")
    assert product_code in _fact(page, "Products")


def _record_lot(page: Page, product: str, product_code: str, member: str, zone: str) -> str:
    """Record a 60 kg lot, its member's delivery and an inspection, close it; the lot's code."""
    _nav(page, "Lots")
    _link(page, "New harvest or catch lot")
    _see(page, "New harvest or catch lot", "h1")
    page.select_option("select[name=product_id]", label=f"{product} ({product_code})")
    # The harvest date is left as the form fills it (today).
    page.fill("input[name=quantity]", "60")
    page.select_option("select[name=unit]", "KGM")
    _click(page, "Create lot")
    _flash(page, re.compile(r"Lot \S+ created\."))
    lot_code = re.search(
        r"Lot (\S+) created", page.locator("p.flash.success").first.inner_text()
    ).group(1)
    _see(page, f"Lot {lot_code}", "h1")
    _see(page, "Harvest / catch recorded", "#timeline")

    page.select_option("select[name=c-member_id]", label=member)
    zone_option = page.locator("select[name=c-zone_id] option", has_text=f"{zone} · ")
    page.select_option("select[name=c-zone_id]", zone_option.get_attribute("value"))
    page.fill("input[name=c-quantity]", "60")
    _click(page, "Add contribution")
    _flash(page, "Contribution recorded.")
    section = page.locator("#contributions")
    expect(section).to_contain_text("balanced", timeout=SEE_MS)
    row = section.locator("tbody tr", has_text=member)
    expect(row).to_contain_text(zone)
    expect(row).to_contain_text("60 kg")

    page.locator("#timeline summary", has_text="Record an event").click()
    page.select_option("select[name=e-biz_step]", "inspecting")
    page.select_option("select[name=e-disposition]", "conformant")
    page.fill("input[name=e-inspector]", "Phạm Quốc Việt")
    page.fill("input[name=e-notes]", "Độ ẩm 8,5 %; không phát hiện aflatoxin.")
    _click(page, "Record")
    _flash(page, "Event recorded.")
    inspection = page.locator("#timeline li", has_text="Inspection")
    expect(inspection).to_contain_text("passed", timeout=SEE_MS)
    # everything typed into the event is shown with it
    expect(inspection).to_contain_text("Phạm Quốc Việt")
    expect(inspection).to_contain_text("Độ ẩm 8,5 %; không phát hiện aflatoxin.")

    page.get_by_role("button", name="Close lot", exact=True).click()
    page.wait_for_load_state()
    _flash(page, f"Lot {lot_code} closed.")
    _see(page, "Households and zones behind it", "#genealogy")
    expect(page.locator("#genealogy")).to_contain_text(member)
    return lot_code


def _download(page: Page, fmt: str, tmp: Path) -> tuple[str, Path]:
    """Download the run in a format from its page; the file's name and where it was saved."""
    # Waiting for the POST's answer too makes a 5xx fail at once, not at the download timeout.
    page.select_option("select[name=fmt]", fmt)
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/print"), timeout=DOWNLOAD_MS
        ) as answer:
            page.get_by_role("button", name="Download", exact=True).click()
        status = answer.value.status
        assert status == 200, (
            f"downloading the {fmt} file answered {status}:\n" + (answer.value.text()[:3000])
        )
    download = info.value
    assert download.failure() is None, download.failure()
    path = tmp / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, path


def _printed(page: Page) -> str:
    """The run page's print counter, after reloading it."""
    page.reload()
    page.wait_for_load_state()
    return _fact(page, "Printed")


ZPL_QR = re.compile(r"\^BQN,2,\d+(?:\^FH)?\^FD([LMQH])M,B(\d{4})(.*?)\^FS", re.S)


def _zpl_urls(text: str) -> list[str]:
    """The URL in each ^XA...^XZ label of a ZPL file (checking each byte-count field)."""
    labels = re.findall(r"\^XA.*?\^XZ", text, re.S)
    urls = []
    for label in labels:
        found = ZPL_QR.findall(label)
        assert len(found) == 1, f"a label without exactly one QR code:\n{label}"
        _ec, length, url = found[0]
        assert int(length) == len(url.encode("utf-8")), label
        urls.append(url)
    assert text.count("^XA") == text.count("^XZ") == len(labels)
    return urls


def _zip_urls(archive: Path, folder: Path) -> list[str]:
    """The QR code of each picture of a ZIP of PNG labels (checking each name's serial)."""
    urls = []
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        zipped.extractall(folder)
    for name in sorted(names):
        assert re.fullmatch(r"\d{6}-[0-9A-Z]{16}\.png", name), name
        found = qr_texts_in_png(folder / name)
        assert len(found) == 1, (name, found)
        assert found[0].endswith("/21/" + name[7:-4]), (name, found)
        urls.append(found[0])
    return urls


def test_manager_day_of_work_ends_with_scannable_labels(
    live_server: LiveServer, chromium: Any, journey: ServerErrors, tmp_path: Path
) -> None:
    """A manager's day: members, zone, mark, product, grant, lot, 24 labels printed and read."""
    tag = _tag()
    page = journey.watch(sign_in(chromium, live_server, "manager", locale="en-GB"))
    try:
        _english(page)
        _see(page, "Hợp tác xã Nông nghiệp Xuân Phước", "p.lead")
        number, name = _add_member(page, tag)
        member = f"{number} · {name}"
        _import_members(page, tag)
        zone, zone_url = _register_zone(page, tag, member)
        _approve_zone(chromium, live_server, journey, zone_url, zone)
        mark = _register_mark(page, tag)
        product_code, product_vi, product_en, gtin = _register_product(page, tag, mark)
        _grant_use(page, mark, member, product_code)
        lot_code = _record_lot(page, product_vi, product_code, member, zone)

        # Labels: issue a run of 24 for the lot.
        page.get_by_role("link", name="Print labels", exact=True).click()
        page.wait_for_load_state()
        _see(page, "Print labels", "h1")
        _see(page, "The lot's remaining quantity allows 120 more serialised labels.")
        page.fill("input[name=count]", str(LABELS))
        page.select_option("select[name=kind]", "serialised")
        page.select_option("select[name=template]", "a4-3x8")
        _click(page, "Issue labels")
        _flash(page, f"{LABELS} labels issued.")
        _see(page, "Label run", "h1")
        assert _fact(page, "Labels") == f"{LABELS} · {LABELS} live, 0 voided"
        assert _fact(page, "Printed") == "0 times"
        assert _fact(page, "On the label").startswith(f"{product_vi} · 0.5 kg · {mark}")
        shown = [t.strip() for t in page.locator("main table tbody td.small").all_inner_texts()]
        assert len(shown) == len(set(shown)) == LABELS, shown
        # Files are named by the run's number within the cooperative (its heading's "#N").
        run_no = re.search(r"#(\d+)", page.locator("main h1").inner_text()).group(1)

        # The PDF sheet: one QR code per label, each the link the run page lists.
        pdf_name, pdf = _download(page, "pdf", tmp_path)
        assert pdf_name == f"labels-{lot_code}-run{run_no}-a4-3x8.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-")
        codes = qr_texts_in_pdf(pdf)
        assert len(codes) == len(set(codes)) == LABELS, codes
        assert set(codes) == set(shown)
        for url in codes:
            assert url.startswith(f"{live_server.url}/01/"), url
            assert f"/10/{lot_code}/21/" in url, url
            assert gtin in url, url
        assert _printed(page) == "1 time"

        # The ZPL file: one ^XA...^XZ label per serial, with the same links.
        zpl_name, zpl = _download(page, "zpl", tmp_path)
        assert zpl_name == f"labels-{lot_code}-run{run_no}.zpl"
        zpl_urls = _zpl_urls(zpl.read_text(encoding="utf-8"))
        assert len(zpl_urls) == LABELS
        assert set(zpl_urls) == set(codes)
        assert _printed(page) == "2 times"

        # The ZIP of PNG images: one picture per label, named by its serial.
        zip_name, archive = _download(page, "png-zip", tmp_path)
        assert zip_name == f"labels-{lot_code}-run{run_no}.zip"
        png_urls = _zip_urls(archive, tmp_path / "png")
        assert len(png_urls) == LABELS
        assert set(png_urls) == set(codes)
        assert _printed(page) == "3 times"
    finally:
        page.context.close()

    # A shopper's phone opens every code of the sheet.
    shopper = journey.watch(_new_context_page(chromium))
    try:
        for url in sorted(codes):
            answer = shopper.goto(url)
            assert answer is not None and answer.status == 200, (url, answer and answer.status)
            _see(shopper, product_en, "h1")
            _see(shopper, "Genuine label", "h2")
            _see(shopper, "This is the first time it has been scanned.")
            assert _fact(shopper, "Lot", "main dl") == lot_code, _page_text(shopper)
            assert mark in _fact(shopper, "Collective mark", "main dl")
            _see(shopper, f"Growing area {zone}")
            _see(shopper, f"With their consent: {name}.")
            _see(shopper, "Inspection · passed")
    finally:
        shopper.context.close()
