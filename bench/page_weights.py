"""Weigh the public pages (issue 17): each label state's page, the cooperative, mark, zone
register and zone-code pages, and the report form, as a phone would load them.

Loads the demo into a fresh SQLite database in a temporary folder, then asks the app (through
its WSGI test client, no network) for each page in Vietnamese and in English, with a browser's
Accept header. Prints the HTML size, its gzip size (what a compressing proxy would send), and
whether the page names any other resource (images excepted: the product photo and logos are
separate requests by design; the demo has none). Run from the repository root:

    .venv/bin/python bench/page_weights.py
"""

from __future__ import annotations

import gzip
import re
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#: Anything a page would fetch besides itself (scripts, stylesheets, fonts, frames).
FETCHES = re.compile(r"<(script|link|iframe)\b[^>]*(src|href)=|@import|url\(", re.I)


def main() -> None:
    from traceapp import create_app
    from traceapp.demo import load_demo
    from traceapp.demo.states import label_urls
    from traceapp.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="page-weights-"))
    base = "http://127.0.0.1:5000"
    app = create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
            "SECRET_KEY": secrets.token_hex(16),
            "INSTANCE_PATH": str(folder),
            "TRACEAPP_PUBLIC_BASE_URL": base,
            "TRACEAPP_PUBLIC_RATE_LIMIT": "100000 per minute",
        }
    )
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
        states = label_urls()
    pages = {f"label: {state}": url.removeprefix(base) for state, url in states.items()}
    pages.update(
        {
            "cooperative": "/registry/cooperatives/1",
            "collective mark": "/registry/marks/1",
            "zone register": "/registry/zones",
            "zone page": "/registry/zones/VN-PYDX-0101",
            "report form": "/report?about=" + states["genuine"],
        }
    )
    client = app.test_client()
    print(f"{'page':22} {'lang':4} {'status':6} {'bytes':>7} {'gzip':>6} {'other fetches':>13}")
    for name, path in pages.items():
        for lang in ("vi", "en"):
            sep = "&" if "?" in path else "?"
            r = client.get(f"{path}{sep}lang={lang}", headers={"Accept": BROWSER})
            body = r.get_data()
            fetches = len(FETCHES.findall(body.decode("utf-8", "replace")))
            print(
                f"{name:22} {lang:4} {r.status_code:<6} {len(body):>7} "
                f"{len(gzip.compress(body)):>6} {fetches:>13}"
            )


if __name__ == "__main__":
    main()
