"""The optional admin of the whole server (`/admin`), when ADMIN_PASSWORD is set: every
workshop listed with search, status, size and last activity; open its console, export it as
JSON, import such a file into a new workshop, delete it. Without ADMIN_PASSWORD: 404.

Only a slow salted hash (scrypt) of the password is kept, in memory; the plain password is
taken out of `app.config` when the app is built. A login is a signed cookie (`sw_admin`, path
`/admin`, HttpOnly, SameSite=Lax, Secure over HTTPS) that holds a random CSRF token, and once
logged in a session id and the login time: it lasts 8 hours, logging out revokes it, and a
changed ADMIN_PASSWORD (or SECRET_KEY) makes every earlier cookie unreadable. Every POST form,
the login form included, carries the cookie's CSRF token. Failed logins are limited per address
(5, then one per 30 s).

Owner: helper B4 (issue 20). Contract: see /work/brief/common.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import LargeBinary, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from .. import i18n
from ..core.errors import DomainError
from ..core.ratelimit import Buckets
from ..core.security import normalise_code
from ..persistence import rows
from ..persistence.db import begin_write, get_db
from ..persistence.models import Idea, Participant, Workshop
from ..persistence.queries import get_workshop
from ..realtime import closing
from ..services import lifecycle, transfer, workshops
from .headers import ascii_stem, content_disposition, download_stem

bp = Blueprint("admin", __name__)

STATE = "workshop_admin"
"""app.extensions key of the admin's `AdminState` (None: no ADMIN_PASSWORD, no admin)."""
COOKIE = "sw_admin"
SESSION_SECONDS = 8 * 3600
PAGE_SIZE = 50
LOGIN_BURST = 5
LOGIN_INTERVAL = 30.0
"""Failed logins per address: LOGIN_BURST at once, then one every LOGIN_INTERVAL seconds."""
IMPORT_PATH = "/admin/import"
# scrypt at 16 MB and about 50 ms a try: slow for a guesser, nothing for one admin.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
FORM_EXPIRED = i18n.N_("The form expired; reload the page.")
WRONG_PASSWORD = i18n.N_("Wrong password.")


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )


@dataclass
class AdminState:
    """What the process keeps of the admin: the password's salted hash (never the password),
    the cookie signer, failed logins per address and the sessions logged out."""

    salt: bytes
    digest: bytes
    signer: URLSafeTimedSerializer
    logins: Buckets
    logged_out: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verifies(self, password: str) -> bool:
        """Whether `password` is ADMIN_PASSWORD (its hash compared in constant time)."""
        return secrets.compare_digest(_scrypt(password, self.salt), self.digest)

    def log_out(self, session_id: str, until: float) -> None:
        """Revoke a session id until its cookie would have expired anyway."""
        with self.lock:
            now = time.time()
            for stale in [sid for sid, end in self.logged_out.items() if end < now]:
                del self.logged_out[stale]
            self.logged_out[session_id] = until

    def is_logged_out(self, session_id: str) -> bool:
        with self.lock:
            return session_id in self.logged_out


def init_app(app: Flask) -> None:
    """Keep only a hash of ADMIN_PASSWORD (removed from the config) and register `/admin`."""
    password = str(app.config.pop("ADMIN_PASSWORD", "") or "")
    app.register_blueprint(bp)
    app.before_request(_hidden_without_password)
    if not password:
        app.extensions[STATE] = None
        return
    salt = secrets.token_bytes(16)
    # The cookie signer's salt is a slow hash of the password with a salt fixed by SECRET_KEY:
    # the same across restarts (a login survives one), another when the password changes.
    secret_key = str(app.config["SECRET_KEY"])
    fixed = hashlib.sha256(f"workshop-admin|{secret_key}".encode()).digest()
    fingerprint = _scrypt(password, fixed).hex()
    app.extensions[STATE] = AdminState(
        salt=salt,
        digest=_scrypt(password, salt),
        signer=URLSafeTimedSerializer(secret_key, salt=f"workshop-admin/{fingerprint}"),
        logins=Buckets(1 / LOGIN_INTERVAL, LOGIN_BURST),
    )
    # An export with its plan files is larger than MAX_CONTENT_LENGTH: the import takes more.
    limits = dict(app.config.get("BODY_LIMITS") or {})
    limits[IMPORT_PATH] = "MAX_IMPORT_BYTES"
    app.config["BODY_LIMITS"] = limits


