"""What the live layer's tests share: the running server's handle, the demo accounts, signing
in through the form in Chromium, and reading the QR codes of a downloaded sheet the way a
shopper's phone would."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DEMO_PASSWORD = "demo-password-2026"
#: Every demo account, by role (``traceapp demo`` prints the same list).
DEMO_ACCOUNTS = {
    "admin": "admin@traceapp.demo",
    "manager": "manager@xuanphuoc.demo",
    "staff": "staff@xuanphuoc.demo",
    "lobster_manager": "manager@songcau.demo",
    "tuna_manager": "manager@cangu.demo",
    "auditor": "auditor@phuyen.demo",
    "auditor_khanhhoa": "auditor@khanhhoa.demo",
    "programme_officer": "officer@phunu.demo",
    "rice_manager_kh": "manager@tramkak.demo",
    "oil_manager_tr": "manager@akhisar.demo",
    "auditor_takeo": "auditor@takeo.demo",
    "auditor_manisa": "auditor@manisa.demo",
}

#: Lines of the server's log that mean something broke inside it.
TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\)|\[ERROR\]| ERROR ")


def live_bin() -> Path:
    """The installed ``traceapp`` command the server runs from."""
    given = os.environ.get("TRACEAPP_LIVE_BIN")
    if given:
        return Path(given)
    return Path(sys.executable).parent / "traceapp"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running `traceapp serve` and what a test needs to talk to it."""

    url: str
    log_path: Path
    instance: Path
    env: dict[str, str]
    bin: Path
    process: subprocess.Popen[bytes] | None = None
    log_offset: int = 0
    notes: list[str] = field(default_factory=list)

    def log_text(self) -> str:
        """Everything the server has logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def new_log(self) -> str:
        """What the server logged since the last call."""
        text = self.log_text()
        fresh, self.log_offset = text[self.log_offset :], len(text)
        return fresh

    def tracebacks(self, text: str | None = None) -> list[str]:
        """The error lines of the log (or of ``text``), each with a little context."""
        text = self.log_text() if text is None else text
        lines = text.splitlines()
        found = []
        for i, line in enumerate(lines):
            if TRACEBACK_RE.search(line):
                found.append("\n".join(lines[max(0, i - 2) : i + 25]))
        return found

    def command(self, *args: str) -> str:
        """Run a ``traceapp`` command against the server's database; its output."""
        done = subprocess.run(
            [str(self.bin), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"traceapp {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        return done.stdout


def wait_until_up(server: LiveServer, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise AssertionError(f"traceapp serve exited:\n{server.log_text()[-4000:]}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(
        f"traceapp serve did not answer in {timeout}s:\n{server.log_text()[-4000:]}"
    )


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOPPM = shutil.which("pdftoppm")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need(tool: str | None, what: str) -> None:
    """Skip without the tool on a developer's machine; in CI (CI=true) a missing tool fails."""
    if tool:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI (.ci/run installs it)")
    pytest.skip(f"needs {what} (.ci/run installs it)")


def sign_in(
    browser: Any,
    server: LiveServer,
    role: str,
    *,
    width: int = 1280,
    height: int = 900,
    locale: str = "en-GB",
) -> Any:
    """A new browser context signed in as a demo role through the login form; its page."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, accept_downloads=True
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=email]", DEMO_ACCOUNTS[role])
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{role} could not sign in: {page.content()[:2000]}"
    return page


def qr_texts_in_png(path: Path) -> list[str]:
    """The text of every QR code in a picture, as zxing-cpp reads it."""
    import zxingcpp
    from PIL import Image

    with Image.open(path) as image:
        return [
            r.text
            for r in zxingcpp.read_barcodes(image.convert("L"))
            if r.format == zxingcpp.BarcodeFormat.QRCode
        ]


def qr_texts_in_pdf(pdf: bytes | Path, dpi: int = 200) -> list[str]:
    """The text of every QR code on every page of a PDF (pdftoppm, then zxing-cpp), in page
    order."""
    need(PDFTOPPM, "pdftoppm (poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sheet.pdf"
        if isinstance(pdf, Path):
            shutil.copyfile(pdf, source)
        else:
            source.write_bytes(pdf)
        subprocess.run(
            [
                str(PDFTOPPM),
                "-r",
                str(dpi),
                "-png",
                str(source),  # noqa: S603
                str(Path(tmp) / "page"),
            ],
            check=True,
            timeout=300,
        )
        texts: list[str] = []
        for page in sorted(Path(tmp).glob("page*.png")):
            texts.extend(qr_texts_in_png(page))
        return texts


def label_runs_past(api: Any, base: str, size: int) -> list[dict[str, Any]]:
    """The label runs (through the API at ``base``, signed in by ``api``) of more than ``size``
    live labels, over every lot the account sees."""
    lots = api.get(f"{base}/batches", timeout=30).json()
    return [
        run
        for lot in (lots["items"] if isinstance(lots, dict) else lots)
        for run in api.get(f"{base}/batches/{lot['id']}/label-runs", timeout=30).json()
        if run["live"] > size
    ]
