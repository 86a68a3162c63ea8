"""The label page leads on to the register: its cooperative and the codes its lot came from."""

from __future__ import annotations

from tests.public.conftest import _fresh_page_cache, labelled  # noqa: F401 (fixtures)
from traceapp.extensions import db
from traceapp.zones.models import ZoneStatus


def test_the_label_page_links_the_cooperative_and_the_zone_codes(client, labelled):  # noqa: F811
    html = client.get(labelled.url(labelled.serials[0])).get_data(as_text=True)
    coop = labelled.farm.coop
    assert f'<a href="/registry/cooperatives/{coop.id}">{coop.name}</a>' in html
    for zone in (labelled.farm.field, labelled.farm.field2):
        assert f'<a href="/registry/zones/{zone.code}">{zone.code}</a>' in html
        assert client.get(f"/registry/zones/{zone.code}").status_code == 200
    assert client.get(f"/registry/cooperatives/{coop.id}").status_code == 200


def test_a_code_the_register_does_not_hold_is_not_linked(client, labelled):  # noqa: F811
    # A code taken back to an application after the harvest (only a test can do this).
    labelled.farm.field2.status = ZoneStatus.SUBMITTED
    db.session.flush()
    html = client.get(labelled.url(labelled.serials[1])).get_data(as_text=True)
    assert f'href="/registry/zones/{labelled.farm.field.code}"' in html
    assert labelled.farm.field2.code in html
    assert f'href="/registry/zones/{labelled.farm.field2.code}"' not in html
