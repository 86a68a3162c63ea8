"""Crawl the live server as every demo account, then as a signed-out shopper.

Each account signs in through the login form (``requests``, one session per account), starts at
the home page and follows, breadth first, every same-origin link the app renders (``<a href>``,
``<img src>``, ``<script src>``, ``<link rel=stylesheet|icon href>``), downloads included (PDF,
CSV, KML, GeoJSON, EPCIS, PNG...), each body read to its end. It only ever sends GET, and never
opens /logout (see ``SKIP_PATHS`` for the GET views that write). The signed-out crawl starts at
the home page too and also opens the label addresses the accounts saw printed on label runs, as
a shopper's phone does from a QR code.

The test fails, in one message at the end, on:

* any 5xx answer, any request without an answer in time, any body cut short;
* a 4xx answer other than 403/405/410 on a link the app itself rendered (``FINE_4XX``);
* any traceback or error line the server logged while the crawls ran.

It stays bounded: ``MAX_REQUESTS`` per account, ``TIME_BUDGET`` seconds in all, no paging
beyond page 2, and URLs that differ only in ids or query values share small quotas
(``PER_SHAPE``, ``PER_VARIANT``), so long lists of lots or serials are sampled, not read
through. Each account crawls in a language of its own, so most pages are seen in every
language. Run it with ``-s`` to see what each crawl did.
"""

from __future__ import annotations

import html
import re
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import pytest
import requests

from tests.live.support import DEMO_ACCOUNTS, DEMO_PASSWORD, LiveServer

pytestmark = [pytest.mark.live, pytest.mark.slow]

#: Requests one crawl sends at most (pages, downloads, pictures).
MAX_REQUESTS = 400
#: Seconds one account's crawl may take from its start (crawls wait for a free slot, so a
#: loaded machine makes the whole run longer, never a late account's crawl shorter).
TIME_BUDGET = 60.0
#: URLs opened per path shape (a path with every segment that holds a digit as ``{n}``).
PER_SHAPE = 25
#: URLs opened per query shape of a path shape (its parameters, digits in values as ``{n}``).
PER_VARIANT = 4
#: Seconds one request may take.
REQUEST_TIMEOUT = 30
#: Accounts crawling at once (the server runs two workers; this machine has two cores).
PARALLEL = 3
#: The app's languages; the crawls take them in turn.
LANGUAGES = ("vi", "en", "fr", "zh", "km", "tr")

#: Paths never opened. Signing out would end the crawl (it is a POST form, but a link to it
#: must not be followed either). The app marks its GET views that write: ``@keeps_writes`` on
#: the public scan pages (/01/..., /l/...; they log a scan, as every shopper's visit does, so
#: they are crawled, a few per crawl) and ``@writes`` on the API's label-run downloads (they
#: count a print; no page links them: printing is the run page's POST form, out of a GET
#: crawler's reach). No other GET view writes.
SKIP_PATHS = re.compile(r"^/logout(/|$)")

#: 4xx answers a rendered link may give: 403 (a page shown to several roles links to
#: something only some of them may open), 405 and 410. Anything else (400, 401, 404, 409,
#: 422, 429...) on a link the app rendered itself is the app contradicting itself (a link
#: that leads nowhere), or the crawl being refused, and fails the test. A printed label
#: address the signed-out crawl opens may be 404 (a voided or unknown serial): it is listed
#: in the crawl's summary instead.
FINE_4XX = frozenset({403, 405, 410})

