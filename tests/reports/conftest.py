"""Reports are sent from the public pages: their tests use the public tests' labelled lot."""

from __future__ import annotations

from tests.public.conftest import _fresh_page_cache, labelled

__all__ = ["_fresh_page_cache", "labelled"]
