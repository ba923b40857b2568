"""The one place that builds a workshop's state snapshot, for each audience.

Clients render from the whole snapshot, so a phone that reconnects needs no special protocol:
it gets the latest snapshot and carries on. The base of each stage (its agenda, items, fields
and links) is built here; every activity on the stage's agenda adds its slice (dot totals only
once revealed, the shortlist, results, link counts, suggestions).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from .. import activities
from .. import plan as plan_module
from ..activities import common, outcome, scoring
from ..activities.base import Activity, Audience, WorkshopData
from ..core import steps
from ..persistence import counters
from ..persistence.models import Idea, IdeaMerge, Participant, Stage, Workshop
from ..persistence.queries import get_stage, list_stages, participant_count, visible_idea_ids
from ..services import agenda, focus, timer, workshops
from ..web.hosts import reachable_url

STATE_VERSION = 1
"""The snapshot format; additions keep it, a change that breaks v1 clients would bump it."""
V1_PROGRESS = ("voters", "rankers", "dots")
"""The stage-wide counts release 1's snapshot carried on every stage (0 on a stage without
the step that counts them); v1 clients may read them, so every stage's `progress` starts from
them. Every other count is there only when a step on the stage adds it."""


ROOM = "@room"
"""Where `load_view` keeps who is in the room (`data.parts[ROOM]`, a `RoomPeople`): not a
kind's name (a kind is lower-case letters, digits and underscores), so no activity's part."""


@dataclass
class RoomPeople:
    """Who is in the room: the active participants in joining order, and how many the
    facilitator removed."""

    active: list[tuple[int, str | None, datetime]] = field(default_factory=list)
    removed: int = 0


WAITING = "@not_yet"
"""Where `load_view` keeps who has acted in the current stage's step (`data.parts[WAITING]`:
a set of participant ids, or None when the step asks nothing of participants)."""


def room_people(data: WorkshopData) -> RoomPeople:
    """The room's people as `load_view` read them (none for data built elsewhere)."""
    people = data.parts.get(ROOM)
    return people if isinstance(people, RoomPeople) else RoomPeople()


def projector_url(workshop: Workshop, base_url: str) -> str:
    """The room screen's link: it carries the projector token (read-only), never the key."""
    return f"{base_url}w/{workshop.id}/present#token={workshop.projector_token}"


def acted_now(db: Session, workshop: Workshop, stage: Stage | None) -> set[int] | None:
    """Who has acted in the step `stage` is in, when it is the workshop's current stage and
    its step asks something of participants (the activity's `acted`); else None."""
    if stage is None or stage.id != workshop.current_stage_id or workshop.status != "active":
        return None
    activity = activities.REGISTRY.get(common.current_kind(stage))
    return activity.acted(db, stage) if activity is not None else None


def not_yet_json(
    people: list[tuple[int, str | None]], acted: set[int] | None
) -> dict[str, Any] | None:
    """The console's `not_yet`: of the active participants (in joining order), how many have
    not acted, the names of those who gave one, and how many gave none. Names only: never
    anything they entered. None when nobody is waited for."""
    if acted is None:
        return None
    waiting = [name for pid, name in people if pid not in acted]
    names = [name for name in waiting if name]
    return {"count": len(waiting), "names": names, "unnamed": len(waiting) - len(names)}


def load_view(db: Session, workshop: Workshop, *, console: bool = True) -> WorkshopData:
    """Read a workshop's stages and ideas, then let each activity read what it shows (and,
    unless `console` is false, who has acted in the current step, for the console)."""
    stages = list_stages(db, workshop.id)
    ideas: dict[int, list[Idea]] = defaultdict(list)
    # A deleted idea (a tombstone, see `activities/editing.py`) is no part of any view.
    query = (
        select(Idea)
        .where(Idea.workshop_id == workshop.id, col(Idea.deleted_at).is_(None))
        .order_by(col(Idea.id))
    )
    for idea in db.exec(query):
        ideas[idea.stage_id].append(idea)
    stage_ids = [s.id for s in stages if s.id is not None]
    data = WorkshopData(
        workshop=workshop,
        stages=stages,
        ideas=dict(ideas),
        participants=participant_count(db, workshop.id),
        counted=counters.read(db, stage_ids),
        rounds=scoring.load_rounds(db, stage_ids),
    )
    if stage_ids:
        live = select(IdeaMerge).where(
            col(IdeaMerge.stage_id).in_(stage_ids), col(IdeaMerge.undone).is_(False)
        )
        for row in db.exec(live):
            data.merges.setdefault(row.stage_id, []).append(row)
    # Names: a named brainstorm's authors (removed people's too: their ideas on a frozen
    # stage stay), and who is in the room on the console (active ones only).
    people = (
        select(Participant.id, Participant.name, Participant.joined_at, Participant.removed_at)
        .where(Participant.workshop_id == workshop.id)
        .order_by(col(Participant.id))
    )
    room = RoomPeople()
    for pid, name, joined_at, removed_at in db.exec(people):
        if pid is None:
            continue
        data.names[pid] = name
        if removed_at is None:
            room.active.append((pid, name, joined_at))
        else:
            room.removed += 1
    data.parts[ROOM] = room
    for kind, activity in activities.REGISTRY.items():
        stage_ids = [s.id for s in stages if s.id is not None and kind in common.kinds(s)]
        data.parts[kind] = activity.load(db, data, stage_ids)
    if console:
        current = next((s for s in stages if s.id == workshop.current_stage_id), None)
        data.parts[WAITING] = acted_now(db, workshop, current)
    return data


