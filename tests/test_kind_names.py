"""No shared code names a kind of step: a kind's name appears only in its own modules (its
Python module and its JS module), so a new kind needs no change anywhere else.

The kinds are read from the registry, never pinned here. Shared code names a kind when it
has the name as a string (`"vote"`), a string that starts with it and a `.` or `:`
(`"allocate.on"`, `"rank:3"`), or the name as an attribute or member (`REGISTRY.vote`,
`steps.rank`). Python is read as syntax (every string constant, f-string parts included, and
every attribute); JS by a small tokenizer that skips comments, keeps strings whole and reads
member accesses in the code between them. A few of these spell a kind's name without meaning
the kind (an item's field called `rank`): each is allowed below by what its line says, with
the reason.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from workshop.activities import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PYTHON_ROOT = ROOT / "workshop"
JS_ROOT = ROOT / "static" / "js"
SKIPPED_PYTHON = ("workshop/persistence/migrations/",)
"""Migrations are history: they name the tables and kinds of their day, and never change."""


@dataclass(frozen=True)
class Hit:
    """One place shared code names a kind: `how` is "string", "prefix" or "member"."""

    path: str
    line_number: int
    kind: str
    how: str
    line: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line_number}: {self.kind!r} ({self.how}) in {self.line.strip()}"


@dataclass(frozen=True)
class Allowed:
    """Places that spell a kind's name but are not about the kind."""

    kind: str
    pattern: str
    """A regular expression the offending line matches, so the allowance cannot hide a new
    use of the kind on another line."""
    reason: str

    def covers(self, hit: Hit) -> bool:
        return hit.kind == self.kind and re.search(self.pattern, hit.line) is not None


RANK_FIELD = "|".join(
    (
        r"""\[\s*["']rank["']\s*\]""",  # item["rank"], item['rank']
        r"""["']rank["']\s*:\s*[^"'\s]""",  # {"rank": item.rank}, "rank": {"type": ...}
        r"""^\s*"rank",\s*$""",  # a schema's list of required fields
        r"\b(?:a|b|r|item|result)\??\.rank\b",  # a decision item's or result row's field
    )
)

ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "rank",
        RANK_FIELD,
        "`rank` is also a field: an item's place in a step's standings, a stage's results and "
        "the plan (decision items, result rows, plan.json), named before the rank step was. "
        'Only its uses as a field are allowed; "rank": "Borda points" (a table keyed by kind) '
        "or REGISTRY.rank still fail",
    ),
)


def _kinds() -> list[str]:
    return sorted(REGISTRY)


def _own_python(kind: str) -> Path:
    """The file of the module that defines the kind's Activity."""
    module = sys.modules[type(REGISTRY[kind]).__module__]
    assert module.__file__ is not None
    return Path(module.__file__).resolve()


def _own_js(kind: str) -> Path:
    """The kind's JS module: its declared script, else static/js/activities/<kind>.js."""
    script = getattr(REGISTRY[kind], "script", None)
    return Path(script).resolve() if script else JS_ROOT / "activities" / f"{kind}.js"


def _relative(path: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else str(path)


Named = tuple[int, str, str]
"""(line, text, how): a string's text, or an attribute's or member's name."""


def python_names(source: str) -> list[Named]:
    """Every string constant (f-string parts included) and every attribute name in Python
    source, with its line."""
    out: list[Named] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value, "string"))
        elif isinstance(node, ast.Attribute):
            out.append((node.end_lineno or node.lineno, node.attr, "member"))
    return sorted(out)


JS_TOKEN = re.compile(
    r"""//[^\n]*                      # a line comment
      | /\*.*?\*/                     # a block comment
      | "(?:\\.|[^"\\\n])*"           # a double-quoted string
      | '(?:\\.|[^'\\\n])*'           # a single-quoted string
      | `(?:\\.|[^`\\])*`             # a template literal
    """,
    re.S | re.X,
)
JS_MEMBER = re.compile(r"\.\s*([A-Za-z_$][\w$]*)")


def js_names(source: str) -> list[Named]:
    """Every quoted string in JS source (without its quotes; a template literal's text outside
    `${...}`) and every member name after a `.` in the code between them, with its line.
    Comments are skipped."""
    out: list[Named] = []

    def line_at(offset: int) -> int:
        return source.count("\n", 0, offset) + 1

    def code(start: int, end: int) -> None:
        for found in JS_MEMBER.finditer(source, start, end):
            out.append((line_at(found.start(1)), found.group(1), "member"))

    done = 0
    for found in JS_TOKEN.finditer(source):
        code(done, found.start())
        done = found.end()
        token = found.group(0)
        if token.startswith("/"):
            continue
        body = token[1:-1]
        parts = re.split(r"\$\{[^}]*\}", body) if token.startswith("`") else [body]
        out.extend((line_at(found.start()), part, "string") for part in parts)
    code(done, len(source))
    return sorted(out)


def _named_kind(text: str, how: str, kinds: set[str]) -> tuple[str, str] | None:
    """The kind a string or member names, and how, or None."""
    if text in kinds:
        return text, how
    if how == "string":
        head = re.match(r"([a-z_]+)[.:]", text)
        if head and head.group(1) in kinds:
            return head.group(1), "prefix"
    return None


def _hits(
    files: list[Path], own: dict[str, Path], names_of: Callable[[str], list[Named]]
) -> list[Hit]:
    """Each (file, line, kind, how) once, in file and line order."""
    kinds = set(own)
    hits: set[Hit] = set()
    for path in files:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for line_number, text, how in names_of(source):
            named = _named_kind(text, how, kinds)
            if named is not None and own[named[0]] != path.resolve():
                hits.add(Hit(_relative(path), line_number, *named, lines[line_number - 1]))
    return sorted(hits, key=lambda hit: (hit.path, hit.line_number, hit.kind, hit.how))


