"""The translation catalogs: complete, compiled, in step with the code, and used by the pages."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

import traceapp
from tests.public.conftest import _fresh_page_cache, labelled  # noqa: F401 (fixtures)

PACKAGE = Path(traceapp.__file__).resolve().parent
ROOT = PACKAGE.parent
TRANSLATIONS = PACKAGE / "translations"
LANGUAGES = ("vi", "en", "fr", "zh", "km", "tr")
#: The languages of the whole UI: every message of the catalog translated.
COMPLETE = ("vi", "fr", "zh", "km", "tr")
#: The keywords of the extraction command in traceapp/translations/README.md.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
#: What a shopper can see: the public templates (the label page and the public register) and
#: the Python strings they show (timeline steps and results, language names, a zone code's
#: kind, status and market) and the captions printed on labels.
PUBLIC_TEMPLATES = sorted(
    [
        *(PACKAGE / "templates" / "public").glob("*.html"),
        *(PACKAGE / "templates" / "registry").glob("*.html"),
    ]
)
PUBLIC_PYTHON = [
    PACKAGE / "batches" / "events.py",
    PACKAGE / "batches" / "event_vocab.py",
    PACKAGE / "batches" / "timeline.py",
    PACKAGE / "i18n.py",
    *sorted((PACKAGE / "labels" / "render").glob("*.py")),
    *sorted((PACKAGE / "registry").glob("*.py")),
    PACKAGE / "zones" / "models.py",
]
#: printf-style placeholders (%(name)s, %d, %%) and strftime fields (%Y, %m).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")


def _key(msgid: str | tuple[str, ...]) -> str:
    """A message's identity: its singular msgid."""
    return msgid if isinstance(msgid, str) else msgid[0]


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _po(lang: str) -> Catalog:
    return _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", locale=lang)


def _ids(catalog: Catalog) -> set[str]:
    return {_key(m.id) for m in catalog if m.id}


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str) else tuple(value)


def _strings(message: Any) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def _translated(message: Any) -> bool:
    return all(_strings(message)) and not message.fuzzy


def _extract_from_code() -> set[str]:
    """Extract the messages again, with babel.cfg and the README's keywords."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)

    def only_the_package(dirname: str) -> bool:
        path = Path(dirname).resolve()
        return path == PACKAGE or PACKAGE in path.parents

    found = extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=only_the_package
    )
    return {_key(message) for _file, _line, message, _comments, _context in found}


def _public_ids() -> set[str]:
    """The msgids a shopper can meet on the public page or a printed label."""
    sources = [(p, "jinja2", {"extensions": "jinja2.ext.i18n"}) for p in PUBLIC_TEMPLATES]
    sources += [(p, "python", {}) for p in PUBLIC_PYTHON]
    ids = set()
    for path, method, options in sources:
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            ids.add(_key(message))
    return ids


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    """The msgids in the code today."""
    return _extract_from_code()


def test_the_template_is_in_step_with_the_code(extracted):
    pot = _ids(_read(TRANSLATIONS / "messages.pot"))
    assert sorted(extracted - pot) == [], "new strings: run the extract and update commands"
    assert sorted(pot - extracted) == [], "strings gone from the code: extract and update"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_holds_every_message_of_the_code(lang, extracted):
    catalog = _po(lang)
    assert sorted(extracted - _ids(catalog)) == [], "run pybabel update"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(lang):
    """A .mo that lags its .po would show yesterday's words: compile after every edit."""
    fresh = io.BytesIO()
    write_mo(fresh, _po(lang), use_fuzzy=False)
    fresh.seek(0)
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    expected = read_mo(fresh)

    def messages(catalog: Catalog) -> dict[Any, Any]:
        return {_hashable(m.id): _hashable(m.string) for m in catalog if m.id}

    assert messages(compiled) == messages(expected), "run pybabel compile -d traceapp/translations"
    assert compiled.plural_forms == expected.plural_forms


@pytest.mark.parametrize("lang", COMPLETE)
def test_the_complete_languages_translate_everything(lang):
    catalog = _po(lang)
    assert not catalog.fuzzy
    left = sorted(_key(m.id) for m in catalog if m.id and not _translated(m))
    assert left == []


@pytest.mark.parametrize("lang", ["fr", "zh", "km", "tr"])
def test_the_shoppers_languages_translate_the_public_page(lang):
    public = _public_ids()
    # The public page's own words must be among them, or this test would check nothing.
    assert {"Genuine label", "Recalled: do not use this product", "Packed", "Lot"} <= public
    assert {"Zone code register", "Suspended: not valid today", "Suspended"} <= public
    catalog = _po(lang)
    left = sorted(k for k in public if catalog.get(k) is None or not _translated(catalog.get(k)))
    assert left == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders_and_add_no_markup(lang):
    catalog = _po(lang)
    assert [(m.id, errors) for m, errors in catalog.check()] == []
    for m in catalog:
        if not m.id or not any(_strings(m)):
            continue
        source = [m.id] if isinstance(m.id, str) else list(m.id)
        expected = Counter(PLACEHOLDER.findall(source[-1]))
        for text in filter(None, _strings(m)):
            # A template renders every string through "%": a stray % would break the page.
            assert Counter(PLACEHOLDER.findall(text)) == expected, (m.id, text)
            assert "%" not in PLACEHOLDER.sub("", text), (m.id, text)
            assert "<" not in text or "<" in source[0], (m.id, text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_label_date_format_is_a_date(lang):
    catalog = _po(lang)
    fmt = catalog.get("%d/%m/%Y").string or "%d/%m/%Y"
    printed = dt.date(2026, 3, 31).strftime(fmt)
    assert "31" in printed and "3" in printed.replace("31", "") and "2026" in printed


PUBLIC_WORDS = {
    "vi": [
        "Tem chính hãng",
        "Nguồn gốc sản phẩm",
        "Sản phẩm đến từ đâu",
        "Đã đóng gói",
        "Hạn sử dụng",
    ],
    "fr": [
        "Étiquette authentique",
        "Origine du produit",
        "où vient ce produit",
        "Conditionné",
        "À consommer de préférence avant",
    ],
    "zh": ["标签真实有效", "产品溯源", "产地来源", "已包装", "保质期至"],
}


@pytest.mark.parametrize("lang", ["vi", "fr", "zh"])
def test_the_public_page_speaks_the_shoppers_language(client, labelled, lang):  # noqa: F811
    html = client.get(
        labelled.url(labelled.serials[0]), headers={"Accept-Language": lang}
    ).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    for words in PUBLIC_WORDS[lang]:
        assert words in html
    for english in ("Genuine label", "Where it comes from", "Packed", "Best before"):
        assert english not in html


def test_the_language_can_be_chosen_in_the_address(client, labelled):  # noqa: F811
    url = labelled.url(labelled.serials[1])
    html = client.get(url, query_string={"lang": "zh"}).get_data(as_text=True)
    assert "标签真实有效" in html
    html = client.get(url, query_string={"lang": "en"}).get_data(as_text=True)
    assert "Genuine label" in html


def test_staff_pages_are_in_vietnamese(client):
    html = client.get("/login", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Đăng nhập" in html
    assert "Mật khẩu" in html
    assert "Sign in" not in html


def test_printed_captions_follow_the_language(app):
    from traceapp.labels.render.content import default_captions

    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        captions = default_captions()
    assert (captions.serial, captions.best_before) == (
        "N° de série",
        "À consommer de préférence avant",
    )
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        captions = default_captions()
    assert (captions.lot, captions.serial) == ("Lô", "Số sê-ri")
