"""Fair order: the `shuffle` setting of the vote, allocate, rate and rank steps, and
`static/js/fair-order.js`, the order each phone lists the items in.

The module is imported in headless Chromium (no server: the page and the module are served by
Playwright's routing from the files on disk) and checked as the phones use it: stable for the
same participant and step, different from one participant to the next, unmoved by a new item,
and with the first place spread evenly over the items across a room. Every input is fixed, so
the statistical checks give the same figures on every run.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, Page, Route
from sqlmodel import Session

from tests.chromium import skip_module_without_chromium
from tests.factories import Room
from workshop import activities
from workshop.core.errors import DomainError
from workshop.persistence.db import get_engine
from workshop.persistence.models import Stage

skip_module_without_chromium()

MODULE = Path(__file__).resolve().parents[1] / "static" / "js" / "fair-order.js"
ORIGIN = "http://fair-order.test"
SHUFFLED = ("vote", "allocate", "rate", "rank")
"""The steps that put every item to each participant, so list them in each phone's order."""
CHI_SQUARE_19_DF_P001 = 43.82
"""The chi-square value a fair die with 20 faces exceeds once in a thousand runs (19 df)."""


# --------------------------------------------------------------------------- the module in Chromium


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One page that has imported fair-order.js as `window.fair` (the module's exports)."""
    context = browser.new_context()
    opened = context.new_page()

    def serve(route: Route) -> None:
        if route.request.url.endswith("/fair-order.js"):
            route.fulfill(body=MODULE.read_text(), content_type="text/javascript")
        else:
            route.fulfill(body="<!doctype html><title>fair order</title>", content_type="text/html")

    opened.route(f"{ORIGIN}/**", serve)
    opened.goto(f"{ORIGIN}/")
    opened.evaluate("async () => { window.fair = await import('/fair-order.js'); }")
    yield opened
    context.close()


def orders(page: Page, items: list[Any], seeds: list[dict[str, Any]]) -> list[list[Any]]:
    """The ids of `items` (ids, made into `{id}` objects) in each seed's fair order."""
    result: list[list[Any]] = page.evaluate(
        """([ids, seeds]) => seeds.map((seed) =>
            window.fair.fairOrder(ids.map((id) => ({ id })), seed).map((item) => item.id))""",
        [items, seeds],
    )
    return result


def seed(participant: int, stage: int = 7, step: int = 1) -> dict[str, int]:
    return {"participantId": participant, "stageId": stage, "step": step}


# --------------------------------------------------------------------------- the hash


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-8, written out here to check the module against."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def fmix32(value: int) -> int:
    """MurmurHash3's 32-bit finaliser."""
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & 0xFFFFFFFF
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & 0xFFFFFFFF
    return value ^ (value >> 16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0x811C9DC5),  # the offset basis: nothing hashed
        ("a", 0xE40C292C),  # the published FNV-1a test vectors
        ("foobar", 0xBF9CF968),
        ("12:7:1:345", fnv1a("12:7:1:345")),
        ("Zoë:§:1:Ω", fnv1a("Zoë:§:1:Ω")),  # bytes of UTF-8, not UTF-16 code units
        ("😀", fnv1a("😀")),
    ],
)
def test_fnv1a_hashes_the_utf8_bytes(page: Page, text: str, expected: int) -> None:
    assert page.evaluate("(text) => window.fair.fnv1a(text)", text) == expected


def test_the_key_is_fnv1a_finished_by_fmix32(page: Page) -> None:
    seeds = [seed(p, s, st) for p, s, st in itertools.product([1, 42, 9999], [3, 250], [0, 2])]
    keys = page.evaluate("(seeds) => seeds.map((seed) => window.fair.fairKey(101, seed))", seeds)
    expected = [
        fmix32(fnv1a(f"{s['participantId']}:{s['stageId']}:{s['step']}:101")) for s in seeds
    ]
    assert keys == expected
    assert page.evaluate("() => window.fair.fmix32(0)") == 0
    assert page.evaluate("() => window.fair.fmix32(1)") == fmix32(1)


# --------------------------------------------------------------------------- the order