def enabled(app: Flask) -> bool:
    """Whether this app has an admin (ADMIN_PASSWORD was set)."""
    return app.extensions.get(STATE) is not None


def _hidden_without_password() -> None:
    """Without ADMIN_PASSWORD every /admin URL is the normal 404, whatever the method."""
    path = request.path
    if (path == "/admin" or path.startswith("/admin/")) and not enabled(current_app):
        abort(404)


def _state() -> AdminState:
    state = current_app.extensions.get(STATE)
    if state is None:  # pragma: no cover - _hidden_without_password answered 404 already
        abort(404)
    assert isinstance(state, AdminState)
    return state


# --------------------------------------------------------------------------- the cookie


def _cookie() -> dict[str, Any]:
    """This request's admin cookie (read once): {"csrf", "sid"?, "login_at"?, "notice"?}; a
    new one (a fresh CSRF token) when there is none, or it is forged, old or revoked."""
    if "admin_cookie" in g:
        known: dict[str, Any] = g.admin_cookie
        return known
    state = _state()
    data: Any = None
    raw = request.cookies.get(COOKIE, "")
    if raw:
        try:
            data = state.signer.loads(raw, max_age=SESSION_SECONDS)
        except BadSignature:
            data = None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        data = {"csrf": secrets.token_urlsafe(24)}
        g.admin_cookie_changed = True
    sid = data.get("sid")
    if sid is not None and (not isinstance(sid, str) or state.is_logged_out(sid)):
        data = {"csrf": secrets.token_urlsafe(24)}
        g.admin_cookie_changed = True
    cookie = dict(data)
    g.admin_cookie = cookie
    return cookie


def _save_cookie(cookie: dict[str, Any]) -> None:
    """Send this cookie with the response."""
    g.admin_cookie = cookie
    g.admin_cookie_changed = True


def _logged_in() -> bool:
    cookie = _cookie()
    at = cookie.get("login_at")
    return (
        isinstance(cookie.get("sid"), str)
        and isinstance(at, int | float)
        and 0 <= time.time() - at < SESSION_SECONDS
    )


@bp.after_request
def _send_cookie(response: Response) -> Response:
    """Set the admin cookie when it changed; admin pages are never cached or indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if g.get("admin_cookie_changed") and current_app.extensions.get(STATE) is not None:
        cookie: dict[str, Any] = g.admin_cookie
        at = cookie.get("login_at")
        left = SESSION_SECONDS
        if isinstance(at, int | float):
            left = max(0, int(at + SESSION_SECONDS - time.time()))
        response.set_cookie(
            COOKIE,
            _state().signer.dumps(cookie),
            max_age=left,
            path="/admin",
            # request.is_secure follows X-Forwarded-Proto when FORWARDED_HOPS trusts a proxy.
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response


def _csrf_ok() -> bool:
    """Whether the form's csrf_token is this cookie's (compared in constant time)."""
    sent = request.form.get("csrf_token", "")
    raw = request.cookies.get(COOKIE, "")
    known = _cookie()["csrf"] if raw and not g.get("admin_cookie_changed") else ""
    return bool(sent and known) and secrets.compare_digest(sent.encode(), known.encode())


def _form_expired() -> tuple[str, int]:
    return render_template("admin_error.html", message=i18n.gettext(FORM_EXPIRED), **_page()), 400


def _login_page(
    message: str | None = None, status: int = 200, notice: str | None = None
) -> tuple[str, int]:
    return (
        render_template("admin_login.html", error=message, notice=notice, **_page()),
        status,
    )


def _guard(*, form: bool) -> tuple[str, int] | None:
    """The refusal for this request, or None: not logged in → the login form (401); a form
    without this session's CSRF token → "The form expired" (400)."""
    if not _logged_in():
        return _login_page(i18n.gettext("Log in to continue."), 401)
    if form and not _csrf_ok():
        return _form_expired()
    return None


def _page() -> dict[str, Any]:
    """What every admin template is rendered with."""
    return {"csrf_token": _cookie()["csrf"], "logged_in": _logged_in()}


# --------------------------------------------------------------------------- log in and out


@bp.get("/admin")
def home() -> tuple[str, int] | str:
    """The login form, or every workshop on the server (search `q`, `status`, `page`)."""
    if not _logged_in():
        cookie = _cookie()
        notice = cookie.pop("notice", None)
        if notice:
            _save_cookie(cookie)
        return _login_page(notice=notice["text"] if isinstance(notice, dict) else None)
    return _list_page()


