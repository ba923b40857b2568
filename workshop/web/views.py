"""HTTP routes: the four pages, the QR code, the JSON API and the plan downloads."""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from .. import i18n
from .. import plan as plan_module
from ..core.errors import DomainError
from ..core.payloads import (
    CreateWorkshopPayload,
    DuplicateWorkshopPayload,
    PublishPlanPayload,
    TemplateSavePayload,
    parse,
)
from ..core.ratelimit import Buckets, RateLimited
from ..core.security import normalise_code
from ..persistence.db import begin_write, get_db
from ..persistence.models import PlanVersion, Workshop
from ..persistence.queries import get_workshop, get_workshop_by_code
from ..plan import review
from ..plan.schema import PLAN_SCHEMA
from ..realtime import closing, snapshot
from ..realtime.broadcast import broadcast_state
from ..services import agenda, duplicate, lifecycle, plans, shares, workshops
from .headers import plan_disposition
from .hosts import public_base_url as base_url
from .language import use_page_language

bp = Blueprint("workshop", __name__)

# A plan page (the HTML format, a share link's page): its own inline styles and SVG only; and
# like every page, never framed, no <base>, forms only back here.
PLAN_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
CREATE_BUCKETS = "workshop_create_buckets"
"""app.extensions key of the per-address buckets of `POST /api/workshops`."""


# --------------------------------------------------------------------------- pages


@bp.get("/")
def index() -> str:
    """Create a workshop, or join one by code."""
    return render_template("index.html")


@bp.get("/join")
def join_by_code() -> BaseResponse | tuple[str, int]:
    """The code form on `/`: go to the workshop's join page, or say the code is unknown."""
    code = normalise_code(request.args.get("code", ""))
    if not code:
        return redirect(url_for("workshop.index"))
    try:
        get_workshop_by_code(get_db(), code)
    except DomainError:
        return render_template("index.html", join_error=code or " ", code=code), 404
    return redirect(url_for("workshop.participant_page", code=code))


@bp.get("/j/<code>")
def participant_page(code: str) -> BaseResponse | tuple[str, int] | str:
    """The phone page of a workshop."""
    normal = normalise_code(code)
    try:
        workshop = get_workshop_by_code(get_db(), normal)
    except DomainError:
        return render_template("index.html", join_error=code, code=normal), 404
    if normal != code:
        return redirect(url_for("workshop.participant_page", code=normal))
    return render_template("participant.html", workshop=workshop)


def qr_svg(url: str) -> bytes:
    """`url` as a QR code, an SVG image (medium error correction: a projector's glare)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=10, border=2, xmldecl=False, svgns=True, title="Join QR code"
    )
    return buffer.getvalue()


@bp.get("/j/<code>/qr.svg")
def join_qr(code: str) -> Response:
    """The join URL as a QR code (SVG), for the console and the projector: the same address as
    `workshop.join_url` (PUBLIC_URL, else the listening or LAN address), never the Host's."""
    workshop = get_workshop_by_code(get_db(), code)
    response = Response(qr_svg(f"{base_url()}j/{workshop.code}"), mimetype="image/svg+xml")
    # The QR names a workshop's join URL: only this browser may keep it.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/w/<workshop_id>/facilitate")
def facilitator_page(workshop_id: str) -> str:
    """The facilitator console (the key travels in the URL fragment, never to the server)."""
    workshop = get_workshop(get_db(), workshop_id)
    return render_template("console.html", workshop=workshop)


@bp.get("/w/<workshop_id>/present")
def projector_page(workshop_id: str) -> str:
    """The room screen: its title only. The join code, QR and count come with the `present`
    state, to a screen holding the projector token; the page itself shows no secret."""
    workshop = get_workshop(get_db(), workshop_id)
    # The room's screen speaks the workshop's language, whatever the browser showing it.
    use_page_language(workshop.language)
    return render_template("present.html", workshop=RoomScreen(workshop.id, workshop.title))


