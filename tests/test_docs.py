"""The docs stay true: every event and route the app registers is documented in docs/api.md."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from flask import Flask

from workshop.activities import REGISTRY
from workshop.activities import events as activity_events
from workshop.config import from_environment
from workshop.realtime.events import CLIENT_EVENTS, SERVER_EVENTS
from workshop.web.activity_scripts import kinds_module

ROOT = Path(__file__).resolve().parent.parent
API = (ROOT / "docs" / "api.md").read_text()

BUILT_IN = {
    kind: activity
    for kind, activity in REGISTRY.items()
    if type(activity).__module__.startswith("workshop.activities.")
}
"""This package's kinds. An installed plug-in (an entry point) is documented in its own
package, so these docs need not know it."""
PLUG_IN_EVENTS = {
    spec.name
    for kind, activity in REGISTRY.items()
    if kind not in BUILT_IN
    for spec in activity.events
}


def _settings() -> list[str]:
    """Every setting read from the environment, from the configuration itself (so a new one
    cannot be left out of the README): all of from_environment's keys but the server's mode."""
    with tempfile.TemporaryDirectory() as instance:
        return sorted(set(from_environment(Path(instance))) - {"ASYNC_MODE"})


SETTINGS = _settings()


def _documented_headings() -> set[str]:
    return set(re.findall(r"^#{3,4} `([^`]+)`", API, flags=re.MULTILINE))


@pytest.mark.parametrize("event", sorted(set(CLIENT_EVENTS) - PLUG_IN_EVENTS))
def test_every_client_event_is_documented(event: str) -> None:
    assert event in _documented_headings(), f"docs/api.md has no section for event {event!r}"


@pytest.mark.parametrize("event", SERVER_EVENTS)
def test_every_server_event_is_documented(event: str) -> None:
    assert event in _documented_headings(), f"docs/api.md has no section for event {event!r}"


def test_contract_events_are_registered() -> None:
    """The events the contract names are the ones the server answers."""
    assert set(CLIENT_EVENTS) >= {
        "join",
        "facilitate",
        "idea:submit",
        "votes:set",
        "ranking:set",
        "stage:phase",
        "results:reveal",
        "idea:hide",
        "workshop:finish",
    }


def _normalise(rule: str) -> str:
    return re.sub(r"<[^>]*>", "<>", rule)


def test_every_route_is_documented(app: Flask) -> None:
    documented = _normalise(API)
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if f"{method} {_normalise(rule.rule)}" not in documented:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes missing from docs/api.md: {missing}"


@pytest.mark.parametrize("variable", SETTINGS)
def test_every_setting_is_in_the_readme(variable: str) -> None:
    assert f"`{variable}`" in (ROOT / "README.md").read_text()


TEMPLATES_DOC = (ROOT / "docs" / "templates.md").read_text()


@pytest.mark.parametrize("kind", sorted(BUILT_IN))
def test_every_activity_is_documented(kind: str) -> None:
    """Each built-in step kind has a row in templates.md, its settings in api.md and a view
    module on the front end (its declared script, else static/js/activities/<kind>.js), listed
    in the generated kinds.js the front end's registry loads."""
    activity = BUILT_IN[kind]
    assert f"| `{kind}` |" in TEMPLATES_DOC, f"docs/templates.md has no row for {kind!r}"
    for setting in activity.settings.model_fields:
        assert f"`{setting}`" in API, f"docs/api.md does not mention setting {setting!r}"
    script = getattr(activity, "script", None)
    assert (
        Path(script) if script else ROOT / "static" / "js" / "activities" / f"{kind}.js"
    ).exists()
    listed = f'"script": "/static/js/activities/{kind}.js"'
    assert listed in kinds_module().decode(), f"kinds.js does not list {kind!r}"


@pytest.mark.parametrize(
    "event", sorted({spec.name for _, spec in activity_events()} - PLUG_IN_EVENTS)
)
def test_every_activity_event_is_registered_and_documented(event: str) -> None:
    assert event in CLIENT_EVENTS
    assert event in _documented_headings()


def test_every_built_in_template_is_documented() -> None:
    for path in (ROOT / "workshop" / "agenda_templates").glob("*.toml"):
        assert f"`{path.stem}`" in TEMPLATES_DOC, f"docs/templates.md lacks {path.stem!r}"