#: Per signed-in role: texts its home page must show (its name; its cooperative or province)
#: and sections it must reach from there.
EXPECTED = {
    "admin": (("Quản trị hệ thống",), ("/cooperatives", "/authority", "/lots", "/users")),
    "manager": (("Nguyễn Thị Hoa", "Xuân Phước"), ("/lots", "/label-runs", "/scans", "/users")),
    "staff": (("Đặng Thị Thu", "Xuân Phước"), ("/lots", "/label-runs", "/scans")),
    "lobster_manager": (("Huỳnh Văn Tâm", "Sông Cầu"), ("/lots", "/label-runs", "/users")),
    "tuna_manager": (("Nguyễn Văn Dũng", "cá ngừ"), ("/lots", "/label-runs", "/users")),
    "auditor": (("Trần Minh Quân", "Phú Yên"), ("/authority", "/zones")),
    "auditor_khanhhoa": (("Lê Thị Yến", "Khánh Hòa"), ("/authority", "/zones")),
    "programme_officer": (("Võ Thị Minh Tâm",), ("/programmes", "/programmes/reach")),
    "rice_manager_kh": (("សុខ ចាន់ធី", "ត្រាំកក់"), ("/lots", "/label-runs", "/users")),
    "oil_manager_tr": (("Ayşe Yılmaz", "Akhisar"), ("/lots", "/label-runs", "/users")),
    "auditor_takeo": (("ហេង វណ្ណា", "Takeo"), ("/authority", "/zones")),
    "auditor_manisa": (("Mehmet Öztürk", "Manisa"), ("/authority", "/zones")),
}

ANONYMOUS = "anonymous"
#: The referrer shown for a label address a signed-out crawl opens as if scanned.
SCANNED = "(a printed label)"


class PageLinks(HTMLParser):
    """The links of one HTML page, and the value of its ``csrf_token`` input."""

    def __init__(self) -> None:
        """An empty parser."""
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.csrf_token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect the addresses a browser would open from this tag."""
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag in ("img", "script") and "src" in a:
            self.links.append(a["src"])
        elif tag == "link" and {"stylesheet", "icon"} & set(a.get("rel", "").lower().split()):
            self.links.append(a.get("href", ""))
        elif tag == "input" and a.get("name") == "csrf_token":
            self.csrf_token = a.get("value")


def parse_page(text: str) -> PageLinks:
    """The links and the CSRF token of an HTML page."""
    parser = PageLinks()
    parser.feed(text)
    parser.close()
    return parser


def path_shape(path: str) -> str:
    """The path with each segment holding a digit (id, serial, GTIN, lot code) as ``{n}``."""
    return "/".join("{n}" if any(c.isdigit() for c in seg) else seg for seg in path.split("/"))


def query_shape(query: list[tuple[str, str]]) -> str:
    """The query's parameters in order of name, digits in their values as ``{n}``."""
    return "&".join(f"{k}={re.sub(r'[0-9]+', '{n}', v)}" for k, v in sorted(query))


