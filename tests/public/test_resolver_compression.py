"""Compressed GS1 Digital Link URIs: decompressed as GS1's toolkit does, and resolved."""

from __future__ import annotations

import pytest

from tests.public.test_resolver import _packed_lot
from traceapp.labels import services as labels
from traceapp.public.digital_link_compression import decompress

#: What GS1's own toolkit (GS1DigitalLinkToolkit.js, compressGS1DigitalLink with and without
#: its optimisations, then decompressGS1DigitalLink) gives for these URIs, run under Node.
TOOLKIT = [
    ("ARBAe32ZkA", "/01/08934567890120"),
    ("ARBAe32ZkCAQLxhTg", "/01/08934567890120/10/12345678"),
    ("ARBAe32ZkCDIWcnqQsSWpEhFQ", "/01/08934567890120/22/2A/10/LOT1/21/S1"),
    ("ARBAe32ZkCDYuf9tpt19pppq", "/01/08934567890120/10/XP-2026-0001"),
    ("ARBAe32ZkCDYuf9tpt19pppqQo1XgkY", "/01/08934567890120/10/XP-2026-0001/21/ABC123"),
    ("ARBAe32ZkEIKMDk", "/01/08934567890120/21/12345"),
    (
        "ARBAe32ZsiDTtpt19rr8AQuBXaGxnq63CbPiIO5o",
        "/01/08934567890137/10/2026-11-A/21/K7Q2M9XW4TZ8RB3N",
    ),
    ("ARFKk4XBoCERBhQ0ytiyZkLPjlnrtvw", "/01/09506000134352/10/ABC%26%2B123/21/xyz1234"),
    ("ARHKVAdpQg", "/01/09780345418913"),  # GS1's own example (id.gs1.org/ARHKVAdpQg)
    ("ChBAe32ZkIRUIMhZyepCxJag", "/01/08934567890120/22/2A/10/LOT1/21/S1"),
    ("CxBAe32ZkBAvGFO", "/01/08934567890120/10/12345678"),
    ("CxBAe32ZkNi5_22m3X2mmmo", "/01/08934567890120/10/XP-2026-0001"),
    ("CxBAe32ZkNi5_22m3X2mmmpCjVeCRg", "/01/08934567890120/10/XP-2026-0001/21/ABC123"),
    (
        "CxBAe32ZstO2m3X2uvwBC4FdobGerrcJs-Ig7mg",
        "/01/08934567890137/10/2026-11-A/21/K7Q2M9XW4TZ8RB3N",
    ),
    ("CxFKk4XBoREGFDTK2LJmQs-OWeu2_A", "/01/09506000134352/10/ABC%26%2B123/21/xyz1234"),
    ("DBBAe32ZkAowOQ", "/01/08934567890120/21/12345"),
]


@pytest.mark.parametrize(("compressed", "uri"), TOOLKIT)
def test_decompression_agrees_with_gs1s_toolkit(compressed, uri):
    assert decompress(compressed) == (uri, "")


@pytest.mark.parametrize("segment", ["login", "ZZZZZZZZ", "ARBAe32ZkAAA", "A" * 200, "healthz"])
def test_what_is_not_a_compressed_gtin_is_none(segment):
    assert decompress(segment) is None


def test_a_compressed_uri_resolves_in_place(client, labelled):
    lot = _packed_lot(labelled, "XP-2026-0001", close=True)
    labels.issue_run(labelled.farm.world.a.manager, lot, count=2, kind="lot_copies")
    uncompressed = "https://trace.example.vn/01/08934567890120/10/XP-2026-0001"
    for compressed in ("ARBAe32ZkCDYuf9tpt19pppq", "CxBAe32ZkNi5_22m3X2mmmo"):
        page = client.get(f"/{compressed}")
        assert page.status_code == 200
        assert "XP-2026-0001" in page.get_data(as_text=True)
        assert f'<{uncompressed}>; rel="owl:sameAs"' in page.headers.getlist("Link")
        doc = client.get(f"/{compressed}?linkType=linkset").json
        assert doc["linkset"][0]["anchor"] == uncompressed  # the subject is uncompressed
        epcis = client.get(f"/{compressed}?linkType=gs1:epcis", headers={"Accept": "*/*"})
        assert epcis.status_code == 307
        assert epcis.headers["Location"].endswith("/gs1/epcis/01/08934567890120/10/XP-2026-0001")
        assert epcis.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/ARBAe32ZkA").status_code == 200  # the GTIN alone: the product
    assert client.get("/ARHKVAdpQg").status_code == 404  # a GTIN that is not ours
    assert client.get("/not-a-compressed-uri").status_code == 404