@bp.post("/admin/login")
def login() -> BaseResponse | tuple[str, int]:
    """Check the password: 303 to the list, or the form again (401 wrong, 429 too many)."""
    if not _csrf_ok():
        return _form_expired()
    state = _state()
    address = request.remote_addr or ""
    wait = state.logins.retry_after(address)
    if wait > 0:
        return _too_many(wait)
    password = request.form.get("password", "")
    if not state.verifies(password):
        state.logins.take(address)
        return _login_page(i18n.gettext(WRONG_PASSWORD), 401)
    # A new CSRF token and session id at login: nothing from before it carries over.
    _save_cookie(
        {
            "csrf": secrets.token_urlsafe(24),
            "sid": secrets.token_urlsafe(16),
            "login_at": int(time.time()),
        }
    )
    return redirect(url_for("admin.home"), 303)


def _too_many(wait: float) -> tuple[str, int]:
    seconds = max(1, math.ceil(wait))
    message = i18n.gettext(
        "Too many wrong passwords from this address; try again in %(seconds)s s.",
        seconds=i18n.format_number(seconds),
    )
    page, status = _login_page(message, 429)
    g.admin_retry_after = seconds
    return page, status


@bp.after_request
def _retry_after(response: Response) -> Response:
    if g.get("admin_retry_after"):
        response.headers["Retry-After"] = str(g.admin_retry_after)
    return response


@bp.post("/admin/logout")
def logout() -> BaseResponse | tuple[str, int]:
    """End this session (its cookie no longer opens anything, even if kept) → the login."""
    refused = _guard(form=True)
    if refused:
        return refused
    cookie = _cookie()
    _state().log_out(str(cookie["sid"]), float(cookie["login_at"]) + SESSION_SECONDS)
    notice = _notice(i18n.gettext("Logged out."))
    _save_cookie({"csrf": secrets.token_urlsafe(24), "notice": notice})
    return redirect(url_for("admin.home"), 303)


def _notice(text: str, kind: str = "good") -> dict[str, str]:
    return {"text": text, "kind": kind}


# --------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class Size:
    """A workshop's footprint: its rows in every table, and the bytes of their values."""

    rows: int
    bytes: int


@dataclass(frozen=True)
class Listed:
    """One workshop as the list shows it."""

    workshop: Workshop
    last_activity: datetime
    participants: int
    size: Size


def _list_page(
    *, notice: dict[str, Any] | None = None, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    query = request.args.get("q", "").strip()[:200]
    wanted = request.args.get("status", "")
    status_filter = wanted if wanted in ("active", "finished") else ""
    page = _page_number(request.args.get("page"))
    db = get_db()
    # Search, status, order and paging are one SQL query over the workshop table (and the
    # newest idea and participant of each by their indexes); what the page shows of each
    # workshop beyond its own row is read for the shown page only.
    conditions = _conditions(db, query, status_filter)
    total = int(
        db.execute(select(func.count()).select_from(Workshop).where(*conditions)).scalar_one()
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    shown = list(
        db.execute(
            select(Workshop)
            .where(*conditions)
            .order_by(
                _activity_proxy(db).desc(),
                col(Workshop.created_at).desc(),
                col(Workshop.id).desc(),
            )
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).scalars()
    )
    listed = _listed(db, shown)
    db.rollback()
    cookie = _cookie()
    if notice is None and "notice" in cookie:
        notice = cookie.pop("notice")
        _save_cookie(cookie)

    def page_url(number: int) -> str:
        args = {"q": query, "status": status_filter, "page": str(number)}
        return url_for("admin.home") + "?" + urlencode({k: v for k, v in args.items() if v})

    return (
        render_template(
            "admin.html",
            listed=listed,
            total=total,
            query=query,
            status=status_filter,
            page=page,
            pages=pages,
            page_url=page_url,
            notice=notice,
            error=error,
            max_import=int(current_app.config.get("MAX_IMPORT_BYTES", 20 * 1024 * 1024)),
            **_page(),
        ),
        status,
    )


def _listed(db: Session, shown: list[Workshop]) -> list[Listed]:
    """The shown workshops with their last activity, participants and size (read for these
    workshops only)."""
    ids = [w.id for w in shown]
    activity = lifecycle.last_activities(db, ids)
    counts = _participants(db, ids)
    sizes = _sizes(db, ids)
    return [
        Listed(
            workshop=w,
            last_activity=activity.get(w.id) or w.created_at,
            participants=counts.get(w.id, 0),
            size=sizes[w.id],
        )
        for w in shown
    ]


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or "1"))
    except ValueError:
        return 1


