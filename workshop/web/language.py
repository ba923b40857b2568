"""The language of each page and request, and the template helpers that mark text.

Every request runs in its browser's language (`workshop.i18n.language_of`: the switcher's
cookie, else `Accept-Language`); a page of the workshop's own (the room's screen, the plan)
switches to the workshop's with `use_page_language`. Flask-Babel's locale selector answers the
language in force, so Jinja's `_()` / `gettext()` / `ngettext()` and the Python code agree.

In templates, text the browser's switcher must re-translate without a reload is written
`{{ tx("Join the workshop") }}` (a span marked data-t) and attributes
`<input {{ tattr("placeholder", "Anonymous") }}>`; text that never changes on the page after it
is rendered (the room's screen, the plan) may use `{{ _("...") }}`.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import flask_babel
from flask import Flask, g, has_request_context, request
from markupsafe import Markup, escape

from .. import i18n


def request_language() -> str:
    """The language this request's browser asks for (cookie, else Accept-Language)."""
    if not has_request_context():
        return i18n.DEFAULT_LANGUAGE
    return i18n.language_of(
        request.cookies.get(i18n.COOKIE), request.headers.get("Accept-Language")
    )


def use_page_language(code: str) -> None:
    """Render the rest of this request in `code` (a workshop's language)."""
    i18n.set_language(code)
    if has_request_context():
        flask_babel.refresh()


def _args(params: dict[str, Any]) -> str:
    if not params:
        return ""
    text = json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False)
    return f' data-t-args="{escape(text)}"'


def tx(msgid: str, **params: Any) -> Markup:
    """Translated text in a span the page's switcher re-translates (data-t)."""
    text = i18n.gettext(msgid, **params)
    return Markup(f'<span data-t="{escape(msgid)}"{_args(params)}>{escape(text)}</span>')


def txc(context: str, msgid: str, **params: Any) -> Markup:
    """`tx` for a word with more than one sense: `context` names this one ("verb")."""
    text = i18n.pgettext(context, msgid, **params)
    return Markup(
        f'<span data-t="{escape(msgid)}" data-t-context="{escape(context)}"{_args(params)}>'
        f"{escape(text)}</span>"
    )


def tattr(name: str, msgid: str, **params: Any) -> Markup:
    """A translated attribute (placeholder, title, aria-label, alt) the switcher re-translates."""
    text = i18n.gettext(msgid, **params)
    return Markup(f'{name}="{escape(text)}" data-t-{name}="{escape(msgid)}"{_args(params)}')


def init_app(app: Flask) -> None:
    """Flask-Babel on the same catalogues, every request in its browser's language, and the
    template globals: `page_language`, `page_direction`, `languages_json`, `tx`, `txc`, `tattr`."""
    flask_babel.Babel(
        app,
        locale_selector=i18n.current_language,
        default_translation_directories=str(i18n.TRANSLATIONS),
    )

    @app.before_request
    def _browser_language() -> None:
        g.language_token = i18n.set_language(request_language())

    @app.teardown_request
    def _restore_language(_error: BaseException | None) -> None:
        # The request's language ends with it: whatever runs next in this thread or
        # greenlet (the test client's caller, another request on a kept-alive connection)
        # starts from the language that was in force before.
        token = g.pop("language_token", None)
        if token is not None:
            # ValueError: the token was made in another context (a copied one); nothing to undo.
            with contextlib.suppress(ValueError):
                i18n.reset_language(token)

    app.jinja_env.globals.update(tx=tx, txc=txc, tattr=tattr)
    languages_json = json.dumps(i18n.language_list(), ensure_ascii=False)

    @app.context_processor
    def _language_context() -> dict[str, Any]:
        return {
            "page_language": i18n.current_language(),
            "page_direction": i18n.direction(),
            "languages_json": languages_json,
        }
