"""Serve stored images; keys are random and content never changes, so they cache forever."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort

from traceapp.extensions import db
from traceapp.media.models import StoredImage

bp = Blueprint("media", __name__)


@bp.route("/media/<key>")
def image(key: str) -> Any:
    """An image by key: public, as logos and product photos appear on public pages."""
    if not (10 <= len(key) <= 32) or not key.replace("-", "").replace("_", "").isalnum():
        abort(404)
    row = db.session.execute(
        sa.select(StoredImage.data, StoredImage.content_type).where(StoredImage.key == key)
    ).first()
    if row is None:
        abort(404)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
