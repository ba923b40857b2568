"""The message catalogues: extract every marked string, update the `.po` files, compile them.

    python tools/i18n.py extract   # print how many messages the code marks, by source
    python tools/i18n.py update    # add new messages to every language's .po, drop gone ones
    python tools/i18n.py compile   # .po -> workshop/translations/*/.mo and static/i18n/*.json
    python tools/i18n.py check     # exit 1 when a catalogue lacks a message, keeps a gone one,
                                   # leaves one untranslated or breaks a placeholder
    python tools/i18n.py fill FILE.json ...   # take translations from JSON files (see below)
    python tools/i18n.py missing CODE         # list the untranslated messages of one language

Sources and the calls that mark text (see workshop/i18n.py and static/js/i18n.js):
- Python under workshop/: gettext, ngettext (singular, plural), N_;
- Python: pgettext (context, msgid) for a word with two senses;
- Jinja templates under templates/: _, gettext, ngettext, tx, txc (context, msgid), tattr (the
  second argument);
- ES modules under static/js/: t, tn (singular, plural), N_, pt (context, msgid);
- agenda templates (workshop/agenda_templates/*.toml): every string of a key in
  TOML_TEXT_KEYS (the built-ins' names, descriptions, stage titles and prompts).

`fill` reads {msgid: {"fr": "...", "de": ..., ...}} and, for a counted message,
{singular: {"plural": "...", "fr": [forms...], ...}} with the forms in the order of the
language's gettext plural forms (workshop/i18n.py, Language.plural_tags); for French and
Spanish [singular, plural] is enough (their "many" form is the plural).
"""

from __future__ import annotations

import io
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workshop.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, TRANSLATIONS  # noqa: E402

