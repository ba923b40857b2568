"""Languages and message catalogues: which languages ship, which one is in force, and the
gettext calls every module uses for text that reaches people.

The catalogues are gettext `.po` files under `workshop/translations/<code>/LC_MESSAGES/`,
compiled (`python tools/i18n.py compile`) to the `.mo` files read here and to one JSON file per
language under `static/i18n/` for the browser's ES modules (`static/js/i18n.js`). English is
the source language: its msgids are the English text, so it has no catalogue of its own.

The language in force is a context variable: an HTTP request sets the browser's (the `lang`
cookie the phone's switcher writes, else `Accept-Language`), a Socket.IO event its
connection's, a plan render its workshop's (`use_language`). Flask-Babel reads the same
variable (its locale selector), so Jinja's `_()` and these functions always agree.

Marking text, everywhere in Python:
    gettext("Join the workshop")
    gettext("Over budget in %(category)s.", category=label)
    ngettext("%(n)s idea", "%(n)s ideas", count)          # `n` is the count, formatted
    N_("Dot vote")   # a constant translated later, where it is shown (or by the browser)
    pgettext("verb", "Start")   # one English word, two senses: the sense is the context
Placeholders are `%(name)s` in every catalogue, the JS one included.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import NullTranslations, Translations

from .core.errors import DomainError

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
"""Where the `.po` and `.mo` catalogues live: `<code>/LC_MESSAGES/messages.po`."""
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    """One shipped language: its code (a BCP 47 primary tag), its own name for itself, the
    direction of its script, and the CLDR plural categories in the order of its gettext plural
    forms, as Babel's `Plural-Forms` numbers them (French and Spanish have a "many" form for
    round millions); the browser picks a form with `Intl.PluralRules`, which answers a
    category."""

    code: str
    name: str
    direction: str  # "ltr" | "rtl"
    plural_tags: tuple[str, ...]


DEFAULT_LANGUAGE = "en"
# A new language is its catalogue (workshop/translations/<code>/) and one line here.
LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("en", "English", "ltr", ("one", "other")),
        Language("fr", "Français", "ltr", ("one", "many", "other")),
        Language("de", "Deutsch", "ltr", ("one", "other")),
        Language("es", "Español", "ltr", ("one", "many", "other")),
        Language("ar", "العربية", "rtl", ("zero", "one", "two", "few", "many", "other")),
    )
}

COOKIE = "lang"
"""The cookie the language switcher writes (phone and console) so the next page load is
rendered in the chosen language from its first byte."""

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "workshop_language", default=DEFAULT_LANGUAGE
)


def language_list() -> list[dict[str, str]]:
    """The shipped languages as JSON: `[{"code", "name", "direction"}]`, English first."""
    return [
        {"code": lang.code, "name": lang.name, "direction": lang.direction}
        for lang in LANGUAGES.values()
    ]


def check_language(value: Any, field: str = "language") -> str:
    """`value` if it is a shipped language's code, else `unknown_language` naming them."""
    if isinstance(value, str) and value in LANGUAGES:
        return value
    raise DomainError(
        "unknown_language",
        gettext(
            "%(field)s must be one of %(codes)s.",
            field=field,
            codes=", ".join(LANGUAGES),
        ),
    )


def supported(tag: str | None) -> str | None:
    """The shipped language a BCP 47 tag asks for ("fr-CA" → "fr"), or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def negotiate(accepted: Iterable[str]) -> str:
    """The first shipped language in the browser's preference order, else English."""
    for tag in accepted:
        code = supported(tag)
        if code:
            return code
    return DEFAULT_LANGUAGE


def parse_accept_language(header: str | None) -> list[str]:
    """The tags of an `Accept-Language` header, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _q, _i, tag in sorted(ranked)]


def language_of(cookie: str | None, accept_language: str | None) -> str:
    """The language of a browser's request: its switcher's cookie, else its Accept-Language."""
    return supported(cookie) or negotiate(parse_accept_language(accept_language))


def current_language() -> str:
    """The language in force here (English unless an edge set another)."""
    return _current.get()


def direction(code: str | None = None) -> str:
    """ "rtl" or "ltr" for `code` (default: the language in force)."""
    return LANGUAGES[code or current_language()].direction


def set_language(code: str) -> contextvars.Token[str]:
    """Make `code` the language in force for the rest of this context (one HTTP request);
    `reset_language` with the token it returns puts the previous one back."""
    return _current.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)


def reset_language(token: contextvars.Token[str]) -> None:
    """Put back the language in force before `set_language` returned `token`."""
    _current.reset(token)


@contextmanager
def use_language(code: str | None) -> Iterator[str]:
    """Run a block in `code` (an unknown or empty one: English), then restore the previous."""
    chosen = code if code in LANGUAGES else DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@functools.cache
def translations(code: str) -> NullTranslations:
    """The compiled catalogue of `code` (English, or a missing file: msgids as they are)."""
    if code == DEFAULT_LANGUAGE:
        return NullTranslations()
    mo = TRANSLATIONS / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.is_file():
        return NullTranslations()
    with mo.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def gettext(msgid: str, **params: Any) -> str:
    """`msgid` in the language in force, its `%(name)s` placeholders filled from `params`."""
    text = translations(current_language()).gettext(msgid)
    return text % params if params else text


def pgettext(context: str, msgid: str, **params: Any) -> str:
    """`msgid` in the sense `context` names ("verb" for the Start button, where "Start" alone
    is a date's label), in the language in force."""
    text = str(translations(current_language()).pgettext(context, msgid))
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """The form of a counted message that fits `n` in the language in force; `%(n)s` is `n`
    formatted for that language unless `params` gives it."""
    text = translations(current_language()).ngettext(singular, plural, n)
    params.setdefault("n", format_number(n))
    return text % params


def N_(msgid: str) -> str:
    """Mark a constant for the catalogue without translating it here: it is translated where
    it is shown (`gettext(constant)`), or by the browser (`t(constant)`)."""
    return msgid


def locale(code: str | None = None) -> Locale:
    """Babel's locale for `code` (default: the language in force)."""
    return _locale(code or current_language())


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def format_number(value: float | int, code: str | None = None) -> str:
    """A number as the language writes it (1,234.5 / 1 234,5 / ١٬٢٣٤٫٥)."""
    return babel_numbers.format_decimal(value, locale=locale(code))


def format_percent(value: float, code: str | None = None) -> str:
    """A share (0.25) as the language writes a percentage."""
    return babel_numbers.format_percent(value, locale=locale(code))


def format_date(value: dt.date | dt.datetime, format: str = "long", code: str | None = None) -> str:
    """A date as the language writes it; `format` is Babel's: short, medium, long or full."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return babel_dates.format_date(day, format=format, locale=locale(code))


def format_datetime(value: dt.datetime, format: str = "medium", code: str | None = None) -> str:
    """A moment as the language writes it (in the datetime's own zone, UTC when naive)."""
    return babel_dates.format_datetime(value, format=format, locale=locale(code))


def format_year(year: int, code: str | None = None) -> str:
    """A calendar year in the language's digits, without grouping (2026, not 2,026)."""
    return babel_numbers.format_decimal(year, format="#", locale=locale(code))


def format_year_range(start: int, end: int, code: str | None = None) -> str:
    """A span of years ("2026–2028") in the language's digits."""
    if start == end:
        return format_year(start, code)
    return gettext("%(start)s–%(end)s", start=format_year(start, code), end=format_year(end, code))