def _allowed(hit: Hit) -> bool:
    return any(allowance.covers(hit) for allowance in ALLOWED)


def _python_files() -> list[Path]:
    return [
        path
        for path in sorted(PYTHON_ROOT.rglob("*.py"))
        if not _relative(path).startswith(SKIPPED_PYTHON)
    ]


def _js_files() -> list[Path]:
    return sorted(JS_ROOT.rglob("*.js"))


def python_hits() -> list[Hit]:
    return _hits(_python_files(), {k: _own_python(k) for k in _kinds()}, python_names)


def js_hits() -> list[Hit]:
    return _hits(_js_files(), {k: _own_js(k) for k in _kinds()}, js_names)


# --------------------------------------------------------------------------- the checks


def test_the_registry_has_kinds_to_check() -> None:
    assert len(REGISTRY) >= 2


def test_no_shared_python_names_a_kind() -> None:
    found = [str(hit) for hit in python_hits() if not _allowed(hit)]
    assert not found, (
        f"{len(found)} kind names in shared Python; declare what the code needs on the "
        "Activity instead:\n" + "\n".join(found)
    )


def test_no_shared_js_names_a_kind() -> None:
    found = [str(hit) for hit in js_hits() if not _allowed(hit)]
    assert not found, (
        f"{len(found)} kind names in shared JS; declare what the code needs in the kind's "
        "module instead:\n" + "\n".join(found)
    )


def test_every_allowance_is_still_needed() -> None:
    """An allowance that covers nothing any more is dropped, so the list never outgrows the
    code."""
    hits = python_hits() + js_hits()
    stale = [a.kind for a in ALLOWED if not any(a.covers(hit) for hit in hits)]
    assert not stale, f"allowances no longer needed: {stale}"


# --------------------------------------------------------------------------- the scanners


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('x = "vote"', [(1, "vote", "string")]),
        ("x = f'{a} vote'", [(1, " vote", "string")]),
        ('"""A docstring about a vote."""', [(1, "A docstring about a vote.", "string")]),
        ("# a comment: 'vote'\nx = 1", []),
        ("x = steps.rank", [(1, "rank", "member")]),
        ("x = REGISTRY['link'].events", [(1, "events", "member"), (1, "link", "string")]),
    ],
)
def test_python_names(source: str, expected: list[Named]) -> None:
    assert python_names(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('if (kind === "vote") x();', ["vote"]),
        ("const a = 'rank';", ["rank"]),
        ("const a = `${kind}`;", ["", ""]),
        ("const a = `done:${id}`;", ["", "done:"]),
        ('// say "vote" here\nconst a = 1;', []),
        ('/* "vote" */ const u = "http://x"; // "rank"', ["http://x"]),
        ('const s = "a \\" vote";', ['a \\" vote']),
        ("const m = REGISTRY.vote;", ["vote"]),
        ("const m = REGISTRY?.link || r.rank;", ["link", "rank"]),
        ('const s = "a.vote"; // x.rank', ["a.vote"]),
    ],
)
def test_js_names(source: str, expected: list[str]) -> None:
    assert [text for _line, text, _how in js_names(source)] == expected


def test_js_names_give_each_its_line_and_how() -> None:
    assert js_names('const a = 1;\n\nconst b = "link" + x.done;') == [
        (3, "done", "member"),
        (3, "link", "string"),
    ]


@pytest.mark.parametrize(
    ("text", "how", "expected"),
    [
        ("vote", "string", ("vote", "string")),
        ("allocate.on", "string", ("allocate", "prefix")),
        ("rank:3", "string", ("rank", "prefix")),
        ("votes:set", "string", None),  # an event name: not the kind
        ("link:set", "string", ("link", "prefix")),
        ("vote", "member", ("vote", "member")),
        ("voters", "member", None),
        ("a vote", "string", None),
    ],
)
def test_what_names_a_kind(text: str, how: str, expected: tuple[str, str] | None) -> None:
    assert _named_kind(text, how, {"vote", "allocate", "rank", "link"}) == expected


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ('row["step_rank"] = extra["rank"]', True),
        ('"rank": result.rank,', True),
        ('    "rank",', True),
        ("const byRank = [...decision.items].sort((a, b) => a.rank - b.rank);", True),
        ('SCORE_LABELS = {"rank": "Borda points"}', False),
        ('if kind == "rank":', False),
        ("const m = REGISTRY.rank;", False),
    ],
)
def test_the_rank_field_allowance(line: str, allowed: bool) -> None:
    hit = Hit("x", 1, "rank", "string", line)
    assert _allowed(hit) is allowed


def test_planted_names_are_found(tmp_path: Path) -> None:
    """The whole scan over files that name kinds in every way it knows, and one field use."""
    js = tmp_path / "planted.js"
    js.write_text(
        'const a = REGISTRY.vote;\nconst b = { "allocate.on": 1 };\nif (kind === "link") b();\n'
        "const c = item.rank;\n"
    )
    py = tmp_path / "planted.py"
    py.write_text('LABELS = {"rank": "Borda points"}\nx = activities.vote\ny = f"{z} done"\n')
    own = {kind: tmp_path / f"{kind}.js" for kind in ("vote", "allocate", "link", "rank", "done")}
    found = [
        (hit.line_number, hit.kind, hit.how)
        for hit in _hits([js], own, js_names) + _hits([py], own, python_names)
        if not _allowed(hit)
    ]
    assert found == [
        (1, "vote", "member"),
        (2, "allocate", "prefix"),
        (3, "link", "string"),
        (1, "rank", "string"),
        (2, "vote", "member"),
    ]