def test_the_same_participant_gets_the_same_order_every_time(page: Page) -> None:
    items = list(range(101, 121))
    first = orders(page, items, [seed(5)] * 3)
    assert first[0] == first[1] == first[2]
    assert sorted(first[0]) == items
    # The order is the key's, whatever order the items came in (a phone's list is rebuilt
    # from each state, whose order may differ after a merge or a reveal).
    assert orders(page, list(reversed(items)), [seed(5)]) == [first[0]]


def test_it_returns_a_new_array_and_leaves_the_items_alone(page: Page) -> None:
    same, untouched = page.evaluate(
        """() => {
            const items = [{ id: 3 }, { id: 1 }, { id: 2 }];
            const ordered = window.fair.fairOrder(items, { participantId: 1, stageId: 1, step: 1 });
            return [ordered === items, items.map((item) => item.id)];
        }"""
    )
    assert same is False
    assert untouched == [3, 1, 2]
    assert orders(page, [], [seed(1)]) == [[]]


def test_different_participants_get_different_orders(page: Page) -> None:
    items = list(range(101, 121))
    seen = orders(page, items, [seed(p) for p in range(1, 201)])
    # 20! orders: 200 participants seeing 200 different ones is what a fair shuffle gives
    # (a repeat has a chance of about 1e-14).
    assert len({tuple(order) for order in seen}) == 200


def test_the_stage_and_the_step_reseed_the_order(page: Page) -> None:
    items = list(range(1, 21))
    base, other_stage, other_step = orders(
        page, items, [seed(8, 3, 1), seed(8, 4, 1), seed(8, 3, 2)]
    )
    assert base != other_stage
    assert base != other_step


def test_a_new_item_keeps_the_others_in_their_order(page: Page) -> None:
    items = list(range(101, 121))
    seeds = [seed(p) for p in range(1, 51)]
    before = orders(page, items, seeds)
    after = orders(page, [*items, 121], seeds)
    for was, now in zip(before, after, strict=True):
        assert [item for item in now if item != 121] == was
    # The new item lands anywhere, not always at the end.
    assert len({order.index(121) for order in after}) > 10


def test_the_first_place_is_spread_evenly_over_a_room(page: Page) -> None:
    """2,000 participants with consecutive ids (as a room joins), 20 items with consecutive
    ids: each item should come first about 100 times, and every place about evenly too."""
    items = list(range(101, 121))
    seen = orders(page, items, [seed(p) for p in range(1, 2001)])
    expected = len(seen) / len(items)
    first = Counter(order[0] for order in seen)
    chi_first = sum((first[item] - expected) ** 2 / expected for item in items)
    assert chi_first < CHI_SQUARE_19_DF_P001, first
    # Each place of the list, not just the first (20 x 20 cells; 361 df, p=0.001 at 455).
    places = Counter((item, place) for order in seen for place, item in enumerate(order))
    chi_places = sum(
        (places[(item, place)] - expected) ** 2 / expected
        for item in items
        for place in range(len(items))
    )
    assert chi_places < 455, chi_places
    # And no pair of items keeps its order across the room.
    ahead = sum(order.index(101) < order.index(102) for order in seen) / len(seen)
    assert 0.45 < ahead < 0.55


def test_equal_keys_are_ordered_by_id(page: Page) -> None:
    """Two items whose keys collide (found by search: FNV-1a has 32 bits) come out by id,
    whichever came first."""
    found: dict[int, int] = {}
    pair: tuple[int, int] | None = None
    for item in range(1, 400_000):
        key = fnv1a(f"1:1:1:{item}")
        if key in found:
            pair = (found[key], item)
            break
        found[key] = item
    assert pair is not None
    low, high = pair
    assert orders(page, [high, low], [seed(1, 1, 1)]) == [[low, high]]
    assert orders(page, [low, high], [seed(1, 1, 1)]) == [[low, high]]


def test_text_ids_work_too(page: Page) -> None:
    items = ["a", "b", "c", "d"]
    first, again = orders(page, items, [seed(3), seed(3)])
    assert first == again
    assert sorted(first) == items


# --------------------------------------------------------------------------- the setting


@pytest.mark.parametrize("kind", SHUFFLED)
def test_shuffle_is_on_by_default(kind: str) -> None:
    activity = activities.get(kind)
    assert activities.check_step("projects", {"kind": kind})["settings"]["shuffle"] is True
    described = next(a for a in activities.describe() if a["kind"] == kind)
    assert described["settings"]["shuffle"] == {
        "type": "boolean",
        "default": True,
        "minimum": None,
        "maximum": None,
        "enum": None,
        "label": "Shuffle the order on each phone",
        "choices": None,
    }
    assert activity.stored_settings({})["shuffle"] is True


