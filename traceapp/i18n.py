"""Language choice: ?lang=, then the cookie, then the user's setting, then Accept-Language."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "lang"

#: How each language names itself in the switcher.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "fr": "Français", "zh": "中文"}


def supported() -> list[str]:
    """The configured languages, default first."""
    return list(current_app.config["TRACEAPP_LANGUAGES"])


def select_locale() -> str:
    """Pick the request's language; remember an explicit ?lang= choice in a cookie."""
    langs = supported()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in langs:
        g.set_lang_cookie = asked
        return asked
    cookie = (request.cookies.get(LANG_COOKIE) or "").strip().lower()
    if cookie in langs:
        return cookie
    if not request.path.startswith("/api/"):
        user_locale = getattr(current_user, "locale", None) if current_user else None
        if user_locale in langs:
            return user_locale
    return request.accept_languages.best_match(langs) or default


def select_timezone() -> str:
    """Times are shown in the cooperative's zone (Vietnam by default)."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
