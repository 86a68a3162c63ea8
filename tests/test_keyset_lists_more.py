"""The last lists paged by offset now page by key (issue 21): a mark's grants (page and API)
and the problem reports walk forward and back showing every row once and in order, and a
typed ``?page=N`` still shows that page."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from tests.brands.factories import days_ago, make_grant, marked_setup
from tests.conftest import bearer
from tests.factories import MemberFactory
from tests.test_keyset_lists import _link
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.reports.models import ProblemKind, ProblemReport

GRANT_ROW = re.compile(r">(\d{4}-x) · ")
REPORT_ROW = re.compile(r"<code>(R-\d+)</code>")


def _walk(client: Any, url: str, rows: re.Pattern[str]) -> tuple[list[list[str]], list[str]]:
    """The pages from ``url`` following "next", then back from the last following "prev"."""
    forward, urls = [], []
    while url:
        html = client.get(url).get_data(as_text=True)
        forward.append(rows.findall(html))
        urls.append(url)
        url = _link(html, "next")
    backward = []
    url = _link(client.get(urls[-1]).get_data(as_text=True), "prev")
    while url:
        backward.append(rows.findall(client.get(url).get_data(as_text=True)))
        url = _link(client.get(url).get_data(as_text=True), "prev")
    return forward, backward


def _granted(world: Any, n: int) -> tuple[Any, list[str]]:
    """A mark with ``n`` grants, made in the reverse order of their members' numbers (the
    list's order is the members', not the grants' ids)."""
    mark, products = marked_setup(world.a, 1)
    numbers = [f"{i:04d}-x" for i in range(n)]
    for number in reversed(numbers):
        member = MemberFactory(cooperative=world.a.coop, member_number=number)
        db.session.flush()
        make_grant(mark, member, products, granted_on=days_ago(10))
    db.session.commit()
    return mark, numbers


def test_a_marks_grants_walk_forward_and_back_by_key(world, manager_client):
    mark, numbers = _granted(world, 105)
    forward, backward = _walk(manager_client, f"/brands/{mark.id}", GRANT_ROW)
    assert [n for page in forward for n in page] == numbers and len(forward) == 3
    assert "after=" in (_link(manager_client.get(f"/brands/{mark.id}").text, "next") or "")
    assert backward == list(reversed(forward[:-1]))
    html = manager_client.get(f"/brands/{mark.id}?page=2").get_data(as_text=True)
    assert GRANT_ROW.findall(html) == numbers[50:100] and "Page 2 of 3" in html
    last = manager_client.get(f"/brands/{mark.id}?page=3&last=1").get_data(as_text=True)
    assert GRANT_ROW.findall(last) == numbers[100:]


def test_the_grants_api_pages_by_the_after_cursor(world, api_token, client):
    mark, numbers = _granted(world, 7)
    seen: list[str] = []
    url = f"/api/v1/brands/{mark.id}/grants?page_size=3"
    while url:
        response = client.get(url, headers=bearer(api_token))
        assert response.status_code == 200
        seen += [g["member"]["member_number"] for g in response.get_json()]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")].replace("http://localhost", "") if link else ""
        if link:
            assert "after=" in link
    assert seen == numbers
    second = client.get(
        f"/api/v1/brands/{mark.id}/grants?page_size=3&page=2", headers=bearer(api_token)
    )
    assert [g["member"]["member_number"] for g in second.get_json()] == numbers[3:6]
    assert json.loads(second.headers["X-Pagination"])["page"] == 2


def test_the_problem_reports_walk_forward_and_back_by_key(world, manager_client):
    start = now_utc()
    # Pairs sent in the same second: the id keeps them apart, newest first.
    for i in range(64):
        db.session.add(
            ProblemReport(
                cooperative_id=world.a.coop.id,
                code=f"R-{i:03d}",
                label_state="valid",
                kind=ProblemKind.FAKE,
                text="Nhãn lạ",
                lang="vi",
                created_at=start - dt.timedelta(minutes=i // 2),
            )
        )
    db.session.commit()
    ids = db.session.scalars(
        db.select(ProblemReport.code).order_by(
            ProblemReport.created_at.desc(), ProblemReport.id.desc()
        )
    ).all()
    forward, backward = _walk(manager_client, "/problem-reports", REPORT_ROW)
    assert [c for page in forward for c in page] == ids and len(forward) == 3
    assert "after=" in (_link(manager_client.get("/problem-reports").text, "next") or "")
    assert backward == list(reversed(forward[:-1]))
    html = manager_client.get("/problem-reports?page=3").get_data(as_text=True)
    assert REPORT_ROW.findall(html) == ids[60:] and "Page 3 of 3" in html