@dataclass
class Crawl:
    """One account's crawl: where it went, what it saw and what went wrong."""

    role: str
    server: LiveServer
    lang: str
    budget: float
    scanned: list[str] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)
    queue: deque[tuple[str, str]] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)
    quotas: Counter[str] = field(default_factory=Counter)
    over_quota: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    visited: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    dead_links: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    printed: set[str] = field(default_factory=set)
    timings: list[tuple[float, str]] = field(default_factory=list)
    home_html: str = ""
    html_pages: int = 0
    requests_sent: int = 0
    received_bytes: int = 0

    # --- which URLs to open ------------------------------------------------------------------

    def absolute(self, link: str, base: str) -> str | None:
        """The same-origin URL a link leads to, without its fragment; None to leave it."""
        link = link.strip()
        if not link or link.startswith("#"):
            return None
        if link.split(":", 1)[0].lower() in ("mailto", "javascript", "tel", "data", "blob"):
            return None
        parts, origin = urlsplit(urljoin(base, link)), urlsplit(self.server.url)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            return None
        if SKIP_PATHS.match(parts.path):
            return None
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))

    def admit(self, url: str) -> bool:
        """Whether a new URL fits the crawl's bounds; if so it takes its place in the quotas."""
        if url in self.seen:
            return False
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if any(k == "page" and v.isdigit() and int(v) > 2 for k, v in query):
            return False
        lang = dict(query).get("lang")
        shape = path_shape(parts.path)
        if lang is not None:
            # The language switcher is on every page: each language once, on whichever page.
            limits = [(f"?lang={lang}", 1)]
        elif query:
            limits = [(shape, PER_SHAPE), (f"{shape}?{query_shape(query)}", PER_VARIANT)]
        else:
            limits = [(shape, PER_SHAPE)]
        if any(self.quotas[key] >= limit for key, limit in limits):
            self.over_quota += 1
            return False
        for key, _limit in limits:
            self.quotas[key] += 1
        self.seen.add(url)
        return True

    def enqueue(self, link: str, base: str) -> None:
        """Queue a link found on ``base`` if it is same-origin, new and within the bounds."""
        url = self.absolute(link, base)
        if url is not None and self.admit(url):
            self.queue.append((url, base))

    # --- opening them ------------------------------------------------------------------------

    def where(self, url: str) -> str:
        """A URL without the server's origin, for messages."""
        return url.removeprefix(self.server.url) or "/"

    def get(self, url: str, referrer: str) -> tuple[requests.Response | None, bytes]:
        """GET a URL without following redirects and read its whole body; note what fails."""
        self.requests_sent += 1
        began = time.monotonic()
        what = f"{self.role}: GET {self.where(url)} (linked from {self.where(referrer)})"
        try:
            answer = self.session.get(
                url, allow_redirects=False, stream=True, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as exc:
            self.failures.append(f"{what}: no answer: {exc!r}")
            return None, b""
        status = answer.status_code
        self.statuses[status] += 1
        self.visited[url] = status
        chunks: list[bytes] = []
        with answer:
            try:
                chunks.extend(answer.iter_content(64 * 1024))
            except requests.RequestException as exc:
                # A download that fails mid-body (the app raised while streaming it).
                self.failures.append(
                    f"{what}: {status}, body cut short after {sum(map(len, chunks))} bytes: {exc!r}"
                )
                return None, b""
        body = b"".join(chunks)
        self.received_bytes += len(body)
        self.timings.append((time.monotonic() - began, f"{self.role}: {self.where(url)}"))
        declared = answer.headers.get("Content-Length", "")
        if (
            declared.isdigit()
            and "Content-Encoding" not in answer.headers
            and int(declared) != len(body)
        ):
            self.failures.append(
                f"{what}: {status}, {len(body)} bytes of the {declared} "
                "its Content-Length announced"
            )
        if status >= 500:
            self.failures.append(f"{what}: {status} {body[:300]!r}")
        elif status == 404 and referrer == SCANNED:
            self.dead_links.append(what)
        elif status >= 400 and status not in FINE_4XX:
            self.failures.append(f"{what}: {status} on a link the app rendered {body[:300]!r}")
        return answer, body

    def visit(self, url: str, referrer: str) -> None:
        """Open one URL; queue the target of a redirect or the links of an HTML page."""
        answer, body = self.get(url, referrer)
        if answer is None:
            return
        parts = urlsplit(url)
        lang = dict(parse_qsl(parts.query)).get("lang")
        if lang is not None and lang != self.lang:
            # The switcher's cookie now asks for another language: switch this crawl back.
            self.get(urlunsplit((*parts[:3], f"lang={self.lang}", "")), url)
        if answer.is_redirect:
            self.enqueue(answer.headers.get("Location", ""), url)
            return
        if answer.status_code != 200 or not answer.headers.get("Content-Type", "").startswith(
            "text/html"
        ):
            return
        self.html_pages += 1
        text = body.decode(answer.encoding or "utf-8", errors="replace")
        if parts.path == "/" and not self.home_html:
            self.home_html = text
        for link in parse_page(text).links:
            self.enqueue(link, url)
        # Label addresses shown as text (what the QR codes hold), for the signed-out crawl.
        printed = re.escape(self.server.url) + r"/(?:01|l)/[^\s<>\"']+"
        self.printed.update(html.unescape(m) for m in re.findall(printed, text))

    def sign_in(self) -> None:
        """Sign in through the login form as this crawl's demo account."""
        answer = self.session.get(
            f"{self.server.url}/login?lang={self.lang}", timeout=REQUEST_TIMEOUT
        )
        assert answer.status_code == 200, f"{self.role}: GET /login answered {answer.status_code}"
        token = parse_page(answer.text).csrf_token
        assert token, f"{self.role}: no csrf_token on the login form"
        answer = self.session.post(
            f"{self.server.url}/login",
            timeout=REQUEST_TIMEOUT,
            data={
                "email": DEMO_ACCOUNTS[self.role],
                "password": DEMO_PASSWORD,
                "csrf_token": token,
            },
        )
        assert answer.status_code == 200, f"{self.role}: signing in answered {answer.status_code}"
        assert urlsplit(answer.url).path != "/login", (
            f"{self.role} could not sign in: {answer.text[:1500]}"
        )

    def run(self) -> Crawl:
        """Sign in (unless anonymous), then crawl from the home page within the bounds."""
        with self.session:
            if self.role == ANONYMOUS:
                # Only to take this crawl's language, as the signed-in crawls do.
                self.session.get(
                    f"{self.server.url}/login?lang={self.lang}", timeout=REQUEST_TIMEOUT
                )
            else:
                self.sign_in()
            deadline = time.monotonic() + self.budget
            home = self.server.url + "/"
            self.enqueue(home, home)
            for address in self.scanned:
                self.enqueue(address, SCANNED)
            while self.queue:
                if self.requests_sent >= MAX_REQUESTS:
                    self.notes.append(f"stopped at {MAX_REQUESTS} requests")
                    break
                if time.monotonic() > deadline:
                    self.notes.append("out of time")
                    break
                self.visit(*self.queue.popleft())
        return self

    def summary(self) -> str:
        """What this crawl did, in a few lines."""
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items()))
        notes = "".join(f"; {note}, {len(self.queue)} left in the queue" for note in self.notes)
        lines = [
            f"{self.role} [{self.lang}]: {self.requests_sent} requests, {self.html_pages} "
            f"pages, {self.received_bytes // 1024} KiB ({codes}); {self.over_quota} "
            f"links over quota{notes}"
        ]
        lines += [f"  404 {dead}" for dead in self.dead_links]
        return "\n".join(lines)


