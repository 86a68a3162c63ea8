"""Choices named in words in an error message: "Passed (conformant) or Failed (non_conformant)".

The words are the reader's (translated labels); the code in brackets is what the API takes,
so one message serves a form and an API client."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from babel.lists import format_list
from flask_babel import get_locale


def choice_words(pairs: Iterable[tuple[str, Any]]) -> str:
    """(code, label) pairs as "Label (code)", joined the reader's way with "or"."""
    items = [f"{label} ({code})" if str(label) != code else code for code, label in pairs]
    if not items:
        return ""
    return format_list(items, style="or", locale=str(get_locale() or "en"))
