"""The commands of ``traceapp`` (also ``flask --app traceapp``): users, demo, serving, audit,
zones. ``create_app`` attaches them to the app; ``traceapp.cli`` is the console entry point."""

from __future__ import annotations

import functools
import getpass
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from traceapp.errors import DomainError

#: ``traceapp worker`` lets its current job reach a step, puts it back in the queue, and exits.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def in_english(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run an operator command in English, like the rest of its output (the app's default
    language applies to the web pages, not to the terminal)."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapped


def _fail(exc: DomainError) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    for field, messages in exc.errors.items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    sys.exit(1)


users = click.Group("users", help="Create accounts, disable them and issue API tokens.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice(["admin", "manager", "staff", "auditor"]), required=True)
@click.option("--cooperative", help="Short code of the cooperative (managers and staff).")
@click.option("--country", help="Country of an auditor (ISO code, default VN).")
@click.option("--province", help="Province of an auditor.")
@click.option("--district", help="District of an auditor (optional).")
@click.option("--password", help="Asked for when not given.")
@with_appcontext
@in_english
def users_create(
    email: str,
    full_name: str,
    role: str,
    cooperative: str | None,
    country: str | None,
    province: str | None,
    district: str | None,
    password: str | None,
) -> None:
    """Create a user account."""
    import sqlalchemy as sa

    from traceapp.auth import services
    from traceapp.auth.models import SYSTEM
    from traceapp.cooperatives.models import Cooperative
    from traceapp.core.unit_of_work import run_unit_of_work
    from traceapp.extensions import db

    coop_id = None
    if cooperative:
        coop_id = db.session.execute(
            sa.select(Cooperative.id).where(Cooperative.short_code == cooperative.upper())
        ).scalar_one_or_none()
        if coop_id is None:
            click.echo(f"Error: no cooperative with short code {cooperative!r}.", err=True)
            sys.exit(1)
    if not password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            click.echo("Error: the passwords differ.", err=True)
            sys.exit(1)
    try:
        user = run_unit_of_work(
            db.session,
            lambda: services.create_user(
                SYSTEM,
                email=email,
                full_name=full_name,
                password=password,
                role=role,
                cooperative_id=coop_id,
                province=province,
                district=district,
                country=country,
            ),
        )
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Created {user.email} ({user.role.label}).")


@users.command("token")
@click.argument("email")
@click.option("--name", default="command line", help="What the token is for.")
@click.option("--days", type=int, default=None, help="Expire after this many days.")
@with_appcontext
@in_english
def users_token(email: str, name: str, days: int | None) -> None:
    """Print a new API token for EMAIL (shown once; only its hash is kept)."""
    from traceapp.auth import services
    from traceapp.auth.models import SYSTEM
    from traceapp.core.unit_of_work import run_unit_of_work
    from traceapp.extensions import db

    user = services.find_user_by_email(email)
    if user is None:
        click.echo(f"Error: no user {email}.", err=True)
        sys.exit(1)
    try:
        _token, raw = run_unit_of_work(
            db.session, lambda: services.create_token(SYSTEM, user, name, days)
        )
    except DomainError as exc:
        _fail(exc)
    click.echo(raw)


@users.command("disable")
@click.argument("email")
@with_appcontext
@in_english
def users_disable(email: str) -> None:
    """Disable an account; its sessions and tokens stop working at once."""
    from traceapp.auth import services
    from traceapp.auth.models import SYSTEM
    from traceapp.core.unit_of_work import run_unit_of_work
    from traceapp.extensions import db

    user = services.find_user_by_email(email)
    if user is None:
        click.echo(f"Error: no user {email}.", err=True)
        sys.exit(1)
    run_unit_of_work(db.session, lambda: services.set_active(SYSTEM, user, False))
    click.echo(f"Disabled {email}.")


@users.command("list")
@with_appcontext
@in_english
def users_list() -> None:
    """List accounts."""
    from traceapp.auth.models import SYSTEM
    from traceapp.auth.services import users_visible_to
    from traceapp.extensions import db

    for user in db.session.execute(users_visible_to(SYSTEM)).scalars():
        scope = user.cooperative.short_code if user.cooperative else (user.province or "")
        state = "" if user.is_active else " (disabled)"
        click.echo(f"{user.email:40} {user.role.value:8} {scope}{state}")


@click.command("demo")
@click.option("--force", is_flag=True, help="Allow in production (it creates known passwords).")
@with_appcontext
def demo(force: bool) -> None:
    """Migrate the database if needed and load the demo data (safe to run again)."""
    from flask_migrate import upgrade

    from traceapp.demo import load_demo

    if current_app.config["TRACEAPP_ENV"] == "production" and not force:
        click.echo(
            "Error: the demo creates accounts with known passwords; refusing in "
            "production (use --force on a throw-away instance).",
            err=True,
        )
        sys.exit(1)
    upgrade()
    from traceapp.demo.states import label_urls

    logins = load_demo()
    click.echo("Demo data loaded. Sign in at http://127.0.0.1:5000/login with:")
    for email, password, what in logins:
        click.echo(f"  {email:32} {password:20} {what}")
    click.echo("A label in each state a shopper may meet:")
    for state, url in label_urls().items():
        click.echo(f"  {state:10} {url}")


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--threads", default=1, show_default=True, type=int)
def serve(bind: str, workers: int, threads: int) -> None:
    """Run the production server (gunicorn) in front of the app."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            # Each worker builds its own app after the fork, named as gunicorn names apps
            # (this module sits below the app factory, which registers these commands).
            from gunicorn.util import import_app

            return import_app("traceapp:create_app()")

    from traceapp.workers import inline_worker_wanted, spawn_process

    worker = None
    from flask.cli import ScriptInfo

    if inline_worker_wanted(click.get_current_context().ensure_object(ScriptInfo).load_app()):
        # The embedded setup's jobs run in one worker process beside the server; the web
        # workers (built after the fork, from the environment) start none of their own.
        worker = spawn_process()
        os.environ["TRACEAPP_JOBS_INLINE_WORKER"] = "0"
    try:
        _Server().run()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then exit.")
@click.option("--parent", type=int, hidden=True, help="Stop when this process is gone.")
@with_appcontext
def worker(once: bool, parent: int | None) -> None:
    """Run background jobs (label rendering, EPCIS imports) until stopped. SIGTERM lets the
    current job reach its next step and puts it back in the queue for the next worker."""
    import threading

    from traceapp.workers import work

    stopping = threading.Event()
    before = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in STOP_SIGNALS}
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        taken = work(app, once=once, stopping=stopping, parent=parent)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    if once:
        click.echo(f"{taken} job(s) run.")


zones = click.Group("zones", help="Zone codes.")


@zones.command("expire")
@with_appcontext
@in_english
def zones_expire() -> None:
    """Record the expiry of every code past its valid-until date (run it daily, e.g. cron)."""
    from traceapp.auth.models import SYSTEM
    from traceapp.core.unit_of_work import run_unit_of_work
    from traceapp.database import local_today
    from traceapp.extensions import db
    from traceapp.zones.services import expire_due_zones

    expired = run_unit_of_work(db.session, lambda: expire_due_zones(SYSTEM, local_today()))
    for zone in expired:
        click.echo(f"expired {zone.code} (valid until {zone.valid_until})")
    click.echo(f"{len(expired)} zone codes expired.")


audit = click.Group("audit", help="The tamper-evident audit trail.")


@audit.command("verify")
@click.option(
    "--head",
    "heads",
    multiple=True,
    metavar='"#SEQ HASH"',
    help="A head printed in an earlier export (its last CSV line, its audit_chain_head or "
    "X-Audit-Chain-Head): the chain must still hold that record with that hash. Repeatable.",
)
@with_appcontext
@in_english
def audit_verify(heads: tuple[str, ...]) -> None:
    """Walk the keyed hash chain, the anchor file and the trace events; name the first
    broken record or event."""
    from traceapp.audit.chain import anchor_path
    from traceapp.audit.services import verify_chain
    from traceapp.audit.verify import parse_head

    published = [parse_head(text) for text in heads]
    if None in published:
        raise click.BadParameter(
            "write it as printed: #SEQ and the 64-digit hash", param_hint="--head"
        )
    result = verify_chain(head for head in published if head is not None)
    path = anchor_path()
    anchored = (
        f"anchor file {path} agrees at #{result.anchored_seq}"
        if result.anchored_seq is not None
        else f"no anchor file at {path}: truncation cannot be seen"
    )
    if result.ok:
        click.echo(
            f"OK: {result.checked} records, {result.events} events, "
            f"head hash {result.head_hash}; {anchored}"
        )
        return
    where = (
        f"record #{result.broken_seq}"
        if result.broken_seq is not None
        else f"event #{result.broken_event}"
    )
    click.echo(f"BROKEN at {where} ({result.kind}): {result.reason}", err=True)
    sys.exit(2)


scans = click.Group("scans", help="The scan log.")


@scans.command("maintain")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Act as on this day (UTC).")
@with_appcontext
@in_english
def scans_maintain(today: Any) -> None:
    """Make the coming months' partitions (PostgreSQL) and remove scans older than
    TRACEAPP_SCAN_RETENTION_MONTHS; daily counts stay. The worker runs it hourly."""
    from traceapp.maintenance import maintain_scans

    done = maintain_scans(current_app, today.date() if today else None)
    for name in done.created:
        click.echo(f"partition {name} made")
    for name in done.dropped:
        click.echo(f"partition {name} dropped")
    if done.deleted:
        click.echo(f"{done.deleted} old scans deleted")


uploads = click.Group("uploads", help="Uploads kept for import jobs.")


@uploads.command("expire")
@with_appcontext
@in_english
def uploads_expire() -> None:
    """Let go of the uploads of import jobs that ended, or were checked and never confirmed,
    more than TRACEAPP_UPLOAD_RETENTION_HOURS ago. The worker runs it hourly."""
    from traceapp.maintenance import expire_uploads

    click.echo(f"{expire_uploads(current_app)} import jobs' uploads let go.")


figures = click.Group("figures", help="The figures the console keeps.")


@figures.command("refresh")
@with_appcontext
@in_english
def figures_refresh() -> None:
    """Recompute the authority's kept flags and statistics now (the worker does it every
    TRACEAPP_FIGURES_REFRESH_SECONDS)."""
    from traceapp.maintenance import refresh_figures

    click.echo(f"{refresh_figures()} flags kept.")


def register(app: Flask) -> None:
    """Attach the command groups to the app (for ``flask --app traceapp``)."""
    for command in (users, demo, serve, worker, audit, zones, scans, uploads, figures):
        app.cli.add_command(command)
