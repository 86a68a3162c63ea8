"""The JSON documents the resolver serves beside a lot's page: recall status, certifications,
EPCIS events (as plain data; the views make them responses)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from traceapp.public.page import LotPage


def recall_status(page: LotPage) -> dict[str, Any]:
    """Whether the lot is recalled, and the recall's words when it is."""
    body: dict[str, Any] = {"lot": page.lot_code, "recalled": page.recall is not None}
    if page.recall:
        body.update(
            reason=page.recall["reason"],
            instructions=page.recall["instructions"],
            decided_by=page.recall["decided_by"],
            decided_at=page.recall["decided_at"].isoformat(),
        )
    return body


def certifications(page: LotPage) -> dict[str, Any]:
    """The collective mark, OCOP record and zone certifications the page shows."""
    return {
        "collective_mark": page.mark
        and {**page.mark, "certificate_date": str(page.mark["certificate_date"] or "")},
        "ocop": page.ocop and {**page.ocop, "valid_until": page.ocop["valid_until"].isoformat()},
        "zones": [
            {
                "code": z.code,
                "certifications": [
                    {**c, "expires_on": c["expires_on"].isoformat() if c["expires_on"] else None}
                    for c in z.certifications
                ],
            }
            for z in page.zones
        ],
    }


def epcis(lot_id: int) -> Iterator[bytes]:
    """The lot's public EPCIS 2.0 document (people and notes left out), chunk by chunk."""
    from traceapp.batches.epcis_stream import lot_chunks

    return lot_chunks(lot_id, public=True)