FOLD = "sw_admin_casefold"
"""The SQL function that folds case like Python's str.casefold (SQLite's lower() folds ASCII
only): registered on the SQLite connection the search runs on."""


def _fold(value: str | None) -> str | None:
    return None if value is None else value.casefold()


def _folded(db: Session, column: Any) -> ColumnElement[Any]:
    """`column` with its case folded, in SQL: any script on SQLite (a function of ours) and on
    PostgreSQL (lower() follows the database's locale there)."""
    connection = db.connection()
    if connection.dialect.name != "sqlite":
        return func.lower(column)
    raw = connection.connection.dbapi_connection
    if raw is not None:  # registering again replaces it: cheap, and always on this connection
        raw.create_function(FOLD, 1, _fold, deterministic=True)
    folded: ColumnElement[Any] = getattr(func, FOLD)(column)
    return folded


def _conditions(db: Session, query: str, status: str) -> list[ColumnElement[bool]]:
    """The SQL conditions of the search: the status, and `query` (any case, any script) in the
    title, organisation or id, or as part of the join code (spaces and dashes ignored)."""
    conditions: list[ColumnElement[bool]] = []
    if status:
        conditions.append(col(Workshop.status) == status)
    needle = query.casefold()
    if needle:
        terms = [
            _folded(db, column).contains(needle, autoescape=True)
            for column in (col(Workshop.title), col(Workshop.organization), col(Workshop.id))
        ]
        code = normalise_code(query)
        if code:
            terms.append(col(Workshop.code).contains(code, autoescape=True))
        conditions.append(or_(*terms))
    return conditions


def _activity_proxy(db: Session) -> ColumnElement[Any]:
    """What the list is ordered by, for every workshop at once and cheaply: the latest of its
    creation, its finish, its newest idea and its newest participant (the highest id of each,
    read from the index on workshop_id; a lower id is an earlier row). Votes and edits are not
    counted here: the shown "Last activity" (every table, `lifecycle.last_activities`) can
    be later."""

    def newest(model: Any, stamp: Any) -> ColumnElement[Any]:
        latest = (
            select(func.max(model.id))
            .where(model.workshop_id == Workshop.id)
            .correlate(Workshop)
            .scalar_subquery()
        )
        found = select(stamp).where(model.id == latest).correlate(Workshop).scalar_subquery()
        return func.coalesce(found, col(Workshop.created_at))

    moments = [
        col(Workshop.created_at),
        func.coalesce(col(Workshop.finished_at), col(Workshop.created_at)),
        newest(Idea, col(Idea.created_at)),
        newest(Participant, col(Participant.joined_at)),
    ]
    if db.connection().dialect.name == "sqlite":
        return func.max(*moments)  # SQLite's max() of several values is the greatest
    return func.greatest(*moments)


