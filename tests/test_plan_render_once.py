"""A new version's file is rendered once even when the whole room asks for it at once."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from flask import Flask

from tests.factories import Room
from tests.test_http import bearer, finish
from workshop import plan as plan_module
from workshop.plan.document import PlanDocument


def test_simultaneous_first_downloads_render_the_file_once(
    app: Flask, room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    finish(room)
    real = plan_module.RENDERERS["pdf"]
    calls: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def counted(plan: PlanDocument) -> bytes:
        # The real PDF, held back until every request has arrived, so they all overlap.
        calls.append(1)
        started.set()
        release.wait(10)
        return real.render(plan)

    monkeypatch.setitem(plan_module.RENDERERS, "pdf", replace(real, render=counted))
    url = f"/api/workshops/{room.id}/plan.pdf"
    bodies: list[bytes] = []
    statuses: list[int] = []

    def download() -> None:
        response = app.test_client().get(url, headers=bearer(room.key))
        statuses.append(response.status_code)
        bodies.append(response.data)

    threads = [threading.Thread(target=download) for _ in range(6)]
    for thread in threads:
        thread.start()
    assert started.wait(10)
    # Give the other five time to reach the server and find the render under way.
    for thread in threads:
        thread.join(0.3)
    release.set()
    for thread in threads:
        thread.join(30)
    assert statuses == [200] * 6
    assert len(calls) == 1
    assert len(set(bodies)) == 1 and bodies[0].startswith(b"%PDF")
    # And it is stored: a later download renders nothing.
    assert room.client.get(url, headers=bearer(room.key)).data == bodies[0]
    assert len(calls) == 1
