"""Plans to render in the renderer tests: every level, tricky text, and a crowded stage.

Built straight from the pure document model (no database), so each renderer test reads back
exactly what it was given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workshop.plan import PlanDocument, PlanItem, StageOutcome, assemble_plan
from workshop.plan.document import UNSCORED, Participation

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
    tie_break: bool = False,
    dropped: bool = False,
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
        tie_break=tie_break,
        dropped=dropped,
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


# ---- the board's plan (issue 16): a realistic 12-person `full-strategic-plan` day of a county's
# economic development department, with the problems a real day leaves behind.

BOARD_VISION = "A county where every small business can find the money and the customers to grow"
BOARD_MISSION = (
    "We fund, connect and promote the county's small businesses so they create local jobs"
)
BOARD_VALUES = ("Open doors", "Fair funding decisions", "Local first", "Plain language")
BOARD_GOALS = (
    "Grow small-business jobs in the county",  # 110: the fund, the marketing program
    "Make funding reachable for first-time owners",  # 111: the fund, the mentor network
    "Fill the high street with customers",  # 112: events and marketing
    "Make local makers ready to export",  # 113: nothing serves it
)
BOARD_PROGRAMS = (
    "Small Business Growth Fund",  # 120: the 5-year funding program, ends after the horizon
    "Main Street Events Program",  # 121
    "Buy Local Marketing Program",  # 122: its manager written "priya shah "
)
BOARD_PROJECTS = (
    "Launch the online loan application",  # 130
    "Mentor network for first-time owners",  # 131: serves the fund and goal 2
    "Summer Night Market",  # 132
    "Holiday shop-local campaign",  # 133: sponsored by "PRIYA SHAH"
    "Rebrand the department's website",  # 134: serves no goal
    "Business census and funding-needs survey",  # 135: selected by a tie-break
)
BOARD_ACTIONS = (
    "Draft the loan application questions",  # 140
    "Agree the fund's lending criteria with the partner bank",  # 141: on the fund itself
    "Recruit the first ten mentors",  # 142
    "Book the riverside car park for the market nights",  # 143
    "Brief the design agency on the shop-local mark",  # 144: owner "grace kim"
    "Ask the chamber of commerce to co-sponsor the events",  # 145: no date
    "Send the census questionnaire to the statistics office",  # 146
    "Write the website content plan",  # 147
)
BOARD_UNSERVED_GOAL = BOARD_GOALS[3]
BOARD_UNALIGNED_PROJECT = BOARD_PROJECTS[4]
BOARD_UNDATED_ACTION = BOARD_ACTIONS[5]
BOARD_LATE_PROGRAM = BOARD_PROGRAMS[0]
"""Its end, 2032-06-30, is after the horizon (2026 to 2031)."""
BOARD_TIE_BREAK = BOARD_PROJECTS[5]
BOARD_FINISHED_AT = datetime(2026, 12, 3, 16, 45, tzinfo=UTC)


def _metric(metric: str, baseline: str, target: str, due: str) -> dict[str, str]:
    return {"metric": metric, "baseline": baseline, "target": target, "due": due}


def board_plan(
    *,
    draft: bool = False,
    dropped: tuple[int, ...] = (),
    review_cadence: str = "quarterly",
) -> PlanDocument:
    """The plan a board circulates: 12 people, every level, charters with budgets, sponsors
    and dates, metrics with baselines and targets, 8 actions; and the problems the layout must
    show: a goal nothing serves (113), a project serving no goal (134), an action without a
    date (145), a program ending after the horizon (120), a tie-break selection (135).
    `dropped`: ids of selected items a review removed (they stay only in the appendix)."""

    def board_item(idea_id: int, *args: Any, **kwargs: Any) -> PlanItem:
        return item(idea_id, *args, dropped=idea_id in dropped, **kwargs)

    stages = [
        stage(
            "vision",
            "Vision",
            [
                board_item(100, BOARD_VISION, 1, selected=True, votes=11, score=31),
                board_item(
                    101, "The easiest county in the state to start a business", 2, votes=7, score=22
                ),
                board_item(102, "Main Street full every weekend", 3, votes=4, score=12),
            ],
            label="Borda points",
        ),
        stage(
            "mission",
            "Mission",
            [
                board_item(103, BOARD_MISSION, 1, selected=True, votes=9, score=27),
                board_item(
                    104, "We make starting and growing a business simple", 2, votes=6, score=18
                ),
            ],
            label="Borda points",
        ),
        stage(
            "values",
            "Values",
            [
                *(
                    board_item(
                        105 + n, text, n + 1, selected=True, votes=10 - 2 * n, score=10 - 2 * n
                    )
                    for n, text in enumerate(BOARD_VALUES)
                ),
                board_item(109, "Move fast", 5, votes=1, score=1, consensus=0.4, contested=True),
            ],
        ),
        stage(
            "goals",
            "Strategic goals",
            [
                board_item(
                    110,
                    BOARD_GOALS[0],
                    1,
                    selected=True,
                    votes=12,
                    score=40,
                    metrics=[
                        _metric("Jobs created by funded businesses", "0", "400", "2029-12-31"),
                        _metric(
                            "Funded businesses still trading after 3 years",
                            "62%",
                            "75%",
                            "2031-06-30",
                        ),
                    ],
                ),
                board_item(
                    111,
                    BOARD_GOALS[1],
                    2,
                    selected=True,
                    votes=10,
                    score=35,
                    metrics=[
                        _metric("Loans to first-time owners a year", "35", "120", "2028-12-31")
                    ],
                ),
                board_item(
                    112,
                    BOARD_GOALS[2],
                    3,
                    selected=True,
                    votes=9,
                    score=30,
                    metrics=[
                        _metric("Weekend footfall on Main Street", "8,200", "11,000", "2028-09-30")
                    ],
                ),
                board_item(
                    113,
                    BOARD_GOALS[3],
                    4,
                    selected=True,
                    votes=6,
                    score=19,
                    contested=True,
                    consensus=0.35,
                    metrics=[_metric("Local makers selling abroad", "4", "20", "2030-12-31")],
                ),
                board_item(114, "Halve the wait for a trading permit", 5, votes=5, score=15),
                board_item(115, "Open a business incubator downtown", 6, votes=3, score=9),
            ],
            label="Borda points",
        ),
        stage(
            "programs",
            "Programs",
            [
                board_item(
                    120,
                    BOARD_PROGRAMS[0],
                    1,
                    selected=True,
                    votes=12,
                    score=33,
                    links=(110, 111),
                    owner="Dana Whitfield",
                    outcome="Small businesses get the capital to hire and to stay open",
                    metrics=[
                        _metric("Loans disbursed", "USD 0", "USD 12 million", "2031-06-30"),
                        _metric("Businesses funded", "0", "300", "2031-06-30"),
                    ],
                    budget="USD 12 million over 5 years",
                    start="2027-07-01",
                    end="2032-06-30",
                ),
                board_item(
                    121,
                    BOARD_PROGRAMS[1],
                    2,
                    selected=True,
                    votes=8,
                    score=24,
                    links=(112,),
                    owner="Luis Ortega",
                    outcome="A reason to come to Main Street every month of the year",
                    metrics=[_metric("Community events a year", "6", "24", "2028-12-31")],
                    budget="USD 180,000 a year",
                    start="2027-03-01",
                    end="2029-12-31",
                ),
                board_item(
                    122,
                    BOARD_PROGRAMS[2],
                    3,
                    selected=True,
                    votes=7,
                    score=21,
                    links=(112, 110),
                    owner="priya shah ",
                    outcome="Residents choose local shops first",
                    metrics=[
                        _metric(
                            "Residents who recognise the Buy Local mark", "10%", "45%", "2028-06-30"
                        )
                    ],
                    budget="USD 350,000",
                    start="2027-02-01",
                    end="2028-12-31",
                ),
                board_item(123, "Business tax rebate program", 4, votes=4, score=11),
            ],
            label="Borda points",
        ),
        stage(
            "projects",
            "Projects",
            [
                board_item(
                    130,
                    BOARD_PROJECTS[0],
                    1,
                    selected=True,
                    votes=11,
                    score=46,
                    links=(120,),
                    owner="Sam Okafor",
                    sponsor="Dana Whitfield",
                    deliverables=["Online application form", "A decision within 15 working days"],
                    start="2027-01-15",
                    due="2027-06-30",
                    approach="agile",
                    budget="USD 95,000",
                ),
                board_item(
                    131,
                    BOARD_PROJECTS[1],
                    2,
                    selected=True,
                    votes=9,
                    score=41,
                    links=(111, 120),
                    owner="Priya Shah",
                    sponsor="Maria Lopez",
                    deliverables=["40 volunteer mentors", "A matching guide"],
                    start="2027-03-01",
                    due="2027-12-15",
                    approach="hybrid",
                    budget="USD 30,000",
                ),
                board_item(
                    132,
                    BOARD_PROJECTS[2],
                    3,
                    selected=True,
                    votes=9,
                    score=38,
                    links=(121,),
                    owner="Luis Ortega",
                    sponsor="Maria Lopez",
                    deliverables=["Six market evenings", "A vendor guide"],
                    start="2027-04-01",
                    due="2027-09-30",
                    approach="waterfall",
                    budget="USD 60,000",
                ),
                board_item(
                    133,
                    BOARD_PROJECTS[3],
                    4,
                    selected=True,
                    votes=7,
                    score=30,
                    links=(122,),
                    owner="Grace Kim",
                    sponsor="PRIYA SHAH",
                    deliverables=["Campaign toolkit", "Window stickers for 200 shops"],
                    start="2027-09-01",
                    due="2027-12-31",
                    approach="agile",
                    budget="USD 45,000",
                ),
                board_item(
                    134,
                    BOARD_PROJECTS[4],
                    5,
                    selected=True,
                    votes=6,
                    score=25,
                    owner="Tom Reyes",
                    deliverables=["New website"],
                    start="2027-02-01",
                    due="2027-05-31",
                    approach="waterfall",
                    budget="USD 20,000",
                ),
                board_item(
                    135,
                    BOARD_PROJECTS[5],
                    6,
                    selected=True,
                    votes=5,
                    score=21,
                    tie_break=True,
                    links=(120,),
                    owner="Ana Petrova",
                    sponsor="Dana Whitfield",
                    deliverables=["Survey of 1,500 businesses", "Published findings"],
                    start="2027-03-15",
                    due="2027-10-31",
                    approach="waterfall",
                    budget="USD 40,000",
                ),
                board_item(136, "Pop-up shop in the library", 7, votes=5, score=21),
                board_item(137, "Podcast about local founders", 8, votes=2, score=8),
            ],
            label="Borda points",
        ),
        stage(
            "actions",
            "Action items",
            [
                board_item(
                    140 + n, text, n + 1, selected=True, consensus=None, links=(link,), **fields
                )
                for n, (text, link, fields) in enumerate(
                    (
                        (BOARD_ACTIONS[0], 130, {"owner": "Sam Okafor", "due": "2027-01-29"}),
                        (BOARD_ACTIONS[1], 120, {"owner": "Dana  Whitfield", "due": "2027-02-26"}),
                        (BOARD_ACTIONS[2], 131, {"owner": "Priya Shah", "due": "2027-03-31"}),
                        (BOARD_ACTIONS[3], 132, {"owner": "Luis Ortega", "due": "2027-02-15"}),
                        (BOARD_ACTIONS[4], 133, {"owner": "grace kim", "due": "2027-06-30"}),
                        (BOARD_ACTIONS[5], 121, {"owner": "Maria Lopez"}),
                        (BOARD_ACTIONS[6], 135, {"owner": "Ana Petrova", "due": "2027-04-15"}),
                        (BOARD_ACTIONS[7], 134, {"owner": "Tom Reyes", "due": "2027-01-20"}),
                    )
                )
            ],
            label=UNSCORED,
        ),
    ]
    return assemble_plan(
        title="Small Business 2031",
        organization="Riverside County Economic Development Department",
        horizon_years=5,
        finished_at=BOARD_FINISHED_AT,
        participants=12,
        contributions=71,
        facilitator="Jordan Blake",
        stages=stages,
        aligned=True,
        draft=draft,
        review_cadence=review_cadence,
    )


BIG_GOALS = tuple(f"Goal {n + 1}: grow district {chr(65 + n)}" for n in range(6))


def big_plan(projects: int = 40) -> PlanDocument:
    """A vision, 6 goals and `projects` projects spread over them (project n serves goal
    n % 6), each with an owner, a start and a completion date, and one action on every fifth
    project: the map must split by goal."""
    goals = [
        item(
            200 + n,
            text,
            n + 1,
            selected=True,
            votes=20 - n,
            score=20 - n,
            metrics=[_metric(f"Firms in district {chr(65 + n)}", "100", "150", "2030-12-31")],
        )
        for n, text in enumerate(BIG_GOALS)
    ]
    project_items = [
        item(
            300 + n,
            f"Project {n + 1:02d} for district {chr(65 + n % 6)}: "
            + ("a longer description of the work " * (n % 3)).strip(),
            n + 1,
            selected=True,
            votes=projects - n,
            score=projects - n,
            links=(200 + n % 6,),
            owner=f"Owner {n % 9 + 1}",
            start=f"{2027 + n % 4}-0{n % 9 + 1}-01",
            due=f"{2028 + n % 4}-0{n % 9 + 1}-28",
        )
        for n in range(projects)
    ]
    actions = [
        item(
            600 + n,
            f"First step of project {n + 1:02d}",
            n // 5 + 1,
            selected=True,
            consensus=None,
            links=(300 + n,),
            owner=f"Owner {n % 9 + 1}",
            due="2027-03-31",
        )
        for n in range(0, projects, 5)
    ]
    return assemble_plan(
        title="Forty projects",
        organization="Metro Region",
        horizon_years=5,
        finished_at=FINISHED_AT,
        participants=30,
        contributions=120,
        stages=[
            stage("vision", "Vision", [item(199, "A thriving metro region", 1, selected=True)]),
            stage("goals", "Strategic goals", goals, label="Borda points"),
            stage("projects", "Projects", project_items, label="Borda points"),
            stage("actions", "Action items", actions, label=UNSCORED),
        ],
        aligned=True,
    )