def _naive(moment: datetime) -> datetime:
    """A UTC time without its zone (SQLite gives them back so)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _participants(db: Session, ids: list[str]) -> dict[str, int]:
    """Active (not removed) participants of each of these workshops."""
    if not ids:
        return {}
    statement = (
        select(col(Participant.workshop_id), func.count())
        .where(col(Participant.workshop_id).in_(ids), col(Participant.removed_at).is_(None))
        .group_by(col(Participant.workshop_id))
    )
    return {workshop_id: int(count) for workshop_id, count in db.execute(statement)}


def _sizes(db: Session, ids: list[str]) -> dict[str, Size]:
    """Each workshop's rows in every table (the tables persistence/rows.py finds: what
    deleting it removes) and the bytes of their stored values (text as UTF-8, plan files as
    stored). One grouped query per table; a table reached another way is counted per
    workshop through its selection."""
    totals = {workshop_id: [0, 0] for workshop_id in ids}
    if not ids:
        return {}
    for chosen in rows.selections(ids[0]):
        table = chosen.table
        size = func.coalesce(func.sum(sum(_stored_bytes(c) for c in table.c)), 0)
        owner = rows.owner_of(table)
        if owner is None:
            for workshop_id in ids:
                where = next(s.where for s in rows.selections(workshop_id) if s.table is table)
                count, stored = db.execute(
                    select(func.count(), size).select_from(table).where(where)
                ).one()
                totals[workshop_id][0] += int(count)
                totals[workshop_id][1] += int(stored)
            continue
        expression, joined = owner
        statement = (
            select(expression, func.count(), size)
            .select_from(table if joined is None else joined)
            .where(expression.in_(ids))
            .group_by(expression)
        )
        for workshop_id, count, stored in db.execute(statement):
            totals[workshop_id][0] += int(count)
            totals[workshop_id][1] += int(stored)
    return {key: Size(rows=value[0], bytes=value[1]) for key, value in totals.items()}


def _stored_bytes(column: Any) -> ColumnElement[Any]:
    """The bytes of one stored value (0 for NULL)."""
    return func.coalesce(func.length(cast(column, LargeBinary)), 0)


# --------------------------------------------------------------------------- per workshop


@bp.post("/admin/workshops/<workshop_id>/console")
def open_console(workshop_id: str) -> BaseResponse | tuple[str, int]:
    """A new admin console key for the workshop → 303 to its console with the key, marked
    `admin=1`: the console then says the link is not a facilitator link (the next "Open
    console" here replaces it) and the start page does not list it as the facilitator's own."""
    refused = _guard(form=True)
    if refused:
        return refused
    db = get_db()
    begin_write(db)
    workshop = get_workshop(db, workshop_id)
    key = workshops.grant_admin_key(db, workshop)
    return redirect(
        f"{url_for('workshop.facilitator_page', workshop_id=workshop.id)}#key={key}&admin=1", 303
    )


@bp.get("/admin/workshops/<workshop_id>/export.json")
def export(workshop_id: str) -> Response | tuple[str, int]:
    """The workshop's complete data as a JSON attachment (services/transfer.py)."""
    refused = _guard(form=False)
    if refused:
        return refused
    db = get_db()
    workshop = get_workshop(db, workshop_id)
    data = transfer.export_workshop(db, workshop)
    db.rollback()
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = content_disposition(
        "attachment",
        stem=f"{download_stem(workshop.title)}-{workshop.id}",
        ascii_fallback=f"{ascii_stem(workshop.title)}-{workshop.id}",
        ext="json",
    )
    return response


@bp.get("/admin/workshops/<workshop_id>/delete")
def confirm_delete(workshop_id: str) -> tuple[str, int] | str:
    """The page that names the workshop and asks before deleting it."""
    refused = _guard(form=False)
    if refused:
        return refused
    db = get_db()
    workshop = get_workshop(db, workshop_id)
    listed = Listed(
        workshop=workshop,
        last_activity=lifecycle.last_activity(db, workshop),
        participants=_participants(db, [workshop.id]).get(workshop.id, 0),
        size=_sizes(db, [workshop.id])[workshop.id],
    )
    db.rollback()
    return render_template("admin_delete.html", item=listed, **_page())


@bp.post("/admin/workshops/<workshop_id>/delete")
def delete(workshop_id: str) -> BaseResponse | tuple[str, int]:
    """Delete the workshop and everything of it; its live rooms are told and closed."""
    refused = _guard(form=True)
    if refused:
        return refused
    db = get_db()
    begin_write(db)
    workshop = get_workshop(db, workshop_id)
    title = workshop.title
    lifecycle.delete_workshop(db, workshop)
    closing.close_workshop(workshop_id, reason="removed")
    cookie = dict(_cookie())
    cookie["notice"] = _notice(i18n.gettext("Deleted “%(title)s”.", title=title))
    _save_cookie(cookie)
    return redirect(url_for("admin.home"), 303)


@bp.post(IMPORT_PATH)
def import_file() -> BaseResponse | tuple[str, int]:
    """A new workshop from an export file (multipart `file`) → 303 to the list, whose notice
    names it and offers to open its console (Post/Redirect/Get: reloading the list imports
    nothing again); or the list saying what is wrong with the file."""
    refused = _guard(form=True)
    if refused:
        return refused
    limit = int(current_app.config.get("MAX_IMPORT_BYTES", 20 * 1024 * 1024))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        message = i18n.gettext("Choose an export file (.json) to import.")
        return _list_page(error=message, status=400)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        return _list_page(error=_too_large_message(limit), status=413)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        message = i18n.gettext(
            "“%(name)s” is not a workshop export: it is not a JSON file.", name=upload.filename
        )
        return _list_page(error=message, status=400)
    db = get_db()
    begin_write(db)
    try:
        workshop, _key = transfer.import_workshop(db, data)
    except DomainError as exc:
        db.rollback()
        message = i18n.gettext("Not imported: %(message)s", message=exc.message)
        return _list_page(error=message, status=400)
    text = i18n.gettext(
        "Imported “%(title)s” as a new workshop (code %(code)s).",
        title=workshop.title,
        code=workshop.code,
    )
    retention = _retention_note(workshop)
    cookie = dict(_cookie())
    # The console button posts to open_console, which mints the admin key when it is used.
    cookie["notice"] = {
        **_notice(text, "warn" if retention else "good"),
        "more": retention or "",
        "console": workshop.id,
        "title": workshop.title,
    }
    _save_cookie(cookie)
    return redirect(url_for("admin.home"), 303)


def _retention_note(workshop: Workshop, now: datetime | None = None) -> str | None:
    """What RETENTION_DAYS will do to an imported finished workshop (it keeps its finished_at,
    which the purge counts from), or None: no retention, or not finished."""
    days = current_app.config.get("RETENTION_DAYS")
    if not days or workshop.status != "finished" or workshop.finished_at is None:
        return None
    finished = _naive(workshop.finished_at)
    due = finished + timedelta(days=int(days))
    when = _day(finished)
    if due <= _naive(now or datetime.now(UTC)):
        return i18n.gettext(
            "This server deletes finished workshops after %(days)s days (RETENTION_DAYS); "
            "this one finished on %(when)s, so the next daily purge deletes it. "
            "Export it again if you need to keep it.",
            days=i18n.format_number(int(days)),
            when=when,
        )
    return i18n.gettext(
        "This server deletes finished workshops after %(days)s days (RETENTION_DAYS); "
        "this one finished on %(when)s, so it is deleted after %(due)s.",
        days=i18n.format_number(int(days)),
        when=when,
        due=_day(due),
    )


def _too_large_message(limit: int) -> str:
    return i18n.gettext(
        "The file is larger than %(size)s, the most this server imports (MAX_IMPORT_BYTES).",
        size=_megabytes(limit),
    )


@bp.errorhandler(RequestEntityTooLarge)
def _import_too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over MAX_IMPORT_BYTES, refused before it is read: said on the admin page."""
    limit = int(current_app.config.get("MAX_IMPORT_BYTES", 20 * 1024 * 1024))
    if request.path != IMPORT_PATH:
        message = i18n.gettext("The form is larger than this server accepts; nothing was changed.")
        return render_template("admin_error.html", message=message, **_page()), 413
    if not _logged_in():
        return _login_page(i18n.gettext("Log in to continue."), 401)
    return _list_page(error=_too_large_message(limit), status=413)


# --------------------------------------------------------------------------- formatting


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        megabytes = round(size / (1024 * 1024), 1)
        shown = int(megabytes) if megabytes == int(megabytes) else megabytes
        return i18n.gettext("%(n)s MB", n=i18n.format_number(shown))
    if size >= 1024:
        return i18n.gettext("%(n)s KB", n=i18n.format_number(round(size / 1024)))
    return i18n.ngettext("%(n)s byte", "%(n)s bytes", size)


def _day(moment: datetime) -> str:
    """A day as the admin pages write it ("8 Dec 2026" in English), in the page's language."""
    return i18n.format_date(moment, "d MMM y")


@bp.app_template_filter("admin_bytes")
def _bytes_filter(size: int) -> str:
    return _megabytes(size)


@bp.app_template_filter("admin_rows")
def _rows_filter(count: int) -> str:
    return i18n.ngettext("%(n)s row", "%(n)s rows", count)


STATUS_NAMES = {"active": i18n.N_("active"), "finished": i18n.N_("finished")}
"""A workshop's status as the admin pages name it (the stored value stays the English key)."""


@bp.app_template_filter("admin_status")
def _status_filter(status: str) -> str:
    return i18n.gettext(STATUS_NAMES[status]) if status in STATUS_NAMES else status


@bp.app_template_filter("admin_time")
def _time_filter(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return i18n.format_datetime(_naive(moment), "d MMM y, HH:mm")
