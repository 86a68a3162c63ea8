"""Language choice: ?lang=, then the cookie, then the user's setting, then Accept-Language."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app, g, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "lang"

#: How each language names itself in the switcher.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "fr": "Français", "zh": "中文"}


def supported() -> list[str]:
    """The configured languages, default first."""
    return list(current_app.config["TRACEAPP_LANGUAGES"])


@lru_cache(maxsize=512)
def _best_of(accept_language: str, langs: tuple[str, ...]) -> str | None:
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    return parse_accept_header(accept_language, LanguageAccept).best_match(langs)


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
    for choice in (asked, cookie, user_locale):
        choice = (choice or "").strip().lower()
        if choice in langs:
            return choice
    return _best_of(accept_language or "", tuple(langs)) or default


def select_locale() -> str:
    """Pick the request's language; remember an explicit ?lang= choice in a cookie."""
    langs = supported()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in langs:
        g.set_lang_cookie = asked
    user_locale = None
    # The public pages never look at a login (and that keeps the shopper's request cheap).
    if not request.path.startswith(("/api/", "/01/", "/l/", "/registry/")):
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
    """Times are shown in the cooperative's zone (Vietnam by default)."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