def item_json(idea: Idea, parents: set[int], merged: list[Idea] | None = None) -> dict[str, Any]:
    """An item with its wording, fields, confirmed links (to items selected right now), where
    it was carried from (`origin`, only on an item carried from an earlier workshop), its
    category (only on an idea filed under one), a risk's confirmed mitigations
    (`mitigated_by`, only when there are some) and the
    wordings merged into it ("also said", only on an idea that has some)."""
    item: dict[str, Any] = {
        "id": idea.id,
        "text": idea.text,
        "fields": dict(idea.fields),
        "links": [link for link in idea.links if link in parents],
        "from_facilitator": idea.participant_id is None,
    }
    if idea.category is not None:
        # Filed under a category of a categorised brainstorm (absent on a plain stage).
        item["category"] = idea.category
    mitigated_by = [link for link in idea.mitigated_by if link in parents]
    if mitigated_by:
        # A risk's confirmed mitigating projects (link:confirm `mitigated_by`), to items
        # selected right now, as `links`; absent when there are none.
        item["mitigated_by"] = mitigated_by
    if idea.origin:
        # A preloaded item carried from an earlier workshop: where from, never its id.
        item["origin"] = {"title": idea.origin.get("title"), "date": idea.origin.get("date")}
    if merged:
        item["also_said"] = [other.text for other in merged]
        item["merged"] = [other.id for other in merged]
    return item


def authors_of(data: WorkshopData, idea: Idea, merged: list[Idea]) -> list[str]:
    """The names of an idea's authors and of the ideas merged into it (anonymous ones left
    out), each once."""
    names = [data.names.get(i.participant_id) for i in (idea, *merged) if i.participant_id]
    return list(dict.fromkeys(name for name in names if name))


def decision_state(data: WorkshopData, stage: Stage, audience: Audience) -> dict[str, Any] | None:
    """The standings of the stage's latest scoring step with every measure: live for the
    console, for the room once that step is revealed."""
    assert stage.id is not None
    index = scoring.latest_index(stage)
    if stage.decided:
        index = outcome.deciding_index(stage)
    if index is None or (audience != "facilitator" and not scoring.is_revealed(stage, index)):
        return None
    standings = scoring.cached_standings(data, stage, index)
    if standings is None:
        return None
    closed = scoring.rounds_of(data.rounds.get(stage.id, []), index)
    return scoring.decision_json(
        standings,
        index=index,
        round_number=len(closed) + 1,
        previous=closed[-1].standings if closed else None,
    )


def rounds_state(data: WorkshopData, stage: Stage) -> list[dict[str, Any]]:
    """The stage's closed rounds (shown to everyone: they were revealed before closing)."""
    assert stage.id is not None
    rows = sorted(data.rounds.get(stage.id, []), key=lambda r: (r.step_index, r.round))
    return [dict(row.standings) for row in rows]


def selected_ids(stages: list[Stage]) -> set[int]:
    """Every item selected by a decided stage: what links may point at right now."""
    return {idea_id for stage in stages if stage.decided for idea_id in stage.selected}


