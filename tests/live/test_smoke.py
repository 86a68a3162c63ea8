"""The live server answers as installed: home page, sign-in."""

from tests.live.support import LiveServer


def test_server_is_up(live_server: LiveServer):
    import urllib.request

    with urllib.request.urlopen(live_server.url + "/healthz") as answer:  # noqa: S310
        assert answer.status == 200
