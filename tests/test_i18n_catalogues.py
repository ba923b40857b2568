"""The message catalogues match the code: every string the code marks (Python, Jinja, the ES
modules, the agenda templates) is in every shipped language's catalogue, translated, with its
placeholders; no catalogue keeps a string the code no longer uses; the compiled `.mo` and the
browser's JSON are what the `.po` files make. `python tools/i18n.py check` says the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from tools import i18n as catalogues
from workshop import i18n

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return catalogues.extract()


@pytest.fixture(scope="module")
def found(template: Catalog) -> list[str]:
    return catalogues.problems(template)


@pytest.mark.parametrize("code", SHIPPED)
def test_every_language_has_exactly_the_code_s_strings_translated(
    code: str, found: list[str]
) -> None:
    mine = [line for line in found if line.startswith(f"{code}: ")]
    assert mine == [], f"{len(mine)} problems, run `python tools/i18n.py check`:\n" + "\n".join(
        mine[:40]
    )


def _copy(template: Catalog) -> Catalog:
    copy = Catalog(domain=template.domain)
    for message in template:
        if message.id:
            copy.add(message.id, None, list(message.locations))
    return copy


def test_a_string_the_catalogues_lack_is_reported_for_every_language(template: Catalog) -> None:
    grown = _copy(template)
    grown.add("A sentence no catalogue has yet", None, [("static/js/participant.js", 1)])
    lines = catalogues.problems(grown)
    for code in SHIPPED:
        assert f"{code}: missing 'A sentence no catalogue has yet'" in lines


def test_a_string_the_code_no_longer_uses_is_reported_for_every_language(
    template: Catalog,
) -> None:
    shrunk = _copy(template)
    gone = next(iter(m.id for m in shrunk if m.id and isinstance(m.id, str)))
    shrunk.delete(gone)
    lines = catalogues.problems(shrunk)
    for code in SHIPPED:
        assert f"{code}: no longer used {gone!r}" in lines


def test_the_extraction_reads_every_kind_of_source(template: Catalog) -> None:
    sources = {path for message in template for path, _line in message.locations}
    assert any(path.startswith("static/js/activities/") for path in sources)
    assert any(path.startswith("static/js/") and "/activities/" not in path for path in sources)
    assert any(path.startswith("templates/") for path in sources)
    assert any(path.startswith("workshop/agenda_templates/") for path in sources)
    assert any(path.startswith("workshop/plan/") for path in sources)
    assert any(path.startswith("workshop/core/") for path in sources)


@pytest.mark.parametrize("code", SHIPPED)
def test_the_browser_catalogue_leaves_out_the_server_s_plan_text(code: str) -> None:
    body = json.loads((ROOT / "static" / "i18n" / f"{code}.json").read_text(encoding="utf-8"))
    assert body["language"] == code
    assert body["direction"] == i18n.LANGUAGES[code].direction
    messages = body["messages"]
    assert messages, "the browser gets a catalogue"
    plural = [v for v in messages.values() if isinstance(v, dict)]
    for forms in plural:
        assert set(forms) <= set(i18n.LANGUAGES[code].plural_tags)
        assert "other" in forms


def test_every_shipped_language_is_one_line_and_a_catalogue() -> None:
    for code in SHIPPED:
        assert (ROOT / "workshop" / "translations" / code / "LC_MESSAGES" / "messages.po").is_file()
        assert (ROOT / "static" / "i18n" / f"{code}.json").is_file()


@pytest.mark.parametrize("code", SHIPPED)
def test_a_phone_loads_a_smaller_catalogue_without_the_other_screens_words(code: str) -> None:
    def messages(name: str) -> dict[str, object]:
        path = ROOT / "static" / "i18n" / name
        loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))["messages"]
        return loaded

    full, phone = messages(f"{code}.json"), messages(f"{code}.phone.json")
    assert phone.items() <= full.items()
    # The phone's own words and the activities' are in it; the console's and the plan's not.
    assert "Join the workshop" in phone
    assert "Workshop language" in full and "Workshop language" not in phone
    assert not any(key.startswith("Strategy on a page") for key in full)
    # A refusal is translated on the server: no browser catalogue carries it.
    assert "Join a workshop (or open it as facilitator) first." not in full
