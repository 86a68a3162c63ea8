"""The ``traceapp`` console command: Flask's command group around :func:`traceapp.create_app`,
whose app carries the commands of :mod:`traceapp.commands` (and ``db`` from Flask-Migrate)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from traceapp import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """traceapp: cooperatives, collective marks, zone codes, lots and QR labels."""
