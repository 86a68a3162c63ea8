"""The framework's ceiling for bench/public.py: Flask under the same gunicorn, one constant."""

from flask import Flask

app = Flask(__name__)
PAGE = "<!doctype html><title>ok</title><p>ok</p>"


@app.route("/<path:_any>")
def constant(_any: str) -> str:
    """Answer every path with the same small page."""
    return PAGE