def _stage_state(data: WorkshopData, stage: Stage, audience: Audience) -> dict[str, Any]:
    assert stage.id is not None
    state: dict[str, Any] = {
        "id": stage.id,
        "key": stage.key,
        "title": stage.title,
        "prompt": stage.prompt,
        "position": stage.position,
        "phase": common.current_kind(stage),
        "step": stage.step_index,
        # Every setting the kind declares: one stored before it existed reads as its default.
        "steps": [
            {"kind": s["kind"], "settings": _settings_read(s["kind"], s["settings"])}
            for s in stage.steps
        ],
        "revealed": stage.revealed,
        "decided": stage.decided,
        "shortlist": [],
        "results": [],
    }
    progress: dict[str, Any] = dict.fromkeys(V1_PROGRESS, 0)
    per_idea: dict[int, dict[str, Any]] = defaultdict(dict)
    for step in stage.steps:
        piece = activities.get(step["kind"]).stage_slice(data, stage, step["settings"], audience)
        state.update(piece.keys)
        progress.update(piece.progress)
        for idea_id, extra in piece.per_idea.items():
            per_idea[idea_id].update(extra)
    ideas: list[dict[str, Any]] = []
    by_id: dict[int, Idea] = {}
    parents = selected_ids(data.stages)
    merged: dict[int, list[Idea]] = defaultdict(list)
    for idea in data.ideas.get(stage.id, []):
        if idea.merged_into is not None:
            merged[idea.merged_into].append(idea)
    themes = {row.into for row in data.merges.get(stage.id, []) if row.group}
    named = steps.is_named(stage.steps, stage.step_index)
    private = audience != "facilitator" and steps.is_private(
        stage.steps, stage.step_index, stage.reveals
    )
    for idea in data.ideas.get(stage.id, []):
        assert idea.id is not None
        by_id[idea.id] = idea
        if idea.merged_into is not None or (idea.hidden and audience != "facilitator"):
            continue
        item = item_json(idea, parents, merged.get(idea.id))
        if named:
            item["authors"] = authors_of(data, idea, merged.get(idea.id, []))
        if idea.id in themes:
            item["theme"] = True
        if audience == "facilitator":
            item["hidden"] = idea.hidden
        if not idea.hidden:
            item.update(per_idea.get(idea.id, {}))
        ideas.append(item)
    visible = set(data.visible_ids(stage.id))
    progress["ideas"] = len(visible)
    # A theme's ideas stay listed while the room votes on it as one item (they are merged).
    members = {i.id for i in data.ideas.get(stage.id, []) if not i.hidden}
    state["private"] = private
    state["ideas"] = [] if private else ideas
    state["selected"] = [
        item_json(by_id[idea_id], parents, merged.get(idea_id))
        for idea_id in (stage.selected if stage.decided else [])
        if idea_id in by_id and not by_id[idea_id].hidden
    ]
    state["groups"] = (
        []
        if private
        else [
            {"title": g["title"], "idea_ids": [i for i in g["idea_ids"] if i in members]}
            for g in stage.groups
        ]
    )
    state["reveals"] = list(stage.reveals)
    closed = data.rounds.get(stage.id, [])
    state["round"] = scoring.round_number(closed, stage.step_index) if stage.step_index >= 0 else 1
    state["decision"] = decision_state(data, stage, audience)
    state["rounds"] = rounds_state(data, stage)
    state["progress"] = progress
    state["timer"] = timer.timer_json(stage)
    if audience == "facilitator":
        # Who the room is waiting for, on the current stage only (null elsewhere).
        acted = data.parts.get(WAITING) if stage.id == data.workshop.current_stage_id else None
        people = [] if acted is None else [(p, name) for p, name, _ in room_people(data).active]
        state["not_yet"] = not_yet_json(people, acted)
    return state


def _settings_read(kind: str, stored: dict[str, Any]) -> dict[str, Any]:
    """A stored step's settings with the ones it lacks at their defaults (a kind no longer
    registered keeps what was stored)."""
    activity = activities.REGISTRY.get(kind)
    return activity.stored_settings(stored) if activity is not None else dict(stored)