@dataclass(frozen=True)
class RoomScreen:
    """What the room screen's page is rendered with: nothing a stranger may not see."""

    id: str
    title: str


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness and database check."""
    get_db().execute(text("SELECT 1"))
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- API


@bp.post("/api/workshops")
def create_workshop() -> tuple[Response, int]:
    """Create a workshop; the facilitator key is in this response and nowhere else. Each
    address may create CREATE_BURST at once and CREATE_RATE a second (429 `rate_limited`)."""
    _throttle_creation()
    body = _json_body()
    if body is None:
        raise DomainError(
            "invalid_payload", i18n.gettext("Send a JSON object with at least a title.")
        )
    payload = parse(CreateWorkshopPayload, body)
    db = get_db()
    begin_write(db)
    workshop, key = workshops.create_workshop(
        db,
        title=payload.title,
        organization=payload.organization,
        horizon_years=payload.horizon_years,
        template=payload.template,
        facilitator_name=payload.facilitator_name,
        review_cadence=payload.review_cadence,
        language=body.get("language"),
        max_participants=(
            current_app.config["MAX_PARTICIPANTS"]
            if payload.max_participants is None
            else payload.max_participants
        ),
    )
    return _created(workshop, key)


def _created(workshop: Workshop, key: str) -> tuple[Response, int]:
    """201 with the new workshop's id, code, key, projector token and links: the body of
    `POST /api/workshops` and of `POST /api/workshops/<id>/duplicate`."""
    root = base_url()
    projector_url = f"{root}w/{workshop.id}/present#token={workshop.projector_token}"
    response = jsonify(
        {
            "id": workshop.id,
            "code": workshop.code,
            "facilitator_key": key,
            "projector_token": workshop.projector_token,
            "projector_url": projector_url,
            "urls": {
                "join": f"{root}j/{workshop.code}",
                "facilitate": f"{root}w/{workshop.id}/facilitate#key={key}",
                "present": projector_url,
            },
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response, 201


def _throttle_creation() -> None:
    """Take this address's token for a new workshop, or raise rate_limited (429)."""
    buckets = current_app.extensions.get(CREATE_BUCKETS)
    if buckets is None:
        config = current_app.config
        buckets = Buckets(float(config["CREATE_RATE"]), float(config["CREATE_BURST"]))
        current_app.extensions[CREATE_BUCKETS] = buckets
    address = request.remote_addr or ""
    if not buckets.take(address):
        wait = max(1, math.ceil(buckets.retry_after(address)))
        raise RateLimited(
            wait,
            i18n.gettext(
                "Too many new workshops from this address; try again in %(wait)s s.", wait=wait
            ),
        )


def _json_body() -> Any:
    """The request's JSON, or None when it is not JSON (or nested too deep to read)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _bearer() -> str:
    """The secret in `Authorization: Bearer ...`, or ""."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _presented_secret() -> str:
    """The Bearer secret, else `?token=` (plan links are opened straight from phones)."""
    return _bearer() or request.args.get("token", "").strip()


@bp.get("/api/workshops/<workshop_id>")
def workshop_state(workshop_id: str) -> Response:
    """The facilitator's state snapshot; needs the facilitator key as a Bearer token."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    return jsonify(
        snapshot.public_state(snapshot.load_view(db, workshop), "facilitator", base_url())
    )


@bp.delete("/api/workshops/<workshop_id>")
def delete_workshop(workshop_id: str) -> tuple[str, int]:
    """Delete the workshop and everything of it (facilitator key as Bearer); its live rooms
    are told (`workshop:closed`) and closed."""
    db = get_db()
    begin_write(db)
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    lifecycle.delete_workshop(db, workshop)
    closing.close_workshop(workshop_id, reason="deleted")
    return "", 204


@bp.get("/api/workshops/<workshop_id>/summary")
def workshop_summary(workshop_id: str) -> Response:
    """What "My workshops" on the start page shows of one workshop (facilitator key)."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    response = jsonify(lifecycle.summary(db, workshop))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/api/workshops/<workshop_id>/duplicate")
def duplicate_workshop(workshop_id: str) -> tuple[Response, int]:
    """A new workshop with this one's agenda and settings, and the selected items of the
    stages in `carry_over` preloaded (facilitator key as Bearer); throttled like a new one."""
    body = _json_body()
    db = get_db()
    source = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    if body is None:
        # No body: every default. A body that is not JSON is a mistake, said as one.
        if request.get_data(cache=True):
            raise DomainError(
                "invalid_payload",
                i18n.gettext('Send a JSON object: {"title"?, "carry_over"?}, or nothing.'),
            )
        body = {}
    payload = parse(DuplicateWorkshopPayload, body)
    _throttle_creation()
    begin_write(db)
    source = get_workshop(db, workshop_id)
    workshop, key = duplicate.duplicate_workshop(
        db, source, title=payload.title, carry_over=list(payload.carry_over)
    )
    return _created(workshop, key)


