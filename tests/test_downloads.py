"""Plan downloads over the real eventlet server for titles in any script, and safe log lines.

The Flask test client does not encode response headers the way a WSGI server does, so these
run against `python app.py` and read the raw bytes a browser would get.
"""

from __future__ import annotations

import http.client as httpclient
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
import socketio

from tests.server import LiveServer
from tests.test_server import http

pytestmark = pytest.mark.server

TITLES = {
    "cyrillic": "Стратегия 2027",
    "greek": "Στρατηγική Ελλάδα 2030",
    "cjk": "東京 plan 2030",
    "emoji": "🚀 Launch plan 🎯",
    "arabic": "خطة استراتيجية 2030",
    "hebrew": "תוכנית אסטרטגית",
}
FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("downloads") / "workshop.sqlite3")
    with live:
        yield live
    print(live.output())


def finished_workshop(server: LiveServer, title: str) -> tuple[dict[str, Any], str]:
    """Create a workshop, join one phone, finish it; return it and the phone's token."""
    created = http("POST", f"{server.url}/api/workshops", {"title": title}).json()
    sio = socketio.Client(reconnection=False)
    sio.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        joined = sio.call("join", {"code": created["code"]}, timeout=10)
        assert joined["ok"], joined
        sio.call("facilitate", {"workshop_id": created["id"], "key": created["facilitator_key"]})
        finished = sio.call("workshop:finish", {}, timeout=10)
        assert finished["ok"], finished
    finally:
        sio.disconnect()
    return created, joined["token"]


def raw_get(server: LiveServer, path: str, bearer: str) -> tuple[int, dict[str, str], bytes]:
    """GET with http.client: status, headers as sent (decoded as Latin-1) and body."""
    connection = httpclient.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {bearer}"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def filenames(disposition: str) -> tuple[str, str]:
    """The ASCII `filename` and the decoded `filename*` of a Content-Disposition value."""
    match = re.fullmatch(
        r"(attachment|inline); filename=\"([ -~]*)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)",
        disposition,
    )
    assert match, disposition
    return match.group(2), unquote(match.group(3), encoding="utf-8", errors="strict")


@pytest.mark.parametrize("script", sorted(TITLES))
def test_every_plan_format_downloads_whatever_the_script(server: LiveServer, script: str) -> None:
    title = TITLES[script]
    created, token = finished_workshop(server, title)
    for ext, content_type in FORMATS.items():
        for secret in (created["facilitator_key"], token):
            status, headers, body = raw_get(
                server, f"/api/workshops/{created['id']}/plan.{ext}", secret
            )
            assert status == 200, (ext, body[:200])
            assert headers["Content-Type"] == content_type
            fallback, name = filenames(headers["Content-Disposition"])
            assert fallback.isascii() and fallback.endswith(f".{ext}")
            assert name.startswith("strategic-plan-") and name.endswith(f".{ext}")
            words = [w for w in title.lower().split() if w.isalnum()]
            assert all(word in name for word in words), (name, words)
            assert title in body.decode("utf-8")


def test_log_lines_cannot_be_forged_by_a_path(server: LiveServer) -> None:
    forged = "2026-12-01 10:00:00,000 INFO workshop.http: GET / 200"
    status, _headers, _body = raw_get(server, "/j/AB%0D%0A" + forged.replace(" ", "%20"), "x")
    assert status == 404
    lines = server.output().splitlines()
    assert not any(line.startswith(forged) for line in lines)
    assert any("/j/AB%0D%0A2026-12-01" in line for line in lines)