def public_state(data: WorkshopData, audience: Audience, base_url: str) -> dict[str, Any]:
    """The snapshot without `me`: what the facilitator, the projector or any participant sees."""
    workshop = data.workshop
    people = room_people(data)
    current = next((s for s in data.stages if s.id == workshop.current_stage_id), None)
    state: dict[str, Any] = {
        "version": STATE_VERSION,
        "audience": audience,
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "organization": workshop.organization,
            "horizon_years": workshop.horizon_years,
            "review_cadence": workshop.review_cadence,
            # The room's language: the projector and the plan speak it (the phones and the
            # console show their own reader's).
            "language": workshop.language,
            "template": _template_shown(workshop, audience),
            "status": workshop.status,
            "code": workshop.code,
            "join_url": f"{base_url}j/{workshop.code}",
            # False when the join link names this machine's loopback (phones cannot open it):
            # the console and the room screen then say how to fix it.
            "join_reachable": reachable_url(base_url),
            "participant_count": data.participants,
            "removed_count": people.removed,
            "join_locked": workshop.join_locked,
            "lobby": workshops.in_lobby(workshop, data.stages),
        },
        "current": {
            "stage_id": current.id if current else None,
            "phase": common.current_kind(current) if current else None,
        },
        "stages": [_stage_state(data, stage, audience) for stage in data.stages],
        "plan": plan_links(workshop, base_url) if workshop.status == "finished" else None,
        # The current stage's countdown (null: none); every stage carries its own `timer` too.
        # Clients count to `ends_at` corrected by their offset from `server_time`.
        "timer": timer.timer_json(current),
        "focus": focus.focus_json(data),
        "server_time": timer.iso(datetime.now(UTC)),
    }
    room: dict[str, Any] = {
        "join_locked": workshop.join_locked,
        "participant_count": data.participants,
        "removed_count": people.removed,
    }
    if audience == "facilitator":
        # Who is in the room, in joining order (names only the console sees; null:
        # anonymous), for its remove list; and the room screen's link and the cap.
        room["participants"] = [
            {"id": pid, "name": name, "joined_at": _iso(joined_at)}
            for pid, name, joined_at in people.active
        ]
        room["projector_url"] = projector_url(workshop, base_url)
        room["max_participants"] = workshop.max_participants
    # The room's figures at the top level (the contract's place) and in `workshop` (beside
    # the other workshop facts, where the pages read them).
    state["workshop"].update(room)
    state.update(room)
    return state


SAVED_TEMPLATE = "saved"
"""What phones and the room screen are told of a workshop started from a saved template: its
id is the capability to start workshops from it, so only the console gets it."""


def _template_shown(workshop: Workshop, audience: Audience) -> str:
    """The workshop's template id for the console; for others a built-in's id, or "saved"."""
    if audience == "facilitator" or workshop.template in agenda.built_in_templates():
        return workshop.template
    return SAVED_TEMPLATE


def _iso(moment: datetime) -> str:
    """A stored time as ISO 8601 in UTC (SQLite gives it back without its zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def plan_urls(workshop: Workshop, base_url: str, version: int | None = None) -> dict[str, str]:
    """Where the plan can be downloaded in every format: the latest version, or `version`
    (a token or key is still required)."""
    root = f"{base_url}api/workshops/{workshop.id}"
    query = f"?version={version}" if version is not None else ""
    return {
        name: f"{root}/{renderer.filename}{query}"
        for name, renderer in plan_module.RENDERERS.items()
    }


def plan_links(workshop: Workshop, base_url: str) -> dict[str, Any]:
    """Where the finished plan can be downloaded in every format, latest version."""
    return {"urls": plan_urls(workshop, base_url)}


def participant_parts(
    db: Session, data: WorkshopData, only: int | None = None
) -> dict[int, dict[str, Any]]:
    """Every participant's `me` (or just participant `only`'s), in a few grouped queries.

    The per-phone part is small: who they are, their own ideas, and what they gave in each
    activity (dots, orders, links), each activity reading its own rows (`me()`, under its
    `me_keys`, {} for a participant who gave nothing), then adding what it sums up from them
    (`me_summary()`: the dots and points left).
    """
    query = select(Participant).where(Participant.workshop_id == data.workshop.id)
    if only is not None:
        query = query.where(Participant.id == only)
    else:
        # A removed participant's connections are closed: nobody to send their part to.
        query = query.where(col(Participant.removed_at).is_(None))
    me: dict[int, dict[str, Any]] = {}
    # Each activity's keys of `me`, {} for a participant who gave nothing there.
    given = [key for activity in activities.REGISTRY.values() for key in activity.me_keys]
    for person in db.exec(query):
        assert person.id is not None
        me[person.id] = {"id": person.id, "name": person.name, "ideas": []}
        for key in given:
            me[person.id][key] = {}
        me[person.id]["private_ideas"] = []
        me[person.id]["merged_ideas"] = []
    for idea in sorted(
        (idea for ideas in data.ideas.values() for idea in ideas if not idea.hidden),
        key=lambda idea: idea.id or 0,
    ):
        if idea.participant_id in me and idea.merged_into is None:
            me[idea.participant_id]["ideas"].append(idea.id)
    texts = {idea.id: idea.text for ideas in data.ideas.values() for idea in ideas}
    for ideas in data.ideas.values():
        for idea in ideas:
            if idea.participant_id in me and idea.merged_into is not None and not idea.hidden:
                me[idea.participant_id]["merged_ideas"].append(
                    {
                        "id": idea.id,
                        "stage_id": idea.stage_id,
                        "text": idea.text,
                        "into": idea.merged_into,
                        "into_text": texts.get(idea.merged_into, ""),
                    }
                )
    for stage in data.stages:
        if steps.is_private(stage.steps, stage.step_index, stage.reveals):
            for idea in data.ideas.get(stage.id or 0, []):
                if idea.participant_id in me and not idea.hidden and idea.merged_into is None:
                    me[idea.participant_id]["private_ideas"].append(
                        {"id": idea.id, "stage_id": idea.stage_id, "text": idea.text}
                    )
    for kind, activity in activities.REGISTRY.items():
        stage_ids = [s.id for s in data.stages if s.id is not None and kind in common.kinds(s)]
        if not stage_ids:
            continue
        for participant_id, part in activity.me(db, data, stage_ids, only).items():
            if participant_id in me:
                me[participant_id].update(part)
    summaries = [
        activity
        for activity in activities.REGISTRY.values()
        if type(activity).me_summary is not Activity.me_summary
    ]
    for part in me.values():
        for activity in summaries:
            part.update(activity.me_summary(data, part))
    return me


def state_for_participant(
    db: Session, workshop: Workshop, participant: Participant, base_url: str
) -> dict[str, Any]:
    """One participant's full snapshot (on join and resume)."""
    data = load_view(db, workshop, console=False)
    public = public_state(data, "participant", base_url)
    assert participant.id is not None
    return {**public, "me": participant_parts(db, data, only=participant.id)[participant.id]}