def test_crawl_every_account(live_server: LiveServer):
    """Every page and download each demo account and a shopper reach answers without a 5xx."""
    live_server.new_log()  # only what the crawls make the server log counts
    started = time.monotonic()
    crawls = [
        Crawl(role=role, server=live_server, lang=LANGUAGES[i % len(LANGUAGES)], budget=TIME_BUDGET)
        for i, role in enumerate(DEMO_ACCOUNTS)
    ]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        signed_in = list(pool.map(Crawl.run, crawls))
    scanned = sorted(set().union(*(crawl.printed for crawl in signed_in)))
    anonymous = Crawl(
        role=ANONYMOUS,
        server=live_server,
        budget=TIME_BUDGET,
        scanned=scanned,
        lang=LANGUAGES[len(DEMO_ACCOUNTS) % len(LANGUAGES)],
    ).run()
    took = time.monotonic() - started
    time.sleep(0.5)  # the workers may still be writing the last requests' log lines
    log = live_server.new_log()
    print(f"\ncrawled for {took:.1f}s")
    for crawl in [*signed_in, anonymous]:
        print(crawl.summary())
    slowest = sorted((t for crawl in [*signed_in, anonymous] for t in crawl.timings), reverse=True)[
        :8
    ]
    print("slowest: " + "; ".join(f"{what} {seconds:.1f}s" for seconds, what in slowest))

    problems = [failure for crawl in [*signed_in, anonymous] for failure in crawl.failures]
    problems += [f"the server logged:\n{lines}" for lines in live_server.tracebacks(log)]
    assert not problems, f"{len(problems)} problems while crawling:\n\n" + "\n\n".join(
        problems[:60]
    )

    for crawl in signed_in:
        shown, sections = EXPECTED[crawl.role]
        assert crawl.html_pages > 10, f"{crawl.role} reached only {crawl.html_pages} pages"
        for text in shown:
            assert text in crawl.home_html, f"{crawl.role}'s home page does not show {text!r}"
        reached = {urlsplit(url).path for url, status in crawl.visited.items() if status == 200}
        missing = [section for section in sections if section not in reached]
        assert not missing, f"{crawl.role} never reached {missing} from the home page"
    home = live_server.url + "/"
    assert anonymous.visited.get(home) == 302, "signed out, / must lead to the login form"
    assert any(urlsplit(url).path == "/login" for url in anonymous.visited)
    assert scanned, "no label address was shown to any account"
    assert any(anonymous.visited.get(url) == 200 for url in scanned), (
        "no printed label address opened its public page"
    )


