"""Plans to render in the renderer tests: every level, tricky text, and a crowded stage.

Built straight from the pure document model (no database), so each renderer test reads back
exactly what it was given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workshop.plan import PlanDocument, PlanItem, StageOutcome, assemble_plan
from workshop.plan.document import Participation

FINISHED_AT = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)

ACCENTS = "Café crème für Ärzte, naïve São Paulo"
GREEK = "Ελληνικά: βιώσιμη ανάπτυξη"
CYRILLIC = "Стратегия развития: Ёлка и щука"
EMOJI = "Rocket launch 🚀 with a smile 😀"
SCRIPT = "<script>alert('x')</script> & <b>tags</b>"
BOLD = "**bold** and _under_ # not a heading | pipe"
FORMULA = '=HYPERLINK("http://evil.example","click")'
LONG = ("Build a regional training academy for harbour crews " * 6).strip()[:280]

VISION = "The region's first carbon-neutral port, " + ACCENTS
MISSION = "We move the region's goods cleanly and safely"
GOALS = (
    "Electrify every crane",  # rank 1: served by a program (and a project under it)
    GREEK,  # rank 2: served by nothing
    "Rail share above 40%",  # rank 3: served by an independent project
)
PROGRAMS = ("Green energy program", CYRILLIC)  # the second serves no goal
PROJECTS = (
    "Pilot an electric tug",  # under the green energy program, with owner and date
    SCRIPT,  # serves goal 3 directly (independent), no owner
    BOLD,  # serves nothing, no completion date
)
ACTIONS = ("Order the tug tender documents", EMOJI)


def item(
    idea_id: int,
    text: str,
    rank: int,
    *,
    selected: bool = False,
    votes: int = 0,
    score: float | int = 0,
    links: tuple[int, ...] = (),
    consensus: float | None = 0.8,
    contested: bool = False,
    **fields: Any,
) -> PlanItem:
    return PlanItem(
        text=text,
        rank=rank,
        score=score,
        votes=votes,
        shortlisted=selected or score > 0,
        selected=selected,
        id=idea_id,
        fields=fields,
        links=links,
        consensus=consensus,
        contested=contested,
    )


def stage(
    key: str, title: str, items: list[PlanItem], *, completed: bool = True, label: str = "dots"
) -> StageOutcome:
    return StageOutcome(
        key=key,
        title=title,
        prompt=f"Name one {key}.",
        completed=completed,
        items=tuple(items),
        how=(f"Decided by the {label} of 9 participants.",),
        score_label=label,
        participation=(
            Participation("brainstorm", "Brainstorm", 9),
            Participation("vote", "Dot vote", 8),
        ),
    )


def full_plan(*, draft: bool = False, facilitator: str | None = "Ana Ñúñez") -> PlanDocument:
    """Every level of the plan, with the gaps the tests look for."""
    stages = [
        stage(
            "vision",
            "Vision",
            [
                item(1, VISION, 1, selected=True, votes=9, score=14),
                item(2, "Twice the cargo, half the emissions", 2, votes=6, score=9),
                item(3, LONG, 3, votes=2, score=3),
            ],
            label="Borda points",
        ),
        stage("mission", "Mission", [item(4, MISSION, 1, selected=True, votes=7, score=7)]),
        stage(
            "values",
            "Values",
            [
                item(5, "Safety first", 1, selected=True, votes=8, score=8),
                item(6, "Open books", 2, selected=True, votes=5, score=5),
                item(7, FORMULA, 3, votes=1, score=1),
            ],
        ),
        stage(
            "goals",
            "Strategic goals",
            [
                item(
                    10,
                    GOALS[0],
                    1,
                    selected=True,
                    votes=9,
                    score=12,
                    metrics=[
                        {
                            "metric": "Electric cranes",
                            "baseline": "2 of 14",
                            "target": "14 of 14",
                            "due": "2029-12-31",
                        }
                    ],
                ),
                item(11, GOALS[1], 2, selected=True, votes=7, score=8, contested=True),
                item(12, GOALS[2], 3, selected=True, votes=5, score=6),
                item(13, "Publish emissions monthly", 4, votes=3, score=1),
            ],
            label="Borda points",
        ),
        stage(
            "programs",
            "Programs",
            [
                item(
                    20,
                    PROGRAMS[0],
                    1,
                    selected=True,
                    votes=6,
                    links=(10,),
                    owner="Maria Costa",
                    outcome="Half the port's energy from renewables",
                ),
                item(21, PROGRAMS[1], 2, selected=True, votes=4),
            ],
        ),
        stage(
            "projects",
            "Projects",
            [
                item(
                    30,
                    PROJECTS[0],
                    1,
                    selected=True,
                    votes=8,
                    links=(20,),
                    owner="Jon Berg",
                    due="2027-06-30",
                    approach="agile",
                    deliverables=["Tug in service", "Charging berth"],
                ),
                item(31, PROJECTS[1], 2, selected=True, votes=6, links=(12,), due="2027-09-01"),
                item(32, PROJECTS[2], 3, selected=True, votes=3, owner="Li Wei"),
                item(33, "A museum ship", 4, votes=1),
            ],
        ),
        stage(
            "actions",
            "Action items",
            [
                item(40, ACTIONS[0], 1, selected=True, links=(30,), owner="Jon", due="2027-01-15"),
                item(41, ACTIONS[1], 2, selected=True, links=(31,)),
            ],
        ),
    ]
    return assemble_plan(
        title="Port 2031 — Ωmega",
        organization="Acme Ports & Co",
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=12,
        contributions=48,
        facilitator=facilitator,
        stages=stages,
        aligned=True,
        draft=draft,
    )


def crowded_plan(count: int = 200) -> PlanDocument:
    """One goals stage with `count` ideas, the top five selected, ranks in order."""
    items = [
        item(
            100 + n,
            f"Idea number {n:03d}: " + ("word " * (n % 50)).strip(),
            n,
            selected=n <= 5,
            votes=count - n,
            score=count - n,
        )
        for n in range(1, count + 1)
    ]
    return assemble_plan(
        title="Crowded",
        organization=None,
        horizon_years=3,
        finished_at=FINISHED_AT,
        participants=200,
        contributions=count,
        stages=[stage("goals", "Strategic goals", items)],
        aligned=False,
    )


# The selected items of each section of `full_plan`, in rank order.
SELECTED_GOALS = GOALS
SELECTED_PROJECTS = PROJECTS
GAP_TEXTS = (
    GREEK,  # a goal that nothing serves
    CYRILLIC,  # a program that serves no goal
    BOLD,  # a project that serves no goal
)