def tallies(
    db: Session, workshop: Workshop, stage_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The live count for one stage, from its running counters (no workshop reload): the
    console's, and the projector's. Every registered activity adds its stage-wide counts
    (`progress_counts`, on every stage) and its part (`tally()`: the dot totals, shown to the
    projector once revealed; link proposals, to the console only; ...).

    In a scoring step both also carry the step's `decision` (standings with consensus,
    contested and robustness), the projector's only once the step is revealed."""
    stage = get_stage(db, workshop_id=workshop.id, stage_id=stage_id)
    visible = visible_idea_ids(db, stage_id)
    counted = counters.read(db, [stage_id]).get(stage_id, {})
    acted = acted_now(db, workshop, stage)
    not_yet = None
    if acted is None:
        present = participant_count(db, workshop.id)
    else:
        people = active_people(db, workshop.id)
        present = len(people)
        not_yet = not_yet_json(people, acted)
    payload: dict[str, Any] = {
        "workshop_id": workshop.id,
        "stage_id": stage_id,
        "phase": common.current_kind(stage),
        "participants": present,
    }
    # Every activity's stage-wide counts, on every stage (0 where nobody gave anything).
    for activity in activities.REGISTRY.values():
        for name in activity.progress_counts:
            payload[name] = counted.get(name, {}).get(0, 0)
    payload["ideas"] = len(visible)
    projector = dict(payload)
    for activity in activities.REGISTRY.values():
        console_part, projector_part = activity.tally(db, stage, visible=visible, counted=counted)
        payload.update(console_part)
        projector.update(projector_part)
    index = stage.step_index
    if common.current_kind(stage) in scoring.scoring_kinds():
        standings = scoring.read_standings(db, stage, index)
        if standings is not None:
            closed = scoring.load_rounds(db, [stage_id]).get(stage_id, [])
            previous = scoring.rounds_of(closed, index)
            decision = scoring.decision_json(
                standings,
                index=index,
                round_number=len(previous) + 1,
                previous=previous[-1].standings if previous else None,
            )
            payload["decision"] = decision
            if scoring.is_revealed(stage, index):
                projector["decision"] = decision
    # The console's only: who the room is waiting for (null: nobody, or not the current stage).
    payload["not_yet"] = not_yet
    return payload, projector


def active_people(db: Session, workshop_id: str) -> list[tuple[int, str | None]]:
    """The workshop's participants the facilitator has not removed, in joining order: id and
    name (None: anonymous)."""
    query = (
        select(Participant.id, Participant.name)
        .where(Participant.workshop_id == workshop_id, col(Participant.removed_at).is_(None))
        .order_by(col(Participant.id))
    )
    return [(int(pid), name) for pid, name in db.exec(query) if pid is not None]
