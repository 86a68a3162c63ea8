"""A cooperative's and a collective mark's public pages: who they are, what may carry the mark."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.products.factories import OcopRecordFactory
from traceapp.brands.models import MarkGrant, MarkStatus
from traceapp.brands.services import suspend_grant
from traceapp.cooperatives.services import member_stats
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.products.models import OcopLevel
from traceapp.products.services import add_months

MEMBER_NAMES = ("Nguyễn Thị Alpha1", "Trần Văn Alpha2", "Lê Thị Alpha3", "Ngư dân Thử")


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def shop(farm):
    """The farm's cooperative with an address, rules of use, OCOP records and an old product."""
    coop = farm.coop
    coop.address = "Thôn Phú Xuân, xã Xuân Phước"
    coop.registration_number = "4407A9999"
    farm.mark.product_scope = "Nhóm 29: đậu phộng rang."
    farm.mark.conditions_of_use = "Chỉ thành viên được cấp quyền mới được gắn nhãn hiệu. " * 12
    farm.mark.violation_measures = "Thu hồi quyền sử dụng."
    today = local_today()
    # Valid: 4 stars on the packed bag. Expired: 5 stars on the tuna. Not certified: 2 stars.
    OcopRecordFactory(product=farm.peanuts_packed, decision_number="1156/QĐ-UBND")
    old = today - dt.timedelta(days=4 * 365)
    OcopRecordFactory(
        product=farm.tuna,
        stars=5,
        level=OcopLevel.MINISTRY,
        decided_on=old,
        valid_until=add_months(old, 36),
    )
    OcopRecordFactory(product=farm.lobster, stars=2, level=None)
    farm.lobster.is_active = False
    db.session.flush()
    return farm


def test_a_buyer_reads_the_cooperative_page_in_english_and_chinese(client, shop):
    url = f"/registry/cooperatives/{shop.coop.id}"
    html = _text(client.get(url))
    assert "<h1>Hợp tác xã Alpha</h1>" in html
    assert "Thôn Phú Xuân, xã Xuân Phước" in html and "Phú Yên" in html
    assert "4407A9999" in html
    # The mark with a summary of its rules, and a link to the whole of them.
    assert f'href="/registry/marks/{shop.mark.id}"' in html
    assert "Registered: members holding a grant of use may put it on the products" in html
    assert "Nhóm 29: đậu phộng rang." in html
    assert html.count("Chỉ thành viên được cấp quyền") < 12  # a summary, not the whole text
    # Current products; OCOP stars only while a certified rating is valid.
    assert "Peanuts 500 g" in html and "Đậu phộng thô" in html and "Cá ngừ vây vàng" in html
    assert "Tôm hùm xanh" not in html  # no longer sold
    assert html.count("-star OCOP product") == 1 and "4-star OCOP product" in html
    assert "1156/QĐ-UBND" in html
    assert html.count("Carries the collective mark Đậu phộng Thử") == 2
    assert f'href="/01/{shop.peanuts_packed.gtin}"' in html
    # The codes it holds.
    for code in ("VN-TEST-0001", "VN-PYOFF-01", "54-TH-0001-001", "VN-PYPH-0001"):
        assert f'href="/registry/zones/{code}"' in html
    zh = _text(client.get(url, headers={"Accept-Language": "zh"}))
    assert '<html lang="zh">' in zh
    assert "<h2>集体商标</h2>" in zh and "<h2>产品</h2>" in zh and "4 星级 OCOP 产品" in zh
    assert "Collective marks" not in zh and "4-star OCOP product" not in zh
    assert len(client.get(url).data) < 30_000


def test_the_share_of_women_shows_only_when_the_cooperative_chooses(client, manager_client, shop):
    coop = shop.coop
    url = f"/registry/cooperatives/{coop.id}"
    html = _text(client.get(url))
    assert "of members are women" not in html
    assert "member households." in html
    form = _text(manager_client.get(f"/cooperatives/{coop.id}/edit"))
    assert "Show the share of women among the members on public pages" in form
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/edit",
        {
            "name": coop.name,
            "short_code": coop.short_code,
            "province": coop.province,
            "show_women_share": "y",
        },
    )
    assert r.status_code == 302
    share = member_stats(coop.id)["women_share"]
    assert f"{share}% of members are women." in _text(client.get(url))
    # Unticking it hides it again.
    manager_client.form_post(
        f"/cooperatives/{coop.id}/edit",
        {"name": coop.name, "short_code": coop.short_code, "province": coop.province},
    )
    assert "of members are women" not in _text(client.get(url))


def test_the_mark_page_lists_what_members_may_mark_today(client, shop):
    url = f"/registry/marks/{shop.mark.id}"
    html = _text(client.get(url))
    assert "<h1>Đậu phộng Thử</h1>" in html
    assert "certificate no. 4-0000001-000" in html
    assert "Products that may carry it today" in html
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert len(items) == 2
    assert "Peanuts 500 g" in items[0] and "Đậu phộng thô" in items[1]  # by product code
    assert all("2 member households may put the mark on it." in i for i in items)
    assert "Cá ngừ vây vàng" not in html  # it carries no mark
    assert "Thu hồi quyền sử dụng." in html and "Measures against violations" in html
    assert f'href="/registry/cooperatives/{shop.coop.id}"' in html
    for name in MEMBER_NAMES:
        assert name not in html
    vi = _text(client.get(url, headers={"Accept-Language": "vi"}))
    assert "hộ thành viên được quyền gắn nhãn hiệu lên sản phẩm này" in vi
    assert "Quy chế sử dụng nhãn hiệu" in vi


def test_a_suspended_grant_or_mark_takes_products_off_the_page(client, manager_client, shop):
    url = f"/registry/marks/{shop.mark.id}"
    grant = db.session.query(MarkGrant).filter_by(member_id=shop.growers[0].id).one()
    suspend_grant(shop.world.a.manager, grant, reason="Vi phạm quy chế", effective_on=local_today())
    db.session.flush()
    html = _text(client.get(url))
    assert html.count("1 member household may put the mark on it.") == 2
    shop.mark.status = MarkStatus.SUSPENDED
    db.session.flush()
    html = _text(client.get(url))
    assert "Suspended: no product may carry the mark now." in html
    assert "No product may carry the mark today." in html
    coop_page = _text(client.get(f"/registry/cooperatives/{shop.coop.id}"))
    assert "Carries the collective mark" not in coop_page


def test_an_expired_mark_says_since_when(client, shop):
    shop.mark.valid_until = local_today() - dt.timedelta(days=1)
    db.session.flush()
    html = _text(client.get(f"/registry/marks/{shop.mark.id}"))
    assert "Expired on" in html and "no product may carry the mark." in html


@pytest.mark.parametrize("path", ["/registry/cooperatives/999999", "/registry/marks/999999"])
def test_unknown_cooperatives_and_marks_are_404(client, world, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "Not in the public register" in _text(r)


def test_the_front_page_finds_a_cooperative(client, world):
    html = _text(client.get("/registry/", query_string={"q": "khánh hòa"}))
    assert "Hợp tác xã Beta" in html and "Hợp tác xã Alpha" not in html
    html = _text(client.get("/registry/"))
    assert f'href="/registry/cooperatives/{world.a.coop.id}"' in html
    assert 'action="/registry/zones"' in html