#: What the first bytes of each printed file must be.
MAGIC = {"pdf": b"%PDF-", "zpl": b"^XA", "png-zip": b"PK\x03\x04"}


def _options(page: str, name: str) -> list[str]:
    """The option values of a <select name=...> on a page."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no <select name={name}> on the page"
    return re.findall(r'<option[^>]*value="([^"]*)"', select.group(1))


def _printed_times(page: str) -> int:
    """The run page's "Printed N times" figure."""
    found = re.search(r"<dt>Printed</dt><dd>([\d,]+) times?</dd>", page)
    assert found, "the run page does not say how often it was printed"
    return int(found.group(1).replace(",", ""))


def test_every_print_form_downloads_its_file(live_server: LiveServer):
    """The manager's "Print" form, submitted for every format and layout it offers, answers
    with the whole file (a form is no link: the crawl cannot reach it), and each print is
    counted once."""
    live_server.new_log()
    base = live_server.url
    with requests.Session() as session:
        crawl = Crawl(role="manager", server=live_server, lang="en", budget=120)
        crawl.session = session
        crawl.sign_in()
        runs = session.get(f"{base}/label-runs", timeout=REQUEST_TIMEOUT).text
        run_paths = sorted(set(re.findall(r'href="(/label-runs/\d+)"', runs)))
        assert run_paths, "the manager sees no label run"
        run_path = run_paths[0]
        page = session.get(base + run_path, timeout=REQUEST_TIMEOUT).text
        formats, layouts = _options(page, "fmt"), _options(page, "layout")
        assert set(MAGIC) <= set(formats), formats
        assert len(layouts) >= 3, layouts
        before = _printed_times(page)
        wanted = [("pdf", layout) for layout in layouts] + [
            ("zpl", layouts[0]),
            ("png-zip", layouts[0]),
        ]
        for fmt, layout in wanted:
            token = parse_page(page).csrf_token
            answer = session.post(
                f"{base}{run_path}/print",
                stream=True,
                timeout=REQUEST_TIMEOUT,
                data={"csrf_token": token, "fmt": fmt, "layout": layout},
            )
            with answer:
                body = b"".join(answer.iter_content(64 * 1024))
            what = f"{fmt} ({layout})"
            assert answer.status_code == 200, f"{what}: {answer.status_code} {body[:300]!r}"
            assert answer.headers["Content-Disposition"].startswith("attachment;"), what
            assert int(answer.headers["Content-Length"]) == len(body), what
            assert body.startswith(MAGIC[fmt]), f"{what} starts with {body[:20]!r}"
            page = session.get(base + run_path, timeout=REQUEST_TIMEOUT).text
        assert _printed_times(page) == before + len(wanted)
    found = live_server.tracebacks(live_server.new_log())
    assert not found, "the server logged:\n\n" + "\n\n".join(found)