STATIC_I18N = ROOT / "static" / "i18n"
TOML_TEXT_KEYS = frozenset({"title", "description", "prompt", "label", "hint", "low", "high"})
PYTHON_KEYWORDS = {
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "pgettext": ((1, "c"), 2),
}
JINJA_KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "tx": None,
    "txc": ((1, "c"), 2),
    "tattr": (2,),
}
JS_KEYWORDS = {"t": None, "tn": (1, 2), "N_": None, "pt": ((1, "c"), 2)}
CONTEXT_SEPARATOR = "\x04"
"""Between a message's context and its msgid in the browser's JSON (as in a .mo file)."""
# Messages the browser never needs (the plan's text, the admin's server-rendered pages and the
# agenda templates' texts, translated on the server) stay out of the JSON catalogues.
SERVER_ONLY = (
    "workshop/plan/",
    "workshop/agenda_templates/",
    "workshop/web/admin",
    "templates/plan_document.html",
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _toml_extractor(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for the agenda templates: each text of a key in TOML_TEXT_KEYS."""
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()

    def line_of(value: str) -> int:
        quoted = json.dumps(value, ensure_ascii=False)[1:-1]
        for number, line in enumerate(lines, start=1):
            if quoted in line or value in line:
                return number
        return 1

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in TOML_TEXT_KEYS and isinstance(value, str) and value.strip():
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for value in walk(data):
        yield line_of(value), "gettext", value, ["Agenda template text: keep {org} and {horizon}."]


def extract() -> Catalog:
    """Every marked message of the code, with where it is used."""
    catalog = Catalog(domain=DOMAIN, project="Strategy Workshop", charset="utf-8")
    sources: list[tuple[str, list[tuple[str, Any]], dict[str, Any]]] = [
        ("workshop", [("**.py", "python"), ("**.toml", _toml_extractor)], PYTHON_KEYWORDS),
        ("templates", [("**.html", "jinja2")], JINJA_KEYWORDS),
        ("static/js", [("vendor/**", "ignore"), ("**.js", "javascript")], JS_KEYWORDS),
    ]
    for folder, method_map, keywords in sources:
        options = {
            "**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"},
            "**.js": {"parse_template_string": "true"},
        }
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder,
            method_map=method_map,  # type: ignore[arg-type]
            options_map=options,
            keywords=keywords,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        ):
            where = f"{folder}/{filename}"
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(code: str) -> Catalog:
    path = po_path(code)
    if not path.exists():
        return Catalog(locale=code, domain=DOMAIN, project="Strategy Workshop")
    with path.open("rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


def write(code: str, catalog: Catalog) -> None:
    path = po_path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=100,
        sort_output=False,
        omit_header=False,
        ignore_obsolete=True,
        include_lineno=False,
    )
    path.write_bytes(buffer.getvalue())


def shipped() -> list[str]:
    return [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def update() -> None:
    template = extract()
    for code in shipped():
        catalog = read(code)
        catalog.update(template, no_fuzzy_matching=True)
        write(code, catalog)
        print(f"{code}: {len(catalog)} messages, {len(untranslated(catalog))} untranslated")


def untranslated(catalog: Catalog) -> list[Message]:
    return [
        message
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]


def _key(message: Message) -> str:
    """How a message is named in `check`'s lines, `fill`'s files and the browser's JSON: its
    msgid (a counted message's singular), after "<context>\\x04" when it has a context."""
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}{CONTEXT_SEPARATOR}{msgid}" if message.context else msgid


def _server_only(message: Message) -> bool:
    return bool(message.locations) and all(
        any(where.startswith(prefix) for prefix in SERVER_ONLY)
        for where, _line in message.locations
    )


# Files only the console, the start page, the review page, the admin and the room's screen
# load: their messages stay out of the phone's catalogue (`<code>.phone.json`), which a phone
# on a venue's Wi-Fi downloads with its first page.
NOT_ON_PHONES = (
    "static/js/console",
    "static/js/agenda-editor.js",
    "static/js/room-access.js",
    "static/js/fair-order.js",
    "static/js/saved-templates.js",
    "static/js/plan-files.js",
    "static/js/home.js",
    "static/js/my-workshops.js",
    "static/js/review.js",
    "static/js/present.js",
    "templates/console.html",
    "templates/index.html",
    "templates/review.html",
    "templates/present.html",
    "templates/error.html",
    "templates/admin",
)


def browser_constants() -> set[str]:
    """The msgids Python marks with `N_`: constants the server sends untranslated (labels,
    categories, room-wide notices) for the browser to translate. Every other message Python
    marks is translated on the server (a refusal in its reader's language) and never needed
    by a browser."""
    return {
        message if isinstance(message, str) else message[0]
        for _f, _l, message, _c, _ctx in extract_from_dir(
            ROOT / "workshop",
            method_map=[("**.py", "python")],
            keywords={"N_": None},
        )
    }


def _for_browser(message: Message, constants: set[str]) -> bool:
    if _server_only(message):
        return False
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    in_client = any(not where.startswith("workshop/") for where, _line in message.locations)
    return in_client or msgid in constants


def _on_phones(message: Message) -> bool:
    return not all(
        any(where.startswith(prefix) for prefix in NOT_ON_PHONES)
        for where, _line in message.locations
    )


def compiled(code: str, constants: set[str] | None = None) -> tuple[bytes, bytes, bytes]:
    """The `.mo` file and the browser's two JSON catalogues of `code` (every page's, and the
    phone's, without what only the other screens say), made from its `.po`."""
    constants = browser_constants() if constants is None else constants
    catalog = read(code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    tags = LANGUAGES[code].plural_tags
    messages: dict[str, Any] = {}
    phone: dict[str, Any] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        if not _for_browser(message, constants):
            continue
        if isinstance(message.id, tuple):
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(forms):
                continue
            value: Any = dict(zip(tags, forms, strict=False))
        else:
            value = message.string
        messages[_key(message)] = value
        if _on_phones(message):
            phone[_key(message)] = value
    return buffer.getvalue(), _json(code, messages), _json(code, phone)


def _json(code: str, messages: dict[str, Any]) -> bytes:
    body = {"language": code, "direction": LANGUAGES[code].direction, "messages": messages}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def compile_all() -> None:
    STATIC_I18N.mkdir(parents=True, exist_ok=True)
    constants = browser_constants()
    for code in shipped():
        mo, browser, phone = compiled(code, constants)
        po_path(code).with_suffix(".mo").write_bytes(mo)
        (STATIC_I18N / f"{code}.json").write_bytes(browser)
        (STATIC_I18N / f"{code}.phone.json").write_bytes(phone)
        print(f"{code}: compiled ({len(browser)} bytes for the browser, {len(phone)} for phones)")


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def problems(template: Catalog | None = None) -> list[str]:
    """Everything `check` complains about, one line each (empty when all is well): compared
    with `template` (default: what the code marks now)."""
    found: list[str] = []
    template = extract() if template is None else template
    constants = browser_constants()
    wanted = {_key(m) for m in template if m.id}
    for code in shipped():
        catalog = read(code)
        have = {_key(m) for m in catalog if m.id}
        for msgid in sorted(wanted - have):
            found.append(f"{code}: missing {msgid!r}")
        for msgid in sorted(have - wanted):
            found.append(f"{code}: no longer used {msgid!r}")
        for message in untranslated(catalog):
            found.append(f"{code}: untranslated {_key(message)!r}")
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            expected = _placeholders(ids[-1]) | _placeholders(ids[0])
            for text in strings:
                extra = _placeholders(text) - expected
                if extra:
                    found.append(f"{code}: {_key(message)!r} adds placeholders {sorted(extra)}")
            if not isinstance(message.id, tuple) and _placeholders(message.id) - _placeholders(
                strings[0]
            ):
                lost = sorted(_placeholders(message.id) - _placeholders(strings[0]))
                found.append(f"{code}: {_key(message)!r} drops placeholders {lost}")
        mo, browser, phone = compiled(code, constants)
        mo_file = po_path(code).with_suffix(".mo")
        if not mo_file.exists() or mo_file.read_bytes() != mo:
            found.append(f"{code}: {mo_file.name} differs from the .po: run compile")
        for name, made in ((f"{code}.json", browser), (f"{code}.phone.json", phone)):
            json_file = STATIC_I18N / name
            if not json_file.exists() or json_file.read_bytes() != made:
                found.append(f"{code}: static/i18n/{name} differs from the .po: run compile")
    return found


def _forms(code: str, value: Any) -> list[str]:
    """A counted message's forms in the order of the language's plural forms. Two forms
    (singular, plural) given for a language with a "many" form (French, Spanish: round
    millions) use the plural form for it."""
    forms = [str(form) for form in (value if isinstance(value, list) else [value])]
    tags = LANGUAGES[code].plural_tags
    if len(forms) == 2 and tags == ("one", "many", "other"):
        forms = [forms[0], forms[1], forms[1]]
    return (forms + [forms[-1]] * len(tags))[: len(tags)]


def fill(paths: list[str]) -> None:
    entries: dict[str, dict[str, Any]] = {}
    for path in paths:
        # A later file overrides an earlier one language by language.
        for key, value in json.loads(Path(path).read_text(encoding="utf-8")).items():
            if isinstance(value, dict):
                entries.setdefault(key, {}).update(value)
    for code in shipped():
        catalog = read(code)
        count = 0
        for message in catalog:
            if not message.id:
                continue
            entry = entries.get(_key(message))
            if not isinstance(entry, dict) or code not in entry:
                continue
            value = entry[code]
            if isinstance(message.id, tuple):
                message.string = tuple(_forms(code, value))
            elif isinstance(value, str):
                message.string = value
            else:
                continue
            message.flags.discard("fuzzy")
            count += 1
        write(code, catalog)
        print(f"{code}: {count} filled, {len(untranslated(catalog))} untranslated")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        catalog = extract()
        print(f"{len(catalog)} messages")
        return 0
    if command == "update":
        update()
        return 0
    if command == "compile":
        compile_all()
        return 0
    if command == "fill":
        fill(argv[1:])
        return 0
    if command == "missing":
        for message in untranslated(read(argv[1])):
            print(json.dumps(message.id, ensure_ascii=False))
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problems")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
