"""Language choice: ?lang=, then the cookie, then the user's setting, then Accept-Language."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache

from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from traceapp.core import countries

LANG_COOKIE = "lang"
#: Pages that never look at a login (the API has its own).
PUBLIC_PATHS = ("/api/", "/01/", "/l/", "/registry/")

#: How each language names itself in the switcher.
LANGUAGE_NAMES = {
    "vi": "Tiếng Việt",
    "en": "English",
    "fr": "Français",
    "zh": "中文",
    "km": "ខ្មែរ",
    "tr": "Türkçe",
}


def supported() -> list[str]:
    """The configured languages, default first."""
    return list(current_app.config["TRACEAPP_LANGUAGES"])


@lru_cache(maxsize=512)
def _best_of(accept_language: str, langs: tuple[str, ...]) -> str | None:
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    return parse_accept_header(accept_language, LanguageAccept).best_match(langs)


def explicit_language(
    asked: str | None,
    cookie: str | None,
    accept_language: str | None,
    langs: list[str],
    user_locale: str | None = None,
) -> str | None:
    """The language the reader asked for (?lang=, the cookie, their setting, Accept-Language),
    or None when nothing they sent names a language traceapp speaks."""
    for choice in (asked, cookie, user_locale):
        choice = (choice or "").strip().lower()
        if choice in langs:
            return choice
    return _best_of(accept_language or "", tuple(langs))


def choose_language(
    asked: str | None,
    cookie: str | None,
    accept_language: str | None,
    langs: list[str],
    default: str,
    user_locale: str | None = None,
) -> str:
    """The language rule on plain values: ?lang=, the cookie, the user's setting,
    Accept-Language, the default (shared by Flask-Babel's selector and the scan fast path)."""
    return explicit_language(asked, cookie, accept_language, langs, user_locale) or default


def country_language(country: str | None, langs: list[str], default: str) -> str:
    """The default language of a country's pages (a label's cooperative's country), if
    traceapp speaks it; else ``default``."""
    if not country:
        return default
    wanted = countries.get(country).default_language
    return wanted if wanted in langs else default


def public_explicit_language() -> str | None:
    """What the reader of a public page asked for (no login is looked at), or None."""
    return explicit_language(
        request.args.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("Accept-Language"),
        supported(),
    )


def select_locale() -> str:
    """Pick the request's language; remember an explicit ?lang= choice in a cookie."""
    langs = supported()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    if g.get("public_lang"):
        # A public page settled its language (the label's country's, when none was asked).
        return str(g.public_lang)
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in langs:
        g.set_lang_cookie = asked
    user_locale = None
    # The public pages never look at a login (and that keeps the shopper's request cheap).
    if not request.path.startswith(PUBLIC_PATHS):
        user_locale = getattr(current_user, "locale", None) if current_user else None
    return choose_language(
        asked,
        request.cookies.get(LANG_COOKIE),
        request.headers.get("Accept-Language"),
        langs,
        default,
        user_locale,
    )


def select_timezone() -> str:
    """Times are shown in the cooperative's zone: the one a page set (``g.timezone``), else
    that of the signed-in user's cooperative's country (an auditor's country), else the
    configured one (Vietnam's by default)."""
    if has_request_context():
        chosen = g.get("timezone")
        if chosen:
            return str(chosen)
        if request.path.startswith(PUBLIC_PATHS):
            return current_app.config["BABEL_DEFAULT_TIMEZONE"]
        coop = getattr(current_user, "cooperative", None) if current_user else None
        # A cooperative's users see its country's time; an auditor their country's.
        country = getattr(coop, "country", None) or getattr(current_user, "country", None)
        # Vietnam keeps the configured zone (TRACEAPP_TIMEZONE), as before countries existed.
        if country and country != countries.DEFAULT:
            return countries.get(country).timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


#: Staff pages write a date day first in every language. CLDR's English ("en", American)
#: medium date is month first ("Dec 5, 2026"); British English's is the same words, day first.
DATE_LOCALES = {"en": "en_GB"}


@lru_cache(maxsize=32)
def date_patterns(locale: str) -> tuple[str, str]:
    """The one pattern for a date and the one for a date and time in a language: the
    language's medium date (the month in letters, so 5 December is never read as 12 May) and,
    for a date and time, that date with the hour and minutes ("5 Dec 2026, 15:04")."""
    where = Locale.parse(DATE_LOCALES.get(locale, locale))
    day = get_date_format("medium", where).pattern
    clock = get_time_format("short", where).pattern
    glue = str(get_datetime_format("medium", where))
    return day, glue.replace("{1}", day).replace("{0}", clock)


class DateFormats(Mapping[str, str | None]):
    """Flask-Babel's table of date formats, per request language: every date shown, by a
    template's ``dateformat``/``datetimeformat`` filter or by ``format_date``/``format_datetime``
    in the code, in its short or medium style (or the default) comes out in the language's one
    date pattern or its one date-time pattern (:func:`date_patterns`). The long and full
    styles (the public pages' "5 December 2026") and times alone keep CLDR's."""

    KEYS = ("date", "datetime", "time")

    def __getitem__(self, key: str) -> str | None:
        kind, _, style = key.partition(".")
        if kind not in self.KEYS:
            raise KeyError(key)
        if not style:
            return "medium"
        if kind == "time" or style not in ("short", "medium"):
            return None  # the language's own pattern for that style
        locale = get_locale()
        day, moment = date_patterns(str(locale) if locale else "en")
        return day if kind == "date" else moment

    def __iter__(self) -> Iterator[str]:
        return iter(self.KEYS)

    def __len__(self) -> int:
        return len(self.KEYS)
