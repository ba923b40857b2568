"""Fixtures: an app on a temporary SQLite file, its HTTP client, and Socket.IO clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from playwright.sync_api import Browser

from tests import figures
from tests.apps import make_app
from tests.chromium import launched
from tests.devices import Devices
from tests.factories import Room


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A fresh app with its own database file; tallies flush quickly."""
    app = make_app(tmp_path / "test.sqlite3")
    yield app
    app.extensions["workshop_db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def room(app: Flask, client: FlaskClient) -> Iterator[Room]:
    """A started workshop (its first brainstorm open) with helpers to add a facilitator, a
    projector and participants. `Room.create` makes one still in its lobby."""
    room = Room.started(app, client)
    yield room
    room.close()


@pytest.fixture
def other(app: Flask, client: FlaskClient) -> Iterator[Room]:
    """A second workshop on the same server, for checks that nobody crosses workshops."""
    room = Room.started(app, client, title="Other Co 2030")
    yield room
    room.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, launched once for the browser tests of a module."""
    yield from launched()


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Record a figure this test measured; all of them are printed at the end of the run."""

    def record(name: str, value: str) -> None:
        figures.record(request.node.nodeid, name, value)

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print every figure the tests measured, so CI's log carries them."""
    if figures.RECORDED:
        terminalreporter.section(figures.SECTION)
        for line in figures.lines():
            terminalreporter.write_line(line)


@pytest.fixture
def devices(request: pytest.FixtureRequest, browser: Browser, tmp_path: Path) -> Iterator[Devices]:
    """Separate browser devices for one test; a failing test leaves their screenshots."""
    failed_before = request.session.testsfailed
    opened = Devices(browser)
    yield opened
    try:
        if request.session.testsfailed > failed_before:
            for i, context in enumerate(opened.contexts):
                for page in context.pages:
                    page.screenshot(path=str(tmp_path / f"screen-{i}.png"), timeout=5000)
            print(f"screenshots: {tmp_path}")
    finally:
        opened.close()