@bp.get("/api/workshops/<workshop_id>/room")
def room_status(workshop_id: str) -> Response:
    """`{"participant_count", "lobby", "status"}` for the room's screen: the projector token or
    the facilitator key as Bearer; never cached."""
    db = get_db()
    workshops.authenticate_room(db, workshop_id=workshop_id, secret=_bearer())
    response = jsonify(workshops.room_status(db, workshop_id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/templates")
def list_templates() -> Response:
    """The built-in agenda templates, and the `presets` the agenda editor starts a new stage
    with (taken from them), in the request's language, or in `?language=` (the console asks
    for its workshop's, so a stage it adds speaks the room's language). Saved templates are
    never listed: their id is their capability."""
    wanted = request.args.get("language")
    if wanted is not None:
        use_page_language(i18n.check_language(wanted))
    found = agenda.list_templates()
    templates = [agenda.template_summary(t) for t in found]
    return jsonify({"templates": templates, "presets": agenda.stage_presets(found)})


@bp.get("/api/languages")
def list_languages() -> Response:
    """The shipped languages (code, own name, script direction) and the default one."""
    return jsonify({"languages": i18n.language_list(), "default": i18n.DEFAULT_LANGUAGE})


@bp.get("/api/templates/<template_id>")
def get_template(template_id: str) -> Response:
    """One template by id: a built-in, or a saved one for whoever has its id."""
    template = agenda.find_template(get_db(), template_id)
    response = jsonify(agenda.template_summary(template))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/api/templates")
def save_template() -> tuple[Response, int]:
    """Save a workshop's agenda as a template of its own (facilitator key as Bearer)."""
    body = _json_body()
    if body is None:
        raise DomainError("invalid_payload", i18n.gettext('Send {"workshop_id": ...} as JSON.'))
    payload = parse(TemplateSavePayload, body)
    db = get_db()
    begin_write(db)
    workshop = workshops.authenticate_facilitator(
        db, workshop_id=payload.workshop_id, key=_bearer()
    )
    row = agenda.save_template(
        db, workshop=workshop, title=payload.title, description=payload.description
    )
    response = jsonify(agenda.template_summary(agenda.saved_json(row)))
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.delete("/api/templates/<template_id>")
def delete_template(template_id: str) -> tuple[str, int]:
    """Delete a saved template (the key of the workshop that saved it, as Bearer)."""
    db = get_db()
    begin_write(db)
    agenda.delete_template(db, template_id=template_id, key=_bearer())
    return "", 204


@bp.get("/api/workshops/<workshop_id>/templates")
def workshop_templates(workshop_id: str) -> Response:
    """The templates this workshop saved, oldest first (facilitator key as Bearer)."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    rows = agenda.saved_by(db, workshop.id)
    templates = [
        {
            **agenda.template_summary(agenda.saved_json(row)),
            "created_at": row.created_at.isoformat(),
        }
        for row in rows
    ]
    response = jsonify({"templates": templates})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/api/workshops/<workshop_id>/agenda")
def get_agenda(workshop_id: str) -> Response:
    """The workshop's stages and steps with their settings (facilitator key as Bearer)."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    return jsonify(agenda.get_agenda(db, workshop))


@bp.put("/api/workshops/<workshop_id>/agenda")
def put_agenda(workshop_id: str) -> Response:
    """Replace the stages that have not started; connected clients get the new state."""
    # The body is read before the write lock is taken: a slow upload never holds it.
    body = _json_body()
    db = get_db()
    begin_write(db)
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    if body is None:
        raise DomainError("invalid_agenda", i18n.gettext('Send {"stages": [...]} as JSON.'))
    agenda.replace_agenda(db, workshop=workshop, body=body)
    begin_write(db)  # the lobby check reads again, under the lock
    workshops.keep_lobby_on_first_stage(db, get_workshop(db, workshop.id))
    broadcast_state(db, get_workshop(db, workshop.id))
    return jsonify(agenda.get_agenda(db, workshop))


# --------------------------------------------------------------------------- the plan


def _file_response(workshop: Workshop, rendered: plans.RenderedPlan) -> Response:
    """A plan file with its media type, file name and headers. HTML opens in the browser (to
    print); every other format is an attachment."""
    renderer = rendered.renderer
    suffix = (
        "-draft" if rendered.draft else (f"-v{rendered.version}" if rendered.version > 1 else "")
    )
    response = Response(rendered.content, content_type=renderer.media_type)
    response.headers["Content-Disposition"] = plan_disposition(
        workshop.title,
        renderer.extension,
        attachment=not renderer.inline,
        kind=renderer.download_name,
        suffix=suffix,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if renderer.format == "html":
        response.headers["Content-Security-Policy"] = PLAN_PAGE_POLICY
    return response


def plan_download(workshop_id: str, format: str) -> Response:
    """A plan download: the latest version, or `?version=N`. The facilitator gets a draft
    (marked DRAFT) while the workshop runs; a participant gets not_finished (409)."""
    db = get_db()
    workshop, role = workshops.reader_role(db, workshop_id=workshop_id, secret=_presented_secret())
    number = plans.parse_version(request.args.get("version"))
    if workshop.status != "finished" and role == "facilitator" and number is None:
        rendered = plans.draft_file(db, workshop=workshop, format=format)
    else:
        rendered = plans.stored_file(db, workshop=workshop, format=format, number=number)
    return _file_response(workshop, rendered)


for _format, _renderer in plan_module.RENDERERS.items():
    bp.add_url_rule(
        f"/api/workshops/<workshop_id>/{_renderer.filename}",
        endpoint=f"plan_{_format}",
        view_func=plan_download,
        defaults={"format": _format},
        methods=["GET"],
    )


@bp.get("/api/plan.schema.json")
def plan_schema() -> Response:
    """The JSON Schema of `plan.json` (docs/plan-format.md)."""
    response = jsonify(PLAN_SCHEMA)
    response.mimetype = "application/schema+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _version_json(workshop: Workshop, row: PlanVersion, latest: int) -> dict[str, Any]:
    return {
        "version": row.version,
        "created_at": row.created_at.isoformat(),
        "note": row.note,
        "latest": row.version == latest,
        "urls": snapshot.plan_urls(workshop, base_url(), row.version),
    }


@bp.get("/api/workshops/<workshop_id>/plan/versions")
def plan_versions(workshop_id: str) -> Response:
    """Every published version of the plan, oldest first (facilitator key or participant
    token); an empty list while the workshop runs."""
    db = get_db()
    workshop = workshops.authenticate_reader(
        db, workshop_id=workshop_id, secret=_presented_secret()
    )
    rows = plans.list_versions(db, workshop.id)
    latest = rows[-1].version if rows else 0
    return jsonify({"versions": [_version_json(workshop, row, latest) for row in rows]})


@bp.post("/api/workshops/<workshop_id>/plan/versions")
def publish_version(workshop_id: str) -> tuple[Response, int]:
    """Publish the facilitator's review as the next version (facilitator key as Bearer)."""
    body = _json_body()  # read before the write lock: a slow upload never holds it
    db = get_db()
    begin_write(db)
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    if not isinstance(body, dict):
        raise DomainError(
            "invalid_payload", i18n.gettext('Send {"based_on": N, "items": [...]} as JSON.')
        )
    payload = parse(PublishPlanPayload, body)
    row = plans.publish(
        db,
        workshop=workshop,
        based_on=payload.based_on,
        items=body.get("items", []),
        facilitator=body.get("facilitator", review.UNSET),
        note=payload.note,
        review_cadence=body.get("review_cadence"),
    )
    broadcast_state(db, get_workshop(db, workshop.id))
    return jsonify(_version_json(workshop, row, row.version)), 201


@bp.post("/api/workshops/<workshop_id>/shares")
def create_share(workshop_id: str) -> tuple[Response, int]:
    """A read-only link to the finished plan (facilitator key as Bearer) → `{"id", "url"}`."""
    db = get_db()
    begin_write(db)
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    share, secret = shares.create_share(db, workshop=workshop)
    response = jsonify(
        {
            "id": share.id,
            "url": f"{base_url()}s/{secret}",
            "created_at": share.created_at.isoformat(),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.get("/api/workshops/<workshop_id>/shares")
def list_shares(workshop_id: str) -> Response:
    """The open share links (ids and when they were made; a link's URL is shown only once)."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    rows = shares.active_shares(db, workshop.id)
    return jsonify(
        {"shares": [{"id": row.id, "created_at": row.created_at.isoformat()} for row in rows]}
    )


@bp.delete("/api/workshops/<workshop_id>/shares/<share_id>")
def revoke_share(workshop_id: str, share_id: str) -> tuple[str, int]:
    """Revoke a share link: from now on it answers 404."""
    db = get_db()
    begin_write(db)
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    shares.revoke_share(db, workshop=workshop, share_id=share_id)
    return "", 204


def _share_headers(response: Response) -> Response:
    # The secret is in the URL: never pass it on, never index it.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/s/<secret>")
def share_page(secret: str) -> Response:
    """What a share link opens: the plan's printable page, with links to every format."""
    db = get_db()
    workshop = shares.open_share(db, secret)
    number = plans.parse_version(request.args.get("version"))
    row = plans.get_version(db, workshop=workshop, number=number)
    document = plans.document_of(db, workshop=workshop, row=row)
    db.commit()
    query = f"?version={number}" if number is not None else ""
    # The plan's page in the workshop's language, whoever opens the link.
    with i18n.use_language(workshop.language):
        links = [
            (
                i18n.gettext(label),
                f"{base_url()}s/{secret}/{plan_module.RENDERERS[name].filename}{query}",
            )
            for name, label in DOWNLOAD_LABELS.items()
        ]
        # The HTML page renders in milliseconds (no fonts, no layout engine): right here.
        page = plan_module.render_html(document, downloads=links)
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = PLAN_PAGE_POLICY
    return _share_headers(response)


@bp.get("/s/<secret>/<filename>")
def share_download(secret: str, filename: str) -> Response:
    """A format of the shared plan (`plan.pdf`, `ideas.csv`…), `?version=N` as elsewhere."""
    renderer = plan_module.BY_FILENAME.get(filename)
    if renderer is None:
        raise DomainError(
            "not_found", i18n.gettext("There is no plan file %(name)s.", name=repr(filename))
        )
    db = get_db()
    workshop = shares.open_share(db, secret)
    number = plans.parse_version(request.args.get("version"))
    rendered = plans.stored_file(db, workshop=workshop, format=renderer.format, number=number)
    return _share_headers(_file_response(workshop, rendered))


@bp.get("/w/<workshop_id>/review")
def review_page(workshop_id: str) -> str:
    """The facilitator's review of the finished plan (the key travels in the URL fragment)."""
    workshop = get_workshop(get_db(), workshop_id)
    return render_template("review.html", workshop=workshop, review_rules=review.review_rules())


DOWNLOAD_LABELS = {
    "pdf": "PDF",
    "docx": i18n.N_("Word (DOCX)"),
    "html": i18n.N_("Web page (HTML)"),
    "md": "Markdown",
    "json": "JSON",
    "csv": i18n.N_("Ideas (CSV)"),
    "register": i18n.N_("Register of programs, projects and actions (CSV)"),
    "roadmap": i18n.N_("Roadmap dates (calendar)"),
}
"""The share page's downloads, named in the plan's language (translated where shown)."""


# --------------------------------------------------------------------------- errors


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


@bp.app_errorhandler(DomainError)
def domain_error(exc: DomainError) -> tuple[Response | str, int]:
    """Domain errors: JSON under /api, a page elsewhere."""
    get_db().rollback()
    if _wants_json():
        response = jsonify({"error": exc.as_payload()})
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return response, exc.http_status
    return _error_page(exc, exc.http_status)


def _error_page(error: DomainError, status: int) -> tuple[Response | str, int]:
    """The error page; if even that cannot be rendered (a request no URL can be built for),
    the error as JSON: never a traceback."""
    try:
        return render_template("error.html", error=error), status
    except Exception:  # the last resort answers whatever failed
        logging.getLogger(__name__).warning("error page not rendered for %s", status)
        return jsonify({"error": error.as_payload()}), status


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> tuple[Response | str, int] | HTTPException:
    """404, 405 and the like, in the same JSON shape under /api."""
    code = exc.code or 500
    # Werkzeug's own descriptions are English: the common ones are in the catalogue.
    message = i18n.gettext(exc.description) if exc.description else exc.description
    if not _wants_json():
        error = DomainError("not_found" if code == 404 else "http_error", message or "")
        return _error_page(error, code)
    name = HTTP_CODES.get(code) or (exc.name or "error").lower().replace(" ", "_")
    return jsonify({"error": {"code": name, "message": message}}), code


WERKZEUG_DESCRIPTIONS = (
    i18n.N_(
        "The requested URL was not found on the server. If you entered the URL manually please "
        "check your spelling and try again."
    ),
    i18n.N_("The method is not allowed for the requested URL."),
    i18n.N_("The data value transmitted exceeds the capacity limit."),
    i18n.N_("The browser (or proxy) sent a request that this server could not understand."),
)
"""The descriptions Werkzeug gives its usual HTTP errors, marked for the catalogue (`http_error`
translates them)."""
HTTP_CODES = {413: "payload_too_large", 429: "rate_limited"}
"""Error codes of HTTP errors raised outside any route, where the name Werkzeug gives them is
not the documented code."""


@bp.app_errorhandler(500)
def server_error(_exc: Exception) -> tuple[Response | str, int]:
    """Unexpected failures: a generic message, never a traceback."""
    if _wants_json():
        message = i18n.gettext("Something went wrong.")
        body = {"error": {"code": "internal_error", "message": message}}
        return jsonify(body), 500
    error = DomainError("internal_error", i18n.gettext("Something went wrong on our side."))
    return _error_page(error, 500)