def test_only_the_steps_that_put_every_item_to_each_phone_have_it() -> None:
    having = {
        kind for kind, a in activities.REGISTRY.items() if "shuffle" in a.settings.model_fields
    }
    assert having == set(SHUFFLED)


@pytest.mark.parametrize("kind", SHUFFLED)
@pytest.mark.parametrize("value", ["yes", 1, 0, None, "true", []])
def test_shuffle_is_a_boolean(kind: str, value: Any) -> None:
    with pytest.raises(DomainError) as refused:
        activities.check_step("projects", {"kind": kind, "shuffle": value})
    assert refused.value.code == "invalid_setting"
    assert "shuffle" in refused.value.message


def agenda(room: Room, stages: list[dict[str, Any]]) -> Any:
    return room.client.put(
        f"/api/workshops/{room.id}/agenda",
        json={"stages": stages},
        headers={"Authorization": f"Bearer {room.key}"},
    )


CHOICES = {
    "key": "projects",
    "title": "Projects",
    "prompt": "Which projects?",
    "steps": [
        {"kind": "brainstorm"},
        {"kind": "vote", "shuffle": False},
        {"kind": "allocate"},
        {"kind": "rate", "shuffle": True},
        {"kind": "rank", "shuffle": False},
        {"kind": "done"},
    ],
}


def shuffles(stage: dict[str, Any]) -> dict[str, Any]:
    return {step["kind"]: step["settings"].get("shuffle") for step in stage["steps"]}


def test_the_setting_is_stored_and_every_screen_reads_it(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client)
    response = agenda(room, [CHOICES])
    assert response.status_code == 200, response.get_json()
    expected = {
        "brainstorm": None,
        "vote": False,
        "allocate": True,
        "rate": True,
        "rank": False,
        "done": None,
    }
    stored = {s["kind"]: s.get("shuffle") for s in response.get_json()["stages"][0]["steps"]}
    assert stored == expected
    assert shuffles(room.facilitator_state()["stages"][0]) == expected
    phone = room.participant("Ana")
    assert shuffles(phone.state["stages"][0]) == expected
    room.close()


def test_shuffle_yes_is_refused_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    room = Room.create(app, client)
    before = room.client.get(
        f"/api/workshops/{room.id}/agenda", headers={"Authorization": f"Bearer {room.key}"}
    ).get_json()
    bad = {**CHOICES, "steps": [{"kind": "brainstorm"}, {"kind": "vote", "shuffle": "yes"}]}
    response = agenda(room, [bad])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_setting"
    after = room.client.get(
        f"/api/workshops/{room.id}/agenda", headers={"Authorization": f"Bearer {room.key}"}
    ).get_json()
    assert after == before


def test_an_agenda_stored_before_the_setting_reads_as_shuffled(
    app: Flask, client: FlaskClient
) -> None:
    """A workshop saved by an earlier release has no `shuffle` in its steps: every screen's
    state reads it as on (the default), and nothing else of its settings changes."""
    room = Room.create(app, client)
    assert agenda(room, [CHOICES]).status_code == 200
    with Session(get_engine(app)) as db:
        stage = db.get(Stage, room.stage_ids()["projects"])
        assert stage is not None
        stage.steps = [
            {
                "kind": s["kind"],
                "settings": {k: v for k, v in s["settings"].items() if k != "shuffle"},
            }
            for s in stage.steps
        ]
        db.add(stage)
        db.commit()
    every = {
        "brainstorm": None,
        "vote": True,
        "allocate": True,
        "rate": True,
        "rank": True,
        "done": None,
    }
    console = room.facilitator_state()["stages"][0]
    assert shuffles(console) == every
    vote = next(step for step in console["steps"] if step["kind"] == "vote")
    assert vote["settings"] == {
        "dot_budget": 5,
        "max_dots_per_idea": 3,
        "on": "ideas",
        "shuffle": True,
        "per_category": False,
    }
    assert shuffles(room.participant().state["stages"][0]) == every
    room.close()
